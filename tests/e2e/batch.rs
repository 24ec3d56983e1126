//! BatchGetItem and BatchWriteItem through the SDK: both across tables,
//! projections and consistency per table, consumed capacity per table,
//! every limit and validation error with its message, and the 16 MB
//! response limit returning `UnprocessedKeys`.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, ConsumedCapacity, DeleteRequest, KeySchemaElement,
    KeyType, KeysAndAttributes, PutRequest, ReturnConsumedCapacity, ReturnItemCollectionMetrics, ScalarAttributeType,
    WriteRequest,
};
use aws_sdk_dynamodb::Client;

use crate::harness::Stack;

fn s(v: &str) -> Av {
    Av::S(v.into())
}
fn n(v: &str) -> Av {
    Av::N(v.into())
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

/// `Music` (Artist, SongTitle) and `Accounts` (id).
async fn tables(client: &Client) {
    create(client, "Music", "Artist", Some("SongTitle")).await;
    create(client, "Accounts", "id", None).await;
}

fn item(pairs: &[(&str, Av)]) -> HashMap<String, Av> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

fn song(artist: &str, title: &str) -> HashMap<String, Av> {
    item(&[("Artist", s(artist)), ("SongTitle", s(title))])
}

fn account(id: &str) -> HashMap<String, Av> {
    item(&[("id", s(id))])
}

fn put(i: HashMap<String, Av>) -> WriteRequest {
    WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(i)).build().unwrap()).build()
}

fn delete(k: HashMap<String, Av>) -> WriteRequest {
    WriteRequest::builder().delete_request(DeleteRequest::builder().set_key(Some(k)).build().unwrap()).build()
}

fn keys(k: Vec<HashMap<String, Av>>) -> aws_sdk_dynamodb::types::builders::KeysAndAttributesBuilder {
    KeysAndAttributes::builder().set_keys(Some(k))
}

