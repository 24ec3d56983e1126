//! Identity-policy documents: parsing, validation and compilation.
//!
//! A [`Policy`] is parsed once (from text or a `serde_json::Value`),
//! validated with precise, human-readable errors, and compiled so that
//! evaluation does no parsing: action patterns are lower-cased, Resource
//! patterns and condition values are split into literal/wildcard/variable
//! segments, and numbers, dates, CIDR blocks and base64 are decoded. The
//! original JSON is kept for [`Policy::to_value`].

use std::fmt;

use serde_json::{Map, Value};

use crate::condition::{parse_conditions, Condition};
use crate::context::RequestView;
use crate::error::Error;
use crate::matcher::{compile_glob, split_arn, wildcard_match, Seg};
use crate::variables::{parse_template, Pattern, TemplateMode};

/// AWS's limit for a customer managed policy, in characters, whitespace not counted.
pub const MAX_MANAGED_POLICY_SIZE: usize = 6144;

/// Checks a policy document's size the way IAM does: characters other than
/// whitespace, at most [`MAX_MANAGED_POLICY_SIZE`].
pub fn validate_size(text: &str) -> Result<(), Error> {
    let size = text.chars().filter(|c| !c.is_whitespace()).count();
    if size > MAX_MANAGED_POLICY_SIZE {
        return Err(Error::TooLarge {
            size,
            max: MAX_MANAGED_POLICY_SIZE,
        });
    }
    Ok(())
}

/// The policy language version (`Version` element).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `2008-10-17`, also what an absent `Version` means: no policy variables.
    V2008_10_17,
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
}

impl Version {
    /// The version string.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2008_10_17 => "2008-10-17",
            Version::V2012_10_17 => "2012-10-17",
        }
    }
}

/// A statement's `Effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// A parsed, validated and compiled policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    version: Version,
    id: Option<String>,
    statements: Vec<Statement>,
    original: Value,
}

/// One compiled statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    sid: Option<String>,
    effect: Effect,
    /// Lower-cased action patterns.
    actions: Vec<Vec<Seg>>,
    /// `NotAction` rather than `Action`.
    not_action: bool,
    resources: Vec<Pattern>,
    /// `NotResource` rather than `Resource`.
    not_resource: bool,
    conditions: Vec<Condition>,
}

const POLICY_FIELDS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_FIELDS: &[&str] = &[
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];

impl Policy {
    /// Parses and validates a policy document (at most
    /// [`MAX_MANAGED_POLICY_SIZE`] characters, whitespace not counted).
    pub fn parse(text: &str) -> Result<Policy, Error> {
        validate_size(text)?;
        let value: Value = serde_json::from_str(text).map_err(|e| Error::Json(e.to_string()))?;
        Policy::build(value)
    }

    /// Validates and compiles a policy document already parsed as JSON.
    pub fn from_value(value: &Value) -> Result<Policy, Error> {
        validate_size(&value.to_string())?;
        Policy::build(value.clone())
    }

    /// The document as given.
    pub fn to_value(&self) -> Value {
        self.original.clone()
    }

    /// The document as given, borrowed.
    pub fn as_value(&self) -> &Value {
        &self.original
    }

    /// The `Version` element (absent means 2008-10-17).
    pub fn version(&self) -> Version {
        self.version
    }

    /// The `Id` element.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// True when some statement's decision depends on more than the action
    /// and the resource (see [`Statement::depends_on_context`]); when false,
    /// a decision may be cached per action and resource.
    pub fn depends_on_context(&self) -> bool {
        self.statements().iter().any(Statement::depends_on_context)
    }

    /// Validates and compiles a document without the identity-policy size
    /// limit (resource-based policies have their own).
    pub(crate) fn build_unchecked(value: Value) -> Result<Policy, Error> {
        Policy::build(value)
    }

