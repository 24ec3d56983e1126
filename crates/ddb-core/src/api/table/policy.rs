//! Resource-based policies of tables and streams (PutResourcePolicy,
//! GetResourcePolicy, DeleteResourcePolicy, CreateTable's
//! `ResourcePolicy`): the request members, and the revision rules applied
//! to a [`TableDefinition`] under the control plane's row lock, with
//! DynamoDB's PolicyNotFoundException messages.

use serde::{Deserialize, Serialize};
use serde_json::Value;

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
        return Err("One or more parameter values were invalid: Maximum policy size of 20480 bytes exceeded".into());
    }
    Ok(())
}

/// The shape errors DynamoDB reports for a policy document, as the detail
/// after `Invalid policy document: `: not JSON, not a policy, no or an
/// empty `Statement`, a statement without `Effect` or `Resource`, repeated
/// `Sid`s. `Ok` leaves the rest to the policy parser.
pub fn check_document_shape(text: &str) -> Result<(), String> {
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Err("This policy contains invalid Json".into());
    };
    let doc = match &value {
        Value::Null => return Err("This text appears not to be a policy".into()),
        Value::Object(m) if m.is_empty() => return Err("Syntax error at position (1,3)".into()),
        Value::Object(m) => m,
        _ => return Err("This policy contains invalid Json".into()),
    };
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(items)) if items.is_empty() => return Err("Could not parse the policy: Statement is empty!".into()),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => return Err("Could not parse the policy: Statement is empty!".into()),
    };
    let mut sids = std::collections::HashSet::new();
    for s in statements {
        for field in ["Effect", "Resource"] {
            let alternative = format!("Not{field}");
            if s.get(field).is_none() && s.get(alternative.as_str()).is_none() {
                return Err(format!("Missing required field {field}"));
            }
        }
        if let Some(sid) = s.get("Sid").and_then(Value::as_str) {
            if !sids.insert(sid) {
                return Err("The Statement Ids in the policy are not unique".into());
            }
        }
    }
    Ok(())
}

/// The form DynamoDB keeps a policy document in, and answers
/// GetResourcePolicy with: minified, keys in a fixed order (`Version`,
/// `Id`, `Statement`; in each statement `Sid`, `Effect`, `Principal`,
/// `Action`, `Resource`, `Condition` and their `Not` forms), `Statement`
/// always a list, one-element `Action`/`Resource` lists as strings, and
/// account-id principals as the account's root ARN in `partition` (`aws`,
/// `aws-cn`, …), each listed once.
/// Documents with the same canonical form are the same policy (a re-Put
/// keeps its revision). A missing `Version` stays missing here; see
/// [`ResourcePolicy::answer`].
pub fn canonical_document(text: &str, partition: &str) -> Result<String, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("the document is not JSON: {e}"))?;
    let Value::Object(doc) = &value else {
        return Err("the document must be a JSON object".into());
    };
    let mut out = String::from("{");
    let mut first = true;
    for key in ["Version", "Id"] {
        if let Some(v) = doc.get(key) {
            member(&mut out, &mut first, key, &v.to_string());
        }
    }
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    let rendered: Vec<String> = statements.into_iter().map(|s| canonical_statement(s, partition)).collect();
    member(&mut out, &mut first, "Statement", &format!("[{}]", rendered.join(",")));
    out.push('}');
    Ok(out)
}

fn member(out: &mut String, first: &mut bool, key: &str, value: &str) {
    if !*first {
        out.push(',');
    }
    *first = false;
    out.push_str(&Value::String(key.to_owned()).to_string());
    out.push(':');
    out.push_str(value);
}

fn canonical_statement(statement: &Value, partition: &str) -> String {
    let Value::Object(s) = statement else {
        return statement.to_string();
    };
    let mut out = String::from("{");
    let mut first = true;
    for key in [
        "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition",
    ] {
        let Some(v) = s.get(key) else { continue };
        let v = match key {
            "Principal" | "NotPrincipal" => canonical_principal(v, partition),
            "Action" | "NotAction" | "Resource" | "NotResource" => single(v.clone()),
            _ => v.clone(),
        };
        member(&mut out, &mut first, key, &v.to_string());
    }
    // Elements DynamoDB does not know are kept (the policy check refuses them).
    for (key, v) in s.iter().filter(|(k, _)| {
        !matches!(
            k.as_str(),
            "Sid" | "Effect" | "Principal" | "NotPrincipal" | "Action" | "NotAction" | "Resource" | "NotResource" | "Condition"
        )
    }) {
        member(&mut out, &mut first, key, &v.to_string());
    }
    out.push('}');
    out
}

/// A one-element list as its element.
fn single(v: Value) -> Value {
    match v {
        Value::Array(mut items) if items.len() == 1 => items.pop().unwrap_or(Value::Null),
        other => other,
    }
}

fn canonical_principal(v: &Value, partition: &str) -> Value {
    let Value::Object(types) = v else { return v.clone() };
    let mut out = serde_json::Map::new();
    for (kind, names) in types {
        let list: Vec<Value> = match names {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        let mut seen: Vec<Value> = Vec::with_capacity(list.len());
        for name in list {
            let name = match name {
                Value::String(s) if kind == "AWS" && s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) => {
                    Value::String(format!("arn:{partition}:iam::{s}:root"))
                }
                other => other,
            };
            if !seen.contains(&name) {
                seen.push(name);
            }
        }
        out.insert(kind.clone(), single(Value::Array(seen)));
    }
    Value::Object(out)
}

