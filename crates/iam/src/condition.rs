//! The `Condition` element: operators (`StringEquals`, `NumericLessThan`,
//! `IpAddress`, ... with their `...IfExists` forms and the `ForAllValues:` /
//! `ForAnyValue:` set qualifiers), compiled at parse time and evaluated
//! against a request.
//!
//! Semantics, as AWS documents them:
//! - values listed for one key are OR'd; keys within an operator and the
//!   operators of a block are AND'd;
//! - a negated operator (`StringNotEquals`, `NotIpAddress`, `ArnNotLike`, ...)
//!   is the negation of its positive form: the request value must match none
//!   of the listed values;
//! - a key absent from the request (or an empty list) makes a condition
//!   false, except: `...IfExists` forms are true; negated operators are true
//!   ("if the policy condition requires that the key is not matched ... and
//!   the key is not present, the condition is true"); `ForAllValues` is true;
//!   `Null` tests for exactly this;
//! - with `ForAllValues`, every request value must satisfy the operator; with
//!   `ForAnyValue`, at least one; without a qualifier, a multivalued key
//!   satisfies a positive operator if any value matches, and a negated one if
//!   no value matches;
//! - a request value that cannot be read as the operator's type (a number,
//!   date, address, ARN, base64) matches no policy value.
//!
//! Operator names and qualifiers are accepted in any case; key names are
//! case-insensitive; values are case-sensitive except for `...IgnoreCase`
//! (and `Bool`).

use serde_json::Value;

use crate::context::RequestView;
use crate::ip::{parse_ip, Cidr};
use crate::matcher::{split_arn, split_arn_segs, Seg};
use crate::values::{parse_base64, parse_bool, parse_date, parse_number};
use crate::variables::{parse_template, Pattern, TemplateMode};

/// A set qualifier prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetQualifier {
    /// `ForAllValues:`: every request value must match (true when there are none).
    ForAllValues,
    /// `ForAnyValue:`: at least one request value must match.
    ForAnyValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    /// `request <op> policy`.
    fn test<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Cmp::Eq => request == policy,
            Cmp::Lt => request < policy,
            Cmp::Le => request <= policy,
            Cmp::Gt => request > policy,
            Cmp::Ge => request >= policy,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// A parsed operator name such as `ForAnyValue:StringNotLikeIfExists`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Operator {
    kind: Kind,
    negated: bool,
    if_exists: bool,
    set: Option<SetQualifier>,
}

