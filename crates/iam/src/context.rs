//! The request context a policy is evaluated against: who is asking
//! ([`Principal`]), for what action on which resource, and the condition keys
//! (`aws:SourceIp`, `dynamodb:LeadingKeys`, ...) with their values.
//!
//! Key names are case-insensitive; they are stored lower-cased. A key whose
//! value is an empty list counts as absent everywhere (for `Null`, the set
//! operators and `...IfExists`).
//!
//! Keys derived from the principal (`aws:username`, `aws:userid`,
//! `aws:PrincipalAccount`, `aws:PrincipalTag/<key>`) need not be set by
//! hand: they are read from [`Principal`] unless set explicitly.

use std::net::IpAddr;

use chrono::{DateTime, Utc};

/// Names of the global condition keys the caller fills.
pub mod keys {
    pub const SOURCE_IP: &str = "aws:SourceIp";
    pub const CURRENT_TIME: &str = "aws:CurrentTime";
    pub const EPOCH_TIME: &str = "aws:EpochTime";
    pub const SECURE_TRANSPORT: &str = "aws:SecureTransport";
    /// The region the request was signed for.
    pub const REQUESTED_REGION: &str = "aws:RequestedRegion";
    pub const USERNAME: &str = "aws:username";
    pub const USERID: &str = "aws:userid";
    pub const PRINCIPAL_ACCOUNT: &str = "aws:PrincipalAccount";
    /// Prefix of `aws:PrincipalTag/<tag-key>`.
    pub const PRINCIPAL_TAG_PREFIX: &str = "aws:PrincipalTag/";
    /// Prefix of `aws:ResourceTag/<tag-key>`.
    pub const RESOURCE_TAG_PREFIX: &str = "aws:ResourceTag/";
    /// Prefix of `aws:RequestTag/<tag-key>`.
    pub const REQUEST_TAG_PREFIX: &str = "aws:RequestTag/";
    pub const TAG_KEYS: &str = "aws:TagKeys";
}

/// The value of a condition key in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key (`aws:SourceIp`, `dynamodb:Select`, ...).
    One(String),
    /// A multivalued key (`dynamodb:LeadingKeys`, `dynamodb:Attributes`, `aws:TagKeys`).
    Many(Vec<String>),
}

impl From<&str> for ContextValue {
    fn from(s: &str) -> Self {
        ContextValue::One(s.to_owned())
    }
}

impl From<String> for ContextValue {
    fn from(s: String) -> Self {
        ContextValue::One(s)
    }
}

impl From<Vec<String>> for ContextValue {
    fn from(v: Vec<String>) -> Self {
        ContextValue::Many(v)
    }
}

impl From<&[&str]> for ContextValue {
    fn from(v: &[&str]) -> Self {
        ContextValue::Many(v.iter().map(|s| (*s).to_owned()).collect())
    }
}

impl From<bool> for ContextValue {
    fn from(b: bool) -> Self {
        ContextValue::One(b.to_string())
    }
}

/// A borrowed view of a key's value(s) in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueRef<'a> {
    One(&'a str),
    Many(&'a [String]),
}

impl<'a> ValueRef<'a> {
    /// The values one by one.
    pub(crate) fn iter(self) -> impl Iterator<Item = &'a str> {
        let (one, many): (Option<&'a str>, &'a [String]) = match self {
            ValueRef::One(s) => (Some(s), &[]),
            ValueRef::Many(v) => (None, v),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }
}

/// Condition keys and their values, with case-insensitive names. Small and
/// linear: requests carry a handful of keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextKeys {
    entries: Vec<(String, ContextValue)>,
}

