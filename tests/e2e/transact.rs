//! TransactWriteItems and TransactGetItems through the SDK: every action
//! kind across tables, cancellation reasons in request order, nothing
//! written by a cancelled transaction, the limits and validation errors
//! with their messages, ClientRequestToken idempotency (across a data-plane
//! restart too), and isolation under concurrent transfers.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, CancellationReason, ConditionCheck, ConsumedCapacity, Delete,
    Get, KeySchemaElement, KeyType, Put, ReturnConsumedCapacity, ReturnValuesOnConditionCheckFailure,
    ScalarAttributeType, TransactGetItem, TransactWriteItem, Update,
};
use aws_sdk_dynamodb::Client;

use crate::harness::Stack;

fn s(v: &str) -> Av {
    Av::S(v.into())
}
fn n(v: &str) -> Av {
    Av::N(v.into())
}

fn item(pairs: &[(&str, Av)]) -> HashMap<String, Av> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

fn account(id: &str) -> HashMap<String, Av> {
    item(&[("id", s(id))])
}

async fn create(client: &Client, name: &str, hash: &str, range: Option<&str>) {
    let mut req = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(AttributeDefinition::builder().attribute_name(hash).attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name(hash).key_type(KeyType::Hash).build().unwrap());
    if let Some(r) = range {
        req = req
            .attribute_definitions(AttributeDefinition::builder().attribute_name(r).attribute_type(ScalarAttributeType::S).build().unwrap())
            .key_schema(KeySchemaElement::builder().attribute_name(r).key_type(KeyType::Range).build().unwrap());
    }
    req.send().await.unwrap();
}

/// `Accounts` (id) and `Music` (Artist, SongTitle).
async fn tables(client: &Client) {
    create(client, "Accounts", "id", None).await;
    create(client, "Music", "Artist", Some("SongTitle")).await;
}

async fn put_item(c: &Client, table: &str, i: HashMap<String, Av>) {
    c.put_item().table_name(table).set_item(Some(i)).send().await.unwrap();
}

async fn get(c: &Client, table: &str, key: HashMap<String, Av>) -> Option<HashMap<String, Av>> {
    c.get_item().table_name(table).set_key(Some(key)).consistent_read(true).send().await.unwrap().item().cloned()
}

fn put(table: &str, i: HashMap<String, Av>) -> TransactWriteItem {
    TransactWriteItem::builder().put(Put::builder().table_name(table).set_item(Some(i)).build().unwrap()).build()
}

fn put_if(table: &str, i: HashMap<String, Av>, cond: &str) -> TransactWriteItem {
    TransactWriteItem::builder()
        .put(Put::builder().table_name(table).set_item(Some(i)).condition_expression(cond).build().unwrap())
        .build()
}

fn check(table: &str, key: HashMap<String, Av>, cond: &str) -> TransactWriteItem {
    TransactWriteItem::builder()
        .condition_check(ConditionCheck::builder().table_name(table).set_key(Some(key)).condition_expression(cond).build().unwrap())
        .build()
}

fn delete(table: &str, key: HashMap<String, Av>) -> TransactWriteItem {
    TransactWriteItem::builder().delete(Delete::builder().table_name(table).set_key(Some(key)).build().unwrap()).build()
}

/// An Update action: `expr` with `values`, under `cond` if given.
fn update(table: &str, key: HashMap<String, Av>, expr: &str, values: &[(&str, Av)], cond: Option<&str>) -> TransactWriteItem {
    let mut u = Update::builder().table_name(table).set_key(Some(key)).update_expression(expr);
    for (name, value) in values {
        u = u.expression_attribute_values(*name, value.clone());
    }
    if let Some(c) = cond {
        u = u.condition_expression(c);
    }
    TransactWriteItem::builder().update(u.build().unwrap()).build()
}

fn add_one(table: &str, key: HashMap<String, Av>) -> TransactWriteItem {
    update(table, key, "ADD n :one", &[(":one", n("1"))], None)
}

/// Moves 1 from `from` to `to`, if `from` has it.
fn transfer(from: &str, to: &str) -> Vec<TransactWriteItem> {
    let one = [(":one", n("1"))];
    vec![
        update("Accounts", account(from), "SET balance = balance - :one", &one, Some("balance >= :one")),
        update("Accounts", account(to), "SET balance = balance + :one", &one, None),
    ]
}

fn get_action(table: &str, key: HashMap<String, Av>) -> TransactGetItem {
    TransactGetItem::builder().get(Get::builder().table_name(table).set_key(Some(key)).build().unwrap()).build()
}

