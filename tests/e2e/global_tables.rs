//! Global tables (version 2019.11.21) through the SDK: UpdateTable's
//! ReplicaUpdates adds and removes replicas in other regions, each
//! replica serves the same items, synchronized settings follow from any
//! replica, regional ones stay, and DynamoDB's refusals.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, CreateReplicationGroupMemberAction, DeleteReplicationGroupMemberAction,
    GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType, Projection, ProjectionType, ProvisionedThroughput,
    ReplicationGroupUpdate, ScalarAttributeType, StreamSpecification, StreamViewType, Tag, TimeToLiveSpecification,
    UpdateReplicationGroupMemberAction, TableClass, CreateGlobalSecondaryIndexAction,
};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::Client;

use crate::harness::{create_pk_table, Stack};

fn create(region: &str) -> ReplicationGroupUpdate {
    ReplicationGroupUpdate::builder()
        .create(CreateReplicationGroupMemberAction::builder().region_name(region).build().unwrap())
        .build()
}

fn delete(region: &str) -> ReplicationGroupUpdate {
    ReplicationGroupUpdate::builder()
        .delete(DeleteReplicationGroupMemberAction::builder().region_name(region).build().unwrap())
        .build()
}

/// The regions `c` lists as the other replicas of `table`.
async fn replicas(c: &Client, table: &str) -> Vec<String> {
    let d = c.describe_table().table_name(table).send().await.unwrap();
    let t = d.table().unwrap();
    let listed: Vec<String> = t.replicas().iter().filter_map(|r| r.region_name().map(str::to_owned)).collect();
    assert_eq!(t.global_table_version().is_some(), !listed.is_empty(), "GlobalTableVersion goes with Replicas");
    listed
}

async fn item(c: &Client, table: &str, pk: &str) -> Option<std::collections::HashMap<String, Av>> {
    c.get_item().table_name(table).key("pk", Av::S(pk.into())).send().await.unwrap().item().cloned()
}

