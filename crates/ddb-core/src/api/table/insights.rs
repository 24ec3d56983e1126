//! CloudWatch Contributor Insights settings of a table and its global
//! secondary indexes (UpdateContributorInsights,
//! DescribeContributorInsights, ListContributorInsights): request members,
//! the state kept in the [`TableDefinition`], its transitions and the
//! descriptions DynamoDB answers with, as recorded against DynamoDB:
//! ENABLE answers ENABLING and DISABLE DISABLING when they change
//! something, a request that changes nothing answers the settled status;
//! ENABLE without a mode means ACCESSED_AND_THROTTLED_KEYS; a changed mode
//! keeps the rules' timestamp; a never-configured resource describes as
//! just DISABLED.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::change::ChangeError;
use super::constraints::Constraints;
use super::spec::TableDefinition;

/// The default mode, and the one ENABLE without a mode sets.
pub const ACCESSED_AND_THROTTLED_KEYS: &str = "ACCESSED_AND_THROTTLED_KEYS";
const THROTTLED_KEYS: &str = "THROTTLED_KEYS";
/// In the order DynamoDB lists them in its enumeration message.
const MODES: &[&str] = &[THROTTLED_KEYS, ACCESSED_AND_THROTTLED_KEYS];

/// Most summaries ListContributorInsights returns per page.
pub const MAX_LIST_RESULTS: i64 = 100;

/// The Contributor Insights state of the table or one GSI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightsState {
    pub enabled: bool,
    pub mode: String,
    /// The rules' creation time (milliseconds since the epoch), their
    /// names' suffix.
    pub rules_created_ms: u64,
    /// Last status change, seconds since the epoch.
    pub updated_at: f64,
}

/// `UpdateContributorInsights` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UpdateContributorInsightsInput {
    #[serde(rename = "TableName")]
    pub table_name: Option<String>,
    #[serde(rename = "IndexName")]
    pub index_name: Option<String>,
    #[serde(rename = "ContributorInsightsAction")]
    pub action: Option<String>,
    #[serde(rename = "ContributorInsightsMode")]
    pub mode: Option<String>,
}

/// `DescribeContributorInsights` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DescribeContributorInsightsInput {
    #[serde(rename = "TableName")]
    pub table_name: Option<String>,
    #[serde(rename = "IndexName")]
    pub index_name: Option<String>,
}

/// `ListContributorInsights` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ListContributorInsightsInput {
    #[serde(rename = "TableName")]
    pub table_name: Option<String>,
    #[serde(rename = "NextToken")]
    pub next_token: Option<String>,
    #[serde(rename = "MaxResults")]
    pub max_results: Option<i64>,
}

fn table_name(c: &mut Constraints, name: Option<&String>) {
    if c.not_null(name, "tableName") {
        if let Some(n) = name {
            c.length(n, "tableName", 1, 1024);
        }
    }
}

fn index_name(c: &mut Constraints, name: Option<&String>) {
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        c.name_pattern(n, "indexName");
    }
}

/// The index name's length, checked after the members with DynamoDB's own
/// sentence for these operations.
fn index_length(name: Option<&String>) -> Result<(), String> {
    match name.map(|n| n.chars().count()) {
        Some(len) if !(3..=255).contains(&len) => {
            Err("IndexName must be at least 3 characters long and at most 255 characters long".into())
        }
        _ => Ok(()),
    }
}

impl UpdateContributorInsightsInput {
    /// Checks the members; returns the table name and the change.
    pub fn validate(&self) -> Result<(&str, super::TableChange), String> {
        let mut c = Constraints::default();
        table_name(&mut c, self.table_name.as_ref());
        index_name(&mut c, self.index_name.as_ref());
        if c.not_null(self.action.as_ref(), "contributorInsightsAction") {
            if let Some(a) = &self.action {
                c.one_of(a, "contributorInsightsAction", &["ENABLE", "DISABLE"]);
            }
        }
        if let Some(m) = &self.mode {
            c.one_of(m, "contributorInsightsMode", MODES);
        }
        c.finish().map_err(|e| e.to_string())?;
        index_length(self.index_name.as_ref())?;
        let name = self.table_name.as_deref().ok_or("missing members")?;
        Ok((
            name,
            super::TableChange::ContributorInsights {
                index: self.index_name.clone(),
                enable: self.action.as_deref() == Some("ENABLE"),
                mode: self.mode.clone(),
            },
        ))
    }
}