fn by_table(c: &[ConsumedCapacity]) -> Vec<(String, f64)> {
    let mut v: Vec<(String, f64)> = c
        .iter()
        .map(|c| (c.table_name().unwrap().to_owned(), c.capacity_units().unwrap()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// The cancellation reasons of a TransactWriteItems error, with its message.
fn reasons<R: std::fmt::Debug + Send + Sync + 'static>(err: aws_sdk_dynamodb::error::SdkError<TransactWriteItemsError, R>) -> (String, Vec<CancellationReason>) {
    match err.into_service_error() {
        TransactWriteItemsError::TransactionCanceledException(e) => {
            (e.message().unwrap_or_default().to_owned(), e.cancellation_reasons().to_vec())
        }
        other => panic!("expected TransactionCanceledException, got {other:?}"),
    }
}

fn codes(r: &[CancellationReason]) -> Vec<&str> {
    r.iter().map(|r| r.code().unwrap()).collect()
}

#[tokio::test]
async fn write_and_get_across_tables() {
    let st = Stack::start().await;
    let c = st.client();
    tables(&c).await;
    put_item(&c, "Accounts", item(&[("id", s("a1")), ("balance", n("100"))])).await;
    put_item(&c, "Accounts", item(&[("id", s("a2")), ("balance", n("5"))])).await;
    put_item(&c, "Accounts", item(&[("id", s("gone")), ("note", s("bye"))])).await;
    // Takes 30 from a1 and records it in its history.
    let pay_30 = || {
        TransactWriteItem::builder()
            .update(
                Update::builder()
                    .table_name("Accounts")
                    .set_key(Some(account("a1")))
                    .update_expression("SET balance = balance - :amt, #h = list_append(if_not_exists(#h, :empty), :entry)")
                    .condition_expression("balance >= :amt")
                    .expression_attribute_names("#h", "history")
                    .expression_attribute_values(":amt", n("30"))
                    .expression_attribute_values(":empty", Av::L(vec![]))
                    .expression_attribute_values(":entry", Av::L(vec![s("paid 30")]))
                    .build()
                    .unwrap(),
            )
            .build()
    };

    let out = c
        .transact_write_items()
        .transact_items(put_if(
            "Music",
            item(&[("Artist", s("A")), ("SongTitle", s("One")), ("Plays", n("1"))]),
            "attribute_not_exists(Artist)",
        ))
        .transact_items(pay_30())
        .transact_items(delete("Accounts", account("gone")))
        .transact_items(check("Accounts", account("a2"), "attribute_exists(id)"))
        .transact_items(
            TransactWriteItem::builder()
                .condition_check(
                    ConditionCheck::builder()
                        .table_name("Accounts")
                        .set_key(Some(account("a2")))
                        .condition_expression("balance = :five")
                        .expression_attribute_values(":five", n("5"))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await;
    // Two actions on a2: refused before anything runs.
    let err = out.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), Some("Transaction request cannot include multiple operations on one item"));
    assert!(get(&c, "Music", item(&[("Artist", s("A")), ("SongTitle", s("One"))])).await.is_none());

    let out = c
        .transact_write_items()
        .transact_items(put_if(
            "Music",
            item(&[("Artist", s("A")), ("SongTitle", s("One")), ("Plays", n("1"))]),
            "attribute_not_exists(Artist)",
        ))
        .transact_items(pay_30())
        .transact_items(delete("Accounts", account("gone")))
        .transact_items(
            TransactWriteItem::builder()
                .condition_check(
                    ConditionCheck::builder()
                        .table_name("Accounts")
                        .set_key(Some(account("a2")))
                        .condition_expression("balance = :five")
                        .expression_attribute_values(":five", n("5"))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    // Transactional: 2 units per 1 KB written; the check is billed as a
    // write of the item it reads, in write units (nubo-db's
    // dynamodb-conformance, recorded in eu-west-2).
    assert_eq!(by_table(out.consumed_capacity()), vec![("Accounts".into(), 6.0), ("Music".into(), 2.0)]);
    let acc = out.consumed_capacity().iter().find(|c| c.table_name() == Some("Accounts")).unwrap();
    assert_eq!(acc.write_capacity_units(), Some(6.0));
    assert_eq!(acc.read_capacity_units(), None);
    assert_eq!(acc.table().unwrap().capacity_units(), Some(6.0));

    let a1 = get(&c, "Accounts", account("a1")).await.unwrap();
    assert_eq!(a1["balance"], n("70"));
    assert_eq!(a1["history"], Av::L(vec![s("paid 30")]));
    assert!(get(&c, "Accounts", account("gone")).await.is_none());
    assert_eq!(get(&c, "Accounts", account("a2")).await.unwrap()["balance"], n("5"), "a check writes nothing");
    assert_eq!(get(&c, "Music", item(&[("Artist", s("A")), ("SongTitle", s("One"))])).await.unwrap()["Plays"], n("1"));

    // Reads in request order, with projections; a missing item is an
    // empty response.
    let out = c
        .transact_get_items()
        .transact_items(
            TransactGetItem::builder()
                .get(
                    Get::builder()
                        .table_name("Accounts")
                        .set_key(Some(account("a1")))
                        .projection_expression("#b")
                        .expression_attribute_names("#b", "balance")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .transact_items(get_action("Accounts", account("missing")))
        .transact_items(get_action("Music", item(&[("Artist", s("A")), ("SongTitle", s("One"))])))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let r = out.responses();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].item().unwrap(), &item(&[("balance", n("70"))]));
    assert!(r[1].item().is_none());
    assert_eq!(r[2].item().unwrap()["Plays"], n("1"));
    // 2 units per item read, a missing one included; TOTAL names the read
    // axis too, as on every transactional operation (moto's
    // test_valid_transact_get_items; paritysuite's eu-west-2 capture).
    assert_eq!(by_table(out.consumed_capacity()), vec![("Accounts".into(), 4.0), ("Music".into(), 2.0)]);
    let reads: Vec<_> = out.consumed_capacity().iter().map(|c| (c.read_capacity_units(), c.write_capacity_units())).collect();
    assert_eq!(reads, vec![(Some(4.0), None), (Some(2.0), None)]);
    st.stop().await;
}

#[tokio::test]
async fn cancellation_reasons_and_nothing_written() {
    let st = Stack::start().await;
    let c = st.client();
    tables(&c).await;
    put_item(&c, "Accounts", item(&[("id", s("a1")), ("balance", n("100")), ("name", s("Ann"))])).await;

    let err = c
        .transact_write_items()
        .transact_items(put("Accounts", item(&[("id", s("x1")), ("v", n("1"))])))
        .transact_items(
            TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name("Accounts")
                        .set_key(Some(account("a1")))
                        .update_expression("SET balance = :zero")
                        .condition_expression("balance > :big")
                        .expression_attribute_values(":zero", n("0"))
                        .expression_attribute_values(":big", n("1000"))
                        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .transact_items(check("Music", item(&[("Artist", s("Q")), ("SongTitle", s("Q"))]), "attribute_exists(Artist)"))
        .transact_items(put_if("Accounts", account("x3"), "attribute_not_exists(id)"))
        .send()
        .await
        .unwrap_err();
    let (message, r) = reasons(err);
    assert_eq!(
        message,
        "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, ConditionalCheckFailed, None]"
    );
    assert_eq!(codes(&r), vec!["None", "ConditionalCheckFailed", "ConditionalCheckFailed", "None"]);
    assert_eq!(r[0].message(), None);
    assert_eq!(r[1].message(), Some("The conditional request failed"));
    assert_eq!(r[1].item().unwrap(), &item(&[("id", s("a1")), ("balance", n("100")), ("name", s("Ann"))]));
    assert!(r[2].item().is_none(), "no item without ALL_OLD");
    // Nothing of it was written.
    assert!(get(&c, "Accounts", account("x1")).await.is_none());
    assert!(get(&c, "Accounts", account("x3")).await.is_none());
    assert_eq!(get(&c, "Accounts", account("a1")).await.unwrap()["balance"], n("100"));

    // A key that does not fit the schema cancels with ValidationError; only
    // the first such action is reported.
    let err = c
        .transact_write_items()
        .transact_items(put("Accounts", item(&[("id", n("7"))])))
        .transact_items(put("Accounts", item(&[("id", n("8"))])))
        .transact_items(put_if("Accounts", account("x4"), "attribute_exists(id)"))
        .send()
        .await
        .unwrap_err();
    let (message, r) = reasons(err);
    assert_eq!(message, "Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError, None, None]");
    assert_eq!(r[0].message(), Some("One or more parameter values were invalid: Type mismatch for key id expected: S actual: N"));
    let err = c
        .transact_write_items()
        .transact_items(delete("Accounts", item(&[("id", n("5"))])))
        .send()
        .await
        .unwrap_err();
    let (_, r) = reasons(err);
    assert_eq!(codes(&r), vec!["ValidationError"]);
    assert_eq!(r[0].message(), Some("The provided key element does not match the schema"));

    // An update that cannot apply to the stored item cancels too.
    let err = c
        .transact_write_items()
        .transact_items(put("Accounts", account("x5")))
        .transact_items(
            TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name("Accounts")
                        .set_key(Some(account("a1")))
                        .update_expression("ADD #n :one")
                        .expression_attribute_names("#n", "name")
                        .expression_attribute_values(":one", n("1"))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    let (_, r) = reasons(err);
    assert_eq!(codes(&r), vec!["None", "ValidationError"]);
    assert!(r[1].message().is_some());
    assert!(get(&c, "Accounts", account("x5")).await.is_none());

    // Refused for the whole request.
    let err = c
        .transact_write_items()
        .transact_items(put("Accounts", account("x6")))
        .transact_items(check("Accounts", account("x6"), "attribute_not_exists(id)"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), Some("Transaction request cannot include multiple operations on one item"));
    let err = c.transact_write_items().transact_items(put("Nope", account("x"))).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert_eq!(err.message(), Some("Requested resource not found"));
    let err = c
        .transact_write_items()
        .transact_items(put("Accounts", account("")))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id")
    );
    let mut huge = account("huge");
    huge.insert("p".into(), s(&"x".repeat(409_600)));
    let err = c.transact_write_items().transact_items(put("Accounts", huge)).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), Some("Item size has exceeded the maximum allowed size"));
    // An expression problem anywhere wins over a missing table earlier on.
    let err = c
        .transact_write_items()
        .transact_items(put("Nope", account("x")))
        .transact_items(
            TransactWriteItem::builder()
                .condition_check(
                    ConditionCheck::builder()
                        .table_name("Accounts")
                        .set_key(Some(account("a1")))
                        .condition_expression("attribute_exists(id)")
                        .expression_attribute_values(":v", s("x"))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"));
    let err = c
        .transact_write_items()
        .transact_items(check("Accounts", account("a1"), "attribute_not_exists("))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert!(err.message().unwrap().starts_with("Invalid ConditionExpression: Syntax error"), "{:?}", err.message());
    let err = c
        .transact_write_items()
        .transact_items(
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name("Accounts")
                        .set_item(Some(account("x7")))
                        .condition_expression("attribute_not_exists(id)")
                        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::from("dog"))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value 'dog' at 'transactItems.1.member.put.returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]")
    );
    assert!(get(&c, "Accounts", account("x7")).await.is_none());
    st.stop().await;
}

/// The expression problems UpdateItem, PutItem and DeleteItem report as a
/// failed constraint (`1 validation error detected: …`) are sent alone by
/// TransactWriteItems, whichever action has them.
#[tokio::test]
async fn expression_messages_are_sent_alone() {
    let st = Stack::start().await;
    let c = st.client();
    tables(&c).await;
    let unused = Some("Value provided in ExpressionAttributeNames unused in expressions: keys: {#count}");
    let put = Put::builder()
        .table_name("Accounts")
        .set_item(Some(account("a1")))
        .condition_expression("attribute_not_exists(body)")
        .expression_attribute_names("#count", "count")
        .build()
        .unwrap();
    let delete = Delete::builder()
        .table_name("Accounts")
        .set_key(Some(account("a1")))
        .condition_expression("attribute_not_exists(body)")
        .expression_attribute_names("#count", "count")
        .build()
        .unwrap();
    let update_unused = Update::builder()
        .table_name("Accounts")
        .set_key(Some(account("a1")))
        .update_expression("SET a = :one")
        .expression_attribute_names("#count", "count")
        .expression_attribute_values(":one", n("1"))
        .build()
        .unwrap();
    let check = ConditionCheck::builder()
        .table_name("Accounts")
        .set_key(Some(account("a1")))
        .condition_expression("attribute_not_exists(body)")
        .expression_attribute_names("#count", "count")
        .build()
        .unwrap();
    for action in [
        TransactWriteItem::builder().put(put).build(),
        TransactWriteItem::builder().delete(delete).build(),
        TransactWriteItem::builder().update(update_unused).build(),
        TransactWriteItem::builder().condition_check(check).build(),
    ] {
        let err = c.transact_write_items().transact_items(action).send().await.unwrap_err();
        assert_eq!(err.code(), Some("ValidationException"));
        assert_eq!(err.message(), unused);
    }
    let err = c
        .transact_write_items()
        .transact_items(update(
            "Accounts",
            account("a1"),
            "SET expire_at_utc = :t SET is_final = :true ADD version :one",
            &[(":t", s("asdf")), (":true", Av::Bool(true)), (":one", n("1"))],
            None,
        ))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some(r#"Invalid UpdateExpression: The "SET" section can only be used once in an update expression;"#)
    );
    let empty_values = Update::builder()
        .table_name("Accounts")
        .set_key(Some(account("a1")))
        .update_expression("SET #0 = :v")
        .expression_attribute_names("#0", "tenant_count")
        .set_expression_attribute_values(Some(HashMap::new()))
        .build()
        .unwrap();
    let err = c
        .transact_write_items()
        .transact_items(TransactWriteItem::builder().update(empty_values).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("ExpressionAttributeValues must not be empty"));
    assert!(get(&c, "Accounts", account("a1")).await.is_none());

    // With no expression at all, names and values are not checked
    // (ExtendDB's captures of DynamoDB): the Put and the Get go through.
    let bare_put = Put::builder()
        .table_name("Accounts")
        .set_item(Some(account("a1")))
        .expression_attribute_names("#a", "x")
        .expression_attribute_values(":v", n("1"))
        .build()
        .unwrap();
    c.transact_write_items().transact_items(TransactWriteItem::builder().put(bare_put).build()).send().await.unwrap();
    let bare_get = aws_sdk_dynamodb::types::Get::builder()
        .table_name("Accounts")
        .set_key(Some(account("a1")))
        .expression_attribute_names("#a", "x")
        .build()
        .unwrap();
    let out = c
        .transact_get_items()
        .transact_items(TransactGetItem::builder().get(bare_get).build())
        .send()
        .await
        .unwrap();
    assert!(out.responses()[0].item().is_some());

    // A key over its size limit cancels at its action (ExtendDB's captures).
    let long = HashMap::from([("id".to_owned(), s(&"x".repeat(2049)))]);
    let long_put = TransactWriteItem::builder().put(Put::builder().table_name("Accounts").set_item(Some(long.clone())).build().unwrap()).build();
    let err = c.transact_write_items().transact_items(long_put).send().await.unwrap_err();
    let (_, r) = reasons(err);
    assert_eq!(codes(&r), ["ValidationError"]);
    let err = c.transact_get_items().transact_items(get_action("Accounts", long)).send().await.unwrap_err();
    let TransactGetItemsError::TransactionCanceledException(tc) = err.into_service_error() else {
        panic!("not a cancellation");
    };
    assert_eq!(tc.cancellation_reasons()[0].code(), Some("ValidationError"));
    st.stop().await;
}

#[tokio::test]
async fn limits() {
    let st = Stack::start().await;
    let c = st.client();
    tables(&c).await;

    let err = c.transact_write_items().set_transact_items(Some(vec![])).send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
    );
    let many: Vec<_> = (0..101).map(|i| put("Accounts", account(&format!("k{i}")))).collect();
    let err = c.transact_write_items().set_transact_items(Some(many)).send().await.unwrap_err();
    let msg = err.message().unwrap();
    assert!(
        msg.starts_with("1 validation error detected: Value '[TransactWriteItem(put=Put(item={id=AttributeValue(s=k0)}, tableName=Accounts)), "),
        "{msg}"
    );
    assert!(
        msg.ends_with(")]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"),
        "{msg}"
    );
    assert!(get(&c, "Accounts", account("k0")).await.is_none());
    // 100 actions is the limit.
    let hundred: Vec<_> = (0..100).map(|i| put("Accounts", item(&[("id", s(&format!("k{i}"))), ("i", n(&i.to_string()))]))).collect();
    c.transact_write_items().set_transact_items(Some(hundred)).send().await.unwrap();
    assert_eq!(get(&c, "Accounts", account("k99")).await.unwrap()["i"], n("99"));
    let gets: Vec<_> = (0..100).map(|i| get_action("Accounts", account(&format!("k{i}")))).collect();
    let out = c.transact_get_items().set_transact_items(Some(gets)).send().await.unwrap();
    assert_eq!(out.responses().len(), 100);
    assert_eq!(out.responses()[42].item().unwrap()["i"], n("42"));
    let gets: Vec<_> = (0..101).map(|i| get_action("Accounts", account(&format!("k{i}")))).collect();
    let err = c.transact_get_items().set_transact_items(Some(gets)).send().await.unwrap_err();
    let msg = err.message().unwrap();
    assert!(msg.starts_with("1 validation error detected: Value '[TransactGetItem(get=Get(key={id=AttributeValue(s=k0)}, tableName=Accounts)), "), "{msg}");
    assert!(msg.ends_with("' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"), "{msg}");

    // 4 MB: 12 items of 350 KB are over, 10 are not.
    let big = |i: usize| put("Accounts", item(&[("id", s(&format!("b{i}"))), ("p", s(&"x".repeat(350_000)))]));
    let err = c.transact_write_items().set_transact_items(Some((0..12).map(big).collect())).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert!(
        err.message().unwrap().starts_with("Transaction payload size cannot exceed 4MB. Payload Size: "),
        "{:?}",
        err.message()
    );
    assert!(get(&c, "Accounts", account("b0")).await.is_none());
    c.transact_write_items().set_transact_items(Some((0..10).map(big).collect())).send().await.unwrap();
    assert!(get(&c, "Accounts", account("b9")).await.is_some());

    // ClientRequestToken is 1 to 36 characters.
    let token = "t".repeat(37);
    let err = c
        .transact_write_items()
        .transact_items(put("Accounts", account("tok")))
        .client_request_token(&token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message().unwrap(),
        format!("1 validation error detected: Value '{token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36")
    );
    c.transact_write_items()
        .transact_items(put("Accounts", account("tok")))
        .client_request_token("t".repeat(36))
        .send()
        .await
        .unwrap();

    // TransactGetItems' own refusals.
    let err = c
        .transact_get_items()
        .transact_items(get_action("Accounts", account("k1")))
        .transact_items(get_action("Accounts", account("k1")))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), Some("Transaction request cannot include multiple operations on one item"));
    let err = c
        .transact_get_items()
        .transact_items(get_action("Accounts", account("k1")))
        .transact_items(get_action("Accounts", HashMap::new()))
        .send()
        .await
        .unwrap_err();
    match err.into_service_error() {
        TransactGetItemsError::TransactionCanceledException(e) => {
            assert_eq!(
                e.message(),
                Some("Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]")
            );
            assert_eq!(e.cancellation_reasons()[1].message(), Some("The provided key element does not match the schema"));
        }
        other => panic!("expected a cancellation, got {other:?}"),
    }
    let err = c.transact_get_items().transact_items(get_action("Nope", account("k1"))).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let err = c
        .transact_get_items()
        .transact_items(
            TransactGetItem::builder()
                .get(
                    Get::builder()
                        .table_name("Accounts")
                        .set_key(Some(account("k1")))
                        .projection_expression("#x")
                        .expression_attribute_names("#x", "i")
                        .expression_attribute_names("#q", "q")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("Value provided in ExpressionAttributeNames unused in expressions: keys: {#q}"));
    st.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_request_token_applies_once() {
    let st = Stack::start().await;
    let c = st.client();
    tables(&c).await;
    put_item(&c, "Accounts", item(&[("id", s("ctr")), ("n", n("0"))])).await;
    let counter = || async { get(&c, "Accounts", account("ctr")).await.unwrap()["n"].clone() };
    let bump = |token: Option<&str>| {
        c.transact_write_items()
            .transact_items(add_one("Accounts", account("ctr")))
            .set_client_request_token(token.map(str::to_owned))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
    };

    // Without a token every call applies.
    bump(None).send().await.unwrap();
    bump(None).send().await.unwrap();
    assert_eq!(counter().await, n("2"));

    // With one, the retry succeeds without applying again; it reports the
    // transactional read of the item (2 units) instead of the write.
    let first = bump(Some("token-1")).send().await.unwrap();
    assert_eq!(by_table(first.consumed_capacity()), vec![("Accounts".into(), 2.0)]);
    let retry = bump(Some("token-1")).send().await.unwrap();
    assert_eq!(by_table(retry.consumed_capacity()), vec![("Accounts".into(), 2.0)]);
    assert_eq!(counter().await, n("3"));
    bump(Some("token-1")).send().await.unwrap();
    assert_eq!(counter().await, n("3"));

    // The same token with another request.
    let err = c
        .transact_write_items()
        .transact_items(add_one("Accounts", account("other")))
        .client_request_token("token-1")
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("IdempotentParameterMismatchException"));
    assert!(matches!(err.into_service_error(), TransactWriteItemsError::IdempotentParameterMismatchException(_)));
    assert!(get(&c, "Accounts", account("other")).await.is_none());

    // A cancelled transaction does not keep its token: once its condition
    // holds, the same request with the same token applies.
    let guarded = || {
        c.transact_write_items()
            .transact_items(update(
                "Accounts",
                account("ctr"),
                "ADD n :one",
                &[(":one", n("1")), (":ten", n("10"))],
                Some("n = :ten"),
            ))
            .client_request_token("token-2")
    };
    let err = guarded().send().await.unwrap_err();
    assert_eq!(err.code(), Some("TransactionCanceledException"));
    put_item(&c, "Accounts", item(&[("id", s("ctr")), ("n", n("10"))])).await;
    guarded().send().await.unwrap();
    guarded().send().await.unwrap();
    assert_eq!(counter().await, n("11"));

    // Concurrent retries of one token: it applies exactly once, every
    // other call either replays or finds it in progress.
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            c.transact_write_items()
                .transact_items(add_one("Accounts", account("ctr")))
                .client_request_token("token-3")
                .send()
                .await
                .map_err(|e| e.code().map(str::to_owned))
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(code) => assert_eq!(code.as_deref(), Some("TransactionInProgressException")),
        }
    }
    assert!(ok >= 1);
    assert_eq!(counter().await, n("12"));
    st.stop().await;
}

