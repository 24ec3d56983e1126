//! CreateTable validation against DynamoDB's documented messages.

use serde_json::json;

use super::*;

fn input(v: serde_json::Value) -> CreateTableInput {
    serde_json::from_value(v).unwrap()
}

fn base() -> serde_json::Value {
    json!({
        "TableName": "Music",
        "AttributeDefinitions": [
            {"AttributeName": "Artist", "AttributeType": "S"},
            {"AttributeName": "SongTitle", "AttributeType": "S"}
        ],
        "KeySchema": [
            {"AttributeName": "Artist", "KeyType": "HASH"},
            {"AttributeName": "SongTitle", "KeyType": "RANGE"}
        ],
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    })
}

fn err(v: serde_json::Value) -> String {
    input(v).validate().unwrap_err()
}

/// `v` with a numeric `Year` attribute and one GSI, `name`, keyed on it
/// with a KEYS_ONLY projection and the members of `extra` besides.
fn with_year_gsi(mut v: serde_json::Value, name: &str, extra: serde_json::Value) -> serde_json::Value {
    v["AttributeDefinitions"].as_array_mut().unwrap().push(json!({"AttributeName": "Year", "AttributeType": "N"}));
    let mut gsi = json!({
        "IndexName": name,
        "KeySchema": [{"AttributeName": "Year", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"}
    });
    gsi.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    v["GlobalSecondaryIndexes"] = json!([gsi]);
    v
}

#[test]
fn developer_guide_music_table_is_valid() {
    let spec = input(base()).validate().unwrap();
    assert_eq!(spec.key_schema.hash.name, "Artist");
    assert_eq!(spec.key_schema.range.as_ref().unwrap().name, "SongTitle");
    assert_eq!(spec.throughput, Some(Throughput { read: 5, write: 5 }));
    assert_eq!(spec.billing_mode, BillingMode::Provisioned);
}

#[test]
fn constraint_phase_collects_violations() {
    let e = err(json!({
        "TableName": "ab",
        "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "X"}],
        "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
        "BillingMode": "FREE"
    }));
    assert_eq!(
        e,
        "3 validation errors detected: \
         Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]; \
         Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; \
         Value 'FREE' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"
    );
    let e = err(json!({}));
    assert!(e.starts_with("3 validation errors detected: Value null at 'attributeDefinitions'"), "{e}");
}

#[test]
fn billing_mode_rules() {
    let mut v = base();
    v["BillingMode"] = json!("PAY_PER_REQUEST");
    assert_eq!(
        err(v),
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
    );
    let mut v = base();
    v.as_object_mut().unwrap().remove("ProvisionedThroughput");
    assert_eq!(
        err(v.clone()),
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
    );
    v["BillingMode"] = json!("PAY_PER_REQUEST");
    let spec = input(v).validate().unwrap();
    assert_eq!(spec.billing_mode, BillingMode::PayPerRequest);
    assert_eq!(spec.throughput, None);
    let mut v = base();
    v["ProvisionedThroughput"]["ReadCapacityUnits"] = json!(0);
    assert_eq!(
        err(v),
        "1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
}

/// CreateTable and UpdateTable word a provisioned table's index without
/// throughput differently (the AWS CLI's GameTitleIndex example, and
/// Alternator's test_gsi_throughput_required_in_provisioned_mode, both
/// against DynamoDB).
#[test]
fn a_provisioned_tables_new_index_needs_throughput() {
    let v = with_year_gsi(base(), "byYear", json!({}));
    assert_eq!(
        err(v),
        "One or more parameter values were invalid: ProvisionedThroughput is not specified for index: byYear"
    );
}

#[test]
fn key_schema_rules() {
    let mut v = base();
    v["AttributeDefinitions"] = json!([{"AttributeName": "Artist", "AttributeType": "S"}]);
    assert_eq!(err(v), "Invalid KeySchema: Some index key attribute have no definition");

    let mut v = base();
    v["AttributeDefinitions"][1]["AttributeName"] = json!("Other");
    assert_eq!(
        err(v),
        "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [Artist, SongTitle], AttributeDefinitions: [Artist, Other]"
    );

    let mut v = base();
    v["KeySchema"][0]["KeyType"] = json!("RANGE");
    v["KeySchema"][1]["KeyType"] = json!("HASH");
    assert_eq!(err(v), "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");

    let mut v = base();
    v["KeySchema"][1]["KeyType"] = json!("HASH");
    assert_eq!(err(v), "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");

    let mut v = base();
    v["KeySchema"][1]["AttributeName"] = json!("Artist");
    assert_eq!(err(v), "Both the Hash Key and the Range Key element in the KeySchema have the same name");

    let mut v = base();
    v["KeySchema"] = json!([{"AttributeName": "Artist", "KeyType": "HASH"}]);
    assert_eq!(
        err(v),
        "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
    );
}

#[test]
fn index_rules() {
    let v = with_year_gsi(
        base(),
        "ByYear",
        json!({"ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}),
    );
    let spec = input(v.clone()).validate().unwrap();
    assert_eq!(spec.global_secondary_indexes.len(), 1);
    assert_eq!(spec.global_secondary_indexes[0].projection, ProjectionSpec::KeysOnly);

    let mut dup = v.clone();
    let gsi = dup["GlobalSecondaryIndexes"][0].clone();
    dup["GlobalSecondaryIndexes"].as_array_mut().unwrap().push(gsi);
    assert_eq!(err(dup), "One or more parameter values were invalid: Duplicate index name: ByYear");

    let mut proj = v.clone();
    proj["GlobalSecondaryIndexes"][0]["Projection"] = json!({"ProjectionType": "ALL", "NonKeyAttributes": ["x"]});
    assert_eq!(
        err(proj),
        "One or more parameter values were invalid: ProjectionType is ALL, but NonKeyAttributes is specified"
    );

    let mut unused = v.clone();
    unused["AttributeDefinitions"].as_array_mut().unwrap().push(json!({"AttributeName": "Extra", "AttributeType": "S"}));
    assert_eq!(
        err(unused),
        "One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [Artist, SongTitle, Year, Extra], keys used: [Artist, SongTitle, Year]"
    );

    let mut lsi = base();
    lsi["AttributeDefinitions"].as_array_mut().unwrap().push(json!({"AttributeName": "Year", "AttributeType": "N"}));
    lsi["LocalSecondaryIndexes"] = json!([{
        "IndexName": "ByYear",
        "KeySchema": [{"AttributeName": "SongTitle", "KeyType": "HASH"}, {"AttributeName": "Year", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}
    }]);
    assert_eq!(
        err(lsi),
        "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: ByYear. index hash key: SongTitle, table hash key: Artist"
    );
}

#[test]
fn description_has_the_sdk_fields() {
    let spec = input(base()).validate().unwrap();
    let def = TableDefinition::new("id-1".into(), 1_700_000_000.5, spec);
    let d = describe(
        &def,
        "ACTIVE",
        Location { partition: "aws", region: "us-east-1", account_id: "123456789012" },
        Usage::default(),
    );
    assert_eq!(d["TableArn"], "arn:aws:dynamodb:us-east-1:123456789012:table/Music");
    assert_eq!(d["TableStatus"], "ACTIVE");
    assert_eq!(d["ProvisionedThroughput"]["ReadCapacityUnits"], 5);
    assert_eq!(d["ItemCount"], 0);
    assert_eq!(d["DeletionProtectionEnabled"], false);
    assert!(d.get("BillingModeSummary").is_none(), "provisioned tables omit it");
    let back: TableDefinition = serde_json::from_value(serde_json::to_value(&def).unwrap()).unwrap();
    assert_eq!(back, def);
    assert!(d.get("key_hash").is_none() && d.get("KeyHash").is_none(), "internal");
    // A new table scans in DynamoDB's order; one stored before the scheme
    // was recorded keeps the order its keys were written in.
    assert_eq!(def.key_hash, crate::key_hash::KeyHash::DynamoDb);
    let mut stored = serde_json::to_value(&def).unwrap();
    stored.as_object_mut().unwrap().remove("key_hash");
    let old: TableDefinition = serde_json::from_value(stored).unwrap();
    assert_eq!(old.key_hash, crate::key_hash::KeyHash::Fnv);
}

#[test]
fn tags_are_limited_in_number_and_characters() {
    let mut v = base();
    v["Tags"] = json!((0..51).map(|i| json!({"Key": i.to_string(), "Value": "v"})).collect::<Vec<_>>());
    assert_eq!(
        err(v.clone()),
        "Number of Tags exceed the current limit for the provided ResourceArn"
    );
    v["Tags"] = json!((0..50).map(|i| json!({"Key": i.to_string(), "Value": "v"})).collect::<Vec<_>>());
    assert_eq!(input(v.clone()).validate().unwrap().tags.len(), 50);
    v["Tags"] = json!([{"Key": "hi!", "Value": "ok"}, {"Key": "ok", "Value": "a b+c-d=e.f_g:h/i@j ü9"}]);
    assert_eq!(err(v.clone()), "The Tag Key provided is invalid, Key: hi!");
    let long = "x".repeat(257);
    v["Tags"] = json!([{"Key": "k", "Value": long}]);
    assert_eq!(err(v.clone()), format!("The Tag Value provided is invalid, Value: {long}"));
    v["Tags"] = json!([{}]);
    assert_eq!(err(v), "The Tag Key provided is invalid, Key: null");
    let tag = |k: &str, v: &str| TagsInput {
        resource_arn: Some("arn:aws:dynamodb:us-east-1:1:table/T".into()),
        tags: Some(vec![Tag { key: Some(k.into()), value: Some(v.into()) }]),
        ..TagsInput::default()
    };
    assert_eq!(tag("dog", "d%g").change(TagOp::Tag).unwrap_err(), "The Tag Value provided is invalid, Value: d%g");
    assert_eq!(tag("bad#char", "v").change(TagOp::Tag).unwrap_err(), "The Tag Key provided is invalid, Key: bad#char");
    assert_eq!(tag("AWS:foo", "v").change(TagOp::Tag).unwrap_err(), "Tag Key cannot be prefixed with aws:, Key: AWS:foo");
    assert!(tag("myaws:foo", "v").change(TagOp::Tag).is_ok());
    let twice = TagsInput {
        resource_arn: Some("arn:aws:dynamodb:us-east-1:1:table/T".into()),
        tags: Some(vec![Tag { key: Some("k".into()), value: Some("1".into()) }, Tag { key: Some("k".into()), value: Some("2".into()) }]),
        ..TagsInput::default()
    };
    assert_eq!(twice.change(TagOp::Tag).unwrap_err(), "Duplicate Tag Keys provided as input: Duplicate Tag Key found k");
    let long = "k".repeat(129);
    assert_eq!(tag(&long, "v").change(TagOp::Tag).unwrap_err(), format!("The Tag Key provided is invalid, Key: {long}"));
    assert_eq!(tag("", "v").change(TagOp::Tag).unwrap_err(), "The Tag Key provided is invalid, Key: ");
    let no_value = TagsInput {
        resource_arn: Some("arn:aws:dynamodb:us-east-1:1:table/T".into()),
        tags: Some(vec![Tag { key: Some("k".into()), value: None }]),
        ..TagsInput::default()
    };
    assert_eq!(no_value.change(TagOp::Tag).unwrap_err(), "The Tag Value provided is invalid, Value: null");
    let many = TagsInput {
        resource_arn: Some("arn:aws:dynamodb:us-east-1:1:table/T".into()),
        tag_keys: Some((0..51).map(|i| i.to_string()).collect()),
        ..TagsInput::default()
    };
    assert_eq!(many.change(TagOp::Untag).unwrap_err(), "Number of Tags exceed the current limit for the provided ResourceArn");
    let untag = TagsInput {
        resource_arn: Some("arn:aws:dynamodb:us-east-1:1:table/T".into()),
        tag_keys: Some(vec!["absent".into(), "aws:foo".into()]),
        ..TagsInput::default()
    };
    assert_eq!(untag.change(TagOp::Untag).unwrap_err(), "Tag Key cannot be prefixed with aws:, Key: aws:foo");
    let mut v = base();
    v["Tags"] = json!([{"Key": "aws:x", "Value": "1"}]);
    assert_eq!(err(v), "Tag Key cannot be prefixed with aws:, Key: aws:x");
    assert!(tag("dog", "\"hello\"").change(TagOp::Tag).is_err());
    assert!(tag("dog", "").change(TagOp::Tag).is_ok());
}

#[test]
fn update_table_checks_attribute_definitions() {
    let input: UpdateTableInput = serde_json::from_value(json!({
        "TableName": "Music",
        "AttributeDefinitions": [{"AttributeName": "x".repeat(256), "AttributeType": "S"}],
        "GlobalSecondaryIndexUpdates": [{"Create": {
            "IndexName": "ByX",
            "KeySchema": [{"AttributeName": "other", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}
        }}]
    }))
    .unwrap();
    let e = input.validate().unwrap_err();
    assert!(e.contains("at 'attributeDefinitions.1.member.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255"), "{e}");
    let input: UpdateTableInput = serde_json::from_value(json!({
        "TableName": "Music",
        "AttributeDefinitions": [{"AttributeName": "short", "AttributeType": "S"}],
        "GlobalSecondaryIndexUpdates": [{"Create": {
            "IndexName": "ByX",
            "KeySchema": [{"AttributeName": "x".repeat(256), "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}
        }}]
    }))
    .unwrap();
    let e = input.validate().unwrap_err();
    assert!(e.contains("at 'globalSecondaryIndexUpdates.1.member.create.keySchema.1.member.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255"), "{e}");
}

/// Each GlobalSecondaryIndexUpdates entry's members are checked with the
/// request's other constraints, at the entry's own position, before the
/// table is looked up (dynalite's updateTable.js, recorded against DynamoDB).
#[test]
fn index_update_members_are_checked_at_their_position() {
    let check = |updates: serde_json::Value| {
        let input: UpdateTableInput = serde_json::from_value(json!({"TableName": "abc", "GlobalSecondaryIndexUpdates": updates})).unwrap();
        input.validate().unwrap_err()
    };
    assert_eq!(
        check(json!([{"Update": {}}])),
        "1 validation error detected: Value null at 'globalSecondaryIndexUpdates.1.member.update.indexName' failed to satisfy constraint: Member must not be null"
    );
    assert_eq!(
        check(json!([
            {"Update": {"IndexName": "a", "ProvisionedThroughput": {}}},
            {"Update": {"IndexName": "abc;", "ProvisionedThroughput": {"ReadCapacityUnits": 1_000_000_000_001_i64, "WriteCapacityUnits": 0}}}
        ])),
        "5 validation errors detected: \
         Value 'a' at 'globalSecondaryIndexUpdates.1.member.update.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3; \
         Value null at 'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must not be null; \
         Value null at 'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must not be null; \
         Value 'abc;' at 'globalSecondaryIndexUpdates.2.member.update.indexName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; \
         Value '0' at 'globalSecondaryIndexUpdates.2.member.update.provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
    assert_eq!(
        check(json!([{"Delete": {"IndexName": "ok1"}}, {"Delete": {}}])),
        "1 validation error detected: Value null at 'globalSecondaryIndexUpdates.2.member.delete.indexName' failed to satisfy constraint: Member must not be null"
    );
    assert_eq!(
        check(json!([{"Delete": {"IndexName": "ok1"}}, {"Create": {}}])),
        "3 validation errors detected: \
         Value null at 'globalSecondaryIndexUpdates.2.member.create.indexName' failed to satisfy constraint: Member must not be null; \
         Value null at 'globalSecondaryIndexUpdates.2.member.create.keySchema' failed to satisfy constraint: Member must not be null; \
         Value null at 'globalSecondaryIndexUpdates.2.member.create.projection' failed to satisfy constraint: Member must not be null"
    );
    // Bounds beyond the member constraints come after them, naming the index.
    assert_eq!(
        check(json!([{"Update": {"IndexName": "abc", "ProvisionedThroughput": {"ReadCapacityUnits": 1_000_000_000_001_i64, "WriteCapacityUnits": 1_000_000_000_001_i64}}}])),
        "Given value 1000000000001 for ReadCapacityUnits is out of bounds for index abc"
    );
}

#[test]
fn duplicated_attribute_definitions_are_refused() {
    let mut v = base();
    v["AttributeDefinitions"] = json!([
        {"AttributeName": "Artist", "AttributeType": "S"},
        {"AttributeName": "SongTitle", "AttributeType": "S"},
        {"AttributeName": "SongTitle", "AttributeType": "N"}
    ]);
    assert_eq!(err(v), "Attribute Name is duplicated: SongTitle");
}

#[test]
fn unknown_table_classes_have_their_own_message() {
    for class in ["standard", "junk"] {
        let mut v = base();
        v["TableClass"] = json!(class);
        assert_eq!(
            err(v),
            "Invalid table-class parameter provided. Please try again with a valid table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS]."
        );
    }
    let mut v = base();
    v["TableClass"] = json!("STANDARD_INFREQUENT_ACCESS");
    assert!(input(v).validate().is_ok());
}

#[test]
fn include_projections_name_their_attributes_once() {
    let with_gsi = |projection: serde_json::Value| {
        let mut v = base();
        v["GlobalSecondaryIndexes"] = json!([{
            "IndexName": "ByTitle",
            "KeySchema": [{"AttributeName": "SongTitle", "KeyType": "HASH"}],
            "Projection": projection,
            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
        }]);
        v
    };
    assert!(err(with_gsi(json!({"ProjectionType": "INCLUDE"}))).contains("NonKeyAttributes is not specified"));
    assert_eq!(
        err(with_gsi(json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b", "a"]}))),
        "One or more parameter values were invalid: Duplicate element in NonKeyAttributes: a"
    );
    let e = err(with_gsi(json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x".repeat(256)]})));
    assert!(e.contains("at 'globalSecondaryIndexes.1.member.projection.nonKeyAttributes' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 255"), "{e}");
    assert!(input(with_gsi(json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x".repeat(255)]}))).validate().is_ok());
}

#[test]
fn warm_throughput_starts_at_the_baseline_and_only_grows() {
    // A provisioned table (base() is 5/5) starts at its capacity.
    let mut v = base();
    v["WarmThroughput"] = json!({"ReadUnitsPerSecond": 12_120});
    let spec = input(v).validate().unwrap();
    assert_eq!(spec.warm_throughput, Some(WarmThroughput { read: 12_120, write: 5 }));
    let mut v = base();
    v["WarmThroughput"] = json!({"ReadUnitsPerSecond": 12_000, "WriteUnitsPerSecond": 4});
    assert_eq!(
        err(v),
        "One or more parameter values were invalid: Requested WriteUnitsPerSecond for WarmThroughput for table is lower than WriteCapacityUnits of ProvisionedThroughput"
    );
    // An on-demand one at the baseline.
    let mut v = base();
    v.as_object_mut().unwrap().remove("ProvisionedThroughput");
    v["BillingMode"] = json!("PAY_PER_REQUEST");
    v["WarmThroughput"] = json!({"ReadUnitsPerSecond": 12_000, "WriteUnitsPerSecond": 3_999});
    assert_eq!(
        err(v),
        "One or more parameter values were invalid: Requested WriteUnitsPerSecond for WarmThroughput for table is lower than initial throughput for OnDemand"
    );

    let mut def = TableDefinition::new("id".into(), 1.0, input(base()).validate().unwrap());
    let loc = Location { partition: "aws", region: "us-east-1", account_id: "123456789012" };
    assert_eq!(describe(&def, "ACTIVE", loc, Usage::default())["WarmThroughput"], json!({"ReadUnitsPerSecond": 5, "WriteUnitsPerSecond": 5, "Status": "ACTIVE"}));
    let up = |read: i64, write: i64| TableChange::Update(TableUpdate {
        warm_throughput: Some(WarmThroughputInput { read_units_per_second: Some(read), write_units_per_second: Some(write) }),
        ..TableUpdate::default()
    });
    let pt = |read: i64, write: i64| TableChange::Update(TableUpdate { throughput: Some(Throughput { read, write }), ..TableUpdate::default() });
    // It follows the highest capacity, and never drops.
    def.apply(&pt(8, 6), 2.0).unwrap();
    def.apply(&pt(3, 3), 3.0).unwrap();
    assert_eq!(def.warm(), WarmThroughput { read: 8, write: 6 });
    def.apply(&up(12_240, 4_080), 4.0).unwrap();
    assert_eq!(def.warm(), WarmThroughput { read: 12_240, write: 4_080 });
    let e = def.apply(&up(12_120, 4_080), 5.0).unwrap_err().to_string();
    assert_eq!(e, "One or more parameter values were invalid: Requested ReadUnitsPerSecond for WarmThroughput for table is lower than current WarmThroughput, decreasing WarmThroughput is not supported");
    let d = describe(&def, "ACTIVE", loc, Usage::default());
    assert_eq!(d["WarmThroughput"], json!({"ReadUnitsPerSecond": 12_240, "WriteUnitsPerSecond": 4_080, "Status": "ACTIVE"}));

    // The table class records when it last changed.
    let class = TableChange::Update(TableUpdate { table_class: Some("STANDARD_INFREQUENT_ACCESS".into()), ..TableUpdate::default() });
    def.apply(&class, 5.0).unwrap();
    let d = describe(&def, "ACTIVE", loc, Usage::default());
    assert_eq!(d["TableClassSummary"], json!({"TableClass": "STANDARD_INFREQUENT_ACCESS", "LastUpdateDateTime": 5.0}));

    // SSESpecification alone is an update: a KMS key, then back to the
    // key DynamoDB owns (no SSEDescription).
    let sse = |enabled: bool| TableChange::Update(TableUpdate { sse: Some((enabled, None)), ..TableUpdate::default() });
    def.apply(&sse(true), 6.0).unwrap();
    let d = describe(&def, "ACTIVE", loc, Usage::default());
    assert_eq!(d["SSEDescription"]["Status"], "ENABLED");
    assert_eq!(d["SSEDescription"]["SSEType"], "KMS");
    assert_eq!(d["SSEDescription"]["KMSMasterKeyArn"], json!(super::managed_kms_key_arn(loc)));
    def.apply(&sse(false), 7.0).unwrap();
    let d = describe(&def, "ACTIVE", loc, Usage::default());
    assert!(d.get("SSEDescription").is_none(), "{d}");
    // Re-sends that change nothing are refused.
    let e = def.apply(&sse(false), 8.0).unwrap_err();
    assert_eq!(e.message(), "One or more parameter values were invalid: Table is already encrypted by default");
    let keyed = TableChange::Update(TableUpdate { sse: Some((true, Some("arn:aws:kms:us-east-1:1:key/k".into()))), ..TableUpdate::default() });
    def.apply(&keyed, 9.0).unwrap();
    let e = def.apply(&keyed, 10.0).unwrap_err();
    assert!(e.message().starts_with("One or more parameter values were invalid: Table is already encrypted with given KMSMasterKeyId."), "{}", e.message());
}

fn multi_gsi(key_schema: serde_json::Value) -> serde_json::Value {
    let mut v = base();
    v["AttributeDefinitions"] = json!([
        {"AttributeName": "Artist", "AttributeType": "S"},
        {"AttributeName": "SongTitle", "AttributeType": "S"},
        {"AttributeName": "h1", "AttributeType": "S"},
        {"AttributeName": "h2", "AttributeType": "N"},
        {"AttributeName": "h3", "AttributeType": "B"},
        {"AttributeName": "h4", "AttributeType": "S"},
        {"AttributeName": "h5", "AttributeType": "S"},
        {"AttributeName": "r1", "AttributeType": "N"},
        {"AttributeName": "r2", "AttributeType": "S"},
        {"AttributeName": "r3", "AttributeType": "B"},
        {"AttributeName": "r4", "AttributeType": "S"},
        {"AttributeName": "r5", "AttributeType": "S"}
    ]);
    v["GlobalSecondaryIndexes"] = json!([{
        "IndexName": "Multi",
        "KeySchema": key_schema,
        "Projection": {"ProjectionType": "ALL"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    }]);
    v
}

fn elems(spec: &[(&str, &str)]) -> serde_json::Value {
    json!(spec.iter().map(|(n, t)| json!({"AttributeName": n, "KeyType": t})).collect::<Vec<_>>())
}

/// Every definition used, so that only the key schema rules speak.
fn all_used(v: &mut serde_json::Value) {
    let names: Vec<String> = v["GlobalSecondaryIndexes"][0]["KeySchema"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["AttributeName"].as_str().unwrap().to_owned())
        .collect();
    let defs: Vec<serde_json::Value> = v["AttributeDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            let n = d["AttributeName"].as_str().unwrap();
            n == "Artist" || n == "SongTitle" || names.iter().any(|k| k == n)
        })
        .cloned()
        .collect();
    v["AttributeDefinitions"] = json!(defs);
}

#[test]
fn gsi_multi_attribute_keys_are_accepted() {
    let ks = [("h1", "HASH"), ("h2", "HASH"), ("h3", "HASH"), ("h4", "HASH"), ("r1", "RANGE"), ("r2", "RANGE"), ("r3", "RANGE"), ("r4", "RANGE")];
    let mut v = multi_gsi(elems(&ks));
    all_used(&mut v);
    let spec = input(v).validate().unwrap();
    let k = &spec.global_secondary_indexes[0].key_schema;
    assert!(k.is_multi());
    let hashes: Vec<(&str, ScalarType)> = k.hash_attrs().iter().map(|a| (a.name.as_str(), a.ty)).collect();
    assert_eq!(hashes, [("h1", ScalarType::S), ("h2", ScalarType::N), ("h3", ScalarType::B), ("h4", ScalarType::S)]);
    let ranges: Vec<&str> = k.range_attrs().iter().map(|a| a.name.as_str()).collect();
    assert_eq!(ranges, ["r1", "r2", "r3", "r4"]);
    // DescribeTable lists the key schema in the order given.
    let def = TableDefinition::new("id".into(), 0.0, spec);
    let d = describe(&def, "ACTIVE", Location { partition: "aws", region: "us-east-1", account_id: "1" }, Usage::default());
    assert_eq!(d["GlobalSecondaryIndexes"][0]["KeySchema"], elems(&ks));
    // The stored form of a classic key schema is unchanged.
    let classic = KeySchema::simple(KeyAttr { name: "a".into(), ty: ScalarType::S }, None);
    assert_eq!(serde_json::to_value(&classic).unwrap(), json!({"hash": {"name": "a", "ty": "S"}, "range": null}));

    for ks in [
        vec![("h1", "HASH"), ("h2", "HASH")],
        vec![("h1", "HASH"), ("r1", "RANGE"), ("r2", "RANGE")],
        vec![("h1", "HASH"), ("h2", "HASH"), ("r1", "RANGE")],
    ] {
        let mut v = multi_gsi(elems(&ks));
        all_used(&mut v);
        let spec = input(v).validate().unwrap_or_else(|e| panic!("{ks:?}: {e}"));
        assert_eq!(spec.global_secondary_indexes[0].key_schema.attrs().len(), ks.len());
    }
}

#[test]
fn gsi_multi_attribute_key_rules() {
    let check = |ks: &[(&str, &str)]| {
        let mut v = multi_gsi(elems(ks));
        all_used(&mut v);
        err(v)
    };
    // Wording of a 2026 catalogue of DynamoDB's CreateTable messages.
    assert_eq!(
        check(&[("h1", "HASH"), ("h2", "HASH"), ("h3", "HASH"), ("h4", "HASH"), ("h5", "HASH")]),
        "One or more parameter values were invalid: The KeySchema exceeds the maximum allowed number of HASH key attributes"
    );
    assert_eq!(
        check(&[("h1", "HASH"), ("r1", "RANGE"), ("r2", "RANGE"), ("r3", "RANGE"), ("r4", "RANGE"), ("r5", "RANGE")]),
        "One or more parameter values were invalid: The KeySchema exceeds the maximum allowed number of RANGE key attributes"
    );
    assert_eq!(
        check(&[("h1", "HASH"), ("r1", "RANGE"), ("h2", "HASH")]),
        "One or more parameter values were invalid: All HASH key attributes must precede RANGE key attributes in the KeySchema"
    );
    assert_eq!(
        check(&[("h1", "HASH"), ("h2", "HASH"), ("h1", "RANGE")]),
        "The KeySchema contains multiple key attributes with the same name"
    );
    assert_eq!(check(&[("h1", "HASH"), ("h1", "HASH")]), "The KeySchema contains multiple key attributes with the same name");
    // Nine elements: the list constraint.
    let nine = [("h1", "HASH"), ("h2", "HASH"), ("h3", "HASH"), ("h4", "HASH"), ("r1", "RANGE"), ("r2", "RANGE"), ("r3", "RANGE"), ("r4", "RANGE"), ("r5", "RANGE")];
    let e = err(multi_gsi(elems(&nine)));
    assert!(e.contains("at 'globalSecondaryIndexes.1.member.keySchema' failed to satisfy constraint: Member must have length less than or equal to 8"), "{e}");
    // Undefined and unscalar attributes.
    let mut v = multi_gsi(elems(&[("h1", "HASH"), ("h2", "HASH"), ("nope", "RANGE")]));
    all_used(&mut v);
    assert!(err(v).contains("Some index key attributes are not defined in AttributeDefinitions"));
    // Today's messages for classic shapes are kept.
    assert_eq!(
        check(&[("r1", "RANGE"), ("h1", "HASH")]),
        "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
    );
    assert_eq!(
        check(&[("h1", "HASH"), ("h1", "RANGE")]),
        "Both the Hash Key and the Range Key element in the KeySchema have the same name"
    );
    // The table's key and LSIs stay at one HASH and at most one RANGE.
    let mut v = base();
    v["KeySchema"][1]["KeyType"] = json!("HASH");
    assert_eq!(err(v), "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    let mut v = base();
    v["AttributeDefinitions"].as_array_mut().unwrap().push(json!({"AttributeName": "x", "AttributeType": "S"}));
    v["LocalSecondaryIndexes"] = json!([{
        "IndexName": "L",
        "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"}, {"AttributeName": "SongTitle", "KeyType": "RANGE"}, {"AttributeName": "x", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}
    }]);
    assert!(err(v).contains("Member must have length less than or equal to 2"));
}

#[test]
fn update_table_creates_multi_attribute_gsi() {
    let input: UpdateTableInput = serde_json::from_value(json!({
        "TableName": "Music",
        "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "N"}, {"AttributeName": "c", "AttributeType": "S"}],
        "GlobalSecondaryIndexUpdates": [{"Create": {
            "IndexName": "ByABC",
            "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "HASH"}, {"AttributeName": "c", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}
        }}]
    }))
    .unwrap();
    let (_, change) = input.validate().unwrap();
    let text = format!("{change:?}");
    assert!(text.contains("more_hash: [KeyAttr { name: \"b\", ty: N }]"), "{text}");
    let input: UpdateTableInput = serde_json::from_value(json!({
        "TableName": "Music",
        "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "c", "AttributeType": "S"}],
        "GlobalSecondaryIndexUpdates": [{"Create": {
            "IndexName": "ByAC",
            "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "c", "KeyType": "RANGE"}, {"AttributeName": "a", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}
        }}]
    }))
    .unwrap();
    assert!(input.validate().is_err());
}

#[test]
fn update_table_refuses_out_of_bounds_capacity_before_the_table() {
    // dynalite's updateTable.js (recorded against DynamoDB): the bound is
    // checked on a table that does not exist.
    let input: UpdateTableInput = serde_json::from_value(json!({
        "TableName": "abc",
        "ProvisionedThroughput": {"ReadCapacityUnits": 1_000_000_000_001_i64, "WriteCapacityUnits": 1}
    }))
    .unwrap();
    assert_eq!(input.validate().unwrap_err(), "Given value 1000000000001 for ReadCapacityUnits is out of bounds");
    // An index's bound names the index.
    let input: UpdateTableInput = serde_json::from_value(json!({
        "TableName": "abc",
        "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "abc", "ProvisionedThroughput": {
            "ReadCapacityUnits": 1_000_000_000_000_i64, "WriteCapacityUnits": 1_000_000_000_001_i64}}}]
    }))
    .unwrap();
    assert_eq!(input.validate().unwrap_err(), "Given value 1000000000001 for WriteCapacityUnits is out of bounds for index abc");
    let refused = |v: serde_json::Value| serde_json::from_value::<UpdateTableInput>(v).unwrap().validate().unwrap_err();
    assert_eq!(
        refused(json!({"TableName": "abc", "GlobalSecondaryIndexUpdates": []})),
        super::change::NO_CHANGE
    );
    assert_eq!(
        refused(json!({"TableName": "abc", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "abc"}}, {"Delete": {"IndexName": "abc"}}]})),
        "One or more parameter values were invalid: Only one global secondary index update per index is allowed simultaneously. Index: abc"
    );
}

#[test]
fn point_in_time_recovery_is_enabled_for_a_period_and_disabled() {
    let update = |v: serde_json::Value| serde_json::from_value::<UpdateContinuousBackupsInput>(v).unwrap();
    let e = update(json!({"TableName": "tbl"})).validate().unwrap_err();
    assert_eq!(e, "1 validation error detected: Value null at 'pointInTimeRecoverySpecification' failed to satisfy constraint: Member must not be null");
    let e = update(json!({"TableName": "tbl", "PointInTimeRecoverySpecification": {"RecoveryPeriodInDays": 36}}))
        .validate()
        .unwrap_err();
    assert!(e.starts_with("2 validation errors detected: "), "{e}");
    assert!(e.contains("Value null at 'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled' failed to satisfy constraint: Member must not be null"), "{e}");
    assert!(e.contains("Value '36' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 35"), "{e}");

    let mut def = TableDefinition::new("id".into(), 1.0, input(base()).validate().unwrap());
    let loc_now = 1_000_000.0;
    assert_eq!(
        continuous_backups(&def, loc_now),
        json!({"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}})
    );
    let (_, on) = update(json!({"TableName": "tbl", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}))
        .validate()
        .unwrap();
    def.apply(&on, 500.0).unwrap();
    let d = continuous_backups(&def, loc_now);
    assert_eq!(d["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"], "ENABLED");
    assert_eq!(d["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"], 35);
    assert_eq!(d["PointInTimeRecoveryDescription"]["EarliestRestorableDateTime"], 500.0);
    assert_eq!(d["PointInTimeRecoveryDescription"]["LatestRestorableDateTime"], loc_now);
    // A shorter period moves the window's start, not the history's.
    let (_, week) = update(json!({"TableName": "tbl", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "RecoveryPeriodInDays": 7}}))
        .validate()
        .unwrap();
    def.apply(&week, 600.0).unwrap();
    assert_eq!(def.pitr.map(|p| (p.enabled_at, p.recovery_period_days)), Some((500.0, 7)));
    let d = continuous_backups(&def, loc_now);
    assert_eq!(d["PointInTimeRecoveryDescription"]["EarliestRestorableDateTime"], loc_now - 7.0 * 86_400.0);
    let (_, off) = update(json!({"TableName": "tbl", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": false}}))
        .validate()
        .unwrap();
    def.apply(&off, 700.0).unwrap();
    assert_eq!(def.pitr, None);
    let e = update(json!({"TableName": "tbl", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": false, "RecoveryPeriodInDays": 35}}))
        .validate()
        .unwrap_err();
    assert_eq!(e, "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery.");
}

#[test]
fn index_updates_name_what_they_cannot_find_or_change() {
    let mut v = base();
    v["AttributeDefinitions"].as_array_mut().unwrap().push(json!({"AttributeName": "Year", "AttributeType": "N"}));
    v["LocalSecondaryIndexes"] = json!([{"IndexName": "byYear", "KeySchema": [
        {"AttributeName": "Artist", "KeyType": "HASH"}, {"AttributeName": "Year", "KeyType": "RANGE"}
    ], "Projection": {"ProjectionType": "KEYS_ONLY"}}]);
    let mut def = TableDefinition::new("id".into(), 1.0, input(v).validate().unwrap());
    let update = |u: GsiUpdate| TableChange::Update(TableUpdate { gsi: vec![u], ..TableUpdate::default() });
    let e = def.apply(&update(GsiUpdate::Delete("byYear".into())), 2.0).unwrap_err();
    assert_eq!(e.message(), "Cannot delete an index that is not a GlobalSecondaryIndex: byYear");
    let e = def.apply(&update(GsiUpdate::Throughput("byYear".into(), Throughput { read: 1, write: 1 })), 2.0).unwrap_err();
    assert_eq!(e.message(), "Cannot update an index that is not a GlobalSecondaryIndex: byYear");
    let e = def.apply(&update(GsiUpdate::Delete("ghost".into())), 2.0).unwrap_err();
    assert_eq!((e.code(), e.message()), ("ResourceNotFoundException", "Requested resource not found: Index ghost for table Music"));
}

#[test]
fn disabling_a_stream_survives_serialization() {
    for stream in [None, Some(None), Some(Some(StreamViewType::KeysOnly))] {
        let change = TableChange::Update(TableUpdate { stream, ..TableUpdate::default() });
        let back: TableChange = serde_json::from_value(serde_json::to_value(&change).unwrap()).unwrap();
        assert_eq!(back, change);
    }
}

#[test]
fn disabled_streams_are_kept_for_a_day() {
    let mut def = TableDefinition::new("id".into(), 1.0, input(base()).validate().unwrap());
    let stream = |s: Option<StreamViewType>| TableChange::Update(TableUpdate { stream: Some(s), ..TableUpdate::default() });
    def.apply(&stream(Some(StreamViewType::KeysOnly)), 10.0).unwrap();
    def.apply(&stream(None), 20.0).unwrap();
    assert_eq!(def.past_streams.len(), 1);
    assert_eq!(def.past_streams[0].view, StreamViewType::KeysOnly);
    assert_eq!(Some(def.past_streams[0].label.clone()), def.stream_label);
    def.apply(&stream(Some(StreamViewType::NewImage)), 30.0).unwrap();
    def.apply(&stream(None), 20.0 + 86_400.0).unwrap();
    assert_eq!(def.past_streams.len(), 1, "the first went after 24 hours");
    assert_eq!(def.past_streams[0].view, StreamViewType::NewImage);
}

#[test]
fn update_table_makes_one_change_per_call() {
    let update = |v: serde_json::Value| serde_json::from_value::<UpdateTableInput>(v).unwrap().validate().map(|_| ()).unwrap_err();
    let pt = json!({"ReadCapacityUnits": 2, "WriteCapacityUnits": 2});
    let create = json!([{"Create": {"IndexName": "byYear", "KeySchema": [{"AttributeName": "Year", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}]);
    let defs = json!([{"AttributeName": "Year", "AttributeType": "N"}]);
    assert_eq!(
        update(json!({"TableName": "Music", "DeletionProtectionEnabled": true, "SSESpecification": {"Enabled": true}, "TableClass": "STANDARD"})),
        "One or more parameter values were invalid: Server-Side Encryption modification must be the only operation in the request"
    );
    assert_eq!(
        update(json!({"TableName": "Music", "DeletionProtectionEnabled": true, "TableClass": "STANDARD"})),
        "One or more parameter values were invalid: TableClass modification must be the only operation in the request"
    );
    assert_eq!(
        update(json!({"TableName": "Music", "DeletionProtectionEnabled": true, "BillingMode": "PAY_PER_REQUEST"})),
        "One or more parameter values were invalid: DeletionProtection modification must be the only operation in the request"
    );
    assert_eq!(
        update(json!({"TableName": "Music", "AttributeDefinitions": defs, "GlobalSecondaryIndexUpdates": create, "ProvisionedThroughput": pt})),
        "One or more parameter values were invalid: You cannot create or delete index while updating table IOPS"
    );
    assert_eq!(
        update(json!({"TableName": "Music", "AttributeDefinitions": defs, "GlobalSecondaryIndexUpdates": create, "StreamSpecification": {"StreamEnabled": false}})),
        "One or more parameter values were invalid: You cannot create or delete index while changing stream status"
    );
    // Vector indexes likewise (Alternator's
    // test_updatetable_vector_and_streams_same_request).
    let vector = json!({"IndexName": "vind", "VectorAttribute": {"AttributeName": "v"}, "Dimensions": 3,
        "DistanceFunction": "COSINE", "Projection": {"ProjectionType": "KEYS_ONLY"}});
    for op in [json!({"Create": vector}), json!({"Delete": {"IndexName": "nonexistent"}})] {
        for stream in [json!({"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}), json!({"StreamEnabled": false})] {
            assert_eq!(
                update(json!({"TableName": "Music", "VectorIndexUpdates": [op.clone()], "StreamSpecification": stream})),
                "One or more parameter values were invalid: You cannot create or delete index while changing stream status"
            );
        }
    }
    assert_eq!(
        update(json!({"TableName": "Music", "ProvisionedThroughput": pt, "StreamSpecification": {"StreamEnabled": false}})),
        "One or more parameter values were invalid: You cannot modify stream status while updating table IOPS"
    );
    assert_eq!(
        update(json!({"TableName": "Music", "SSESpecification": {"Enabled": true, "SSEType": "KMS", "KMSMasterKeyId": ""}})),
        "1 validation error detected: Value '' at 'sSESpecification.kMSMasterKeyId' failed to satisfy constraint: Member must have length greater than or equal to 1"
    );
    assert_eq!(
        update(json!({"TableName": "Music", "OnDemandThroughput": {"MaxReadRequestUnits": 5}, "StreamSpecification": {"StreamEnabled": false}})),
        "One or more parameter values were invalid: OnDemandThroughput can only be combined with BillingMode in an UpdateTable request"
    );
    // Accepted pairs.
    for ok in [
        json!({"TableName": "Music", "BillingMode": "PAY_PER_REQUEST", "StreamSpecification": {"StreamEnabled": false}}),
        json!({"TableName": "Music", "BillingMode": "PROVISIONED", "ProvisionedThroughput": pt}),
        json!({"TableName": "Music", "AttributeDefinitions": defs, "GlobalSecondaryIndexUpdates": create, "BillingMode": "PAY_PER_REQUEST"}),
        json!({"TableName": "Music", "DeletionProtectionEnabled": true, "AttributeDefinitions": defs}),
        // Empty structures count as absent next to another member.
        json!({"TableName": "Music", "TableClass": "STANDARD", "WarmThroughput": {}}),
        json!({"TableName": "Music", "BillingMode": "PAY_PER_REQUEST", "OnDemandThroughput": {}}),
    ] {
        serde_json::from_value::<UpdateTableInput>(ok.clone()).unwrap().validate().unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
}

#[test]
fn throughput_updates_must_change_something_and_cover_every_index() {
    let mut v = base();
    v["AttributeDefinitions"].as_array_mut().unwrap().push(json!({"AttributeName": "Album", "AttributeType": "N"}));
    v["BillingMode"] = json!("PAY_PER_REQUEST");
    v.as_object_mut().unwrap().remove("ProvisionedThroughput");
    v["GlobalSecondaryIndexes"] = json!([{"IndexName": "byYear", "KeySchema": [{"AttributeName": "Album", "KeyType": "HASH"}], "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["zz", "aa"]}}]);
    let mut def = TableDefinition::new("id".into(), 1.0, input(v).validate().unwrap());
    let apply = |def: &mut TableDefinition, v: serde_json::Value| {
        let (_, change) = serde_json::from_value::<UpdateTableInput>(v).unwrap().validate().unwrap();
        def.apply(&change, 2.0).map_err(|e| e.message().to_owned())
    };
    let pt = json!({"ReadCapacityUnits": 2, "WriteCapacityUnits": 2});
    let gsi_pt = json!([{"Update": {"IndexName": "byYear", "ProvisionedThroughput": pt}}]);
    assert_eq!(
        apply(&mut def, json!({"TableName": "Music", "GlobalSecondaryIndexUpdates": gsi_pt})).unwrap_err(),
        "One or more parameter values were invalid: The only Updates for index: byYear when TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput"
    );
    assert_eq!(
        apply(&mut def, json!({"TableName": "Music", "BillingMode": "PROVISIONED"})).unwrap_err(),
        "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
    );
    assert_eq!(
        apply(&mut def, json!({"TableName": "Music", "BillingMode": "PROVISIONED", "ProvisionedThroughput": pt})).unwrap_err(),
        "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: byYear"
    );
    apply(&mut def, json!({"TableName": "Music", "BillingMode": "PROVISIONED", "ProvisionedThroughput": pt, "GlobalSecondaryIndexUpdates": gsi_pt})).unwrap();
    assert!(apply(&mut def, json!({"TableName": "Music", "GlobalSecondaryIndexUpdates": gsi_pt}))
        .unwrap_err()
        .starts_with("The provisioned throughput for the index byYear will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for index byYear: 2."));
    assert!(apply(&mut def, json!({"TableName": "Music", "BillingMode": "PROVISIONED", "ProvisionedThroughput": pt}))
        .unwrap_err()
        .starts_with("The provisioned throughput for the table will not change."));
    assert_eq!(
        apply(&mut def, json!({"TableName": "Music", "BillingMode": "PROVISIONED"})).unwrap_err(),
        "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
    );
    // Descriptions sort attribute definitions and non-key attributes by name.
    let d = describe(&def, "ACTIVE", Location { partition: "aws", region: "us-east-1", account_id: "000000000000" }, Usage::default());
    let names: Vec<&str> = d["AttributeDefinitions"].as_array().unwrap().iter().map(|a| a["AttributeName"].as_str().unwrap()).collect();
    assert_eq!(names, ["Album", "Artist", "SongTitle"]);
    assert_eq!(d["GlobalSecondaryIndexes"][0]["Projection"]["NonKeyAttributes"], json!(["aa", "zz"]));
}

#[test]
fn streams_are_switched_as_dynamodb_words_it() {
    let mut def = TableDefinition::new("id".into(), 1.0, input(base()).validate().unwrap());
    let update = |v: serde_json::Value| serde_json::from_value::<UpdateTableInput>(v).unwrap().validate().map(|(_, c)| c);
    assert_eq!(
        update(json!({"TableName": "Music", "StreamSpecification": {"StreamEnabled": true}})).unwrap_err(),
        "One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required"
    );
    assert_eq!(
        update(json!({"TableName": "Music", "StreamSpecification": {"StreamEnabled": false, "StreamViewType": "KEYS_ONLY"}})).unwrap_err(),
        "One or more parameter values were invalid: If stream is being disabled, then UpdateViewType must not be specified"
    );
    let off = update(json!({"TableName": "Music", "StreamSpecification": {"StreamEnabled": false}})).unwrap();
    assert_eq!(def.apply(&off, 2.0).unwrap_err().message(), "Table has no stream to disable: TableName: Music");
    let on = update(json!({"TableName": "Music", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}})).unwrap();
    def.apply(&on, 3.0).unwrap();
    assert_eq!(def.apply(&on, 4.0).unwrap_err().message(), "Table already has an enabled stream: TableName: Music");
    def.apply(&off, 5.0).unwrap();
    // The latest stream stays named; the specification goes.
    let d = describe(&def, "ACTIVE", Location { partition: "aws", region: "us-east-1", account_id: "000000000000" }, Usage::default());
    assert!(d.get("StreamSpecification").is_none());
    assert_eq!(d["LatestStreamLabel"], "1970-01-01T00:00:03.000");
    // TableClass STANDARD on a table that never set one changes nothing.
    let class = update(json!({"TableName": "Music", "TableClass": "STANDARD"})).unwrap();
    def.apply(&class, 6.0).unwrap();
    assert_eq!(def.spec.table_class, None);
    // Two class changes in 30 days, then not even a re-send.
    let ia = update(json!({"TableName": "Music", "TableClass": "STANDARD_INFREQUENT_ACCESS"})).unwrap();
    def.apply(&ia, 7.0).unwrap();
    def.apply(&class, 8.0).unwrap();
    for again in [&ia, &class] {
        let e = def.apply(again, 9.0).unwrap_err();
        assert_eq!((e.code(), e.message()), ("LimitExceededException", "Subscriber limit exceeded: Updates to TableClass are limited to 2 times in 30 day(s)."));
    }
    def.apply(&ia, 8.0 + 30.0 * 86_400.0).unwrap();
}

#[test]
fn index_update_elements_name_one_action_each() {
    let update = |v: serde_json::Value| serde_json::from_value::<UpdateTableInput>(v).unwrap().validate().map(|_| ()).unwrap_err();
    let pt = json!({"ReadCapacityUnits": 2, "WriteCapacityUnits": 2});
    assert_eq!(
        update(json!({"TableName": "Music", "GlobalSecondaryIndexUpdates": [{}]})),
        "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null"
    );
    assert_eq!(
        update(json!({"TableName": "Music", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "abc"}, "Update": {"IndexName": "abc", "ProvisionedThroughput": pt}}]})),
        "One or more parameter values were invalid: Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object"
    );
    assert_eq!(
        update(json!({"TableName": "Music", "GlobalSecondaryIndexUpdates": [
            {"Update": {"IndexName": "abc", "ProvisionedThroughput": pt}}, {"Update": {"IndexName": "abc", "ProvisionedThroughput": pt}}
        ]})),
        "One or more parameter values were invalid: Only one global secondary index update per index is allowed simultaneously. Index: abc"
    );
}

#[test]
fn the_managed_kms_key_is_a_stable_uuid_per_account_and_region() {
    let loc = |account_id, region| Location { partition: "aws", region, account_id };
    let arn = super::managed_kms_key_arn(loc("123456789012", "us-east-1"));
    let id = arn.strip_prefix("arn:aws:kms:us-east-1:123456789012:key/").unwrap();
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
    assert!(id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()), "{id}");
    assert_eq!(&id[14..15], "4", "version 4: {id}");
    assert!("89ab".contains(&id[19..20]), "RFC 4122 variant: {id}");
    assert_eq!(arn, super::managed_kms_key_arn(loc("123456789012", "us-east-1")));
    assert_ne!(arn, super::managed_kms_key_arn(loc("123456789013", "us-east-1")));
    assert_ne!(id, super::managed_kms_key_arn(loc("123456789012", "eu-west-1")).rsplit('/').next().unwrap());
}

#[test]
fn global_index_constraints_are_listed_before_local_ones() {
    // paritysuite validation-ordering/createTable (AWS, 2026).
    let mut v = base();
    v["LocalSecondaryIndexes"] = json!([{
        "IndexName": "aa",
        "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"}, {"AttributeName": "SongTitle", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}
    }]);
    v["GlobalSecondaryIndexes"] = json!([{
        "IndexName": "zz",
        "KeySchema": [{"AttributeName": "SongTitle", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    }]);
    assert_eq!(
        err(v),
        "2 validation errors detected: \
         Value 'zz' at 'globalSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3; \
         Value 'aa' at 'localSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3"
    );
}

#[test]
fn a_new_index_cannot_redefine_an_attribute_type() {
    // The message DynamoDB gives (Alternator's test_gsi_updatetable.py,
    // test_gsi_key_type_conflict_on_update, quotes it).
    let mut v = base();
    v["AttributeDefinitions"].as_array_mut().unwrap().push(json!({"AttributeName": "xyz", "AttributeType": "S"}));
    v["GlobalSecondaryIndexes"] = json!([{"IndexName": "index1", "KeySchema": [{"AttributeName": "xyz", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}]);
    let mut def = TableDefinition::new("id".into(), 1.0, input(v).validate().unwrap());
    let (_, change) = serde_json::from_value::<UpdateTableInput>(json!({
        "TableName": "Music",
        "AttributeDefinitions": [{"AttributeName": "xyz", "AttributeType": "N"}, {"AttributeName": "Artist", "AttributeType": "S"}],
        "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "index2",
            "KeySchema": [{"AttributeName": "xyz", "KeyType": "HASH"}, {"AttributeName": "Artist", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]
    }))
    .unwrap()
    .validate()
    .unwrap();
    let e = def.apply(&change, 2.0).unwrap_err();
    assert_eq!(
        e.message(),
        "One or more parameter values were invalid: Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. Existing schema: Schema:[SchemaElement: key{xyz:S:HASH}] New schema: Schema:[SchemaElement: key{xyz:N:HASH}, SchemaElement: key{Artist:S:RANGE}]"
    );
}

#[test]
fn time_to_live_changes_once_in_half_an_hour() {
    let mut def = TableDefinition::new("id".into(), 1.0, input(base()).validate().unwrap());
    let ttl = |enabled: bool, name: &str| TableChange::TimeToLive { enabled, attribute_name: name.into() };
    def.apply(&ttl(true, "exp"), 10.0).unwrap();
    // What is wrong with the request itself is reported first.
    assert_eq!(def.apply(&ttl(true, "exp"), 20.0).unwrap_err().message(), "TimeToLive is already enabled");
    assert_eq!(
        def.apply(&ttl(false, "other"), 20.0).unwrap_err().message(),
        "TimeToLive is active on a different AttributeName: current AttributeName is exp"
    );
    let e = def.apply(&ttl(false, "exp"), 10.0 + 1799.0).unwrap_err();
    assert_eq!((e.code(), e.message()), ("ValidationException", "Time to live has been modified multiple times within a fixed interval"));
    def.apply(&ttl(false, "exp"), 10.0 + 1800.0).unwrap();
    assert_eq!(def.ttl_attribute, None);
    assert!(def.apply(&ttl(true, "exp"), 10.0 + 1900.0).is_err(), "the disabling started a new interval");
}

#[test]
fn update_table_vector_indexes_follow_the_online_index_rules() {
    let create = |name: &str| {
        json!({"Create": {
            "IndexName": name,
            "VectorAttribute": {"AttributeName": "embedding"},
            "Projection": {"ProjectionType": "KEYS_ONLY"},
            "Dimensions": 3,
            "DistanceFunction": "COSINE"
        }})
    };
    let change = |updates: serde_json::Value| {
        let input: UpdateTableInput =
            serde_json::from_value(json!({"TableName": "Music", "VectorIndexUpdates": updates})).unwrap();
        input.validate().unwrap().1
    };
    let mut table = base();
    table["BillingMode"] = json!("PAY_PER_REQUEST");
    table.as_object_mut().unwrap().remove("ProvisionedThroughput");
    let mut def = TableDefinition::new("id".into(), 1.0, input(table).validate().unwrap());

    // Two at once: LimitExceededException, decided against the table.
    let e = def.apply(&change(json!([create("vec1"), create("vec2")])), 2.0).unwrap_err();
    assert_eq!(e.code(), "LimitExceededException");

    // One is created and backfills; another waits for it; the one being
    // created may be cancelled.
    def.apply(&change(json!([create("vec1")])), 3.0).unwrap();
    assert_eq!(def.creating_indexes, ["vec1"]);
    let e = def.apply(&change(json!([create("vec2")])), 4.0).unwrap_err();
    assert_eq!(e.code(), "LimitExceededException");
    def.apply(&change(json!([{"Delete": {"IndexName": "vec1"}}])), 5.0).unwrap();
    assert!(def.creating_indexes.is_empty() && def.spec.vector_indexes.is_empty());

    // Vector indexes keep the table on demand.
    def.apply(&change(json!([create("vec1")])), 6.0).unwrap();
    def.apply(&TableChange::IndexReady("vec1".into()), 7.0).unwrap();
    let to_provisioned: UpdateTableInput = serde_json::from_value(json!({
        "TableName": "Music", "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    }))
    .unwrap();
    let e = def.apply(&to_provisioned.validate().unwrap().1, 8.0).unwrap_err();
    assert_eq!(
        e.message(),
        "One or more parameter values were invalid: Vector indexes are only supported for PAY_PER_REQUEST tables"
    );
}

#[test]
fn create_table_refuses_a_view_type_for_a_disabled_stream() {
    let mut v = base();
    v["StreamSpecification"] = json!({"StreamEnabled": false, "StreamViewType": "NEW_IMAGE"});
    assert_eq!(
        input(v).validate().unwrap_err(),
        "One or more parameter values were invalid: Table is being created with a stream disabled, UpdateViewType should not be specified"
    );
    let mut v = base();
    v["StreamSpecification"] = json!({"StreamEnabled": false});
    assert!(input(v).validate().is_ok());
}

#[test]
fn a_missing_table_name_alone_is_a_required_parameter() {
    let mut v = base();
    v.as_object_mut().unwrap().remove("TableName");
    assert_eq!(err(v), "The parameter 'TableName' is required but was not present in the request");
}

/// A table like Alternator's test_vector_new.py uses: key p, c; a GSI on
/// x, y; an LSI on p, z; a vector index `vec` on v (13 dimensions).
fn vector_table(vector_attribute: &str) -> serde_json::Value {
    let s = |n: &str| json!({"AttributeName": n, "AttributeType": "S"});
    json!({
        "TableName": "Vec",
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "c", "KeyType": "RANGE"}],
        "AttributeDefinitions": [s("p"), s("c"), s("x"), s("y"), s("z")],
        "VectorIndexes": [vector_index("vec", vector_attribute, 13)],
        "GlobalSecondaryIndexes": [{"IndexName": "gsi", "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"},
            {"AttributeName": "y", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}}],
        "LocalSecondaryIndexes": [{"IndexName": "lsi", "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"},
            {"AttributeName": "z", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}}]
    })
}

fn vector_index(name: &str, attribute: &str, dimensions: i64) -> serde_json::Value {
    json!({"IndexName": name, "VectorAttribute": {"AttributeName": attribute}, "Dimensions": dimensions,
        "DistanceFunction": "COSINE", "Projection": {"ProjectionType": "KEYS_ONLY"}})
}

fn update(def: &mut TableDefinition, request: serde_json::Value) -> Result<(), String> {
    let mut request = request;
    request["TableName"] = json!("Vec");
    let (_, change) = serde_json::from_value::<UpdateTableInput>(request).unwrap().validate().map_err(|e| e.to_string())?;
    def.apply(&change, 2.0).map_err(|e| e.message().to_owned())
}

#[test]
fn a_vector_attribute_is_no_key_attribute() {
    // Alternator's test_vector_new.py, run against DynamoDB
    // (test_createtable_vectorindexes_attributename_key): the keys of the
    // table, of a GSI and of an LSI.
    for key in ["p", "c", "x", "y", "z"] {
        let e = err(vector_table(key));
        assert_eq!(
            e,
            format!("One or more parameter values were invalid: Conflicting attribute definition for '{key}'. The VectorAttribute of a vector index cannot be a key attribute of the table or of a secondary index.")
        );
    }
    // A vector index named like the LSI whose key it takes is refused for
    // its name first (test_createtable_vectorindexes_same_name_lsi).
    let mut v = vector_table("z");
    v["VectorIndexes"][0]["IndexName"] = json!("lsi");
    assert_eq!(err(v), "One or more parameter values were invalid: Duplicate index name: lsi");
    // test_updatetable_vectorindex_taken_name_or_attribute: the same
    // through UpdateTable, and an index name already taken by any index.
    let mut def = TableDefinition::new("id".into(), 1.0, input(vector_table("v")).validate().unwrap());
    for name in ["vec", "gsi", "lsi"] {
        let e = update(&mut def, json!({"VectorIndexUpdates": [{"Create": vector_index(name, "xyz", 17)}]})).unwrap_err();
        assert_eq!(e, "Attempting to create an index which already exists");
    }
    for attribute in ["p", "c", "x", "y", "z", "v"] {
        let e = update(&mut def, json!({"VectorIndexUpdates": [{"Create": vector_index("newind", attribute, 17)}]})).unwrap_err();
        assert!(e.contains("VectorAttribute") && e.starts_with("One or more parameter values were invalid: "), "{attribute}: {e}");
    }
    // The same dimensions on the same attribute are fine.
    update(&mut def, json!({"VectorIndexUpdates": [{"Create": vector_index("newind", "v", 13)}]})).unwrap();
    assert_eq!(def.spec.vector_indexes.len(), 2);
}

#[test]
fn a_new_gsi_neither_shares_a_vector_index_name_nor_keys_its_attribute() {
    // Alternator's test_vector_new.py, run against DynamoDB
    // (test_updatetable_gsi_same_name_as_vector_index,
    // test_updatetable_gsi_key_is_vector_attribute).
    let mut def = TableDefinition::new("id".into(), 1.0, input(vector_table("v")).validate().unwrap());
    let gsi = |name: &str, key: &str| {
        json!({"AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": name,
                "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}]})
    };
    let e = update(&mut def, gsi("vec", "p")).unwrap_err();
    assert_eq!(e, "Attempting to create an index which already exists");
    let e = update(&mut def, gsi("gsi2", "v")).unwrap_err();
    assert_eq!(
        e,
        "One or more parameter values were invalid: Conflicting attribute definition for 'v'. A key attribute of an index cannot be the VectorAttribute of vector index vec."
    );
    update(&mut def, gsi("gsi2", "w")).unwrap();
}

#[test]
fn vector_projections_need_a_type_and_count_the_vector() {
    // Alternator's test_vector_new.py, run against DynamoDB
    // (test_vector_projection_bad, test_vectorindexes_projection_nonkeyattributes).
    let mut table = vector_table("v");
    table["VectorIndexes"][0]["Projection"] = json!({});
    let e = err(table);
    assert!(e.contains("ProjectionType"), "{e}");
    let mut def = TableDefinition::new("id".into(), 1.0, input(vector_table("v")).validate().unwrap());
    let mut index = vector_index("other", "w", 3);
    index["Projection"] = json!({});
    let e = update(&mut def, json!({"VectorIndexUpdates": [{"Create": index}]})).unwrap_err();
    assert!(e.contains("ProjectionType"), "{e}");

    let include = |n: usize| json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": (0..n).map(|i| format!("attr{i}")).collect::<Vec<_>>()});
    let mut table = vector_table("v");
    table["VectorIndexes"][0]["Projection"] = include(19);
    input(table.clone()).validate().unwrap();
    table["VectorIndexes"][0]["Projection"] = include(20);
    assert_eq!(
        err(table),
        "One or more parameter values were invalid: Number of projected attributes in index vec exceeds limit of 20, provided: 21. The VectorAttribute counts as a projected attribute."
    );
    let mut index = vector_index("other", "w", 3);
    index["Projection"] = include(20);
    let e = update(&mut def, json!({"VectorIndexUpdates": [{"Create": index}]})).unwrap_err();
    assert!(e.contains("projected attributes"), "{e}");
}

#[test]
fn a_gsi_change_keeps_the_definitions_of_search_schemas() {
    // Definitions no key uses are dropped after a GSI change, but a vector
    // index's search schema still needs its own.
    let mut table = vector_table("v");
    table["AttributeDefinitions"].as_array_mut().unwrap().push(json!({"AttributeName": "cat", "AttributeType": "S"}));
    table["VectorIndexes"][0]["SearchSchema"] = json!([{"AttributeName": "cat", "SearchSchemaElementType": "HASH"}]);
    let mut def = TableDefinition::new("id".into(), 1.0, input(table).validate().unwrap());
    let has_cat = |d: &TableDefinition| d.spec.attribute_definitions.iter().any(|(n, _)| n == "cat");
    assert!(has_cat(&def));
    update(&mut def, json!({"GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "gsi"}}]})).unwrap();
    assert!(has_cat(&def), "the search schema's definition is kept");
    assert!(!def.spec.attribute_definitions.iter().any(|(n, _)| n == "y"), "the deleted GSI's is dropped");
}

#[test]
fn a_table_that_was_on_demand_keeps_its_billing_summary() {
    let loc = Location { partition: "aws", region: "us-east-1", account_id: "123456789012" };
    let summary = |def: &TableDefinition| describe(def, "ACTIVE", loc, Usage::default()).get("BillingModeSummary").cloned();
    let to = |mode: BillingMode, throughput: Option<Throughput>| {
        TableChange::Update(TableUpdate { billing_mode: Some(mode), throughput, ..TableUpdate::default() })
    };
    let mut on_demand = base();
    on_demand.as_object_mut().unwrap().remove("ProvisionedThroughput");
    on_demand["BillingMode"] = json!("PAY_PER_REQUEST");
    let mut def = TableDefinition::new("id".into(), 100.0, input(on_demand).validate().unwrap());
    assert_eq!(summary(&def), Some(json!({"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": 100.0})));
    def.apply(&to(BillingMode::Provisioned, Some(Throughput { read: 3, write: 4 })), 200.0).unwrap();
    assert_eq!(summary(&def), Some(json!({"BillingMode": "PROVISIONED", "LastUpdateToPayPerRequestDateTime": 100.0})));
    def.apply(&to(BillingMode::PayPerRequest, None), 300.0).unwrap();
    assert_eq!(summary(&def), Some(json!({"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": 300.0})));

    // Provisioned from the start: none.
    let def = TableDefinition::new("id".into(), 100.0, input(base()).validate().unwrap());
    assert_eq!(summary(&def), None);
}

/// A GSI has its own warm throughput, given at creation (CreateTable or an
/// UpdateTable Create) or raised by an Update, and described per index
/// (moto's test_create_table_with_gsi_warm_throughput; the Developer Guide's
/// warm throughput pages name secondary indexes).
#[test]
fn gsi_warm_throughput_is_its_own_and_only_grows() {
    let mut v = base();
    v.as_object_mut().unwrap().remove("ProvisionedThroughput");
    v["BillingMode"] = json!("PAY_PER_REQUEST");
    let mut v = with_year_gsi(
        v,
        "byYear",
        json!({"WarmThroughput": {"ReadUnitsPerSecond": 10_000, "WriteUnitsPerSecond": 5_000}}),
    );
    assert_eq!(
        err(v.clone()),
        "One or more parameter values were invalid: Requested ReadUnitsPerSecond for WarmThroughput for index byYear is lower than initial throughput for OnDemand"
    );
    v["GlobalSecondaryIndexes"][0]["WarmThroughput"] = json!({"ReadUnitsPerSecond": 15_000, "WriteUnitsPerSecond": 5_000});
    let mut def = TableDefinition::new("id".into(), 1.0, input(v).validate().unwrap());
    let loc = Location { partition: "aws", region: "us-east-1", account_id: "123456789012" };
    let warm = |def: &TableDefinition| describe(def, "ACTIVE", loc, Usage::default())["GlobalSecondaryIndexes"][0]["WarmThroughput"].clone();
    assert_eq!(warm(&def), json!({"ReadUnitsPerSecond": 15_000, "WriteUnitsPerSecond": 5_000, "Status": "ACTIVE"}));
    // The table keeps the baseline.
    assert_eq!(def.warm(), WarmThroughput::BASELINE);
    let update = |w: serde_json::Value| {
        let input: UpdateTableInput = serde_json::from_value(json!({
            "TableName": "Music",
            "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "byYear", "WarmThroughput": w}}]
        }))
        .unwrap();
        input.validate().map_err(|e| e.to_string()).map(|(_, change)| change)
    };
    def.apply(&update(json!({"WriteUnitsPerSecond": 6_000})).unwrap(), 2.0).unwrap();
    assert_eq!(warm(&def), json!({"ReadUnitsPerSecond": 15_000, "WriteUnitsPerSecond": 6_000, "Status": "ACTIVE"}));
    let e = def.apply(&update(json!({"ReadUnitsPerSecond": 14_000})).unwrap(), 3.0).unwrap_err().to_string();
    assert_eq!(e, "One or more parameter values were invalid: Requested ReadUnitsPerSecond for WarmThroughput for index byYear is lower than current WarmThroughput, decreasing WarmThroughput is not supported");
}
