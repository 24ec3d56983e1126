//! Degenerate but well-typed requests (empty strings, empty structures,
//! missing members) against the table-management operations, each answered
//! with the message DynamoDB gave for the same request when it was recorded
//! (ack-api-quirks, DDB-TABLE-457, 2026-10-09).

use serde_json::{json, Value};

use crate::harness::{dynamodb_call, error_name, Stack};

async fn call(s: &Stack, op: &str, body: &Value) -> (u16, Value) {
    dynamodb_call(s, op, body).await
}

#[tokio::test]
async fn degenerate_requests_get_dynamodb_messages() {
    let s = Stack::start().await;
    let t = "Degenerate";
    let (status, _) = call(
        &s,
        "CreateTable",
        &json!({
            "TableName": t,
            "AttributeDefinitions": [{"AttributeName": "p", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "GlobalSecondaryIndexes": [{"IndexName": "gsi1", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]
        }),
    )
    .await;
    assert_eq!(status, 200);
    let arn = format!("arn:aws:dynamodb:us-east-1:{}:table/{t}", s.tenant.account_id);
    let (_, backup) = call(&s, "CreateBackup", &json!({"TableName": t, "BackupName": "bk1"})).await;
    let backup_arn = backup["BackupDetails"]["BackupArn"].as_str().unwrap().to_owned();
    let create = |extra: Value| {
        let mut body = json!({
            "TableName": "Other",
            "AttributeDefinitions": [{"AttributeName": "p", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let empty_name = "1 validation error detected: Value at 'TableName' failed to satisfy constraint: Member must have length greater than or equal to 1";
    let cases: Vec<(&str, Value, &str)> = vec![
        // An empty TableName alone, in the newer framework's words.
        ("PutItem", json!({"TableName": "", "ReturnValues": "INVALID", "Item": {}}), empty_name),
        ("DeleteItem", json!({"TableName": "", "Key": {}}), empty_name),
        ("GetItem", json!({"TableName": "", "Key": {}, "ReturnConsumedCapacity": "X"}), empty_name),
        ("CreateBackup", json!({"TableName": t, "BackupName": ""}), "2 validation errors detected: Value '' at 'backupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value '' at 'backupName' failed to satisfy constraint: Member must have length greater than or equal to 3"),
        ("CreateTable", create(json!({"AttributeDefinitions": [{}]})), "2 validation errors detected: Value null at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must not be null; Value null at 'attributeDefinitions.1.member.attributeName' failed to satisfy constraint: Member must not be null"),
        ("CreateTable", create(json!({"BillingMode": ""})), "1 validation error detected: Value '' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"),
        ("CreateTable", create(json!({"KeySchema": []})), "1 validation error detected: Value '[]' at 'keySchema' failed to satisfy constraint: Member must have length greater than or equal to 1"),
        ("CreateTable", create(json!({"ResourcePolicy": "{}"})), "One or more parameter values were invalid: Invalid policy document: Syntax error at position (1,3)"),
        ("CreateTable", create(json!({"SSESpecification": {"Enabled": true, "SSEType": "KMS", "KMSMasterKeyId": ""}})), "1 validation error detected: Value '' at 'sSESpecification.kMSMasterKeyId' failed to satisfy constraint: Member must have length greater than or equal to 1"),
        ("CreateTable", create(json!({"StreamSpecification": {"StreamEnabled": true, "StreamViewType": ""}})), "1 validation error detected: Value '' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [OLD_IMAGE, KEYS_ONLY, NEW_AND_OLD_IMAGES, NEW_IMAGE]"),
        ("CreateTable", create(json!({"Tags": [{}]})), "The Tag Key provided is invalid, Key: null"),
        ("DeleteResourcePolicy", json!({"ResourceArn": arn, "ExpectedRevisionId": ""}), "1 validation error detected: Value '' at 'expectedRevisionId' failed to satisfy constraint: Member must have length greater than or equal to 1"),
        ("DescribeBackup", json!({"BackupArn": ""}), "Invalid Backup ARN"),
        ("UpdateTable", json!({"TableName": t, "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "gsi1"}}]}), "One or more parameter values were invalid: The only Updates for index: gsi1 when TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput"),
        ("UpdateTable", json!({"TableName": t, "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "gsi1", "ProvisionedThroughput": {}}}]}), "2 validation errors detected: Value null at 'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must not be null; Value null at 'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must not be null"),
        ("UpdateTable", json!({"TableName": t, "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "gsi1", "WarmThroughput": {}}}]}), "One or more parameter values were invalid: WarmThroughput must have at least one of ReadUnitsPerSecond or WriteUnitsPerSecond specified for index: gsi1"),
        ("UpdateTable", json!({"TableName": t, "AttributeDefinitions": [{"AttributeName": "p", "AttributeType": ""}], "DeletionProtectionEnabled": false}), "1 validation error detected: Value '' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"),
        ("UpdateContributorInsights", json!({"TableName": t, "IndexName": "", "ContributorInsightsAction": "ENABLE"}), "IndexName must be at least 3 characters long and at most 255 characters long"),
        ("UpdateContributorInsights", json!({"TableName": t, "ContributorInsightsAction": "ENABLE", "ContributorInsightsMode": ""}), "1 validation error detected: Value '' at 'contributorInsightsMode' failed to satisfy constraint: Member must satisfy enum value set: [THROTTLED_KEYS, ACCESSED_AND_THROTTLED_KEYS]"),
        ("ListTables", json!({"ExclusiveStartTableName": ""}), "2 validation errors detected: Value '' at 'exclusiveStartTableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value '' at 'exclusiveStartTableName' failed to satisfy constraint: Member must have length greater than or equal to 3"),
        ("PutResourcePolicy", json!({"ResourceArn": arn, "Policy": "null"}), "One or more parameter values were invalid: Invalid policy document: This text appears not to be a policy"),
        ("RestoreTableFromBackup", json!({"BackupArn": backup_arn, "TargetTableName": "Restored", "ProvisionedThroughputOverride": {}}), "2 validation errors detected: Value null at 'provisionedThroughputOverride.writeCapacityUnits' failed to satisfy constraint: Member must not be null; Value null at 'provisionedThroughputOverride.readCapacityUnits' failed to satisfy constraint: Member must not be null"),
        ("RestoreTableFromBackup", json!({"BackupArn": backup_arn, "TargetTableName": ""}), "TableName must be at least 3 characters long and at most 255 characters long"),
        ("TagResource", json!({"ResourceArn": arn, "Tags": [{"Key": "k"}]}), "The Tag Value provided is invalid, Value: null"),
        ("UntagResource", json!({"ResourceArn": arn, "TagKeys": [""]}), "The Tag Key provided is invalid, Key: "),
        ("UpdateTimeToLive", json!({"TableName": t, "TimeToLiveSpecification": {}}), "2 validation errors detected: Value null at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must not be null; Value null at 'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not be null"),
        ("UpdateContinuousBackups", json!({"TableName": t, "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": false, "RecoveryPeriodInDays": 0}}), "1 validation error detected: Value '0' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 1"),
    ];
    for (op, body, want) in cases {
        let (status, answer) = call(&s, op, &body).await;
        assert_eq!(status, 400, "{op} {body}");
        assert_eq!(error_name(&answer), "ValidationException", "{op} {body}: {answer}");
        assert_eq!(answer["message"].as_str().or(answer["Message"].as_str()), Some(want), "{op} {body}");
    }
    s.stop().await;
}
