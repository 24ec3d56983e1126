//! Resource-based policies of tables and streams (PutResourcePolicy,
//! GetResourcePolicy, DeleteResourcePolicy, CreateTable's
//! `ResourcePolicy`): the request members, and the revision rules applied
//! to a [`TableDefinition`] under the control plane's row lock, with
//! DynamoDB's PolicyNotFoundException messages.

use serde::{Deserialize, Serialize};

use super::change::ChangeError;
use super::constraints::Constraints;
use super::spec::TableDefinition;

/// The largest policy document, in bytes, whitespace included.
pub const MAX_POLICY_BYTES: usize = 20 * 1024;

/// `ExpectedRevisionId` meaning "only if no policy is attached".
pub const NO_POLICY: &str = "NO_POLICY";

/// A policy attached to a table or to one of its streams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourcePolicy {
    /// The document as the caller sent it.
    pub document: String,
    /// Milliseconds since the epoch when this document was attached, as a
    /// decimal string: later revisions compare greater.
    pub revision_id: String,
}

/// What a policy is attached to: the table, or one of its streams by label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyTarget {
    Table,
    Stream(String),
}

impl PolicyTarget {
    /// The key of [`TableDefinition::resource_policies`].
    pub fn key(&self) -> &str {
        match self {
            PolicyTarget::Table => "",
            PolicyTarget::Stream(label) => label,
        }
    }
}

/// `PutResourcePolicy` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PutResourcePolicyInput {
    #[serde(rename = "ResourceArn")]
    pub resource_arn: Option<String>,
    #[serde(rename = "Policy")]
    pub policy: Option<String>,
    #[serde(rename = "ExpectedRevisionId")]
    pub expected_revision_id: Option<String>,
    #[serde(rename = "ConfirmRemoveSelfResourceAccess")]
    pub confirm_remove_self_resource_access: Option<bool>,
}

/// `GetResourcePolicy` and `DeleteResourcePolicy` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ResourcePolicyArnInput {
    #[serde(rename = "ResourceArn")]
    pub resource_arn: Option<String>,
    #[serde(rename = "ExpectedRevisionId")]
    pub expected_revision_id: Option<String>,
}

fn arn_member(c: &mut Constraints, arn: Option<&String>) {
    if c.not_null(arn, "resourceArn") {
        if let Some(a) = arn {
            c.length(a, "resourceArn", 1, 1283);
        }
    }
}

fn revision_member(c: &mut Constraints, revision: Option<&String>) {
    if let Some(r) = revision {
        c.length(r, "expectedRevisionId", 1, 255);
    }
}

impl PutResourcePolicyInput {
    /// Checks the members; returns the ARN and the document.
    pub fn validate(&self) -> Result<(&str, &str), String> {
        let mut c = Constraints::default();
        arn_member(&mut c, self.resource_arn.as_ref());
        c.not_null(self.policy.as_ref(), "policy");
        revision_member(&mut c, self.expected_revision_id.as_ref());
        c.finish().map_err(|e| e.to_string())?;
        match (&self.resource_arn, &self.policy) {
            (Some(arn), Some(policy)) => {
                check_document_size(policy)?;
                Ok((arn, policy))
            }
            _ => Err("missing members".into()),
        }
    }
}

impl ResourcePolicyArnInput {
    /// Checks the members; returns the ARN.
    pub fn validate(&self) -> Result<&str, String> {
        let mut c = Constraints::default();
        arn_member(&mut c, self.resource_arn.as_ref());
        revision_member(&mut c, self.expected_revision_id.as_ref());
        c.finish().map_err(|e| e.to_string())?;
        self.resource_arn.as_deref().ok_or_else(|| "missing members".into())
    }
}

/// The 20 KB limit, whitespace counted.
pub fn check_document_size(policy: &str) -> Result<(), String> {
    if policy.len() > MAX_POLICY_BYTES {
        return Err(format!(
            "Resource-based policy size exceeds the maximum allowed size of 20 KB. Policy size: {} bytes",
            policy.len()
        ));
    }
    Ok(())
}

fn not_found(msg: String) -> ChangeError {
    ChangeError::PolicyNotFound(format!("Resource-based policy not found for the provided ResourceArn: {msg}"))
}

impl TableDefinition {
    /// The policy attached to `target`, if any.
    pub fn resource_policy(&self, target: &PolicyTarget) -> Option<&ResourcePolicy> {
        self.resource_policies.get(target.key())
    }

