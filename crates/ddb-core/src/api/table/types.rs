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
    #[serde(rename = "WarmThroughput", default)]
    pub warm_throughput: Option<WarmThroughputInput>,
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

/// The input of `EnableKinesisStreamingDestination`,
/// `DisableKinesisStreamingDestination` and
/// `UpdateKinesisStreamingDestination`: a table and a Kinesis data stream
/// (the configuration members are not checked beyond their types: the
/// request is refused once the table is found).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct KinesisDestinationInput {
    #[serde(rename = "TableName")]
    pub table_name: Option<String>,
    #[serde(rename = "StreamArn")]
    pub stream_arn: Option<String>,
}

impl KinesisDestinationInput {
    /// The table name and the stream ARN, checked against DynamoDB's member
    /// constraints (a stream ARN of 37 to 1,024 characters).
    pub fn validate(&self) -> Result<(&str, &str), String> {
        let mut c = super::constraints::Constraints::default();
        c.required_table_name(self.table_name.as_ref(), "tableName");
        match &self.stream_arn {
            Some(arn) => c.length(arn, "streamArn", 37, 1024),
            None => {
                c.not_null(None::<&String>, "streamArn");
            }
        }
        c.finish().map_err(|e| e.to_string())?;
        Ok((self.table_name.as_deref().unwrap_or_default(), self.stream_arn.as_deref().unwrap_or_default()))
    }
}

#[cfg(test)]
mod kinesis_tests {
    use super::KinesisDestinationInput;

    #[test]
    fn a_destination_names_a_table_and_a_stream() {
        let arn = "arn:aws:kinesis:us-east-1:123456789012:stream/orders";
        let ok = KinesisDestinationInput { table_name: Some("Orders".into()), stream_arn: Some(arn.into()) };
        assert_eq!(ok.validate(), Ok(("Orders", arn)));
        let short = KinesisDestinationInput { table_name: Some("Orders".into()), stream_arn: Some("arn:aws:kinesis".into()) };
        assert_eq!(
            short.validate(),
            Err("1 validation error detected: Value 'arn:aws:kinesis' at 'streamArn' failed to satisfy constraint: Member must have length greater than or equal to 37".into())
        );
        let missing = KinesisDestinationInput::default();
        let e = missing.validate().unwrap_err();
        assert!(e.starts_with("2 validation errors detected: "), "{e}");
        assert!(e.contains("'tableName' failed to satisfy constraint: Member must not be null"), "{e}");
        assert!(e.contains("'streamArn' failed to satisfy constraint: Member must not be null"), "{e}");
    }
}
