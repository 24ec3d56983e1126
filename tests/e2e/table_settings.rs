//! UpdateTable, Time to Live, tags, continuous backups, limits and
//! endpoints through the SDK.

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ProvisionedThroughput,
    ScalarAttributeType, Tag, TimeToLiveSpecification, TimeToLiveStatus,
};
use aws_sdk_dynamodb::Client;

use crate::harness::Stack;

async fn create(client: &Client, name: &str) -> aws_sdk_dynamodb::operation::create_table::CreateTableOutput {
    crate::harness::create_pk_table(client, name).await
}

#[tokio::test]
async fn update_table_billing_and_deletion_protection() {
    let s = Stack::start().await;
    let c = s.client();
    create(&c, "Orders").await;
    let t = c.describe_table().table_name("Orders").send().await.unwrap();
    assert_eq!(t.table().unwrap().billing_mode_summary().unwrap().billing_mode(), Some(&BillingMode::PayPerRequest));

    let throughput = ProvisionedThroughput::builder().read_capacity_units(3).write_capacity_units(4).build().unwrap();
    // One change per call, as DynamoDB insists.
    let err = c
        .update_table()
        .table_name("Orders")
        .billing_mode(BillingMode::Provisioned)
        .provisioned_throughput(throughput.clone())
        .deletion_protection_enabled(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("One or more parameter values were invalid: DeletionProtection modification must be the only operation in the request")
    );
    let out = c
        .update_table()
        .table_name("Orders")
        .billing_mode(BillingMode::Provisioned)
        .provisioned_throughput(throughput)
        .send()
        .await
        .unwrap();
    assert_eq!(out.table_description().unwrap().provisioned_throughput().unwrap().write_capacity_units(), Some(4));
    // Once on demand, a table keeps a billing summary (boto3's
    // Table.billing_mode_summary), with the time it went on demand.
    let t = c.describe_table().table_name("Orders").send().await.unwrap();
    let summary = t.table().unwrap().billing_mode_summary().unwrap();
    assert_eq!(summary.billing_mode(), Some(&BillingMode::Provisioned));
    assert!(summary.last_update_to_pay_per_request_date_time().is_some());
    // A capacity change answers UPDATING with the capacity still in force
    // (dynalite's updateTable.js, recorded against DynamoDB); DescribeTable
    // has the new one.
    let doubled = ProvisionedThroughput::builder().read_capacity_units(6).write_capacity_units(8).build().unwrap();
    let out = c.update_table().table_name("Orders").provisioned_throughput(doubled).send().await.unwrap();
    let d = out.table_description().unwrap();
    assert_eq!(d.table_status(), Some(&aws_sdk_dynamodb::types::TableStatus::Updating));
    let pt = d.provisioned_throughput().unwrap();
    assert_eq!((pt.read_capacity_units(), pt.write_capacity_units()), (Some(3), Some(4)));
    assert!(pt.last_increase_date_time().is_some());
    let t = c.describe_table().table_name("Orders").send().await.unwrap();
    let pt = t.table().unwrap().provisioned_throughput().unwrap();
    assert_eq!((pt.read_capacity_units(), pt.write_capacity_units()), (Some(6), Some(8)));
    let out = c.update_table().table_name("Orders").deletion_protection_enabled(true).send().await.unwrap();
    assert_eq!(out.table_description().unwrap().table_status(), Some(&aws_sdk_dynamodb::types::TableStatus::Active));
    assert_eq!(out.table_description().unwrap().deletion_protection_enabled(), Some(true));

    let err = c.delete_table().table_name("Orders").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(
        err.message(),
        Some("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
    );
    let err = c.update_table().table_name("Orders").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));

    c.update_table().table_name("Orders").deletion_protection_enabled(false).send().await.unwrap();
    c.delete_table().table_name("Orders").send().await.unwrap();
    s.stop().await;
}

#[tokio::test]
async fn time_to_live_round_trip() {
    let s = Stack::start().await;
    let c = s.client();
    create(&c, "Sessions").await;
    let d = c.describe_time_to_live().table_name("Sessions").send().await.unwrap();
    assert_eq!(d.time_to_live_description().unwrap().time_to_live_status(), Some(&TimeToLiveStatus::Disabled));

    let spec = TimeToLiveSpecification::builder().enabled(true).attribute_name("expires").build().unwrap();
    let out = c.update_time_to_live().table_name("Sessions").time_to_live_specification(spec.clone()).send().await.unwrap();
    assert_eq!(out.time_to_live_specification().unwrap().attribute_name(), "expires");
    let d = c.describe_time_to_live().table_name("Sessions").send().await.unwrap();
    let d = d.time_to_live_description().unwrap();
    assert_eq!(d.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
    assert_eq!(d.attribute_name(), Some("expires"));

    let err = c.update_time_to_live().table_name("Sessions").time_to_live_specification(spec).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), Some("TimeToLive is already enabled"));
    // Another attribute while enabled names the current one.
    let other = TimeToLiveSpecification::builder().enabled(true).attribute_name("until").build().unwrap();
    let err = c.update_time_to_live().table_name("Sessions").time_to_live_specification(other).send().await.unwrap_err();
    assert_eq!(err.message(), Some("TimeToLive is active on a different AttributeName: current AttributeName is expires"));
    // A valid change within the hour after the last one is refused.
    let off = TimeToLiveSpecification::builder().enabled(false).attribute_name("expires").build().unwrap();
    let err = c.update_time_to_live().table_name("Sessions").time_to_live_specification(off).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), Some("Time to live has been modified multiple times within a fixed interval"));

    // No Kinesis here: a table has no streaming destinations.
    let k = c.describe_kinesis_streaming_destination().table_name("Sessions").send().await.unwrap();
    assert_eq!(k.table_name(), Some("Sessions"));
    assert!(k.kinesis_data_stream_destinations().is_empty());
    let err = c.describe_kinesis_streaming_destination().table_name("Nope").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));

    let err = c.describe_time_to_live().table_name("Nope").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    s.stop().await;
}