impl DescribeContributorInsightsInput {
    /// Checks the members; returns the table and index names.
    pub fn validate(&self) -> Result<(&str, Option<&str>), String> {
        let mut c = Constraints::default();
        table_name(&mut c, self.table_name.as_ref());
        index_name(&mut c, self.index_name.as_ref());
        c.finish().map_err(|e| e.to_string())?;
        index_length(self.index_name.as_ref())?;
        let name = self.table_name.as_deref().ok_or("missing members")?;
        Ok((name, self.index_name.as_deref()))
    }
}

impl ListContributorInsightsInput {
    /// Checks the members; returns the page size.
    pub fn validate(&self) -> Result<usize, String> {
        let mut c = Constraints::default();
        if let Some(n) = &self.table_name {
            c.length(n, "tableName", 1, 1024);
        }
        if let Some(m) = self.max_results {
            c.at_least(m, "maxResults", 0);
            c.at_most(m, "maxResults", MAX_LIST_RESULTS);
        }
        c.finish().map_err(|e| e.to_string())?;
        // 0 (or no value) means DynamoDB's default page.
        Ok(match self.max_results {
            Some(m) if m > 0 => usize::try_from(m).unwrap_or(100),
            _ => 100,
        })
    }
}

impl TableDefinition {
    /// The key of [`TableDefinition::contributor_insights`] for `index`
    /// (a GSI name; `None` for the table), or ResourceNotFoundException
    /// when it is no GSI of the table (LSIs have no settings of their own).
    pub fn insights_key(&self, index: Option<&str>) -> Result<String, ChangeError> {
        match index {
            None => Ok(String::new()),
            Some(i) if self.spec.global_secondary_indexes.iter().any(|g| g.name == i) && !self.creating_indexes.iter().any(|c| c == i) => {
                Ok(i.to_owned())
            }
            Some(i) => Err(ChangeError::NotFound(format!(
                "Requested resource not found: Index: {i} not found for table: {}",
                self.spec.name
            ))),
        }
    }

    /// Applies an UpdateContributorInsights at `now` (seconds since the
    /// epoch).
    pub fn update_insights(&mut self, index: Option<&str>, enable: bool, mode: Option<&str>, now: f64) -> Result<(), ChangeError> {
        let key = self.insights_key(index)?;
        let current = self.contributor_insights.get(&key).cloned();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let now_ms = (now * 1000.0) as u64;
        let next = match (enable, current) {
            (true, current) => {
                let mode = mode.unwrap_or(ACCESSED_AND_THROTTLED_KEYS).to_owned();
                match current {
                    Some(c) if c.enabled && c.mode == mode => return Ok(()),
                    Some(c) if c.enabled => InsightsState { mode, updated_at: now, ..c },
                    _ => InsightsState { enabled: true, mode, rules_created_ms: now_ms, updated_at: now },
                }
            }
            (false, Some(c)) if c.enabled => InsightsState { enabled: false, updated_at: now, ..c },
            (false, _) => return Ok(()),
        };
        self.contributor_insights.insert(key, next);
        Ok(())
    }

    /// The state of the table's (`None`) or a GSI's Contributor Insights.
    pub fn insights(&self, index: Option<&str>) -> Option<&InsightsState> {
        self.contributor_insights.get(index.unwrap_or_default())
    }

