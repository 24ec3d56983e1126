//! Export, import and bulk put jobs (ExportTableToPointInTime,
//! ImportTable, StartBulkPutItems) as an endpoint that reaches no Amazon
//! S3 keeps them: DynamoDB accepts a
//! well-formed job and reports its outcome later, so a job here is
//! accepted (its first description says `IN_PROGRESS`) and has failed by
//! the time it is described again, as a DynamoDB job fails whose bucket
//! does not exist (`S3NoSuchBucket`), with a message that says why.
//! DescribeExport, DescribeImport, ListExports and ListImports read the
//! records, newest first; a client token reused within eight hours
//! returns its job, or is a conflict when the parameters differ. What a
//! description holds follows DynamoDB's as Alternator's test_export.py
//! (2026, run against DynamoDB) observed it: a ClientToken always (the
//! endpoint makes one up when the request has none), an ExportType only
//! when the request gave one. The record is a frozen format (stored as
//! JSON).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// How long a client token names its job, in seconds (eight hours).
pub const CLIENT_TOKEN_SECS: f64 = 8.0 * 3600.0;

/// The failure code of every job: the bucket is not within reach.
pub const FAILURE_CODE: &str = "S3NoSuchBucket";

/// Which kind of job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Export,
    Import,
    /// A bulk put items operation (StartBulkPutItems).
    #[serde(rename = "bulk-put")]
    BulkPut,
}

impl JobKind {
    /// The job's segment in its ARN (`<table ARN>/<segment>/<id>`).
    pub const fn segment(self) -> &'static str {
        match self {
            JobKind::Export => "export",
            JobKind::Import => "import",
            JobKind::BulkPut => "bulk-operation",
        }
    }
}

/// One job, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    /// `arn:aws:dynamodb:<region>:<account>:table/<table>/<kind>/<id>`
    pub arn: String,
    pub kind: JobKind,
    /// The table exported, or the one an import would have created.
    pub table_arn: String,
    /// The exported table's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_id: Option<String>,
    /// Seconds since the epoch.
    pub started_at: f64,
    /// When it failed, seconds since the epoch.
    pub ended_at: f64,
    /// The request's members as sent (a description repeats them).
    pub request: Value,
}

impl JobRecord {
    /// The client token the request gave, if any.
    pub fn client_token(&self) -> Option<&str> {
        self.request.get("ClientToken").and_then(Value::as_str)
    }

    /// Whether a new request with `token` and members `request`, at `now`,
    /// names this job: `Some(true)` it does, `Some(false)` the token is
    /// taken by other parameters (a conflict), `None` it is unrelated. An
    /// export's parameters must all match; an import's only its table's
    /// name (DynamoDB returns the original import whatever else differs).
    pub fn claims(&self, kind: JobKind, token: Option<&str>, request: &Value, now: f64) -> Option<bool> {
        let token = token?;
        let table_name = |r: &Value| r.get("TableCreationParameters").and_then(|t| t.get("TableName")).cloned();
        let same = match kind {
            JobKind::Export | JobKind::BulkPut => without_token(&self.request) == without_token(request),
            JobKind::Import => table_name(&self.request) == table_name(request),
        };
        (self.kind == kind && self.client_token() == Some(token) && now - self.started_at < CLIENT_TOKEN_SECS)
            .then_some(same)
    }

    fn bucket(&self) -> &str {
        let member = match self.kind {
            JobKind::Export => self.request.get("S3Bucket"),
            JobKind::Import => self.request.get("S3BucketSource").and_then(|s| s.get("S3Bucket")),
            JobKind::BulkPut => self.request.get("InputS3Configuration").and_then(|s| s.get("S3Bucket")),
        };
        member.and_then(Value::as_str).unwrap_or_default()
    }

    /// Why the job failed.
    pub fn failure_message(&self) -> String {
        format!(
            "The specified bucket does not exist: this endpoint reaches no Amazon S3, so it cannot {} bucket {}.",
            match self.kind {
                JobKind::Export => "write to",
                JobKind::Import | JobKind::BulkPut => "read from",
            },
            self.bucket()
        )
    }

