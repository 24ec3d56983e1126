//! DynamoDB Streams (`DynamoDBStreams_20120810`): ListStreams,
//! DescribeStream, GetShardIterator and GetRecords, read from the tenant's
//! change log.
//!
//! A table's stream is its change records written since the stream was
//! enabled (its label is that time), shown in the stream's view type. Each
//! stream has one shard, open while the stream is; a record's sequence
//! number is its change-log sequence number. A shard iterator names the
//! tenant, table, stream and the next sequence number to read, and expires
//! after 15 minutes as DynamoDB's do.

use ddb_core::api::table::{StreamViewType, TableDefinition};
use ddb_core::size::item_size;
use ddb_core::value::json::item_to_json;
use ddb_core::value::set_order::SetOrder;
use ddb_core::Item;
use serde::Deserialize;
use serde_json::{json, Value};
use storage::Direction;

use crate::auth::Verified;
use crate::catalog::{Catalog, CatalogTable};
use crate::error::ApiError;
use crate::items::changelog;
use crate::items::store::storage_error;
use crate::DataPlane;

/// How long a shard iterator stays valid.
const ITERATOR_TTL_MILLIS: u64 = 15 * 60 * 1000;
/// Most records GetRecords returns (and its default).
const MAX_RECORDS: usize = 1000;
/// Most change records one GetRecords call looks at (other tables' too).
const MAX_SCANNED: usize = 10_000;

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A stream label (`YYYY-MM-DDTHH:MM:SS.mmm`, UTC) as milliseconds.
fn label_millis(label: &str) -> Option<u64> {
    let t = chrono::NaiveDateTime::parse_from_str(label, "%Y-%m-%dT%H:%M:%S%.3f").ok()?;
    u64::try_from(t.and_utc().timestamp_millis()).ok()
}

fn sequence_number(seq: u64) -> String {
    format!("{seq:021}")
}

fn stream_not_found(arn: &str) -> ApiError {
    ApiError::ResourceNotFound(format!("Requested resource not found: Stream: {arn} not found"))
}

/// A `StreamArn` or `ExclusiveStartStreamArn` that is not a stream ARN at
/// all: DynamoDB refuses it as invalid input rather than as a missing
/// stream (the Alternator suite, run against DynamoDB). The wording is ours.
fn check_stream_arn(arn: &str) -> Result<iam::TableArn, ApiError> {
    match iam::TableArn::parse(arn) {
        Ok(parsed) if matches!(parsed.sub, iam::arn::SubResource::Stream(_)) => Ok(parsed),
        _ => Err(ApiError::Validation(format!("Invalid StreamArn: {arn}"))),
    }
}

/// A table's stream: its ARN, label, view type, start and, once
/// disabled, its end.
struct Stream<'a> {
    table: &'a CatalogTable,
    arn: String,
    label: &'a str,
    view: StreamViewType,
    since_millis: u64,
    until_millis: Option<u64>,
}

impl Stream<'_> {
    /// True for a change this stream shows.
    fn shows(&self, change: &changelog::Change) -> bool {
        change.table_id == self.table.record.id
            && change.millis >= self.since_millis
            && self.until_millis.is_none_or(|until| change.millis < until)
    }

    fn shard_id(&self) -> String {
        let tag: String = self.table.record.id.chars().filter(char::is_ascii_hexdigit).take(8).collect();
        format!("shardId-{:020}-{tag}", self.since_millis)
    }
}