fn parse_operator(name: &str) -> Result<Operator, String> {
    let unknown = || format!("unknown condition operator \"{name}\"");
    let (set, rest) = match name.split_once(':') {
        Some((q, rest)) if q.eq_ignore_ascii_case("ForAllValues") => {
            (Some(SetQualifier::ForAllValues), rest)
        }
        Some((q, rest)) if q.eq_ignore_ascii_case("ForAnyValue") => {
            (Some(SetQualifier::ForAnyValue), rest)
        }
        Some(_) => return Err(unknown()),
        None => (None, name),
    };
    let lower = rest.to_ascii_lowercase();
    let (base, if_exists) = match lower.strip_suffix("ifexists") {
        Some(base) => (base, true),
        None => (lower.as_str(), false),
    };
    let (kind, negated) = match base {
        "stringequals" => (Kind::StringEquals, false),
        "stringnotequals" => (Kind::StringEquals, true),
        "stringequalsignorecase" => (Kind::StringEqualsIgnoreCase, false),
        "stringnotequalsignorecase" => (Kind::StringEqualsIgnoreCase, true),
        "stringlike" => (Kind::StringLike, false),
        "stringnotlike" => (Kind::StringLike, true),
        "numericequals" => (Kind::Numeric(Cmp::Eq), false),
        "numericnotequals" => (Kind::Numeric(Cmp::Eq), true),
        "numericlessthan" => (Kind::Numeric(Cmp::Lt), false),
        "numericlessthanequals" => (Kind::Numeric(Cmp::Le), false),
        "numericgreaterthan" => (Kind::Numeric(Cmp::Gt), false),
        "numericgreaterthanequals" => (Kind::Numeric(Cmp::Ge), false),
        "dateequals" => (Kind::Date(Cmp::Eq), false),
        "datenotequals" => (Kind::Date(Cmp::Eq), true),
        "datelessthan" => (Kind::Date(Cmp::Lt), false),
        "datelessthanequals" => (Kind::Date(Cmp::Le), false),
        "dategreaterthan" => (Kind::Date(Cmp::Gt), false),
        "dategreaterthanequals" => (Kind::Date(Cmp::Ge), false),
        "bool" => (Kind::Bool, false),
        "binaryequals" => (Kind::Binary, false),
        "ipaddress" => (Kind::Ip, false),
        "notipaddress" => (Kind::Ip, true),
        "arnequals" | "arnlike" => (Kind::Arn, false),
        "arnnotequals" | "arnnotlike" => (Kind::Arn, true),
        "null" => (Kind::Null, false),
        _ => return Err(unknown()),
    };
    if kind == Kind::Null && if_exists {
        return Err(format!(
            "condition operator \"{name}\": Null cannot be combined with IfExists"
        ));
    }
    if kind == Kind::Null && set.is_some() {
        return Err(format!(
            "condition operator \"{name}\": Null cannot be combined with ForAllValues or ForAnyValue"
        ));
    }
    Ok(Operator {
        kind,
        negated,
        if_exists,
        set,
    })
}

/// The policy values of one condition, compiled for their operator.
#[derive(Debug, Clone, PartialEq)]
enum Values {
    /// StringEquals / StringEqualsIgnoreCase: literal templates (variables allowed).
    Text {
        ignore_case: bool,
        values: Vec<Pattern>,
    },
    /// StringLike: wildcard patterns (variables allowed).
    Like(Vec<Pattern>),
    Number(Cmp, Vec<f64>),
    Date(Cmp, Vec<i128>),
    Bool(Vec<bool>),
    Binary(Vec<Vec<u8>>),
    Ip(Vec<Cidr>),
    /// ArnLike / ArnEquals: one pattern per ARN part (variables allowed).
    Arn(Vec<[Pattern; 6]>),
    /// Null: `true` = the key must be absent.
    Null(Vec<bool>),
}

/// One (operator, key, values) test of a Condition block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    op: Operator,
    /// Lower-cased key name.
    key: Box<str>,
    values: Values,
}

/// Parses a statement's `Condition` element. `variables` is true for
/// policy Version 2012-10-17. Errors do not include the statement location.
pub(crate) fn parse_conditions(block: &Value, variables: bool) -> Result<Vec<Condition>, String> {
    let Value::Object(ops) = block else {
        return Err("Condition must be an object".to_owned());
    };
    let mut out = Vec::new();
    for (op_name, keys) in ops {
        let op = parse_operator(op_name)?;
        let Value::Object(keys) = keys else {
            return Err(format!(
                "condition operator \"{op_name}\" must be an object of condition keys and values"
            ));
        };
        let mut seen: Vec<String> = Vec::new();
        for (key, raw) in keys {
            let lower = key.to_lowercase();
            if lower.is_empty() {
                return Err(format!("condition {op_name} has an empty condition key"));
            }
            if seen.contains(&lower) {
                return Err(format!(
                    "condition {op_name} lists key \"{key}\" more than once (keys are case-insensitive)"
                ));
            }
            let where_ = || format!("condition {op_name} \"{key}\"");
            let strings = coerce(raw).map_err(|e| format!("{}: {e}", where_()))?;
            let values = compile_values(&op, &strings, variables)
                .map_err(|e| format!("{}: {e}", where_()))?;
            out.push(Condition {
                op: op.clone(),
                key: lower.clone().into_boxed_str(),
                values,
            });
            seen.push(lower);
        }
    }
    Ok(out)
}