#[tokio::test]
async fn client_request_tokens_survive_a_restart() {
    let mut st = Stack::start().await;
    let c = st.client();
    tables(&c).await;
    let bump = |c: &Client, by: &str| {
        c.transact_write_items()
            .transact_items(update("Accounts", account("ctr"), "ADD n :by", &[(":by", n(by))], None))
            .client_request_token("durable-1")
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
    };
    bump(&c, "1").send().await.unwrap();
    assert_eq!(get(&c, "Accounts", account("ctr")).await.unwrap()["n"], n("1"));

    // A new data plane knows nothing in memory; the token is in storage.
    st.restart_data_plane().await;
    let c = st.client();
    let retry = bump(&c, "1").send().await.unwrap();
    assert_eq!(by_table(retry.consumed_capacity()), vec![("Accounts".into(), 2.0)], "a replay reads, transactionally");
    assert_eq!(get(&c, "Accounts", account("ctr")).await.unwrap()["n"], n("1"), "applied once");
    let err = bump(&c, "2").send().await.unwrap_err();
    assert_eq!(err.code(), Some("IdempotentParameterMismatchException"));
    assert_eq!(get(&c, "Accounts", account("ctr")).await.unwrap()["n"], n("1"));

    // Twice restarted, and the mismatch first: still known.
    st.restart_data_plane().await;
    let c = st.client();
    let err = bump(&c, "2").send().await.unwrap_err();
    assert_eq!(err.code(), Some("IdempotentParameterMismatchException"));
    bump(&c, "1").send().await.unwrap();
    assert_eq!(get(&c, "Accounts", account("ctr")).await.unwrap()["n"], n("1"));
    // Another token applies.
    bump(&c, "1").client_request_token("durable-2").send().await.unwrap();
    assert_eq!(get(&c, "Accounts", account("ctr")).await.unwrap()["n"], n("2"));
    st.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_transfers_keep_the_total() {
    let st = Stack::start().await;
    let c = st.client();
    tables(&c).await;
    put_item(&c, "Accounts", item(&[("id", s("A")), ("balance", n("20"))])).await;
    put_item(&c, "Accounts", item(&[("id", s("B")), ("balance", n("0"))])).await;

    // Readers check the invariant while 25 transfers of 1 race for A's 20.
    let done = Arc::new(AtomicBool::new(false));
    let observed = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::new();
    for r in 0..2 {
        let (c, done, observed) = (c.clone(), Arc::clone(&done), Arc::clone(&observed));
        readers.push(tokio::spawn(async move {
            while !done.load(Ordering::SeqCst) {
                let (a, b) = if r == 0 {
                    let out = c
                        .transact_get_items()
                        .transact_items(get_action("Accounts", account("A")))
                        .transact_items(get_action("Accounts", account("B")))
                        .send()
                        .await
                        .unwrap();
                    let bal = |i: usize| out.responses()[i].item().unwrap()["balance"].as_n().unwrap().parse::<i64>().unwrap();
                    (bal(0), bal(1))
                } else {
                    let out = c
                        .batch_get_item()
                        .request_items(
                            "Accounts",
                            aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                                .keys(account("A"))
                                .keys(account("B"))
                                .consistent_read(true)
                                .build()
                                .unwrap(),
                        )
                        .send()
                        .await
                        .unwrap();
                    let items = &out.responses().unwrap()["Accounts"];
                    let bal = |id: &str| {
                        items.iter().find(|i| i["id"] == s(id)).unwrap()["balance"].as_n().unwrap().parse::<i64>().unwrap()
                    };
                    (bal("A"), bal("B"))
                };
                assert_eq!(a + b, 20, "a partial transfer was visible: A={a} B={b}");
                assert!(a >= 0);
                observed.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    let mut writers = Vec::new();
    for _ in 0..25 {
        let c = c.clone();
        writers.push(tokio::spawn(async move {
            c.transact_write_items().set_transact_items(Some(transfer("A", "B"))).send().await
        }));
    }
    let (mut moved, mut refused) = (0, 0);
    for w in writers {
        match w.await.unwrap() {
            Ok(_) => moved += 1,
            Err(e) => {
                let (_, r) = reasons(e);
                assert_eq!(codes(&r), vec!["ConditionalCheckFailed", "None"]);
                refused += 1;
            }
        }
    }
    done.store(true, Ordering::SeqCst);
    for r in readers {
        r.await.unwrap();
    }
    assert_eq!((moved, refused), (20, 5));
    assert!(observed.load(Ordering::SeqCst) > 0);
    assert_eq!(get(&c, "Accounts", account("A")).await.unwrap()["balance"], n("0"));
    assert_eq!(get(&c, "Accounts", account("B")).await.unwrap()["balance"], n("20"));
    st.stop().await;
}

#[tokio::test]
async fn an_action_without_an_operation_is_refused() {
    let s = Stack::start().await;
    let c = s.client();
    let e = c
        .transact_write_items()
        .transact_items(TransactWriteItem::builder().build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some("1 validation error detected: Value '' at 'transactItems' failed to satisfy constraint: TransactWriteRequest should contain Delete or Put or Update or ConditionCheck")
    );
    s.stop().await;
}

/// Index arms of a transaction's capacity cost what the same writes cost
/// outside one (dynoxide's capture against DynamoDB, eu-west-2, 2026-08-13:
/// A3, A7, and A3 under TOTAL).
#[tokio::test]
async fn transactional_index_arms_are_not_doubled() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, LocalSecondaryIndex, Projection,
        ProjectionType, ReturnConsumedCapacity, ScalarAttributeType,
    };
    let st = Stack::start().await;
    let c = st.client();
    let key = |name: &str, kind: KeyType| KeySchemaElement::builder().attribute_name(name).key_type(kind).build().unwrap();
    let attr = |name: &str| AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build().unwrap();
    c.create_table()
        .table_name("Indexed")
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .attribute_definitions(attr("pk"))
        .attribute_definitions(attr("sk"))
        .attribute_definitions(attr("gsiPk"))
        .attribute_definitions(attr("lsiSk"))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("gsi-inc")
                .key_schema(key("gsiPk", KeyType::Hash))
                .projection(Projection::builder().projection_type(ProjectionType::Include).non_key_attributes("proj").build())
                .build()
                .unwrap(),
        )
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name("lsi-all")
                .key_schema(key("pk", KeyType::Hash))
                .key_schema(key("lsiSk", KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let member = |pk: &str| item(&[("pk", s(pk)), ("sk", s("1")), ("gsiPk", s("g1")), ("lsiSk", s("L1")), ("proj", s("p"))]);
    let out = c
        .transact_write_items()
        .transact_items(put("Indexed", member("a3")))
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    let cc = &out.consumed_capacity()[0];
    assert_eq!((cc.capacity_units(), cc.write_capacity_units()), (Some(4.0), Some(4.0)));
    assert_eq!(cc.table().unwrap().capacity_units(), Some(2.0));
    assert_eq!(cc.global_secondary_indexes().unwrap()["gsi-inc"].capacity_units(), Some(1.0));
    assert_eq!(cc.local_secondary_indexes().unwrap()["lsi-all"].write_capacity_units(), Some(1.0));

    // A move of the GSI key: a delete and an insert on the index.
    let out = c
        .transact_write_items()
        .transact_items(update("Indexed", item(&[("pk", s("a3")), ("sk", s("1"))]), "SET gsiPk = :v", &[(":v", s("g2"))], None))
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    let cc = &out.consumed_capacity()[0];
    assert_eq!(cc.capacity_units(), Some(5.0));
    assert_eq!(cc.global_secondary_indexes().unwrap()["gsi-inc"].capacity_units(), Some(2.0));

    let out = c
        .transact_write_items()
        .transact_items(put("Indexed", member("t1")))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let cc = &out.consumed_capacity()[0];
    assert_eq!((cc.capacity_units(), cc.write_capacity_units()), (Some(4.0), Some(4.0)));
    assert!(cc.table().is_none() && cc.global_secondary_indexes().is_none());
    st.stop().await;
}

/// A replay is a transactional read of each action's larger image, as the
/// first call left it (dynoxide's capture against DynamoDB, 2026-08-13:
/// R1, a delete of a ~9 KB item, 18 units then 6 on the replay).
#[tokio::test]
async fn a_replay_reads_what_the_first_call_wrote() {
    let st = Stack::start().await;
    let c = st.client();
    tables(&c).await;
    put_item(&c, "Accounts", item(&[("id", s("big")), ("pad", s(&"x".repeat(9_000)))])).await;
    let delete = || {
        c.transact_write_items()
            .transact_items(delete("Accounts", account("big")))
            .client_request_token("replay-delete")
            .return_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total)
            .send()
    };
    let first = delete().await.unwrap();
    assert_eq!(first.consumed_capacity()[0].capacity_units(), Some(18.0));
    let replay = delete().await.unwrap();
    assert_eq!(replay.consumed_capacity()[0].capacity_units(), Some(6.0));
    assert_eq!(replay.consumed_capacity()[0].read_capacity_units(), Some(6.0));
    st.stop().await;
}
