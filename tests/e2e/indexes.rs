//! Secondary indexes through the SDK: GSI and LSI queries, projections,
//! sparse indexes, entries following item changes, index-key validation.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ScalarAttributeType, Select,
};
use aws_sdk_dynamodb::Client;

use crate::harness::Stack;

fn def(name: &str, ty: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder().attribute_name(name).attribute_type(ty).build().unwrap()
}
fn ks(name: &str, ty: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(ty).build().unwrap()
}

async fn orders(c: &Client) {
    c.create_table()
        .table_name("Orders")
        .attribute_definitions(def("customer", ScalarAttributeType::S))
        .attribute_definitions(def("order", ScalarAttributeType::S))
        .attribute_definitions(def("status", ScalarAttributeType::S))
        .attribute_definitions(def("total", ScalarAttributeType::N))
        .key_schema(ks("customer", KeyType::Hash))
        .key_schema(ks("order", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("ByStatus")
                .key_schema(ks("status", KeyType::Hash))
                .key_schema(ks("total", KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::KeysOnly).build())
                .build()
                .unwrap(),
        )
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name("ByTotal")
                .key_schema(ks("customer", KeyType::Hash))
                .key_schema(ks("total", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::Include)
                        .non_key_attributes("note")
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

/// A table created with a GSI answers CREATING for the index as for the
/// table (nothing to backfill), and both are ACTIVE by the next call.
#[tokio::test]
async fn indexes_created_with_their_table_start_creating() {
    let s = Stack::start().await;
    let c = s.client();
    c.create_table()
        .table_name("Fresh")
        .attribute_definitions(def("id", ScalarAttributeType::S))
        .attribute_definitions(def("kind", ScalarAttributeType::S))
        .key_schema(ks("id", KeyType::Hash))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("ByKind")
                .key_schema(ks("kind", KeyType::Hash))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .map(|out| {
            let t = out.table_description().unwrap();
            assert_eq!(t.table_status(), Some(&aws_sdk_dynamodb::types::TableStatus::Creating));
            let gsi = &t.global_secondary_indexes()[0];
            assert_eq!(gsi.index_status(), Some(&aws_sdk_dynamodb::types::IndexStatus::Creating));
            assert_eq!(gsi.backfilling(), None);
        })
        .unwrap();
    let t = c.describe_table().table_name("Fresh").send().await.unwrap();
    let gsi = &t.table().unwrap().global_secondary_indexes()[0];
    assert_eq!(gsi.index_status(), Some(&aws_sdk_dynamodb::types::IndexStatus::Active));
    s.stop().await;
}

/// A starting key is checked as DynamoDB checks it (dynalite's scan.js
/// and query.js, recorded against DynamoDB): its number of attributes,
/// then the index's key attributes (a Query: the partition key's, before
/// its key conditions), then the table's (a Query says only that the key
/// is invalid).
#[tokio::test]
async fn starting_keys_are_checked_in_dynamodb_order() {
    let s = Stack::start().await;
    let c = s.client();
    orders(&c).await;
    let key = |pairs: &[(&str, Av)]| pairs.iter().cloned().map(|(k, v)| (k.to_owned(), v)).collect::<HashMap<_, _>>();
    let (sv, nv) = (|x: &str| Av::S(x.into()), |x: &str| Av::N(x.into()));
    let scan = |esk: HashMap<String, Av>| c.scan().table_name("Orders").index_name("ByStatus").set_exclusive_start_key(Some(esk)).send();
    let err = scan(key(&[("status", sv("a")), ("total", nv("1"))])).await.unwrap_err();
    assert_eq!(err.message(), Some("The provided starting key is invalid"));
    let err = scan(key(&[("status", nv("1")), ("total", nv("1")), ("customer", sv("a")), ("order", sv("b"))])).await.unwrap_err();
    assert_eq!(err.message(), Some("The provided key element does not match the schema"));
    let err = scan(key(&[("status", sv("a")), ("total", nv("1")), ("customer", nv("1")), ("order", sv("b"))])).await.unwrap_err();
    assert_eq!(err.message(), Some("The provided starting key is invalid: The provided key element does not match the schema"));
    let query = |kc: &str, esk: HashMap<String, Av>| {
        c.query()
            .table_name("Orders")
            .key_condition_expression(kc)
            .expression_attribute_values(":c", Av::S("a".into()))
            .set_exclusive_start_key(Some(esk))
            .send()
    };
    let err = query("customer = :c", key(&[("order", sv("b"))])).await.unwrap_err();
    assert_eq!(err.message(), Some("The provided starting key is invalid"));
    // A table key attribute that does not fit: the bare answer, whatever
    // the shape (nubo-db's dynoxide 3.0.0, four regions, 2026-10-09).
    let err = query("nope = :c", key(&[("customer", nv("1")), ("order", sv("b"))])).await.unwrap_err();
    assert_eq!(err.message(), Some("The provided starting key is invalid"));
    let err = query("customer = :c", key(&[("customer", sv("a")), ("other", sv("b"))])).await.unwrap_err();
    assert_eq!(err.message(), Some("The provided starting key is invalid"));
    let err = query("customer = :c", key(&[("customer", sv("a")), ("order", nv("1"))])).await.unwrap_err();
    assert_eq!(err.message(), Some("The provided starting key is invalid"));
    let err = query("nope = :c", key(&[("customer", sv("a")), ("order", sv("b"))])).await.unwrap_err();
    assert_eq!(err.message(), Some("Query condition missed key schema element: customer"));
    s.stop().await;
}

async fn put(c: &Client, customer: &str, order: &str, status: Option<&str>, total: i64) {
    let mut req = c
        .put_item()
        .table_name("Orders")
        .item("customer", Av::S(customer.into()))
        .item("order", Av::S(order.into()))
        .item("total", Av::N(total.to_string()))
        .item("note", Av::S(format!("note {order}")))
        .item("secret", Av::S("x".into()));
    if let Some(s) = status {
        req = req.item("status", Av::S(s.into()));
    }
    req.send().await.unwrap();
}

fn strs(items: &[HashMap<String, Av>], attr: &str) -> Vec<String> {
    items.iter().map(|i| i[attr].as_s().unwrap().clone()).collect()
}

#[tokio::test]
async fn gsi_follows_items_and_projects_keys() {
    let s = Stack::start().await;
    let c = s.client();
    orders(&c).await;
    put(&c, "alice", "o1", Some("OPEN"), 30).await;
    put(&c, "alice", "o2", Some("OPEN"), 10).await;
    put(&c, "bob", "o3", Some("SHIPPED"), 20).await;
    put(&c, "bob", "o4", None, 5).await; // sparse: not in ByStatus

    let q = |status: &str| {
        c.query()
            .table_name("Orders")
            .index_name("ByStatus")
            .key_condition_expression("#s = :s")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":s", Av::S(status.into()))
    };
    let out = q("OPEN").send().await.unwrap();
    assert_eq!(strs(out.items(), "order"), ["o2", "o1"], "ordered by total");
    let first = &out.items()[0];
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["customer", "order", "status", "total"], "KEYS_ONLY projection");

    // Moving an item between index partitions moves its entry.
    c.update_item()
        .table_name("Orders")
        .key("customer", Av::S("alice".into()))
        .key("order", Av::S("o1".into()))
        .update_expression("SET #s = :s")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":s", Av::S("SHIPPED".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(strs(q("OPEN").send().await.unwrap().items(), "order"), ["o2"]);
    assert_eq!(strs(q("SHIPPED").send().await.unwrap().items(), "order"), ["o3", "o1"]);
    c.delete_item()
        .table_name("Orders")
        .key("customer", Av::S("bob".into()))
        .key("order", Av::S("o3".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(strs(q("SHIPPED").send().await.unwrap().items(), "order"), ["o1"]);

    let scanned = c.scan().table_name("Orders").index_name("ByStatus").send().await.unwrap();
    assert_eq!(scanned.count(), 2, "sparse index holds only items with status");

    // A query filters only on what the index projects (the table's keys
    // count); a scan of the index is not refused.
    let on_keys = q("SHIPPED").filter_expression("customer = :a").expression_attribute_values(":a", Av::S("alice".into()));
    assert_eq!(strs(on_keys.send().await.unwrap().items(), "order"), ["o1"]);
    let err = q("SHIPPED")
        .filter_expression("note = :a")
        .expression_attribute_values(":a", Av::S("alice".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("One or more parameter values were invalid: Secondary index ByStatus does not project one or more filter attributes: [note]")
    );
    // Nor does a global index answer with what it does not project.
    let err = q("SHIPPED").projection_expression("note, #s, secret.x, secret.y").send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("One or more parameter values were invalid: Global secondary index ByStatus does not project [note, secret]")
    );
    let err = c.scan().table_name("Orders").index_name("ByStatus").projection_expression("customer, secret").send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("One or more parameter values were invalid: Global secondary index ByStatus does not project [secret]")
    );
    let keys = q("SHIPPED").projection_expression("customer, #s").send().await.unwrap();
    assert_eq!(keys.items()[0].len(), 2);
    let scan = c
        .scan()
        .table_name("Orders")
        .index_name("ByStatus")
        .filter_expression("note = :a")
        .expression_attribute_values(":a", Av::S("alice".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(scan.count(), 0);

    let err = q("OPEN").consistent_read(true).send().await.unwrap_err();
    assert_eq!(err.message(), Some("Consistent reads are not supported on global secondary indexes"));
    let err = q("OPEN").select(Select::AllAttributes).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    let err = c
        .query()
        .table_name("Orders")
        .index_name("Nope")
        .key_condition_expression("customer = :c")
        .expression_attribute_values(":c", Av::S("a".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("The table does not have the specified index: Nope"));

    let err = c
        .put_item()
        .table_name("Orders")
        .item("customer", Av::S("z".into()))
        .item("order", Av::S("z".into()))
        .item("status", Av::N("1".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("One or more parameter values were invalid: Type mismatch for Index Key status Expected: S Actual: N IndexName: ByStatus")
    );
    s.stop().await;
}

#[tokio::test]
async fn lsi_queries_in_index_order() {
    let s = Stack::start().await;
    let c = s.client();
    orders(&c).await;
    for (o, t) in [("o1", 30), ("o2", 10), ("o3", 20)] {
        put(&c, "carol", o, Some("OPEN"), t).await;
    }
    let q = || {
        c.query()
            .table_name("Orders")
            .index_name("ByTotal")
            .key_condition_expression("customer = :c AND #t >= :min")
            .expression_attribute_names("#t", "total")
            .expression_attribute_values(":c", Av::S("carol".into()))
            .expression_attribute_values(":min", Av::N("15".into()))
    };
    let out = q().send().await.unwrap();
    assert_eq!(strs(out.items(), "order"), ["o3", "o1"]);
    assert!(out.items()[0].contains_key("note"), "INCLUDE projects note");
    assert!(!out.items()[0].contains_key("secret"));
    let full = q().select(Select::AllAttributes).consistent_read(true).send().await.unwrap();
    assert!(full.items()[0].contains_key("secret"), "ALL_ATTRIBUTES on an LSI fetches the item");

    let page = q().limit(1).send().await.unwrap();
    let lek = page.last_evaluated_key().unwrap().clone();
    let mut names: Vec<&str> = lek.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["customer", "order", "total"]);
    let next = q().limit(1).set_exclusive_start_key(Some(lek)).send().await.unwrap();
    assert_eq!(strs(next.items(), "order"), ["o1"]);

    // Attributes the LSI does not project are fetched from the table when
    // the projection reads them; a filter may read only what it projects.
    let specific = q().projection_expression("secret, note").send().await.unwrap();
    assert_eq!(strs(specific.items(), "secret"), ["x", "x"]);
    assert_eq!(strs(specific.items(), "note"), ["note o3", "note o1"]);
    let filtered = q()
        .filter_expression("note <> :s AND (secret = :s OR zeta = :s OR secret = :s)")
        .expression_attribute_values(":s", Av::S("x".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        filtered.message(),
        Some("One or more parameter values were invalid: Secondary index ByTotal does not project one or more filter attributes: [secret, zeta]")
    );
    let included = q()
        .filter_expression("note = :n")
        .expression_attribute_values(":n", Av::S("note o1".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(strs(included.items(), "order"), ["o1"]);
    s.stop().await;
}

#[tokio::test]
async fn gsi_created_online_is_backfilled_then_deleted() {
    use aws_sdk_dynamodb::types::{DeleteGlobalSecondaryIndexAction, GlobalSecondaryIndexUpdate, IndexStatus};
    let s = Stack::start().await;
    let c = s.client();
    orders(&c).await;
    for i in 0..30 {
        put(&c, &format!("cust{}", i % 3), &format!("o{i}"), Some("OPEN"), i).await;
    }
    let out = create_gsi(&c, "Orders", "ByOrder", "order", &["customer", "order"]).await;
    let gsi = out.table_description().unwrap().global_secondary_indexes();
    let created = gsi.iter().find(|g| g.index_name() == Some("ByOrder")).unwrap();
    assert_eq!(created.index_status(), Some(&IndexStatus::Creating));
    assert_eq!(created.backfilling(), Some(true));

    // Written while backfilling: must be in the index too.
    put(&c, "late", "o-late", None, 99).await;

    wait_active(&c, "Orders", "ByOrder").await;
    let scanned = c.scan().table_name("Orders").index_name("ByOrder").send().await.unwrap();
    assert_eq!(scanned.count(), 31, "every item, old and new, is in the new index");
    let one = c
        .query()
        .table_name("Orders")
        .index_name("ByOrder")
        .key_condition_expression("#o = :o")
        .expression_attribute_names("#o", "order")
        .expression_attribute_values(":o", Av::S("o7".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(strs(one.items(), "customer"), ["cust1"]);

    let err = c
        .update_table()
        .table_name("Orders")
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder()
                .delete(DeleteGlobalSecondaryIndexAction::builder().index_name("Nope").build().unwrap())
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let out = c
        .update_table()
        .table_name("Orders")
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder()
                .delete(DeleteGlobalSecondaryIndexAction::builder().index_name("ByOrder").build().unwrap())
                .build(),
        )
        .send()
        .await
        .unwrap();
    // Answered UPDATING with the index DELETING; then it is gone.
    let d = out.table_description().unwrap();
    assert_eq!(d.table_status(), Some(&aws_sdk_dynamodb::types::TableStatus::Updating));
    let going = d.global_secondary_indexes().iter().find(|g| g.index_name() == Some("ByOrder")).unwrap();
    assert_eq!(going.index_status(), Some(&IndexStatus::Deleting));
    let t = c.describe_table().table_name("Orders").send().await.unwrap();
    assert!(t.table().unwrap().global_secondary_indexes().iter().all(|g| g.index_name() != Some("ByOrder")));
    let err = c.scan().table_name("Orders").index_name("ByOrder").send().await.unwrap_err();
    assert_eq!(err.message(), Some("The table does not have the specified index: ByOrder"));
    s.stop().await;
}

#[tokio::test]
async fn describe_table_counts_items_and_sizes_of_table_and_indexes() {
    let s = Stack::start().await;
    let c = s.client();
    orders(&c).await;
    let usage = |c: Client| async move {
        let t = c.describe_table().table_name("Orders").send().await.unwrap().table.unwrap();
        let gsi = &t.global_secondary_indexes()[0];
        let lsi = &t.local_secondary_indexes()[0];
        (
            t.item_count.unwrap(),
            t.table_size_bytes.unwrap(),
            gsi.item_count.unwrap(),
            lsi.item_count.unwrap(),
            gsi.index_size_bytes.unwrap(),
        )
    };
    assert_eq!(usage(c.clone()).await, (0, 0, 0, 0, 0));
    put(&c, "alice", "o1", Some("OPEN"), 30).await;
    put(&c, "alice", "o2", Some("OPEN"), 10).await;
    put(&c, "bob", "o3", None, 5).await; // sparse: not in ByStatus
    let (items, bytes, gsi_items, lsi_items, gsi_bytes) = usage(c.clone()).await;
    assert_eq!((items, gsi_items, lsi_items), (3, 2, 3));
    assert!(bytes > 3 * 40, "table bytes {bytes}");
    assert!(gsi_bytes > 0 && gsi_bytes < bytes, "KEYS_ONLY entries are smaller than items: {gsi_bytes} vs {bytes}");
    // Overwriting is not a new item; deleting is one less.
    put(&c, "alice", "o1", None, 30).await;
    c.delete_item()
        .table_name("Orders")
        .key("customer", Av::S("bob".into()))
        .key("order", Av::S("o3".into()))
        .send()
        .await
        .unwrap();
    let (items, _, gsi_items, lsi_items, _) = usage(c.clone()).await;
    assert_eq!((items, gsi_items, lsi_items), (2, 1, 2));
    s.stop().await;
}

/// Many writers at once (their groups overlap on the way to the disk):
/// the table's and indexes' counts and sizes are exactly what the same
/// items written one by one give.
#[tokio::test]
async fn concurrent_writers_keep_counts_and_sizes_exact() {
    let s = Stack::start().await;
    let c = s.client();
    orders(&c).await;
    let usage = |c: Client| async move {
        let t = c.describe_table().table_name("Orders").send().await.unwrap().table.unwrap();
        let (gsi, lsi) = (&t.global_secondary_indexes()[0], &t.local_secondary_indexes()[0]);
        (
            t.item_count.unwrap(),
            t.table_size_bytes.unwrap(),
            gsi.item_count.unwrap(),
            gsi.index_size_bytes.unwrap(),
            lsi.item_count.unwrap(),
            lsi.index_size_bytes.unwrap(),
        )
    };
    let status = |i: i64| (i % 2 == 0).then_some("OPEN");
    let delete = |c: Client, t: i64, i: i64| async move {
        c.delete_item()
            .table_name("Orders")
            .key("customer", Av::S(format!("c{t}")))
            .key("order", Av::S(format!("o{i}")))
            .send()
            .await
            .unwrap();
    };
    let writers: Vec<_> = (0..32i64)
        .map(|t| {
            let c = c.clone();
            tokio::spawn(async move {
                for i in 0..30 {
                    put(&c, &format!("c{t}"), &format!("o{i}"), status(i), t * 100 + i).await;
                }
                for i in 0..5 {
                    delete(c.clone(), t, i).await;
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let concurrent = usage(c.clone()).await;
    let (items, _, gsi_items, _, lsi_items, _) = concurrent;
    assert_eq!((items, gsi_items, lsi_items), (800, 32 * 12, 800));
    for t in 0..32 {
        for i in 5..30 {
            delete(c.clone(), t, i).await;
        }
    }
    assert_eq!(usage(c.clone()).await, (0, 0, 0, 0, 0, 0));
    for t in 0..32 {
        for i in 5..30 {
            put(&c, &format!("c{t}"), &format!("o{i}"), status(i), t * 100 + i).await;
        }
    }
    assert_eq!(usage(c.clone()).await, concurrent, "written one by one");
    s.stop().await;
}

#[tokio::test]
async fn consumed_capacity_lists_each_index() {
    use aws_sdk_dynamodb::types::ReturnConsumedCapacity as Rcc;
    let s = Stack::start().await;
    let c = s.client();
    orders(&c).await;
    let out = c
        .put_item()
        .table_name("Orders")
        .item("customer", Av::S("alice".into()))
        .item("order", Av::S("o1".into()))
        .item("status", Av::S("OPEN".into()))
        .item("total", Av::N("3".into()))
        .return_consumed_capacity(Rcc::Indexes)
        .send()
        .await
        .unwrap();
    let cc = out.consumed_capacity.unwrap();
    assert_eq!(cc.table.as_ref().and_then(|t| t.capacity_units), Some(1.0));
    assert_eq!(cc.global_secondary_indexes().unwrap()["ByStatus"].capacity_units, Some(1.0));
    assert_eq!(cc.local_secondary_indexes().unwrap()["ByTotal"].capacity_units, Some(1.0));
    assert_eq!(cc.capacity_units, Some(3.0), "the table and both indexes");
    // Moving the item to another index partition is a delete and a put.
    let out = c
        .update_item()
        .table_name("Orders")
        .key("customer", Av::S("alice".into()))
        .key("order", Av::S("o1".into()))
        .update_expression("SET #s = :s")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":s", Av::S("SHIPPED".into()))
        .return_consumed_capacity(Rcc::Total)
        .send()
        .await
        .unwrap();
    assert_eq!(out.consumed_capacity.unwrap().capacity_units, Some(3.0), "table 1 + GSI 2, LSI untouched");
    let out = c
        .query()
        .table_name("Orders")
        .index_name("ByStatus")
        .key_condition_expression("#s = :s")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":s", Av::S("SHIPPED".into()))
        .return_consumed_capacity(Rcc::Indexes)
        .send()
        .await
        .unwrap();
    let cc = out.consumed_capacity.unwrap();
    assert_eq!(cc.table.as_ref().and_then(|t| t.capacity_units), Some(0.0));
    assert_eq!(cc.global_secondary_indexes().unwrap()["ByStatus"].capacity_units, Some(0.5));
    assert_eq!(cc.capacity_units, Some(0.5));
    s.stop().await;
}

#[tokio::test]
async fn item_collection_metrics_for_tables_with_local_indexes() {
    use aws_sdk_dynamodb::types::ReturnItemCollectionMetrics as Ricm;
    let s = Stack::start().await;
    let c = s.client();
    orders(&c).await;
    let out = c
        .put_item()
        .table_name("Orders")
        .item("customer", Av::S("alice".into()))
        .item("order", Av::S("o1".into()))
        .item("total", Av::N("3".into()))
        .return_item_collection_metrics(Ricm::Size)
        .send()
        .await
        .unwrap();
    let m = out.item_collection_metrics.expect("a table with an LSI reports its item collection");
    assert_eq!(m.item_collection_key.as_ref().unwrap()["customer"].as_s().unwrap(), "alice");
    assert_eq!(m.size_estimate_range_gb(), [0.0, 1.0]);
    let out = c
        .delete_item()
        .table_name("Orders")
        .key("customer", Av::S("alice".into()))
        .key("order", Av::S("o1".into()))
        .return_item_collection_metrics(Ricm::None)
        .send()
        .await
        .unwrap();
    assert!(out.item_collection_metrics.is_none(), "NONE asks for nothing");
    let err = c
        .delete_item()
        .table_name("Orders")
        .key("customer", Av::S("alice".into()))
        .key("order", Av::S("o1".into()))
        .return_item_collection_metrics(Ricm::from("BYTES"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    s.stop().await;
}

#[tokio::test]
async fn item_collections_are_limited_in_size() {
    let s = Stack::start_with(|c| c.item_collection_limit_bytes = 2000).await;
    let c = s.client();
    orders(&c).await;
    let big = |order: &str| {
        c.put_item()
            .table_name("Orders")
            .item("customer", Av::S("alice".into()))
            .item("order", Av::S(order.into()))
            .item("total", Av::N("1".into()))
            .item("note", Av::S("x".repeat(600)))
            .send()
    };
    // Each item counts twice: itself and its ByTotal entry (note projected).
    big("o1").await.unwrap();
    let err = big("o2").await.unwrap_err();
    assert_eq!(err.code(), Some("ItemCollectionSizeLimitExceededException"));
    assert!(c.get_item().table_name("Orders").key("customer", Av::S("alice".into())).key("order", Av::S("o2".into())).send().await.unwrap().item.is_none(), "nothing written");
    // In a transaction the breach is the cancellation reason of its action.
    let put = |customer: &str, order: &str, note: usize| {
        aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .put(
                aws_sdk_dynamodb::types::Put::builder()
                    .table_name("Orders")
                    .item("customer", Av::S(customer.into()))
                    .item("order", Av::S(order.into()))
                    .item("total", Av::N("1".into()))
                    .item("note", Av::S("x".repeat(note)))
                    .build()
                    .unwrap(),
            )
            .build()
    };
    let err = c
        .transact_write_items()
        .transact_items(put("carol", "o1", 10))
        .transact_items(put("alice", "o3", 600))
        .send()
        .await
        .unwrap_err();
    let cancelled = err.as_service_error().and_then(|e| match e {
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(t) => Some(t),
        _ => None,
    });
    let reasons: Vec<(Option<&str>, Option<&str>)> = cancelled
        .expect("a TransactionCanceledException")
        .cancellation_reasons()
        .iter()
        .map(|r| (r.code(), r.message()))
        .collect();
    assert_eq!(reasons, [(Some("None"), None), (Some("ItemCollectionSizeLimitExceeded"), Some("Collection size exceeded."))]);
    assert!(c.get_item().table_name("Orders").key("customer", Av::S("carol".into())).key("order", Av::S("o1".into())).send().await.unwrap().item.is_none(), "nothing of the transaction written");
    // Another partition is another collection; shrinking is always allowed.
    c.put_item()
        .table_name("Orders")
        .item("customer", Av::S("bob".into()))
        .item("order", Av::S("o2".into()))
        .item("total", Av::N("1".into()))
        .send()
        .await
        .unwrap();
    c.update_item()
        .table_name("Orders")
        .key("customer", Av::S("alice".into()))
        .key("order", Av::S("o1".into()))
        .update_expression("REMOVE note")
        .send()
        .await
        .unwrap();
    let out = c
        .put_item()
        .table_name("Orders")
        .item("customer", Av::S("alice".into()))
        .item("order", Av::S("o2".into()))
        .item("total", Av::N("1".into()))
        .return_item_collection_metrics(aws_sdk_dynamodb::types::ReturnItemCollectionMetrics::Size)
        .send()
        .await
        .unwrap();
    assert!(out.item_collection_metrics.is_some());
    s.stop().await;
}

/// Index entries carry the base key after the index's sort value, so each
/// sort-key operator must treat that value as a prefix. Several items share
/// each total here, in a GSI and an LSI.
#[tokio::test]
async fn index_sort_conditions_cover_every_item_with_the_value() {
    let s = Stack::start().await;
    let c = s.client();
    orders(&c).await;
    for (o, t) in [("o1", 10), ("o2", 20), ("o3", 20), ("o4", 30), ("o5", 20)] {
        put(&c, "dave", o, Some("OPEN"), t).await;
    }
    let cases: [(&str, Vec<&str>); 7] = [
        ("#t = :a", vec!["o2", "o3", "o5"]),
        ("#t <= :a", vec!["o1", "o2", "o3", "o5"]),
        ("#t < :a", vec!["o1"]),
        ("#t >= :a", vec!["o2", "o3", "o4", "o5"]),
        ("#t > :a", vec!["o4"]),
        ("#t BETWEEN :a AND :a", vec!["o2", "o3", "o5"]),
        ("#t BETWEEN :lo AND :a", vec!["o1", "o2", "o3", "o5"]),
    ];
    for (index, hash, value) in [("ByStatus", "status", "OPEN"), ("ByTotal", "customer", "dave")] {
        for (cond, want) in &cases {
            for forward in [true, false] {
                let mut got = index_orders(&c, index, hash, value, cond, forward).await;
                got.sort();
                assert_eq!(got, *want, "{index}: {cond} (forward: {forward})");
            }
        }
    }
    s.stop().await;
}

/// The orders a query of `index` returns for `#h = :h AND cond`, walked in
/// `forward` order (`#t` is total, `:a` 20, `:lo` 5).
async fn index_orders(c: &Client, index: &str, hash: &str, value: &str, cond: &str, forward: bool) -> Vec<String> {
    let mut q = c
        .query()
        .table_name("Orders")
        .index_name(index)
        .scan_index_forward(forward)
        .key_condition_expression(format!("#h = :h AND {cond}"))
        .expression_attribute_names("#h", hash)
        .expression_attribute_names("#t", "total")
        .expression_attribute_values(":h", Av::S(value.into()))
        .expression_attribute_values(":a", Av::N("20".into()));
    if cond.contains(":lo") {
        q = q.expression_attribute_values(":lo", Av::N("5".into()));
    }
    strs(q.send().await.unwrap().items(), "order")
}

/// A GSI created over existing items leaves out those whose index key
/// cannot be one: an empty string, a value of another type, or a value
/// over the 2048 bytes of a partition key (one of 66,500 bytes, over the
/// storage engine's own key limit, among them). Once the index exists, such
/// writes are refused.
#[tokio::test]
async fn backfill_skips_values_that_cannot_be_index_keys() {
    let s = Stack::start().await;
    let c = s.client();
    c.create_table()
        .table_name("Backfill")
        .attribute_definitions(def("pk", ScalarAttributeType::S))
        .key_schema(ks("pk", KeyType::Hash))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let at_limit = "k".repeat(2048);
    let items = [
        ("a", Some(Av::S("hello".into()))),
        ("b", Some(Av::S(String::new()))),
        ("c", Some(Av::N("5".into()))),
        ("d", None),
        ("e", Some(Av::S(at_limit.clone()))),
        ("f", Some(Av::S("k".repeat(2049)))),
        ("g", Some(Av::S("k".repeat(66_500)))),
    ];
    for (pk, x) in items {
        let mut req = c.put_item().table_name("Backfill").item("pk", Av::S(pk.into()));
        if let Some(x) = x {
            req = req.item("x", x);
        }
        req.send().await.unwrap();
    }
    create_gsi(&c, "Backfill", "ByX", "x", &["x"]).await;
    wait_active(&c, "Backfill", "ByX").await;
    let scanned = c.scan().table_name("Backfill").index_name("ByX").send().await.unwrap();
    let mut pks = strs(scanned.items(), "pk");
    pks.sort();
    assert_eq!(pks, ["a", "e"]);
    let big = c
        .put_item()
        .table_name("Backfill")
        .item("pk", Av::S("h".into()))
        .item("x", Av::S("k".repeat(2049)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        big.into_service_error().meta().message(),
        Some("One or more parameter values were invalid: Size limit exceeded for Index Key x Actual Size: 2049 bytes Max Size: 2048 bytes IndexName: ByX")
    );
    let item = c.get_item().table_name("Backfill").key("pk", Av::S("h".into())).send().await.unwrap();
    assert!(item.item().is_none(), "a refused write leaves nothing");
    c.put_item().table_name("Backfill").item("pk", Av::S("h".into())).item("x", Av::S(at_limit)).send().await.unwrap();
    s.stop().await;
}

/// Starts creating GSI `name` on `table`, hashed on string attribute
/// `key`, projecting everything; `defs` are the string attributes the
/// request defines.
async fn create_gsi(c: &Client, table: &str, name: &str, key: &str, defs: &[&str]) -> aws_sdk_dynamodb::operation::update_table::UpdateTableOutput {
    use aws_sdk_dynamodb::types::{CreateGlobalSecondaryIndexAction, GlobalSecondaryIndexUpdate};
    let create = CreateGlobalSecondaryIndexAction::builder()
        .index_name(name)
        .key_schema(ks(key, KeyType::Hash))
        .projection(Projection::builder().projection_type(ProjectionType::All).build())
        .build()
        .unwrap();
    let mut req = c.update_table().table_name(table).global_secondary_index_updates(GlobalSecondaryIndexUpdate::builder().create(create).build());
    for d in defs {
        req = req.attribute_definitions(def(d, ScalarAttributeType::S));
    }
    req.send().await.unwrap()
}

/// Waits (at most 15 s) for GSI `name` of `table` to be ACTIVE.
async fn wait_active(c: &Client, table: &str, name: &str) {
    use aws_sdk_dynamodb::types::IndexStatus;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let t = c.describe_table().table_name(table).send().await.unwrap();
        let gsi = t.table().unwrap().global_secondary_indexes().iter().find(|g| g.index_name() == Some(name));
        if gsi.and_then(|g| g.index_status()) == Some(&IndexStatus::Active) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "index {name} not ACTIVE within 15 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// An LSI query that fetches whole items from the table: the index
/// entries and the fetched items are summed and rounded apart, the fetch
/// charged to the table (dynalite's records of DynamoDB: 1 + 3 units).
#[tokio::test]
async fn lsi_fetches_are_charged_to_the_table() {
    use std::time::SystemTime;

    use crate::harness::{send, signed_request};

    let s = Stack::start().await;
    let call = |target: &str, body: String| {
        signed_request(&s.endpoint(), &format!("DynamoDB_20120810.{target}"), &body, &s.key.access_key_id, s.key.secret_access_key.expose(), SystemTime::now(), false)
    };
    let (status, _, _, _) = send(call(
        "CreateTable",
        r#"{"TableName":"lsi","BillingMode":"PAY_PER_REQUEST",
            "AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"b","AttributeType":"S"},{"AttributeName":"d","AttributeType":"S"}],
            "KeySchema":[{"AttributeName":"a","KeyType":"HASH"},{"AttributeName":"b","KeyType":"RANGE"}],
            "LocalSecondaryIndexes":[{"IndexName":"index2","KeySchema":[{"AttributeName":"a","KeyType":"HASH"},{"AttributeName":"d","KeyType":"RANGE"}],
              "Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["c"]}}]}"#
            .to_owned(),
    ))
    .await;
    assert_eq!(status, 200);
    let big = "e".repeat(4061);
    for item in [
        r#"{"a":{"S":"kkkkkkkkkk"},"b":{"S":"b1"},"c":{"S":"c1"},"d":{"S":"d1"}}"#.to_owned(),
        r#"{"a":{"S":"kkkkkkkkkk"},"b":{"S":"b2"}}"#.to_owned(),
        format!(r#"{{"a":{{"S":"kkkkkkkkkk"}},"b":{{"S":"b3"}},"d":{{"S":"d3"}},"e":{{"M":{{"e3":{{"S":"{big}"}}}}}},"f":{{"L":[{{"S":"f3"}},{{"S":"ff3"}}]}}}}"#),
        format!(r#"{{"a":{{"S":"kkkkkkkkkk"}},"b":{{"S":"b4"}},"c":{{"S":"c4"}},"d":{{"S":"d4"}},"e":{{"M":{{"ee4":{{"S":"e4"}},"eee4":{{"S":"{big}"}}}}}}}}"#),
    ] {
        let (status, _, _, _) = send(call("PutItem", format!(r#"{{"TableName":"lsi","Item":{item}}}"#))).await;
        assert_eq!(status, 200);
    }
    let query = |mode: &str| {
        format!(
            r#"{{"TableName":"lsi","IndexName":"index2","ConsistentRead":true,"Select":"ALL_ATTRIBUTES","ReturnConsumedCapacity":"{mode}",
                "KeyConditions":{{"a":{{"ComparisonOperator":"EQ","AttributeValueList":[{{"S":"kkkkkkkkkk"}}]}}}}}}"#
        )
    };
    let (_, _, body, _) = send(call("Query", query("TOTAL"))).await;
    assert_eq!(body["Count"], 3, "{body}");
    assert_eq!(body["ConsumedCapacity"], serde_json::json!({"TableName": "lsi", "CapacityUnits": 4.0}));
    let (_, _, body, _) = send(call("Query", query("INDEXES"))).await;
    assert_eq!(body["ConsumedCapacity"]["CapacityUnits"], 4.0);
    assert_eq!(body["ConsumedCapacity"]["Table"]["CapacityUnits"], 3.0);
    assert_eq!(body["ConsumedCapacity"]["LocalSecondaryIndexes"]["index2"]["CapacityUnits"], 1.0);
    s.stop().await;
}

/// UpdateItem and index keys, in DynamoDB's order (dynalite's records and
/// ScyllaDB's notes on DynamoDB): a value whose type the expression fixes
/// is refused before the item is read; then paths into index keys, in
/// targets or operands; a value read from the item is refused as the
/// update's own error. Nothing is written by a refused update.
#[tokio::test]
async fn updates_of_index_keys_are_checked_as_dynamodb_does() {
    let s = Stack::start().await;
    let c = s.client();
    orders(&c).await;
    put(&c, "u", "1", Some("OPEN"), 5).await;
    // `status` and `total` are reserved words: `#s`, `#t`.
    let update = |expr: &str| {
        let req = c
            .update_item()
            .table_name("Orders")
            .key("customer", Av::S("u".into()))
            .key("order", Av::S("1".into()))
            .update_expression(expr);
        let req = if expr.contains("#s") { req.expression_attribute_names("#s", "status") } else { req };
        if expr.contains("#t") {
            req.expression_attribute_names("#t", "total")
        } else {
            req
        }
    };
    let mismatch = "One or more parameter values were invalid: Type mismatch for Index Key status Expected: S Actual: N IndexName: ByStatus";
    for expr in ["SET #s = :n", "SET #s = #t + :n", "SET x.y = :n ADD #s :n", "SET x = #s[1], #s = :n"] {
        let err = update(expr).expression_attribute_values(":n", Av::N("1".into())).send().await.unwrap_err();
        assert_eq!(err.message(), Some(mismatch), "{expr}");
    }
    let err = update("SET #s = :l")
        .expression_attribute_values(":l", Av::L(vec![]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("One or more parameter values were invalid: Type mismatch for Index Key status Expected: S Actual: L IndexName: ByStatus")
    );
    let scalars = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: ";
    for (expr, attr) in [("SET #s.a = :s", "status"), ("SET note = #t[0]", "total"), ("REMOVE #s[1]", "status")] {
        let mut req = update(expr);
        if expr.contains(":s") {
            req = req.expression_attribute_values(":s", Av::S("x".into()));
        }
        let err = req.send().await.unwrap_err();
        assert_eq!(err.message().map(str::to_owned), Some(format!("{scalars}{attr}")), "{expr}");
    }
    // An empty value for an index key, from the expression itself: refused
    // as such, and by a transaction before it runs (not as a cancellation).
    let empty = "One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty string value.";
    let err = update("SET #s = :e").expression_attribute_values(":e", Av::S(String::new())).send().await.unwrap_err();
    assert_eq!(err.message(), Some(empty));
    let action = aws_sdk_dynamodb::types::Update::builder()
        .table_name("Orders")
        .key("customer", Av::S("u".into()))
        .key("order", Av::S("1".into()))
        .update_expression("SET #s = :e")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":e", Av::S(String::new()))
        .build()
        .unwrap();
    let err = c
        .transact_write_items()
        .transact_items(aws_sdk_dynamodb::types::TransactWriteItem::builder().update(action).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), Some(empty));
    // BatchWriteItem counts index writes: TOTAL sums them, INDEXES lists
    // the indexes the batch wrote.
    let batch_put = |order: &str, status: Option<&str>| {
        let mut item = std::collections::HashMap::from([
            ("customer".to_owned(), Av::S("b".into())),
            ("order".to_owned(), Av::S(order.into())),
            ("total".to_owned(), Av::N("1".into())),
        ]);
        if let Some(st) = status {
            item.insert("status".into(), Av::S(st.into()));
        }
        aws_sdk_dynamodb::types::WriteRequest::builder()
            .put_request(aws_sdk_dynamodb::types::PutRequest::builder().set_item(Some(item)).build().unwrap())
            .build()
    };
    let out = c
        .batch_write_item()
        .request_items("Orders", vec![batch_put("b1", Some("OPEN")), batch_put("b2", None)])
        .return_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    let cc = &out.consumed_capacity()[0];
    // Two table writes, two LSI entries (total is set on both), one GSI entry.
    assert_eq!(cc.capacity_units(), Some(5.0), "{cc:?}");
    assert_eq!(cc.table().and_then(|t| t.capacity_units()), Some(2.0));
    assert_eq!(cc.global_secondary_indexes().unwrap()["ByStatus"].capacity_units(), Some(1.0));
    assert_eq!(cc.local_secondary_indexes().unwrap()["ByTotal"].capacity_units(), Some(2.0));
    let err = update("SET #s = #t").send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("The update expression attempted to update the secondary index key to unsupported type")
    );
    let item = c
        .get_item()
        .table_name("Orders")
        .key("customer", Av::S("u".into()))
        .key("order", Av::S("1".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item["status"], Av::S("OPEN".into()));
    assert_eq!(item["total"], Av::N("5".into()));
    // A value of the right type still goes through.
    update("SET #s = :s").expression_attribute_values(":s", Av::S("DONE".into())).send().await.unwrap();

    // The same checks in a transaction's Update: a fixed wrong type
    // cancels it, a path into an index key refuses the request.
    let transact = |expr: &str, value: Av| {
        let mut u = aws_sdk_dynamodb::types::Update::builder()
            .table_name("Orders")
            .key("customer", Av::S("u".into()))
            .key("order", Av::S("1".into()))
            .update_expression(expr)
            .expression_attribute_names("#s", "status");
        if expr.contains(":v") {
            u = u.expression_attribute_values(":v", value);
        }
        c.transact_write_items()
            .transact_items(aws_sdk_dynamodb::types::TransactWriteItem::builder().update(u.build().unwrap()).build())
            .send()
    };
    let err = transact("SET #s = :v", Av::N("1".into())).await.unwrap_err();
    let reasons = match err.into_service_error() {
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(e) => {
            e.cancellation_reasons().to_vec()
        }
        other => panic!("expected TransactionCanceledException, got {other:?}"),
    };
    assert_eq!(reasons[0].code(), Some("ValidationError"));
    assert!(reasons[0].message().unwrap().contains("Type mismatch for Index Key status Expected: S Actual: N IndexName: ByStatus"), "{reasons:?}");
    let err = transact("REMOVE #s[1]", Av::Null(true)).await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message().map(str::to_owned), Some(format!("{scalars}status")));
    s.stop().await;
}
