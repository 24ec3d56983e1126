//! Validation of names and policy documents; every failure is a 422.
//!
//! - tenant names: 3–63 characters of `[a-z0-9-]`, and not 32 hex digits
//!   (that shape is reserved for tenant ids, which `{tenant}` also accepts);
//! - user names: IAM's rule, 1–64 characters of `[A-Za-z0-9+=,.@_-]`;
//! - policy names: IAM's rule, 1–128 characters of the same set;
//! - policy documents: a JSON object, or a string holding one, that the
//!   `iam` crate parses as a policy.

use super::error::AdminError;

fn iam_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

/// Checks a tenant name.
pub fn tenant_name(name: &str) -> Result<(), AdminError> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !(3..=63).contains(&name.len()) || !ok_chars {
        return Err(AdminError::Invalid(format!(
            "invalid tenant name {name:?}: 3 to 63 characters of a-z, 0-9 and -"
        )));
    }
    if name.len() == 32 && name.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AdminError::Invalid(format!(
            "invalid tenant name {name:?}: 32 hex digits is the shape of a tenant id"
        )));
    }
    Ok(())
}

fn iam_name(kind: &str, name: &str, max: usize) -> Result<(), AdminError> {
    if name.is_empty() || name.len() > max || !name.chars().all(iam_char) {
        return Err(AdminError::Invalid(format!(
            "invalid {kind} name {name:?}: 1 to {max} characters of A-Z, a-z, 0-9 and +=,.@_-"
        )));
    }
    Ok(())
}

/// Checks an IAM user name.
pub fn user_name(name: &str) -> Result<(), AdminError> {
    iam_name("user", name, 64)
}

/// Checks an IAM policy name.
pub fn policy_name(name: &str) -> Result<(), AdminError> {
    iam_name("policy", name, 128)
}

/// The policy document as a JSON object, validated: `document` is the
/// object itself or a string holding it (as AWS's APIs take it).
pub fn policy_document(document: &serde_json::Value) -> Result<serde_json::Value, AdminError> {
    let value = match document {
        serde_json::Value::String(text) => serde_json::from_str(text)
            .map_err(|e| AdminError::Invalid(format!("policy document is not valid JSON: {e}")))?,
        other => other.clone(),
    };
    if !value.is_object() {
        return Err(AdminError::Invalid(
            "policy document must be a JSON object".into(),
        ));
    }
    iam::Policy::from_value(&value).map_err(|e| AdminError::Invalid(e.to_string()))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(tenant_name("acme-1").is_ok());
        for bad in [
            "ab",
            "Acme",
            "a_b",
            &"a".repeat(64),
            "0123456789abcdef0123456789abcdef",
        ] {
            assert!(tenant_name(bad).is_err(), "{bad}");
        }
        assert!(user_name("alice+ops=x,y.z@example_-").is_ok());
        assert!(user_name("").is_err());
        assert!(user_name("has space").is_err());
        assert!(user_name(&"u".repeat(65)).is_err());
        assert!(policy_name(&"p".repeat(128)).is_ok());
        assert!(policy_name(&"p".repeat(129)).is_err());
    }

    #[test]
    fn documents_as_objects_or_strings() {
        let doc = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]
        });
        assert_eq!(policy_document(&doc).unwrap(), doc);
        assert_eq!(
            policy_document(&serde_json::Value::String(doc.to_string())).unwrap(),
            doc
        );
        assert!(policy_document(&serde_json::json!([1])).is_err());
        assert!(policy_document(&serde_json::json!("{not json")).is_err());
        let bad = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]});
        assert!(policy_document(&bad).is_err());
    }
}
