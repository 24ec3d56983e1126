//! RestoreTableToPointInTime and on-demand backups through the SDK: a
//! restored table holds the source's items as they were at the chosen time
//! (or when the backup was made), its indexes are built, and DynamoDB's
//! errors come back for a wrong target, source, backup or time.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::primitives::DateTime;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    PointInTimeRecoverySpecification, Projection, ProjectionType, ScalarAttributeType, TableStatus,
};
use aws_sdk_dynamodb::Client;

use crate::harness::Stack;

async fn create(c: &Client, name: &str) {
    let def = |n: &str| AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build().unwrap();
    let key = |n: &str| KeySchemaElement::builder().attribute_name(n).key_type(KeyType::Hash).build().unwrap();
    c.create_table()
        .table_name(name)
        .attribute_definitions(def("pk"))
        .attribute_definitions(def("color"))
        .key_schema(key("pk"))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("byColor")
                .key_schema(key("color"))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

async fn put(c: &Client, table: &str, pk: &str, color: &str) {
    c.put_item()
        .table_name(table)
        .item("pk", Av::S(pk.into()))
        .item("color", Av::S(color.into()))
        .send()
        .await
        .unwrap();
}

/// `pk → color` of every item of `table`.
async fn contents(c: &Client, table: &str) -> HashMap<String, String> {
    let items = c.scan().table_name(table).consistent_read(true).send().await.unwrap().items.unwrap_or_default();
    items
        .into_iter()
        .map(|i| (i["pk"].as_s().unwrap().clone(), i["color"].as_s().unwrap().clone()))
        .collect()
}

fn pairs(p: &[(&str, &str)]) -> HashMap<String, String> {
    p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[tokio::test]
async fn tables_are_restored_to_a_point_in_time() {
    let s = Stack::start().await;
    let c = s.client();
    create(&c, "Paint").await;
    // Without recovery there is nothing to restore from.
    let err = c
        .restore_table_to_point_in_time()
        .source_table_name("Paint")
        .target_table_name("Copy")
        .use_latest_restorable_time(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("PointInTimeRecoveryUnavailableException"));
    let before_recovery = SystemTime::now();
    tokio::time::sleep(Duration::from_millis(50)).await;
    c.update_continuous_backups()
        .table_name("Paint")
        .point_in_time_recovery_specification(
            PointInTimeRecoverySpecification::builder().point_in_time_recovery_enabled(true).build().unwrap(),
        )
        .send()
        .await
        .unwrap();
    put(&c, "Paint", "a", "red").await;
    put(&c, "Paint", "b", "blue").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let then = SystemTime::now();
    tokio::time::sleep(Duration::from_millis(50)).await;
    put(&c, "Paint", "a", "green").await;
    c.delete_item().table_name("Paint").key("pk", Av::S("b".into())).send().await.unwrap();
    put(&c, "Paint", "c", "red").await;

    let out = c
        .restore_table_to_point_in_time()
        .source_table_name("Paint")
        .target_table_name("PaintThen")
        .restore_date_time(DateTime::from(then))
        .send()
        .await
        .unwrap();
    let d = out.table_description().unwrap();
    assert_eq!(d.table_status(), Some(&TableStatus::Creating));
    let summary = d.restore_summary().unwrap();
    assert!(summary.source_table_arn().unwrap().ends_with(":table/Paint"));
    assert!(summary.restore_in_progress());
    assert_eq!(contents(&c, "PaintThen").await, pairs(&[("a", "red"), ("b", "blue")]));
    // Its index is built from the restored items.
    let reds = c
        .query()
        .table_name("PaintThen")
        .index_name("byColor")
        .key_condition_expression("color = :c")
        .expression_attribute_values(":c", Av::S("red".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(reds.count(), 1);
    let t = c.describe_table().table_name("PaintThen").send().await.unwrap();
    let t = t.table().unwrap();
    assert_eq!(t.table_status(), Some(&TableStatus::Active));
    assert_eq!(t.item_count(), Some(2));
    // Once ACTIVE the table no longer says it was restored, as in DynamoDB.
    assert!(t.restore_summary().is_none());

    c.restore_table_to_point_in_time()
        .source_table_name("Paint")
        .target_table_name("PaintNow")
        .use_latest_restorable_time(true)
        .send()
        .await
        .unwrap();
    assert_eq!(contents(&c, "PaintNow").await, pairs(&[("a", "green"), ("c", "red")]));
    // The source is untouched.
    assert_eq!(contents(&c, "Paint").await, pairs(&[("a", "green"), ("c", "red")]));

    let restore = |target: &str| {
        c.restore_table_to_point_in_time()
            .source_table_name("Paint")
            .target_table_name(target)
    };
    let err = restore("PaintNow").use_latest_restorable_time(true).send().await.unwrap_err();
    assert_eq!(err.code(), Some("TableAlreadyExistsException"));
    let err = restore("Early").restore_date_time(DateTime::from(before_recovery)).send().await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidRestoreTimeException"));
    let msg = err.message().unwrap();
    assert!(msg.starts_with("RestoreDateTime '") && msg.contains("' must be within EarliestRestorableDateTime '"), "{msg}");
    // The time is checked before the target: an existing target with a bad time is about the time.
    let err = restore("PaintNow").restore_date_time(DateTime::from(before_recovery)).send().await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidRestoreTimeException"));
    let err = c
        .restore_table_to_point_in_time()
        .source_table_name("Nope")
        .target_table_name("Other")
        .use_latest_restorable_time(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("TableNotFoundException"));
    s.stop().await;
}

/// On-demand backups: a consistent copy of the table that outlives it,
/// listed, described, restored into a new table and deleted.
#[tokio::test]
async fn backups_are_made_listed_restored_and_deleted() {
    use aws_sdk_dynamodb::types::BackupStatus;
    let s = Stack::start().await;
    let c = s.client();
    create(&c, "Ink").await;
    put(&c, "Ink", "a", "red").await;
    put(&c, "Ink", "b", "blue").await;
    let made = c.create_backup().table_name("Ink").backup_name("first").send().await.unwrap();
    let details = made.backup_details().unwrap();
    let arn = details.backup_arn().to_owned();
    assert!(arn.contains(":table/Ink/backup/"), "{arn}");
    assert_eq!(details.backup_name(), "first");
    // Later changes are not in the backup.
    put(&c, "Ink", "a", "green").await;
    put(&c, "Ink", "c", "black").await;
    let d = c.describe_backup().backup_arn(&arn).send().await.unwrap();
    let d = d.backup_description().unwrap();
    assert_eq!(d.backup_details().unwrap().backup_status(), &BackupStatus::Available);
    let source = d.source_table_details().unwrap();
    assert_eq!(source.table_name(), "Ink");
    assert_eq!(source.item_count(), Some(2));
    c.create_backup().table_name("Ink").backup_name("second").send().await.unwrap();
    let all = c.list_backups().table_name("Ink").send().await.unwrap();
    let names: Vec<&str> = all.backup_summaries().iter().filter_map(|b| b.backup_name()).collect();
    assert_eq!(names, ["first", "second"]);
    let page = c.list_backups().limit(1).send().await.unwrap();
    assert_eq!(page.backup_summaries().len(), 1);
    assert_eq!(page.last_evaluated_backup_arn(), Some(arn.as_str()));

    // The backup outlives its table.
    c.delete_table().table_name("Ink").send().await.unwrap();
    let restored = c.restore_table_from_backup().backup_arn(&arn).target_table_name("InkBack").send().await.unwrap();
    let summary = restored.table_description().unwrap().restore_summary().unwrap();
    assert_eq!(summary.source_backup_arn(), Some(arn.as_str()));
    assert_eq!(contents(&c, "InkBack").await, pairs(&[("a", "red"), ("b", "blue")]));
    let blues = c
        .query()
        .table_name("InkBack")
        .index_name("byColor")
        .key_condition_expression("color = :c")
        .expression_attribute_values(":c", Av::S("blue".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(blues.count(), 1);
    let err = c.restore_table_from_backup().backup_arn(&arn).target_table_name("InkBack").send().await.unwrap_err();
    assert_eq!(err.code(), Some("TableAlreadyExistsException"));

    let gone = c.delete_backup().backup_arn(&arn).send().await.unwrap();
    assert_eq!(gone.backup_description().unwrap().backup_details().unwrap().backup_status(), &BackupStatus::Deleted);
    let err = c.describe_backup().backup_arn(&arn).send().await.unwrap_err();
    assert_eq!(err.code(), Some("BackupNotFoundException"));
    let table_arn = arn.split("/backup/").next().unwrap().to_owned();
    let err = c.describe_backup().backup_arn(format!("{table_arn}/stream/x")).send().await.unwrap_err();
    assert_eq!((err.code(), err.message()), (Some("ValidationException"), Some("Invalid Backup ARN")));
    let left = c.list_backups().send().await.unwrap();
    assert_eq!(left.backup_summaries().len(), 1);
    let err = c.create_backup().table_name("Nope").backup_name("x1x").send().await.unwrap_err();
    assert_eq!(err.code(), Some("TableNotFoundException"));
    s.stop().await;
}

#[tokio::test]
async fn deleting_a_recoverable_table_leaves_a_system_backup() {
    use aws_sdk_dynamodb::types::BackupTypeFilter;
    let s = Stack::start().await;
    let c = s.client();
    create(&c, "Kept").await;
    put(&c, "Kept", "a", "red").await;
    put(&c, "Kept", "b", "blue").await;
    c.update_continuous_backups()
        .table_name("Kept")
        .point_in_time_recovery_specification(PointInTimeRecoverySpecification::builder().point_in_time_recovery_enabled(true).build().unwrap())
        .send()
        .await
        .unwrap();
    c.delete_table().table_name("Kept").send().await.unwrap();

    // Listed only when SYSTEM (or ALL) backups are asked for.
    assert!(c.list_backups().send().await.unwrap().backup_summaries().is_empty());
    let listed = c.list_backups().backup_type(BackupTypeFilter::System).send().await.unwrap();
    let summary = &listed.backup_summaries()[0];
    assert_eq!(summary.backup_name(), Some("Kept$DeletedTableBackup"));
    assert_eq!(summary.backup_type().map(|t| t.as_str()), Some("SYSTEM"));
    let arn = summary.backup_arn().unwrap().to_owned();
    assert!(arn.ends_with("-00000000"), "{arn}");
    let d = c.describe_backup().backup_arn(&arn).send().await.unwrap();
    let details = d.backup_description().unwrap().backup_details().unwrap();
    assert!(details.backup_expiry_date_time().unwrap().secs() > details.backup_creation_date_time().secs() + 34 * 86_400);

    // It cannot be deleted, and it restores the table.
    let err = c.delete_backup().backup_arn(&arn).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert!(err.message().unwrap().starts_with(&format!("Invalid Request: User is not allowed to delete the system backup with arn {arn}. It will automatically expire on ")), "{err:?}");
    c.restore_table_from_backup().backup_arn(&arn).target_table_name("Kept").send().await.unwrap();
    assert_eq!(contents(&c, "Kept").await, pairs(&[("a", "red"), ("b", "blue")]));
    s.stop().await;
}