impl ResourcePolicy {
    /// The document as GetResourcePolicy answers it: the canonical form,
    /// with the policy language's default `Version` (2008-10-17) when the
    /// document named none.
    pub fn answer(&self) -> String {
        match self.document.strip_prefix('{') {
            Some(rest) if !self.document.starts_with("{\"Version\"") => format!("{{\"Version\":\"2008-10-17\",{rest}"),
            _ => self.document.clone(),
        }
    }
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
    /// attached keeps its revision; removing no policy changes nothing.
    pub fn set_resource_policy(
        &mut self,
        target: &PolicyTarget,
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
            // Deleting nothing is a no-op, as DynamoDB answers it.
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

    #[test]
    fn revisions_follow_documents_and_expectations() {
        let mut d = def();
        let t = PolicyTarget::Table;
        d.set_resource_policy(&t, None, None, 10.0).unwrap();
        assert!(d.resource_policy(&t).is_none());
        d.set_resource_policy(&t, Some("a"), Some(NO_POLICY), 10.0).unwrap();
        let first = d.resource_policy(&t).unwrap().revision_id.clone();
        assert_eq!(first, "10000");
        // The same document again: same revision.
        d.set_resource_policy(&t, Some("a"), None, 20.0).unwrap();
        assert_eq!(d.resource_policy(&t).unwrap().revision_id, first);
        let e = d.set_resource_policy(&t, Some("b"), Some(NO_POLICY), 20.0).unwrap_err();
        assert_eq!(e.code(), "PolicyNotFoundException");
        assert!(e.message().ends_with("expecting none to be present for table Tab, but a policy exists with revision id 10000."));
        // A clock that went back still gives a greater revision.
        d.set_resource_policy(&t, Some("b"), Some(&first), 5.0).unwrap();
        assert_eq!(d.resource_policy(&t).unwrap().revision_id, "10001");
        let e = d.set_resource_policy(&t, None, Some(&first), 30.0).unwrap_err();
        assert!(e.message().ends_with("revision id 10000, but the policy associated to target table Tab has revision id 10001."));
        d.set_resource_policy(&t, None, Some("10001"), 30.0).unwrap();
        assert!(d.resource_policy(&t).is_none());
    }

    #[test]
    fn documents_are_kept_in_canonical_form() {
        let sent = r#"{"Statement": {"Action": ["dynamodb:GetItem"], "Resource": ["a", "b"], "Principal": {"AWS": ["123456789012", "arn:aws:iam::123456789012:root"]}, "Effect": "Allow"}, "Version": "2012-10-17"}"#;
        assert_eq!(
            canonical_document(sent, "aws").unwrap(),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"dynamodb:GetItem","Resource":["a","b"]}]}"#
        );
        let unversioned = canonical_document(r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#, "aws").unwrap();
        let p = ResourcePolicy { document: unversioned.clone(), revision_id: "1".into() };
        assert_eq!(
            p.answer(),
            r#"{"Version":"2008-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#
        );
        assert_ne!(canonical_document(&p.answer(), "aws").unwrap(), unversioned, "a defaulted Version is another document");
    }

    #[test]
    fn document_shapes_are_named_as_dynamodb_names_them() {
        for (text, why) in [
            ("", "This policy contains invalid Json"),
            ("[]", "This policy contains invalid Json"),
            ("null", "This text appears not to be a policy"),
            ("{}", "Syntax error at position (1,3)"),
            (r#"{"Statement": []}"#, "Could not parse the policy: Statement is empty!"),
            (r#"{"Statement": [{}]}"#, "Missing required field Effect"),
            (r#"{"Statement": [{"Effect": "Allow"}]}"#, "Missing required field Resource"),
            (
                r#"{"Statement": [{"Sid": "a", "Effect": "Allow", "Resource": "*"}, {"Sid": "a", "Effect": "Deny", "Resource": "*"}]}"#,
                "The Statement Ids in the policy are not unique",
            ),
        ] {
            assert_eq!(check_document_shape(text).unwrap_err(), why, "{text}");
        }
        assert!(check_document_shape(r#"{"Statement": {"Effect": "Allow", "NotResource": "x"}}"#).is_ok());
    }

    #[test]
    fn members_are_checked() {
        let input = PutResourcePolicyInput { policy: Some("x".repeat(MAX_POLICY_BYTES + 1)), ..Default::default() };
        let e = input.validate().unwrap_err();
        assert!(e.contains("Value null at 'resourceArn' failed to satisfy constraint: Member must not be null"), "{e}");
        let input = PutResourcePolicyInput {
            resource_arn: Some("arn:aws:dynamodb:us-east-1:000000000000:table/Tab".into()),
            policy: Some("x".repeat(MAX_POLICY_BYTES + 1)),
            ..Default::default()
        };
        assert_eq!(input.validate().unwrap_err(), "One or more parameter values were invalid: Maximum policy size of 20480 bytes exceeded");
    }
}
