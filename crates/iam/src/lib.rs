//! Pure IAM: resource ARNs today; the policy language and its evaluation
//! (issue #5) land here too. No I/O.

pub mod arn;

pub use arn::TableArn;
