//! Resource-based policies (a DynamoDB table's or stream's): the same
//! statements as identity policies plus a `Principal` or `NotPrincipal`
//! saying whom each applies to, and up to 20 KB long.
//!
//! Within one account, AWS combines them with identity policies: an
//! explicit Deny in either denies; otherwise an Allow in either allows.
//! A resource statement naming the whole account (`"123456789012"` or
//! `arn:aws:iam::123456789012:root`) delegates to the account's identity
//! policies and grants its users nothing by itself; one naming the caller
//! (its user ARN) or everyone (`*`) grants directly. A Deny applies to
//! every principal its `Principal` covers, the account's users included.

use serde_json::Value;

use std::borrow::Borrow;

use crate::context::{RequestContext, RequestView};
use crate::error::Error;
use crate::evaluate::{decide, AuthzCheck, Decision, Denied};
use crate::policy::{Effect, Policy};

/// The largest resource-based policy, in bytes, whitespace included.
pub const MAX_RESOURCE_POLICY_SIZE: usize = 20 * 1024;

/// Whom one statement names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Principals {
    /// `"*"` or `{"AWS": "*"}`.
    Everyone,
    /// `{"AWS": [...]}`: account ids and IAM ARNs.
    Aws(Vec<String>),
    /// Only service, federated or canonical-user principals: never a
    /// caller of this service.
    Others,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct StatementPrincipal {
    not: bool,
    principals: Principals,
}

/// A parsed and validated resource-based policy.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourcePolicy {
    policy: Policy,
    /// One per statement of `policy`, in order.
    principals: Vec<StatementPrincipal>,
}

/// What a resource-based policy says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceDecision {
    /// A statement covering the caller denies.
    Deny,
    /// A statement naming the caller (or everyone) allows.
    Allow,
    /// Nothing denies, and nothing grants the caller directly.
    NotApplicable,
}

/// Who asks, as a resource policy's `Principal` matches it.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The caller's account id.
    pub account_id: &'a str,
    /// The caller's ARN (`arn:aws:iam::<account>:user/<name>`, or
    /// `…:root` for the account itself).
    pub arn: &'a str,
}

impl Caller<'_> {
    fn is_root(&self) -> bool {
        self.arn.ends_with(":root")
    }

    /// Whether `entry` names the whole account of the caller.
    fn account_entry(&self, entry: &str) -> bool {
        // The account's root in the caller's own partition.
        let root = || {
            let partition = self.arn.strip_prefix("arn:").and_then(|rest| rest.split(':').next()).unwrap_or("aws");
            format!("arn:{partition}:iam::{}:root", self.account_id)
        };
        entry == self.account_id || entry == root()
    }
}

