//! Table management: request shapes, validation into a [`TableSpec`], and
//! the `TableDescription` rendering.

mod backup;
mod bulk;
mod change;
mod constraints;
mod create;
mod decreases;
mod describe;
mod insights;
mod policy;
mod replicas;
mod requests;
mod restore;
mod s3_jobs;
mod spec;
mod types;
mod jobs;
mod vector;

pub use constraints::Constraints;
pub use change::{stream_label, ChangeError, GsiUpdate, TableChange, TableUpdate, VectorUpdate, MAX_TAGS};
pub use backup::{
    backup_id, system_backup_id, system_backup_name, BackupArnInput, SYSTEM_BACKUP_SECS, BackupRecord, CreateBackupInput, ListBackupsInput, RestoreTableFromBackupInput,
};
pub use bulk::{
    list_request as bulk_list_request, operation_arn as bulk_operation_arn, token_of_id as bulk_token_of_id, ListRequest as BulkListRequest,
    StartBulkPutItemsInput, LISTED_SECS as BULK_LISTED_SECS,
};
pub use create::CreateTableInput;
pub use insights::{
    update_answer as insights_update_answer, DescribeContributorInsightsInput, InsightsState, ListContributorInsightsInput,
    UpdateContributorInsightsInput,
};
pub use policy::{
    canonical_document, check_document_shape, check_document_size, PolicyTarget, PutResourcePolicyInput, ResourcePolicy, ResourcePolicyArnInput, MAX_POLICY_BYTES, NO_POLICY,
};
pub use replicas::{already_exists as replica_already_exists, not_a_replica, replica_definition, ReplicaAction, GLOBAL_TABLE_VERSION, NOT_REPLICATED_STREAM, WRITE_CAPACITY_NOT_ON_DEMAND};
pub use restore::{RestoreRequest, RestoreSource, RestoreTableToPointInTimeInput};
pub use s3_jobs::{ExportRequest, ExportTableToPointInTimeInput, ImportRequest, ImportTableInput, S3BucketSource};
pub use requests::{
    PointInTimeRecoverySpecification, TagOp, TagsInput, TimeToLiveSpecification, UpdateContinuousBackupsInput,
    UpdateTableInput, UpdateTimeToLiveInput,
};
pub use describe::{continuous_backups, describe, describe_deleted, managed_kms_key_arn, sse_description, Location, Usage};
pub use spec::{
    BillingMode, IndexSpec, KeyAttr, KeySchema, PastStream, PointInTimeRecovery, ProjectionSpec, RestoreSummary, ScalarType, StreamViewType,
    TableDefinition, TableSpec, Throughput, WarmThroughput,
};
pub use types::*;
pub use jobs::{page as job_page, JobKind, JobRecord, CLIENT_TOKEN_SECS, FAILURE_CODE};
pub use vector::{
    describe as describe_vector_index, SearchAttr, DEFINITION_MEMBERS as VECTOR_INDEX_MEMBERS, SearchRole, VectorIndexInput, VectorIndexSpec, MAX_VECTOR_INDEXES,
};

#[cfg(test)]
mod tests;
