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

    // No key condition at all is refused before the table is looked up.
    let err = c.query().table_name("NoSuchTable").set_key_conditions(Some(Default::default())).send().await.unwrap_err();
    assert_eq!(err.message(), Some("Conditions can be of length 1 or 2 only"));

    // KeyConditions goes with expression filters and projections.
    let mixed = c
        .query()
        .table_name("Legacy")
        .key_conditions("pk", Condition::builder().comparison_operator(ComparisonOperator::Eq).attribute_value_list(Av::S("a".into())).build().unwrap())
        .filter_expression("color = :c")
        .projection_expression("sk")
        .expression_attribute_values(":c", Av::S("red".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(mixed.count(), 2);
    assert_eq!(mixed.items()[0].len(), 1, "projected to sk");
    // EQ and NE compare values of every type.
    let eq_list = c
        .scan()
        .table_name("Legacy")
        .scan_filter("color", Condition::builder().comparison_operator(ComparisonOperator::Ne).attribute_value_list(Av::L(vec![Av::Bool(true)])).build().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(eq_list.count(), 5);

    // A Query's filter may not read a key attribute.
    for filter in ["sk = :v", "color = :v AND size(pk) > :v"] {
        let err = c
            .query()
            .table_name("Legacy")
            .key_condition_expression("pk = :a")
            .filter_expression(filter)
            .expression_attribute_values(":a", Av::S("a".into()))
            .expression_attribute_values(":v", Av::N("1".into()))
            .send()
            .await
            .unwrap_err();
        let key = if filter.starts_with("sk") { "sk" } else { "pk" };
        assert_eq!(err.message().unwrap(), format!("Filter Expression can only contain non-primary key attributes: Primary key attribute: {key}"));
    }
    let pk_is_a = Condition::builder().comparison_operator(ComparisonOperator::Eq).attribute_value_list(Av::S("a".into())).build().unwrap();
    let err = c
        .query()
        .table_name("Legacy")
        .key_conditions("pk", pk_is_a.clone())
        .query_filter("sk", Condition::builder().comparison_operator(ComparisonOperator::Gt).attribute_value_list(Av::N("1".into())).build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("QueryFilter can only contain non-primary key attributes: Primary key attribute: sk"));

    // ConditionalOperator needs a filter or Expected of two conditions or more.
    let not_null = || Condition::builder().comparison_operator(ComparisonOperator::NotNull).build().unwrap();
    let err = c.scan().table_name("Legacy").conditional_operator(aws_sdk_dynamodb::types::ConditionalOperator::Or).send().await.unwrap_err();
    assert_eq!(err.message(), Some("ConditionalOperator cannot be used without Filter or Expected"));
    let err = c
        .scan()
        .table_name("Legacy")
        .scan_filter("color", not_null())
        .conditional_operator(aws_sdk_dynamodb::types::ConditionalOperator::Or)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("ConditionalOperator can only be used when Filter or Expected has two or more elements"));
    let both = c
        .scan()
        .table_name("Legacy")
        .scan_filter("color", not_null())
        .scan_filter("count", not_null())
        .conditional_operator(aws_sdk_dynamodb::types::ConditionalOperator::Or)
        .send()
        .await
        .unwrap();
    assert_eq!(both.count(), 5);
    let err = c
        .put_item()
        .table_name("Legacy")
        .item("pk", Av::S("a".into()))
        .item("sk", Av::N("9".into()))
        .set_expected(Some(Default::default()))
        .conditional_operator(aws_sdk_dynamodb::types::ConditionalOperator::And)
        .send()
        .await
        .unwrap_err();
    // PutItem reports its request checks as one failed constraint.
    assert_eq!(err.message(), Some("1 validation error detected: ConditionalOperator cannot be used without Filter or Expected"));
    // Expected: CONTAINS takes one scalar, BEGINS_WITH a string or binary.
    for (op, value) in [(ComparisonOperator::Contains, Av::L(vec![Av::N("1".into())])), (ComparisonOperator::BeginsWith, Av::N("1".into()))] {
        let err = c
            .put_item()
            .table_name("Legacy")
            .item("pk", Av::S("a".into()))
            .item("sk", Av::N("9".into()))
            .expected("color", ExpectedAttributeValue::builder().comparison_operator(op.clone()).attribute_value_list(value.clone()).build())
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("ValidationException"), "{op:?}");
        assert!(err.message().unwrap().contains("is not valid for"), "{op:?}: {err:?}");
    }
    s.stop().await;
}