    /// A description's first members: the job's ARN and its status
    /// (`IN_PROGRESS` when just accepted, else `FAILED`), under the
    /// names of its kind.
    fn head(&self, arn_member: &str, status_member: &str, accepted: bool) -> Map<String, Value> {
        let mut d = Map::new();
        d.insert(arn_member.to_owned(), json!(self.arn));
        d.insert(status_member.to_owned(), json!(if accepted { "IN_PROGRESS" } else { "FAILED" }));
        d
    }

    /// The request's text member `name`, or DynamoDB's default for it.
    fn or_default(&self, name: &str, default: &str) -> Value {
        json!(self.request.get(name).and_then(Value::as_str).unwrap_or(default))
    }

    /// The members a description of the ended (failed) job adds.
    fn ended(&self, out: &mut Map<String, Value>) {
        out.insert("EndTime".into(), json!(self.ended_at));
        out.insert("FailureCode".into(), json!(FAILURE_CODE));
        out.insert("FailureMessage".into(), json!(self.failure_message()));
    }

    /// The members a description repeats from the request.
    fn echo(&self, members: &[&str], out: &mut Map<String, Value>) {
        for m in members {
            if let Some(v) = self.request.get(*m) {
                out.insert((*m).to_owned(), v.clone());
            }
        }
    }

    /// `ExportDescription`: `IN_PROGRESS` when just accepted, else `FAILED`.
    pub fn export_description(&self, accepted: bool) -> Value {
        let mut d = self.head("ExportArn", "ExportStatus", accepted);
        d.insert("StartTime".into(), json!(self.started_at));
        d.insert("TableArn".into(), json!(self.table_arn));
        if let Some(id) = &self.table_id {
            d.insert("TableId".into(), json!(id));
        }
        self.echo(
            &["ClientToken", "S3Bucket", "S3BucketOwner", "S3Prefix", "S3SseAlgorithm", "S3SseKmsKeyId", "IncrementalExportSpecification"],
            &mut d,
        );
        let export_type = self.request.get("ExportType").and_then(Value::as_str);
        if export_type != Some("INCREMENTAL_EXPORT") {
            let time = self.request.get("ExportTime").and_then(Value::as_f64).unwrap_or(self.started_at);
            d.insert("ExportTime".into(), json!(time));
        }
        d.insert("ExportFormat".into(), self.or_default("ExportFormat", "DYNAMODB_JSON"));
        // DynamoDB leaves the default type out of a description.
        if let Some(t) = export_type {
            d.insert("ExportType".into(), json!(t));
        }
        if !accepted {
            self.ended(&mut d);
        }
        Value::Object(d)
    }

    /// `ImportTableDescription`: `IN_PROGRESS` when just accepted, else
    /// `FAILED` (its table was never created). As DynamoDB's: the table id
    /// from the start, counters at zero, and no EndTime, failure or
    /// ProcessedSizeBytes (nothing was read) until the job has ended. No
    /// CloudWatchLogGroupArn: the endpoint keeps no CloudWatch logs.
    pub fn import_description(&self, accepted: bool) -> Value {
        let mut d = self.head("ImportArn", "ImportStatus", accepted);
        d.insert("TableArn".into(), json!(self.table_arn));
        if let Some(id) = &self.table_id {
            d.insert("TableId".into(), json!(id));
        }
        self.echo(&["ClientToken", "S3BucketSource", "InputFormat", "InputFormatOptions", "TableCreationParameters"], &mut d);
        d.insert("InputCompressionType".into(), self.or_default("InputCompressionType", "NONE"));
        d.insert("StartTime".into(), json!(self.started_at));
        d.insert("ProcessedItemCount".into(), json!(0));
        d.insert("ImportedItemCount".into(), json!(0));
        d.insert("ErrorCount".into(), json!(0));
        if !accepted {
            self.ended(&mut d);
        }
        Value::Object(d)
    }

