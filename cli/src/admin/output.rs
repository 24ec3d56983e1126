//! Human-readable output of `dynastore admin`: aligned tables for lists
//! and `key: value` blocks for single resources. `--json` bypasses this
//! and prints the API's JSON as it is.

use serde_json::Value;

/// A JSON value as a cell: strings bare, `null` as `-`.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "-".to_owned(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// `rows` under `headers`, columns padded to their widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let padded: Vec<String> = cells
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = line(&mut headers.iter().copied());
    out.push('\n');
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
        out.push('\n');
    }
    out
}

/// The `items` (objects) as a table of the `columns` (header, field).
pub fn list(items: &Value, columns: &[(&str, &str)]) -> String {
    let rows: Vec<Vec<String>> = items
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|(_, field)| cell(&item[*field]))
                .collect()
        })
        .collect();
    let headers: Vec<&str> = columns.iter().map(|(h, _)| *h).collect();
    table(&headers, &rows)
}

/// The `fields` of `object` as aligned `label: value` lines.
pub fn fields(object: &Value, fields: &[(&str, &str)]) -> String {
    let width = fields
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        + 1;
    let mut out = String::new();
    for (label, path) in fields {
        let value = path.split('.').fold(object, |v, key| &v[key]);
        out.push_str(&format!(
            "{:<width$} {}\n",
            format!("{label}:"),
            cell(value)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_aligned() {
        let t = table(
            &["NAME", "ID"],
            &[
                vec!["a".into(), "1".into()],
                vec!["longer".into(), "22".into()],
            ],
        );
        assert_eq!(t, "NAME    ID\na       1\nlonger  22\n");
        let items = serde_json::json!([{"name": "x", "quota": null, "tags": ["a", "b"]}]);
        assert_eq!(
            list(
                &items,
                &[("NAME", "name"), ("QUOTA", "quota"), ("TAGS", "tags")]
            ),
            "NAME  QUOTA  TAGS\nx     -      a, b\n"
        );
        let obj = serde_json::json!({"name": "acme", "quotas": {"max_tables": 5}});
        assert_eq!(
            fields(
                &obj,
                &[("name", "name"), ("max tables", "quotas.max_tables")]
            ),
            "name:       acme\nmax tables: 5\n"
        );
    }
}
