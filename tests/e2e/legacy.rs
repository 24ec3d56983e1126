//! The legacy (pre-expression) parameters through the SDK: Expected,
//! AttributeUpdates, AttributesToGet, KeyConditions, QueryFilter,
//! ScanFilter, and the rule that the two families cannot be mixed.

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeAction, AttributeDefinition, AttributeValue as Av, AttributeValueUpdate, BillingMode,
    ComparisonOperator, Condition, ExpectedAttributeValue, KeySchemaElement, KeyType, ScalarAttributeType,
};

use crate::harness::Stack;

#[tokio::test]
async fn legacy_parameters_work_like_expressions() {
    let s = Stack::start().await;
    let c = s.client();
    c.create_table()
        .table_name("Legacy")
        .attribute_definitions(AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap())
        .attribute_definitions(AttributeDefinition::builder().attribute_name("sk").attribute_type(ScalarAttributeType::N).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("sk").key_type(KeyType::Range).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    for i in 1..=5 {
        c.put_item()
            .table_name("Legacy")
            .item("pk", Av::S("a".into()))
            .item("sk", Av::N(i.to_string()))
            .item("color", Av::S(if i % 2 == 0 { "red" } else { "blue" }.into()))
            .expected("pk", ExpectedAttributeValue::builder().exists(false).build())
            .send()
            .await
            .unwrap();
    }
    let err = c
        .put_item()
        .table_name("Legacy")
        .item("pk", Av::S("a".into()))
        .item("sk", Av::N("1".into()))
        .expected("pk", ExpectedAttributeValue::builder().exists(false).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ConditionalCheckFailedException"));

    c.update_item()
        .table_name("Legacy")
        .key("pk", Av::S("a".into()))
        .key("sk", Av::N("1".into()))
        .attribute_updates("count", AttributeValueUpdate::builder().action(AttributeAction::Add).value(Av::N("3".into())).build())
        .expected(
            "color",
            ExpectedAttributeValue::builder()
                .comparison_operator(ComparisonOperator::Eq)
                .attribute_value_list(Av::S("blue".into()))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let got = c
        .get_item()
        .table_name("Legacy")
        .key("pk", Av::S("a".into()))
        .key("sk", Av::N("1".into()))
        .attributes_to_get("count")
        .send()
        .await
        .unwrap();
    assert_eq!(got.item().unwrap().len(), 1);
    assert_eq!(got.item().unwrap()["count"], Av::N("3".into()));

    let q = c
        .query()
        .table_name("Legacy")
        .key_conditions("pk", Condition::builder().comparison_operator(ComparisonOperator::Eq).attribute_value_list(Av::S("a".into())).build().unwrap())
        .key_conditions(
            "sk",
            Condition::builder()
                .comparison_operator(ComparisonOperator::Between)
                .attribute_value_list(Av::N("2".into()))
                .attribute_value_list(Av::N("5".into()))
                .build()
                .unwrap(),
        )
        .query_filter("color", Condition::builder().comparison_operator(ComparisonOperator::Eq).attribute_value_list(Av::S("red".into())).build().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(q.count(), 2);
    assert_eq!(q.scanned_count(), 4);

    let sc = c
        .scan()
        .table_name("Legacy")
        .scan_filter("color", Condition::builder().comparison_operator(ComparisonOperator::Eq).attribute_value_list(Av::S("blue".into())).build().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(sc.count(), 3);

    let err = c
        .query()
        .table_name("Legacy")
        .key_condition_expression("pk = :a")
        .expression_attribute_values(":a", Av::S("a".into()))
        .query_filter("color", Condition::builder().comparison_operator(ComparisonOperator::NotNull).build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {QueryFilter} Expression parameters: {KeyConditionExpression}")
    );
    s.stop().await;
}