    /// `BulkOperationDescription`: `IN_PROGRESS` when just accepted, else
    /// `FAILED`. Counters at zero (nothing was read); no TotalInputBytes
    /// (DynamoDB leaves it out until it has sized the input, which never
    /// happened) and no usage; the tier `STANDARD` unless the request
    /// chose one, and the input uncompressed unless it said otherwise.
    pub fn bulk_description(&self, accepted: bool) -> Value {
        let mut d = self.head("BulkOperationArn", "BulkOperationStatus", accepted);
        let mut table = Map::new();
        if let Some(id) = &self.table_id {
            table.insert("TableId".into(), json!(id));
        }
        let name = self.table_arn.rsplit_once("table/").map_or(self.table_arn.as_str(), |(_, n)| n);
        table.insert("TableName".into(), json!(name));
        d.insert("TableDetails".into(), json!([table]));
        self.echo(&["ClientToken", "OutputS3Configuration", "MaxWriteRequestUnits"], &mut d);
        if let Some(Value::Object(input)) = self.request.get("InputS3Configuration") {
            let mut input = input.clone();
            input.entry("InputCompressionType").or_insert_with(|| json!("NONE"));
            d.insert("InputS3Configuration".into(), Value::Object(input));
        }
        d.insert("PerformanceTier".into(), self.or_default("PerformanceTier", "STANDARD"));
        d.insert("StartTime".into(), json!(self.started_at));
        d.insert("ProcessedItemCount".into(), json!(0));
        d.insert("ProcessedInputBytes".into(), json!(0));
        d.insert("FailedItemCount".into(), json!(0));
        if !accepted {
            self.ended(&mut d);
        }
        Value::Object(d)
    }

    /// Its entry in ListExports, ListImports or ListBulkOperations.
    pub fn summary(&self) -> Value {
        match self.kind {
            JobKind::Export => json!({
                "ExportArn": self.arn,
                "ExportStatus": "FAILED",
                "ExportType": self.request.get("ExportType").and_then(Value::as_str).unwrap_or("FULL_EXPORT"),
            }),
            JobKind::Import => {
                let mut s = Map::new();
                s.insert("ImportArn".into(), json!(self.arn));
                s.insert("ImportStatus".into(), json!("FAILED"));
                s.insert("TableArn".into(), json!(self.table_arn));
                self.echo(&["S3BucketSource", "InputFormat"], &mut s);
                s.insert("StartTime".into(), json!(self.started_at));
                s.insert("EndTime".into(), json!(self.ended_at));
                Value::Object(s)
            }
            JobKind::BulkPut => json!({
                "BulkOperationArn": self.arn,
                "BulkOperationStatus": "FAILED",
                "StartTime": self.started_at,
                "EndTime": self.ended_at,
            }),
        }
    }
}

/// A request's members other than its client token.
fn without_token(request: &Value) -> Value {
    let mut r = request.clone();
    if let Some(fields) = r.as_object_mut() {
        fields.remove("ClientToken");
    }
    r
}

