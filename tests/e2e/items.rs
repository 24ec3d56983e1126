//! Items through the SDK: PutItem, GetItem, UpdateItem, DeleteItem with
//! conditions, ReturnValues and consumed capacity.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, KeySchemaElement, KeyType,
    ReturnConsumedCapacity, ReturnValue, ReturnValuesOnConditionCheckFailure, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;

use crate::harness::Stack;

async fn music(client: &Client) {
    client
        .create_table()
        .table_name("Music")
        .attribute_definitions(AttributeDefinition::builder().attribute_name("Artist").attribute_type(ScalarAttributeType::S).build().unwrap())
        .attribute_definitions(AttributeDefinition::builder().attribute_name("SongTitle").attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("Artist").key_type(KeyType::Hash).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("SongTitle").key_type(KeyType::Range).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

fn s(v: &str) -> Av {
    Av::S(v.into())
}
fn n(v: &str) -> Av {
    Av::N(v.into())
}

fn key(artist: &str, song: &str) -> HashMap<String, Av> {
    HashMap::from([("Artist".to_owned(), s(artist)), ("SongTitle".to_owned(), s(song))])
}

#[tokio::test]
async fn put_get_update_delete() {
    let st = Stack::start().await;
    let c = st.client();
    music(&c).await;

    let put = c
        .put_item()
        .table_name("Music")
        .item("Artist", s("No One You Know"))
        .item("SongTitle", s("Call Me Today"))
        .item("AlbumTitle", s("Somewhat Famous"))
        .item("Awards", n("1"))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    assert_eq!(put.consumed_capacity().unwrap().capacity_units(), Some(1.0));
    assert!(put.attributes().is_none());

    let got = c.get_item().table_name("Music").set_key(Some(key("No One You Know", "Call Me Today"))).send().await.unwrap();
    let item = got.item().unwrap();
    assert_eq!(item["AlbumTitle"], s("Somewhat Famous"));
    assert_eq!(item["Awards"], n("1"));

    let got = c
        .get_item()
        .table_name("Music")
        .set_key(Some(key("No One You Know", "Call Me Today")))
        .projection_expression("#a")
        .expression_attribute_names("#a", "AlbumTitle")
        .consistent_read(true)
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    assert_eq!(got.item().unwrap().len(), 1);
    assert_eq!(got.consumed_capacity().unwrap().capacity_units(), Some(1.0));

    let up = c
        .update_item()
        .table_name("Music")
        .set_key(Some(key("No One You Know", "Call Me Today")))
        .update_expression("SET Awards = Awards + :inc, Genre = :g REMOVE AlbumTitle")
        .expression_attribute_values(":inc", n("2"))
        .expression_attribute_values(":g", s("Rock"))
        .return_values(ReturnValue::AllNew)
        .send()
        .await
        .unwrap();
    let attrs = up.attributes().unwrap();
    assert_eq!(attrs["Awards"], n("3"));
    assert_eq!(attrs["Genre"], s("Rock"));
    assert!(!attrs.contains_key("AlbumTitle"));

    let up = c
        .update_item()
        .table_name("Music")
        .set_key(Some(key("No One You Know", "Call Me Today")))
        .update_expression("SET Awards = :ten")
        .expression_attribute_values(":ten", n("10"))
        .return_values(ReturnValue::UpdatedOld)
        .send()
        .await
        .unwrap();
    assert_eq!(up.attributes().unwrap(), &HashMap::from([("Awards".to_owned(), n("3"))]));

    let del = c
        .delete_item()
        .table_name("Music")
        .set_key(Some(key("No One You Know", "Call Me Today")))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .unwrap();
    assert_eq!(del.attributes().unwrap()["Awards"], n("10"));
    let got = c.get_item().table_name("Music").set_key(Some(key("No One You Know", "Call Me Today"))).send().await.unwrap();
    assert!(got.item().is_none());
    st.stop().await;
}

#[tokio::test]
async fn conditions_and_errors() {
    let st = Stack::start().await;
    let c = st.client();
    music(&c).await;
    let put = |title: &str| {
        c.put_item()
            .table_name("Music")
            .item("Artist", s("A"))
            .item("SongTitle", s(title))
            .item("Plays", n("5"))
    };
    put("One").condition_expression("attribute_not_exists(Artist)").send().await.unwrap();
    let err = put("One")
        .condition_expression("attribute_not_exists(Artist)")
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ConditionalCheckFailedException"));
    assert_eq!(err.message(), Some("The conditional request failed"));
    let svc = err.into_service_error();
    let aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(e) = svc else {
        panic!("wrong error {svc:?}");
    };
    assert_eq!(e.item().unwrap()["Plays"], n("5"));

    // A failed condition leaves the item as it was.
    let err = c
        .update_item()
        .table_name("Music")
        .set_key(Some(key("A", "One")))
        .update_expression("SET Plays = :p")
        .condition_expression("Plays > :min")
        .expression_attribute_values(":p", n("100"))
        .expression_attribute_values(":min", n("10"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ConditionalCheckFailedException"));
    let got = c.get_item().table_name("Music").set_key(Some(key("A", "One"))).send().await.unwrap();
    assert_eq!(got.item().unwrap()["Plays"], n("5"));

    // Key validation.
    let err = c.put_item().table_name("Music").item("Artist", s("A")).send().await.unwrap_err();
    assert_eq!(err.message(), Some("One or more parameter values were invalid: Missing the key SongTitle in the item"));
    let err = c.put_item().table_name("Music").item("Artist", n("1")).item("SongTitle", s("x")).send().await.unwrap_err();
    assert_eq!(err.message(), Some("One or more parameter values were invalid: Type mismatch for key Artist expected: S actual: N"));
    let err = c.get_item().table_name("Music").key("Artist", s("A")).send().await.unwrap_err();
    assert_eq!(err.message(), Some("The provided key element does not match the schema"));
    let err = c.get_item().table_name("Nope").key("Artist", s("A")).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let err = c
        .update_item()
        .table_name("Music")
        .set_key(Some(key("A", "One")))
        .update_expression("SET Artist = :x")
        .expression_attribute_values(":x", s("B"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    let err = c
        .update_item()
        .table_name("Music")
        .set_key(Some(key("A", "One")))
        .update_expression("SET Plays = :x")
        .expression_attribute_values(":x", n("1"))
        .expression_attribute_values(":unused", n("1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}")
    );

    // Key size limits hold for a Key member as for an item.
    let long_pk = "p".repeat(2049);
    let long_sk = "s".repeat(1025);
    for (artist, song, message) in [
        (long_pk.as_str(), "One", "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"),
        ("A", long_sk.as_str(), "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"),
    ] {
        let err = c.get_item().table_name("Music").set_key(Some(key(artist, song))).send().await.unwrap_err();
        assert_eq!(err.message(), Some(message));
        let err = c.delete_item().table_name("Music").set_key(Some(key(artist, song))).send().await.unwrap_err();
        assert_eq!(err.message(), Some(message));
    }
    let fits = c.get_item().table_name("Music").set_key(Some(key(&"p".repeat(2048), &"s".repeat(1024)))).send().await.unwrap();
    assert!(fits.item().is_none());
    st.stop().await;
}

/// PutItem, UpdateItem and DeleteItem report some request problems as a
/// failed constraint (`1 validation error detected: …`); GetItem, and
/// syntax errors anywhere, send the message alone.
#[tokio::test]
async fn single_item_constraint_messages() {
    let st = Stack::start().await;
    let c = st.client();
    music(&c).await;
    const P: &str = "1 validation error detected: ";
    c.put_item().table_name("Music").set_item(Some(key("A", "One"))).item("Plays", n("5")).send().await.unwrap();
    let update = |expr: &str| c.update_item().table_name("Music").set_key(Some(key("A", "One"))).update_expression(expr);
    let one = n("1");
    for (request, message) in [
        (
            update("ADD x :one SET a = :one ADD y :one").expression_attribute_values(":one", one.clone()),
            r#"Invalid UpdateExpression: The "ADD" section can only be used once in an update expression;"#,
        ),
        (
            update("REMOVE a SET b = :one REMOVE c").expression_attribute_values(":one", one.clone()),
            r#"Invalid UpdateExpression: The "REMOVE" section can only be used once in an update expression;"#,
        ),
        (
            update("SET a = :one, a.b = :one").expression_attribute_values(":one", one.clone()),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
        ),
        (
            update("SET #a = :one, #b = :one")
                .expression_attribute_names("#a", "x")
                .expression_attribute_names("#b", "x")
                .expression_attribute_values(":one", one.clone()),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [x], path two: [x]",
        ),
        (update("").expression_attribute_values(":one", one.clone()), "Invalid UpdateExpression: The expression can not be empty;"),
        (
            update("SET #d = :s").expression_attribute_names("#d", "d").set_expression_attribute_values(Some(HashMap::new())),
            "ExpressionAttributeValues must not be empty",
        ),
        (
            update("SET spec.#limit = :limit")
                .expression_attribute_names("#count", "count")
                .expression_attribute_names("#limit", "limit")
                .expression_attribute_values(":limit", s("limit")),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#count}",
        ),
        (
            update("ADD stringset :emptySet").expression_attribute_values(":emptySet", Av::Ss(vec![])),
            "One or more parameter values were invalid: An string set  may not be empty",
        ),
        (
            update("SET x = :one").expression_attribute_values(":one", Av::Ns(vec![])),
            "One or more parameter values were invalid: An number set  may not be empty",
        ),
    ] {
        let err = request.send().await.unwrap_err();
        assert_eq!(err.code(), Some("ValidationException"));
        assert_eq!(err.message(), Some(format!("{P}{message}").as_str()));
    }
    // So is a syntax error (paritysuite's cross-region capture of
    // 2026-09-20; moto's older AWS-verified tests saw it alone).
    let err = update("SET a = :one +").expression_attribute_values(":one", one.clone()).send().await.unwrap_err();
    assert!(err.message().unwrap().starts_with("1 validation error detected: Invalid UpdateExpression: Syntax error;"), "{:?}", err.message());

    let put = || c.put_item().table_name("Music").set_item(Some(key("A", "Two")));
    let err = put()
        .item("attr2", Av::M(HashMap::from([("SS".to_owned(), Av::Ns(vec![]))])))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: One or more parameter values were invalid: An number set  may not be empty")
    );
    let err = put().item("stringSet", Av::Ss(vec![])).send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: One or more parameter values were invalid: An string set  may not be empty")
    );
    let unused = "1 validation error detected: Value provided in ExpressionAttributeNames unused in expressions: keys: {#count}";
    let err = put()
        .condition_expression("attribute_not_exists(body)")
        .expression_attribute_names("#count", "count")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some(unused));
    let err = c
        .delete_item()
        .table_name("Music")
        .set_key(Some(key("A", "One")))
        .condition_expression("attribute_not_exists(body)")
        .expression_attribute_names("#count", "count")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some(unused));

    // GetItem sends an unused placeholder alone.
    let err = c
        .get_item()
        .table_name("Music")
        .set_key(Some(key("A", "One")))
        .projection_expression("#p")
        .expression_attribute_names("#p", "Plays")
        .expression_attribute_names("#count", "count")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("Value provided in ExpressionAttributeNames unused in expressions: keys: {#count}"));
    // Nothing was written by the rejected requests.
    let got = c.get_item().table_name("Music").set_key(Some(key("A", "One"))).send().await.unwrap();
    assert_eq!(got.item().unwrap().len(), 3);
    let got = c.get_item().table_name("Music").set_key(Some(key("A", "Two"))).send().await.unwrap();
    assert!(got.item().is_none());
    st.stop().await;
}

/// ExpressionAttributeNames without any expression is refused, by every
/// single-item operation, before the key is compared with the schema; the
/// writes report their request checks as one failed constraint (2026
/// captures of PutItem in us-east-1 and eu-west-2).
#[tokio::test]
async fn names_need_an_expression() {
    let st = Stack::start().await;
    let c = st.client();
    music(&c).await;
    let message = Some("ExpressionAttributeNames can only be specified when using expressions");
    // The key does not match the schema either: the names are reported.
    let err = c.get_item().table_name("Music").key("id", s("my_id")).expression_attribute_names("#a", "b").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), message);
    let err = c
        .get_item()
        .table_name("Music")
        .set_key(Some(key("A", "One")))
        .expression_attribute_names("#a", "b")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), message);
    // The single-item writes report it as one failed constraint.
    let enveloped = Some("1 validation error detected: ExpressionAttributeNames can only be specified when using expressions");
    let err = c
        .put_item()
        .table_name("Music")
        .set_item(Some(key("A", "One")))
        .expression_attribute_names("#a", "b")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), enveloped);
    let err = c
        .update_item()
        .table_name("Music")
        .set_key(Some(key("A", "One")))
        .expression_attribute_names("#a", "b")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), enveloped);
    let err = c
        .delete_item()
        .table_name("Music")
        .set_key(Some(key("A", "One")))
        .expression_attribute_names("#a", "b")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), enveloped);
    // So are values without an expression, and an empty ConditionExpression.
    let err = c
        .put_item()
        .table_name("Music")
        .set_item(Some(key("A", "One")))
        .expression_attribute_values(":v", s("x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: ExpressionAttributeValues can only be specified when using expressions")
    );
    let err = c.put_item().table_name("Music").set_item(Some(key("A", "One"))).condition_expression("").send().await.unwrap_err();
    assert_eq!(err.message(), Some("1 validation error detected: Invalid ConditionExpression: The expression can not be empty;"));
    let err = c
        .delete_item()
        .table_name("Music")
        .set_key(Some(key("A", "One")))
        .expected("x", aws_sdk_dynamodb::types::ExpectedAttributeValue::builder().exists(true).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: x")
    );
    let got = c.get_item().table_name("Music").set_key(Some(key("A", "One"))).send().await.unwrap();
    assert!(got.item().is_none());
    st.stop().await;
}