/// Reads a condition value as strings, the way AWS coerces JSON scalars.
fn coerce(raw: &Value) -> Result<Vec<String>, &'static str> {
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    const TYPE_ERR: &str = "values must be strings, numbers, booleans, or an array of them";
    match raw {
        Value::Array(items) if items.is_empty() => Err("must have at least one value"),
        Value::Array(items) => items.iter().map(|v| scalar(v).ok_or(TYPE_ERR)).collect(),
        v => scalar(v).map(|s| vec![s]).ok_or(TYPE_ERR),
    }
}

fn compile_values(op: &Operator, strings: &[String], variables: bool) -> Result<Values, String> {
    let text = TemplateMode {
        variables,
        wildcards: false,
    };
    let glob = TemplateMode {
        variables,
        wildcards: true,
    };
    // Typed parsers with their error wording.
    fn typed<T>(
        strings: &[String],
        parse: impl Fn(&str) -> Option<T>,
        what: &str,
    ) -> Result<Vec<T>, String> {
        strings
            .iter()
            .map(|s| parse(s).ok_or_else(|| format!("\"{s}\" {what}")))
            .collect()
    }
    Ok(match op.kind {
        Kind::StringEquals | Kind::StringEqualsIgnoreCase => Values::Text {
            ignore_case: op.kind == Kind::StringEqualsIgnoreCase,
            values: strings
                .iter()
                .map(|s| parse_template(s, text).map(Pattern::new))
                .collect::<Result<_, _>>()?,
        },
        Kind::StringLike => Values::Like(
            strings
                .iter()
                .map(|s| parse_template(s, glob).map(Pattern::new))
                .collect::<Result<_, _>>()?,
        ),
        Kind::Numeric(cmp) => Values::Number(cmp, typed(strings, parse_number, "is not a number")?),
        Kind::Date(cmp) => Values::Date(
            cmp,
            typed(
                strings,
                parse_date,
                "is not a date (ISO 8601 or epoch seconds)",
            )?,
        ),
        Kind::Bool => Values::Bool(typed(strings, parse_bool, "must be \"true\" or \"false\"")?),
        Kind::Null => Values::Null(typed(strings, parse_bool, "must be \"true\" or \"false\"")?),
        Kind::Binary => Values::Binary(typed(strings, parse_base64, "is not base64")?),
        Kind::Ip => Values::Ip(typed(
            strings,
            Cidr::parse,
            "is not an IP address or CIDR block",
        )?),
        Kind::Arn => {
            let mut arns = Vec::with_capacity(strings.len());
            for s in strings {
                let segs = parse_template(s, glob)?;
                let parts = split_arn_segs(&segs)
                    .filter(|p| p[0] == [Seg::Lit("arn".into())])
                    .ok_or_else(|| {
                        format!(
                            "\"{s}\" is not an ARN (arn:partition:service:region:account:resource)"
                        )
                    })?;
                arns.push(parts.map(Pattern::new));
            }
            Values::Arn(arns)
        }
    })
}

impl Condition {
    /// Whether the condition holds for `req`.
    pub(crate) fn eval(&self, req: &RequestView<'_>) -> bool {
        let found = req.get(&self.key);
        if let Values::Null(wants) = &self.values {
            let is_null = found.is_none();
            return wants.contains(&is_null);
        }
        let Some(found) = found else {
            return match self.op.set {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => self.op.if_exists,
                None => self.op.if_exists || self.op.negated,
            };
        };
        let negated = self.op.negated;
        match self.op.set {
            None => found.iter().any(|r| self.matches(r, req)) != negated,
            Some(SetQualifier::ForAnyValue) => {
                found.iter().any(|r| self.matches(r, req) != negated)
            }
            Some(SetQualifier::ForAllValues) => {
                found.iter().all(|r| self.matches(r, req) != negated)
            }
        }
    }

