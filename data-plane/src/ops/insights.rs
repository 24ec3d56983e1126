//! UpdateContributorInsights, DescribeContributorInsights and
//! ListContributorInsights. The setting lives in the table's definition
//! (changed through the control plane like TTL); Dynastore has no
//! CloudWatch, so the rules it names exist only as names, and the
//! transitions settle at once (ENABLING and DISABLING are answered by the
//! update, as DynamoDB answers, and the next Describe shows the settled
//! status).

use ddb_core::api::table::{
    insights_update_answer, DescribeContributorInsightsInput, ListContributorInsightsInput, TableChange,
    UpdateContributorInsightsInput,
};
use serde_json::{json, Value};

use super::tables::not_found;
use crate::auth::Verified;
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::DataPlane;

fn index_not_found(e: &ddb_core::api::table::ChangeError) -> ApiError {
    ApiError::ResourceNotFound(e.message().to_owned())
}

/// `UpdateContributorInsights`
pub async fn update(dp: &DataPlane, caller: &Verified, catalog: &Catalog, input: UpdateContributorInsightsInput) -> Result<Value, ApiError> {
    let (name, change) = input.validate().map_err(ApiError::Validation)?;
    let t = catalog.table(caller.space(), name).ok_or_else(|| not_found(name))?;
    let index = input.index_name.as_deref();
    t.def.insights_key(index).map_err(|e| index_not_found(&e))?;
    let before = t.def.insights(index).cloned();
    let after = super::table_settings::apply(dp, caller, name, &change).await?;
    if !matches!(change, TableChange::ContributorInsights { .. }) {
        return Err(ApiError::Internal("UpdateContributorInsights produced another change".into()));
    }
    Ok(insights_update_answer(name, index, before.as_ref(), after.def.insights(index)))
}

/// `DescribeContributorInsights`
pub fn describe(caller: &Verified, catalog: &Catalog, input: DescribeContributorInsightsInput) -> Result<Value, ApiError> {
    let (name, index) = input.validate().map_err(ApiError::Validation)?;
    let t = catalog.table(caller.space(), name).ok_or_else(|| not_found(name))?;
    t.def.insights_key(index).map_err(|e| index_not_found(&e))?;
    Ok(t.def.describe_insights(index))
}

/// `ListContributorInsights`: the enabled settings of one table, or of
/// every table of the tenant in name order, paginated by `MaxResults`
/// either way.
/// The `NextToken` is the hex of the last summary's table and index names.
pub fn list(caller: &Verified, catalog: &Catalog, input: ListContributorInsightsInput) -> Result<Value, ApiError> {
    let limit = input.validate().map_err(ApiError::Validation)?;
    let tables: Vec<&std::sync::Arc<crate::catalog::CatalogTable>> = match &input.table_name {
        Some(name) => vec![catalog.table(caller.space(), name).ok_or_else(|| not_found(name))?],
        None => catalog.table_names(caller.space()).filter_map(|n| catalog.table(caller.space(), n)).collect(),
    };
    let after = match &input.next_token {
        None => None,
        Some(token) => Some(decode_token(token).ok_or_else(|| ApiError::Validation(format!("Invalid NextToken: {token}")))?),
    };
    let mut summaries = Vec::new();
    let mut next = None;
    for table in tables {
        for summary in table.def.insights_summaries() {
            let position = position_of(&summary);
            if after.as_ref().is_some_and(|a| &position <= a) {
                continue;
            }
            if summaries.len() == limit {
                next = summaries.last().map(position_of);
                break;
            }
            summaries.push(summary);
        }
        if next.is_some() {
            break;
        }
    }
    let mut out = json!({ "ContributorInsightsSummaries": summaries });
    if let (Some((table, index)), Some(obj)) = (next, out.as_object_mut()) {
        obj.insert("NextToken".into(), json!(super::hex::encode(format!("{table}\n{index}").as_bytes())));
    }
    Ok(out)
}

/// Where a summary sorts: its table, then the table before its indexes.
fn position_of(summary: &Value) -> (String, String) {
    let text = |k: &str| summary.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    (text("TableName"), text("IndexName"))
}

fn decode_token(token: &str) -> Option<(String, String)> {
    let bytes = super::hex::decode(token)?;
    let text = String::from_utf8(bytes).ok()?;
    let (table, index) = text.split_once('\n')?;
    Some((table.to_owned(), index.to_owned()))
}