/// One page of `jobs` (given in creation order; listed newest first) of
/// `kind`, for `table_arn` when given: at most `size`, from the job whose
/// ARN is `token`; with the token of the next page. `None`: the token
/// names no such job.
pub fn page<'a>(
    jobs: &'a [JobRecord],
    kind: JobKind,
    table_arn: Option<&str>,
    size: usize,
    token: Option<&str>,
) -> Option<(Vec<&'a JobRecord>, Option<String>)> {
    let listed: Vec<&JobRecord> = jobs
        .iter()
        .rev()
        .filter(|j| j.kind == kind && table_arn.is_none_or(|t| j.table_arn == t))
        .collect();
    let start = match token {
        None => 0,
        Some(t) => listed.iter().position(|j| j.arn == t)?,
    };
    let rest = listed.get(start..).unwrap_or_default();
    let size = size.max(1);
    let next = rest.get(size).map(|j| j.arn.clone());
    Some((rest.iter().take(size).copied().collect(), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(id: &str, token: &str) -> JobRecord {
        JobRecord {
            arn: format!("arn:aws:dynamodb:us-east-1:123456789012:table/Music/export/{id}"),
            kind: JobKind::Export,
            table_arn: "arn:aws:dynamodb:us-east-1:123456789012:table/Music".into(),
            table_id: Some("t-1".into()),
            started_at: 1000.0,
            ended_at: 1000.0,
            request: json!({"TableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Music", "S3Bucket": "b1", "ClientToken": token}),
        }
    }

    #[test]
    fn an_export_is_accepted_then_failed_for_its_bucket() {
        let e = export("01-a", "t");
        let accepted = e.export_description(true);
        assert_eq!(accepted["ExportStatus"], "IN_PROGRESS");
        assert!(accepted.get("ExportType").is_none(), "the default type is left out");
        assert_eq!(accepted["ExportFormat"], "DYNAMODB_JSON");
        assert_eq!(accepted["ExportTime"], 1000.0);
        assert!(accepted.get("FailureCode").is_none());
        let failed = e.export_description(false);
        assert_eq!(failed["ExportStatus"], "FAILED");
        assert_eq!(failed["FailureCode"], "S3NoSuchBucket");
        let message = failed["FailureMessage"].as_str().unwrap();
        assert!(message.starts_with("The specified bucket does not exist"), "{message}");
        assert!(message.contains("bucket b1"), "{message}");
        assert_eq!(failed["S3Bucket"], "b1");
        assert_eq!(failed["TableId"], "t-1");
    }

    #[test]
    fn an_import_token_conflicts_only_over_its_table() {
        let request = json!({"ClientToken": "t", "S3BucketSource": {"S3Bucket": "b1"}, "TableCreationParameters": {"TableName": "A"}});
        let import = JobRecord {
            arn: "arn:aws:dynamodb:us-east-1:123456789012:table/A/import/01-a".into(),
            kind: JobKind::Import,
            table_arn: "arn:aws:dynamodb:us-east-1:123456789012:table/A".into(),
            table_id: Some("id".into()),
            started_at: 0.0,
            ended_at: 0.0,
            request: request.clone(),
        };
        let other_bucket = json!({"ClientToken": "t", "S3BucketSource": {"S3Bucket": "b2"}, "TableCreationParameters": {"TableName": "A"}});
        assert_eq!(import.claims(JobKind::Import, Some("t"), &other_bucket, 1.0), Some(true));
        let other_table = json!({"ClientToken": "t", "S3BucketSource": {"S3Bucket": "b1"}, "TableCreationParameters": {"TableName": "B"}});
        assert_eq!(import.claims(JobKind::Import, Some("t"), &other_table, 1.0), Some(false));
        let accepted = import.import_description(true);
        for member in ["EndTime", "FailureCode", "FailureMessage", "ProcessedSizeBytes", "CloudWatchLogGroupArn"] {
            assert!(accepted.get(member).is_none(), "{member}");
        }
        assert_eq!((accepted["TableId"].as_str(), accepted["ErrorCount"].as_u64()), (Some("id"), Some(0)));
        let failed = import.import_description(false);
        assert_eq!(failed["ImportStatus"], "FAILED");
        assert!(failed["FailureMessage"].as_str().unwrap().contains("read from bucket b1"));
        assert!(failed.get("ProcessedSizeBytes").is_none(), "nothing was read");
    }

    #[test]
    fn a_bulk_operation_is_accepted_then_failed_for_its_input_bucket() {
        let job = JobRecord {
            arn: "arn:aws:dynamodb:us-east-1:123456789012:table/Music/bulk-operation/01-a".into(),
            kind: JobKind::BulkPut,
            table_arn: "arn:aws:dynamodb:us-east-1:123456789012:table/Music".into(),
            table_id: Some("0f0e0d0c-0b0a-4090-8070-605040302010".into()),
            started_at: 1000.0,
            ended_at: 1000.0,
            request: json!({
                "TableName": "Music", "ClientToken": "t",
                "InputS3Configuration": {"S3Bucket": "in", "InputFormat": "ION"},
                "OutputS3Configuration": {"OutputType": ["ERROR"]},
            }),
        };
        let accepted = job.bulk_description(true);
        assert_eq!(accepted["BulkOperationStatus"], "IN_PROGRESS");
        assert_eq!(accepted["TableDetails"], json!([{"TableId": "0f0e0d0c-0b0a-4090-8070-605040302010", "TableName": "Music"}]));
        assert_eq!(accepted["InputS3Configuration"]["InputCompressionType"], "NONE");
        assert_eq!(accepted["PerformanceTier"], "STANDARD");
        assert_eq!(accepted["OutputS3Configuration"], json!({"OutputType": ["ERROR"]}));
        for member in ["EndTime", "FailureCode", "FailureMessage", "TotalInputBytes", "MaxWriteRequestUnits"] {
            assert!(accepted.get(member).is_none(), "{member}");
        }
        let failed = job.bulk_description(false);
        assert_eq!((failed["BulkOperationStatus"].as_str(), failed["FailureCode"].as_str()), (Some("FAILED"), Some("S3NoSuchBucket")));
        assert!(failed["FailureMessage"].as_str().unwrap().contains("read from bucket in"));
        assert_eq!(failed["EndTime"], 1000.0);
        assert_eq!(
            job.summary(),
            json!({"BulkOperationArn": job.arn, "BulkOperationStatus": "FAILED", "StartTime": 1000.0, "EndTime": 1000.0})
        );
        let mut other = job.request.clone();
        other["PerformanceTier"] = json!("ACCELERATED");
        assert_eq!(job.claims(JobKind::BulkPut, Some("t"), &other, 1001.0), Some(false), "every parameter counts");
        assert_eq!(job.claims(JobKind::BulkPut, Some("t"), &job.request, 1001.0), Some(true));
        let stored: JobRecord = serde_json::from_value(serde_json::to_value(&job).unwrap()).unwrap();
        assert_eq!(stored, job);
        assert_eq!(serde_json::to_value(&job).unwrap()["kind"], "bulk-put");
    }

    #[test]
    fn a_client_token_names_its_job_for_eight_hours() {
        let e = export("01-a", "t");
        let same = e.request.clone();
        assert_eq!(e.claims(JobKind::Export, Some("t"), &same, 1000.0 + 60.0), Some(true));
        let other = json!({"S3Bucket": "b2", "ClientToken": "t"});
        assert_eq!(e.claims(JobKind::Export, Some("t"), &other, 1000.0 + 60.0), Some(false));
        assert_eq!(e.claims(JobKind::Export, Some("u"), &same, 1000.0), None);
        assert_eq!(e.claims(JobKind::Import, Some("t"), &same, 1000.0), None);
        assert_eq!(e.claims(JobKind::Export, Some("t"), &other, 1000.0 + CLIENT_TOKEN_SECS), None, "expired");
        assert_eq!(e.claims(JobKind::Export, None, &same, 1000.0), None);
    }

    #[test]
    fn pages_list_the_newest_first_and_follow_tokens() {
        let jobs = vec![export("01-a", "a"), export("02-b", "b"), export("03-c", "c")];
        let (first, next) = page(&jobs, JobKind::Export, None, 2, None).unwrap();
        assert_eq!(first, vec![&jobs[2], &jobs[1]], "newest first");
        assert_eq!(next.as_deref(), Some(jobs[0].arn.as_str()));
        let (second, next) = page(&jobs, JobKind::Export, None, 2, next.as_deref()).unwrap();
        assert_eq!(second, vec![&jobs[0]]);
        assert_eq!(next, None);
        assert!(page(&jobs, JobKind::Export, None, 2, Some("nope")).is_none());
        let (none, _) = page(&jobs, JobKind::Import, None, 2, None).unwrap();
        assert!(none.is_empty());
        let (other_table, _) = page(&jobs, JobKind::Export, Some("arn:x"), 25, None).unwrap();
        assert!(other_table.is_empty());
    }
}