    /// Whether request value `r` matches at least one policy value, under
    /// the operator's positive form.
    fn matches(&self, r: &str, req: &RequestView<'_>) -> bool {
        match &self.values {
            Values::Text {
                ignore_case,
                values,
            } => values.iter().any(|p| {
                p.text(req).is_some_and(|p| {
                    if *ignore_case {
                        eq_ignore_case(&p, r)
                    } else {
                        *p == *r
                    }
                })
            }),
            Values::Like(values) => values.iter().any(|p| p.matches(r, req)),
            Values::Number(cmp, values) => {
                parse_number(r).is_some_and(|x| values.iter().any(|p| cmp.test(x, *p)))
            }
            Values::Date(cmp, values) => {
                parse_date(r).is_some_and(|x| values.iter().any(|p| cmp.test(x, *p)))
            }
            Values::Bool(values) => parse_bool(r).is_some_and(|x| values.contains(&x)),
            Values::Binary(values) => parse_base64(r).is_some_and(|x| values.contains(&x)),
            Values::Ip(values) => {
                parse_ip(r).is_some_and(|ip| values.iter().any(|c| c.contains(ip)))
            }
            Values::Arn(values) => split_arn(r).is_some_and(|parts| {
                values.iter().any(|p| {
                    p.iter()
                        .zip(parts)
                        .all(|(pat, part)| pat.matches(part, req))
                })
            }),
            Values::Null(_) => false,
        }
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{ContextValue, Principal, RequestContext};
    use serde_json::json;

    fn ctx() -> RequestContext {
        RequestContext::new(
            Principal::user("123456789012", "alice", "AIDAALICE"),
            "dynamodb:GetItem",
            "arn:aws:dynamodb:us-east-1:123456789012:table/T",
        )
    }

    /// Evaluates a Condition block (Version 2012-10-17) against `c`.
    fn holds(block: serde_json::Value, c: &RequestContext) -> bool {
        let conds = parse_conditions(&block, true).unwrap();
        conds.iter().all(|cond| cond.eval(&c.view()))
    }

    fn err(block: serde_json::Value) -> String {
        parse_conditions(&block, true).unwrap_err()
    }

    #[test]
    fn operator_names() {
        let op = parse_operator("ForAnyValue:StringNotLikeIfExists").unwrap();
        assert_eq!(
            op,
            Operator {
                kind: Kind::StringLike,
                negated: true,
                if_exists: true,
                set: Some(SetQualifier::ForAnyValue)
            }
        );
        assert!(parse_operator("stringequals").is_ok());
        assert!(parse_operator("forallvalues:StringEquals").is_ok());
        assert_eq!(
            parse_operator("StringEqualz").unwrap_err(),
            "unknown condition operator \"StringEqualz\""
        );
        assert_eq!(
            parse_operator("ForSomeValues:StringEquals").unwrap_err(),
            "unknown condition operator \"ForSomeValues:StringEquals\""
        );
        assert_eq!(
            parse_operator("NullIfExists").unwrap_err(),
            "condition operator \"NullIfExists\": Null cannot be combined with IfExists"
        );
        assert!(parse_operator("ForAllValues:Null").is_err());
        assert!(parse_operator("IfExists").is_err());
    }

    #[test]
    fn string_equals_values_are_ored_and_case_sensitive() {
        let c = ctx().with_key("s3:prefix", "home");
        assert!(holds(
            json!({"StringEquals": {"s3:prefix": ["x", "home"]}}),
            &c
        ));
        assert!(!holds(json!({"StringEquals": {"s3:prefix": "Home"}}), &c));
        assert!(holds(
            json!({"StringEqualsIgnoreCase": {"s3:prefix": "HOME"}}),
            &c
        ));
        assert!(!holds(
            json!({"StringNotEqualsIgnoreCase": {"s3:prefix": "HOME"}}),
            &c
        ));
        // Key names are case-insensitive.
        assert!(holds(json!({"StringEquals": {"S3:PREFIX": "home"}}), &c));
        // Wildcards are literal in StringEquals.
        assert!(!holds(json!({"StringEquals": {"s3:prefix": "h*"}}), &c));
    }

    #[test]
    fn negated_means_none_of_the_values() {
        let c = ctx().with_key("s3:prefix", "home");
        assert!(!holds(
            json!({"StringNotEquals": {"s3:prefix": ["x", "home"]}}),
            &c
        ));
        assert!(holds(
            json!({"StringNotEquals": {"s3:prefix": ["x", "y"]}}),
            &c
        ));
        assert!(!holds(json!({"StringNotLike": {"s3:prefix": ["ho*"]}}), &c));
    }

    #[test]
    fn keys_and_operators_are_anded() {
        let c = ctx().with_key("k:a", "1").with_key("k:b", "2");
        assert!(holds(json!({"StringEquals": {"k:a": "1", "k:b": "2"}}), &c));
        assert!(!holds(
            json!({"StringEquals": {"k:a": "1", "k:b": "3"}}),
            &c
        ));
        assert!(!holds(
            json!({"StringEquals": {"k:a": "1"}, "NumericEquals": {"k:b": 3}}),
            &c
        ));
        assert!(holds(
            json!({"StringEquals": {"k:a": "1"}, "NumericEquals": {"k:b": 2}}),
            &c
        ));
    }

    #[test]
    fn missing_keys() {
        let c = ctx();
        assert!(!holds(json!({"StringEquals": {"k:missing": "x"}}), &c));
        assert!(!holds(json!({"StringLike": {"k:missing": "*"}}), &c));
        assert!(holds(
            json!({"StringEqualsIfExists": {"k:missing": "x"}}),
            &c
        ));
        // AWS: negated operators are true when the key is absent.
        assert!(holds(json!({"StringNotEquals": {"k:missing": "x"}}), &c));
        assert!(holds(
            json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
            &c
        ));
        assert!(holds(
            json!({"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::b"}}),
            &c
        ));
        assert!(!holds(json!({"NumericLessThan": {"k:missing": 1}}), &c));
        assert!(holds(
            json!({"NumericLessThanIfExists": {"k:missing": 1}}),
            &c
        ));
        // An empty list is the same as absent.
        let empty = ctx().with_key("k:list", Vec::<String>::new());
        assert!(!holds(json!({"StringEquals": {"k:list": "x"}}), &empty));
        assert!(holds(json!({"Null": {"k:list": "true"}}), &empty));
    }