impl ResourcePolicy {
    /// Parses and validates a resource-based policy document.
    pub fn parse(text: &str) -> Result<ResourcePolicy, Error> {
        if text.len() > MAX_RESOURCE_POLICY_SIZE {
            return Err(Error::TooLarge { size: text.len(), max: MAX_RESOURCE_POLICY_SIZE });
        }
        let value: Value = serde_json::from_str(text).map_err(|e| Error::Json(e.to_string()))?;
        let policy = Policy::build_unchecked(value.clone())?;
        let raw: Vec<&Value> = match value.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one) => vec![one],
            None => Vec::new(),
        };
        let principals = raw
            .iter()
            .enumerate()
            .map(|(i, s)| statement_principal(s).map_err(|m| Error::Invalid(format!("Statement[{i}]: {m}"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ResourcePolicy { policy, principals })
    }

    /// Whether an unconditional Allow statement names everyone (`*`),
    /// which DynamoDB refuses as unbounded access.
    pub fn allows_everyone(&self) -> bool {
        self.policy.statements().iter().zip(&self.principals).any(|(s, p)| {
            s.effect() == Effect::Allow && !p.not && p.principals == Principals::Everyone && !s.depends_on_context()
        })
    }

    /// The IAM principals (account ids and ARNs) the statements name.
    pub fn named_principals(&self) -> impl Iterator<Item = &str> {
        self.principals.iter().flat_map(|p| match &p.principals {
            Principals::Aws(entries) => entries.iter().map(String::as_str).collect::<Vec<_>>(),
            Principals::Everyone | Principals::Others => Vec::new(),
        })
    }

    /// What the policy says about `ctx` (whose action and resource are
    /// those of one check) for `caller`.
    pub fn evaluate(&self, ctx: &RequestContext, caller: Caller<'_>) -> ResourceDecision {
        self.decide(&ctx.view(), caller)
    }

    fn decide(&self, view: &RequestView<'_>, caller: Caller<'_>) -> ResourceDecision {
        let mut allowed = false;
        for (statement, principal) in self.policy.statements().iter().zip(&self.principals) {
            let Some(direct) = principal.covers(caller) else { continue };
            if !statement.applies(view) {
                continue;
            }
            match statement.effect() {
                Effect::Deny => return ResourceDecision::Deny,
                Effect::Allow => allowed |= direct,
            }
        }
        if allowed {
            ResourceDecision::Allow
        } else {
            ResourceDecision::NotApplicable
        }
    }
}

/// A check [`evaluate_all_with_resource_policies`] denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceDenied {
    /// The check and the identity policies' decision.
    pub denied: Denied,
    /// True when a resource-based policy's Deny decided.
    pub by_resource_policy: bool,
}

/// [`crate::evaluate_all`] with each check's resource-based policy (the one
/// `policy_of` finds for the check's resource, if any) combined with the
/// identity policies as AWS combines them within one account: a Deny in
/// either denies; otherwise an Allow in either allows.
pub fn evaluate_all_with_resource_policies<'r, P: Borrow<Policy>>(
    policies: &[P],
    ctx: &RequestContext,
    checks: &[AuthzCheck],
    caller: Caller<'_>,
    policy_of: impl Fn(&AuthzCheck) -> Option<&'r ResourcePolicy>,
) -> Result<(), ResourceDenied> {
    if checks.is_empty() {
        return Err(ResourceDenied {
            denied: Denied { index: 0, decision: Decision::ImplicitDeny },
            by_resource_policy: false,
        });
    }
    for (index, check) in checks.iter().enumerate() {
        let view = RequestView {
            ctx,
            action: &check.action,
            resource: &check.resource,
            extra: (!check.keys.is_empty()).then_some(&check.keys),
        };
        let identity = decide(policies, &view);
        let resource = policy_of(check).map_or(ResourceDecision::NotApplicable, |p| p.decide(&view, caller));
        let denied = |decision, by_resource_policy| ResourceDenied { denied: Denied { index, decision }, by_resource_policy };
        match (identity, resource) {
            (_, ResourceDecision::Deny) => return Err(denied(Decision::ExplicitDeny, true)),
            (Decision::ExplicitDeny, _) => return Err(denied(Decision::ExplicitDeny, false)),
            (Decision::Allow, _) | (_, ResourceDecision::Allow) => {}
            (Decision::ImplicitDeny, ResourceDecision::NotApplicable) => {
                return Err(denied(Decision::ImplicitDeny, false))
            }
        }
    }
    Ok(())
}

impl StatementPrincipal {
    /// `None` when the statement does not cover `caller`; otherwise
    /// whether it names the caller directly (an Allow then grants).
    fn covers(&self, caller: Caller<'_>) -> Option<bool> {
        let listed = match &self.principals {
            Principals::Everyone => Some(true),
            Principals::Others => None,
            Principals::Aws(entries) => {
                if entries.iter().any(|e| e == caller.arn) {
                    Some(true)
                } else if entries.iter().any(|e| caller.account_entry(e)) {
                    // The account: direct for the root itself, delegated
                    // (identity policies decide) for its users.
                    Some(caller.is_root())
                } else {
                    None
                }
            }
        };
        if self.not {
            // NotPrincipal: everyone but those listed by their own ARN
            // (an account entry does not exclude the account's users).
            let excluded = match &self.principals {
                Principals::Everyone => true,
                Principals::Others => false,
                Principals::Aws(entries) => {
                    entries.iter().any(|e| e == caller.arn) || (caller.is_root() && entries.iter().any(|e| caller.account_entry(e)))
                }
            };
            (!excluded).then_some(true)
        } else {
            listed
        }
    }
}

