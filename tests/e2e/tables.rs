//! Table management through the SDK: CreateTable, DescribeTable,
//! ListTables, DeleteTable, with DynamoDB's errors.

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ProvisionedThroughput,
    ScalarAttributeType, TableStatus,
};
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::Client;

use crate::harness::Stack;

async fn create_music(client: &Client, name: &str) -> aws_sdk_dynamodb::operation::create_table::CreateTableOutput {
    client
        .create_table()
        .table_name(name)
        .attribute_definitions(AttributeDefinition::builder().attribute_name("Artist").attribute_type(ScalarAttributeType::S).build().unwrap())
        .attribute_definitions(AttributeDefinition::builder().attribute_name("SongTitle").attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("Artist").key_type(KeyType::Hash).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("SongTitle").key_type(KeyType::Range).build().unwrap())
        .provisioned_throughput(ProvisionedThroughput::builder().read_capacity_units(5).write_capacity_units(5).build().unwrap())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn create_describe_list_delete() {
    let s = Stack::start().await;
    let c = s.client();
    let out = create_music(&c, "Music").await;
    let d = out.table_description().unwrap();
    assert_eq!(d.table_status(), Some(&TableStatus::Creating));
    assert_eq!(d.table_name(), Some("Music"));
    let arn = format!("arn:aws:dynamodb:us-east-1:{}:table/Music", s.tenant.account_id);
    assert_eq!(d.table_arn(), Some(arn.as_str()));

    // Active at once: the waiter returns at its first poll.
    let started = std::time::Instant::now();
    c.wait_until_table_exists()
        .table_name("Music")
        .wait(std::time::Duration::from_secs(30))
        .await
        .unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(2));

    let t = c.describe_table().table_name("Music").send().await.unwrap();
    let t = t.table().unwrap();
    assert_eq!(t.table_status(), Some(&TableStatus::Active));
    assert_eq!(t.item_count(), Some(0));
    assert_eq!(t.key_schema().len(), 2);
    assert_eq!(t.provisioned_throughput().unwrap().read_capacity_units(), Some(5));
    assert!(t.creation_date_time().is_some());
    assert_eq!(t.deletion_protection_enabled(), Some(false));

    create_music(&c, "Albums").await;
    let names = c.list_tables().send().await.unwrap();
    assert_eq!(names.table_names(), ["Albums", "Music"]);
    let page = c.list_tables().limit(1).send().await.unwrap();
    assert_eq!(page.table_names(), ["Albums"]);
    assert_eq!(page.last_evaluated_table_name(), Some("Albums"));

    let gone = c.delete_table().table_name("Music").send().await.unwrap();
    let d = gone.table_description().unwrap();
    assert_eq!(d.table_status(), Some(&TableStatus::Deleting));
    assert_eq!(d.table_name(), Some("Music"));
    assert!(d.table_arn().is_some() && d.table_id().is_some());
    // DeleteTable's description leaves out the schema and the creation time.
    assert!(d.key_schema().is_empty() && d.attribute_definitions().is_empty(), "{d:?}");
    assert!(d.creation_date_time().is_none() && d.global_secondary_indexes().is_empty());
    let err = c.describe_table().table_name("Music").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert_eq!(err.message(), Some("Requested resource not found: Table: Music not found"));
    let err = c.delete_table().table_name("Music").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    s.stop().await;
}