    fn build(value: Value) -> Result<Policy, Error> {
        let invalid = |m: String| Error::Invalid(m);
        let Value::Object(doc) = &value else {
            return Err(invalid("policy document must be a JSON object".to_owned()));
        };
        if let Some(field) = unknown_field(doc, POLICY_FIELDS) {
            return Err(invalid(format!("unknown field \"{field}\"")));
        }
        let version = match doc.get("Version") {
            None => Version::V2008_10_17,
            Some(Value::String(v)) if v == "2012-10-17" => Version::V2012_10_17,
            Some(Value::String(v)) if v == "2008-10-17" => Version::V2008_10_17,
            Some(Value::String(v)) => {
                return Err(invalid(format!("unsupported policy Version \"{v}\"")))
            }
            Some(_) => return Err(invalid("Version must be a string".to_owned())),
        };
        let id = match doc.get("Id") {
            None => None,
            Some(Value::String(id)) => Some(id.clone()),
            Some(_) => return Err(invalid("Id must be a string".to_owned())),
        };
        let raw_statements: Vec<&Value> = match doc.get("Statement") {
            None => return Err(invalid("missing Statement".to_owned())),
            Some(Value::Array(items)) if items.is_empty() => {
                return Err(invalid(
                    "Statement must contain at least one statement".to_owned(),
                ))
            }
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            Some(_) => {
                return Err(invalid(
                    "Statement must be an object or an array of objects".to_owned(),
                ))
            }
        };
        let vars = version == Version::V2012_10_17;
        let mut statements = Vec::with_capacity(raw_statements.len());
        for (i, raw) in raw_statements.into_iter().enumerate() {
            let statement =
                Statement::parse(raw, vars).map_err(|m| invalid(format!("Statement[{i}]: {m}")))?;
            if let Some(sid) = statement.sid.as_deref().filter(|s| !s.is_empty()) {
                if let Some(j) = statements
                    .iter()
                    .position(|s: &Statement| s.sid.as_deref() == Some(sid))
                {
                    return Err(invalid(format!(
                        "Statement[{i}]: Statement IDs (SID) in a single policy must be unique: \"{sid}\" is also the Sid of Statement[{j}]"
                    )));
                }
            }
            statements.push(statement);
        }
        Ok(Policy {
            version,
            id,
            statements,
            original: value,
        })
    }

    /// What this policy alone says about `req`: whether some statement
    /// denies it, and whether some statement allows it.
    pub(crate) fn effects(&self, req: &RequestView<'_>) -> (bool, bool) {
        let mut allowed = false;
        for statement in &self.statements {
            if statement.effect == Effect::Allow && allowed {
                continue;
            }
            if statement.applies(req) {
                match statement.effect {
                    Effect::Deny => return (true, allowed),
                    Effect::Allow => allowed = true,
                }
            }
        }
        (false, allowed)
    }
}

fn unknown_field<'a>(obj: &'a Map<String, Value>, known: &[&str]) -> Option<&'a str> {
    obj.keys().map(String::as_str).find(|k| !known.contains(k))
}

/// Reads a string-or-array-of-strings element.
fn string_list<'a>(value: &'a Value, name: &str) -> Result<Vec<&'a str>, String> {
    let type_err = || format!("{name} must be a string or an array of strings");
    match value {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) if items.is_empty() => Err(format!("{name} must not be empty")),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().ok_or_else(type_err))
            .collect(),
        _ => Err(type_err()),
    }
}

/// Exactly one of `a` and `b`: which, and its value.
fn one_of<'a>(obj: &'a Map<String, Value>, a: &str, b: &str) -> Result<(bool, &'a Value), String> {
    match (obj.get(a), obj.get(b)) {
        (Some(_), Some(_)) => Err(format!("both {a} and {b}")),
        (None, None) => Err(format!("missing {a} or {b}")),
        (Some(v), None) => Ok((false, v)),
        (None, Some(v)) => Ok((true, v)),
    }
}

