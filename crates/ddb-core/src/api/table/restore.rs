//! RestoreTableToPointInTime's request: which table, to what time, and
//! the settings the restored table takes instead of the source's.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::constraints::Constraints;

/// `RestoreTableToPointInTime` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RestoreTableToPointInTimeInput {
    #[serde(rename = "SourceTableArn")]
    pub source_table_arn: Option<String>,
    #[serde(rename = "SourceTableName")]
    pub source_table_name: Option<String>,
    #[serde(rename = "TargetTableName")]
    pub target_table_name: Option<String>,
    #[serde(rename = "UseLatestRestorableTime")]
    pub use_latest_restorable_time: Option<bool>,
    /// Seconds since the epoch, as the JSON protocol sends timestamps.
    #[serde(rename = "RestoreDateTime")]
    pub restore_date_time: Option<f64>,
    #[serde(rename = "BillingModeOverride")]
    pub billing_mode_override: Option<String>,
    #[serde(rename = "GlobalSecondaryIndexOverride")]
    pub global_secondary_index_override: Option<Value>,
    #[serde(rename = "LocalSecondaryIndexOverride")]
    pub local_secondary_index_override: Option<Value>,
    #[serde(rename = "ProvisionedThroughputOverride")]
    pub provisioned_throughput_override: Option<Value>,
    #[serde(rename = "OnDemandThroughputOverride")]
    pub on_demand_throughput_override: Option<Value>,
    #[serde(rename = "SSESpecificationOverride")]
    pub sse_specification_override: Option<Value>,
    /// The restored table's vector indexes instead of the source's.
    #[serde(rename = "VectorIndexOverride")]
    pub vector_index_override: Option<Value>,
}

/// The table restored from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreSource<'a> {
    /// By name.
    Name(&'a str),
    /// By ARN.
    Arn(&'a str),
}

/// A checked RestoreTableToPointInTime request.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreRequest<'a> {
    pub source: RestoreSource<'a>,
    pub target: &'a str,
    /// The time to restore to; `None`: the latest restorable time.
    pub time: Option<f64>,
}