    /// Attaches `document` to `target` (or, with `None`, removes its
    /// policy) at `now` (seconds since the epoch), if `expected` (an
    /// `ExpectedRevisionId`) matches. Attaching the document already
    /// attached keeps its revision. `arn` is the resource's ARN, for
    /// messages.
    pub fn set_resource_policy(
        &mut self,
        target: &PolicyTarget,
        arn: &str,
        document: Option<&str>,
        expected: Option<&str>,
        now: f64,
    ) -> Result<(), ChangeError> {
        let table = &self.spec.name;
        let current = self.resource_policies.get(target.key());
        match (expected, current) {
            (Some(NO_POLICY), Some(p)) if document.is_some() => {
                return Err(not_found(format!(
                    "Requested policy update expecting none to be present for table {table}, but a policy exists with revision id {}.",
                    p.revision_id
                )))
            }
            (Some(NO_POLICY), None) if document.is_some() => {}
            (Some(want), Some(p)) if want != p.revision_id => {
                return Err(not_found(format!(
                    "Requested update for policy with revision id {want}, but the policy associated to target table {table} has revision id {}.",
                    p.revision_id
                )))
            }
            (Some(want), None) => {
                return Err(not_found(format!(
                    "Requested update for policy with revision id {want}, but no policy is associated to target table {table}."
                )))
            }
            (None, None) if document.is_none() => return Err(not_found(arn.to_owned())),
            _ => {}
        }
        match document {
            None => {
                self.resource_policies.remove(target.key());
            }
            Some(doc) if current.is_some_and(|p| p.document == doc) => {}
            Some(doc) => {
                let previous = current.and_then(|p| p.revision_id.parse::<u64>().ok()).unwrap_or(0);
                // Milliseconds: `now` is far below 2^53 ms.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let millis = (now * 1000.0) as u64;
                let revision = millis.max(previous + 1);
                self.resource_policies.insert(
                    target.key().to_owned(),
                    ResourcePolicy { document: doc.to_owned(), revision_id: revision.to_string() },
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::table::CreateTableInput;

    fn def() -> TableDefinition {
        let input: CreateTableInput = serde_json::from_value(serde_json::json!({
            "TableName": "Tab",
            "AttributeDefinitions": [{"AttributeName": "p", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"
        }))
        .unwrap();
        TableDefinition::new("id".into(), 1.0, input.validate().unwrap())
    }

    const ARN: &str = "arn:aws:dynamodb:us-east-1:000000000000:table/Tab";

    #[test]
    fn revisions_follow_documents_and_expectations() {
        let mut d = def();
        let t = PolicyTarget::Table;
        let e = d.set_resource_policy(&t, ARN, None, None, 10.0).unwrap_err();
        assert_eq!(e.message(), format!("Resource-based policy not found for the provided ResourceArn: {ARN}"));
        d.set_resource_policy(&t, ARN, Some("a"), Some(NO_POLICY), 10.0).unwrap();
        let first = d.resource_policy(&t).unwrap().revision_id.clone();
        assert_eq!(first, "10000");
        // The same document again: same revision.
        d.set_resource_policy(&t, ARN, Some("a"), None, 20.0).unwrap();
        assert_eq!(d.resource_policy(&t).unwrap().revision_id, first);
        let e = d.set_resource_policy(&t, ARN, Some("b"), Some(NO_POLICY), 20.0).unwrap_err();
        assert_eq!(e.code(), "PolicyNotFoundException");
        assert!(e.message().ends_with("expecting none to be present for table Tab, but a policy exists with revision id 10000."));
        // A clock that went back still gives a greater revision.
        d.set_resource_policy(&t, ARN, Some("b"), Some(&first), 5.0).unwrap();
        assert_eq!(d.resource_policy(&t).unwrap().revision_id, "10001");
        let e = d.set_resource_policy(&t, ARN, None, Some(&first), 30.0).unwrap_err();
        assert!(e.message().ends_with("revision id 10000, but the policy associated to target table Tab has revision id 10001."));
        d.set_resource_policy(&t, ARN, None, Some("10001"), 30.0).unwrap();
        assert!(d.resource_policy(&t).is_none());
    }

    #[test]
    fn members_are_checked() {
        let input = PutResourcePolicyInput { policy: Some("x".repeat(MAX_POLICY_BYTES + 1)), ..Default::default() };
        let e = input.validate().unwrap_err();
        assert!(e.contains("Value null at 'resourceArn' failed to satisfy constraint: Member must not be null"), "{e}");
        let input = PutResourcePolicyInput {
            resource_arn: Some(ARN.into()),
            policy: Some("x".repeat(MAX_POLICY_BYTES + 1)),
            ..Default::default()
        };
        assert!(input.validate().unwrap_err().contains("exceeds the maximum allowed size of 20 KB"));
    }
}
