//! End-to-end tests: both services in-process on 127.0.0.1:0 against a
//! fresh Postgres database per test, driven by real clients (the official
//! `aws-sdk-dynamodb`, raw SigV4-signed HTTP, and the AWS CLI).
//!
//! The Postgres server comes from `DYNASTORE_TEST_DATABASE_URL` (the test
//! script starts a private cluster and sets it).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::expect_used)]

mod harness;

mod auth;
mod batch;
mod bulk;
mod degenerate;
mod global_tables;
mod iam;
mod indexes;
mod items;
mod legacy;
mod lsi_size;
mod metrics;
mod multi_key_gsi;
mod partiql;
mod partiql_index;
mod protocol;
mod query_scan;
mod restore;
mod scan_order;
mod streams;
mod sts;
mod sync;
mod tenancy;
mod terraform;
mod table_arn;
mod table_settings;
mod tables;
mod throttling;
mod transact;
mod vector;
