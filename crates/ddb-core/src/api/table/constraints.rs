//! The member-constraint phase of validation, worded as DynamoDB's request
//! validator words it: `Value 'x' at 'path' failed to satisfy constraint:
//! Member must …`, at most ten violations collected per request.

use crate::error::ValidationErrors;

/// Collects constraint violations for one request.
#[derive(Debug, Default)]
pub struct Constraints {
    errors: ValidationErrors,
    count: usize,
}

/// DynamoDB reports at most this many violations.
const MAX_REPORTED: usize = 10;

impl Constraints {
    fn fail(&mut self, value: Option<&str>, path: &str, rule: &str) {
        if self.count >= MAX_REPORTED {
            return;
        }
        self.count += 1;
        let value = value.map_or_else(|| "null".to_owned(), |v| format!("'{v}'"));
        self.errors.push(format!(
            "Value {value} at '{path}' failed to satisfy constraint: Member must {rule}"
        ));
    }

    /// A violation worded by DynamoDB's newer validation framework, which
    /// names neither the value nor the member.
    pub fn fail_worded(&mut self, message: &str) {
        if self.count >= MAX_REPORTED {
            return;
        }
        self.count += 1;
        self.errors.push(message.to_owned());
    }

    /// `Member must not be null`.
    pub fn not_null<T>(&mut self, value: Option<&T>, path: &str) -> bool {
        if value.is_none() {
            self.fail(None, path, "not be null");
            false
        } else {
            true
        }
    }

    /// Length bounds on a string, in characters.
    pub fn length(&mut self, value: &str, path: &str, min: usize, max: usize) {
        let len = value.chars().count();
        if len < min {
            self.fail(Some(value), path, &format!("have length greater than or equal to {min}"));
        } else if len > max {
            self.fail(Some(value), path, &format!("have length less than or equal to {max}"));
        }
    }

    /// Length bounds on a list, rendering the list as DynamoDB does.
    pub fn list_length(&mut self, rendered: &str, len: usize, path: &str, min: usize, max: usize) {
        if len < min {
            self.fail(Some(rendered), path, &format!("have length greater than or equal to {min}"));
        } else if len > max {
            self.fail(Some(rendered), path, &format!("have length less than or equal to {max}"));
        }
    }

    /// Length bounds on each string of a list, reported once for the list
    /// as the service does: `Member must satisfy constraint: [Member must
    /// have length less than or equal to 255, …]`.
    pub fn member_lengths(&mut self, items: &[String], path: &str, min: usize, max: usize) {
        if items.iter().any(|s| {
            let n = s.chars().count();
            n < min || n > max
        }) {
            let rule = format!(
                "satisfy constraint: [Member must have length less than or equal to {max}, Member must have length greater than or equal to {min}]"
            );
            self.fail(Some(&render_list(items)), path, &rule);
        }
    }

    /// `[a-zA-Z0-9_.-]+`, the pattern of table and index names.
    pub fn name_pattern(&mut self, value: &str, path: &str) {
        if value.is_empty()
            || !value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            self.fail(Some(value), path, "satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        }
    }

    /// A regular expression the value must match (`ok` says whether it
    /// does; `pattern` is how DynamoDB quotes it).
    pub fn pattern(&mut self, value: &str, path: &str, ok: bool, pattern: &str) {
        if !ok {
            self.fail(Some(value), path, &format!("satisfy regular expression pattern: {pattern}"));
        }
    }

    /// A table or index name: length 3..=255 and the name pattern.
    pub fn table_name(&mut self, value: &str, path: &str) {
        self.length(value, path, 3, 255);
        self.name_pattern(value, path);
    }

    /// A table name the request must give: `null`, or its length and
    /// pattern.
    pub fn required_table_name(&mut self, value: Option<&String>, path: &str) {
        match value {
            Some(v) => self.table_name(v, path),
            None => {
                self.not_null(None::<&String>, path);
            }
        }
    }

    /// Membership in an enumeration.
    pub fn one_of(&mut self, value: &str, path: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            self.fail(
                Some(value),
                path,
                &format!("satisfy enum value set: [{}]", allowed.join(", ")),
            );
        }
    }

    /// A lower bound on a number.
    pub fn at_least(&mut self, value: i64, path: &str, min: i64) {
        if value < min {
            self.fail(
                Some(&value.to_string()),
                path,
                &format!("have value greater than or equal to {min}"),
            );
        }
    }

    /// A capacity unit count the request must give: `null`, or at least 1.
    pub fn capacity_units(&mut self, value: Option<i64>, path: &str) {
        match value {
            Some(v) => self.at_least(v, path, 1),
            None => {
                self.not_null(None::<&i64>, path);
            }
        }
    }

    /// An upper bound on a number.
    pub fn at_most(&mut self, value: i64, path: &str, max: i64) {
        if value > max {
            self.fail(
                Some(&value.to_string()),
                path,
                &format!("have value less than or equal to {max}"),
            );
        }
    }

    /// The collected violations as one error, if any.
    pub fn finish(self) -> Result<(), ValidationErrors> {
        self.errors.into_result()
    }
}

/// Tag keys may not repeat or start with `aws:` (in any case); with
/// `full` (TagResource, UntagResource) keys must also be 1 to 128 and
/// values 0 to 256 characters of the tag character set, and be present —
/// checked here with DynamoDB's per-tag messages rather than as member
/// constraints. `None` as a value means a key alone (UntagResource).
pub fn check_tag_content<'a>(
    tags: impl IntoIterator<Item = (Option<&'a str>, Option<Option<&'a str>>)>,
    full: bool,
) -> Result<(), String> {
    let bad_key = |k: &str| format!("The Tag Key provided is invalid, Key: {k}");
    let mut seen = std::collections::HashSet::new();
    for (key, value) in tags {
        let Some(key) = key else {
            if full {
                return Err(bad_key("null"));
            }
            continue;
        };
        if full && (key.is_empty() || key.chars().count() > 128 || !key.chars().all(tag_char)) {
            return Err(bad_key(key));
        }
        if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
            return Err(format!("Tag Key cannot be prefixed with aws:, Key: {key}"));
        }
        if full {
            match value {
                Some(None) => return Err("The Tag Value provided is invalid, Value: null".into()),
                Some(Some(v)) if v.chars().count() > 256 || !v.chars().all(tag_char) => {
                    return Err(format!("The Tag Value provided is invalid, Value: {v}"))
                }
                _ => {}
            }
        }
        if !seen.insert(key) {
            return Err(format!("Duplicate Tag Keys provided as input: Duplicate Tag Key found {key}"));
        }
    }
    Ok(())
}

/// A character allowed in a tag key or value.
fn tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
}

/// `TableClass`: the service answers an unknown class with a message of
/// its own (after the member constraints), not the enumeration's.
pub fn check_table_class(value: Option<&str>) -> Result<(), String> {
    match value {
        None | Some("STANDARD" | "STANDARD_INFREQUENT_ACCESS") => Ok(()),
        Some(_) => Err(
            "Invalid table-class parameter provided. Please try again with a valid table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS]."
                .to_owned(),
        ),
    }
}

/// Renders a list the way DynamoDB's messages do: `[a, b]`.
pub fn render_list<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> String {
    let parts: Vec<String> = items.into_iter().map(|s| s.as_ref().to_owned()).collect();
    format!("[{}]", parts.join(", "))
}
