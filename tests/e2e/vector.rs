//! Vector indexes and SearchVectors through the AWS SDK: creation and
//! description, ranking under each distance function, the search schema
//! (a HASH attribute every search fixes, inline filters, sparse
//! membership), projections, write-time checks and DynamoDB's errors.

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, KeySchemaElement, KeyType, Projection, ProjectionType,
    ReturnConsumedCapacity, ScalarAttributeType, SearchSchemaElement, SearchSchemaElementType, VectorAttributeDefinition,
    VectorDistanceFunction, VectorIndex,
};
use aws_sdk_dynamodb::Client;

use crate::harness::Stack;

fn def(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build().unwrap()
}

fn vector(xs: &[f32]) -> Av {
    Av::L(xs.iter().map(|x| Av::N(x.to_string())).collect())
}

fn query(xs: &[f32]) -> Vec<Av> {
    xs.iter().map(|x| Av::N(x.to_string())).collect()
}

fn index(name: &str, distance: VectorDistanceFunction, schema: &[(&str, SearchSchemaElementType)], projection: Projection) -> VectorIndex {
    let mut b = VectorIndex::builder()
        .index_name(name)
        .vector_attribute(VectorAttributeDefinition::builder().attribute_name("embedding").build().unwrap())
        .dimensions(2)
        .distance_function(distance)
        .projection(projection);
    for (attr, role) in schema {
        b = b.search_schema(
            SearchSchemaElement::builder().attribute_name(*attr).search_schema_element_type(role.clone()).build().unwrap(),
        );
    }
    b.build().unwrap()
}

