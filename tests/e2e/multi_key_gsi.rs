//! Global secondary indexes with multi-attribute keys (up to four HASH and
//! four RANGE attributes): creation and description, index entries
//! (sparse, ordered left to right across mixed types), Query key
//! condition rules, pagination, backfill, validation errors.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, ComparisonOperator, Condition, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, LocalSecondaryIndex, Projection, ProjectionType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;

use crate::harness::Stack;

fn def(name: &str, ty: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder().attribute_name(name).attribute_type(ty).build().unwrap()
}
fn ks(name: &str, ty: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(ty).build().unwrap()
}
fn all() -> Projection {
    Projection::builder().projection_type(ProjectionType::All).build()
}

/// Table `Games` (key `pk`) with GSI `Multi`: HASH region (S), tier (N);
/// RANGE cat (S), score (N), bx (B).
async fn games(c: &Client) {
    c.create_table()
        .table_name("Games")
        .attribute_definitions(def("pk", ScalarAttributeType::S))
        .attribute_definitions(def("region", ScalarAttributeType::S))
        .attribute_definitions(def("tier", ScalarAttributeType::N))
        .attribute_definitions(def("cat", ScalarAttributeType::S))
        .attribute_definitions(def("score", ScalarAttributeType::N))
        .attribute_definitions(def("bx", ScalarAttributeType::B))
        .key_schema(ks("pk", KeyType::Hash))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("Multi")
                .key_schema(ks("region", KeyType::Hash))
                .key_schema(ks("tier", KeyType::Hash))
                .key_schema(ks("cat", KeyType::Range))
                .key_schema(ks("score", KeyType::Range))
                .key_schema(ks("bx", KeyType::Range))
                .projection(all())
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

async fn put(c: &Client, pk: &str, region: Option<&str>, tier: Option<i64>, cat: Option<&str>, score: Option<i64>, blob: Option<&[u8]>) {
    let mut req = c.put_item().table_name("Games").item("pk", Av::S(pk.into()));
    if let Some(v) = region {
        req = req.item("region", Av::S(v.into()));
    }
    if let Some(v) = tier {
        req = req.item("tier", Av::N(v.to_string()));
    }
    if let Some(v) = cat {
        req = req.item("cat", Av::S(v.into()));
    }
    if let Some(v) = score {
        req = req.item("score", Av::N(v.to_string()));
    }
    if let Some(v) = blob {
        req = req.item("bx", Av::B(Blob::new(v)));
    }
    req.send().await.unwrap();
}

async fn fill(c: &Client) {
    put(c, "1", Some("eu"), Some(1), Some("a"), Some(10), Some(&[1])).await;
    put(c, "2", Some("eu"), Some(1), Some("a"), Some(-5), Some(&[2])).await;
    put(c, "3", Some("eu"), Some(1), Some("a"), Some(10), Some(&[0])).await;
    put(c, "4", Some("eu"), Some(1), Some("b"), Some(2), Some(&[9])).await;
    put(c, "5", Some("eu"), Some(1), Some("ab"), Some(3), Some(&[1])).await;
    put(c, "6", Some("eu"), Some(2), Some("a"), Some(1), Some(&[1])).await;
    put(c, "7", Some("us"), Some(1), Some("a"), Some(1), Some(&[1])).await;
    // Sparse: each lacks one index key attribute.
    put(c, "8", Some("eu"), Some(1), Some("a"), None, Some(&[1])).await;
    put(c, "9", Some("eu"), Some(1), None, Some(1), Some(&[1])).await;
    put(c, "10", None, Some(1), Some("a"), Some(1), Some(&[1])).await;
    put(c, "11", Some("eu"), Some(1), Some("a"), Some(1), None).await;
}

fn pks(items: &[HashMap<String, Av>]) -> Vec<String> {
    items.iter().map(|i| i["pk"].as_s().unwrap().clone()).collect()
}

/// A Query of `Multi` with `cond`, values `:r` = eu and `:t` = 1 preset.
fn q(c: &Client, cond: &str) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
    c.query()
        .table_name("Games")
        .index_name("Multi")
        .key_condition_expression(cond)
        .expression_attribute_values(":r", Av::S("eu".into()))
        .expression_attribute_values(":t", Av::N("1".into()))
}