#[tokio::test]
async fn concurrent_increments_are_not_lost() {
    let st = Stack::start().await;
    let c = st.client();
    music(&c).await;
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            c.update_item()
                .table_name("Music")
                .set_key(Some(key("A", "Counter")))
                .update_expression("ADD Hits :one")
                .expression_attribute_values(":one", n("1"))
                .send()
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let got = c.get_item().table_name("Music").set_key(Some(key("A", "Counter"))).send().await.unwrap();
    assert_eq!(got.item().unwrap()["Hits"], n("40"));
    st.stop().await;
}

#[tokio::test]
async fn deleting_a_table_reclaims_its_storage() {
    let st = Stack::start().await;
    let c = st.client();
    music(&c).await;
    for i in 0..20 {
        c.put_item()
            .table_name("Music")
            .item("Artist", s("A"))
            .item("SongTitle", s(&format!("song {i}")))
            .send()
            .await
            .unwrap();
    }
    let table_id = st.dp.catalog.load_full().unwrap().table(dynastore_data_plane::catalog::Space { tenant: &st.tenant.id, region: "" }, "Music").unwrap().record.id.clone();
    let prefix = format!("t{table_id}/").into_bytes();
    let count = || async {
        let snap = st.dp.items.snapshot(&st.tenant.id).await.unwrap();
        let end = {
            let mut e = prefix.clone();
            *e.last_mut().unwrap() += 1;
            e
        };
        snap.range(std::ops::Bound::Included(prefix.as_slice()), std::ops::Bound::Excluded(end.as_slice()), storage::Direction::Forward)
            .unwrap()
            .count()
    };
    assert_eq!(count().await, 20);
    c.delete_table().table_name("Music").send().await.unwrap();
    crate::sync::eventually(|| async { count().await == 0 }).await;
    // A new table of the same name starts empty.
    music(&c).await;
    let out = c.scan().table_name("Music").send().await.unwrap();
    assert_eq!(out.count(), 0);
    st.stop().await;
}

