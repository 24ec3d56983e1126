//! Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`,
//! and the escapes `${*}`, `${?}`, `${$}`): parsing them out of Resource
//! patterns and condition values, and substituting them from a request.
//!
//! Variables exist only in policies with `"Version": "2012-10-17"`; under
//! 2008-10-17 the same text is literal. A substituted value is always literal
//! text, even if it contains `*` or `?`. A variable whose key has no single
//! value in the request, and that has no default, makes the pattern or value
//! that contains it match nothing.

use std::borrow::Cow;

use crate::context::RequestView;
use crate::matcher::{flush, push_star, wildcard_match, Seg, Tok, Var};

/// A compiled pattern or template that may contain variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    segs: Vec<Seg>,
    vars: bool,
}

impl Pattern {
    /// True when the pattern holds a policy variable.
    pub(crate) fn has_variables(&self) -> bool {
        self.vars
    }

    pub(crate) fn new(segs: Vec<Seg>) -> Pattern {
        let vars = has_vars(&segs);
        Pattern { segs, vars }
    }

    /// Whether `text` matches, wildcards honoured, variables substituted
    /// from `req`. A variable without a value makes this false.
    pub(crate) fn matches(&self, text: &str, req: &RequestView<'_>) -> bool {
        if !self.vars {
            return wildcard_match(&self.segs, text, false);
        }
        resolve_toks(&self.segs, req).is_some_and(|toks| wildcard_match(&toks, text, false))
    }

    /// The literal text with variables substituted (for templates compiled
    /// without wildcards). `None` if a variable has no value.
    pub(crate) fn text<'a>(&'a self, req: &RequestView<'a>) -> Option<Cow<'a, str>> {
        resolve_text(&self.segs, req)
    }
}

/// How to read a policy string.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TemplateMode {
    /// Recognise `${...}` (policy Version 2012-10-17).
    pub(crate) variables: bool,
    /// `*` and `?` are wildcards (otherwise literal characters).
    pub(crate) wildcards: bool,
}

/// Parses `s` into segments. Errors describe a malformed `${...}`.
pub(crate) fn parse_template(s: &str, mode: TemplateMode) -> Result<Vec<Seg>, String> {
    let mut segs = Vec::new();
    let mut lit = String::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if mode.variables && rest.starts_with("${") {
            let body_and_tail = rest.get(2..).unwrap_or_default();
            let Some(close) = body_and_tail.find('}') else {
                return Err(format!(
                    "policy variable in \"{s}\" is missing its closing brace"
                ));
            };
            let body = body_and_tail.get(..close).unwrap_or_default();
            rest = body_and_tail.get(close + 1..).unwrap_or_default();
            match body {
                "*" => lit.push('*'),
                "?" => lit.push('?'),
                "$" => lit.push('$'),
                _ => {
                    let var = parse_var(body)
                        .map_err(|e| format!("policy variable \"${{{body}}}\" {e}"))?;
                    flush(&mut segs, &mut lit);
                    segs.push(Seg::Var(var));
                }
            }
            continue;
        }
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
        match c {
            '*' if mode.wildcards => {
                flush(&mut segs, &mut lit);
                push_star(&mut segs);
            }
            '?' if mode.wildcards => {
                flush(&mut segs, &mut lit);
                segs.push(Seg::One);
            }
            c => lit.push(c),
        }
    }
    flush(&mut segs, &mut lit);
    Ok(segs)
}

fn parse_var(body: &str) -> Result<Var, &'static str> {
    let (name, default) = match body.split_once(',') {
        None => (body, None),
        Some((name, default)) => {
            let default = default.trim();
            let quoted = default
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .filter(|d| !d.contains('\''))
                .ok_or("has a default value that is not in single quotes")?;
            (name, Some(quoted))
        }
    };
    let name = name.trim();
    if name.is_empty() {
        return Err("is empty");
    }
    if name
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '$' | '{' | '\'' | ','))
    {
        return Err("has an unsupported character in its name");
    }
    Ok(Var {
        name: name.to_lowercase().into_boxed_str(),
        default: default.map(Into::into),
    })
}

/// Whether any segment is a variable.
pub(crate) fn has_vars(segs: &[Seg]) -> bool {
    segs.iter().any(|s| matches!(s, Seg::Var(_)))
}

/// The value a variable takes in `req`: the key's single value, else the default.
fn lookup<'a>(var: &'a Var, req: &RequestView<'a>) -> Option<&'a str> {
    req.single(&var.name).or(var.default.as_deref())
}

/// Substitutes variables, giving the tokens to match. `None` if a variable
/// has no value.
pub(crate) fn resolve_toks<'a>(segs: &'a [Seg], req: &RequestView<'a>) -> Option<Vec<Tok<'a>>> {
    segs.iter()
        .map(|seg| match seg {
            Seg::Lit(s) => Some(Tok::Lit(s)),
            Seg::Star => Some(Tok::Star),
            Seg::One => Some(Tok::One),
            Seg::Var(v) => lookup(v, req).map(Tok::Lit),
        })
        .collect()
}

