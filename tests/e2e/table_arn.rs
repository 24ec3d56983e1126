//! A table's ARN wherever a table name goes: every item operation, both
//! batches (answers keyed by the ARN sent), both transactions and the table
//! operations; other accounts' and regions' ARNs are refused.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeValue as Av, Get, KeysAndAttributes, PutRequest, TransactGetItem, TransactWriteItem, Update, WriteRequest,
};

use crate::harness::Stack;

fn key(pk: &str) -> HashMap<String, Av> {
    HashMap::from([("pk".to_owned(), Av::S(pk.into()))])
}

#[tokio::test]
async fn table_arns_work_where_table_names_go() {
    let st = Stack::start().await;
    let c = st.client();
    crate::harness::create_pk_table(&c, "Tbl").await;
    let described = c.describe_table().table_name("Tbl").send().await.unwrap();
    let arn = described.table().unwrap().table_arn().unwrap().to_owned();
    assert!(arn.starts_with("arn:aws:dynamodb:us-east-1:") && arn.ends_with(":table/Tbl"), "{arn}");

    // Table operations.
    let by_arn = c.describe_table().table_name(&arn).send().await.unwrap();
    assert_eq!(by_arn.table().unwrap().table_name(), Some("Tbl"));
    c.describe_time_to_live().table_name(&arn).send().await.unwrap();

    // Single-item operations, Query and Scan.
    c.put_item().table_name(&arn).item("pk", Av::S("a".into())).item("v", Av::N("1".into())).send().await.unwrap();
    c.update_item()
        .table_name(&arn)
        .set_key(Some(key("a")))
        .update_expression("SET v = v + :one")
        .expression_attribute_values(":one", Av::N("1".into()))
        .send()
        .await
        .unwrap();
    let got = c.get_item().table_name(&arn).set_key(Some(key("a"))).send().await.unwrap();
    assert_eq!(got.item().unwrap()["v"], Av::N("2".into()));
    let q = c
        .query()
        .table_name(&arn)
        .key_condition_expression("pk = :a")
        .expression_attribute_values(":a", Av::S("a".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(q.count(), 1);
    assert_eq!(c.scan().table_name(&arn).send().await.unwrap().count(), 1);

    // Transactions.
    c.transact_write_items()
        .transact_items(
            TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name(&arn)
                        .set_key(Some(key("b")))
                        .update_expression("SET x = :x")
                        .expression_attribute_values(":x", Av::S("123".into()))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let tg = c
        .transact_get_items()
        .transact_items(TransactGetItem::builder().get(Get::builder().table_name(&arn).set_key(Some(key("b"))).build().unwrap()).build())
        .send()
        .await
        .unwrap();
    assert_eq!(tg.responses()[0].item().unwrap()["x"], Av::S("123".into()));

    // Batches: the answer is keyed by what was sent.
    c.batch_write_item()
        .request_items(
            &arn,
            vec![WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(key("c"))).build().unwrap()).build()],
        )
        .send()
        .await
        .unwrap();
    let bg = c
        .batch_get_item()
        .request_items(&arn, KeysAndAttributes::builder().keys(key("b")).keys(key("c")).build().unwrap())
        .send()
        .await
        .unwrap();
    let responses = bg.responses().unwrap();
    assert_eq!(responses.keys().collect::<Vec<_>>(), [&arn]);
    assert_eq!(responses[&arn].len(), 2);
    assert_eq!(c.scan().table_name("Tbl").send().await.unwrap().count(), 3);

    // Another account's table is denied; another region's is not here.
    let account = arn.split(':').nth(4).unwrap();
    let other_account = arn.replace(account, "000000000000");
    let e = c.get_item().table_name(&other_account).set_key(Some(key("a"))).send().await.unwrap_err();
    assert_eq!(e.code(), Some("AccessDeniedException"));
    assert!(
        e.message().unwrap().ends_with(&format!(
            "is not authorized to perform: dynamodb:GetItem on resource: {other_account} because no resource-based policy allows the dynamodb:GetItem action"
        )),
        "{:?}",
        e.message()
    );
    let other_region = arn.replace("us-east-1", "eu-west-1");
    let e = c.get_item().table_name(&other_region).set_key(Some(key("a"))).send().await.unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
    // An index ARN is not a table name.
    let e = c.get_item().table_name(format!("{arn}/index/i")).set_key(Some(key("a"))).send().await.unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));

    // DeleteTable by ARN.
    c.delete_table().table_name(&arn).send().await.unwrap();
    let e = c.describe_table().table_name("Tbl").send().await.unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
    st.stop().await;
}
