//! `ListTables`: input, output and validation.

use serde::{Deserialize, Serialize};

use crate::error::ValidationErrors;

/// `ListTables` request members. Unknown members are ignored, as DynamoDB does.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListTablesInput {
    /// `ExclusiveStartTableName`: start after this name.
    #[serde(rename = "ExclusiveStartTableName")]
    pub exclusive_start_table_name: Option<String>,
    /// `Limit`: 1..=100, default 100.
    #[serde(rename = "Limit")]
    pub limit: Option<i64>,
}

/// `ListTables` response.
#[derive(Debug, Default, Serialize)]
pub struct ListTablesOutput {
    /// Table names in ascending order.
    #[serde(rename = "TableNames")]
    pub table_names: Vec<String>,
    /// Present when more names follow.
    #[serde(rename = "LastEvaluatedTableName", skip_serializing_if = "Option::is_none")]
    pub last_evaluated_table_name: Option<String>,
}

impl ListTablesInput {
    /// Maximum and default page size.
    pub const MAX_LIMIT: i64 = 100;

    /// Checks the members as DynamoDB does, returning the effective limit.
    pub fn validate(&self) -> Result<usize, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if let Some(limit) = self.limit {
            if limit < 1 {
                errors.push(format!(
                    "Value '{limit}' at 'limit' failed to satisfy constraint: \
                     Member must have value greater than or equal to 1"
                ));
            } else if limit > Self::MAX_LIMIT {
                errors.push(format!(
                    "Value '{limit}' at 'limit' failed to satisfy constraint: \
                     Member must have value less than or equal to 100"
                ));
            }
        }
        if let Some(start) = &self.exclusive_start_table_name {
            crate::error::check_table_name_pattern_first(start, "exclusiveStartTableName", &mut errors);
        }
        errors.into_result()?;
        let limit = self.limit.unwrap_or(Self::MAX_LIMIT);
        Ok(usize::try_from(limit).unwrap_or(100))
    }

    /// Picks one page from names sorted ascending.
    pub fn page<'a, I>(&self, sorted_names: I, limit: usize) -> ListTablesOutput
    where
        I: IntoIterator<Item = &'a str>,
    {
        let start = self.exclusive_start_table_name.as_deref();
        let mut names = sorted_names
            .into_iter()
            .filter(|n| start.is_none_or(|s| *n > s))
            .take(limit.saturating_add(1))
            .map(str::to_owned)
            .collect::<Vec<_>>();
        let mut out = ListTablesOutput::default();
        if names.len() > limit {
            names.truncate(limit);
            out.last_evaluated_table_name = names.last().cloned();
        }
        out.table_names = names;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(start: Option<&str>, limit: Option<i64>) -> ListTablesInput {
        ListTablesInput {
            exclusive_start_table_name: start.map(str::to_owned),
            limit,
        }
    }

    #[test]
    fn limit_bounds() {
        let e = input(None, Some(0)).validate().unwrap_err();
        assert_eq!(
            e.to_string(),
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: \
             Member must have value greater than or equal to 1"
        );
        assert!(input(None, Some(101)).validate().is_err());
        assert_eq!(input(None, None).validate().unwrap(), 100);
        assert_eq!(input(None, Some(7)).validate().unwrap(), 7);
    }

    #[test]
    fn paginates_after_start() {
        let names = ["a1a", "b2b", "c3c", "d4d"];
        let i = input(Some("a1a"), Some(2));
        let out = i.page(names, 2);
        assert_eq!(out.table_names, ["b2b", "c3c"]);
        assert_eq!(out.last_evaluated_table_name.as_deref(), Some("c3c"));
        let out = input(Some("c3c"), Some(2)).page(names, 2);
        assert_eq!(out.table_names, ["d4d"]);
        assert_eq!(out.last_evaluated_table_name, None);
    }

    #[test]
    fn exact_page_has_no_last_key() {
        let out = input(None, Some(2)).page(["aaa", "bbb"], 2);
        assert_eq!(out.last_evaluated_table_name, None);
    }
}