#[tokio::test]
async fn tags_round_trip() {
    let s = Stack::start().await;
    let c = s.client();
    create(&c, "Tagged").await;
    let arn = format!("arn:aws:dynamodb:us-east-1:{}:table/Tagged", s.tenant.account_id);
    assert!(c.list_tags_of_resource().resource_arn(&arn).send().await.unwrap().tags().is_empty());
    c.tag_resource()
        .resource_arn(&arn)
        .tags(Tag::builder().key("env").value("prod").build().unwrap())
        .tags(Tag::builder().key("team").value("core").build().unwrap())
        .send()
        .await
        .unwrap();
    let tags = c.list_tags_of_resource().resource_arn(&arn).send().await.unwrap();
    let keys: Vec<&str> = tags.tags().iter().map(|t| t.key()).collect();
    assert_eq!(keys, ["env", "team"]);
    c.untag_resource().resource_arn(&arn).tag_keys("env").send().await.unwrap();
    let tags = c.list_tags_of_resource().resource_arn(&arn).send().await.unwrap();
    assert_eq!(tags.tags().len(), 1);

    let err = c.list_tags_of_resource().resource_arn("not-an-arn").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), Some("One or more parameter values were invalid: ARNs must start with 'arn:': not-an-arn"));
    // The ARN is checked before the tags, and a table name no table can
    // have makes the ARN invalid (not a missing table).
    let err = c.tag_resource().resource_arn("not-an-arn").set_tags(Some(vec![])).send().await.unwrap_err();
    assert_eq!(err.message(), Some("One or more parameter values were invalid: ARNs must start with 'arn:': not-an-arn"));
    let short = format!("arn:aws:dynamodb:us-east-1:{}:table/ab", s.tenant.account_id);
    let err = c.tag_resource().resource_arn(&short).set_tags(Some(vec![])).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message().unwrap(), format!("Invalid TableArn: Invalid ResourceArn provided as input {short}"));
    let missing_table = format!("arn:aws:dynamodb:us-east-1:{}:table/absent", s.tenant.account_id);
    let err = c.tag_resource().resource_arn(&missing_table).set_tags(Some(vec![])).send().await.unwrap_err();
    assert_eq!(err.message(), Some("Atleast one Tag needs to be provided as Input."));
    let malformed = format!("arn:aws:dynamodb:us-east-1:{}:stream", s.tenant.account_id);
    let err = c.list_tags_of_resource().resource_arn(&malformed).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message().unwrap(), format!("Invalid TableArn: Invalid ResourceArn provided as input {malformed}"));
    // An index has an ARN but no tags of its own.
    let err = c.tag_resource().resource_arn(format!("{arn}/index/byOwner")).tags(Tag::builder().key("k").value("v").build().unwrap()).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert!(err.message().unwrap().contains("Invalid resource arn provided, only table or stream is accepted"), "{err:?}");
    for foreign in ["arn:aws:s3:::bucket".to_owned(), "arn:aws:dynamodb:us-east-1:999999999999:table/Tagged".to_owned()] {
        let err = c.list_tags_of_resource().resource_arn(&foreign).send().await.unwrap_err();
        assert_eq!(err.code(), Some("AccessDeniedException"), "{foreign}");
    }
    // Tag keys and values: letters, digits, white space and + - = . _ : / @ only.
    for (k, v) in [("hi!", "dog"), ("dog", "d%g"), ("ok", "\"hello\"")] {
        let err = c.tag_resource().resource_arn(&arn).tags(Tag::builder().key(k).value(v).build().unwrap()).send().await.unwrap_err();
        assert_eq!(err.code(), Some("ValidationException"), "{k}={v}");
    }
    c.tag_resource().resource_arn(&arn).tags(Tag::builder().key("a b+c-d=e.f_g:h/i@j").value("ünï 9").build().unwrap()).send().await.unwrap();
    // TagResource and UntagResource answer 200 with an empty body.
    for (target, body) in [
        ("DynamoDB_20120810.TagResource", format!(r#"{{"ResourceArn":"{arn}","Tags":[{{"Key":"k","Value":"v"}}]}}"#)),
        ("DynamoDB_20120810.UntagResource", format!(r#"{{"ResourceArn":"{arn}","TagKeys":["k"]}}"#)),
    ] {
        let req = crate::harness::signed_request(&s.endpoint(), target, &body, &s.key.access_key_id, s.key.secret_access_key.expose(), std::time::SystemTime::now(), false);
        let (status, _, _, raw) = crate::harness::send(req).await;
        assert_eq!(status, 200, "{target}");
        assert!(raw.is_empty(), "{target} answered {raw:?}");
    }
    let missing = format!("arn:aws:dynamodb:us-east-1:{}:table/Missing", s.tenant.account_id);
    let err = c.list_tags_of_resource().resource_arn(&missing).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert_eq!(err.message().unwrap(), format!("Requested resource not found: ResourcArn: {missing} not found"));
    s.stop().await;
}

/// Tag changes of different keys made at the same time are all kept: each
/// TagResource or UntagResource changes only its own keys (a
/// read-modify-write of the whole tag set would lose the other's).
/// Alternator's test_concurrent_tag asks the same of DynamoDB.
#[tokio::test]
async fn concurrent_tag_changes_lose_nothing() {
    let s = Stack::start().await;
    let c = s.client();
    create(&c, "Busy").await;
    let arn = format!("arn:aws:dynamodb:us-east-1:{}:table/Busy", s.tenant.account_id);
    let workers: Vec<_> = ["A", "B", "C"]
        .into_iter()
        .map(|key| {
            let (c, arn) = (c.clone(), arn.clone());
            tokio::spawn(async move {
                let mine = |tags: &[Tag]| tags.iter().filter(|t| t.key() == key).count();
                for round in 0..25 {
                    c.tag_resource().resource_arn(&arn).tags(Tag::builder().key(key).value("Hello").build().unwrap()).send().await.unwrap();
                    let tags = c.list_tags_of_resource().resource_arn(&arn).send().await.unwrap();
                    assert_eq!(mine(tags.tags()), 1, "{key} lost after it was added (round {round}): {tags:?}");
                    c.untag_resource().resource_arn(&arn).tag_keys(key).send().await.unwrap();
                    let tags = c.list_tags_of_resource().resource_arn(&arn).send().await.unwrap();
                    assert_eq!(mine(tags.tags()), 0, "{key} back after it was removed (round {round}): {tags:?}");
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("a tagging task failed");
    }
    s.stop().await;
}

#[tokio::test]
async fn limits_endpoints_and_backups() {
    let s = Stack::start().await;
    let c = s.client();
    let l = c.describe_limits().send().await.unwrap();
    assert_eq!(l.table_max_read_capacity_units(), Some(40000));
    let e = c.describe_endpoints().send().await.unwrap();
    assert_eq!(e.endpoints()[0].address(), s.dp_addr.to_string());
    create(&c, "Backed").await;
    let b = c.describe_continuous_backups().table_name("Backed").send().await.unwrap();
    assert!(b.continuous_backups_description().is_some());
    let err = c.describe_continuous_backups().table_name("Nope").send().await.unwrap_err();
    assert_eq!(err.code(), Some("TableNotFoundException"));
    s.stop().await;
}

/// Point-in-time recovery is switched on and off with
/// UpdateContinuousBackups (as Terraform's `point_in_time_recovery` block
/// does), with DynamoDB's window and period.
#[tokio::test]
async fn point_in_time_recovery_is_switched_on_and_off() {
    use aws_sdk_dynamodb::types::{PointInTimeRecoverySpecification, PointInTimeRecoveryStatus};
    let s = Stack::start().await;
    let c = s.client();
    create(&c, "Recovered").await;
    let spec = |on: bool, days: Option<i32>| {
        PointInTimeRecoverySpecification::builder()
            .point_in_time_recovery_enabled(on)
            .set_recovery_period_in_days(days)
            .build()
            .unwrap()
    };
    let before = std::time::SystemTime::now() - std::time::Duration::from_secs(1);
    let out = c
        .update_continuous_backups()
        .table_name("Recovered")
        .point_in_time_recovery_specification(spec(true, None))
        .send()
        .await
        .unwrap();
    let pitr = out.continuous_backups_description().unwrap().point_in_time_recovery_description().unwrap();
    assert_eq!(pitr.point_in_time_recovery_status(), Some(&PointInTimeRecoveryStatus::Enabled));
    assert_eq!(pitr.recovery_period_in_days(), Some(35));
    let earliest = pitr.earliest_restorable_date_time().unwrap();
    assert!(earliest.secs() >= aws_sdk_dynamodb::primitives::DateTime::from(before).secs(), "{earliest:?}");
    assert!(pitr.latest_restorable_date_time().unwrap() >= earliest);
    c.update_continuous_backups()
        .table_name("Recovered")
        .point_in_time_recovery_specification(spec(true, Some(7)))
        .send()
        .await
        .unwrap();
    let d = c.describe_continuous_backups().table_name("Recovered").send().await.unwrap();
    let pitr = d.continuous_backups_description().unwrap().point_in_time_recovery_description().unwrap();
    assert_eq!(pitr.recovery_period_in_days(), Some(7));
    assert_eq!(pitr.earliest_restorable_date_time(), Some(earliest), "the history starts when it was enabled");
    let err = c
        .update_continuous_backups()
        .table_name("Recovered")
        .point_in_time_recovery_specification(spec(true, Some(36)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value '36' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 35")
    );
    let err = c
        .update_continuous_backups()
        .table_name("Nope")
        .point_in_time_recovery_specification(spec(true, None))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("TableNotFoundException"));
    let out = c
        .update_continuous_backups()
        .table_name("Recovered")
        .point_in_time_recovery_specification(spec(false, None))
        .send()
        .await
        .unwrap();
    let pitr = out.continuous_backups_description().unwrap().point_in_time_recovery_description().unwrap();
    assert_eq!(pitr.point_in_time_recovery_status(), Some(&PointInTimeRecoveryStatus::Disabled));
    assert!(pitr.earliest_restorable_date_time().is_none());
    s.stop().await;
}

/// WarmThroughput: every table starts at the baseline; an UpdateTable that
/// carries only WarmThroughput (as Terraform sends it) raises it, and it
/// never goes down. The table class records when it changed.
#[tokio::test]
async fn warm_throughput_and_table_class_round_trip() {
    use aws_sdk_dynamodb::types::{TableClass, WarmThroughput};
    let s = Stack::start().await;
    let c = s.client();
    create(&c, "Warm").await;
    let warm = |c: &Client| {
        let c = c.clone();
        async move {
            let t = c.describe_table().table_name("Warm").send().await.unwrap();
            let w = t.table().unwrap().warm_throughput().unwrap().clone();
            (w.read_units_per_second(), w.write_units_per_second(), w.status().map(|s| s.as_str().to_owned()))
        }
    };
    assert_eq!(warm(&c).await, (Some(12_000), Some(4_000), Some("ACTIVE".to_owned())));
    c.update_table()
        .table_name("Warm")
        .warm_throughput(WarmThroughput::builder().read_units_per_second(12_120).build())
        .send()
        .await
        .unwrap();
    assert_eq!(warm(&c).await, (Some(12_120), Some(4_000), Some("ACTIVE".to_owned())));
    let err = c
        .update_table()
        .table_name("Warm")
        .warm_throughput(WarmThroughput::builder().read_units_per_second(12_060).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert!(err.message().unwrap().contains("lower than current WarmThroughput"), "{err:?}");

    // A GSI's own warm throughput: given when it is created, raised by an
    // Update of the index, described with it.
    use aws_sdk_dynamodb::types::{
        CreateGlobalSecondaryIndexAction, GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType, Projection, ProjectionType,
        UpdateGlobalSecondaryIndexAction,
    };
    let gsi = |u: GlobalSecondaryIndexUpdate| c.update_table().table_name("Warm").global_secondary_index_updates(u);
    gsi(GlobalSecondaryIndexUpdate::builder()
        .create(
            CreateGlobalSecondaryIndexAction::builder()
                .index_name("byG")
                .key_schema(KeySchemaElement::builder().attribute_name("g").key_type(KeyType::Hash).build().unwrap())
                .projection(Projection::builder().projection_type(ProjectionType::KeysOnly).build())
                .warm_throughput(WarmThroughput::builder().read_units_per_second(15_000).write_units_per_second(5_000).build())
                .build()
                .unwrap(),
        )
        .build())
    .attribute_definitions(AttributeDefinition::builder().attribute_name("g").attribute_type(ScalarAttributeType::S).build().unwrap())
    .send()
    .await
    .unwrap();
    let index_warm = |c: &Client| {
        let c = c.clone();
        async move {
            let t = c.describe_table().table_name("Warm").send().await.unwrap();
            let w = t.table().unwrap().global_secondary_indexes()[0].warm_throughput().unwrap().clone();
            (w.read_units_per_second(), w.write_units_per_second())
        }
    };
    assert_eq!(index_warm(&c).await, (Some(15_000), Some(5_000)));
    let raise = |read: i64| {
        GlobalSecondaryIndexUpdate::builder()
            .update(
                UpdateGlobalSecondaryIndexAction::builder()
                    .index_name("byG")
                    .warm_throughput(WarmThroughput::builder().read_units_per_second(read).build())
                    .build()
                    .unwrap(),
            )
            .build()
    };
    gsi(raise(16_000)).send().await.unwrap();
    assert_eq!(index_warm(&c).await, (Some(16_000), Some(5_000)));
    let err = gsi(raise(15_500)).send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("One or more parameter values were invalid: Requested ReadUnitsPerSecond for WarmThroughput for index byG is lower than current WarmThroughput, decreasing WarmThroughput is not supported")
    );

    c.update_table().table_name("Warm").table_class(TableClass::StandardInfrequentAccess).send().await.unwrap();
    let t = c.describe_table().table_name("Warm").send().await.unwrap();
    let summary = t.table().unwrap().table_class_summary().unwrap();
    assert_eq!(summary.table_class(), Some(&TableClass::StandardInfrequentAccess));
    assert!(summary.last_update_date_time().is_some());
    s.stop().await;
}

/// Time to Live deletes items whose expiry time has passed (and not more
/// than five years ago), with their index entries; other items stay.
#[tokio::test]
async fn time_to_live_deletes_expired_items() {
    use aws_sdk_dynamodb::types::{AttributeValue as Av, GlobalSecondaryIndex, Projection, ProjectionType};
    let s = Stack::start_with(|c| c.ttl_sweep_secs = 1).await;
    let c = s.client();
    c.create_table()
        .table_name("Sessions")
        .attribute_definitions(AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap())
        .attribute_definitions(AttributeDefinition::builder().attribute_name("g").attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("ByG")
                .key_schema(KeySchemaElement::builder().attribute_name("g").key_type(KeyType::Hash).build().unwrap())
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let items: [(&str, Option<Av>); 5] = [
        ("expired", Some(Av::N((now - 60).to_string()))),
        ("future", Some(Av::N((now + 3600).to_string()))),
        ("text", Some(Av::S((now - 60).to_string()))),
        ("ancient", Some(Av::N((now - 6 * 365 * 24 * 3600).to_string()))),
        ("none", None),
    ];
    for (pk, exp) in items {
        let mut put = c.put_item().table_name("Sessions").item("pk", Av::S(pk.into())).item("g", Av::S("all".into()));
        if let Some(e) = exp {
            put = put.item("exp", e);
        }
        put.send().await.unwrap();
    }
    c.update_time_to_live()
        .table_name("Sessions")
        .time_to_live_specification(TimeToLiveSpecification::builder().enabled(true).attribute_name("exp").build().unwrap())
        .send()
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let got = c.get_item().table_name("Sessions").key("pk", Av::S("expired".into())).consistent_read(true).send().await.unwrap();
        if got.item().is_none() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the expired item was not deleted within 15 s");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let left = c.scan().table_name("Sessions").consistent_read(true).send().await.unwrap();
    let mut keys: Vec<&str> = left.items().iter().map(|i| i["pk"].as_s().unwrap().as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["ancient", "future", "none", "text"]);
    let by_g = c
        .query()
        .table_name("Sessions")
        .index_name("ByG")
        .key_condition_expression("g = :g")
        .expression_attribute_values(":g", Av::S("all".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(by_g.count(), 4, "the index entry went with the item");
    let text = s.metrics().await;
    let deleted = crate::harness::sample(
        &text,
        "dynastore_time_to_live_deleted_items_total",
        &format!(r#"table="Sessions",tenant="{}""#, s.tenant.id),
    );
    assert_eq!(deleted, Some(1.0), "{text}");
    s.stop().await;
}

#[tokio::test]
async fn contributor_insights_are_switched_on_and_off() {
    use aws_sdk_dynamodb::types::{ContributorInsightsAction as Action, ContributorInsightsMode as Mode, ContributorInsightsStatus as Status};
    let s = Stack::start().await;
    let c = s.client();
    create(&c, "Insights").await;
    create(&c, "Quiet").await;
    let d = c.describe_contributor_insights().table_name("Insights").send().await.unwrap();
    assert_eq!(d.contributor_insights_status(), Some(&Status::Disabled));
    assert!(d.last_update_date_time().is_none() && d.contributor_insights_mode().is_none());

    let switch = |table: &'static str, action: Action| c.update_contributor_insights().table_name(table).contributor_insights_action(action).send();
    let on = switch("Insights", Action::Enable).await.unwrap();
    assert_eq!(on.contributor_insights_status(), Some(&Status::Enabling));
    assert_eq!(on.contributor_insights_mode(), Some(&Mode::AccessedAndThrottledKeys));
    let d = c.describe_contributor_insights().table_name("Insights").send().await.unwrap();
    assert_eq!(d.contributor_insights_status(), Some(&Status::Enabled));
    let rules = d.contributor_insights_rule_list();
    assert_eq!(rules.len(), 2, "{rules:?}");
    assert!(rules[0].starts_with("DynamoDBContributorInsights-PKC-Insights-") && rules[1].starts_with("DynamoDBContributorInsights-PKT-Insights-"));
    assert!(d.last_update_date_time().is_some());
    // Enabling again changes nothing and says so.
    let again = switch("Insights", Action::Enable).await.unwrap();
    assert_eq!(again.contributor_insights_status(), Some(&Status::Enabled));

    let listed = c.list_contributor_insights().send().await.unwrap();
    let summaries = listed.contributor_insights_summaries();
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    assert_eq!(summaries[0].table_name(), Some("Insights"));
    assert!(listed.next_token().is_none());
    // Pages of one across two tables.
    switch("Quiet", Action::Enable).await.unwrap();
    let first = c.list_contributor_insights().max_results(1).send().await.unwrap();
    assert_eq!(first.contributor_insights_summaries()[0].table_name(), Some("Insights"));
    let token = first.next_token().expect("a second page").to_owned();
    let second = c.list_contributor_insights().max_results(1).next_token(token).send().await.unwrap();
    assert_eq!(second.contributor_insights_summaries()[0].table_name(), Some("Quiet"));
    assert!(second.next_token().is_none());
    let err = c.list_contributor_insights().max_results(101).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    switch("Quiet", Action::Disable).await.unwrap();

    let err = c.describe_contributor_insights().table_name("Insights").index_name("nope").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert_eq!(err.message(), Some("Requested resource not found: Index: nope not found for table: Insights"));
    let err = c.describe_contributor_insights().table_name("Missing").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));

    let off = switch("Insights", Action::Disable).await.unwrap();
    assert_eq!(off.contributor_insights_status(), Some(&Status::Disabling));
    let d = c.describe_contributor_insights().table_name("Insights").send().await.unwrap();
    assert_eq!(d.contributor_insights_status(), Some(&Status::Disabled));
    assert!(d.contributor_insights_rule_list().is_empty());
    assert!(c.list_contributor_insights().send().await.unwrap().contributor_insights_summaries().is_empty());
    s.stop().await;
}

#[tokio::test]
async fn create_table_answers_without_warm_throughput_unless_asked() {
    let s = Stack::start().await;
    let c = s.client();
    let out = create(&c, "Fresh").await;
    let d = out.table_description().unwrap();
    assert!(d.warm_throughput().is_none(), "{d:?}");
    assert!(d.billing_mode_summary().unwrap().last_update_to_pay_per_request_date_time().is_none());
    let t = c.describe_table().table_name("Fresh").send().await.unwrap();
    let w = t.table().unwrap().warm_throughput().unwrap();
    assert_eq!((w.read_units_per_second(), w.write_units_per_second()), (Some(12_000), Some(4_000)));
    s.stop().await;
}

#[tokio::test]
async fn encryption_changes_answer_as_under_way() {
    use aws_sdk_dynamodb::types::{SseSpecification, SseStatus, SseType};
    let s = Stack::start().await;
    let c = s.client();
    create(&c, "Sealed").await;
    let sse = |enabled: bool| SseSpecification::builder().enabled(enabled).build();
    let out = c.update_table().table_name("Sealed").sse_specification(sse(true)).send().await.unwrap();
    let d = out.table_description().unwrap().sse_description().unwrap();
    assert_eq!((d.status(), d.sse_type()), (Some(&SseStatus::Updating), Some(&SseType::Kms)));
    let key = d.kms_master_key_arn().unwrap().to_owned();
    // The account's DynamoDB-managed key, named by a UUID as KMS names keys.
    let id = key.rsplit('/').next().unwrap();
    assert!(key.starts_with("arn:aws:kms:us-east-1:"), "{key}");
    assert_eq!(id.split('-').map(str::len).collect::<Vec<_>>(), [8, 4, 4, 4, 12], "{key}");
    let t = c.describe_table().table_name("Sealed").send().await.unwrap();
    let d = t.table().unwrap().sse_description().unwrap();
    assert_eq!((d.status(), d.kms_master_key_arn()), (Some(&SseStatus::Enabled), Some(key.as_str())));

    // Back to the key DynamoDB owns: under way, naming the key it leaves.
    let out = c.update_table().table_name("Sealed").sse_specification(sse(false)).send().await.unwrap();
    let d = out.table_description().unwrap().sse_description().unwrap();
    assert_eq!((d.status(), d.kms_master_key_arn()), (Some(&SseStatus::Updating), Some(key.as_str())));
    let t = c.describe_table().table_name("Sealed").send().await.unwrap();
    assert!(t.table().unwrap().sse_description().is_none());
    s.stop().await;
}

/// Resources an endpoint never holds are answered as DynamoDB answers when
/// there are none: legacy global tables, S3 exports and imports.
#[tokio::test]
async fn legacy_global_tables_exports_and_imports_are_answered_as_absent() {
    let s = Stack::start().await;
    let c = s.client();
    create(&c, "Music").await;
    let e = c.describe_global_table().global_table_name("Music").send().await.unwrap_err();
    assert_eq!(e.code(), Some("GlobalTableNotFoundException"));
    assert_eq!(e.message(), Some("Global table not found: Global table with name: 'Music' does not exist."));
    let e = c
        .update_global_table_settings()
        .global_table_name("Music")
        .global_table_billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("GlobalTableNotFoundException"));
    let e = c
        .create_global_table()
        .global_table_name("Music")
        .replication_group(aws_sdk_dynamodb::types::Replica::builder().region_name("us-west-2").build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));
    assert!(
        e.message().unwrap().starts_with("One or more parameter values were invalid: DynamoDB global tables version 2017.11.29 is not supported."),
        "{e:?}"
    );
    assert!(c.list_global_tables().send().await.unwrap().global_tables().is_empty());
    assert!(c.list_exports().send().await.unwrap().export_summaries().is_empty());
    assert!(c.list_imports().send().await.unwrap().import_summary_list().is_empty());
    let account = s.tenant.account_id.clone();
    let e = c.describe_export().export_arn(format!("arn:aws:dynamodb:us-east-1:{account}:table/Music")).send().await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Some("ValidationException"), Some("Invalid Export ARN")));
    let e = c
        .describe_import()
        .import_arn(format!("arn:aws:dynamodb:us-east-1:{account}:table/Music/import/01658528578619-c4d4e311"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ImportNotFoundException"));
    // Replica requests are checked first (global_tables.rs adds replicas).
    let replica = |region: &str| {
        aws_sdk_dynamodb::types::ReplicationGroupUpdate::builder()
            .create(aws_sdk_dynamodb::types::CreateReplicationGroupMemberAction::builder().region_name(region).build().unwrap())
            .build()
    };
    let e = c.update_table().table_name("Music").replica_updates(replica("us-east-1")).send().await.unwrap_err();
    assert_eq!(
        e.message(),
        Some("Cannot add or delete the local region through ReplicaUpdates. Use CreateTable, DeleteTable, or UpdateTable as required.")
    );
    let e = c
        .update_table()
        .table_name("Music")
        .billing_mode(BillingMode::PayPerRequest)
        .replica_updates(replica("us-west-2"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some("One or more parameter values were invalid: Replica modification must be the only operation in the request")
    );
    let described = c.describe_table().table_name("Music").send().await.unwrap();
    assert!(described.table().unwrap().replicas().is_empty());
    s.stop().await;
}

/// ExportTableToPointInTime and ImportTable check their requests as
/// DynamoDB does (moto's AWS-verified export and import tests), then
/// accept a job that fails as DynamoDB's job for a missing bucket does
/// (moto's test_export_to_missing_s3_bucket and
/// test_import_from_missing_s3_table), because the endpoint reaches no
/// Amazon S3; an import's table is never created.
#[tokio::test]
async fn exports_and_imports_are_checked_then_fail() {
    use aws_sdk_dynamodb::types::{
        ExportFormat, ExportStatus, ImportStatus, InputFormat, PointInTimeRecoverySpecification, S3BucketSource, TableCreationParameters,
    };
    let s = Stack::start().await;
    let c = s.client();
    create(&c, "Music").await;
    let arn = c.describe_table().table_name("Music").send().await.unwrap().table().unwrap().table_arn().unwrap().to_owned();
    let missing = arn.replace("table/Music", "table/Nothing");
    let export = |table_arn: &str| {
        c.export_table_to_point_in_time()
            .table_arn(table_arn)
            .s3_bucket("exports-bucket")
            .s3_prefix("prefix")
            .export_format(ExportFormat::DynamodbJson)
    };
    let e = export(&missing).send().await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Some("TableNotFoundException"), Some(format!("Table not found: {missing}").as_str())));
    // A malformed ARN is refused naming TableArn (Alternator's
    // test_export.py).
    let e = export("QWERTY").send().await.unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (Some("ValidationException"), Some("Invalid TableArn: Invalid ResourceArn provided as input QWERTY"))
    );
    let e = export(&arn).send().await.unwrap_err();
    assert_eq!(e.code(), Some("PointInTimeRecoveryUnavailableException"));
    assert_eq!(e.message(), Some("Point in time recovery is not enabled for table 'Music'"));
    let e = export(&arn).s3_bucket("-bad-").send().await.unwrap_err();
    assert_eq!(
        e.message(),
        Some("1 validation error detected: Value '-bad-' at 's3Bucket' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$")
    );
    c.update_continuous_backups()
        .table_name("Music")
        .point_in_time_recovery_specification(
            PointInTimeRecoverySpecification::builder().point_in_time_recovery_enabled(true).build().unwrap(),
        )
        .send()
        .await
        .unwrap();
    let accepted = export(&arn).client_token("token-1").send().await.unwrap();
    let accepted = accepted.export_description().unwrap();
    assert_eq!(accepted.export_status(), Some(&ExportStatus::InProgress));
    let export_arn = accepted.export_arn().unwrap().to_owned();
    assert!(export_arn.starts_with(&format!("{arn}/export/")), "{export_arn}");
    assert_eq!(accepted.s3_bucket(), Some("exports-bucket"));
    let failed = c.describe_export().export_arn(&export_arn).send().await.unwrap();
    let failed = failed.export_description().unwrap();
    assert_eq!(failed.export_status(), Some(&ExportStatus::Failed));
    assert_eq!(failed.failure_code(), Some("S3NoSuchBucket"));
    assert!(failed.failure_message().unwrap().contains("The specified bucket does not exist"), "{failed:?}");
    // DynamoDB leaves the default export type out, and always names a
    // client token.
    assert_eq!(failed.export_type(), None);
    assert_eq!(failed.client_token(), Some("token-1"));
    assert!(failed.end_time().is_some());
    // The same client token names the same job; with other parameters it
    // is a conflict.
    let again = export(&arn).client_token("token-1").send().await.unwrap();
    assert_eq!(again.export_description().unwrap().export_arn(), Some(export_arn.as_str()));
    let e = export(&arn).client_token("token-1").s3_prefix("other").send().await.unwrap_err();
    assert_eq!(e.code(), Some("ExportConflictException"));
    assert!(e.message().unwrap().starts_with("Duplicate request detected"), "{e:?}");
    let e = export(&arn).export_time(aws_sdk_dynamodb::primitives::DateTime::from_secs(1)).send().await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidExportTimeException"));
    let second = export(&arn).send().await.unwrap();
    let second = second.export_description().unwrap();
    assert!(second.client_token().is_some_and(|t| !t.is_empty()), "a client token is made up");
    let second = second.export_arn().unwrap().to_owned();
    // Newest first.
    let listed = c.list_exports().table_arn(&arn).send().await.unwrap();
    let arns: Vec<&str> = listed.export_summaries().iter().filter_map(|e| e.export_arn()).collect();
    assert_eq!(arns, [second.as_str(), export_arn.as_str()]);
    assert_eq!(listed.export_summaries()[0].export_status(), Some(&ExportStatus::Failed));
    assert_eq!(listed.export_summaries()[0].export_type(), Some(&aws_sdk_dynamodb::types::ExportType::FullExport));
    let first_page = c.list_exports().max_results(1).send().await.unwrap();
    assert_eq!(first_page.export_summaries().len(), 1);
    let token = first_page.next_token().unwrap().to_owned();
    let next_page = c.list_exports().max_results(1).next_token(&token).send().await.unwrap();
    assert_eq!(next_page.export_summaries()[0].export_arn(), Some(export_arn.as_str()));
    assert_eq!(next_page.next_token(), None);
    assert!(c.list_exports().table_arn(&missing).send().await.unwrap().export_summaries().is_empty());
    let e = c.list_exports().next_token("0123abcd").send().await.unwrap_err();
    assert_eq!(e.message(), Some("Invalid Request: Provided nextToken is invalid: 0123abcd"));
    let e = c.describe_export().export_arn(format!("{arn}/export/01658528578619-c4d4e311")).send().await.unwrap_err();
    assert_eq!(e.code(), Some("ExportNotFoundException"));
    // Another account's (or partition's) ARN is refused before its form is
    // looked at.
    let e = c.describe_export().export_arn("arn:qwerty:dynamodb:us-east-1:000000000000:table/nonexistent_table_xyz").send().await.unwrap_err();
    assert_eq!(e.code(), Some("AccessDeniedException"));

    let params = |name: &str, provisioned: bool| {
        TableCreationParameters::builder()
            .table_name(name)
            .attribute_definitions(AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap())
            .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
            .billing_mode(if provisioned { BillingMode::Provisioned } else { BillingMode::PayPerRequest })
            .build()
            .unwrap()
    };
    let import = |p: TableCreationParameters| {
        c.import_table()
            .s3_bucket_source(S3BucketSource::builder().s3_bucket("imports-bucket").build().unwrap())
            .input_format(InputFormat::DynamodbJson)
            .table_creation_parameters(p)
    };
    let e = import(params("Imported", true)).send().await.unwrap_err();
    assert_eq!(
        e.message(),
        Some("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
    );
    let e = import(params("Music", false)).send().await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Some("ResourceInUseException"), Some("Table already exists: Music")));
    let accepted = import(params("Imported", false)).send().await.unwrap();
    let accepted = accepted.import_table_description().unwrap();
    assert_eq!(accepted.import_status(), Some(&ImportStatus::InProgress));
    let import_arn = accepted.import_arn().unwrap().to_owned();
    assert!(import_arn.starts_with(&arn.replace("table/Music", "table/Imported/import/")), "{import_arn}");
    let failed = c.describe_import().import_arn(&import_arn).send().await.unwrap();
    let failed = failed.import_table_description().unwrap();
    assert_eq!(failed.import_status(), Some(&ImportStatus::Failed));
    assert_eq!(failed.failure_code(), Some("S3NoSuchBucket"));
    assert!(failed.failure_message().unwrap().contains("The specified bucket does not exist"), "{failed:?}");
    assert!(failed.table_arn().unwrap().ends_with(":table/Imported"));
    assert_eq!(failed.table_id(), accepted.table_id(), "the table id is allocated up front");
    assert!(failed.processed_size_bytes().is_none(), "nothing was read");
    // The same client token returns the import whatever the source says;
    // only another table conflicts (as DynamoDB does).
    let token = accepted.client_token().unwrap().to_owned();
    let other_source = c
        .import_table()
        .client_token(&token)
        .s3_bucket_source(S3BucketSource::builder().s3_bucket("other-bucket").build().unwrap())
        .input_format(InputFormat::DynamodbJson)
        .table_creation_parameters(params("Imported", false))
        .send()
        .await
        .unwrap();
    assert_eq!(other_source.import_table_description().unwrap().import_arn(), Some(import_arn.as_str()));
    let e = import(params("Elsewhere", false)).client_token(&token).send().await.unwrap_err();
    assert_eq!(e.code(), Some("ImportConflictException"));
    let listed = c.list_imports().send().await.unwrap();
    assert_eq!(listed.import_summary_list().len(), 1);
    assert_eq!(listed.import_summary_list()[0].import_arn(), Some(import_arn.as_str()));
    let e = c.list_imports().page_size(26).send().await.unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));
    // The table was never created.
    assert_eq!(c.list_tables().send().await.unwrap().table_names(), ["Music"]);
    s.stop().await;
}

/// Kinesis streaming destinations and replica auto scaling need services
/// the endpoint does not reach: described as absent, checked, then refused.
#[tokio::test]
async fn kinesis_destinations_and_replica_auto_scaling_are_checked_then_refused() {
    let s = Stack::start().await;
    let c = s.client();
    create(&c, "Orders").await;
    let stream = "arn:aws:kinesis:us-east-1:123456789012:stream/orders";

    // A table without replicas is no global table to auto scale.
    let err = c.describe_table_replica_auto_scaling().table_name("Orders").send().await.unwrap_err();
    assert_eq!((err.code(), err.message()), (Some("ResourceNotFoundException"), Some("Global table with name: 'Orders' does not exist.")));
    let err = c.describe_table_replica_auto_scaling().table_name("Nope").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let err = c.update_table_replica_auto_scaling().table_name("Orders").send().await.unwrap_err();
    assert_eq!((err.code(), err.message()), (Some("ResourceNotFoundException"), Some("Global table with name: 'Orders' does not exist.")));
    let err = c.update_table_replica_auto_scaling().table_name("Nope").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));

    // A global table's replicas are listed, without auto scaling settings;
    // changing them is refused.
    c.update_table()
        .table_name("Orders")
        .replica_updates(
            aws_sdk_dynamodb::types::ReplicationGroupUpdate::builder()
                .create(aws_sdk_dynamodb::types::CreateReplicationGroupMemberAction::builder().region_name("eu-west-1").build().unwrap())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let d = c.describe_table_replica_auto_scaling().table_name("Orders").send().await.unwrap();
    let d = d.table_auto_scaling_description().unwrap();
    assert_eq!(d.table_name(), Some("Orders"));
    assert_eq!(d.table_status(), Some(&aws_sdk_dynamodb::types::TableStatus::Active));
    let regions: Vec<&str> = d.replicas().iter().filter_map(|r| r.region_name()).collect();
    assert_eq!(regions, ["eu-west-1", "us-east-1"]);
    let err = c.update_table_replica_auto_scaling().table_name("Orders").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert!(err.message().unwrap().starts_with("Auto scaling is not available on this endpoint"), "{err:?}");

    let err = c.enable_kinesis_streaming_destination().table_name("Orders").stream_arn(stream).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(
        err.message(),
        Some(format!("Kinesis Data Streams are not available on this endpoint: it cannot write to stream {stream}. Read the table's changes with DynamoDB Streams instead.").as_str())
    );
    let err = c.disable_kinesis_streaming_destination().table_name("Orders").stream_arn(stream).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    let err = c.update_kinesis_streaming_destination().table_name("Orders").stream_arn(stream).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    let err = c.enable_kinesis_streaming_destination().table_name("Nope").stream_arn(stream).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let err = c.enable_kinesis_streaming_destination().table_name("Orders").stream_arn("arn:aws:kinesis").send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value 'arn:aws:kinesis' at 'streamArn' failed to satisfy constraint: Member must have length greater than or equal to 37")
    );
    // Nothing was set up.
    let k = c.describe_kinesis_streaming_destination().table_name("Orders").send().await.unwrap();
    assert!(k.kinesis_data_stream_destinations().is_empty());
    s.stop().await;
}
