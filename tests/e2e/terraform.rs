//! Terraform's AWS provider managing tables through the data-plane
//! endpoint: apply, a plan that finds no drift (every field the provider
//! reads back from DescribeTable, DescribeTimeToLive,
//! DescribeContinuousBackups and ListTagsOfResource matches what it
//! wrote), an in-place update (a new GSI, PITR, tags, table class,
//! deletion protection, provisioned capacity, an item), a destroy refused
//! by deletion protection, then a clean destroy; and a table made through
//! the SDK imported with no drift.
//!
//! Terraform and its AWS provider cannot be installed from the registries
//! this project's machines reach, so the test runs where both are present:
//! `terraform` on PATH and the provider in a filesystem mirror
//! (`DYNASTORE_TF_PLUGINS`, else `/opt/tf-plugins`). Elsewhere it says
//! so and passes.

use std::path::{Path, PathBuf};
use std::process::Output;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ProvisionedThroughput, ProvisionedThroughputDescription, ScalarAttributeType, TableDescription,
};

use crate::harness::Stack;

/// The mirror's directory and the AWS provider version it holds.
fn provider_mirror() -> Option<(PathBuf, String)> {
    let root = std::env::var_os("DYNASTORE_TF_PLUGINS")
        .map_or_else(|| PathBuf::from("/opt/tf-plugins"), PathBuf::from);
    let versions = std::fs::read_dir(root.join("registry.terraform.io/hashicorp/aws")).ok()?;
    let mut found: Vec<String> = versions
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    found.sort();
    Some((root, found.pop()?))
}

fn terraform_installed() -> bool {
    std::process::Command::new("terraform")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The `terraform` and `provider "aws"` blocks, pointed at the stack.
fn provider_block(s: &Stack, version: &str) -> String {
    let endpoint = s.endpoint();
    format!(
        r#"terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws", version = "{version}" }}
  }}
}}
provider "aws" {{
  region                      = "us-east-1"
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {{
    dynamodb = "{endpoint}"
    sts      = "{endpoint}"
  }}
}}
"#
    )
}

/// The configuration: `protected` turns deletion protection on, `updated`
/// selects the second version of every resource.
fn config(s: &Stack, version: &str, updated: bool, protected: bool) -> String {
    let provider = provider_block(s, version);
    let (gsi2, pitr, tags, class, read, write, name) = if updated {
        (
            r#"
  global_secondary_index {
    name            = "gsi2"
    hash_key        = "lsi1sk"
    projection_type = "ALL"
  }"#,
            "false",
            r#"env = "test", owner = "ops""#,
            "STANDARD_INFREQUENT_ACCESS",
            7,
            2,
            "second",
        )
    } else {
        (
            "",
            "true",
            r#"env = "test", team = "data""#,
            "STANDARD",
            5,
            3,
            "first",
        )
    };
    format!(
        r#"{provider}
resource "aws_dynamodb_table" "orders" {{
  name         = "tf-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"
  attribute {{
    name = "pk"
    type = "S"
  }}
  attribute {{
    name = "sk"
    type = "S"
  }}
  attribute {{
    name = "gsi1pk"
    type = "S"
  }}
  attribute {{
    name = "lsi1sk"
    type = "N"
  }}
  global_secondary_index {{
    name               = "gsi1"
    hash_key           = "gsi1pk"
    range_key          = "sk"
    projection_type    = "INCLUDE"
    non_key_attributes = ["status", "total"]
  }}{gsi2}
  local_secondary_index {{
    name            = "lsi1"
    range_key       = "lsi1sk"
    projection_type = "KEYS_ONLY"
  }}
  ttl {{
    attribute_name = "expires"
    enabled        = true
  }}
  point_in_time_recovery {{
    enabled = {pitr}
  }}
  stream_enabled              = true
  stream_view_type            = "NEW_AND_OLD_IMAGES"
  table_class                 = "{class}"
  deletion_protection_enabled = {protected}
  tags = {{ {tags} }}
}}

resource "aws_dynamodb_table" "prov" {{
  name           = "tf-prov"
  billing_mode   = "PROVISIONED"
  read_capacity  = {read}
  write_capacity = {write}
  hash_key       = "id"
  attribute {{
    name = "id"
    type = "N"
  }}
}}

resource "aws_dynamodb_table_item" "one" {{
  table_name = aws_dynamodb_table.prov.name
  hash_key   = aws_dynamodb_table.prov.hash_key
  item       = jsonencode({{ id = {{ N = "1" }}, name = {{ S = "{name}" }}, tags = {{ SS = ["a", "b"] }} }})
}}
"#
    )
}

