//! The 400 KB item limit of a table with local secondary indexes covers
//! the item and its LSI entries together (Developer Guide, Constraints,
//! "Item size for tables with Local Secondary Indexes"), for PutItem,
//! UpdateItem, BatchWriteItem and TransactWriteItems, at the byte.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, KeySchemaElement, KeyType, LocalSecondaryIndex, Projection,
    ProjectionType, Put, PutRequest, ScalarAttributeType, TransactWriteItem, Update, WriteRequest,
};
use aws_sdk_dynamodb::Client;

use crate::harness::Stack;

const TOO_LARGE: &str = "Item size has exceeded the maximum allowed size";
const UPDATE_TOO_LARGE: &str = "Item size to update has exceeded the maximum allowed size";

/// `Big` (pk, sk) with two LSIs on `alt`: `All` projects everything,
/// `Keys` only the keys.
async fn big_table(c: &Client) {
    let def = |n: &str| AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build().unwrap();
    let key = |n: &str, t: KeyType| KeySchemaElement::builder().attribute_name(n).key_type(t).build().unwrap();
    let lsi = |name: &str, p: ProjectionType| {
        LocalSecondaryIndex::builder()
            .index_name(name)
            .key_schema(key("pk", KeyType::Hash))
            .key_schema(key("alt", KeyType::Range))
            .projection(Projection::builder().projection_type(p).build())
            .build()
            .unwrap()
    };
    c.create_table()
        .table_name("Big")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(def("pk"))
        .attribute_definitions(def("sk"))
        .attribute_definitions(def("alt"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .local_secondary_indexes(lsi("All", ProjectionType::All))
        .local_secondary_indexes(lsi("Keys", ProjectionType::KeysOnly))
        .send()
        .await
        .unwrap();
}

fn s(v: &str) -> Av {
    Av::S(v.into())
}

/// An item whose `data` holds `n` bytes: pk, sk (one character), alt
/// take 10 bytes, data 4 + n. With both LSIs it counts twice plus its keys' entry (10 bytes):
/// 38 + 2n, which is 409,600 for n = [`AT_LIMIT`].
fn item(sk: &str, n: usize) -> HashMap<String, Av> {
    [("pk", s("p")), ("sk", s(sk)), ("alt", s("a")), ("data", s(&"d".repeat(n)))]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

const AT_LIMIT: usize = 204_781;

#[tokio::test]
async fn local_index_entries_count_toward_the_item_limit() {
    let st = Stack::start().await;
    let c = st.client();
    big_table(&c).await;
    let validation = |e: &dyn ProvideErrorMetadata| (e.code().map(str::to_owned), e.message().map(str::to_owned));
    let refused = |msg: &str| (Some("ValidationException".to_owned()), Some(msg.to_owned()));

    // PutItem.
    c.put_item().table_name("Big").set_item(Some(item("1", AT_LIMIT))).send().await.unwrap();
    let err = c.put_item().table_name("Big").set_item(Some(item("1", AT_LIMIT + 1))).send().await.unwrap_err();
    assert_eq!(validation(&err), refused(TOO_LARGE));
    // The same item without the LSI key is in no LSI: its own 400 KB only.
    let mut sparse = item("s", 409_600 - 10);
    sparse.remove("alt");
    c.put_item().table_name("Big").set_item(Some(sparse)).send().await.unwrap();

    // UpdateItem: the item it would make.
    let update = |n: usize| {
        c.update_item()
            .table_name("Big")
            .key("pk", s("p"))
            .key("sk", s("1"))
            .update_expression("SET #d = :d")
            .expression_attribute_names("#d", "data")
            .expression_attribute_values(":d", s(&"d".repeat(n)))
    };
    let err = update(AT_LIMIT + 1).send().await.unwrap_err();
    assert_eq!(validation(&err), refused(UPDATE_TOO_LARGE));
    update(AT_LIMIT - 5).send().await.unwrap();
    update(AT_LIMIT).send().await.unwrap();

    // BatchWriteItem.
    let batch = |n: usize| {
        c.batch_write_item().request_items(
            "Big",
            vec![WriteRequest::builder()
                .put_request(PutRequest::builder().set_item(Some(item("2", n))).build().unwrap())
                .build()],
        )
    };
    let err = batch(AT_LIMIT + 1).send().await.unwrap_err();
    assert_eq!(validation(&err), refused(TOO_LARGE));
    batch(AT_LIMIT).send().await.unwrap();

    // TransactWriteItems: a Put is refused outright, an Update cancels.
    let tx_put = |n: usize| {
        c.transact_write_items().transact_items(
            TransactWriteItem::builder()
                .put(Put::builder().table_name("Big").set_item(Some(item("3", n))).build().unwrap())
                .build(),
        )
    };
    let err = tx_put(AT_LIMIT + 1).send().await.unwrap_err();
    assert_eq!(validation(&err), refused(TOO_LARGE));
    tx_put(AT_LIMIT).send().await.unwrap();
    let tx_update = |n: usize| {
        c.transact_write_items().transact_items(
            TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name("Big")
                        .key("pk", s("p"))
                        .key("sk", s("3"))
                        .update_expression("SET #d = :d")
                        .expression_attribute_names("#d", "data")
                        .expression_attribute_values(":d", s(&"d".repeat(n)))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
    };
    match tx_update(AT_LIMIT + 1).send().await.unwrap_err().into_service_error() {
        TransactWriteItemsError::TransactionCanceledException(e) => {
            let r = e.cancellation_reasons();
            assert_eq!(r.len(), 1);
            assert_eq!((r[0].code(), r[0].message()), (Some("ValidationError"), Some(UPDATE_TOO_LARGE)));
        }
        other => panic!("expected a cancellation, got {other:?}"),
    }
    tx_update(AT_LIMIT).send().await.unwrap();

    // What was accepted is there, at the limit.
    let n = c.scan().table_name("Big").send().await.unwrap().count();
    assert_eq!(n, 4, "put, sparse, batch, tx");
    st.stop().await;
}