/// Capacity per table, sorted by table name.
fn by_table(c: &[ConsumedCapacity]) -> Vec<(String, f64)> {
    let mut v: Vec<(String, f64)> = c
        .iter()
        .map(|c| (c.table_name().unwrap().to_owned(), c.capacity_units().unwrap()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

async fn get(c: &Client, table: &str, key: HashMap<String, Av>) -> Option<HashMap<String, Av>> {
    c.get_item().table_name(table).set_key(Some(key)).consistent_read(true).send().await.unwrap().item().cloned()
}

#[tokio::test]
async fn batch_write_and_get_across_tables() {
    let st = Stack::start().await;
    let c = st.client();
    tables(&c).await;

    let mut big = account("a2");
    big.insert("bio".into(), s(&"b".repeat(1500)));
    let out = c
        .batch_write_item()
        .request_items(
            "Music",
            vec![
                put(item(&[("Artist", s("A")), ("SongTitle", s("One")), ("Awards", n("1")), ("Genre", s("Rock"))])),
                put(item(&[("Artist", s("A")), ("SongTitle", s("Two")), ("Awards", n("2"))])),
                put(item(&[("Artist", s("B")), ("SongTitle", s("One")), ("Awards", n("3"))])),
            ],
        )
        .request_items("Accounts", vec![put(item(&[("id", s("a1")), ("balance", n("10"))])), put(big)])
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .return_item_collection_metrics(ReturnItemCollectionMetrics::Size)
        .send()
        .await
        .unwrap();
    assert!(out.unprocessed_items().unwrap().is_empty(), "UnprocessedItems is present and empty");
    // One unit per 1 KB item; the 1.5 KB item costs two.
    assert_eq!(by_table(out.consumed_capacity()), vec![("Accounts".into(), 3.0), ("Music".into(), 3.0)]);
    assert_eq!(get(&c, "Music", song("B", "One")).await.unwrap()["Awards"], n("3"));

    // Per-table projection, names and consistency; a missing key is left out.
    let out = c
        .batch_get_item()
        .request_items(
            "Music",
            keys(vec![song("A", "One"), song("A", "Two"), song("Z", "Missing")])
                .projection_expression("#t, Awards")
                .expression_attribute_names("#t", "SongTitle")
                .consistent_read(true)
                .build()
                .unwrap(),
        )
        .request_items("Accounts", keys(vec![account("a1"), account("a2")]).build().unwrap())
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    let responses = out.responses().unwrap();
    let mut music = responses["Music"].clone();
    music.sort_by_key(|i| i["SongTitle"].as_s().unwrap().clone());
    assert_eq!(
        music,
        vec![
            item(&[("SongTitle", s("One")), ("Awards", n("1"))]),
            item(&[("SongTitle", s("Two")), ("Awards", n("2"))]),
        ],
        "projection applies, keys are not added"
    );
    assert_eq!(responses["Accounts"].len(), 2);
    assert!(responses["Accounts"].iter().any(|i| i.get("bio").is_some()));
    assert!(out.unprocessed_keys().unwrap().is_empty());
    // Strongly consistent: 1 unit per item, a missing key costs one block;
    // eventually consistent: half a unit per small item.
    assert_eq!(by_table(out.consumed_capacity()), vec![("Accounts".into(), 1.0), ("Music".into(), 3.0)]);
    let music_cap = out.consumed_capacity().iter().find(|c| c.table_name() == Some("Music")).unwrap();
    // Only transactions split read and write units.
    assert_eq!(music_cap.read_capacity_units(), None);
    assert_eq!(music_cap.table().unwrap().capacity_units(), Some(3.0));
    assert_eq!(music_cap.table().unwrap().read_capacity_units(), None);

    // Legacy AttributesToGet, and a projection that selects nothing keeps
    // an empty entry for a present item.
    let out = c
        .batch_get_item()
        .request_items("Accounts", keys(vec![account("a1")]).attributes_to_get("balance").build().unwrap())
        .request_items("Music", keys(vec![song("A", "One")]).attributes_to_get("Nothing").build().unwrap())
        .send()
        .await
        .unwrap();
    let responses = out.responses().unwrap();
    assert_eq!(responses["Accounts"], vec![item(&[("balance", n("10"))])]);
    assert_eq!(responses["Music"], vec![HashMap::new()]);
    assert!(out.consumed_capacity().is_empty());

    // Puts and deletes together; a delete of a missing item is fine; the
    // same key in two tables is not a duplicate.
    let out = c
        .batch_write_item()
        .request_items(
            "Music",
            vec![
                delete(song("A", "One")),
                put(item(&[("Artist", s("A")), ("SongTitle", s("Two")), ("Awards", n("20"))])),
                delete(song("Q", "Nothing")),
            ],
        )
        .request_items("Accounts", vec![put(item(&[("id", s("A")), ("SongTitle", s("Two"))]))])
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    assert!(out.unprocessed_items().unwrap().is_empty());
    assert_eq!(by_table(out.consumed_capacity()), vec![("Accounts".into(), 1.0), ("Music".into(), 3.0)]);
    let music_cap = out.consumed_capacity().iter().find(|c| c.table_name() == Some("Music")).unwrap();
    assert_eq!(music_cap.write_capacity_units(), None);
    assert_eq!(music_cap.table().unwrap().capacity_units(), Some(3.0));
    assert!(get(&c, "Music", song("A", "One")).await.is_none());
    assert_eq!(get(&c, "Music", song("A", "Two")).await.unwrap()["Awards"], n("20"));
    assert!(get(&c, "Accounts", account("A")).await.is_some());
    st.stop().await;
}

#[tokio::test]
async fn batch_write_limits_and_errors() {
    let st = Stack::start().await;
    let c = st.client();
    tables(&c).await;
    let send = |items: HashMap<String, Vec<WriteRequest>>| c.batch_write_item().set_request_items(Some(items)).send();

    // 26 requests for one table: the member constraint, echoing the request.
    let many: Vec<WriteRequest> = (0..26).map(|i| put(account(&format!("k{i}")))).collect();
    let err = send(HashMap::from([("Accounts".to_owned(), many)])).await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    let msg = err.message().unwrap();
    assert!(
        msg.starts_with("1 validation error detected: Value '{Accounts=[WriteRequest(putRequest=PutRequest(item={id=AttributeValue(s=k0)}), deleteRequest=null), "),
        "{msg}"
    );
    assert!(
        msg.ends_with("}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"),
        "{msg}"
    );
    assert!(get(&c, "Accounts", account("k0")).await.is_none(), "nothing written");

    // 25 across two tables is the limit; 26 across two tables is refused.
    let ok = HashMap::from([
        ("Accounts".to_owned(), (0..13).map(|i| put(account(&format!("k{i}")))).collect::<Vec<_>>()),
        ("Music".to_owned(), (0..12).map(|i| put(song("X", &format!("t{i}")))).collect()),
    ]);
    send(ok).await.unwrap();
    assert!(get(&c, "Music", song("X", "t11")).await.is_some());
    let over = HashMap::from([
        ("Accounts".to_owned(), (0..13).map(|i| put(account(&format!("m{i}")))).collect::<Vec<_>>()),
        ("Music".to_owned(), (0..13).map(|i| put(song("Y", &format!("t{i}")))).collect()),
    ]);
    let err = send(over).await.unwrap_err();
    assert_eq!(err.message(), Some("Too many items requested for the BatchWriteItem call"));
    assert!(get(&c, "Accounts", account("m0")).await.is_none());

    // Empty map, empty list.
    let err = send(HashMap::new()).await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), Some("The requestItems parameter is required for BatchWriteItem"));
    let err = send(HashMap::from([("Accounts".to_owned(), vec![])])).await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value '{Accounts=[]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]")
    );

    // The same key twice (put and delete), and nothing of the batch written.
    let err = send(HashMap::from([(
        "Accounts".to_owned(),
        vec![put(account("fresh")), put(account("dup")), delete(account("dup"))],
    )]))
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), Some("Provided list of item keys contains duplicates"));
    assert!(get(&c, "Accounts", account("fresh")).await.is_none());
    // Same partition, other sort key: not a duplicate.
    send(HashMap::from([("Music".to_owned(), vec![put(song("D", "1")), put(song("D", "2"))])])).await.unwrap();

    // Keys: a put item without its key or with a mistyped one, a delete
    // with a wrong key, an empty key value, an oversized item.
    for bad in [put(item(&[("other", s("x"))])), put(item(&[("id", n("5"))])), delete(song("A", "B"))] {
        let err = send(HashMap::from([("Accounts".to_owned(), vec![put(account("kept-out")), bad])])).await.unwrap_err();
        assert_eq!(err.message(), Some("The provided key element does not match the schema"));
    }
    assert!(get(&c, "Accounts", account("kept-out")).await.is_none());
    let err = send(HashMap::from([("Accounts".to_owned(), vec![put(account(""))])])).await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id")
    );
    let mut huge = account("huge");
    huge.insert("p".into(), s(&"x".repeat(409_600)));
    let err = send(HashMap::from([("Accounts".to_owned(), vec![huge.clone()].into_iter().map(put).collect())]))
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("Item size has exceeded the maximum allowed size"));
    // ... also when its table does not exist: item size is checked first.
    let err = send(HashMap::from([("Nope".to_owned(), vec![put(huge)])])).await.unwrap_err();
    assert_eq!(err.message(), Some("Item size has exceeded the maximum allowed size"));

    // A table that does not exist fails the whole batch.
    let err = send(HashMap::from([
        ("Accounts".to_owned(), vec![put(account("lonely"))]),
        ("Nope".to_owned(), vec![put(account("x"))]),
    ]))
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert_eq!(err.message(), Some("Requested resource not found"));
    assert!(get(&c, "Accounts", account("lonely")).await.is_none());

    // Enum members come first, and alone over a bad table name.
    let err = c
        .batch_write_item()
        .request_items("bad!name", vec![put(account("x"))])
        .return_consumed_capacity(ReturnConsumedCapacity::from("BOGUS"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]")
    );
    let err = c
        .batch_write_item()
        .request_items("Accounts", vec![put(account("x"))])
        .return_consumed_capacity(ReturnConsumedCapacity::from("BOGUS"))
        .return_item_collection_metrics(ReturnItemCollectionMetrics::from("BOGUS2"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("2 validation errors detected: Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; Value 'BOGUS2' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]")
    );
    let err = send(HashMap::from([("bad!name".to_owned(), vec![put(account("x"))])])).await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value '{bad!name=[WriteRequest(putRequest=PutRequest(item={id=AttributeValue(s=x)}), deleteRequest=null)]}' at 'requestItems' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]")
    );
    st.stop().await;
}

