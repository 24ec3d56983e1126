//! Shapes shared by the table-management operations, with DynamoDB's exact
//! JSON member names. Enumerations are kept as strings on input so that an
//! unknown value becomes DynamoDB's "Member must satisfy enum value set"
//! validation error instead of a serialization error.

use serde::{Deserialize, Serialize};

/// `AttributeDefinition`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeDefinition {
    #[serde(rename = "AttributeName", default)]
    pub attribute_name: Option<String>,
    #[serde(rename = "AttributeType", default)]
    pub attribute_type: Option<String>,
}

/// `KeySchemaElement`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySchemaElement {
    #[serde(rename = "AttributeName", default)]
    pub attribute_name: Option<String>,
    #[serde(rename = "KeyType", default)]
    pub key_type: Option<String>,
}

/// `Projection`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Projection {
    #[serde(rename = "ProjectionType", default, skip_serializing_if = "Option::is_none")]
    pub projection_type: Option<String>,
    #[serde(rename = "NonKeyAttributes", default, skip_serializing_if = "Option::is_none")]
    pub non_key_attributes: Option<Vec<String>>,
}

/// `ProvisionedThroughput` on input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionedThroughput {
    #[serde(rename = "ReadCapacityUnits", default)]
    pub read_capacity_units: Option<i64>,
    #[serde(rename = "WriteCapacityUnits", default)]
    pub write_capacity_units: Option<i64>,
}

/// `WarmThroughput` on input (CreateTable, UpdateTable).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarmThroughputInput {
    #[serde(rename = "ReadUnitsPerSecond", default)]
    pub read_units_per_second: Option<i64>,
    #[serde(rename = "WriteUnitsPerSecond", default)]
    pub write_units_per_second: Option<i64>,
}

/// `OnDemandThroughput`
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnDemandThroughput {
    #[serde(rename = "MaxReadRequestUnits", default, skip_serializing_if = "Option::is_none")]
    pub max_read_request_units: Option<i64>,
    #[serde(rename = "MaxWriteRequestUnits", default, skip_serializing_if = "Option::is_none")]
    pub max_write_request_units: Option<i64>,
}

/// `LocalSecondaryIndex` on input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalSecondaryIndex {
    #[serde(rename = "IndexName", default)]
    pub index_name: Option<String>,
    #[serde(rename = "KeySchema", default)]
    pub key_schema: Option<Vec<KeySchemaElement>>,
    #[serde(rename = "Projection", default)]
    pub projection: Option<Projection>,
}

/// `GlobalSecondaryIndex` on input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalSecondaryIndex {
    #[serde(rename = "IndexName", default)]
    pub index_name: Option<String>,
    #[serde(rename = "KeySchema", default)]
    pub key_schema: Option<Vec<KeySchemaElement>>,
    #[serde(rename = "Projection", default)]
    pub projection: Option<Projection>,
    #[serde(rename = "ProvisionedThroughput", default)]
    pub provisioned_throughput: Option<ProvisionedThroughput>,
    #[serde(rename = "OnDemandThroughput", default)]
    pub on_demand_throughput: Option<OnDemandThroughput>,
}

/// `StreamSpecification`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSpecification {
    #[serde(rename = "StreamEnabled", default)]
    pub stream_enabled: Option<bool>,
    #[serde(rename = "StreamViewType", default, skip_serializing_if = "Option::is_none")]
    pub stream_view_type: Option<String>,
}

/// `SSESpecification`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SseSpecification {
    #[serde(rename = "Enabled", default)]
    pub enabled: Option<bool>,
    #[serde(rename = "SSEType", default)]
    pub sse_type: Option<String>,
    #[serde(rename = "KMSMasterKeyId", default)]
    pub kms_master_key_id: Option<String>,
}

/// `Tag`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    #[serde(rename = "Key", default)]
    pub key: Option<String>,
    #[serde(rename = "Value", default)]
    pub value: Option<String>,
}

/// The input of operations that name one table (`DescribeTable`,
/// `DeleteTable`, `DescribeTimeToLive`, …).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TableNameInput {
    #[serde(rename = "TableName")]
    pub table_name: Option<String>,
}

impl TableNameInput {
    /// The table name, checked against DynamoDB's member constraints.
    pub fn validate(&self) -> Result<&str, String> {
        let mut c = super::constraints::Constraints::default();
        match &self.table_name {
            Some(n) => c.table_name(n, "tableName"),
            None => {
                c.not_null(None::<&String>, "tableName");
            }
        }
        c.finish().map_err(|e| e.to_string())?;
        Ok(self.table_name.as_deref().unwrap_or_default())
    }
}