fn validate_action(action: &str) -> Result<(), String> {
    if action == "*" {
        return Ok(());
    }
    let form_err = || format!("action \"{action}\" must have the form service:action");
    let (service, name) = action.split_once(':').ok_or_else(form_err)?;
    if service.is_empty() || name.is_empty() || name.contains(':') {
        return Err(form_err());
    }
    if !service
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(format!(
            "action \"{action}\": the service prefix may contain only letters, digits and hyphens"
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
    {
        return Err(format!(
            "action \"{action}\": the action name may contain only letters, digits and the wildcards * and ?"
        ));
    }
    Ok(())
}

impl Statement {
    fn parse(raw: &Value, vars: bool) -> Result<Statement, String> {
        let Value::Object(obj) = raw else {
            return Err("a statement must be a JSON object".to_owned());
        };
        if let Some(field) = unknown_field(obj, STATEMENT_FIELDS) {
            return Err(format!("unknown field \"{field}\""));
        }
        let sid = match obj.get("Sid") {
            None => None,
            Some(Value::String(s)) => {
                if !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(format!(
                        "Statement IDs (SID) must be alpha-numeric (letters and digits only): \"{s}\""
                    ));
                }
                Some(s.clone())
            }
            Some(_) => return Err("Sid must be a string".to_owned()),
        };
        let effect = match obj.get("Effect") {
            None => return Err("missing Effect".to_owned()),
            Some(Value::String(e)) if e == "Allow" => Effect::Allow,
            Some(Value::String(e)) if e == "Deny" => Effect::Deny,
            Some(_) => return Err("Effect must be \"Allow\" or \"Deny\"".to_owned()),
        };

        let (not_action, raw_actions) = one_of(obj, "Action", "NotAction")?;
        let action_name = if not_action { "NotAction" } else { "Action" };
        let mut actions = Vec::new();
        for action in string_list(raw_actions, action_name)? {
            validate_action(action)?;
            actions.push(compile_glob(action, true));
        }

        let (not_resource, raw_resources) = one_of(obj, "Resource", "NotResource")?;
        let resource_name = if not_resource {
            "NotResource"
        } else {
            "Resource"
        };
        let mode = TemplateMode {
            variables: vars,
            wildcards: true,
        };
        let mut resources = Vec::new();
        for resource in string_list(raw_resources, resource_name)? {
            if resource != "*" && split_arn(resource).is_none() {
                return Err(format!(
                    "resource \"{resource}\" must be \"*\" or an ARN (arn:partition:service:region:account:resource)"
                ));
            }
            resources.push(Pattern::new(parse_template(resource, mode)?));
        }

        let conditions = match obj.get("Condition") {
            None => Vec::new(),
            Some(block) => parse_conditions(block, vars)?,
        };
        Ok(Statement {
            sid,
            effect,
            actions,
            not_action,
            resources,
            not_resource,
            conditions,
        })
    }

    /// True when whether the statement applies depends on more than the
    /// action and the resource: it has conditions, or its resources use
    /// policy variables.
    pub fn depends_on_context(&self) -> bool {
        !self.conditions.is_empty() || self.resources.iter().any(Pattern::has_variables)
    }

    /// The `Sid`, if any.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// Allow or Deny.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Whether the statement uses `NotAction`.
    pub fn is_not_action(&self) -> bool {
        self.not_action
    }

    /// Whether the statement uses `NotResource`.
    pub fn is_not_resource(&self) -> bool {
        self.not_resource
    }

    /// Whether the statement applies to `req`: action, resource and all conditions match.
    pub(crate) fn applies(&self, req: &RequestView<'_>) -> bool {
        let action_hit = self
            .actions
            .iter()
            .any(|p| wildcard_match(p, req.action, true));
        if action_hit == self.not_action {
            return false;
        }
        let resource_hit = self.resources.iter().any(|p| p.matches(req.resource, req));
        if resource_hit == self.not_resource {
            return false;
        }
        self.conditions.iter().all(|c| c.eval(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Principal, RequestContext};
    use serde_json::json;

    fn err(doc: Value) -> String {
        Policy::from_value(&doc).unwrap_err().to_string()
    }

    fn stmt(extra: Value) -> Value {
        let mut s = json!({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"});
        if let (Some(s), Value::Object(extra)) = (s.as_object_mut(), extra) {
            for (k, v) in extra {
                if v.is_null() {
                    s.remove(&k);
                } else {
                    s.insert(k, v);
                }
            }
        }
        s
    }

    fn doc(statements: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": statements})
    }

    #[test]
    fn parses_a_minimal_policy() {
        let p = Policy::parse(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#)
            .unwrap();
        assert_eq!(p.version(), Version::V2012_10_17);
        assert_eq!(p.statements().len(), 1);
        assert_eq!(p.statements()[0].effect(), Effect::Allow);
        assert_eq!(p.id(), None);
    }

    #[test]
    fn keeps_the_original_json() {
        let v = json!({"Id": "x", "Statement": [{"Sid": "A1", "Effect": "Deny", "NotAction": ["s3:*"], "NotResource": "*", "Principal": "*"}]});
        let p = Policy::from_value(&v).unwrap();
        assert_eq!(p.to_value(), v);
        assert_eq!(p.version(), Version::V2008_10_17);
        assert_eq!(p.id(), Some("x"));
        let s = &p.statements()[0];
        assert_eq!(s.sid(), Some("A1"));
        assert!(s.is_not_action() && s.is_not_resource());
    }

    #[test]
    fn document_errors() {
        assert_eq!(err(json!([])), "policy document must be a JSON object");
        assert_eq!(
            err(json!({"Version": "2010-01-01", "Statement": []})),
            "unsupported policy Version \"2010-01-01\""
        );
        assert_eq!(
            err(json!({"Version": 2012, "Statement": []})),
            "Version must be a string"
        );
        assert_eq!(err(json!({"Version": "2012-10-17"})), "missing Statement");
        assert_eq!(
            err(doc(json!([]))),
            "Statement must contain at least one statement"
        );
        assert_eq!(
            err(doc(json!("x"))),
            "Statement must be an object or an array of objects"
        );
        assert_eq!(
            err(json!({"Statement": [stmt(json!({}))], "Statements": []})),
            "unknown field \"Statements\""
        );
        assert_eq!(
            err(json!({"Id": 1, "Statement": [stmt(json!({}))]})),
            "Id must be a string"
        );
        assert_eq!(
            err(doc(json!([1]))),
            "Statement[0]: a statement must be a JSON object"
        );
        assert!(Policy::parse("{not json")
            .unwrap_err()
            .to_string()
            .starts_with("policy document is not valid JSON: "));
    }

    #[test]
    fn statement_errors() {
        let e = |extra: Value| err(doc(json!([stmt(json!({})), stmt(extra)])));
        assert_eq!(
            e(json!({"Effect": "allow"})),
            "Statement[1]: Effect must be \"Allow\" or \"Deny\""
        );
        assert_eq!(e(json!({"Effect": null})), "Statement[1]: missing Effect");
        assert_eq!(
            e(json!({"Action": null})),
            "Statement[1]: missing Action or NotAction"
        );
        assert_eq!(
            e(json!({"NotAction": "s3:*"})),
            "Statement[1]: both Action and NotAction"
        );
        assert_eq!(
            e(json!({"Resource": null})),
            "Statement[1]: missing Resource or NotResource"
        );
        assert_eq!(
            e(json!({"NotResource": "*"})),
            "Statement[1]: both Resource and NotResource"
        );
        assert_eq!(
            e(json!({"Actions": "s3:*"})),
            "Statement[1]: unknown field \"Actions\""
        );
        assert_eq!(
            e(json!({"Action": "dynamodb"})),
            "Statement[1]: action \"dynamodb\" must have the form service:action"
        );
        assert_eq!(
            e(json!({"Action": ["dynamodb:GetItem", "dynamodb:"]})),
            "Statement[1]: action \"dynamodb:\" must have the form service:action"
        );
        assert_eq!(
            e(json!({"Action": "dyna mo:GetItem"})),
            "Statement[1]: action \"dyna mo:GetItem\": the service prefix may contain only letters, digits and hyphens"
        );
        assert_eq!(
            e(json!({"Action": "dynamodb:Get-Item"})),
            "Statement[1]: action \"dynamodb:Get-Item\": the action name may contain only letters, digits and the wildcards * and ?"
        );
        assert_eq!(
            e(json!({"Action": []})),
            "Statement[1]: Action must not be empty"
        );
        assert_eq!(
            e(json!({"Action": [1]})),
            "Statement[1]: Action must be a string or an array of strings"
        );
        assert_eq!(
            e(json!({"Resource": "table/Music"})),
            "Statement[1]: resource \"table/Music\" must be \"*\" or an ARN (arn:partition:service:region:account:resource)"
        );
        assert_eq!(
            e(json!({"Resource": "arn:aws:dynamodb:*:*:table/${aws:username"})),
            "Statement[1]: policy variable in \"arn:aws:dynamodb:*:*:table/${aws:username\" is missing its closing brace"
        );
        assert_eq!(e(json!({"Sid": 5})), "Statement[1]: Sid must be a string");
        assert_eq!(
            e(json!({"Sid": "read-only"})),
            "Statement[1]: Statement IDs (SID) must be alpha-numeric (letters and digits only): \"read-only\""
        );
        assert_eq!(
            e(json!({"Condition": {"StringEqualz": {"aws:username": "a"}}})),
            "Statement[1]: unknown condition operator \"StringEqualz\""
        );
    }

    #[test]
    fn duplicate_sids() {
        let d = doc(json!([
            stmt(json!({"Sid": "Read"})),
            stmt(json!({"Sid": "Other"})),
            stmt(json!({"Sid": "Read"}))
        ]));
        assert_eq!(
            err(d),
            "Statement[2]: Statement IDs (SID) in a single policy must be unique: \"Read\" is also the Sid of Statement[0]"
        );
        // Empty Sids are not identifiers.
        assert!(Policy::from_value(&doc(json!([
            stmt(json!({"Sid": ""})),
            stmt(json!({"Sid": ""}))
        ])))
        .is_ok());
    }

    #[test]
    fn variables_are_literal_under_2008() {
        let d = json!({"Statement": stmt(json!({"Resource": "arn:aws:dynamodb:*:*:table/${aws:username"}))});
        assert!(Policy::from_value(&d).is_ok());
    }

    #[test]
    fn size_limit() {
        assert!(validate_size(&" ".repeat(10_000)).is_ok());
        let big = format!("\"{}\"", "a".repeat(MAX_MANAGED_POLICY_SIZE));
        assert_eq!(
            validate_size(&big).unwrap_err(),
            Error::TooLarge {
                size: MAX_MANAGED_POLICY_SIZE + 2,
                max: MAX_MANAGED_POLICY_SIZE
            }
        );
        let many: Vec<Value> = (0..200)
            .map(|_| stmt(json!({"Action": "dynamodb:DescribeTable"})))
            .collect();
        assert!(matches!(
            Policy::from_value(&doc(Value::Array(many))),
            Err(Error::TooLarge { .. })
        ));
    }

    #[test]
    fn statement_matching() {
        let p = Policy::from_value(&doc(json!([
            {"Effect": "Allow", "Action": "DynamoDB:Get*", "Resource": "arn:aws:dynamodb:*:*:table/${aws:username}*"}
        ])))
        .unwrap();
        let s = &p.statements()[0];
        let c = RequestContext::new(
            Principal::user("1", "alice", "AIDA"),
            "dynamodb:getitem",
            "arn:aws:dynamodb:us-east-1:1:table/alice-data",
        );
        assert!(s.applies(&c.view()));
        let other = RequestContext {
            resource: "arn:aws:dynamodb:us-east-1:1:table/bob".into(),
            ..c.clone()
        };
        assert!(!s.applies(&other.view()));
        let put = RequestContext {
            action: "dynamodb:PutItem".into(),
            ..c
        };
        assert!(!s.applies(&put.view()));
    }
}