#[tokio::test]
async fn batch_get_limits_and_errors() {
    let st = Stack::start().await;
    let c = st.client();
    tables(&c).await;
    c.put_item().table_name("Accounts").set_item(Some(account("k1"))).send().await.unwrap();
    let accounts = |count: usize, prefix: &str| (0..count).map(|i| account(&format!("{prefix}{i}"))).collect::<Vec<_>>();

    // One parameter family across the request's tables.
    let err = c
        .batch_get_item()
        .request_items("Accounts", keys(vec![account("k1")]).projection_expression("id").build().unwrap())
        .request_items("Music", keys(vec![song("a", "t")]).attributes_to_get("Artist").build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
    );

    let err = c.batch_get_item().request_items("Accounts", keys(accounts(101, "k")).build().unwrap()).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value at 'RequestItems.Accounts.member.Keys' failed to satisfy constraint: Member must have length less than or equal to 100")
    );
    let songs: Vec<_> = (0..41).map(|i| song("A", &i.to_string())).collect();
    let err = c
        .batch_get_item()
        .request_items("Accounts", keys(accounts(60, "k")).build().unwrap())
        .request_items("Music", keys(songs.clone()).build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("Too many items requested for the BatchGetItem call"));
    // Exactly 100 across two tables is fine.
    let out = c
        .batch_get_item()
        .request_items("Accounts", keys(accounts(59, "k")).build().unwrap())
        .request_items("Music", keys(songs).build().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(out.responses().unwrap()["Accounts"], vec![account("k1")]);
    assert!(out.responses().unwrap()["Music"].is_empty(), "a table with no items found still has a list");

    let err = c
        .batch_get_item()
        .request_items("Accounts", keys(vec![account("k1"), account("k2"), account("k1")]).build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("Provided list of item keys contains duplicates"));
    // Repeated as written: refused before the (missing) table is looked up.
    let err = c
        .batch_get_item()
        .request_items("NoSuchTable", keys(vec![account("k1"), account("k1")]).build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("Provided list of item keys contains duplicates"));
    for bad in [song("A", "B"), item(&[("id", n("1"))]), HashMap::new()] {
        let err = c.batch_get_item().request_items("Accounts", keys(vec![bad]).build().unwrap()).send().await.unwrap_err();
        assert_eq!(err.message(), Some("The provided key element does not match the schema"));
    }
    let err = c
        .batch_get_item()
        .request_items("Accounts", keys(vec![account("k1")]).build().unwrap())
        .request_items("Nope", keys(vec![account("k1")]).build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert_eq!(err.message(), Some("Requested resource not found"));

    let err = c.batch_get_item().set_request_items(Some(HashMap::new())).send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value at 'RequestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
    );
    let err = c.batch_get_item().request_items("Accounts", keys(vec![]).build().unwrap()).send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value at 'RequestItems.Accounts.member.Keys' failed to satisfy constraint: Member must have length greater than or equal to 1")
    );
    let err = c
        .batch_get_item()
        .request_items("bad!name", keys(vec![item(&[("pk", s("a"))])]).build().unwrap())
        .return_consumed_capacity(ReturnConsumedCapacity::from("BOGUS"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("2 validation errors detected: Value '{\"bad!name\":{\"Keys\":[{\"pk\":{\"S\":\"a\"}}]}}' at 'requestItems' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]; Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]")
    );

    // Expressions are checked per table.
    let err = c
        .batch_get_item()
        .request_items(
            "Accounts",
            keys(vec![account("k1")]).attributes_to_get("id").projection_expression("id").build().unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
    );
    // Names next to AttributesToGet, worded as GetItem words it.
    let err = c
        .batch_get_item()
        .request_items("Accounts", keys(vec![account("k1")]).attributes_to_get("id").expression_attribute_names("#p", "id").build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("ExpressionAttributeNames can only be specified when using expressions"));
    let err = c
        .batch_get_item()
        .request_items(
            "Accounts",
            keys(vec![account("k1")])
                .projection_expression("#p")
                .expression_attribute_names("#p", "id")
                .expression_attribute_names("#u", "unused")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("Value provided in ExpressionAttributeNames unused in expressions: keys: {#u}"));
    let err = c
        .batch_get_item()
        .request_items("Accounts", keys(vec![account("k1")]).projection_expression("a, a").build().unwrap())
        .request_items("Music", keys(vec![song("A", "B")]).projection_expression("a").build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]")
    );
    st.stop().await;
}

