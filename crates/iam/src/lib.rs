//! Pure IAM for Dynastore: the identity-policy language (parsing,
//! validation, evaluation with AWS semantics), DynamoDB resource ARNs, and
//! the mapping from DynamoDB operations to the authorization checks they
//! need. No I/O.
//!
//! ```
//! use iam::{evaluate, Decision, Policy, Principal, RequestContext};
//!
//! let policy = Policy::parse(r#"{
//!     "Version": "2012-10-17",
//!     "Statement": [{
//!         "Effect": "Allow",
//!         "Action": "dynamodb:GetItem",
//!         "Resource": "arn:aws:dynamodb:*:*:table/${aws:username}-*"
//!     }]
//! }"#).unwrap();
//! let ctx = RequestContext::new(
//!     Principal::user("123456789012", "alice", "AIDAALICE"),
//!     "dynamodb:GetItem",
//!     "arn:aws:dynamodb:us-east-1:123456789012:table/alice-notes",
//! );
//! assert_eq!(evaluate(&[policy], &ctx), Decision::Allow);
//! ```

pub mod arn;
mod condition;
pub mod context;
pub mod dynamodb;
mod error;
mod evaluate;
mod ip;
mod matcher;
mod policy;
mod resource;
mod values;
mod variables;

pub use arn::{partition, TableArn};
pub use context::{keys, ContextKeys, ContextValue, Principal, RequestContext};
pub use error::Error;
pub use evaluate::{access_denied_message, evaluate, evaluate_all, AuthzCheck, Decision, Denied};
pub use resource::{
    evaluate_all_with_resource_policies, Caller, ResourceDecision, ResourceDenied, ResourcePolicy, MAX_RESOURCE_POLICY_SIZE,
};
pub use policy::{validate_size, Effect, Policy, Statement, Version, MAX_MANAGED_POLICY_SIZE};