impl ContextKeys {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` (any case) to `value`, replacing an earlier value.
    pub fn insert(&mut self, key: &str, value: impl Into<ContextValue>) {
        let key = key.to_lowercase();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// The value of `key` (any case).
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key) || *k == key.to_lowercase())
            .map(|(_, v)| v)
    }

    /// The value of an already lower-cased key; no allocation.
    pub(crate) fn get_lower(&self, key: &str) -> Option<&ContextValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The keys (lower-cased) and values.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Who makes the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principal {
    /// The tenant's account id (`aws:PrincipalAccount`).
    pub account_id: String,
    /// The IAM user's friendly name (`aws:username`); `None` for a root/account principal.
    pub user_name: Option<String>,
    /// The unique id of the principal (`aws:userid`).
    pub user_id: String,
    /// Tags on the principal (`aws:PrincipalTag/<key>`; tag keys compare case-insensitively).
    pub tags: Vec<(String, String)>,
}

impl Principal {
    /// An IAM user of account `account_id`, without tags.
    pub fn user(account_id: &str, user_name: &str, user_id: &str) -> Principal {
        Principal {
            account_id: account_id.to_owned(),
            user_name: Some(user_name.to_owned()),
            user_id: user_id.to_owned(),
            tags: Vec::new(),
        }
    }

    /// Adds a tag.
    pub fn with_tag(mut self, key: &str, value: &str) -> Principal {
        self.tags.push((key.to_owned(), value.to_owned()));
        self
    }

    /// A key derived from the principal, by lower-cased name.
    fn key(&self, lower: &str) -> Option<&str> {
        match lower {
            "aws:username" => self.user_name.as_deref(),
            "aws:userid" => Some(&self.user_id),
            "aws:principalaccount" => Some(&self.account_id),
            _ => {
                let tag = lower.strip_prefix("aws:principaltag/")?;
                self.tags
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(tag) || k.to_lowercase() == tag)
                    .map(|(_, v)| v.as_str())
            }
        }
    }
}

/// One request to authorize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// Who asks.
    pub principal: Principal,
    /// The action, e.g. `dynamodb:GetItem`.
    pub action: String,
    /// The resource ARN, e.g. `arn:aws:dynamodb:us-east-1:123456789012:table/Music`.
    pub resource: String,
    /// Condition keys set explicitly (they take precedence over principal-derived ones).
    pub keys: ContextKeys,
}

impl RequestContext {
    /// A request by `principal` for `action` on `resource`, with no condition keys yet.
    pub fn new(principal: Principal, action: &str, resource: &str) -> RequestContext {
        RequestContext {
            principal,
            action: action.to_owned(),
            resource: resource.to_owned(),
            keys: ContextKeys::new(),
        }
    }

    /// Sets a condition key.
    pub fn with_key(mut self, key: &str, value: impl Into<ContextValue>) -> RequestContext {
        self.keys.insert(key, value);
        self
    }

    /// Sets a condition key.
    pub fn set_key(&mut self, key: &str, value: impl Into<ContextValue>) {
        self.keys.insert(key, value);
    }

    /// Sets `aws:CurrentTime` (ISO 8601, UTC, whole seconds) and `aws:EpochTime`.
    pub fn with_time(self, now: DateTime<Utc>) -> RequestContext {
        self.with_key(keys::CURRENT_TIME, iso_seconds(now))
            .with_key(keys::EPOCH_TIME, now.timestamp().to_string())
    }

    /// Sets `aws:SourceIp`.
    pub fn with_source_ip(self, ip: IpAddr) -> RequestContext {
        self.with_key(keys::SOURCE_IP, ip.to_string())
    }

    /// Sets `aws:RequestedRegion`.
    pub fn with_requested_region(self, region: &str) -> RequestContext {
        self.with_key(keys::REQUESTED_REGION, region)
    }

    /// Sets `aws:SecureTransport`.
    pub fn with_secure_transport(self, secure: bool) -> RequestContext {
        self.with_key(keys::SECURE_TRANSPORT, secure)
    }

    /// The value of a condition key (any case), principal-derived keys included.
    pub fn get(&self, key: &str) -> Option<ContextValue> {
        let lower = key.to_lowercase();
        self.view().get(&lower).map(|v| match v {
            ValueRef::One(s) => ContextValue::One(s.to_owned()),
            ValueRef::Many(v) => ContextValue::Many(v.to_vec()),
        })
    }

    pub(crate) fn view(&self) -> RequestView<'_> {
        RequestView {
            ctx: self,
            action: &self.action,
            resource: &self.resource,
            extra: None,
        }
    }
}

/// What evaluation reads: a context, possibly with the action and resource
/// replaced and extra keys layered on top (one per authorization check).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestView<'a> {
    pub(crate) ctx: &'a RequestContext,
    pub(crate) action: &'a str,
    pub(crate) resource: &'a str,
    pub(crate) extra: Option<&'a ContextKeys>,
}

impl<'a> RequestView<'a> {
    /// The value(s) of a lower-cased key; `None` if absent or an empty list.
    pub(crate) fn get(&self, lower: &str) -> Option<ValueRef<'a>> {
        let explicit = self
            .extra
            .and_then(|x| x.get_lower(lower))
            .or_else(|| self.ctx.keys.get_lower(lower));
        let value = match explicit {
            Some(ContextValue::One(s)) => ValueRef::One(s),
            Some(ContextValue::Many(v)) => ValueRef::Many(v),
            None => ValueRef::One(self.ctx.principal.key(lower)?),
        };
        match value {
            ValueRef::Many([]) => None,
            v => Some(v),
        }
    }

    /// The value of a lower-cased single-valued key (for policy variables).
    pub(crate) fn single(&self, lower: &str) -> Option<&'a str> {
        match self.get(lower)? {
            ValueRef::One(s) => Some(s),
            ValueRef::Many(_) => None,
        }
    }
}


/// `YYYY-MM-DDTHH:MM:SSZ`, written directly (chrono's formatter costs
/// several times more on the request path).
fn iso_seconds(now: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    fn push(out: &mut String, n: u32, width: usize) {
        let mut digits = [b'0'; 10];
        let mut v = n;
        for d in digits.iter_mut().take(width).rev() {
            *d = b'0' + (v % 10) as u8;
            v /= 10;
        }
        for d in digits.iter().take(width) {
            out.push(char::from(*d));
        }
    }
    let mut out = String::with_capacity(20);
    let year = now.year();
    if !(0..=9999).contains(&year) {
        return now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    }
    push(&mut out, year.unsigned_abs(), 4);
    out.push('-');
    push(&mut out, now.month(), 2);
    out.push('-');
    push(&mut out, now.day(), 2);
    out.push('T');
    push(&mut out, now.hour(), 2);
    out.push(':');
    push(&mut out, now.minute(), 2);
    out.push(':');
    push(&mut out, now.second().min(59), 2);
    out.push('Z');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RequestContext {
        RequestContext::new(
            Principal::user("123456789012", "alice", "AIDAEXAMPLE").with_tag("Team", "blue"),
            "dynamodb:GetItem",
            "arn:aws:dynamodb:us-east-1:123456789012:table/T",
        )
    }

    #[test]
    fn current_time_is_iso_8601_seconds() {
        use chrono::TimeZone;
        for (t, text) in [
            (Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(), "2026-01-02T03:04:05Z"),
            (Utc.with_ymd_and_hms(999, 12, 31, 23, 59, 59).unwrap(), "0999-12-31T23:59:59Z"),
        ] {
            assert_eq!(iso_seconds(t), text);
            assert_eq!(iso_seconds(t), t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
    }

    #[test]
    fn key_lookup_is_case_insensitive() {
        let c = ctx().with_key("aws:SourceIp", "10.0.0.1");
        assert_eq!(
            c.get("AWS:SOURCEIP"),
            Some(ContextValue::One("10.0.0.1".into()))
        );
        assert_eq!(
            c.keys.get("aws:sourceip"),
            Some(&ContextValue::One("10.0.0.1".into()))
        );
        assert_eq!(c.get("aws:missing"), None);
    }

    #[test]
    fn principal_keys_are_derived() {
        let c = ctx();
        assert_eq!(
            c.get("aws:username"),
            Some(ContextValue::One("alice".into()))
        );
        assert_eq!(
            c.get("aws:UserId"),
            Some(ContextValue::One("AIDAEXAMPLE".into()))
        );
        assert_eq!(
            c.get("aws:PrincipalAccount"),
            Some(ContextValue::One("123456789012".into()))
        );
        assert_eq!(
            c.get("aws:PrincipalTag/team"),
            Some(ContextValue::One("blue".into()))
        );
        assert_eq!(c.get("aws:PrincipalTag/other"), None);
        let root = RequestContext::new(
            Principal {
                user_name: None,
                ..Principal::default()
            },
            "a:b",
            "*",
        );
        assert_eq!(root.get("aws:username"), None);
    }

    #[test]
    fn explicit_keys_override_derived_ones() {
        let c = ctx().with_key("AWS:username", "bob");
        assert_eq!(c.get("aws:username"), Some(ContextValue::One("bob".into())));
    }

    #[test]
    fn insert_replaces() {
        let mut k = ContextKeys::new();
        k.insert("A:B", "1");
        k.insert("a:b", "2");
        assert_eq!(k.iter().count(), 1);
        assert_eq!(k.get("A:b"), Some(&ContextValue::One("2".into())));
    }

    #[test]
    fn empty_lists_are_absent() {
        let c = ctx().with_key("dynamodb:Attributes", Vec::<String>::new());
        assert!(c.view().get("dynamodb:attributes").is_none());
    }

    #[test]
    fn extra_keys_layer_on_top() {
        let c = ctx().with_key("k:a", "base");
        let mut extra = ContextKeys::new();
        extra.insert("K:A", "extra");
        let view = RequestView {
            extra: Some(&extra),
            ..c.view()
        };
        assert_eq!(view.single("k:a"), Some("extra"));
        assert_eq!(c.view().single("k:a"), Some("base"));
    }

    #[test]
    fn time_helpers() {
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let c = ctx()
            .with_time(t)
            .with_source_ip("203.0.113.7".parse().unwrap())
            .with_secure_transport(true);
        assert_eq!(
            c.get("aws:CurrentTime"),
            Some(ContextValue::One("2023-11-14T22:13:20Z".into()))
        );
        assert_eq!(
            c.get("aws:EpochTime"),
            Some(ContextValue::One("1700000000".into()))
        );
        assert_eq!(
            c.get("aws:SourceIp"),
            Some(ContextValue::One("203.0.113.7".into()))
        );
        assert_eq!(
            c.get("aws:SecureTransport"),
            Some(ContextValue::One("true".into()))
        );
    }

    #[test]
    fn value_ref_iterates() {
        let many = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(
            ValueRef::Many(&many).iter().collect::<Vec<_>>(),
            vec!["a", "b"]
        );
        assert_eq!(ValueRef::One("x").iter().collect::<Vec<_>>(), vec!["x"]);
    }
}