const HASHES: &str = "#r = :r AND tier = :t";

fn with_hashes(rest: &str) -> String {
    format!("{HASHES} AND {rest}")
}

#[tokio::test]
async fn create_describe_and_query() {
    let s = Stack::start().await;
    let c = s.client();
    games(&c).await;
    let t = c.describe_table().table_name("Games").send().await.unwrap();
    let gsi = &t.table().unwrap().global_secondary_indexes()[0];
    let schema: Vec<(String, KeyType)> = gsi
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name().to_owned(), k.key_type().clone()))
        .collect();
    assert_eq!(
        schema,
        [
            ("region".to_owned(), KeyType::Hash),
            ("tier".to_owned(), KeyType::Hash),
            ("cat".to_owned(), KeyType::Range),
            ("score".to_owned(), KeyType::Range),
            ("bx".to_owned(), KeyType::Range),
        ]
    );
    fill(&c).await;

    // Hash only: ordered by (cat, score, blob) — S, then N, then B.
    let out = q(&c, HASHES).expression_attribute_names("#r", "region").send().await.unwrap();
    assert_eq!(pks(out.items()), ["2", "3", "1", "5", "4"]);
    let out = q(&c, HASHES).expression_attribute_names("#r", "region").scan_index_forward(false).send().await.unwrap();
    assert_eq!(pks(out.items()), ["4", "5", "1", "3", "2"]);

    // Equality prefix (cat = a does not take ab).
    let out = q(&c, &with_hashes("cat = :c"))
        .expression_attribute_names("#r", "region")
        .expression_attribute_values(":c", Av::S("a".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(pks(out.items()), ["2", "3", "1"]);

    // A range condition on the last attribute used.
    let out = q(&c, &with_hashes("cat = :c AND score > :s"))
        .expression_attribute_names("#r", "region")
        .expression_attribute_values(":c", Av::S("a".into()))
        .expression_attribute_values(":s", Av::N("0".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(pks(out.items()), ["3", "1"]);
    let out = q(&c, &with_hashes("cat > :c"))
        .expression_attribute_names("#r", "region")
        .expression_attribute_values(":c", Av::S("a".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(pks(out.items()), ["5", "4"]);
    let out = q(&c, &with_hashes("begins_with(cat, :c)"))
        .expression_attribute_names("#r", "region")
        .expression_attribute_values(":c", Av::S("a".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(pks(out.items()), ["2", "3", "1", "5"]);
    let out = q(&c, &with_hashes("cat = :c AND score <= :s"))
        .expression_attribute_names("#r", "region")
        .expression_attribute_values(":c", Av::S("a".into()))
        .expression_attribute_values(":s", Av::N("10".into()))
        .scan_index_forward(false)
        .send()
        .await
        .unwrap();
    assert_eq!(pks(out.items()), ["1", "3", "2"]);

    // BETWEEN, on the second and on the third RANGE attribute.
    let out = q(&c, &with_hashes("cat = :c AND score BETWEEN :lo AND :hi"))
        .expression_attribute_names("#r", "region")
        .expression_attribute_values(":c", Av::S("a".into()))
        .expression_attribute_values(":lo", Av::N("-10".into()))
        .expression_attribute_values(":hi", Av::N("5".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(pks(out.items()), ["2"]);
    let out = q(&c, &with_hashes("cat = :c AND score = :s AND bx BETWEEN :lo AND :hi"))
        .expression_attribute_names("#r", "region")
        .expression_attribute_values(":c", Av::S("a".into()))
        .expression_attribute_values(":s", Av::N("10".into()))
        .expression_attribute_values(":lo", Av::B(Blob::new(vec![0])))
        .expression_attribute_values(":hi", Av::B(Blob::new(vec![0, 5])))
        .send()
        .await
        .unwrap();
    assert_eq!(pks(out.items()), ["3"]);

    // Legacy KeyConditions.
    let eq = |v: Av| Condition::builder().comparison_operator(ComparisonOperator::Eq).attribute_value_list(v).build().unwrap();
    let out = c
        .query()
        .table_name("Games")
        .index_name("Multi")
        .key_conditions("region", eq(Av::S("eu".into())))
        .key_conditions("tier", eq(Av::N("1".into())))
        .key_conditions("cat", eq(Av::S("a".into())))
        .key_conditions(
            "score",
            Condition::builder().comparison_operator(ComparisonOperator::Gt).attribute_value_list(Av::N("0".into())).build().unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(pks(out.items()), ["3", "1"]);

    // Sparse: only items with every key attribute are in the index.
    let scanned = c.scan().table_name("Games").index_name("Multi").send().await.unwrap();
    let mut got = pks(scanned.items());
    got.sort_unstable();
    assert_eq!(got, ["1", "2", "3", "4", "5", "6", "7"]);
    // Other partitions: every HASH value counts.
    let out = c
        .query()
        .table_name("Games")
        .index_name("Multi")
        .key_condition_expression("#r = :r AND tier = :t")
        .expression_attribute_names("#r", "region")
        .expression_attribute_values(":r", Av::S("eu".into()))
        .expression_attribute_values(":t", Av::N("2".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(pks(out.items()), ["6"]);
    s.stop().await;
}

#[tokio::test]
async fn key_condition_errors() {
    let s = Stack::start().await;
    let c = s.client();
    games(&c).await;
    let err = |e: aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::query::QueryError>| {
        (e.code().unwrap_or_default().to_owned(), e.message().unwrap_or_default().to_owned())
    };
    // Skipping a RANGE attribute.
    let (code, msg) = err(
        q(&c, &with_hashes("score > :s"))
            .expression_attribute_names("#r", "region")
            .expression_attribute_values(":s", Av::N("0".into()))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "ValidationException");
    assert!(msg.contains("cat"), "{msg}");
    // A condition after a range condition.
    let (code, _) = err(
        q(&c, &with_hashes("cat > :c AND score = :s"))
            .expression_attribute_names("#r", "region")
            .expression_attribute_values(":c", Av::S("a".into()))
            .expression_attribute_values(":s", Av::N("0".into()))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "ValidationException");
    // Every HASH attribute needs an equality.
    let (code, msg) = err(
        c.query()
            .table_name("Games")
            .index_name("Multi")
            .key_condition_expression("#r = :r")
            .expression_attribute_names("#r", "region")
            .expression_attribute_values(":r", Av::S("eu".into()))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!((code.as_str(), msg.as_str()), ("ValidationException", "Query condition missed key schema element: tier"));
    let (code, _) = err(
        q(&c, "#r = :r AND tier > :t").expression_attribute_names("#r", "region").send().await.unwrap_err(),
    );
    assert_eq!(code, "ValidationException");
    // A filter cannot read an index key attribute.
    let (_, msg) = err(
        q(&c, HASHES)
            .expression_attribute_names("#r", "region")
            .filter_expression("score > :s")
            .expression_attribute_values(":s", Av::N("0".into()))
            .send()
            .await
            .unwrap_err(),
    );
    assert!(msg.contains("Primary key attribute: score"), "{msg}");
    // Writes with an index key of the wrong type are refused.
    let e = c
        .put_item()
        .table_name("Games")
        .item("pk", Av::S("x".into()))
        .item("score", Av::S("high".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));
    assert!(e.message().unwrap().contains("Type mismatch for Index Key score"), "{:?}", e.message());
    // PartiQL cannot read such an index, whatever its WHERE clause says;
    // the table itself it reads.
    for statement in [r#"SELECT * FROM "Games"."Multi" WHERE region = 'eu'"#, r#"SELECT * FROM "Games"."Multi""#] {
        let e = c.execute_statement().statement(statement).send().await.unwrap_err();
        assert_eq!(
            e.message(),
            Some("PartiQL statements cannot be executed on tables with multi-attribute HASH keys or multi-attribute RANGE keys."),
            "{statement}"
        );
    }
    c.execute_statement().statement(r#"SELECT * FROM "Games" WHERE pk = 'x'"#).send().await.unwrap();
    s.stop().await;
}

#[tokio::test]
async fn pagination_carries_every_key_attribute() {
    let s = Stack::start().await;
    let c = s.client();
    games(&c).await;
    fill(&c).await;
    for (forward, expected) in [(true, ["2", "3", "1", "5", "4"]), (false, ["4", "5", "1", "3", "2"])] {
        let mut seen = Vec::new();
        let mut start: Option<HashMap<String, Av>> = None;
        loop {
            let out = q(&c, HASHES)
                .expression_attribute_names("#r", "region")
                .limit(2)
                .scan_index_forward(forward)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .unwrap();
            seen.extend(pks(out.items()));
            match out.last_evaluated_key() {
                Some(k) => {
                    let mut names: Vec<&str> = k.keys().map(String::as_str).collect();
                    names.sort_unstable();
                    assert_eq!(names, ["bx", "cat", "pk", "region", "score", "tier"]);
                    start = Some(k.clone());
                }
                None => break,
            }
            assert!(seen.len() <= 6, "{seen:?}");
        }
        assert_eq!(seen, expected, "forward {forward}");
    }
    // A start key without every index key attribute is refused.
    let e = q(&c, HASHES)
        .expression_attribute_names("#r", "region")
        .exclusive_start_key("pk", Av::S("1".into()))
        .exclusive_start_key("region", Av::S("eu".into()))
        .exclusive_start_key("tier", Av::N("1".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));
    // A start outside the condition is refused as DynamoDB walks the
    // condition (dynoxide's captures of 2026-10-09): a leading partition
    // attribute first, then the sort attributes, then the last partition
    // attribute (with or without a sort condition).
    let start = |region: &str, tier: &str, cat: &str| {
        let mut k = HashMap::new();
        k.insert("pk".to_owned(), Av::S("1".into()));
        k.insert("region".to_owned(), Av::S(region.into()));
        k.insert("tier".to_owned(), Av::N(tier.into()));
        k.insert("cat".to_owned(), Av::S(cat.into()));
        k.insert("score".to_owned(), Av::N("10".into()));
        k.insert("bx".to_owned(), Av::B(Blob::new([1])));
        k
    };
    for (cond, key, message) in [
        (with_hashes("cat = :c"), start("us", "2", "b"), "The query can return at most one row and cannot be restarted"),
        (with_hashes("cat = :c"), start("eu", "2", "b"), "The provided starting key does not match the range key predicate"),
        (with_hashes("cat = :c"), start("eu", "2", "a"), "The query can return at most one row and cannot be restarted"),
        (with_hashes("cat >= :c"), start("eu", "2", "a"), "The query can return at most one row and cannot be restarted"),
    ] {
        let e = q(&c, &cond)
            .expression_attribute_names("#r", "region")
            .expression_attribute_values(":c", Av::S("a".into()))
            .set_exclusive_start_key(Some(key.clone()))
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.message(), Some(message), "{cond} {key:?}");
    }
    let e = q(&c, HASHES)
        .expression_attribute_names("#r", "region")
        .set_exclusive_start_key(Some(start("eu", "2", "a")))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some("The provided starting key is outside query boundaries based on provided conditions"));
    s.stop().await;
}

#[tokio::test]
async fn backfill_and_schema_validation() {
    use aws_sdk_dynamodb::types::{CreateGlobalSecondaryIndexAction, GlobalSecondaryIndexUpdate, IndexStatus};
    let s = Stack::start().await;
    let c = s.client();
    c.create_table()
        .table_name("Later")
        .attribute_definitions(def("pk", ScalarAttributeType::S))
        .key_schema(ks("pk", KeyType::Hash))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    for (pk, a, b) in [("1", "x", "2"), ("2", "x", "1"), ("3", "y", "1")] {
        c.put_item()
            .table_name("Later")
            .item("pk", Av::S(pk.into()))
            .item("a", Av::S(a.into()))
            .item("b", Av::N(b.into()))
            .send()
            .await
            .unwrap();
    }
    c.put_item().table_name("Later").item("pk", Av::S("4".into())).item("a", Av::S("x".into())).send().await.unwrap();
    let create = CreateGlobalSecondaryIndexAction::builder()
        .index_name("ByAB")
        .key_schema(ks("a", KeyType::Hash))
        .key_schema(ks("b", KeyType::Hash))
        .projection(Projection::builder().projection_type(ProjectionType::KeysOnly).build())
        .build()
        .unwrap();
    c.update_table()
        .table_name("Later")
        .attribute_definitions(def("a", ScalarAttributeType::S))
        .attribute_definitions(def("b", ScalarAttributeType::N))
        .global_secondary_index_updates(GlobalSecondaryIndexUpdate::builder().create(create).build())
        .send()
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let t = c.describe_table().table_name("Later").send().await.unwrap();
        let gsi = &t.table().unwrap().global_secondary_indexes()[0];
        if gsi.index_status() == Some(&IndexStatus::Active) {
            assert_eq!(gsi.key_schema().len(), 2);
            assert_eq!(gsi.key_schema()[1].key_type(), &KeyType::Hash);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "index not ACTIVE within 15 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let out = c
        .query()
        .table_name("Later")
        .index_name("ByAB")
        .key_condition_expression("a = :a AND b = :b")
        .expression_attribute_values(":a", Av::S("x".into()))
        .expression_attribute_values(":b", Av::N("1".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(pks(out.items()), ["2"]);
    let mut keys: Vec<&str> = out.items()[0].keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["a", "b", "pk"], "KEYS_ONLY projects every index key attribute");

    // Invalid shapes.
    let create = |schema: Vec<KeySchemaElement>| {
        let mut req = c
            .create_table()
            .table_name("Bad")
            .attribute_definitions(def("pk", ScalarAttributeType::S))
            .key_schema(ks("pk", KeyType::Hash))
            .billing_mode(BillingMode::PayPerRequest);
        for n in ["h1", "h2", "h3", "h4", "h5", "r1", "r2"] {
            req = req.attribute_definitions(def(n, ScalarAttributeType::S));
        }
        let gsi = GlobalSecondaryIndex::builder().index_name("Gsi").set_key_schema(Some(schema)).projection(all()).build().unwrap();
        req.global_secondary_indexes(gsi).send()
    };
    let hashes = |n: usize| (1..=n).map(|i| ks(&format!("h{i}"), KeyType::Hash)).collect::<Vec<_>>();
    let e = create(hashes(5)).await.unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"), "{e:?}");
    assert_eq!(
        e.message(),
        Some("One or more parameter values were invalid: The KeySchema exceeds the maximum allowed number of HASH key attributes")
    );
    let mut schema = hashes(1);
    schema.push(ks("r1", KeyType::Range));
    schema.push(ks("h2", KeyType::Hash));
    let e = create(schema).await.unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"), "{e:?}");
    assert_eq!(
        e.message(),
        Some("One or more parameter values were invalid: All HASH key attributes must precede RANGE key attributes in the KeySchema")
    );
    let mut schema = hashes(2);
    schema.push(ks("undefined", KeyType::Range));
    let e = create(schema).await.unwrap_err();
    assert!(e.message().unwrap().contains("Some index key attributes are not defined in AttributeDefinitions"), "{e:?}");
    // The table's own key and LSIs stay at one HASH and at most one RANGE.
    let e = c
        .create_table()
        .table_name("Bad")
        .attribute_definitions(def("p", ScalarAttributeType::S))
        .attribute_definitions(def("q", ScalarAttributeType::S))
        .key_schema(ks("p", KeyType::Hash))
        .key_schema(ks("q", KeyType::Hash))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"));
    let e = c
        .create_table()
        .table_name("Bad")
        .attribute_definitions(def("p", ScalarAttributeType::S))
        .attribute_definitions(def("q", ScalarAttributeType::S))
        .attribute_definitions(def("r", ScalarAttributeType::S))
        .key_schema(ks("p", KeyType::Hash))
        .key_schema(ks("q", KeyType::Range))
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name("Lsi")
                .key_schema(ks("p", KeyType::Hash))
                .key_schema(ks("q", KeyType::Range))
                .key_schema(ks("r", KeyType::Range))
                .projection(all())
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap_err();
    assert!(e.message().unwrap().contains("Member must have length less than or equal to 2"), "{e:?}");
    s.stop().await;
}
