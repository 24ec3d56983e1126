//! On-demand backups: the requests of CreateBackup, DescribeBackup,
//! DeleteBackup, ListBackups and RestoreTableFromBackup, the record a
//! backup keeps of its table, and the descriptions DynamoDB answers with.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::constraints::Constraints;
use super::describe::{describe, Location, Usage};
use super::restore::RestoreTableToPointInTimeInput;
use super::spec::TableDefinition;

/// What is kept of a backup besides its items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupRecord {
    /// `arn:aws:dynamodb:<region>:<account>:table/<table>/backup/<id>`
    pub arn: String,
    pub name: String,
    /// Seconds since the epoch.
    pub created_at: f64,
    pub size_bytes: u64,
    pub item_count: u64,
    /// The table as it was when the backup was made.
    pub table: TableDefinition,
    pub table_arn: String,
    /// A SYSTEM backup (made when a table with point-in-time recovery is
    /// deleted): when it expires, seconds since the epoch. `None` for a
    /// USER backup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_expires_at: Option<f64>,
}

/// How long a SYSTEM backup is kept, in seconds (35 days).
pub const SYSTEM_BACKUP_SECS: f64 = 35.0 * 86_400.0;

/// The name DynamoDB gives the SYSTEM backup of deleted table `table`.
pub fn system_backup_name(table: &str) -> String {
    format!("{table}$DeletedTableBackup")
}

/// A SYSTEM backup's id: its creation time and eight zeros.
pub fn system_backup_id(millis: u64) -> String {
    format!("{millis:014}-00000000")
}

/// A backup id as DynamoDB makes them: creation time in milliseconds, a
/// dash, eight hex digits.
pub fn backup_id(millis: u64, random: u32) -> String {
    format!("{millis:014}-{random:08x}")
}

fn backup_name(c: &mut Constraints, name: &Option<String>, path: &str) {
    match name {
        // DynamoDB names the pattern before the length here.
        Some(n) => {
            c.name_pattern(n, path);
            c.length(n, path, 3, 255);
        }
        None => {
            c.not_null(None::<&String>, path);
        }
    }
}

fn backup_arn(c: &mut Constraints, arn: &Option<String>) {
    match arn {
        // Its length is not checked as a member: an ARN that names no
        // backup is 'Invalid Backup ARN' (the data plane says so).
        Some(a) => c.length(a, "backupArn", 0, 1024),
        None => {
            c.not_null(None::<&String>, "backupArn");
        }
    }
}

/// `CreateBackup` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CreateBackupInput {
    #[serde(rename = "TableName")]
    pub table_name: Option<String>,
    #[serde(rename = "BackupName")]
    pub backup_name: Option<String>,
}

impl CreateBackupInput {
    /// The table and the backup's name.
    pub fn validate(&self) -> Result<(&str, &str), String> {
        let mut c = Constraints::default();
        c.required_table_name(self.table_name.as_ref(), "tableName");
        backup_name(&mut c, &self.backup_name, "backupName");
        c.finish().map_err(|e| e.to_string())?;
        Ok((self.table_name.as_deref().unwrap_or_default(), self.backup_name.as_deref().unwrap_or_default()))
    }
}

/// `DescribeBackup` and `DeleteBackup` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BackupArnInput {
    #[serde(rename = "BackupArn")]
    pub backup_arn: Option<String>,
}

impl BackupArnInput {
    /// The backup's ARN.
    pub fn validate(&self) -> Result<&str, String> {
        let mut c = Constraints::default();
        backup_arn(&mut c, &self.backup_arn);
        c.finish().map_err(|e| e.to_string())?;
        Ok(self.backup_arn.as_deref().unwrap_or_default())
    }
}

/// `ListBackups` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ListBackupsInput {
    #[serde(rename = "TableName")]
    pub table_name: Option<String>,
    #[serde(rename = "Limit")]
    pub limit: Option<i64>,
    #[serde(rename = "TimeRangeLowerBound")]
    pub time_range_lower_bound: Option<f64>,
    #[serde(rename = "TimeRangeUpperBound")]
    pub time_range_upper_bound: Option<f64>,
    #[serde(rename = "ExclusiveStartBackupArn")]
    pub exclusive_start_backup_arn: Option<String>,
    #[serde(rename = "BackupType")]
    pub backup_type: Option<String>,
}