    /// The CloudWatch rule names of an enabled resource: most accessed
    /// (C) and most throttled (T) partition keys, and sort keys when the
    /// resource has one; only the throttled ones in THROTTLED_KEYS mode.
    fn insights_rules(&self, index: Option<&str>, state: &InsightsState) -> Vec<String> {
        let (resource, has_sort) = match index {
            None => (self.spec.name.clone(), self.spec.key_schema.range.is_some()),
            Some(i) => {
                let sort = self
                    .spec
                    .global_secondary_indexes
                    .iter()
                    .find(|g| g.name == i)
                    .is_some_and(|g| g.key_schema.range.is_some());
                (format!("{}-{i}", self.spec.name), sort)
            }
        };
        let accessed = state.mode == ACCESSED_AND_THROTTLED_KEYS;
        let mut kinds = Vec::new();
        if accessed {
            kinds.push("PKC");
        }
        kinds.push("PKT");
        if has_sort {
            if accessed {
                kinds.push("SKC");
            }
            kinds.push("SKT");
        }
        kinds
            .into_iter()
            .map(|k| format!("DynamoDBContributorInsights-{k}-{resource}-{}", state.rules_created_ms))
            .collect()
    }

    /// DescribeContributorInsights' answer.
    pub fn describe_insights(&self, index: Option<&str>) -> Value {
        let mut out = Map::new();
        out.insert("TableName".into(), json!(self.spec.name));
        if let Some(i) = index {
            out.insert("IndexName".into(), json!(i));
        }
        match self.insights(index) {
            None => {
                out.insert("ContributorInsightsStatus".into(), json!("DISABLED"));
            }
            Some(s) => {
                if s.enabled {
                    out.insert("ContributorInsightsRuleList".into(), json!(self.insights_rules(index, s)));
                }
                out.insert("ContributorInsightsStatus".into(), json!(if s.enabled { "ENABLED" } else { "DISABLED" }));
                out.insert("LastUpdateDateTime".into(), json!(s.updated_at));
                out.insert("ContributorInsightsMode".into(), json!(s.mode));
            }
        }
        Value::Object(out)
    }

    /// ListContributorInsights' summaries of this table: the table, then
    /// its GSIs by name, leaving out what is disabled.
    pub fn insights_summaries(&self) -> Vec<Value> {
        let mut gsis: Vec<&str> = self.spec.global_secondary_indexes.iter().map(|g| g.name.as_str()).collect();
        gsis.sort_unstable();
        let names = std::iter::once(None).chain(gsis.into_iter().map(Some));
        names
            .filter_map(|index| {
                let s = self.insights(index).filter(|s| s.enabled)?;
                let mut v = json!({
                    "TableName": self.spec.name,
                    "ContributorInsightsStatus": "ENABLED",
                    "ContributorInsightsMode": s.mode,
                });
                if let (Some(i), Some(obj)) = (index, v.as_object_mut()) {
                    obj.insert("IndexName".into(), json!(i));
                }
                Some(v)
            })
            .collect()
    }
}