impl RestoreTableToPointInTimeInput {
    /// Checks the members and which source and time the request names.
    pub fn validate(&self) -> Result<RestoreRequest<'_>, String> {
        let mut c = Constraints::default();
        if let Some(n) = &self.source_table_name {
            c.table_name(n, "sourceTableName");
        }
        if let Some(arn) = &self.source_table_arn {
            c.length(arn, "sourceTableArn", 1, 1024);
        }
        c.required_table_name(self.target_table_name.as_ref(), "targetTableName");
        self.override_constraints(&mut c);
        c.finish().map_err(|e| e.to_string())?;
        let source = match (&self.source_table_arn, &self.source_table_name) {
            (Some(arn), None) => RestoreSource::Arn(arn),
            (None, Some(name)) => RestoreSource::Name(name),
            (Some(_), Some(_)) | (None, None) => {
                return Err("Must provide exactly one of: sourceTableArn, sourceTableName".into())
            }
        };
        let time = match (self.use_latest_restorable_time.unwrap_or(false), self.restore_date_time) {
            (true, None) => None,
            (false, Some(t)) => Some(t),
            (true, Some(_)) => {
                return Err("Invalid Request: Both RestoreDateTime and UseLatestRestorableTime cannot be set for point-in-time restore request. Please specify only one of them.".into())
            }
            (false, None) => {
                return Err("Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both".into())
            }
        };
        Ok(RestoreRequest { source, target: self.target_table_name.as_deref().unwrap_or_default(), time })
    }

    /// The overrides' member constraints (shared with
    /// RestoreTableFromBackup).
    pub(super) fn override_constraints(&self, c: &mut Constraints) {
        if let Some(mode) = &self.billing_mode_override {
            c.one_of(mode, "billingModeOverride", &["PROVISIONED", "PAY_PER_REQUEST"]);
        }
        if let Some(Value::Object(t)) = &self.provisioned_throughput_override {
            // DynamoDB names the write units first.
            for (member, unit) in [("WriteCapacityUnits", "writeCapacityUnits"), ("ReadCapacityUnits", "readCapacityUnits")] {
                if t.get(member).is_none_or(Value::is_null) {
                    c.not_null(None::<&i64>, &format!("provisionedThroughputOverride.{unit}"));
                }
            }
        }
    }

    /// The CreateTable request of the restored table: the source's key
    /// schema, attribute definitions, indexes, billing mode, throughput and
    /// encryption (`source` is the source's description), each replaced by
    /// its override. The overrides are checked as DynamoDB checks them:
    /// throughput only for a provisioned result and on-demand limits only
    /// for an on-demand one, index overrides only for indexes the source
    /// had (by key schema and projection; they may be renamed), an empty
    /// index override list restores no index of that kind.
    pub fn create_table_request(&self, target: &str, source: &Value) -> Result<Value, String> {
        let invalid = |m: String| format!("Invalid Request: {m}");
        let mut m = Map::new();
        m.insert("TableName".into(), Value::String(target.to_owned()));
        for member in ["AttributeDefinitions", "KeySchema"] {
            if let Some(v) = source.get(member) {
                m.insert(member.into(), v.clone());
            }
        }
        let source_mode = source
            .pointer("/BillingModeSummary/BillingMode")
            .and_then(Value::as_str)
            .unwrap_or("PROVISIONED");
        let mode = self.billing_mode_override.as_deref().unwrap_or(source_mode);
        let provisioned = mode == "PROVISIONED";
        match (self.billing_mode_override.as_deref(), self.provisioned_throughput_override.is_some()) {
            (Some("PAY_PER_REQUEST"), true) => {
                return Err(invalid("Cannot override ProvisionedThroughput if BillingMode is overridden to PAY_PER_REQUEST".into()))
            }
            (None, true) if !provisioned => {
                return Err(invalid("Cannot override ProvisionedThroughput unless BillingMode is PROVISIONED".into()))
            }
            (Some("PROVISIONED"), false) if source_mode != "PROVISIONED" => {
                return Err(invalid("Must override ProvisionedThroughput if BillingMode is overridden to PROVISIONED".into()))
            }
            _ => {}
        }
        if self.on_demand_throughput_override.is_some() && provisioned {
            return Err(invalid(
                "Cannot override MaxReadRequestUnits for OnDemandThroughput unless BillingModeOverride is PAY_PER_REQUEST".into(),
            ));
        }
        m.insert("BillingMode".into(), Value::String(mode.to_owned()));
        let throughput = |v: Option<&Value>| {
            v.map(|t| {
                serde_json::json!({
                    "ReadCapacityUnits": t.get("ReadCapacityUnits").cloned().unwrap_or(Value::Null),
                    "WriteCapacityUnits": t.get("WriteCapacityUnits").cloned().unwrap_or(Value::Null),
                })
            })
        };
        if provisioned {
            let t = self.provisioned_throughput_override.clone().or_else(|| throughput(source.get("ProvisionedThroughput")));
            if let Some(t) = t {
                m.insert("ProvisionedThroughput".into(), t);
            }
        }
        let index = |ix: &Value, with_throughput: bool| {
            let mut out = Map::new();
            for member in ["IndexName", "KeySchema", "Projection"] {
                if let Some(v) = ix.get(member) {
                    out.insert(member.into(), v.clone());
                }
            }
            if with_throughput {
                if let Some(t) = throughput(ix.get("ProvisionedThroughput")) {
                    out.insert("ProvisionedThroughput".into(), t);
                }
            }
            Value::Object(out)
        };
        for (member, override_list, with_throughput) in [
            ("LocalSecondaryIndexes", &self.local_secondary_index_override, false),
            ("GlobalSecondaryIndexes", &self.global_secondary_index_override, provisioned),
        ] {
            let from_source: Vec<&Value> = source.get(member).and_then(Value::as_array).map(|l| l.iter().collect()).unwrap_or_default();
            let list: Vec<Value> = match override_list {
                None => from_source.iter().map(|ix| index(ix, with_throughput)).collect(),
                Some(Value::Array(wanted)) => {
                    for w in wanted {
                        let name = w.get("IndexName").and_then(Value::as_str).unwrap_or_default();
                        let existed = from_source
                            .iter()
                            .any(|ix| ix.get("KeySchema") == w.get("KeySchema") && same_projection(ix.get("Projection"), w.get("Projection")));
                        if !existed {
                            return Err(invalid(format!(
                                "Index {name} does not match a secondary index that existed in the source table and cannot be created during the restore operation"
                            )));
                        }
                        if member == "GlobalSecondaryIndexes" {
                            match (provisioned, w.get("ProvisionedThroughput").is_some()) {
                                (true, false) => return Err(invalid(format!("Must specify provisioned throughput for index {name}"))),
                                (false, true) => {
                                    return Err(invalid(format!(
                                        "Cannot override ProvisionedThroughput if BillingMode is overridden to PAY_PER_REQUEST for index {name}"
                                    )))
                                }
                                _ => {}
                            }
                        }
                    }
                    wanted.clone()
                }
                Some(other) => vec![other.clone()],
            };
            // An empty list restores no index of the kind.
            if !list.is_empty() {
                m.insert(member.into(), Value::Array(list));
            }
        }
        // Vector indexes are kept (as definitions) unless overridden; an
        // empty override restores none.
        let vectors: Vec<Value> = match &self.vector_index_override {
            Some(Value::Array(wanted)) => wanted.clone(),
            Some(other) => vec![other.clone()],
            None => source
                .get("VectorIndexes")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .map(|ix| {
                            let members = super::vector::DEFINITION_MEMBERS;
                            Value::Object(members.iter().filter_map(|k| Some(((*k).to_owned(), ix.get(*k)?.clone()))).collect())
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        if !vectors.is_empty() {
            m.insert("VectorIndexes".into(), Value::Array(vectors));
        }
        // Encryption is kept unless overridden.
        let sse = self.sse_specification_override.clone().or_else(|| {
            let d = source.get("SSEDescription")?;
            (d.get("Status").and_then(Value::as_str) == Some("ENABLED")).then(|| {
                let mut s = serde_json::json!({"Enabled": true, "SSEType": "KMS"});
                if let (Some(key), Some(obj)) = (d.get("KMSMasterKeyArn"), s.as_object_mut()) {
                    obj.insert("KMSMasterKeyId".into(), key.clone());
                }
                s
            })
        });
        if let Some(sse) = sse {
            m.insert("SSESpecification".into(), sse);
        }
        if let Some(t) = &self.on_demand_throughput_override {
            m.insert("OnDemandThroughput".into(), t.clone());
        }
        Ok(Value::Object(m))
    }
}

/// Two projections are the same when their type and (sorted) non-key
/// attributes are.
fn same_projection(a: Option<&Value>, b: Option<&Value>) -> bool {
    let norm = |p: Option<&Value>| {
        let ty = p.and_then(|p| p.get("ProjectionType")).and_then(Value::as_str).map(str::to_owned);
        let mut attrs: Vec<String> = p
            .and_then(|p| p.get("NonKeyAttributes"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        attrs.sort_unstable();
        (ty, attrs)
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: Value) -> RestoreTableToPointInTimeInput {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn one_source_and_one_time() {
        let ok = input(json!({"SourceTableName": "src", "TargetTableName": "dst", "UseLatestRestorableTime": true}));
        assert_eq!(ok.validate().unwrap(), RestoreRequest { source: RestoreSource::Name("src"), target: "dst", time: None });
        let at = input(json!({"SourceTableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/src", "TargetTableName": "dst", "RestoreDateTime": 1.5}));
        assert_eq!(at.validate().unwrap().time, Some(1.5));
        let e = input(json!({"SourceTableName": "src"})).validate().unwrap_err();
        assert_eq!(e, "1 validation error detected: Value null at 'targetTableName' failed to satisfy constraint: Member must not be null");
        let e = input(json!({"TargetTableName": "dst", "UseLatestRestorableTime": true})).validate().unwrap_err();
        assert_eq!(e, "Must provide exactly one of: sourceTableArn, sourceTableName");
        let e = input(json!({"SourceTableName": "src", "TargetTableName": "dst"})).validate().unwrap_err();
        assert_eq!(e, "Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both");
    }

    #[test]
    fn vector_indexes_are_restored_as_definitions_unless_overridden() {
        let source = json!({
            "TableName": "src",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
            "VectorIndexes": [{
                "IndexName": "vix", "VectorAttribute": {"AttributeName": "e"}, "Dimensions": 3,
                "DistanceFunction": "COSINE", "Projection": {"ProjectionType": "ALL"},
                "IndexStatus": "ACTIVE", "IndexArn": "arn:x", "ItemCount": 0, "IndexSizeBytes": 0
            }]
        });
        let req = input(json!({"SourceTableName": "src", "TargetTableName": "dst", "UseLatestRestorableTime": true}));
        let create = req.create_table_request("dst", &source).unwrap();
        assert_eq!(
            create["VectorIndexes"],
            json!([{"IndexName": "vix", "VectorAttribute": {"AttributeName": "e"}, "Dimensions": 3,
                    "DistanceFunction": "COSINE", "Projection": {"ProjectionType": "ALL"}}])
        );
        let none = input(json!({"SourceTableName": "src", "TargetTableName": "dst", "UseLatestRestorableTime": true, "VectorIndexOverride": []}));
        assert!(none.create_table_request("dst", &source).unwrap().get("VectorIndexes").is_none());
    }

    #[test]
    fn the_restored_table_takes_the_source_schema_and_the_overrides() {
        let source = json!({
            "TableName": "src",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingModeSummary": {"BillingMode": "PROVISIONED"},
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6, "NumberOfDecreasesToday": 0},
            "GlobalSecondaryIndexes": [{
                "IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}, "IndexStatus": "ACTIVE",
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 2, "NumberOfDecreasesToday": 0}
            }],
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}
        });
        let req = input(json!({"SourceTableName": "src", "TargetTableName": "dst", "UseLatestRestorableTime": true}));
        let create = req.create_table_request("dst", &source).unwrap();
        assert_eq!(create["TableName"], "dst");
        assert_eq!(create["ProvisionedThroughput"], json!({"ReadCapacityUnits": 5, "WriteCapacityUnits": 6}));
        assert_eq!(create["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"], json!({"ReadCapacityUnits": 1, "WriteCapacityUnits": 2}));
        assert!(create["GlobalSecondaryIndexes"][0].get("IndexStatus").is_none());
        assert!(create.get("StreamSpecification").is_none(), "streams are not carried over");
        let on_demand = input(json!({"SourceTableName": "src", "TargetTableName": "dst", "UseLatestRestorableTime": true, "BillingModeOverride": "PAY_PER_REQUEST"}));
        let create = on_demand.create_table_request("dst", &source).unwrap();
        assert_eq!(create["BillingMode"], "PAY_PER_REQUEST");
        assert!(create.get("ProvisionedThroughput").is_none());
        assert!(create["GlobalSecondaryIndexes"][0].get("ProvisionedThroughput").is_none());

        // Overrides are checked as DynamoDB checks them.
        let refused = |extra: serde_json::Value| {
            let mut v = json!({"SourceTableName": "src", "TargetTableName": "dst", "UseLatestRestorableTime": true});
            for (k, x) in extra.as_object().unwrap() {
                v[k] = x.clone();
            }
            input(v).create_table_request("dst", &source).unwrap_err()
        };
        let pt = json!({"ReadCapacityUnits": 1, "WriteCapacityUnits": 1});
        assert_eq!(
            refused(json!({"BillingModeOverride": "PAY_PER_REQUEST", "ProvisionedThroughputOverride": pt})),
            "Invalid Request: Cannot override ProvisionedThroughput if BillingMode is overridden to PAY_PER_REQUEST"
        );
        assert_eq!(
            refused(json!({"OnDemandThroughputOverride": {"MaxReadRequestUnits": 10}})),
            "Invalid Request: Cannot override MaxReadRequestUnits for OnDemandThroughput unless BillingModeOverride is PAY_PER_REQUEST"
        );
        let renamed = json!([{"IndexName": "new", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": pt}]);
        let create = input(json!({"SourceTableName": "src", "TargetTableName": "dst", "UseLatestRestorableTime": true, "GlobalSecondaryIndexOverride": renamed}))
            .create_table_request("dst", &source)
            .unwrap();
        assert_eq!(create["GlobalSecondaryIndexes"][0]["IndexName"], "new", "an index may be renamed");
        let other = json!([{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}, "ProvisionedThroughput": pt}]);
        assert_eq!(
            refused(json!({"GlobalSecondaryIndexOverride": other})),
            "Invalid Request: Index byg does not match a secondary index that existed in the source table and cannot be created during the restore operation"
        );
        let no_pt = json!([{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]);
        assert_eq!(refused(json!({"GlobalSecondaryIndexOverride": no_pt})), "Invalid Request: Must specify provisioned throughput for index byg");
        // An empty override list restores no index.
        let create = input(json!({"SourceTableName": "src", "TargetTableName": "dst", "UseLatestRestorableTime": true, "GlobalSecondaryIndexOverride": []}))
            .create_table_request("dst", &source)
            .unwrap();
        assert!(create.get("GlobalSecondaryIndexes").is_none());
    }
}