impl ListBackupsInput {
    /// Checks the members.
    pub fn validate(&self) -> Result<(), String> {
        let mut c = Constraints::default();
        if let Some(n) = &self.table_name {
            c.table_name(n, "tableName");
        }
        if let Some(l) = self.limit {
            c.at_least(l, "limit", 1);
            c.at_most(l, "limit", 100);
        }
        if let Some(a) = &self.exclusive_start_backup_arn {
            c.length(a, "exclusiveStartBackupArn", 37, 1024);
        }
        if let Some(t) = &self.backup_type {
            c.one_of(t, "backupType", &["USER", "SYSTEM", "AWS_BACKUP", "ALL"]);
        }
        c.finish().map_err(|e| e.to_string())?;
        if let (Some(lower), Some(upper)) = (self.time_range_lower_bound, self.time_range_upper_bound) {
            if lower > upper {
                return Err("One or more parameter values were invalid: Time range lower bound must be less than or equal to upper bound".into());
            }
        }
        Ok(())
    }

    /// The backups to list, of `all` (in creation order), and the ARN to
    /// continue from when more are left.
    /// Expired SYSTEM backups (at `now`) are left out; the default type
    /// filter is USER, as DynamoDB's is.
    pub fn select<'a>(&self, all: &'a [BackupRecord], now: f64) -> (Vec<&'a BackupRecord>, Option<String>) {
        let wanted = |b: &BackupRecord| match self.backup_type.as_deref() {
            None | Some("USER") => b.backup_type() == "USER",
            Some("SYSTEM") => b.backup_type() == "SYSTEM",
            Some("ALL") => true,
            _ => false,
        };
        let limit = self.limit.and_then(|l| usize::try_from(l).ok()).unwrap_or(usize::MAX);
        let mut started = self.exclusive_start_backup_arn.is_none();
        let mut out = Vec::new();
        for b in all {
            if !started {
                started = self.exclusive_start_backup_arn.as_deref() == Some(b.arn.as_str());
                continue;
            }
            let table_matches = self.table_name.as_deref().is_none_or(|t| t == b.table.spec.name) && wanted(b) && !b.expired(now);
            let after = self.time_range_lower_bound.is_none_or(|lo| b.created_at >= lo);
            let before = self.time_range_upper_bound.is_none_or(|hi| b.created_at < hi);
            if table_matches && after && before {
                if out.len() == limit {
                    let last = out.last().map(|b: &&BackupRecord| b.arn.clone());
                    return (out, last);
                }
                out.push(b);
            }
        }
        (out, None)
    }
}

/// `RestoreTableFromBackup` request members; the overrides are those of
/// RestoreTableToPointInTime.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RestoreTableFromBackupInput {
    #[serde(rename = "TargetTableName")]
    pub target_table_name: Option<String>,
    #[serde(rename = "BackupArn")]
    pub backup_arn: Option<String>,
    #[serde(flatten)]
    pub overrides: RestoreTableToPointInTimeInput,
}

impl RestoreTableFromBackupInput {
    /// The target table's name and the backup's ARN.
    pub fn validate(&self) -> Result<(&str, &str), String> {
        // DynamoDB words the target name's length in a sentence of its own.
        if self.target_table_name.as_ref().is_some_and(|n| !(3..=255).contains(&n.chars().count())) {
            return Err("TableName must be at least 3 characters long and at most 255 characters long".into());
        }
        let mut c = Constraints::default();
        c.required_table_name(self.target_table_name.as_ref(), "targetTableName");
        backup_arn(&mut c, &self.backup_arn);
        self.overrides.override_constraints(&mut c);
        c.finish().map_err(|e| e.to_string())?;
        Ok((self.target_table_name.as_deref().unwrap_or_default(), self.backup_arn.as_deref().unwrap_or_default()))
    }
}