/// UpdateContributorInsights' answer, from the state before and after.
pub fn update_answer(table: &str, index: Option<&str>, before: Option<&InsightsState>, after: Option<&InsightsState>) -> Value {
    let status = match (before, after) {
        (_, Some(a)) if Some(a) == before => if a.enabled { "ENABLED" } else { "DISABLED" },
        (_, Some(a)) if a.enabled => "ENABLING",
        (_, Some(_)) => "DISABLING",
        (_, None) => "DISABLED",
    };
    let mut out = Map::new();
    out.insert("TableName".into(), json!(table));
    if let Some(i) = index {
        out.insert("IndexName".into(), json!(i));
    }
    out.insert("ContributorInsightsStatus".into(), json!(status));
    if let Some(a) = after {
        out.insert("ContributorInsightsMode".into(), json!(a.mode));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::table::CreateTableInput;

    fn def() -> TableDefinition {
        let input: CreateTableInput = serde_json::from_value(json!({
            "TableName": "Music",
            "AttributeDefinitions": [
                {"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "s", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"}
            ],
            "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "s", "KeyType": "RANGE"}],
            "GlobalSecondaryIndexes": [{"IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}],
            "LocalSecondaryIndexes": [{"IndexName": "byS", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "g", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}}],
            "BillingMode": "PAY_PER_REQUEST"
        }))
        .unwrap();
        TableDefinition::new("id".into(), 1.0, input.validate().unwrap())
    }

    #[test]
    fn insights_go_through_dynamodbs_states() {
        let mut d = def();
        assert_eq!(d.describe_insights(None), json!({"TableName": "Music", "ContributorInsightsStatus": "DISABLED"}));
        // Disabling what was never enabled changes nothing.
        d.update_insights(None, false, None, 5.0).unwrap();
        assert!(d.insights(None).is_none());
        d.update_insights(None, true, None, 10.0).unwrap();
        let on = d.insights(None).cloned();
        assert_eq!(update_answer("Music", None, None, on.as_ref())["ContributorInsightsStatus"], "ENABLING");
        let described = d.describe_insights(None);
        assert_eq!(
            described["ContributorInsightsRuleList"],
            json!([
                "DynamoDBContributorInsights-PKC-Music-10000",
                "DynamoDBContributorInsights-PKT-Music-10000",
                "DynamoDBContributorInsights-SKC-Music-10000",
                "DynamoDBContributorInsights-SKT-Music-10000"
            ])
        );
        assert_eq!(described["ContributorInsightsMode"], ACCESSED_AND_THROTTLED_KEYS);
        // Same mode again: a no-op answering ENABLED.
        d.update_insights(None, true, Some(ACCESSED_AND_THROTTLED_KEYS), 11.0).unwrap();
        assert_eq!(d.insights(None), on.as_ref());
        assert_eq!(update_answer("Music", None, on.as_ref(), d.insights(None))["ContributorInsightsStatus"], "ENABLED");
        // A narrower mode keeps the rules' timestamp.
        d.update_insights(None, true, Some(THROTTLED_KEYS), 12.0).unwrap();
        assert_eq!(
            d.describe_insights(None)["ContributorInsightsRuleList"],
            json!(["DynamoDBContributorInsights-PKT-Music-10000", "DynamoDBContributorInsights-SKT-Music-10000"])
        );
        d.update_insights(None, false, Some(ACCESSED_AND_THROTTLED_KEYS), 13.0).unwrap();
        let off = d.describe_insights(None);
        assert_eq!(off["ContributorInsightsStatus"], "DISABLED");
        assert_eq!(off["ContributorInsightsMode"], THROTTLED_KEYS, "DISABLE keeps the mode");
        assert!(off.get("ContributorInsightsRuleList").is_none());
        assert!(d.insights_summaries().is_empty());
    }

    #[test]
    fn only_global_indexes_have_insights() {
        let mut d = def();
        d.update_insights(Some("byG"), true, None, 20.0).unwrap();
        assert_eq!(
            d.describe_insights(Some("byG"))["ContributorInsightsRuleList"],
            json!(["DynamoDBContributorInsights-PKC-Music-byG-20000", "DynamoDBContributorInsights-PKT-Music-byG-20000"])
        );
        assert_eq!(d.insights_summaries(), vec![json!({"TableName": "Music", "IndexName": "byG", "ContributorInsightsStatus": "ENABLED", "ContributorInsightsMode": ACCESSED_AND_THROTTLED_KEYS})]);
        for missing in ["byS", "nope"] {
            let e = d.update_insights(Some(missing), true, None, 1.0).unwrap_err();
            assert_eq!(e.code(), "ResourceNotFoundException");
            assert_eq!(e.message(), format!("Requested resource not found: Index: {missing} not found for table: Music"));
        }
    }

    #[test]
    fn members_are_checked() {
        let input = UpdateContributorInsightsInput { table_name: Some("Music".into()), action: Some("ON".into()), ..Default::default() };
        let e = input.validate().unwrap_err();
        assert!(e.contains("Value 'ON' at 'contributorInsightsAction' failed to satisfy constraint: Member must satisfy enum value set: [ENABLE, DISABLE]"), "{e}");
        let short = DescribeContributorInsightsInput { table_name: Some("Music".into()), index_name: Some(String::new()) };
        assert_eq!(short.validate().unwrap_err(), "IndexName must be at least 3 characters long and at most 255 characters long");
        let list = ListContributorInsightsInput { max_results: Some(101), ..Default::default() };
        assert!(list.validate().unwrap_err().contains("Member must have value less than or equal to 100"));
    }
}