/// DynamoDB keeps a set in its own order, whatever order it was written in:
/// strings and binaries bytewise, numbers by value (paritysuite, AWS 2026).
#[tokio::test]
async fn sets_come_back_in_dynamodb_order() {
    let st = Stack::start().await;
    let c = st.client();
    music(&c).await;
    let key = |i: &mut HashMap<String, Av>| {
        i.insert("Artist".into(), s("Sets"));
        i.insert("SongTitle".into(), s("One"));
    };
    let mut item = HashMap::new();
    key(&mut item);
    item.insert("tags".into(), Av::Ss(vec!["b".into(), "a".into()]));
    item.insert("ns".into(), Av::Ns(vec!["10".into(), "-2".into(), "9.5".into()]));
    c.put_item().table_name("Music").set_item(Some(item)).send().await.unwrap();
    let mut k = HashMap::new();
    key(&mut k);
    c.update_item()
        .table_name("Music")
        .set_key(Some(k.clone()))
        .update_expression("ADD tags :v")
        .expression_attribute_values(":v", Av::Ss(vec!["".into(), "c".into()]))
        .send()
        .await
        .unwrap();
    let got = c.get_item().table_name("Music").set_key(Some(k)).consistent_read(true).send().await.unwrap();
    let got = got.item().unwrap();
    assert_eq!(got["tags"], Av::Ss(vec!["".into(), "a".into(), "b".into(), "c".into()]));
    assert_eq!(got["ns"], Av::Ns(vec!["-2".into(), "9.5".into(), "10".into()]));
    st.stop().await;
}