fn statement_principal(statement: &Value) -> Result<StatementPrincipal, String> {
    let (not, raw) = match (statement.get("Principal"), statement.get("NotPrincipal")) {
        (Some(_), Some(_)) => return Err("both Principal and NotPrincipal".to_owned()),
        (None, None) => return Err("missing Principal".to_owned()),
        (Some(p), None) => (false, p),
        (None, Some(p)) => (true, p),
    };
    let principals = match raw {
        Value::String(s) if s == "*" => Principals::Everyone,
        Value::Object(m) if !m.is_empty() => {
            let mut aws = Vec::new();
            let mut everyone = false;
            for (kind, v) in m {
                let values: Vec<&str> = match v {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(items) if !items.is_empty() => items
                        .iter()
                        .map(|i| i.as_str().ok_or_else(|| format!("{kind} principals must be strings")))
                        .collect::<Result<_, _>>()?,
                    _ => return Err(format!("{kind} principals must be a string or a non-empty array of strings")),
                };
                match kind.as_str() {
                    "AWS" => {
                        for value in values {
                            if value == "*" {
                                everyone = true;
                            } else if valid_aws_principal(value) {
                                aws.push(value.to_owned());
                            } else {
                                return Err(format!("invalid principal \"{value}\""));
                            }
                        }
                    }
                    "Service" | "Federated" | "CanonicalUser" => {}
                    other => return Err(format!("unknown principal type \"{other}\"")),
                }
            }
            if everyone {
                Principals::Everyone
            } else if aws.is_empty() {
                Principals::Others
            } else {
                Principals::Aws(aws)
            }
        }
        _ => return Err("Principal must be \"*\" or an object of principal types".to_owned()),
    };
    Ok(StatementPrincipal { not, principals })
}