/// A table's streams: those disabled in the last 24 hours, then the
/// current one.
fn streams_of<'a>(caller: &Verified, table: &'a CatalogTable) -> Vec<Stream<'a>> {
    let def: &TableDefinition = &table.def;
    let table_arn = super::tables::location(caller).table_arn(&def.spec.name);
    let kept_after = now_millis().saturating_sub((ddb_core::api::table::PastStream::KEPT_SECS * 1000.0) as u64);
    let stream = |label: &'a str, view, until_millis: Option<u64>| {
        Some(Stream {
            table,
            arn: format!("{table_arn}/stream/{label}"),
            label,
            view,
            since_millis: label_millis(label)?,
            until_millis,
        })
    };
    let past = def.past_streams.iter().filter_map(|p| {
        let until = (p.disabled_at * 1000.0) as u64;
        (until > kept_after).then(|| stream(&p.label, p.view, Some(until))).flatten()
    });
    let current = match (def.spec.stream, def.stream_label.as_deref()) {
        (Some(view), Some(label)) => stream(label, view, None),
        _ => None,
    };
    past.chain(current).collect()
}

/// The stream an ARN names, if it is one of a table's streams.
fn find<'a>(caller: &Verified, catalog: &'a Catalog, arn: &str) -> Result<Stream<'a>, ApiError> {
    let parsed = check_stream_arn(arn)?;
    let table = catalog.table(caller.space(), &parsed.table).ok_or_else(|| stream_not_found(arn))?;
    streams_of(caller, table).into_iter().find(|s| s.arn == arn).ok_or_else(|| stream_not_found(arn))
}