    #[test]
    fn if_exists_still_tests_present_keys() {
        let c = ctx().with_key("dynamodb:Select", "ALL_ATTRIBUTES");
        assert!(!holds(
            json!({"StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}}),
            &c
        ));
        let c = ctx().with_key("dynamodb:Select", "SPECIFIC_ATTRIBUTES");
        assert!(holds(
            json!({"StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}}),
            &c
        ));
    }

    #[test]
    fn null_operator() {
        let c = ctx().with_key("aws:TokenIssueTime", "2024-01-01T00:00:00Z");
        assert!(holds(json!({"Null": {"aws:TokenIssueTime": "false"}}), &c));
        assert!(!holds(json!({"Null": {"aws:TokenIssueTime": "true"}}), &c));
        assert!(holds(json!({"Null": {"aws:MultiFactorAuthAge": true}}), &c));
        assert!(!holds(
            json!({"Null": {"aws:MultiFactorAuthAge": false}}),
            &c
        ));
    }

    #[test]
    fn set_qualifiers() {
        let attrs = |v: &[&str]| ctx().with_key("dynamodb:Attributes", v);
        let all = json!({"ForAllValues:StringEquals": {"dynamodb:Attributes": ["Id", "Title"]}});
        let any = json!({"ForAnyValue:StringEquals": {"dynamodb:Attributes": ["Id", "Title"]}});
        assert!(holds(all.clone(), &attrs(&["Id"])));
        assert!(holds(all.clone(), &attrs(&["Id", "Title"])));
        assert!(!holds(all.clone(), &attrs(&["Id", "Secret"])));
        assert!(holds(all.clone(), &ctx())); // absent: true (documented gotcha)
        assert!(holds(all, &attrs(&[]))); // empty: true
        assert!(holds(any.clone(), &attrs(&["Id", "Secret"])));
        assert!(!holds(any.clone(), &attrs(&["Secret"])));
        assert!(!holds(any.clone(), &ctx())); // absent: false
        assert!(!holds(any, &attrs(&[])));
        assert!(holds(
            json!({"ForAnyValue:StringEqualsIfExists": {"dynamodb:Attributes": "x"}}),
            &ctx()
        ));
        // Negated with a qualifier: per value.
        let none_secret =
            json!({"ForAllValues:StringNotEquals": {"dynamodb:Attributes": ["Secret"]}});
        assert!(holds(none_secret.clone(), &attrs(&["Id", "Title"])));
        assert!(!holds(none_secret, &attrs(&["Id", "Secret"])));
        let some_not_secret =
            json!({"ForAnyValue:StringNotEquals": {"dynamodb:Attributes": ["Secret"]}});
        assert!(holds(some_not_secret.clone(), &attrs(&["Id", "Secret"])));
        assert!(!holds(some_not_secret, &attrs(&["Secret"])));
        // A single-valued key is a set of one.
        assert!(holds(
            json!({"ForAllValues:StringEquals": {"dynamodb:Select": ["COUNT"]}}),
            &ctx().with_key("dynamodb:Select", "COUNT")
        ));
    }

    #[test]
    fn unqualified_multivalued_keys() {
        let c = ctx().with_key("dynamodb:Attributes", &["Id", "Secret"][..]);
        assert!(holds(
            json!({"StringEquals": {"dynamodb:Attributes": "Secret"}}),
            &c
        ));
        assert!(!holds(
            json!({"StringNotEquals": {"dynamodb:Attributes": "Secret"}}),
            &c
        ));
        assert!(holds(
            json!({"StringNotEquals": {"dynamodb:Attributes": "Other"}}),
            &c
        ));
    }

    #[test]
    fn string_like() {
        let c = ctx().with_key("s3:prefix", "home/alice/docs");
        assert!(holds(json!({"StringLike": {"s3:prefix": "home/*"}}), &c));
        assert!(holds(
            json!({"StringLike": {"s3:prefix": "home/${aws:username}/*"}}),
            &c
        ));
        assert!(!holds(
            json!({"StringLike": {"s3:prefix": "home/bob/*"}}),
            &c
        ));
        assert!(holds(
            json!({"StringLike": {"s3:prefix": "home/?????/docs"}}),
            &c
        ));
        assert!(!holds(json!({"StringLike": {"s3:prefix": "Home/*"}}), &c));
    }

    #[test]
    fn numeric_operators() {
        let c = ctx().with_key("s3:max-keys", "10");
        let t = |op: &str, v: serde_json::Value| holds(json!({ op: {"s3:max-keys": v} }), &c);
        assert!(t("NumericEquals", json!(10)));
        assert!(t("NumericEquals", json!("10.0")));
        assert!(!t("NumericNotEquals", json!(10)));
        assert!(t("NumericNotEquals", json!([1, 2])));
        assert!(t("NumericLessThan", json!(11)));
        assert!(!t("NumericLessThan", json!(10)));
        assert!(t("NumericLessThanEquals", json!(10)));
        assert!(t("NumericGreaterThan", json!("9.5")));
        assert!(!t("NumericGreaterThan", json!(10)));
        assert!(t("NumericGreaterThanEquals", json!(10)));
        let bad = ctx().with_key("s3:max-keys", "ten");
        assert!(!holds(json!({"NumericEquals": {"s3:max-keys": 10}}), &bad));
    }

    #[test]
    fn date_operators() {
        let c = ctx().with_key("aws:CurrentTime", "2024-06-01T12:00:00Z");
        let t = |op: &str, v: &str| holds(json!({ op: {"aws:CurrentTime": v} }), &c);
        assert!(t("DateLessThan", "2024-06-02T00:00:00Z"));
        assert!(!t("DateLessThan", "2024-06-01T12:00:00Z"));
        assert!(t("DateLessThanEquals", "2024-06-01T12:00:00Z"));
        assert!(t("DateGreaterThan", "2024-06-01"));
        assert!(t("DateGreaterThanEquals", "2024-06-01T14:00:00+02:00"));
        assert!(t("DateEquals", "1717243200"));
        assert!(!t("DateNotEquals", "1717243200"));
        assert!(t("DateNotEquals", "2020-01-01"));
        // The request may use epoch seconds too.
        let epoch = ctx().with_key("aws:EpochTime", "1717243200");
        assert!(holds(
            json!({"DateGreaterThan": {"aws:EpochTime": "2024-01-01T00:00:00Z"}}),
            &epoch
        ));
    }

    #[test]
    fn bool_binary_ip_arn() {
        let c = ctx()
            .with_key("aws:SecureTransport", "true")
            .with_key("k:bin", "QmluYXJ5VmFsdWU=")
            .with_key("aws:SourceIp", "203.0.113.9")
            .with_key(
                "aws:SourceArn",
                "arn:aws:sns:us-east-1:123456789012:topic:sub",
            );
        assert!(holds(json!({"Bool": {"aws:SecureTransport": true}}), &c));
        assert!(holds(json!({"Bool": {"aws:SecureTransport": "TRUE"}}), &c));
        assert!(!holds(
            json!({"Bool": {"aws:SecureTransport": "false"}}),
            &c
        ));
        assert!(holds(
            json!({"BinaryEquals": {"k:bin": "QmluYXJ5VmFsdWU="}}),
            &c
        ));
        assert!(!holds(json!({"BinaryEquals": {"k:bin": "T3RoZXI="}}), &c));
        assert!(holds(
            json!({"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}),
            &c
        ));
        assert!(!holds(
            json!({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
            &c
        ));
        assert!(holds(
            json!({"NotIpAddress": {"aws:SourceIp": "2001:db8::/32"}}),
            &c
        ));
        assert!(holds(
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:topic:*"}}),
            &c
        ));
        assert!(holds(
            json!({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic:sub"}}),
            &c
        ));
        // A wildcard does not cross an ARN part boundary.
        assert!(!holds(
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:topic:sub"}}),
            &c
        ));
        assert!(!holds(
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:999999999999:*"}}),
            &c
        ));
        assert!(holds(
            json!({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:999999999999:*"}}),
            &c
        ));
        assert!(!holds(
            json!({"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}),
            &c
        ));
        // Not an ARN in the request: no match.
        let not_arn = ctx().with_key("aws:SourceArn", "topic");
        assert!(!holds(
            json!({"ArnLike": {"aws:SourceArn": "arn:*:*:*:*:*"}}),
            &not_arn
        ));
    }

    #[test]
    fn variables_in_condition_values() {
        let c = ctx().with_key("k:owner", "AIDAALICE");
        assert!(holds(
            json!({"StringEquals": {"k:owner": "${aws:userid}"}}),
            &c
        ));
        assert!(holds(
            json!({"StringEquals": {"k:owner": "${k:nothing, 'AIDAALICE'}"}}),
            &c
        ));
        // Unresolved: the value matches nothing.
        assert!(!holds(
            json!({"StringEquals": {"k:owner": "${k:nothing}"}}),
            &c
        ));
        assert!(holds(
            json!({"StringNotEquals": {"k:owner": "${k:nothing}"}}),
            &c
        ));
        let arn = ctx().with_key("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:alice");
        assert!(holds(
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:${aws:username}"}}),
            &arn
        ));
        // Under 2008-10-17 the variable is literal text.
        let conds = parse_conditions(
            &json!({"StringEquals": {"k:owner": "${aws:userid}"}}),
            false,
        )
        .unwrap();
        assert!(!conds.iter().all(|cond| cond.eval(&c.view())));
        let lit = ctx().with_key("k:owner", "${aws:userid}");
        assert!(conds.iter().all(|cond| cond.eval(&lit.view())));
    }

    #[test]
    fn value_coercion() {
        let c = ctx().with_key("k:n", "1").with_key("k:b", "true");
        assert!(holds(json!({"StringEquals": {"k:n": 1, "k:b": true}}), &c));
        assert_eq!(
            err(json!({"StringEquals": {"k:n": {"a": 1}}})),
            "condition StringEquals \"k:n\": values must be strings, numbers, booleans, or an array of them"
        );
        assert_eq!(
            err(json!({"StringEquals": {"k:n": [null]}})),
            "condition StringEquals \"k:n\": values must be strings, numbers, booleans, or an array of them"
        );
        assert_eq!(
            err(json!({"StringEquals": {"k:n": []}})),
            "condition StringEquals \"k:n\": must have at least one value"
        );
    }

    #[test]
    fn invalid_values_are_rejected_at_parse_time() {
        assert_eq!(
            err(json!({"NumericLessThan": {"s3:max-keys": "ten"}})),
            "condition NumericLessThan \"s3:max-keys\": \"ten\" is not a number"
        );
        assert_eq!(
            err(json!({"DateLessThan": {"aws:CurrentTime": "soon"}})),
            "condition DateLessThan \"aws:CurrentTime\": \"soon\" is not a date (ISO 8601 or epoch seconds)"
        );
        assert_eq!(
            err(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/40"}})),
            "condition IpAddress \"aws:SourceIp\": \"10.0.0.0/40\" is not an IP address or CIDR block"
        );
        assert_eq!(
            err(json!({"Bool": {"aws:SecureTransport": "yes"}})),
            "condition Bool \"aws:SecureTransport\": \"yes\" must be \"true\" or \"false\""
        );
        assert_eq!(
            err(json!({"Null": {"k:x": "maybe"}})),
            "condition Null \"k:x\": \"maybe\" must be \"true\" or \"false\""
        );
        assert_eq!(
            err(json!({"BinaryEquals": {"k:x": "!!"}})),
            "condition BinaryEquals \"k:x\": \"!!\" is not base64"
        );
        assert_eq!(
            err(json!({"ArnLike": {"aws:SourceArn": "*"}})),
            "condition ArnLike \"aws:SourceArn\": \"*\" is not an ARN (arn:partition:service:region:account:resource)"
        );
        assert_eq!(
            err(json!({"StringEqualz": {"k:x": "1"}})),
            "unknown condition operator \"StringEqualz\""
        );
        assert_eq!(err(json!([])), "Condition must be an object");
        assert_eq!(
            err(json!({"StringEquals": "x"})),
            "condition operator \"StringEquals\" must be an object of condition keys and values"
        );
        // Which spelling is reported depends on JSON object order.
        let dup = err(json!({"StringEquals": {"aws:username": "a", "AWS:UserName": "b"}}));
        assert!(
            dup.starts_with("condition StringEquals lists key \""),
            "{dup}"
        );
        assert!(
            dup.ends_with("\" more than once (keys are case-insensitive)"),
            "{dup}"
        );
    }

    #[test]
    fn request_value_types() {
        assert_eq!(
            ctx().with_key("x:y", true).get("x:y"),
            Some(ContextValue::One("true".into()))
        );
    }
}
