//! The authorization decision over a principal's identity policies: an
//! explicit Deny in any applicable statement wins; otherwise an applicable
//! Allow allows; otherwise the request is implicitly denied.
//!
//! One request may need several checks (a `TransactWriteItems` is one
//! `PutItem`/`UpdateItem`/... check per element): [`evaluate_all`] allows
//! only if every check is allowed and reports the first that is not.

use std::borrow::Borrow;
use std::fmt;

use crate::context::{ContextKeys, ContextValue, RequestContext, RequestView};
use crate::policy::Policy;

/// The outcome of evaluating a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Some statement allows and none denies.
    Allow,
    /// Some statement denies.
    ExplicitDeny,
    /// No statement applies (or only Deny-free non-matching ones).
    ImplicitDeny,
}

impl Decision {
    /// Whether this is [`Decision::Allow`].
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// Evaluates `ctx` against all of a principal's policies.
pub fn evaluate<P: Borrow<Policy>>(policies: &[P], ctx: &RequestContext) -> Decision {
    decide(policies, &ctx.view())
}

pub(crate) fn decide<P: Borrow<Policy>>(policies: &[P], req: &RequestView<'_>) -> Decision {
    let mut allowed = false;
    for policy in policies {
        let (deny, allow) = policy.borrow().effects(req);
        if deny {
            return Decision::ExplicitDeny;
        }
        allowed |= allow;
    }
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// One (action, resource, extra condition keys) authorization check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthzCheck {
    /// The action, e.g. `dynamodb:PutItem`.
    pub action: String,
    /// The resource ARN (or `*`).
    pub resource: String,
    /// Condition keys for this check only, layered over the request context's.
    pub keys: ContextKeys,
}

impl AuthzCheck {
    /// A check of `action` on `resource`, with no extra keys.
    pub fn new(action: &str, resource: &str) -> AuthzCheck {
        AuthzCheck {
            action: action.to_owned(),
            resource: resource.to_owned(),
            keys: ContextKeys::new(),
        }
    }

    /// Adds a condition key for this check.
    pub fn with_key(mut self, key: &str, value: impl Into<ContextValue>) -> AuthzCheck {
        self.keys.insert(key, value);
        self
    }
}

/// The first check of [`evaluate_all`] that was not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied {
    /// Its index in the checks (0 also when there were no checks at all).
    pub index: usize,
    /// [`Decision::ExplicitDeny`] or [`Decision::ImplicitDeny`].
    pub decision: Decision,
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "check {} denied ({:?})", self.index, self.decision)
    }
}

/// Evaluates every check against the policies, each with `ctx`'s
/// principal and condition keys plus the check's own keys (the check's
/// action and resource replace `ctx`'s). Allowed only if every check is;
/// otherwise the first failure. An empty list of checks is denied
/// (implicitly, index 0): there is nothing that allows the request.
pub fn evaluate_all<P: Borrow<Policy>>(
    policies: &[P],
    ctx: &RequestContext,
    checks: &[AuthzCheck],
) -> Result<(), Denied> {
    if checks.is_empty() {
        return Err(Denied {
            index: 0,
            decision: Decision::ImplicitDeny,
        });
    }
    for (index, check) in checks.iter().enumerate() {
        let req = RequestView {
            ctx,
            action: &check.action,
            resource: &check.resource,
            extra: (!check.keys.is_empty()).then_some(&check.keys),
        };
        let decision = decide(policies, &req);
        if !decision.is_allowed() {
            return Err(Denied { index, decision });
        }
    }
    Ok(())
}