#[tokio::test]
async fn batch_get_returns_unprocessed_keys_past_16_mb() {
    let st = Stack::start().await;
    let c = st.client();
    tables(&c).await;
    // 42 items of 409,014 bytes: 41 fit in 16 MB (16,769,574 bytes), the
    // 42nd does not.
    let payload = "x".repeat(409_000);
    let ids: Vec<String> = (10..52).map(|i| format!("big{i}")).collect();
    for chunk in ids.chunks(14) {
        let reqs = chunk.iter().map(|id| put(item(&[("id", s(id)), ("payload", s(&payload))]))).collect();
        c.batch_write_item().request_items("Accounts", reqs).send().await.unwrap();
    }
    let all: Vec<_> = ids.iter().map(|id| account(id)).collect();
    let out = c
        .batch_get_item()
        .request_items("Accounts", keys(all).consistent_read(true).projection_expression("id, payload").build().unwrap())
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let got = &out.responses().unwrap()["Accounts"];
    assert_eq!(got.len(), 41);
    let rest = &out.unprocessed_keys().unwrap()["Accounts"];
    assert_eq!(rest.keys().len(), 1);
    assert_eq!(rest.consistent_read(), Some(true), "the table's settings come back with its keys");
    assert_eq!(rest.projection_expression(), Some("id, payload"));
    // Only what was read is charged: 41 items of 100 blocks, strongly consistent.
    assert_eq!(by_table(out.consumed_capacity()), vec![("Accounts".into(), 4100.0)]);

    // Sending UnprocessedKeys back returns the rest.
    let again = c
        .batch_get_item()
        .set_request_items(out.unprocessed_keys().cloned())
        .send()
        .await
        .unwrap();
    assert!(again.unprocessed_keys().unwrap().is_empty());
    let mut seen: Vec<String> = got
        .iter()
        .chain(&again.responses().unwrap()["Accounts"])
        .map(|i| {
            assert_eq!(i["payload"].as_s().unwrap().len(), 409_000);
            i["id"].as_s().unwrap().clone()
        })
        .collect();
    seen.sort();
    assert_eq!(seen, ids);
    st.stop().await;
}