/// Runs `terraform command args…` in `dir` with the stack's credentials,
/// never prompting (and approving what `apply` and `destroy` would do).
async fn terraform(s: &Stack, dir: &Path, command: &str, args: &[&str]) -> Output {
    let approve = matches!(command, "apply" | "destroy").then_some("-auto-approve");
    tokio::process::Command::new("terraform")
        .arg(command)
        .args(approve)
        .args(["-no-color", "-input=false"])
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", dir.join("terraformrc"))
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env("AWS_ACCESS_KEY_ID", &s.key.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", s.key.secret_access_key.expose())
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .await
        .expect("terraform runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Runs `terraform command args…`, which must succeed.
async fn succeed(s: &Stack, dir: &Path, command: &str, args: &[&str]) {
    let out = terraform(s, dir, command, args).await;
    assert!(out.status.success(), "terraform {command} failed:\n{}", text(&out));
}

/// A plan after `what` must find nothing to change.
async fn plan_finds_nothing(s: &Stack, dir: &Path, what: &str) {
    let out = terraform(s, dir, "plan", &["-detailed-exitcode"]).await;
    assert_eq!(out.status.code(), Some(0), "the plan after {what} found changes:\n{}", text(&out));
}

/// Applies, then plans: the plan must find nothing to change.
async fn apply_without_drift(s: &Stack, dir: &Path) {
    succeed(s, dir, "apply", &[]).await;
    plan_finds_nothing(s, dir, "apply").await;
}

/// A working directory whose CLI configuration installs providers from
/// `mirror` only.
fn working_dir(mirror: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let rc = format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/*/*\"]\n  }}\n  direct {{ exclude = [\"registry.terraform.io/*/*\"] }}\n}}\n",
        mirror.display()
    );
    std::fs::write(dir.path().join("terraformrc"), rc).unwrap();
    dir
}

/// The provider mirror and its version, or `None` (said once) where
/// Terraform or the mirror is missing.
fn terraform_here() -> Option<(PathBuf, String)> {
    let found = provider_mirror().filter(|_| terraform_installed());
    if found.is_none() {
        eprintln!("terraform or its AWS provider mirror is not installed here: skipped");
    }
    found
}

async fn describe(client: &aws_sdk_dynamodb::Client, table: &str) -> TableDescription {
    client.describe_table().table_name(table).send().await.unwrap().table.unwrap()
}

/// Read and write capacity units.
fn units(t: Option<&ProvisionedThroughputDescription>) -> (Option<i64>, Option<i64>) {
    t.map_or((None, None), |t| (t.read_capacity_units(), t.write_capacity_units()))
}

#[tokio::test]
async fn terraform_applies_updates_and_destroys_tables_without_drift() {
    let Some((mirror, version)) = terraform_here() else {
        return;
    };
    let s = Stack::start().await;
    let dir = working_dir(&mirror);
    let write = |updated, protected| std::fs::write(dir.path().join("main.tf"), config(&s, &version, updated, protected)).unwrap();

    write(false, false);
    succeed(&s, dir.path(), "init", &[]).await;
    apply_without_drift(&s, dir.path()).await;

    write(true, true);
    apply_without_drift(&s, dir.path()).await;
    let client = s.client();
    let table = describe(&client, "tf-orders").await;
    let gsis: Vec<&str> = table.global_secondary_indexes().iter().filter_map(|g| g.index_name()).collect();
    assert_eq!(gsis.len(), 2, "{gsis:?}");
    assert!(gsis.contains(&"gsi2"), "{gsis:?}");
    assert_eq!(table.deletion_protection_enabled(), Some(true));
    let pitr = client.describe_continuous_backups().table_name("tf-orders").send().await.unwrap();
    let status = pitr
        .continuous_backups_description()
        .and_then(|d| d.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status())
        .map(|s| s.as_str().to_owned());
    assert_eq!(status.as_deref(), Some("DISABLED"));
    let prov = describe(&client, "tf-prov").await;
    assert_eq!(units(prov.provisioned_throughput()), (Some(7), Some(2)));

    // Deletion protection refuses the destroy of that table (the others go).
    let out = terraform(&s, dir.path(), "destroy", &[]).await;
    assert!(!out.status.success(), "destroy of a protected table succeeded:\n{}", text(&out));
    assert!(
        text(&out).contains("Resource cannot be deleted as it is currently protected against deletion"),
        "{}",
        text(&out)
    );

    write(true, false);
    succeed(&s, dir.path(), "apply", &[]).await;
    succeed(&s, dir.path(), "destroy", &[]).await;
    let names = client.list_tables().send().await.unwrap().table_names.unwrap_or_default();
    assert!(names.is_empty(), "{names:?}");
    s.stop().await;
}

/// A table made through the SDK (provisioned, with a provisioned GSI) is
/// imported with no drift, then its index's capacity changed by Terraform.
#[tokio::test]
async fn terraform_imports_a_table_without_drift() {
    let Some((mirror, version)) = terraform_here() else {
        return;
    };
    let s = Stack::start().await;
    let client = s.client();
    let def = |name: &str, t| AttributeDefinition::builder().attribute_name(name).attribute_type(t).build().unwrap();
    let key = |name: &str, t| KeySchemaElement::builder().attribute_name(name).key_type(t).build().unwrap();
    let throughput = |r, w| ProvisionedThroughput::builder().read_capacity_units(r).write_capacity_units(w).build().unwrap();
    client
        .create_table()
        .table_name("tf-imported")
        .attribute_definitions(def("a", ScalarAttributeType::S))
        .attribute_definitions(def("b", ScalarAttributeType::N))
        .key_schema(key("a", KeyType::Hash))
        .key_schema(key("b", KeyType::Range))
        .provisioned_throughput(throughput(4, 2))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("byb")
                .key_schema(key("b", KeyType::Hash))
                .projection(Projection::builder().projection_type(ProjectionType::KeysOnly).build())
                .provisioned_throughput(throughput(1, 1))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let dir = working_dir(&mirror);
    let write = |gsi_read: u8, gsi_write: u8| {
        let tf = format!(
            r#"{}
resource "aws_dynamodb_table" "imported" {{
  name           = "tf-imported"
  billing_mode   = "PROVISIONED"
  read_capacity  = 4
  write_capacity = 2
  hash_key       = "a"
  range_key      = "b"
  attribute {{
    name = "a"
    type = "S"
  }}
  attribute {{
    name = "b"
    type = "N"
  }}
  global_secondary_index {{
    name            = "byb"
    hash_key        = "b"
    projection_type = "KEYS_ONLY"
    read_capacity   = {gsi_read}
    write_capacity  = {gsi_write}
  }}
}}
"#,
            provider_block(&s, &version)
        );
        std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    };
    write(1, 1);
    succeed(&s, dir.path(), "init", &[]).await;
    succeed(&s, dir.path(), "import", &["aws_dynamodb_table.imported", "tf-imported"]).await;
    plan_finds_nothing(&s, dir.path(), "import").await;

    write(3, 2);
    apply_without_drift(&s, dir.path()).await;
    let table = describe(&client, "tf-imported").await;
    let gsi = table.global_secondary_indexes().first().and_then(|g| g.provisioned_throughput());
    assert_eq!(units(gsi), (Some(3), Some(2)));
    succeed(&s, dir.path(), "destroy", &[]).await;
    s.stop().await;
}

/// A `replica` block (global tables version 2019.11.21): Terraform adds
/// the replica with UpdateTable, waits for it through DescribeTable in
/// both regions, finds no drift, and destroys both.
#[tokio::test]
async fn terraform_manages_replicas() {
    let Some((mirror, version)) = terraform_here() else {
        return;
    };
    let s = Stack::start().await;
    let dir = working_dir(&mirror);
    let tf = format!(
        r#"{}
resource "aws_dynamodb_table" "global" {{
  name             = "tf-global"
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "id"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"
  attribute {{
    name = "id"
    type = "S"
  }}
  attribute {{
    name = "owner"
    type = "S"
  }}
  global_secondary_index {{
    name            = "byOwner"
    hash_key        = "owner"
    projection_type = "ALL"
  }}
  replica {{
    region_name            = "eu-west-1"
    point_in_time_recovery = true
  }}
}}
"#,
        provider_block(&s, &version)
    );
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    succeed(&s, dir.path(), "init", &[]).await;
    apply_without_drift(&s, dir.path()).await;
    let eu = s.client_in("eu-west-1", &s.key.access_key_id, s.key.secret_access_key.expose());
    let replica = describe(&eu, "tf-global").await;
    assert_eq!(replica.global_table_version(), Some("2019.11.21"));
    assert_eq!(replica.replicas().first().and_then(|r| r.region_name()), Some("us-east-1"));
    assert_eq!(replica.global_secondary_indexes().len(), 1, "the index is on the replica");
    // Point-in-time recovery was turned on in the replica's region only.
    let backups = |c: &aws_sdk_dynamodb::Client| {
        let c = c.clone();
        async move {
            let d = c.describe_continuous_backups().table_name("tf-global").send().await.unwrap();
            d.continuous_backups_description()
                .and_then(|b| b.point_in_time_recovery_description())
                .and_then(|p| p.point_in_time_recovery_status())
                .map(|s| s.as_str().to_owned())
        }
    };
    assert_eq!(backups(&eu).await.as_deref(), Some("ENABLED"));
    assert_eq!(backups(&s.client()).await.as_deref(), Some("DISABLED"));
    succeed(&s, dir.path(), "destroy", &[]).await;
    let e = eu.describe_table().table_name("tf-global").send().await.unwrap_err();
    assert_eq!(aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&e), Some("ResourceNotFoundException"));
    s.stop().await;
}