/// A 12-digit account id or an IAM ARN (`arn:aws:iam::<account>:…`).
fn valid_aws_principal(value: &str) -> bool {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let mut parts = value.splitn(6, ':');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("arn"), Some(_), Some("iam" | "sts"), Some(""), Some(account), Some(resource))
            if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !resource.is_empty()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Principal;
    use serde_json::json;

    const TABLE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/Music";
    const ALICE: Caller<'static> = Caller { account_id: "123456789012", arn: "arn:aws:iam::123456789012:user/alice" };
    const BOB: Caller<'static> = Caller { account_id: "123456789012", arn: "arn:aws:iam::123456789012:user/bob" };
    const ROOT: Caller<'static> = Caller { account_id: "123456789012", arn: "arn:aws:iam::123456789012:root" };

    fn policy(statements: serde_json::Value) -> ResourcePolicy {
        ResourcePolicy::parse(&json!({"Version": "2012-10-17", "Statement": statements}).to_string()).unwrap()
    }

    fn ctx(action: &str) -> RequestContext {
        RequestContext::new(Principal::user("123456789012", "alice", "AIDA"), action, TABLE)
    }

    #[test]
    fn principals_grant_directly_or_delegate_to_the_account() {
        let p = policy(json!([
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/alice"}, "Action": "dynamodb:GetItem", "Resource": TABLE},
            {"Effect": "Allow", "Principal": {"AWS": ["123456789012"]}, "Action": "dynamodb:PutItem", "Resource": "*"},
            {"Effect": "Allow", "Principal": "*", "Action": "dynamodb:Query", "Resource": "*"}
        ]));
        assert_eq!(p.evaluate(&ctx("dynamodb:GetItem"), ALICE), ResourceDecision::Allow);
        assert_eq!(p.evaluate(&ctx("dynamodb:GetItem"), BOB), ResourceDecision::NotApplicable);
        // The account: its users still need an identity policy.
        assert_eq!(p.evaluate(&ctx("dynamodb:PutItem"), ALICE), ResourceDecision::NotApplicable);
        assert_eq!(p.evaluate(&ctx("dynamodb:PutItem"), ROOT), ResourceDecision::Allow);
        assert_eq!(p.evaluate(&ctx("dynamodb:Query"), BOB), ResourceDecision::Allow);
        assert_eq!(p.evaluate(&ctx("dynamodb:Scan"), ALICE), ResourceDecision::NotApplicable);
    }

    #[test]
    fn denies_cover_the_account_and_not_principal_excludes_by_arn() {
        let p = policy(json!([
            {"Effect": "Deny", "Principal": {"AWS": "123456789012"}, "Action": "dynamodb:DeleteItem", "Resource": "*"},
            {"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::123456789012:user/alice", "123456789012"]}, "Action": "dynamodb:PutItem", "Resource": "*"},
            {"Effect": "Allow", "Principal": "*", "Action": "dynamodb:*", "Resource": "*"}
        ]));
        assert_eq!(p.evaluate(&ctx("dynamodb:DeleteItem"), ALICE), ResourceDecision::Deny);
        assert_eq!(p.evaluate(&ctx("dynamodb:DeleteItem"), ROOT), ResourceDecision::Deny);
        assert_eq!(p.evaluate(&ctx("dynamodb:PutItem"), ALICE), ResourceDecision::Allow);
        assert_eq!(p.evaluate(&ctx("dynamodb:PutItem"), BOB), ResourceDecision::Deny);
        assert_eq!(p.evaluate(&ctx("dynamodb:PutItem"), ROOT), ResourceDecision::Allow);
    }

    #[test]
    fn unbounded_grants_and_principals_are_visible() {
        let p = policy(json!([
            {"Effect": "Allow", "Principal": "*", "Action": "dynamodb:GetItem", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
            {"Effect": "Deny", "Principal": "*", "Action": "dynamodb:PutItem", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": ["123456789012", "arn:aws:iam::123456789012:user/bob"]}, "Action": "dynamodb:Query", "Resource": "*"}
        ]));
        assert!(!p.allows_everyone());
        assert_eq!(p.named_principals().collect::<Vec<_>>(), ["123456789012", "arn:aws:iam::123456789012:user/bob"]);
        assert!(policy(json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "dynamodb:*", "Resource": "*"}])).allows_everyone());
    }

    #[test]
    fn documents_are_validated() {
        let bad = |v: serde_json::Value| ResourcePolicy::parse(&v.to_string()).unwrap_err().to_string();
        let stmt = |p: serde_json::Value| json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": p, "Action": "dynamodb:*", "Resource": "*"}]});
        assert!(bad(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]})).contains("missing Principal"));
        assert!(bad(stmt(json!({"AWS": "bob"}))).contains("invalid principal \"bob\""));
        assert!(bad(stmt(json!({"Robot": "x"}))).contains("unknown principal type"));
        assert!(bad(stmt(json!("someone"))).contains("Principal must be"));
        assert!(ResourcePolicy::parse("not json").is_err());
        // Resource policies may be longer than identity policies.
        let long: Vec<serde_json::Value> = (0..60)
            .map(|i| json!({"Sid": format!("S{i}"), "Effect": "Allow", "Principal": "*", "Action": "dynamodb:GetItem", "Resource": format!("{TABLE}{i}")}))
            .collect();
        let text = json!({"Version": "2012-10-17", "Statement": long}).to_string();
        assert!(text.len() > crate::MAX_MANAGED_POLICY_SIZE);
        assert!(ResourcePolicy::parse(&text).is_ok());
        assert!(matches!(ResourcePolicy::parse(&" ".repeat(20 * 1024 + 1)), Err(Error::TooLarge { .. })));
    }
}