impl BackupRecord {
    /// `USER` or `SYSTEM`.
    pub fn backup_type(&self) -> &'static str {
        if self.system_expires_at.is_some() {
            "SYSTEM"
        } else {
            "USER"
        }
    }

    /// Whether a SYSTEM backup has expired at `now`.
    pub fn expired(&self, now: f64) -> bool {
        self.system_expires_at.is_some_and(|t| t <= now)
    }

    /// `BackupDetails`, with the status to report.
    pub fn details(&self, status: &str) -> Value {
        let mut d = json!({
            "BackupArn": self.arn,
            "BackupName": self.name,
            "BackupSizeBytes": self.size_bytes,
            "BackupStatus": status,
            "BackupType": self.backup_type(),
            "BackupCreationDateTime": self.created_at,
        });
        if let (Some(t), Some(obj)) = (self.system_expires_at, d.as_object_mut()) {
            obj.insert("BackupExpiryDateTime".into(), json!(t));
        }
        d
    }

    /// A `BackupSummaries` element.
    pub fn summary(&self) -> Value {
        json!({
            "TableName": self.table.spec.name,
            "TableId": self.table.table_id,
            "TableArn": self.table_arn,
            "BackupArn": self.arn,
            "BackupName": self.name,
            "BackupCreationDateTime": self.created_at,
            "BackupStatus": "AVAILABLE",
            "BackupType": self.backup_type(),
            "BackupSizeBytes": self.size_bytes,
        })
    }

    /// `BackupDescription`: the backup, its table's details and features.
    pub fn description(&self, status: &str, loc: Location<'_>) -> Value {
        let table = self.table_description(loc);
        let copy = |from: &Value, members: &[&str]| -> Value {
            let mut m = Map::new();
            for member in members {
                if let Some(v) = from.get(*member) {
                    m.insert((*member).to_owned(), v.clone());
                }
            }
            Value::Object(m)
        };
        let mut details = copy(&table, &["TableName", "TableId", "TableArn", "KeySchema", "ItemCount", "TableSizeBytes"]);
        if let Some(obj) = details.as_object_mut() {
            obj.insert("TableCreationDateTime".into(), json!(self.table.created_at));
            obj.insert("BillingMode".into(), json!(self.table.spec.billing_mode.as_str()));
            let throughput = self.table.spec.throughput.map_or((0, 0), |t| (t.read, t.write));
            obj.insert(
                "ProvisionedThroughput".into(),
                json!({"ReadCapacityUnits": throughput.0, "WriteCapacityUnits": throughput.1}),
            );
        }
        let indexes = |member: &str, fields: &[&str]| -> Option<Value> {
            let list = table.get(member)?.as_array()?;
            Some(Value::Array(list.iter().map(|ix| copy(ix, fields)).collect()))
        };
        let mut features = Map::new();
        if let Some(l) = indexes("LocalSecondaryIndexes", &["IndexName", "KeySchema", "Projection"]) {
            features.insert("LocalSecondaryIndexes".into(), l);
        }
        if let Some(g) = indexes("GlobalSecondaryIndexes", &["IndexName", "KeySchema", "Projection", "ProvisionedThroughput"]) {
            features.insert("GlobalSecondaryIndexes".into(), g);
        }
        if let Some(v) = indexes("VectorIndexes", &super::vector::DEFINITION_MEMBERS) {
            features.insert("VectorIndexes".into(), v);
        }
        if let Some(s) = table.get("StreamSpecification") {
            features.insert("StreamDescription".into(), s.clone());
        }
        let ttl = match &self.table.ttl_attribute {
            Some(a) => json!({"TimeToLiveStatus": "ENABLED", "AttributeName": a}),
            None => json!({"TimeToLiveStatus": "DISABLED"}),
        };
        features.insert("TimeToLiveDescription".into(), ttl);
        if let Some(sse) = table.get("SSEDescription") {
            features.insert("SSEDescription".into(), sse.clone());
        }
        json!({
            "BackupDetails": self.details(status),
            "SourceTableDetails": details,
            "SourceTableFeatureDetails": Value::Object(features),
        })
    }

    /// The backed-up table's description (its counts as backed up), the
    /// source of a restore's CreateTable request.
    pub fn table_description(&self, loc: Location<'_>) -> Value {
        describe(&self.table, "ACTIVE", loc, Usage { item_count: self.item_count, size_bytes: self.size_bytes, ..Usage::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, table: &str, at: f64) -> BackupRecord {
        let input: super::super::create::CreateTableInput = serde_json::from_value(json!({
            "TableName": table,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        }))
        .unwrap();
        BackupRecord {
            arn: format!("arn:aws:dynamodb:us-east-1:123456789012:table/{table}/backup/{name}"),
            name: name.into(),
            created_at: at,
            size_bytes: 10,
            item_count: 1,
            table: TableDefinition::new("id".into(), 1.0, input.validate().unwrap()),
            table_arn: format!("arn:aws:dynamodb:us-east-1:123456789012:table/{table}"),
            system_expires_at: None,
        }
    }

    #[test]
    fn ids_look_like_dynamodb_ids() {
        assert_eq!(backup_id(1_489_602_797_149, 0x73d8_d5bc), "01489602797149-73d8d5bc");
    }

    #[test]
    fn listing_filters_pages_and_continues() {
        let mut system = record("AAA$DeletedTableBackup", "AAA", 25.0);
        system.system_expires_at = Some(100.0);
        let all = vec![record("b1", "AAA", 10.0), record("b2", "BBB", 20.0), system, record("b3", "AAA", 30.0)];
        let list = |v: Value| {
            let input: ListBackupsInput = serde_json::from_value(v).unwrap();
            input.validate().unwrap();
            let (out, next) = input.select(&all, 50.0);
            (out.iter().map(|b| b.name.clone()).collect::<Vec<_>>(), next)
        };
        assert_eq!(list(json!({})).0, ["b1", "b2", "b3"]);
        assert_eq!(list(json!({"TableName": "AAA"})).0, ["b1", "b3"]);
        assert_eq!(list(json!({"TableName": "CCC"})).0, Vec::<String>::new());
        let (page, next) = list(json!({"Limit": 1}));
        assert_eq!(page, ["b1"]);
        assert_eq!(next.as_deref(), Some(all[0].arn.as_str()));
        assert_eq!(list(json!({"ExclusiveStartBackupArn": all[0].arn})).0, ["b2", "b3"]);
        assert_eq!(list(json!({"TimeRangeLowerBound": 15, "TimeRangeUpperBound": 30})).0, ["b2"]);
        assert_eq!(list(json!({"BackupType": "SYSTEM"})).0, ["AAA$DeletedTableBackup"]);
        assert_eq!(list(json!({"BackupType": "ALL", "TableName": "AAA"})).0, ["b1", "AAA$DeletedTableBackup", "b3"]);
        assert_eq!(list(json!({"BackupType": "AWS_BACKUP"})).0, Vec::<String>::new());
        let (expired, _) = {
            let input: ListBackupsInput = serde_json::from_value(json!({"BackupType": "SYSTEM"})).unwrap();
            input.select(&all, 200.0)
        };
        assert!(expired.is_empty(), "an expired SYSTEM backup is gone");
        assert_eq!(all[2].details("AVAILABLE")["BackupType"], "SYSTEM");
        assert_eq!(all[2].details("AVAILABLE")["BackupExpiryDateTime"], 100.0);
        let input: ListBackupsInput = serde_json::from_value(json!({"Limit": 0})).unwrap();
        assert_eq!(
            input.validate().unwrap_err(),
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
        );
    }

    #[test]
    fn descriptions_carry_the_table_as_backed_up() {
        let b = record("b1", "Music", 10.0);
        let loc = Location { partition: "aws", region: "us-east-1", account_id: "123456789012" };
        let d = b.description("AVAILABLE", loc);
        assert_eq!(d["BackupDetails"]["BackupStatus"], "AVAILABLE");
        assert_eq!(d["BackupDetails"]["BackupType"], "USER");
        assert_eq!(d["SourceTableDetails"]["TableName"], "Music");
        assert_eq!(d["SourceTableDetails"]["ItemCount"], 1);
        assert_eq!(d["SourceTableDetails"]["BillingMode"], "PAY_PER_REQUEST");
        assert_eq!(d["SourceTableFeatureDetails"]["TimeToLiveDescription"]["TimeToLiveStatus"], "DISABLED");
        let input: CreateBackupInput = serde_json::from_value(json!({"TableName": "Music", "BackupName": "a b"})).unwrap();
        assert!(input.validate().unwrap_err().contains("at 'backupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"));
    }
}