/// Substitutes variables into a template without wildcards, giving the
/// literal string. Borrows when there is nothing to substitute. `None` if a
/// variable has no value.
pub(crate) fn resolve_text<'a>(segs: &'a [Seg], req: &RequestView<'a>) -> Option<Cow<'a, str>> {
    match segs {
        [] => Some(Cow::Borrowed("")),
        [Seg::Lit(s)] => Some(Cow::Borrowed(s)),
        [Seg::Var(v)] => lookup(v, req).map(Cow::Borrowed),
        _ => {
            let mut out = String::new();
            for seg in segs {
                match seg {
                    Seg::Lit(s) => out.push_str(s),
                    Seg::Star => out.push('*'),
                    Seg::One => out.push('?'),
                    Seg::Var(v) => out.push_str(lookup(v, req)?),
                }
            }
            Some(Cow::Owned(out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Principal, RequestContext};

    const VARS: TemplateMode = TemplateMode {
        variables: true,
        wildcards: true,
    };
    const LITERAL: TemplateMode = TemplateMode {
        variables: false,
        wildcards: true,
    };

    fn var(name: &str, default: Option<&str>) -> Seg {
        Seg::Var(Var {
            name: name.into(),
            default: default.map(Into::into),
        })
    }

    #[test]
    fn parses_variables_and_wildcards() {
        let segs = parse_template("table/${aws:username}-*", VARS).unwrap();
        assert_eq!(
            segs,
            vec![
                Seg::Lit("table/".into()),
                var("aws:username", None),
                Seg::Lit("-".into()),
                Seg::Star
            ]
        );
    }

    #[test]
    fn variable_names_are_lower_cased_and_defaults_kept() {
        let segs = parse_template("${aws:PrincipalTag/Team, 'No Team'}", VARS).unwrap();
        assert_eq!(segs, vec![var("aws:principaltag/team", Some("No Team"))]);
        let segs = parse_template("${aws:userid,'anonymous'}", VARS).unwrap();
        assert_eq!(segs, vec![var("aws:userid", Some("anonymous"))]);
    }

    #[test]
    fn escapes_are_literal() {
        let segs = parse_template("a${*}b${?}c${$}d*", VARS).unwrap();
        assert_eq!(segs, vec![Seg::Lit("a*b?c$d".into()), Seg::Star]);
    }

    #[test]
    fn version_2008_has_no_variables() {
        let segs = parse_template("x/${aws:username}", LITERAL).unwrap();
        assert_eq!(segs, vec![Seg::Lit("x/${aws:username}".into())]);
    }

    #[test]
    fn no_wildcards_mode_keeps_star_literal() {
        let segs = parse_template(
            "a*?",
            TemplateMode {
                variables: true,
                wildcards: false,
            },
        )
        .unwrap();
        assert_eq!(segs, vec![Seg::Lit("a*?".into())]);
    }

    #[test]
    fn malformed_variables_are_errors() {
        assert_eq!(
            parse_template("x/${aws:username", VARS).unwrap_err(),
            "policy variable in \"x/${aws:username\" is missing its closing brace"
        );
        assert_eq!(
            parse_template("${}", VARS).unwrap_err(),
            "policy variable \"${}\" is empty"
        );
        assert_eq!(
            parse_template("${aws:username, default}", VARS).unwrap_err(),
            "policy variable \"${aws:username, default}\" has a default value that is not in single quotes"
        );
        assert_eq!(
            parse_template("${aws:user name}", VARS).unwrap_err(),
            "policy variable \"${aws:user name}\" has an unsupported character in its name"
        );
    }

    #[test]
    fn resolves_from_request() {
        let ctx = RequestContext::new(
            Principal::user("123456789012", "alice", "AIDAEXAMPLE"),
            "dynamodb:GetItem",
            "*",
        )
        .with_key("custom:multi", vec!["a".to_owned(), "b".to_owned()]);
        let req = ctx.view();
        let segs = parse_template("${AWS:UserName}/${missing:key, 'dflt'}", VARS).unwrap();
        assert_eq!(resolve_text(&segs, &req).unwrap(), "alice/dflt");
        let segs = parse_template("${missing:key}", VARS).unwrap();
        assert!(resolve_text(&segs, &req).is_none());
        assert!(resolve_toks(&segs, &req).is_none());
        // Multi-valued keys cannot be variables.
        let segs = parse_template("${custom:multi}", VARS).unwrap();
        assert!(resolve_text(&segs, &req).is_none());
        let segs = parse_template("${custom:multi, 'd'}", VARS).unwrap();
        assert_eq!(resolve_text(&segs, &req).unwrap(), "d");
    }
}