/// A standalone UpdateItem is held to the item size limit by its statement
/// too (what each clause writes plus a fixed cost per clause), so at a
/// one-byte key a finished item of 409,582 bytes is refused; PartiQL's
/// UPDATE measures the finished item alone (paritysuite, AWS 2026).
#[tokio::test]
async fn update_item_is_sized_by_its_statement() {
    let st = Stack::start().await;
    let c = st.client();
    crate::harness::create_pk_table(&c, "Sized").await;
    // Key "pk"+"K" is 3 bytes, "b" 1: the statement is 3 + 19 + 1 + pad,
    // the finished item 4 + pad.
    let update = |pad: usize| {
        c.update_item()
            .table_name("Sized")
            .key("pk", s("K"))
            .update_expression("SET b = :pad")
            .expression_attribute_values(":pad", s(&"x".repeat(pad)))
            .condition_expression("attribute_not_exists(nope)")
            .send()
    };
    let e = update(409_578).await.unwrap_err();
    assert_eq!(e.message(), Some("Item size to update has exceeded the maximum allowed size"));
    update(409_577).await.unwrap();
    c.execute_statement()
        .statement(r#"UPDATE "Sized" SET b = ? WHERE pk = 'K'"#)
        .parameters(s(&"x".repeat(409_596)))
        .send()
        .await
        .unwrap();
    st.stop().await;
}

/// No attribute name may be empty, at the top of an item or key or as a
/// key of a map value at any depth: PutItem, UpdateItem and DeleteItem say
/// "Empty attribute name" inside the validation envelope, a
/// TransactWriteItems Put, a BatchWriteItem PutRequest and GetItem say it
/// bare (nubo-db's captures, ten regions), and nothing is stored.
#[tokio::test]
async fn empty_attribute_names_are_refused() {
    let stack = Stack::start().await;
    let c = stack.client();
    music(&c).await;
    let enveloped = Some("1 validation error detected: Empty attribute name");
    let mut nested = key("A", "Nested");
    let inner = HashMap::from([(String::new(), s("x"))]);
    let list = Av::L(vec![Av::M(HashMap::from([("ok".to_owned(), Av::M(inner))]))]);
    nested.insert("doc".into(), Av::M(HashMap::from([("list".to_owned(), list)])));
    let e = c.put_item().table_name("Music").set_item(Some(nested)).send().await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Some("ValidationException"), enveloped));
    let mut bad_key = key("A", "Empty");
    bad_key.insert(String::new(), s("x"));
    let e = c.delete_item().table_name("Music").set_key(Some(bad_key.clone())).send().await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Some("ValidationException"), enveloped));
    let e = c.update_item().table_name("Music").set_key(Some(bad_key.clone())).send().await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Some("ValidationException"), enveloped));
    let e = c.get_item().table_name("Music").set_key(Some(bad_key)).send().await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Some("ValidationException"), Some("Empty attribute name")));
    let mut item = key("A", "Empty");
    item.insert(String::new(), s("x"));
    let e = c.put_item().table_name("Music").set_item(Some(item.clone())).send().await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Some("ValidationException"), enveloped));
    let put = aws_sdk_dynamodb::types::Put::builder().table_name("Music").set_item(Some(item.clone())).build().unwrap();
    let e = c
        .transact_write_items()
        .transact_items(aws_sdk_dynamodb::types::TransactWriteItem::builder().put(put).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.message()), (Some("ValidationException"), Some("Empty attribute name")));
    let request = aws_sdk_dynamodb::types::WriteRequest::builder()
        .put_request(aws_sdk_dynamodb::types::PutRequest::builder().set_item(Some(item)).build().unwrap())
        .build();
    let e = c.batch_write_item().request_items("Music", vec![request]).send().await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Some("ValidationException"), Some("Empty attribute name")));
    // In an expression attribute value: PutItem inside the envelope, Scan
    // naming the key, Query bare.
    let holds_empty = Av::M(HashMap::from([(String::new(), s("x"))]));
    let e = c
        .put_item()
        .table_name("Music")
        .set_item(Some(key("A", "Empty")))
        .condition_expression("attribute_not_exists(Artist) OR Artist <> :v")
        .expression_attribute_values(":v", holds_empty.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.message()), (Some("ValidationException"), enveloped));
    let e = c
        .scan()
        .table_name("Music")
        .filter_expression("Artist = :v")
        .expression_attribute_values(":v", holds_empty.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some("ExpressionAttributeValues contains invalid value: Empty attribute name for key :v"));
    let e = c
        .query()
        .table_name("Music")
        .key_condition_expression("Artist = :a")
        .filter_expression("SongTitle = :v")
        .expression_attribute_values(":a", s("A"))
        .expression_attribute_values(":v", holds_empty)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some("Empty attribute name"));
    // The legacy parameters: Expected inside the envelope, a ScanFilter's
    // values and AttributesToGet bare.
    let e = c
        .put_item()
        .table_name("Music")
        .set_item(Some(key("A", "Empty")))
        .expected(String::new(), aws_sdk_dynamodb::types::ExpectedAttributeValue::builder().exists(false).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), enveloped);
    let eq_empty = aws_sdk_dynamodb::types::Condition::builder()
        .comparison_operator(aws_sdk_dynamodb::types::ComparisonOperator::Eq)
        .attribute_value_list(Av::M(HashMap::from([(String::new(), s("x"))])))
        .build()
        .unwrap();
    let e = c.scan().table_name("Music").scan_filter("Artist", eq_empty).send().await.unwrap_err();
    assert_eq!(e.message(), Some("Empty attribute name"));
    let mut start = key("A", "Empty");
    start.insert(String::new(), s("x"));
    let e = c.scan().table_name("Music").set_exclusive_start_key(Some(start.clone())).send().await.unwrap_err();
    assert_eq!(e.message(), Some("The provided starting key is invalid: Empty attribute name"));
    let e = c
        .query()
        .table_name("Music")
        .key_condition_expression("Artist = :a")
        .expression_attribute_values(":a", s("A"))
        .set_exclusive_start_key(Some(start))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some("Empty attribute name"));
    let e = c.get_item().table_name("Music").set_key(Some(key("A", "Empty"))).attributes_to_get("").send().await.unwrap_err();
    assert_eq!(e.message(), Some("Empty attribute name"));
    let keys = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
        .keys(key("A", "Empty"))
        .attributes_to_get("")
        .build()
        .unwrap();
    let e = c.batch_get_item().request_items("Music", keys).send().await.unwrap_err();
    assert_eq!(e.message(), Some("Empty attribute name"));
    let update = aws_sdk_dynamodb::types::AttributeValueUpdate::builder().value(s("x")).build();
    let e = c.update_item().table_name("Music").set_key(Some(key("A", "Empty"))).attribute_updates("", update).send().await.unwrap_err();
    assert_eq!(e.message(), enveloped);
    for sk in ["Empty", "Nested"] {
        let got = c.get_item().table_name("Music").set_key(Some(key("A", sk))).consistent_read(true).send().await.unwrap();
        assert!(got.item().is_none(), "{sk}");
    }
    stack.stop().await;
}
