//! The bulk put items operations through signed requests (the SDK in the
//! workspace predates them): a started operation is accepted, then has
//! failed for want of Amazon S3, and is listed, described and refused a
//! cancellation; malformed requests get the member-constraint errors.

use serde_json::json;

use crate::harness::{create_pk_table, dynamodb_call, error_name, Stack};

fn start_body(table: &str, token: &str) -> serde_json::Value {
    json!({
        "TableName": table,
        "ClientToken": token,
        "InputS3Configuration": {"S3Bucket": "input-bucket", "InputFormat": "DYNAMODB_JSON"},
        "OutputS3Configuration": {"OutputType": ["ERROR"], "S3Bucket": "report-bucket"},
    })
}

#[tokio::test]
async fn a_bulk_put_is_accepted_then_fails_without_s3() {
    let s = Stack::start().await;
    let c = s.client();
    create_pk_table(&c, "Target").await;
    let table_id = c.describe_table().table_name("Target").send().await.unwrap().table().unwrap().table_id().unwrap().to_owned();

    let (status, started) = dynamodb_call(&s, "StartBulkPutItems", &start_body("Target", "tok-1")).await;
    assert_eq!(status, 200, "{started}");
    let d = &started["BulkOperationDescription"];
    assert_eq!(d["BulkOperationStatus"], "IN_PROGRESS");
    let arn = d["BulkOperationArn"].as_str().unwrap().to_owned();
    assert!(arn.starts_with("arn:aws:dynamodb:us-east-1:") && arn.contains(":table/Target/bulk-operation/"), "{arn}");
    assert_eq!(d["TableDetails"], json!([{"TableId": table_id, "TableName": "Target"}]));
    assert_eq!((d["ClientToken"].as_str(), d["PerformanceTier"].as_str()), (Some("tok-1"), Some("STANDARD")));
    assert!(d.get("EndTime").is_none());

    // Described again, it has failed; nothing was written.
    let (status, described) = dynamodb_call(&s, "DescribeBulkOperation", &json!({"BulkOperationArn": arn})).await;
    assert_eq!(status, 200, "{described}");
    let d = &described["BulkOperationDescription"];
    assert_eq!((d["BulkOperationStatus"].as_str(), d["FailureCode"].as_str()), (Some("FAILED"), Some("S3NoSuchBucket")));
    assert!(d["FailureMessage"].as_str().unwrap().contains("input-bucket"), "{d}");
    assert_eq!(c.scan().table_name("Target").send().await.unwrap().count(), 0);

    // The same token and parameters name the same operation; other
    // parameters with that token are a mismatch.
    let (status, again) = dynamodb_call(&s, "StartBulkPutItems", &start_body("Target", "tok-1")).await;
    assert_eq!((status, again["BulkOperationDescription"]["BulkOperationArn"].as_str()), (200, Some(arn.as_str())));
    let mut other = start_body("Target", "tok-1");
    other["PerformanceTier"] = json!("ACCELERATED");
    let (status, e) = dynamodb_call(&s, "StartBulkPutItems", &other).await;
    assert_eq!((status, error_name(&e)), (400, "IdempotentParameterMismatchException"), "{e}");

    // Listed newest first, a page at a time.
    let (_, second) = dynamodb_call(&s, "StartBulkPutItems", &start_body("Target", "tok-2")).await;
    let second_arn = second["BulkOperationDescription"]["BulkOperationArn"].as_str().unwrap().to_owned();
    let (status, page) = dynamodb_call(&s, "ListBulkOperations", &json!({"MaxResults": 1})).await;
    assert_eq!(status, 200, "{page}");
    let summaries = page["BulkOperationsSummaryList"].as_array().unwrap();
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0]["BulkOperationArn"], second_arn.as_str());
    assert_eq!(summaries[0]["BulkOperationStatus"], "FAILED");
    let token = page["NextToken"].as_str().unwrap().to_owned();
    assert!(token.len().is_multiple_of(16) && token.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{token}");
    let (_, page) = dynamodb_call(&s, "ListBulkOperations", &json!({"MaxResults": 1, "NextToken": token})).await;
    assert_eq!(page["BulkOperationsSummaryList"][0]["BulkOperationArn"], arn.as_str());
    assert!(page.get("NextToken").is_none(), "{page}");

    // An operation that has ended cannot be cancelled.
    let (status, e) = dynamodb_call(&s, "CancelBulkOperation", &json!({"BulkOperationArn": arn})).await;
    assert_eq!((status, error_name(&e)), (400, "ValidationException"), "{e}");
    s.stop().await;
}

#[tokio::test]
async fn bulk_requests_are_checked_as_dynamodb_checks_them() {
    let s = Stack::start().await;
    let (status, e) = dynamodb_call(&s, "StartBulkPutItems", &json!({})).await;
    assert_eq!((status, error_name(&e)), (400, "ValidationException"));
    assert!(e["message"].as_str().unwrap().starts_with("3 validation errors detected: "), "{e}");

    let mut slow = start_body("Target", "t");
    slow["MaxWriteRequestUnits"] = json!(10);
    let (_, e) = dynamodb_call(&s, "StartBulkPutItems", &slow).await;
    assert_eq!(
        e["message"],
        "1 validation error detected: Value '10' at 'maxWriteRequestUnits' failed to satisfy constraint: Member must have value greater than or equal to 1024"
    );
    // A well-formed request for a table that does not exist.
    let (status, e) = dynamodb_call(&s, "StartBulkPutItems", &start_body("Missing", "t")).await;
    assert_eq!((status, error_name(&e)), (400, "ResourceNotFoundException"), "{e}");

    let unknown = "arn:aws:dynamodb:us-east-1:000000000000:table/T/bulk-operation/00000000000001-00000000";
    for op in ["DescribeBulkOperation", "CancelBulkOperation"] {
        let (status, e) = dynamodb_call(&s, op, &json!({"BulkOperationArn": "short"})).await;
        assert_eq!((status, error_name(&e)), (400, "ValidationException"), "{op}: {e}");
        let own = unknown.replace("000000000000", &s.tenant.account_id);
        let (status, e) = dynamodb_call(&s, op, &json!({"BulkOperationArn": own})).await;
        assert_eq!((status, error_name(&e)), (400, "ResourceNotFoundException"), "{op}: {e}");
    }
    let (status, listed) = dynamodb_call(&s, "ListBulkOperations", &json!({})).await;
    assert_eq!((status, listed), (200, json!({"BulkOperationsSummaryList": []})));
    let (status, e) = dynamodb_call(&s, "ListBulkOperations", &json!({"NextToken": "not-hex"})).await;
    assert_eq!((status, error_name(&e)), (400, "ValidationException"), "{e}");
    s.stop().await;
}