/// A `Limit` member outside `1..=max`, refused as a failed constraint.
fn check_limit(limit: Option<i64>, max: i64) -> Result<(), ApiError> {
    match limit.filter(|l| !(1..=max).contains(l)) {
        Some(l) => Err(ApiError::Validation(format!(
            "1 validation error detected: Value '{l}' at 'limit' failed to satisfy constraint: Member must have value {}",
            if l < 1 { "greater than or equal to 1".to_owned() } else { format!("less than or equal to {max}") }
        ))),
        None => Ok(()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListStreamsInput {
    #[serde(rename = "TableName")]
    table_name: Option<String>,
    #[serde(rename = "Limit")]
    limit: Option<i64>,
    #[serde(rename = "ExclusiveStartStreamArn")]
    exclusive_start_stream_arn: Option<String>,
}

/// `ListStreams`
pub fn list_streams(caller: &Verified, catalog: &Catalog, input: ListStreamsInput) -> Result<Value, ApiError> {
    check_limit(input.limit, 100)?;
    let limit = input.limit.and_then(|l| usize::try_from(l).ok()).unwrap_or(100);
    let mut streams: Vec<Stream<'_>> = catalog
        .table_names(caller.space())
        .filter(|n| input.table_name.as_deref().is_none_or(|t| t == *n))
        .filter_map(|n| catalog.table(caller.space(), n))
        .flat_map(|t| streams_of(caller, t))
        .collect();
    if let Some(start) = &input.exclusive_start_stream_arn {
        check_stream_arn(start)?;
        if let Some(at) = streams.iter().position(|s| &s.arn == start) {
            streams.drain(..=at);
        }
    }
    let more = streams.len() > limit;
    streams.truncate(limit);
    let listed: Vec<Value> = streams
        .iter()
        .map(|s| json!({"StreamArn": s.arn, "TableName": s.table.def.spec.name, "StreamLabel": s.label}))
        .collect();
    let mut out = json!({ "Streams": listed });
    if let (true, Some(last), Some(obj)) = (more, streams.last(), out.as_object_mut()) {
        obj.insert("LastEvaluatedStreamArn".into(), json!(last.arn));
    }
    Ok(out)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DescribeStreamInput {
    #[serde(rename = "StreamArn")]
    stream_arn: Option<String>,
    #[serde(rename = "Limit")]
    limit: Option<i64>,
    #[serde(rename = "ExclusiveStartShardId")]
    exclusive_start_shard_id: Option<String>,
}

/// The first and last sequence numbers of a stream's records (the first:
/// the next one the log will use, when it has none yet; the last: only
/// for a disabled stream, when it has records).
async fn sequence_range(dp: &DataPlane, caller: &Verified, stream: &Stream<'_>) -> Result<(u64, Option<u64>), ApiError> {
    let snapshot = dp.items.snapshot(&caller.tenant.id).await?;
    let (mut first, mut last_shown, mut last) = (None, None, 0);
    for record in changelog::records(snapshot.as_ref(), 0, Direction::Forward).map_err(storage_error)?.take(MAX_SCANNED) {
        let (seq, change) = record?;
        last = seq;
        if stream.shows(&change) {
            first.get_or_insert(last);
            last_shown = Some(last);
            if stream.until_millis.is_none() {
                break;
            }
        } else if stream.until_millis.is_some_and(|until| change.millis >= until) {
            break;
        }
    }
    Ok((first.unwrap_or(last + 1), last_shown.filter(|_| stream.until_millis.is_some())))
}

/// `DescribeStream`
pub async fn describe_stream(dp: &DataPlane, caller: &Verified, catalog: &Catalog, input: DescribeStreamInput) -> Result<Value, ApiError> {
    check_limit(input.limit, 100)?;
    let arn = input.stream_arn.unwrap_or_default();
    let stream = find(caller, catalog, &arn)?;
    let shard_id = stream.shard_id();
    let after_start = input.exclusive_start_shard_id.as_deref().is_none_or(|start| start < shard_id.as_str());
    let (first, last) = sequence_range(dp, caller, &stream).await?;
    // The shard starts just before its first record: every record's
    // sequence number is greater than the shard's starting one, as in
    // DynamoDB (AT_SEQUENCE_NUMBER with it still reads from the start).
    let mut range = json!({ "StartingSequenceNumber": sequence_number(first.saturating_sub(1)) });
    if let (Some(last), Some(obj)) = (last, range.as_object_mut()) {
        obj.insert("EndingSequenceNumber".into(), json!(sequence_number(last)));
    }
    let shards: Vec<Value> = if after_start {
        vec![json!({ "ShardId": shard_id, "SequenceNumberRange": range })]
    } else {
        Vec::new()
    };
    let spec = &stream.table.def.spec;
    let key_schema: Vec<Value> = std::iter::once(json!({"AttributeName": spec.key_schema.hash.name, "KeyType": "HASH"}))
        .chain(spec.key_schema.range.iter().map(|r| json!({"AttributeName": r.name, "KeyType": "RANGE"})))
        .collect();
    Ok(json!({
        "StreamDescription": {
            "StreamArn": stream.arn,
            "StreamLabel": stream.label,
            "StreamStatus": if stream.until_millis.is_some() { "DISABLED" } else { "ENABLED" },
            "StreamViewType": stream.view.as_str(),
            "CreationRequestDateTime": stream.since_millis as f64 / 1000.0,
            "TableName": spec.name,
            "KeySchema": key_schema,
            // The one shard, unless the page starts after it (shards are
            // listed in ShardId order, as DynamoDB lists them).
            "Shards": shards
        }
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GetShardIteratorInput {
    #[serde(rename = "StreamArn")]
    stream_arn: Option<String>,
    #[serde(rename = "ShardId")]
    shard_id: Option<String>,
    #[serde(rename = "ShardIteratorType")]
    shard_iterator_type: Option<String>,
    #[serde(rename = "SequenceNumber")]
    sequence_number: Option<String>,
}

/// A shard iterator's contents.
#[derive(Debug, Clone, PartialEq)]
struct Iterator {
    tenant: String,
    stream_arn: String,
    next: u64,
    issued_millis: u64,
}

impl Iterator {
    /// DynamoDB's form, `<stream ARN>|1|<opaque>` (clients check for the
    /// ARN prefix; a stream ARN holds no `|`).
    fn encode(&self) -> String {
        let payload = format!("{}|{}|{}", self.tenant, self.next, self.issued_millis);
        format!("{}|1|{}", self.stream_arn, super::hex::encode(payload.as_bytes()))
    }

    fn decode(token: &str) -> Option<Iterator> {
        let (stream_arn, rest) = token.split_once('|')?;
        let payload = rest.strip_prefix("1|")?;
        let text = String::from_utf8(super::hex::decode(payload)?).ok()?;
        let mut parts = text.splitn(3, '|');
        Some(Iterator {
            tenant: parts.next()?.to_owned(),
            next: parts.next()?.parse().ok()?,
            issued_millis: parts.next()?.parse().ok()?,
            stream_arn: stream_arn.to_owned(),
        })
    }
}

/// The stream ARN a shard iterator names (for authorization), if it is one.
pub fn iterator_stream_arn(token: &str) -> Option<String> {
    Iterator::decode(token).map(|i| i.stream_arn)
}

/// `GetShardIterator`
pub async fn get_shard_iterator(dp: &DataPlane, caller: &Verified, catalog: &Catalog, input: GetShardIteratorInput) -> Result<Value, ApiError> {
    let arn = input.stream_arn.clone().unwrap_or_default();
    let kind = input.shard_iterator_type.as_deref().unwrap_or_default();
    const KINDS: [&str; 4] = ["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"];
    if !KINDS.contains(&kind) {
        return Err(ApiError::Validation(format!(
            "1 validation error detected: Value '{kind}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]"
        )));
    }
    if matches!(kind, "TRIM_HORIZON" | "LATEST") && input.sequence_number.is_some() {
        // DynamoDB refuses a position the iterator type does not take (the
        // Alternator suite, run against DynamoDB); the wording is ours.
        return Err(ApiError::Validation(format!(
            "SequenceNumber must not be specified for ShardIteratorType: {kind}"
        )));
    }
    let stream = find(caller, catalog, &arn)?;
    if input.shard_id.as_deref() != Some(stream.shard_id().as_str()) {
        return Err(ApiError::ResourceNotFound(format!(
            "Requested resource not found: Shard does not exist: {}",
            input.shard_id.as_deref().unwrap_or_default()
        )));
    }
    let given = || -> Result<u64, ApiError> {
        input
            .sequence_number
            .as_deref()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| ApiError::Validation("Invalid SequenceNumber for ShardIteratorType: ".to_owned() + kind))
    };
    let next = match kind {
        "TRIM_HORIZON" => sequence_range(dp, caller, &stream).await?.0,
        "LATEST" => {
            let engine = dp.items.tenants().get(&caller.tenant.id).map_err(storage_error)?;
            changelog::last_seq(&engine).map_err(storage_error)? + 1
        }
        "AT_SEQUENCE_NUMBER" => given()?,
        _ => given()? + 1,
    };
    let it = Iterator { tenant: caller.tenant.id.clone(), stream_arn: stream.arn, next, issued_millis: now_millis() };
    Ok(json!({ "ShardIterator": it.encode() }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GetRecordsInput {
    #[serde(rename = "ShardIterator")]
    shard_iterator: Option<String>,
    #[serde(rename = "Limit")]
    limit: Option<i64>,
}

/// One stream record in DynamoDB's form.
fn record(region: &str, stream: &Stream<'_>, seq: u64, change: &changelog::Change) -> Value {
    let spec = &stream.table.def.spec;
    let image = change.new.as_ref().or(change.old.as_ref());
    let mut keys = Item::new();
    for name in std::iter::once(&spec.key_schema.hash.name).chain(spec.key_schema.range.iter().map(|r| &r.name)) {
        if let Some(v) = image.and_then(|i| i.get(name)) {
            keys.insert(name.clone(), v.clone());
        }
    }
    let event = match (change.old_existed, change.new.is_some()) {
        (false, _) => "INSERT",
        (true, true) => "MODIFY",
        (true, false) => "REMOVE",
    };
    let mut size = item_size(&keys);
    let mut body = json!({
        "ApproximateCreationDateTime": (change.millis / 1000) as f64,
        "Keys": item_to_json(&keys),
        "SequenceNumber": sequence_number(seq),
        "StreamViewType": stream.view.as_str(),
    });
    let (new, old) = match stream.view {
        StreamViewType::KeysOnly => (false, false),
        StreamViewType::NewImage => (true, false),
        StreamViewType::OldImage => (false, true),
        StreamViewType::NewAndOldImages => (true, true),
    };
    // A record's images list number sets in Java hash-set order
    // (ddb_core::value::set_order).
    if let Some(obj) = body.as_object_mut() {
        if let (true, Some(n)) = (new, &change.new) {
            size += item_size(n);
            obj.insert("NewImage".into(), SetOrder::JavaHash.item_to_json(n));
        }
        if let (true, Some(o)) = (old, &change.old) {
            size += item_size(o);
            obj.insert("OldImage".into(), SetOrder::JavaHash.item_to_json(o));
        }
        obj.insert("SizeBytes".into(), json!(size));
    }
    let mut out = json!({
        "eventID": format!("{:032x}", u128::from(seq) ^ (u128::from(stream.since_millis) << 64)),
        "eventName": event,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": body,
    });
    if let (true, Some(obj)) = (change.by_service, out.as_object_mut()) {
        obj.insert("userIdentity".into(), json!({"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}));
    }
    out
}

/// `GetRecords`
pub async fn get_records(dp: &DataPlane, caller: &Verified, catalog: &Catalog, input: GetRecordsInput) -> Result<Value, ApiError> {
    check_limit(input.limit, 1000)?;
    let token = input.shard_iterator.unwrap_or_default();
    let invalid = || ApiError::Validation("Invalid ShardIterator".into());
    let it = Iterator::decode(&token).filter(|i| i.tenant == caller.tenant.id).ok_or_else(invalid)?;
    if now_millis().saturating_sub(it.issued_millis) > ITERATOR_TTL_MILLIS {
        return Err(ApiError::ExpiredIterator("Iterator expired. The iterator was created over 15 minutes ago.".into()));
    }
    let stream = find(caller, catalog, &it.stream_arn)?;
    let limit = input.limit.and_then(|l| usize::try_from(l).ok()).unwrap_or(MAX_RECORDS);
    let snapshot = dp.items.snapshot(&caller.tenant.id).await?;
    let mut records = Vec::new();
    let mut next = it.next;
    let mut scanned = 0;
    for entry in changelog::records(snapshot.as_ref(), it.next, Direction::Forward).map_err(storage_error)?.take(MAX_SCANNED) {
        let (seq, change) = entry?;
        scanned += 1;
        next = seq + 1;
        if stream.shows(&change) {
            records.push(record(&caller.region, &stream, seq, &change));
            if records.len() == limit {
                break;
            }
        }
    }
    // A disabled stream's shard is closed: once read to its end, there is
    // no next iterator.
    let exhausted = scanned < MAX_SCANNED && records.len() < limit;
    if exhausted && stream.until_millis.is_some() {
        return Ok(json!({ "Records": records }));
    }
    let following = Iterator { next, issued_millis: now_millis(), ..it };
    Ok(json!({ "Records": records, "NextShardIterator": following.encode() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterators_round_trip_and_labels_parse() {
        let it = Iterator {
            tenant: "t1".into(),
            stream_arn: "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2026-11-29T03:00:00.123".into(),
            next: 42,
            issued_millis: 7,
        };
        assert_eq!(Iterator::decode(&it.encode()), Some(it.clone()));
        assert!(it.encode().starts_with(&format!("{}|1|", it.stream_arn)), "{}", it.encode());
        assert_eq!(Iterator::decode(&format!("{}|2|00", it.stream_arn)), None);
        assert_eq!(iterator_stream_arn(&it.encode()), Some(it.stream_arn));
        assert_eq!(Iterator::decode("zz"), None);
        assert_eq!(label_millis("1970-01-01T00:00:01.500"), Some(1500));
        assert_eq!(sequence_number(5), "000000000000000000005");
    }
}