#[tokio::test]
async fn replicas_serve_one_table_in_several_regions() {
    let s = Stack::start().await;
    let key = (&s.key.access_key_id, s.key.secret_access_key.expose());
    let us = s.client();
    let eu = s.client_in("eu-west-1", key.0, key.1);
    let ap = s.client_in("ap-south-1", key.0, key.1);
    create_pk_table(&us, "Users").await;
    us.tag_resource()
        .resource_arn(format!("arn:aws:dynamodb:us-east-1:{}:table/Users", s.tenant.account_id))
        .tags(Tag::builder().key("team").value("a").build().unwrap())
        .send()
        .await
        .unwrap();
    us.put_item().table_name("Users").item("pk", Av::S("before".into())).send().await.unwrap();

    // Adding a replica answers UPDATING with the replicas as they were;
    // the stream (needed by replication) is turned on.
    let out = us.update_table().table_name("Users").replica_updates(create("eu-west-1")).send().await.unwrap();
    let d = out.table_description().unwrap();
    assert_eq!(d.table_status().map(|s| s.as_str()), Some("UPDATING"));
    assert_eq!(d.global_table_version(), Some("2019.11.21"));
    assert!(d.replicas().is_empty());
    assert_eq!(
        d.stream_specification().and_then(|s| s.stream_view_type()),
        Some(&StreamViewType::NewAndOldImages)
    );
    assert_eq!(replicas(&us, "Users").await, ["eu-west-1"]);
    assert_eq!(replicas(&eu, "Users").await, ["us-east-1"]);
    let (us_table, eu_table) = (
        us.describe_table().table_name("Users").send().await.unwrap().table.unwrap(),
        eu.describe_table().table_name("Users").send().await.unwrap().table.unwrap(),
    );
    assert_ne!(us_table.table_id(), eu_table.table_id(), "each replica has its own TableId");
    assert_eq!(eu_table.table_status().map(|s| s.as_str()), Some("ACTIVE"));
    assert_eq!(eu_table.table_arn(), Some(format!("arn:aws:dynamodb:eu-west-1:{}:table/Users", s.tenant.account_id).as_str()));
    assert!(eu_table.latest_stream_arn().unwrap().contains(":eu-west-1:"));

    // The same items through every replica, written in either region.
    assert!(item(&eu, "Users", "before").await.is_some(), "items written before the replica was added");
    eu.put_item().table_name("Users").item("pk", Av::S("from-eu".into())).item("n", Av::N("1".into())).send().await.unwrap();
    assert!(item(&us, "Users", "from-eu").await.is_some());
    us.delete_item().table_name("Users").key("pk", Av::S("before".into())).send().await.unwrap();
    assert!(item(&eu, "Users", "before").await.is_none());

    // Tags stay in their region; TTL and new indexes reach every replica.
    let eu_tags = eu.list_tags_of_resource().resource_arn(eu_table.table_arn().unwrap()).send().await.unwrap();
    assert!(eu_tags.tags().is_empty());
    eu.update_time_to_live()
        .table_name("Users")
        .time_to_live_specification(TimeToLiveSpecification::builder().enabled(true).attribute_name("expires").build().unwrap())
        .send()
        .await
        .unwrap();
    let ttl = us.describe_time_to_live().table_name("Users").send().await.unwrap();
    assert_eq!(ttl.time_to_live_description().and_then(|t| t.attribute_name()), Some("expires"));
    eu.update_table()
        .table_name("Users")
        .attribute_definitions(AttributeDefinition::builder().attribute_name("n").attribute_type(ScalarAttributeType::N).build().unwrap())
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder()
                .create(
                    CreateGlobalSecondaryIndexAction::builder()
                        .index_name("byN")
                        .key_schema(KeySchemaElement::builder().attribute_name("n").key_type(KeyType::Hash).build().unwrap())
                        .projection(Projection::builder().projection_type(ProjectionType::All).build())
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut active = false;
    for _ in 0..200 {
        let d = us.describe_table().table_name("Users").send().await.unwrap();
        let gsis = d.table().unwrap().global_secondary_indexes();
        assert_eq!(gsis.len(), 1, "the index is on the us-east-1 replica too");
        if gsis[0].index_status().map(|s| s.as_str()) == Some("ACTIVE") {
            active = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(active, "the backfill finishes on every replica");
    let q = us
        .query()
        .table_name("Users")
        .index_name("byN")
        .key_condition_expression("n = :n")
        .expression_attribute_values(":n", Av::N("1".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(q.count(), 1);
    let d = eu.describe_table().table_name("Users").send().await.unwrap();
    let replica = &d.table().unwrap().replicas()[0];
    let names: Vec<&str> = replica.global_secondary_indexes().iter().filter_map(|g| g.index_name()).collect();
    assert_eq!(names, ["byN"], "each replica entry names the table's indexes");

    // Refusals, with DynamoDB's messages.
    let refused = |out: Result<_, aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::update_table::UpdateTableError>>| {
        let e = out.unwrap_err();
        assert_eq!(e.code(), Some("ValidationException"), "{e:?}");
        e.message().unwrap_or_default().to_owned()
    };
    assert_eq!(
        refused(us.update_table().table_name("Users").replica_updates(create("eu-west-1")).send().await),
        "Failed to create a the new replica of table with name: 'Users' because one or more replicas already existed as tables."
    );
    assert_eq!(
        refused(us.update_table().table_name("Users").replica_updates(delete("ca-central-1")).send().await),
        "Update global table operation failed because one or more replicas were not part of the global table. Please retry the request without these replicas: [ca-central-1]."
    );
    assert_eq!(
        refused(us.update_table().table_name("Users").replica_updates(create("ap-south-1")).replica_updates(create("eu-west-2")).send().await),
        "Update table operation with more than one create or delete replica actions not allowed"
    );
    assert_eq!(
        refused(
            eu.update_table()
                .table_name("Users")
                .stream_specification(StreamSpecification::builder().stream_enabled(false).build().unwrap())
                .send()
                .await
        ),
        "Disabling Stream is not allowed for a Global Table replica."
    );
    create_pk_table(&ap, "Users").await;
    assert_eq!(
        refused(us.update_table().table_name("Users").replica_updates(create("ap-south-1")).send().await),
        "Failed to create a the new replica of table with name: 'Users' because one or more replicas already existed as tables.",
        "a table of that name in the region"
    );
    ap.delete_table().table_name("Users").send().await.unwrap();

    // A replica's own table class; a third replica added from eu-west-1.
    eu.update_table()
        .table_name("Users")
        .replica_updates(
            ReplicationGroupUpdate::builder()
                .update(
                    UpdateReplicationGroupMemberAction::builder()
                        .region_name("us-east-1")
                        .table_class_override(TableClass::StandardInfrequentAccess)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let d = us.describe_table().table_name("Users").send().await.unwrap();
    assert_eq!(d.table().unwrap().table_class_summary().and_then(|c| c.table_class()), Some(&TableClass::StandardInfrequentAccess));
    eu.update_table().table_name("Users").replica_updates(create("ap-south-1")).send().await.unwrap();
    assert_eq!(replicas(&us, "Users").await, ["ap-south-1", "eu-west-1"]);
    assert_eq!(ap.scan().table_name("Users").send().await.unwrap().count(), 1);

    // Deletion protection is regional: it guards its replica both ways.
    ap.update_table().table_name("Users").deletion_protection_enabled(true).send().await.unwrap();
    let guarded = "Cannot delete table Users in region ap-south-1 because it has deletion protection enabled. Disable deletion protection first.";
    assert_eq!(refused(us.update_table().table_name("Users").replica_updates(delete("ap-south-1")).send().await), guarded);
    let e = ap.delete_table().table_name("Users").send().await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Some("ValidationException"), Some(guarded)));
    let d = us.describe_table().table_name("Users").send().await.unwrap();
    assert_eq!(d.table().unwrap().deletion_protection_enabled(), Some(false));
    ap.update_table().table_name("Users").deletion_protection_enabled(false).send().await.unwrap();

    // DeleteTable in a replica's region removes that replica only;
    // ReplicaUpdates Delete another; the table keeps its items.
    ap.delete_table().table_name("Users").send().await.unwrap();
    assert_eq!(replicas(&us, "Users").await, ["eu-west-1"]);
    let out = us.update_table().table_name("Users").replica_updates(delete("eu-west-1")).send().await.unwrap();
    assert_eq!(out.table_description().unwrap().replicas().len(), 1, "answered with the replicas as they were");
    let e = eu.describe_table().table_name("Users").send().await.unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
    assert!(replicas(&us, "Users").await.is_empty());
    assert!(item(&us, "Users", "from-eu").await.is_some(), "the remaining table keeps the items");

    // A provisioned table cannot be replicated (nothing auto scales it).
    us.update_table()
        .table_name("Users")
        .billing_mode(BillingMode::Provisioned)
        .provisioned_throughput(ProvisionedThroughput::builder().read_capacity_units(1).write_capacity_units(1).build().unwrap())
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder()
                .update(
                    aws_sdk_dynamodb::types::UpdateGlobalSecondaryIndexAction::builder()
                        .index_name("byN")
                        .provisioned_throughput(
                            ProvisionedThroughput::builder().read_capacity_units(1).write_capacity_units(1).build().unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused(us.update_table().table_name("Users").replica_updates(create("eu-west-1")).send().await),
        "Table write capacity should either be Pay-Per-Request or AutoScaled."
    );
    s.stop().await;
}

#[tokio::test]
async fn a_replica_outlives_its_source_and_keeps_the_items_across_a_restart() {
    let mut s = Stack::start().await;
    let key = (s.key.access_key_id.clone(), s.key.secret_access_key.expose().to_owned());
    let us = s.client();
    let eu = s.client_in("eu-west-1", &key.0, &key.1);
    create_pk_table(&us, "Orders").await;
    us.update_table().table_name("Orders").replica_updates(create("eu-west-1")).send().await.unwrap();
    for i in 0..20 {
        us.put_item().table_name("Orders").item("pk", Av::S(format!("o{i}"))).send().await.unwrap();
    }
    // Deleting the source leaves the replica, now a regional table.
    us.delete_table().table_name("Orders").send().await.unwrap();
    assert!(replicas(&eu, "Orders").await.is_empty());
    // Storage is reclaimed in the background for deleted tables: give it
    // the chance to (wrongly) take the shared items.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(eu.scan().table_name("Orders").send().await.unwrap().count(), 20);
    s.restart_data_plane().await;
    let (us, eu) = (s.client(), s.client_in("eu-west-1", &key.0, &key.1));
    assert_eq!(eu.scan().table_name("Orders").send().await.unwrap().count(), 20);
    let e = us.describe_table().table_name("Orders").send().await.unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
    s.stop().await;
}