/// AWS's `AccessDeniedException` message for a denied check, e.g.
/// `User: arn:aws:iam::123456789012:user/alice is not authorized to perform:
/// dynamodb:GetItem on resource: arn:... because no identity-based policy
/// allows the dynamodb:GetItem action`.
pub fn access_denied_message(
    principal_arn: &str,
    action: &str,
    resource: &str,
    decision: Decision,
) -> String {
    let why = match decision {
        Decision::ExplicitDeny => "with an explicit deny in an identity-based policy".to_owned(),
        Decision::Allow | Decision::ImplicitDeny => {
            format!("because no identity-based policy allows the {action} action")
        }
    };
    format!("User: {principal_arn} is not authorized to perform: {action} on resource: {resource} {why}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Principal;
    use serde_json::json;

    const TABLE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/Music";

    fn policy(statements: serde_json::Value) -> Policy {
        Policy::from_value(&json!({"Version": "2012-10-17", "Statement": statements})).unwrap()
    }

    fn ctx(action: &str, resource: &str) -> RequestContext {
        RequestContext::new(
            Principal::user("123456789012", "alice", "AIDAALICE"),
            action,
            resource,
        )
    }

    #[test]
    fn no_policies_is_implicit_deny() {
        assert_eq!(
            evaluate::<Policy>(&[], &ctx("dynamodb:GetItem", TABLE)),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn deny_anywhere_wins() {
        let allow = policy(json!({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}));
        let deny =
            policy(json!({"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE}));
        let both = [allow.clone(), deny.clone()];
        assert_eq!(
            evaluate(&both, &ctx("dynamodb:DeleteItem", TABLE)),
            Decision::ExplicitDeny
        );
        assert_eq!(
            evaluate(&both, &ctx("dynamodb:GetItem", TABLE)),
            Decision::Allow
        );
        // Order does not matter.
        let reversed = [&deny, &allow];
        assert_eq!(
            evaluate(&reversed, &ctx("dynamodb:DeleteItem", TABLE)),
            Decision::ExplicitDeny
        );
        // A Deny later in the same policy still wins over an earlier Allow.
        let one = policy(json!([
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}
        ]));
        assert_eq!(
            evaluate(&[one], &ctx("dynamodb:DeleteItem", TABLE)),
            Decision::ExplicitDeny
        );
    }

    #[test]
    fn evaluate_all_reports_first_failure() {
        let p = [policy(json!([
            {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem"], "Resource": "*"},
            {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*",
             "Condition": {"StringEquals": {"dynamodb:EnclosingOperation": "TransactWriteItems"}}}
        ]))];
        let c = ctx("dynamodb:TransactWriteItems", "*");
        let put = AuthzCheck::new("dynamodb:PutItem", TABLE);
        let get = AuthzCheck::new("dynamodb:GetItem", TABLE);
        let del = AuthzCheck::new("dynamodb:DeleteItem", TABLE)
            .with_key("dynamodb:EnclosingOperation", "TransactWriteItems");
        assert_eq!(evaluate_all(&p, &c, std::slice::from_ref(&put)), Ok(()));
        assert_eq!(
            evaluate_all(&p, &c, &[put.clone(), get, del.clone()]),
            Err(Denied {
                index: 1,
                decision: Decision::ImplicitDeny
            })
        );
        assert_eq!(
            evaluate_all(&p, &c, &[put, del]),
            Err(Denied {
                index: 1,
                decision: Decision::ExplicitDeny
            })
        );
        assert_eq!(
            evaluate_all(&p, &c, &[]),
            Err(Denied {
                index: 0,
                decision: Decision::ImplicitDeny
            })
        );
    }

    #[test]
    fn check_keys_override_context_keys() {
        let p = [policy(
            json!({"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {"dynamodb:Select": "COUNT"}}}),
        )];
        let c = ctx("x:y", "*").with_key("dynamodb:Select", "ALL_ATTRIBUTES");
        assert!(evaluate_all(&p, &c, &[AuthzCheck::new("dynamodb:Query", TABLE)]).is_err());
        let check = AuthzCheck::new("dynamodb:Query", TABLE).with_key("dynamodb:select", "COUNT");
        assert_eq!(evaluate_all(&p, &c, &[check]), Ok(()));
    }

    #[test]
    fn messages() {
        assert_eq!(
            access_denied_message("arn:aws:iam::1:user/a", "dynamodb:GetItem", TABLE, Decision::ImplicitDeny),
            format!("User: arn:aws:iam::1:user/a is not authorized to perform: dynamodb:GetItem on resource: {TABLE} because no identity-based policy allows the dynamodb:GetItem action")
        );
        assert_eq!(
            access_denied_message("arn:aws:iam::1:user/a", "dynamodb:GetItem", TABLE, Decision::ExplicitDeny),
            format!("User: arn:aws:iam::1:user/a is not authorized to perform: dynamodb:GetItem on resource: {TABLE} with an explicit deny in an identity-based policy")
        );
        assert_eq!(
            Denied {
                index: 2,
                decision: Decision::ExplicitDeny
            }
            .to_string(),
            "check 2 denied (ExplicitDeny)"
        );
    }
}