/// Updates that only take away leave a missing item missing; a type
/// mismatch in AttributeUpdates is worded as that API words it; an empty
/// AttributesToGet is refused.
#[tokio::test]
async fn removal_only_updates_and_legacy_messages() {
    let s = Stack::start().await;
    let c = s.client();
    c.create_table()
        .table_name("Sparse")
        .attribute_definitions(AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let exists = |pk: &'static str| {
        let c = c.clone();
        async move {
            let got = c.get_item().table_name("Sparse").key("pk", Av::S(pk.into())).consistent_read(true).send().await.unwrap();
            got.item().is_some()
        }
    };
    let delete = AttributeValueUpdate::builder().action(AttributeAction::Delete).build();
    c.update_item().table_name("Sparse").key("pk", Av::S("a".into())).attribute_updates("x", delete.clone()).send().await.unwrap();
    assert!(!exists("a").await, "a DELETE of an attribute created the item");
    c.update_item().table_name("Sparse").key("pk", Av::S("b".into())).update_expression("REMOVE x, y").send().await.unwrap();
    assert!(!exists("b").await, "a REMOVE created the item");
    c.update_item()
        .table_name("Sparse")
        .key("pk", Av::S("c".into()))
        .update_expression("DELETE s :v")
        .expression_attribute_values(":v", Av::Ss(vec!["q".into()]))
        .send()
        .await
        .unwrap();
    assert!(!exists("c").await, "a set DELETE created the item");
    // An update that changes nothing still creates the item, and so does
    // a removal next to a SET.
    c.update_item().table_name("Sparse").key("pk", Av::S("d".into())).send().await.unwrap();
    assert!(exists("d").await);
    c.update_item().table_name("Sparse").key("pk", Av::S("e".into())).update_expression("REMOVE x SET y = :y").expression_attribute_values(":y", Av::N("1".into())).send().await.unwrap();
    assert!(exists("e").await);
    // The same inside a transaction.
    let remove = aws_sdk_dynamodb::types::Update::builder().table_name("Sparse").key("pk", Av::S("f".into())).update_expression("REMOVE x").build().unwrap();
    c.transact_write_items().transact_items(aws_sdk_dynamodb::types::TransactWriteItem::builder().update(remove).build()).send().await.unwrap();
    assert!(!exists("f").await, "a transaction's REMOVE created the item");

    c.put_item().table_name("Sparse").item("pk", Av::S("g".into())).item("n", Av::Ns(vec!["1".into()])).send().await.unwrap();
    let add = AttributeValueUpdate::builder().action(AttributeAction::Add).value(Av::Ss(vec!["a".into()])).build();
    let err = c.update_item().table_name("Sparse").key("pk", Av::S("g".into())).attribute_updates("n", add).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), Some("Type mismatch for attribute to update"));
    let err = c
        .update_item()
        .table_name("Sparse")
        .key("pk", Av::S("g".into()))
        .update_expression("ADD n :v")
        .expression_attribute_values(":v", Av::Ss(vec!["a".into()]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("An operand in the update expression has an incorrect data type"));

    // Attribute names: at most 65535 bytes, at any depth.
    let longest = "n".repeat(65_535);
    c.put_item().table_name("Sparse").item("pk", Av::S("h".into())).item(&longest, Av::N("1".into())).send().await.unwrap();
    let too_long = "n".repeat(65_536);
    let nested = Av::M([(too_long.clone(), Av::N("1".into()))].into_iter().collect());
    for (name, value) in [(too_long.as_str(), Av::N("1".into())), ("doc", nested)] {
        let err = c.put_item().table_name("Sparse").item("pk", Av::S("h".into())).item(name, value).send().await.unwrap_err();
        assert_eq!(err.message(), Some("1 validation error detected: Attribute name is too large, must be less than 65536 bytes"));
    }
    let err = c
        .update_item()
        .table_name("Sparse")
        .key("pk", Av::S("h".into()))
        .update_expression("SET #n = :v")
        .expression_attribute_names("#n", &too_long)
        .expression_attribute_values(":v", Av::N("1".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("1 validation error detected: Attribute name is too large, must be less than 65536 bytes"));

    let err = c.get_item().table_name("Sparse").key("pk", Av::S("h".into())).attributes_to_get(&too_long).send().await.unwrap_err();
    assert_eq!(err.message(), Some("1 validation error detected: Attribute name is too large, must be less than 65536 bytes"));
    let put = AttributeValueUpdate::builder().action(AttributeAction::Put).value(Av::N("1".into())).build();
    let err = c.update_item().table_name("Sparse").key("pk", Av::S("h".into())).attribute_updates(&too_long, put).send().await.unwrap_err();
    assert_eq!(err.message(), Some("1 validation error detected: Attribute name is too large, must be less than 65536 bytes"));

    let err = c.get_item().table_name("Sparse").key("pk", Av::S("g".into())).set_attributes_to_get(Some(vec![])).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1")
    );
    s.stop().await;
}