/// Table `Products` (key `id`) with three vector indexes over `embedding`
/// (2 dimensions): `by-category` (COSINE; HASH category, INLINE_FILTER
/// brand; INCLUDE title), `near` (EUCLIDEAN, ALL) and `dot` (DOT_PRODUCT,
/// KEYS_ONLY).
async fn products(c: &Client) {
    let include = Projection::builder().projection_type(ProjectionType::Include).non_key_attributes("title").build();
    let all = Projection::builder().projection_type(ProjectionType::All).build();
    let keys = Projection::builder().projection_type(ProjectionType::KeysOnly).build();
    c.create_table()
        .table_name("Products")
        .attribute_definitions(def("id"))
        .attribute_definitions(def("category"))
        .attribute_definitions(def("brand"))
        .key_schema(KeySchemaElement::builder().attribute_name("id").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .vector_indexes(index(
            "by-category",
            VectorDistanceFunction::Cosine,
            &[("category", SearchSchemaElementType::Hash), ("brand", SearchSchemaElementType::InlineFilter)],
            include,
        ))
        .vector_indexes(index("near", VectorDistanceFunction::Euclidean, &[], all))
        .vector_indexes(index("dot", VectorDistanceFunction::DotProduct, &[], keys))
        .send()
        .await
        .unwrap();
    let items: &[(&str, Option<&str>, &str, [f32; 2])] = &[
        ("p1", Some("shoes"), "acme", [1.0, 0.0]),
        ("p2", Some("shoes"), "other", [0.0, 1.0]),
        ("p3", Some("shoes"), "acme", [10.0, 1.0]),
        ("p4", Some("hats"), "acme", [1.0, 0.1]),
        ("p5", None, "acme", [1.0, 0.0]),
    ];
    for (id, category, brand, v) in items {
        let mut put = c
            .put_item()
            .table_name("Products")
            .item("id", Av::S((*id).into()))
            .item("brand", Av::S((*brand).into()))
            .item("title", Av::S(format!("title {id}")))
            .item("price", Av::N("5".into()))
            .item("embedding", vector(v));
        if let Some(cat) = category {
            put = put.item("category", Av::S((*cat).into()));
        }
        put.send().await.unwrap();
    }
}

fn ids(results: &[aws_sdk_dynamodb::types::SearchResultItem]) -> Vec<String> {
    results
        .iter()
        .map(|r| r.item().and_then(|i| i.get("id")).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn vector_indexes_are_described_and_searched() {
    let stack = Stack::start().await;
    let c = stack.client();
    products(&c).await;

    let table = c.describe_table().table_name("Products").send().await.unwrap().table.unwrap();
    let vi = table.vector_indexes();
    assert_eq!(vi.len(), 3);
    assert_eq!(vi[0].index_name(), Some("by-category"));
    assert_eq!(vi[0].index_status().map(|s| s.as_str()), Some("ACTIVE"));
    assert_eq!(vi[0].dimensions(), Some(2));
    assert_eq!(vi[0].distance_function(), Some(&VectorDistanceFunction::Cosine));
    let schema: Vec<_> = vi[0].search_schema().iter().map(|e| e.attribute_name().to_owned()).collect();
    assert_eq!(schema, ["category", "brand"]);
    assert!(vi[0].index_arn().unwrap().ends_with("table/Products/index/by-category"));

    // COSINE, lower is closer; the HASH value selects the partition; an
    // item without the HASH attribute is not in the index (p5).
    let out = c
        .search_vectors()
        .table_name("Products")
        .index_name("by-category")
        .set_search_vector(Some(query(&[1.0, 0.0])))
        .top_k(10)
        .search_condition_expression("category = :c")
        .expression_attribute_values(":c", Av::S("shoes".into()))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let results = out.search_results();
    assert_eq!(ids(results), ["p1", "p3", "p2"]);
    assert!(results[0].score().abs() < 1e-6, "identical direction scores 0");
    assert!((results[2].score() - 1.0).abs() < 1e-6, "orthogonal scores 1");
    // INCLUDE title: keys, search schema and title, never the vector
    // unless asked for, never price.
    let first = results[0].item().unwrap();
    let mut names: Vec<_> = first.keys().cloned().collect();
    names.sort();
    assert_eq!(names, ["brand", "category", "id", "title"]);
    let bytes = out.consumed_capacity().and_then(|c| c.vector_search_request_bytes()).unwrap();
    assert!(bytes >= 1024.0, "{bytes}");

    // An inline filter narrows it; TopK cuts it.
    let out = c
        .search_vectors()
        .table_name("Products")
        .index_name("by-category")
        .set_search_vector(Some(query(&[1.0, 0.0])))
        .top_k(1)
        .search_condition_expression("#c = :c AND brand = :b")
        .expression_attribute_names("#c", "category")
        .expression_attribute_values(":c", Av::S("shoes".into()))
        .expression_attribute_values(":b", Av::S("other".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(ids(out.search_results()), ["p2"]);

    // EUCLIDEAN over the whole index (no search schema); the vector only
    // when the projection names it; unprojected names are left out.
    let out = c
        .search_vectors()
        .table_name("Products")
        .index_name("near")
        .set_search_vector(Some(query(&[1.0, 0.0])))
        .top_k(3)
        .projection_expression("id, embedding, nothing")
        .send()
        .await
        .unwrap();
    let results = out.search_results();
    assert_eq!(ids(results)[2], "p4");
    assert!((results[2].score() - 0.1).abs() < 1e-6, "{}", results[2].score());
    assert!(results[0].item().unwrap().contains_key("embedding"));
    assert!(!results[0].item().unwrap().contains_key("nothing"));
    let far = c
        .search_vectors()
        .table_name("Products")
        .index_name("near")
        .set_search_vector(Some(query(&[1.0, 0.0])))
        .top_k(100)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(far.search_results()).last().map(String::as_str), Some("p3"), "9.06 away, last");
    assert_eq!(far.search_results().len(), 5);

    // DOT_PRODUCT, higher is closer; KEYS_ONLY shows the key alone.
    let out = c
        .search_vectors()
        .table_name("Products")
        .index_name("dot")
        .set_search_vector(Some(query(&[1.0, 0.0])))
        .top_k(1)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(out.search_results()), ["p3"]);
    assert!((out.search_results()[0].score() - 10.0).abs() < 1e-6);
    assert_eq!(out.search_results()[0].item().unwrap().len(), 1);

    // Scores are rounded through 32-bit floats; a projected vector is the
    // index's 32-bit copy.
    c.put_item()
        .table_name("Products")
        .item("id", Av::S("f32".into()))
        .item("embedding", Av::L(vec![Av::N("0.6".into()), Av::N("16777217".into())]))
        .send()
        .await
        .unwrap();
    let out = c
        .search_vectors()
        .table_name("Products")
        .index_name("near")
        .set_search_vector(Some(query(&[0.6, 16_777_216.0])))
        .top_k(1)
        .projection_expression("id, embedding")
        .send()
        .await
        .unwrap();
    let hit = &out.search_results()[0];
    assert_eq!(ids(out.search_results()), ["f32"]);
    assert_eq!(hit.score(), 0.0, "16777217 is 16777216 as a 32-bit float");
    let copy: Vec<String> = hit.item().unwrap()["embedding"].as_l().unwrap().iter().map(|v| v.as_n().unwrap().clone()).collect();
    assert_eq!(copy[1].parse::<f64>().unwrap(), 16_777_216.0);
    let got = c.get_item().table_name("Products").key("id", Av::S("f32".into())).send().await.unwrap();
    assert_eq!(got.item().unwrap()["embedding"].as_l().unwrap()[1].as_n().unwrap(), "16777217", "the table keeps the number");
    c.delete_item().table_name("Products").key("id", Av::S("f32".into())).send().await.unwrap();

    // Writes list the vector indexes they changed under INDEXES only, and
    // an identical rewrite changes none.
    let write = |id: &'static str, v: [f32; 2], mode: ReturnConsumedCapacity| {
        c.put_item()
            .table_name("Products")
            .item("id", Av::S(id.into()))
            .item("embedding", vector(&v))
            .return_consumed_capacity(mode)
            .send()
    };
    let first = write("cap", [0.5, 0.5], ReturnConsumedCapacity::Indexes).await.unwrap();
    let cc = first.consumed_capacity().unwrap();
    let by_index = cc.vector_indexes().unwrap();
    assert_eq!(by_index.len(), 2, "near and dot hold it; by-category needs its HASH attribute: {by_index:?}");
    assert!(by_index["near"].vector_write_request_bytes().unwrap() >= 1024.0);
    assert_eq!(cc.table().and_then(|t| t.capacity_units()), Some(1.0));
    let again = write("cap", [0.5, 0.5], ReturnConsumedCapacity::Indexes).await.unwrap();
    assert!(again.consumed_capacity().unwrap().vector_indexes().is_none());
    let total = write("cap", [0.1, 0.5], ReturnConsumedCapacity::Total).await.unwrap();
    assert!(total.consumed_capacity().unwrap().vector_indexes().is_none());
    c.delete_item().table_name("Products").key("id", Av::S("cap".into())).send().await.unwrap();
    // BatchWriteItem lists them per table, summed over its writes.
    let put = |id: &str, v: [f32; 2]| {
        let item = std::collections::HashMap::from([("id".to_owned(), Av::S(id.into())), ("embedding".to_owned(), vector(&v))]);
        aws_sdk_dynamodb::types::WriteRequest::builder()
            .put_request(aws_sdk_dynamodb::types::PutRequest::builder().set_item(Some(item)).build().unwrap())
            .build()
    };
    let out = c
        .batch_write_item()
        .request_items("Products", vec![put("bw1", [0.1, 0.2]), put("bw2", [0.3, 0.4])])
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    let by_index = out.consumed_capacity()[0].vector_indexes().unwrap();
    assert_eq!(by_index["near"].vector_write_request_bytes(), Some(2048.0), "two writes of at least 1 KB");
    assert!(!by_index.contains_key("by-category"), "no HASH attribute, not in that index");
    for id in ["bw1", "bw2"] {
        c.delete_item().table_name("Products").key("id", Av::S(id.into())).send().await.unwrap();
    }
    // So does TransactWriteItems, beside its read/write split.
    let tput = aws_sdk_dynamodb::types::Put::builder()
        .table_name("Products")
        .item("id", Av::S("tw1".into()))
        .item("embedding", vector(&[0.5, 0.1]))
        .build()
        .unwrap();
    let out = c
        .transact_write_items()
        .transact_items(aws_sdk_dynamodb::types::TransactWriteItem::builder().put(tput).build())
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    let cc = &out.consumed_capacity()[0];
    assert_eq!(cc.write_capacity_units(), Some(2.0));
    assert_eq!(cc.vector_indexes().unwrap()["dot"].vector_write_request_bytes(), Some(1024.0));
    c.delete_item().table_name("Products").key("id", Av::S("tw1".into())).send().await.unwrap();

    // A removed vector leaves the index.
    c.update_item()
        .table_name("Products")
        .key("id", Av::S("p3".into()))
        .update_expression("REMOVE embedding")
        .send()
        .await
        .unwrap();
    let out = c
        .search_vectors()
        .table_name("Products")
        .index_name("dot")
        .set_search_vector(Some(query(&[1.0, 0.0])))
        .top_k(100)
        .send()
        .await
        .unwrap();
    assert!(!ids(out.search_results()).contains(&"p3".to_owned()));

    // Backups describe the vector indexes and restores recreate them.
    let backup = c.create_backup().table_name("Products").backup_name("vectors").send().await.unwrap();
    let arn = backup.backup_details().unwrap().backup_arn().to_owned();
    let described = c.describe_backup().backup_arn(&arn).send().await.unwrap();
    let features = described.backup_description().unwrap().source_table_feature_details().unwrap();
    assert_eq!(features.vector_indexes().len(), 3);
    c.restore_table_from_backup().backup_arn(&arn).target_table_name("Restored").send().await.unwrap();
    let restored = c.describe_table().table_name("Restored").send().await.unwrap().table.unwrap();
    let names: Vec<_> = restored.vector_indexes().iter().filter_map(|v| v.index_name()).collect();
    assert_eq!(names, ["by-category", "near", "dot"]);
    stack.stop().await;
}

async fn search_error(c: &Client, build: impl FnOnce(aws_sdk_dynamodb::operation::search_vectors::builders::SearchVectorsFluentBuilder) -> aws_sdk_dynamodb::operation::search_vectors::builders::SearchVectorsFluentBuilder) -> (String, String) {
    let req = c.search_vectors().table_name("Products").set_search_vector(Some(query(&[1.0, 0.0])));
    let e = build(req).send().await.unwrap_err();
    (e.code().unwrap_or_default().to_owned(), e.message().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn vector_errors_are_dynamodbs() {
    let stack = Stack::start().await;
    let c = stack.client();
    products(&c).await;

    let (code, msg) = search_error(&c, |r| r.index_name("by-category").top_k(1)).await;
    assert_eq!(code, "ValidationException");
    assert_eq!(msg, "SearchConditionExpression must be provided when SearchSchema has a HASH key");
    let (_, msg) = search_error(&c, |r| r.index_name("missing").top_k(1)).await;
    assert_eq!(msg, "The table does not have the specified index: missing");
    let (_, msg) = search_error(&c, |r| r.index_name("near").top_k(101)).await;
    assert_eq!(msg, "Provided TopK value '101' is out of valid range. The value must be between 1 and 100 inclusive");
    let (_, msg) = search_error(&c, |r| r.index_name("near").top_k(0)).await;
    assert_eq!(msg, "Provided TopK value '0' is out of valid range. The value must be between 1 and 100 inclusive");
    let (_, msg) = search_error(&c, |r| r.index_name("near").top_k(1).search_vector(Av::N("3".into()))).await;
    assert_eq!(msg, "Input search vector dimension 3 does not match vector index dimension 2");
    let (_, msg) = search_error(&c, |r| {
        r.index_name("by-category")
            .top_k(1)
            .search_condition_expression("category > :c")
            .expression_attribute_values(":c", Av::S("a".into()))
    })
    .await;
    assert_eq!(msg, "Invalid SearchConditionExpression: Invalid comparator used in SearchConditionExpression");
    let (_, msg) = search_error(&c, |r| {
        r.index_name("near")
            .top_k(1)
            .search_condition_expression("category = :c")
            .expression_attribute_values(":c", Av::S("a".into()))
    })
    .await;
    assert_eq!(msg, "SearchConditionExpression must not contain any attributes that is not in SearchSchema. Invalid attribute: category");
    // A constant of another type than the search attribute's is refused,
    // not left to match nothing.
    let (code, msg) = search_error(&c, |r| {
        r.index_name("by-category")
            .top_k(1)
            .search_condition_expression("category = :c")
            .expression_attribute_values(":c", Av::N("1".into()))
    })
    .await;
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("ValidationException", "One or more parameter values were invalid: Condition parameter type does not match schema type")
    );
    let (_, msg) = search_error(&c, |r| r.index_name("near").top_k(1).set_search_vector(Some(vec![Av::L(query(&[1.0, 0.0]))]))).await;
    assert_eq!(
        msg,
        "Search vector contains invalid values. All values in the search vector must be a 32-bit floating-point number attribute"
    );
    // PartiQL cannot read a vector index either.
    let e = c.execute_statement().statement(r#"SELECT * FROM "Products"."near""#).send().await.unwrap_err();
    assert_eq!(e.message(), Some("Scan operation not supported on this index type."));

    // Query and Scan do not read vector indexes.
    let e = c
        .query()
        .table_name("Products")
        .index_name("near")
        .key_condition_expression("id = :i")
        .expression_attribute_values(":i", Av::S("p1".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some("Query operation not supported on this index type."));
    let e = c.scan().table_name("Products").index_name("near").send().await.unwrap_err();
    assert_eq!(e.message(), Some("Scan operation not supported on this index type."));

    // Writes: the vector must have the index's dimensions; the search
    // attributes their defined types.
    let e = c
        .put_item()
        .table_name("Products")
        .item("id", Av::S("bad".into()))
        .item("embedding", vector(&[1.0, 2.0, 3.0]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));
    assert_eq!(
        e.message(),
        Some("One or more parameter values were invalid. Invalid size for parameter embedding, Expected: 2, Actual: 3 IndexName: by-category")
    );
    let e = c
        .put_item()
        .table_name("Products")
        .item("id", Av::S("bad".into()))
        .item("embedding", Av::L(vec![Av::N("1".into()), Av::S("oops".into())]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some("One or more parameter values were invalid. Invalid type for parameter embedding[1], Expected: 32-bit floating point number, Actual: S. IndexName: by-category")
    );
    let e = c
        .put_item()
        .table_name("Products")
        .item("id", Av::S("bad".into()))
        .item("embedding", Av::S("not-a-vector".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some("One or more parameter values were invalid. Invalid type for parameter embedding, Expected: 32-bit floating point number list IndexName: by-category")
    );
    let e = c
        .put_item()
        .table_name("Products")
        .item("id", Av::S("bad".into()))
        .item("category", Av::N("1".into()))
        .send()
        .await
        .unwrap_err();
    assert!(e.message().unwrap().contains("Type mismatch for Index Key category Expected: S Actual: N"), "{e:?}");

    // Creation: search-schema attributes are defined; on-demand only.
    let e = c
        .create_table()
        .table_name("Undefined")
        .attribute_definitions(def("id"))
        .key_schema(KeySchemaElement::builder().attribute_name("id").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .vector_indexes(index(
            "v1x",
            VectorDistanceFunction::Cosine,
            &[("nope", SearchSchemaElementType::Hash)],
            Projection::builder().projection_type(ProjectionType::All).build(),
        ))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some("One or more parameter values were invalid: One element in SearchSchema is not defined in attribute definitions")
    );
    stack.stop().await;
}

#[tokio::test]
async fn update_table_adds_and_removes_vector_indexes() {
    use aws_sdk_dynamodb::types::{CreateVectorIndexAction, DeleteVectorIndexAction, VectorIndexUpdate};
    let stack = Stack::start().await;
    let c = stack.client();
    c.create_table()
        .table_name("Docs")
        .attribute_definitions(def("id"))
        .key_schema(KeySchemaElement::builder().attribute_name("id").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    for (id, tenant, v) in [("d1", "t1", [0.0, 1.0]), ("d2", "t1", [1.0, 0.0]), ("d3", "t2", [1.0, 0.0])] {
        c.put_item()
            .table_name("Docs")
            .item("id", Av::S(id.into()))
            .item("tenant", Av::S(tenant.into()))
            .item("embedding", vector(&v))
            .send()
            .await
            .unwrap();
    }
    let create = || {
        CreateVectorIndexAction::builder()
            .index_name("by-tenant")
            .vector_attribute(VectorAttributeDefinition::builder().attribute_name("embedding").build().unwrap())
            .search_schema(
                SearchSchemaElement::builder()
                    .attribute_name("tenant")
                    .search_schema_element_type(SearchSchemaElementType::Hash)
                    .build()
                    .unwrap(),
            )
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .dimensions(2)
            .distance_function(VectorDistanceFunction::Cosine)
            .build()
            .unwrap()
    };
    let out = c
        .update_table()
        .table_name("Docs")
        .attribute_definitions(def("tenant"))
        .vector_index_updates(VectorIndexUpdate::builder().create(create()).build())
        .send()
        .await
        .unwrap();
    let described = out.table_description().unwrap();
    assert_eq!(described.vector_indexes().len(), 1);
    assert!(described.attribute_definitions().iter().any(|d| d.attribute_name() == "tenant"));
    // Added to a table, it backfills like a GSI: CREATING with Backfilling,
    // not searchable, then ACTIVE without the field.
    let ix = &described.vector_indexes()[0];
    assert_eq!(ix.index_status().map(|s| s.as_str()), Some("CREATING"));
    assert_eq!(ix.backfilling(), Some(true));
    let e = c
        .search_vectors()
        .table_name("Docs")
        .index_name("by-tenant")
        .set_search_vector(Some(query(&[1.0, 0.0])))
        .top_k(5)
        .search_condition_expression("tenant = :t")
        .expression_attribute_values(":t", Av::S("t1".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some("Cannot search backfilling vector index: by-tenant"));
    let mut active = false;
    for _ in 0..100 {
        let t = c.describe_table().table_name("Docs").send().await.unwrap().table.unwrap();
        let ix = &t.vector_indexes()[0];
        if ix.index_status().map(|s| s.as_str()) == Some("ACTIVE") {
            assert_eq!(ix.backfilling(), None);
            active = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(active, "the index never became ACTIVE");

    // Items written before the index are in it once it is ACTIVE.
    let found = c
        .search_vectors()
        .table_name("Docs")
        .index_name("by-tenant")
        .set_search_vector(Some(query(&[1.0, 0.0])))
        .top_k(5)
        .search_condition_expression("tenant = :t")
        .expression_attribute_values(":t", Av::S("t1".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(ids(found.search_results()), ["d2", "d1"]);

    // The same name again, then a delete, then a search of the deleted index.
    let e = c
        .update_table()
        .table_name("Docs")
        .attribute_definitions(def("tenant"))
        .vector_index_updates(VectorIndexUpdate::builder().create(create()).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some("Attempting to create an index which already exists"));
    // One index operation per call: two creates exceed the limit.
    let mut two = create();
    two.index_name = "other".into();
    let e = c
        .update_table()
        .table_name("Docs")
        .attribute_definitions(def("tenant"))
        .vector_index_updates(VectorIndexUpdate::builder().create(create()).build())
        .vector_index_updates(VectorIndexUpdate::builder().create(two).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("LimitExceededException"));
    assert_eq!(
        e.message(),
        Some("Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table")
    );
    c.update_table()
        .table_name("Docs")
        .vector_index_updates(
            VectorIndexUpdate::builder()
                .delete(DeleteVectorIndexAction::builder().index_name("by-tenant").build().unwrap())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let table = c.describe_table().table_name("Docs").send().await.unwrap().table.unwrap();
    assert!(table.vector_indexes().is_empty());
    let e = c
        .search_vectors()
        .table_name("Docs")
        .index_name("by-tenant")
        .set_search_vector(Some(query(&[1.0, 0.0])))
        .top_k(5)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some("The table does not have the specified index: by-tenant"));
    stack.stop().await;
}

/// A write's VectorWriteRequestBytes is the item size of each index's
/// entry, the vector counted as its name plus 4 bytes a dimension, at
/// least 1 KB per index; the table write bills the vector the same way
/// while reads size it by its numbers (paritysuite/dynamodb-conformance's
/// vector capacity tests, captured against DynamoDB).
#[tokio::test]
async fn vector_writes_are_metered_by_their_index_entries() {
    let s = Stack::start().await;
    let c = s.client();
    let all = Projection::builder().projection_type(ProjectionType::All).build();
    let keys = Projection::builder().projection_type(ProjectionType::KeysOnly).build();
    let three = |name: &str, projection: Projection| {
        VectorIndex::builder()
            .index_name(name)
            .vector_attribute(VectorAttributeDefinition::builder().attribute_name("embedding").build().unwrap())
            .dimensions(3)
            .distance_function(VectorDistanceFunction::Cosine)
            .projection(projection)
            .build()
            .unwrap()
    };
    c.create_table()
        .table_name("Vecs")
        .attribute_definitions(def("pk"))
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .vector_indexes(three("vix", all))
        .vector_indexes(three("vkeys", keys))
        .send()
        .await
        .unwrap();
    let put = |item: Vec<(&str, Av)>, mode: ReturnConsumedCapacity| {
        let mut b = c.put_item().table_name("Vecs").return_consumed_capacity(mode);
        for (name, value) in item {
            b = b.item(name, value);
        }
        b.send()
    };
    let wide = "12345678901234567890123456789012345678";
    let wide_vector = Av::L(vec![Av::N(wide.into()); 3]);
    // pk + "a1" + "embedding" + 12 + "blob" + 1,500: the ALL entry is
    // 1,529 bytes, the KEYS_ONLY entry (key and vector) the 1 KB floor.
    let out = put(
        vec![("pk", Av::S("a1".into())), ("embedding", wide_vector.clone()), ("blob", Av::S("x".repeat(1500)))],
        ReturnConsumedCapacity::Indexes,
    )
    .await
    .unwrap();
    let by_index = out.consumed_capacity().unwrap().vector_indexes().unwrap().clone();
    assert_eq!(by_index["vix"].vector_write_request_bytes(), Some(1529.0));
    assert_eq!(by_index["vkeys"].vector_write_request_bytes(), Some(1024.0));
    // An item of exactly 1,024 billed bytes (the vector at 12) is one unit,
    // though its 38-digit numbers take 3 + 3 * 21 bytes as stored.
    let pad = 1024 - ("pk".len() + 2 + "embedding".len() + 12 + "pad".len());
    let item = |key: &str, pad: usize| {
        vec![("pk", Av::S(key.into())), ("embedding", wide_vector.clone()), ("pad", Av::S("p".repeat(pad)))]
    };
    let units = |out: aws_sdk_dynamodb::operation::put_item::PutItemOutput| out.consumed_capacity().unwrap().capacity_units();
    assert_eq!(units(put(item("b1", pad), ReturnConsumedCapacity::Total).await.unwrap()), Some(1.0));
    assert_eq!(units(put(item("b2", pad + 1), ReturnConsumedCapacity::Total).await.unwrap()), Some(2.0));
    // A read sizes the vector by its numbers: 4,096 billed bytes read as
    // more than 4 KB.
    put(item("r1", pad + 3072), ReturnConsumedCapacity::None).await.unwrap();
    let read = c
        .get_item()
        .table_name("Vecs")
        .key("pk", Av::S("r1".into()))
        .consistent_read(true)
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    assert_eq!(read.consumed_capacity().unwrap().capacity_units(), Some(2.0));
    s.stop().await;
}

/// SearchVectors reads its four required members as DynamoDB's serde-based
/// front end does: an explicit null is a SerializationException in serde's
/// words, a missing member a ValidationException naming it, before any
/// other check and before the table is looked up.
#[tokio::test]
async fn search_vectors_reads_its_required_members_as_dynamodb_does() {
    use crate::harness::{error_name, send, signed_request};
    let s = Stack::start().await;
    let call = |body: serde_json::Value| {
        let req = signed_request(
            &s.endpoint(),
            "DynamoDB_20120810.SearchVectors",
            &body.to_string(),
            &s.key.access_key_id,
            s.key.secret_access_key.expose(),
            std::time::SystemTime::now(),
            false,
        );
        send(req)
    };
    let valid = serde_json::json!({"TableName": "Absent", "IndexName": "vix", "SearchVector": [{"N": "1"}], "TopK": 1});
    for (member, expected) in [("IndexName", "a string"), ("TableName", "a string"), ("SearchVector", "a sequence"), ("TopK", "i32")] {
        let mut body = valid.clone();
        body[member] = serde_json::Value::Null;
        let (status, _, json, _) = call(body).await;
        assert_eq!((status, error_name(&json)), (400, "SerializationException"), "{member}: {json}");
        let message = json["Message"].as_str().or(json["message"].as_str()).unwrap_or_default().to_owned();
        let prefix = format!("invalid type: null, expected {expected} at line 1 column ");
        assert!(message.starts_with(&prefix) && message[prefix.len()..].parse::<u32>().is_ok(), "{member}: {message}");
    }
    // A fractional TopK is refused, not truncated as other operations'
    // integers are (Alternator's test_searchvectors_topk_bad).
    let mut body = valid.clone();
    body["TopK"] = serde_json::json!(1.5);
    let (status, _, json, _) = call(body).await;
    assert_eq!((status, error_name(&json)), (400, "SerializationException"), "{json}");
    let message = json["Message"].as_str().or(json["message"].as_str()).unwrap_or_default();
    assert!(message.starts_with("invalid type: floating point `1.5`, expected i32 at line 1 column "), "{message}");
    let mut body = valid.clone();
    body.as_object_mut().unwrap().remove("TableName");
    body["IndexName"] = "ab".into();
    let (status, _, json, _) = call(body).await;
    assert_eq!((status, error_name(&json)), (400, "ValidationException"), "{json}");
    let message = json["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("missing field `TableName` at line 1 column "), "{message}");
    s.stop().await;
}

/// What Alternator's test_vector_new.py, run against DynamoDB, records
/// about vector index definitions and scores: a projection needs its type,
/// the vector attribute is no key (nor the key of a later GSI), index
/// names are shared with GSIs, an INLINE_FILTER attribute may be empty and
/// a DOT_PRODUCT score beyond 32-bit floats is a large finite number.
#[tokio::test]
async fn vector_index_definitions_and_scores_follow_alternators_tests() {
    use crate::harness::{error_name, send, signed_request};
    let s = Stack::start().await;
    let call = |op: &str, body: serde_json::Value| {
        let req = signed_request(
            &s.endpoint(),
            &format!("DynamoDB_20120810.{op}"),
            &body.to_string(),
            &s.key.access_key_id,
            s.key.secret_access_key.expose(),
            std::time::SystemTime::now(),
            false,
        );
        async move {
            let (status, _, json, _) = send(req).await;
            let message = json["Message"].as_str().or(json["message"].as_str()).unwrap_or_default().to_owned();
            (status, error_name(&json).to_owned(), message)
        }
    };
    let vix = |name: &str, attribute: &str, projection: serde_json::Value| {
        serde_json::json!({"IndexName": name, "VectorAttribute": {"AttributeName": attribute}, "Dimensions": 3,
            "DistanceFunction": "DOT_PRODUCT", "Projection": projection})
    };
    let table = |name: &str, indexes: serde_json::Value| {
        serde_json::json!({"TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "p", "AttributeType": "S"}, {"AttributeName": "y", "AttributeType": "S"}],
            "VectorIndexes": indexes})
    };
    let keys = serde_json::json!({"ProjectionType": "KEYS_ONLY"});
    let schema = |mut v: serde_json::Value| {
        v["SearchSchema"] = serde_json::json!([{"AttributeName": "y", "SearchSchemaElementType": "INLINE_FILTER"}]);
        v
    };

    // Projection {} has no type: refused, in CreateTable and UpdateTable.
    let (status, name, message) = call("CreateTable", table("NoType", serde_json::json!([schema(vix("vind", "v", serde_json::json!({})))]))).await;
    assert_eq!((status, name.as_str()), (400, "ValidationException"), "{message}");
    assert!(message.contains("Projection"), "{message}");
    // The vector attribute is not the table's key.
    let (_, name, message) = call("CreateTable", table("KeyVec", serde_json::json!([schema(vix("vind", "p", keys.clone()))]))).await;
    assert_eq!(name, "ValidationException");
    assert!(message.contains("VectorAttribute"), "{message}");

    let (status, _, message) = call("CreateTable", table("Vec", serde_json::json!([schema(vix("vind", "v", keys.clone()))]))).await;
    assert_eq!(status, 200, "{message}");
    let (_, name, message) = call(
        "UpdateTable",
        serde_json::json!({"TableName": "Vec", "VectorIndexUpdates": [{"Create": vix("vind2", "w", serde_json::json!({}))}]}),
    )
    .await;
    assert_eq!(name, "ValidationException");
    assert!(message.contains("Projection"), "{message}");
    // A GSI named like the vector index, or keyed on its attribute.
    let gsi = |index: &str, key: &str| {
        serde_json::json!({"TableName": "Vec", "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": index,
                "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}]})
    };
    let (_, name, message) = call("UpdateTable", gsi("vind", "p")).await;
    assert_eq!((name.as_str(), message.as_str()), ("ValidationException", "Attempting to create an index which already exists"));
    let (_, name, message) = call("UpdateTable", gsi("gsi", "v")).await;
    assert_eq!(name, "ValidationException");
    assert!(message.contains("attribute"), "{message}");

    // An empty INLINE_FILTER value is written.
    let c = s.client();
    c.put_item()
        .table_name("Vec")
        .item("p", Av::S("empty".into()))
        .item("y", Av::S(String::new()))
        .send()
        .await
        .unwrap();

    // [1e38, 0, 0] against itself: 1e76 under DOT_PRODUCT, ranked first;
    // its opposite far below -1e38, ranked last.
    for (id, v) in [("high", 1e38_f32), ("mid", 0.0), ("low", -1e38)] {
        c.put_item().table_name("Vec").item("p", Av::S(id.into())).item("v", vector(&[v, 0.0, 0.0])).send().await.unwrap();
    }
    let out = c
        .search_vectors()
        .table_name("Vec")
        .index_name("vind")
        .set_search_vector(Some(query(&[1e38, 0.0, 0.0])))
        .top_k(3)
        .send()
        .await
        .unwrap();
    let results = out.search_results();
    let found: Vec<_> = results.iter().map(|r| r.item().and_then(|i| i.get("p")).and_then(|v| v.as_s().ok()).cloned()).collect();
    assert_eq!(found, [Some("high".to_owned()), Some("mid".to_owned()), Some("low".to_owned())]);
    let scores: Vec<_> = results.iter().map(|r| r.score()).collect();
    assert!(scores[0] >= 1e38 && scores[1].abs() < 1e-5 && scores[2] < -1e38, "{scores:?}");
    s.stop().await;
}
