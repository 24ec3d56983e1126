//! Query and Scan through the SDK: key conditions, order, pagination,
//! filters, Select COUNT, and parallel-scan completeness.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, Select,
};
use aws_sdk_dynamodb::Client;

use crate::harness::Stack;

async fn table(c: &Client) {
    keyed_table(c, "Events", ScalarAttributeType::N).await;
}

/// A table `name` keyed by `pk` (S) and `sk` of type `sort`.
async fn keyed_table(c: &Client, name: &str, sort: ScalarAttributeType) {
    c.create_table()
        .table_name(name)
        .attribute_definitions(AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap())
        .attribute_definitions(AttributeDefinition::builder().attribute_name("sk").attribute_type(sort).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("sk").key_type(KeyType::Range).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

async fn fill(c: &Client, partitions: usize, per: i64) {
    let mut tasks = Vec::new();
    for p in 0..partitions {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..per {
                c.put_item()
                    .table_name("Events")
                    .item("pk", Av::S(format!("p{p}")))
                    .item("sk", Av::N((i - 5).to_string()))
                    .item("even", Av::Bool(i % 2 == 0))
                    .send()
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

fn sks(items: &[HashMap<String, Av>]) -> Vec<i64> {
    items
        .iter()
        .map(|i| i["sk"].as_n().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn query_conditions_order_and_pages() {
    let s = Stack::start().await;
    let c = s.client();
    table(&c).await;
    fill(&c, 2, 20).await;
    let q = || {
        c.query()
            .table_name("Events")
            .key_condition_expression("pk = :p AND sk BETWEEN :lo AND :hi")
            .expression_attribute_values(":p", Av::S("p0".into()))
            .expression_attribute_values(":lo", Av::N("-3".into()))
            .expression_attribute_values(":hi", Av::N("4".into()))
    };
    let out = q().send().await.unwrap();
    assert_eq!(sks(out.items()), (-3..=4).collect::<Vec<_>>());
    assert_eq!(out.count(), 8);
    assert!(out.last_evaluated_key().is_none());

    let out = q().scan_index_forward(false).limit(3).send().await.unwrap();
    assert_eq!(sks(out.items()), [4, 3, 2]);
    let next = q()
        .scan_index_forward(false)
        .limit(3)
        .set_exclusive_start_key(out.last_evaluated_key().cloned())
        .send()
        .await
        .unwrap();
    assert_eq!(sks(next.items()), [1, 0, -1]);

    // Paginate the whole partition with the SDK paginator.
    let pages: Vec<_> = c
        .query()
        .table_name("Events")
        .key_condition_expression("pk = :p")
        .expression_attribute_values(":p", Av::S("p1".into()))
        .limit(7)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(sks(&pages), (-5..15).collect::<Vec<_>>());

    let out = c
        .query()
        .table_name("Events")
        .key_condition_expression("pk = :p AND sk > :z")
        .filter_expression("even = :t")
        .expression_attribute_values(":p", Av::S("p0".into()))
        .expression_attribute_values(":z", Av::N("0".into()))
        .expression_attribute_values(":t", Av::Bool(true))
        .select(Select::Count)
        .send()
        .await
        .unwrap();
    assert!(out.items().is_empty());
    assert_eq!(out.scanned_count(), 14);
    assert_eq!(out.count(), 7);

    let err = c
        .query()
        .table_name("Events")
        .key_condition_expression("sk = :z")
        .expression_attribute_values(":z", Av::N("0".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    s.stop().await;
}

#[tokio::test]
async fn scans_are_complete_and_segments_disjoint() {
    let s = Stack::start().await;
    let c = s.client();
    table(&c).await;
    fill(&c, 30, 5).await;
    let all: Vec<_> = c
        .scan()
        .table_name("Events")
        .limit(17)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(all.len(), 150);
    let key = |i: &HashMap<String, Av>| format!("{}/{}", i["pk"].as_s().unwrap(), i["sk"].as_n().unwrap());
    let unique: BTreeSet<String> = all.iter().map(key).collect();
    assert_eq!(unique.len(), 150);

    for total in [4, 16] {
        let mut seen = BTreeSet::new();
        let mut sum = 0;
        for seg in 0..total {
            let items: Vec<_> = c
                .scan()
                .table_name("Events")
                .segment(seg)
                .total_segments(total)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .unwrap();
            sum += items.len();
            for i in &items {
                assert!(seen.insert(key(i)), "item in two segments");
            }
        }
        assert_eq!(sum, 150, "segments of {total} cover every item once");
        assert_eq!(seen, unique);
    }

    let err = c.scan().table_name("Events").segment(4).total_segments(4).send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 4 is not less than TotalSegments: 4")
    );
    // A segment's ExclusiveStartKey must lie in that segment: the first
    // page of segment 0 continues in segment 0 only.
    let first = c.scan().table_name("Events").segment(0).total_segments(4).limit(1).send().await.unwrap();
    let lek = first.last_evaluated_key().unwrap().clone();
    c.scan().table_name("Events").segment(0).total_segments(4).set_exclusive_start_key(Some(lek.clone())).send().await.unwrap();
    let err = c.scan().table_name("Events").segment(3).total_segments(4).set_exclusive_start_key(Some(lek)).send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: 4 Segment: 3")
    );
    // Select contradicting AttributesToGet names that member.
    let err = c.scan().table_name("Events").select(aws_sdk_dynamodb::types::Select::AllAttributes).attributes_to_get("pk").send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES")
    );
    let err = c.scan().table_name("Events").select(aws_sdk_dynamodb::types::Select::Count).projection_expression("pk").send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Cannot specify the ProjectionExpression when choosing to get only the Count")
    );
    s.stop().await;
}

/// Query and Scan word Select's problems as failed constraints (`1
/// validation error detected: …`), as moto 5.2.5's AWS-verified
/// test_dynamodb_select.py observed; expression problems are sent alone.
#[tokio::test]
async fn select_and_expression_messages() {
    let s = Stack::start().await;
    let c = s.client();
    table(&c).await;
    let query = || {
        c.query()
            .table_name("Events")
            .key_condition_expression("pk = :p")
            .expression_attribute_values(":p", Av::S("p0".into()))
    };
    for (select, message) in [
        ("ALL_PROJECTED_ATTRIBUTES", "1 validation error detected: ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"),
        (
            "SPECIFIC_ATTRIBUTES",
            "1 validation error detected: Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
        ),
        (
            "count",
            "1 validation error detected: Value 'count' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
        ),
    ] {
        let err = query().select(Select::from(select)).send().await.unwrap_err();
        assert_eq!(err.code(), Some("ValidationException"));
        assert_eq!(err.message(), Some(message), "query {select}");
        let err = c
            .scan()
            .table_name("Events")
            .select(Select::from(select))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.message(), Some(message), "scan {select}");
    }
    let err = query().expression_attribute_names("#count", "count").send().await.unwrap_err();
    assert_eq!(err.message(), Some("Value provided in ExpressionAttributeNames unused in expressions: keys: {#count}"));
    let err = c
        .scan()
        .table_name("Events")
        .filter_expression("even = :t")
        .expression_attribute_values(":t", Av::Bool(true))
        .expression_attribute_values(":countChange", Av::N("1".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("Value provided in ExpressionAttributeValues unused in expressions: keys: {:countChange}"));
    let err = query().filter_expression("").send().await.unwrap_err();
    assert_eq!(err.message(), Some("Invalid FilterExpression: The expression can not be empty;"));
    let err = query().projection_expression("").send().await.unwrap_err();
    assert_eq!(err.message(), Some("Invalid ProjectionExpression: The expression can not be empty;"));
    let err = c.scan().table_name("Events").expression_attribute_names("#a", "b").send().await.unwrap_err();
    assert_eq!(err.message(), Some("ExpressionAttributeNames can only be specified when using expressions"));
    // An empty partition value is refused as in GetItem (moto #7062,
    // observed against DynamoDB), by expression and by KeyConditions.
    let empty = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk";
    let err = c
        .query()
        .table_name("Events")
        .key_condition_expression("pk = :p")
        .expression_attribute_values(":p", Av::S(String::new()))
        .send()
        .await
        .unwrap_err();
    assert_eq!((err.code(), err.message()), (Some("ValidationException"), Some(empty)));
    let eq = aws_sdk_dynamodb::types::Condition::builder()
        .comparison_operator(aws_sdk_dynamodb::types::ComparisonOperator::Eq)
        .attribute_value_list(Av::S(String::new()))
        .build()
        .unwrap();
    let err = c.query().table_name("Events").key_conditions("pk", eq).send().await.unwrap_err();
    assert_eq!(err.message(), Some(empty));
    let err = query().projection_expression("#n").expression_attribute_names("#n", "").send().await.unwrap_err();
    assert_eq!(err.message(), Some("ExpressionAttributeNames contains invalid value: Empty attribute name for key #n"));
    // Scan pairs Segment with TotalSegments only after its expressions
    // (dynalite's scan.js, recorded against DynamoDB); a Segment out of its
    // member's range is a constraint, checked first.
    let err = c.scan().table_name("Events").segment(1).expression_attribute_names("#n", "n").send().await.unwrap_err();
    assert_eq!(err.message(), Some("ExpressionAttributeNames can only be specified when using expressions"));
    let err = c.scan().table_name("Events").segment(1).send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
    );
    let err = c.scan().table_name("Events").segment(-1).expression_attribute_names("#n", "n").send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value '-1' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0")
    );
    s.stop().await;
}

/// A sort key value a Query compares with may not be empty, whatever the
/// comparison: DynamoDB refuses it as a key value (moto's
/// test_query_empty_key_exception; `sk > ""` in a production log).
#[tokio::test]
async fn empty_sort_key_values_are_refused() {
    let s = Stack::start().await;
    let c = s.client();
    keyed_table(&c, "Notes", ScalarAttributeType::S).await;
    let query = |kce: &str| {
        let q = c
            .query()
            .table_name("Notes")
            .key_condition_expression(kce)
            .expression_attribute_values(":p", Av::S("p".into()))
            .expression_attribute_values(":e", Av::S(String::new()));
        if kce.contains(":z") {
            q.expression_attribute_values(":z", Av::S("z".into()))
        } else {
            q
        }
    };
    let empty = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: sk";
    for kce in ["pk = :p AND sk = :e", "pk = :p AND sk > :e", "pk = :p AND begins_with(sk, :e)", "pk = :p AND sk BETWEEN :e AND :z"] {
        let err = query(kce).send().await.unwrap_err();
        assert_eq!((err.code(), err.message()), (Some("ValidationException"), Some(empty)), "{kce}");
    }
    let begins = aws_sdk_dynamodb::types::Condition::builder()
        .comparison_operator(aws_sdk_dynamodb::types::ComparisonOperator::BeginsWith)
        .attribute_value_list(Av::S(String::new()))
        .build()
        .unwrap();
    let eq = aws_sdk_dynamodb::types::Condition::builder()
        .comparison_operator(aws_sdk_dynamodb::types::ComparisonOperator::Eq)
        .attribute_value_list(Av::S("p".into()))
        .build()
        .unwrap();
    let err = c.query().table_name("Notes").key_conditions("pk", eq).key_conditions("sk", begins).send().await.unwrap_err();
    assert_eq!(err.message(), Some(empty));
    // Non-empty bounds are fine.
    let ok = c
        .query()
        .table_name("Notes")
        .key_condition_expression("pk = :p AND sk BETWEEN :a AND :z")
        .expression_attribute_values(":p", Av::S("p".into()))
        .expression_attribute_values(":a", Av::S("a".into()))
        .expression_attribute_values(":z", Av::S("z".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.count(), 0);
    s.stop().await;
}