#[tokio::test]
async fn duplicate_and_invalid_tables_are_refused() {
    let s = Stack::start().await;
    let c = s.client();
    create_music(&c, "Music").await;
    let err = c
        .create_table()
        .table_name("Music")
        .attribute_definitions(AttributeDefinition::builder().attribute_name("Artist").attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("Artist").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceInUseException"));
    assert_eq!(err.message(), Some("Table already exists: Music"));

    let err = c
        .create_table()
        .table_name("Other")
        .attribute_definitions(AttributeDefinition::builder().attribute_name("Artist").attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("Artist").key_type(KeyType::Hash).build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(
        err.message(),
        Some("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
    );
    s.stop().await;
}

#[tokio::test]
async fn tenants_are_isolated() {
    let s = Stack::start().await;
    create_music(&s.client(), "Music").await;
    let other = s.cp.ensure_tenant("t2").await.unwrap();
    let key = s.cp.ensure_root_key(&other, None).await.unwrap();
    let c2 = s.client_with(&key.access_key_id, key.secret_access_key.expose());
    crate::sync::eventually(|| async { c2.list_tables().send().await.is_ok() }).await;
    assert!(c2.list_tables().send().await.unwrap().table_names().is_empty());
    // The same name is free in the other tenant.
    create_music(&c2, "Music").await;
    let err = c2.describe_table().table_name("Nope").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    s.stop().await;
}

#[tokio::test]
async fn on_demand_throughput_is_kept_and_updated() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, OnDemandThroughput, ScalarAttributeType,
    };
    let stack = Stack::start().await;
    let c = stack.client();
    let limits = |read: i64, write: i64| OnDemandThroughput::builder().max_read_request_units(read).max_write_request_units(write).build();
    c.create_table()
        .table_name("Capped")
        .attribute_definitions(AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .on_demand_throughput(limits(10, 5))
        .send()
        .await
        .unwrap();
    let t = c.describe_table().table_name("Capped").send().await.unwrap().table.unwrap();
    let o = t.on_demand_throughput().unwrap();
    assert_eq!((o.max_read_request_units(), o.max_write_request_units()), (Some(10), Some(5)));
    c.update_table().table_name("Capped").on_demand_throughput(limits(20, 15)).send().await.unwrap();
    let t = c.describe_table().table_name("Capped").send().await.unwrap().table.unwrap();
    let o = t.on_demand_throughput().unwrap();
    assert_eq!((o.max_read_request_units(), o.max_write_request_units()), (Some(20), Some(15)));
    stack.stop().await;
}

/// An attribute name may hold any character, NUL included (PostgreSQL's
/// jsonb refuses `\u0000`: the catalog stores such names encoded), and the
/// table survives a restart of the data plane, which reloads the catalog.
#[tokio::test]
async fn attribute_names_may_hold_nul() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let mut s = Stack::start().await;
    let c = s.client();
    let key = "a\0b";
    c.create_table()
        .table_name("Nul")
        .attribute_definitions(AttributeDefinition::builder().attribute_name(key).attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name(key).key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    c.put_item().table_name("Nul").item(key, AttributeValue::S("v\0".into())).send().await.unwrap();
    s.restart_data_plane().await;
    let c = s.client();
    let t = c.describe_table().table_name("Nul").send().await.unwrap();
    assert_eq!(t.table().unwrap().key_schema()[0].attribute_name(), key);
    let got = c.get_item().table_name("Nul").key(key, AttributeValue::S("v\0".into())).send().await.unwrap();
    assert_eq!(got.item().unwrap().get(key), Some(&AttributeValue::S("v\0".into())));
    s.stop().await;
}

/// Each region is a separate namespace of the tenant's tables, as in
/// DynamoDB: the same name in two regions is two tables, each listed,
/// described (under an ARN naming its region) and deleted on its own.
#[tokio::test]
async fn each_region_holds_its_own_tables() {
    let mut s = Stack::start().await;
    let home = s.client();
    let eu = s.client_in("eu-west-1", &s.key.access_key_id, s.key.secret_access_key.expose());
    create_music(&home, "Music").await;
    // The same name in eu-west-1, with another key schema.
    let music_by_id = || {
        eu.create_table()
            .table_name("Music")
            .attribute_definitions(AttributeDefinition::builder().attribute_name("id").attribute_type(ScalarAttributeType::N).build().unwrap())
            .key_schema(KeySchemaElement::builder().attribute_name("id").key_type(KeyType::Hash).build().unwrap())
            .billing_mode(BillingMode::PayPerRequest)
            .send()
    };
    let created = music_by_id().await.unwrap();
    let account = &s.tenant.account_id;
    let eu_arn = format!("arn:aws:dynamodb:eu-west-1:{account}:table/Music");
    assert_eq!(created.table_description().and_then(|d| d.table_arn()), Some(eu_arn.as_str()));
    create_music(&eu, "OnlyInEu").await;
    let e = music_by_id().await.unwrap_err();
    assert_eq!(e.code(), Some("ResourceInUseException"));

    let names = |c: &Client| {
        let c = c.clone();
        async move { c.list_tables().send().await.unwrap().table_names().to_vec() }
    };
    assert_eq!(names(&home).await, ["Music"]);
    assert_eq!(names(&eu).await, ["Music", "OnlyInEu"]);
    let elsewhere = s.client_in("ap-southeast-2", &s.key.access_key_id, s.key.secret_access_key.expose());
    assert!(names(&elsewhere).await.is_empty());

    let home_desc = home.describe_table().table_name("Music").send().await.unwrap();
    let home_table = home_desc.table().unwrap();
    assert_eq!(home_table.table_arn(), Some(format!("arn:aws:dynamodb:us-east-1:{account}:table/Music").as_str()));
    assert_eq!(home_table.key_schema().len(), 2);
    let eu_desc = eu.describe_table().table_name("Music").send().await.unwrap();
    assert_eq!(eu_desc.table().unwrap().key_schema().len(), 1);
    assert_ne!(home_table.table_id(), eu_desc.table().unwrap().table_id());
    let e = home.describe_table().table_name("OnlyInEu").send().await.unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotFoundException"));

    // Items stay in their region's table.
    use aws_sdk_dynamodb::types::AttributeValue as Av;
    eu.put_item().table_name("Music").item("id", Av::N("1".into())).item("where", Av::S("eu".into())).send().await.unwrap();
    home.put_item()
        .table_name("Music")
        .item("Artist", Av::S("a".into()))
        .item("SongTitle", Av::S("t".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(eu.scan().table_name("Music").send().await.unwrap().count(), 1);
    let home_items = home.scan().table_name("Music").send().await.unwrap();
    assert_eq!(home_items.items()[0].get("Artist"), Some(&Av::S("a".into())));
    // The eu-west-1 table by its ARN, from the region it is in.
    let got = eu.get_item().table_name(&eu_arn).key("id", Av::N("1".into())).send().await.unwrap();
    assert_eq!(got.item().and_then(|i| i.get("where")), Some(&Av::S("eu".into())));

    // A ClientRequestToken is the region's own: the same token in both
    // regions runs both transactions.
    use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
    let put = |item: Vec<(&str, Av)>| {
        let mut p = Put::builder().table_name("Music");
        for (k, v) in item {
            p = p.item(k, v);
        }
        TransactWriteItem::builder().put(p.build().unwrap()).build()
    };
    eu.transact_write_items().transact_items(put(vec![("id", Av::N("2".into()))])).client_request_token("same-token").send().await.unwrap();
    home.transact_write_items()
        .transact_items(put(vec![("Artist", Av::S("b".into())), ("SongTitle", Av::S("t".into()))]))
        .client_request_token("same-token")
        .send()
        .await
        .unwrap();
    assert_eq!(eu.scan().table_name("Music").send().await.unwrap().count(), 2);
    assert_eq!(home.scan().table_name("Music").send().await.unwrap().count(), 2);

    // Metrics name the other region's table with its region.
    let text = s.metrics().await;
    let writes = |table: &str| {
        let labels = format!(r#"dynastore_consumed_write_capacity_units_total{{index="",table="{table}",tenant="{}"}} "#, s.tenant.id);
        text.lines().find_map(|l| l.strip_prefix(labels.as_str())).and_then(|v| v.parse::<f64>().ok())
    };
    assert_eq!(writes("Music@eu-west-1"), Some(3.0), "1 put + 2 for the transactional put\n{text}");
    assert_eq!(writes("Music"), Some(3.0), "{text}");

    // The admin API lists both, the other region's with its region.
    let (status, listed) = s.admin(reqwest::Method::GET, "/tenants/t1/tables", None).await;
    assert_eq!(status, 200, "{listed}");
    let rows: Vec<(String, Option<String>)> = listed["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t["region"].as_str().map(str::to_owned)))
        .collect();
    let eu_region = Some("eu-west-1".to_owned());
    assert_eq!(rows, [("Music".into(), None), ("Music".into(), eu_region.clone()), ("OnlyInEu".into(), eu_region)]);
    let (status, shown) = s.admin(reqwest::Method::GET, "/tenants/t1/tables/Music@eu-west-1", None).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["id"].as_str(), eu_desc.table().unwrap().table_id());

    // Deleting one leaves the other.
    eu.delete_table().table_name("Music").send().await.unwrap();
    assert_eq!(names(&eu).await, ["OnlyInEu"]);
    assert_eq!(names(&home).await, ["Music"]);
    assert_eq!(home.scan().table_name("Music").send().await.unwrap().count(), 2);

    // A restarted data plane reloads each region's tables from the catalog.
    s.restart_data_plane().await;
    let (home, eu) = (s.client(), s.client_in("eu-west-1", &s.key.access_key_id, s.key.secret_access_key.expose()));
    assert_eq!(names(&eu).await, ["OnlyInEu"]);
    assert_eq!(names(&home).await, ["Music"]);
    assert_eq!(home.scan().table_name("Music").send().await.unwrap().count(), 2);
    let e = home.describe_table().table_name("OnlyInEu").send().await.unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
    s.stop().await;
}
