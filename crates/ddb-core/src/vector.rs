//! Vector search: distance functions, the vectors items carry (a list of
//! numbers, kept as 32-bit floats like DynamoDB's vector indexes), the
//! ranking of results and the bytes a search is metered in.
//!
//! Scores follow the SearchVectors API: `COSINE` is the cosine distance
//! (0 identical … 2 opposite) and `EUCLIDEAN` the Euclidean distance, both
//! lower-is-closer; `DOT_PRODUCT` is the dot product, higher-is-closer.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::expr::ast::{CompareOp, Condition, Operand, Resolved};
use crate::value::AttributeValue;

/// Most results one search may ask for (`TopK`).
pub const MAX_TOP_K: i64 = 100;

/// Least bytes a search (or a vector write) is metered at.
pub const MIN_METERED_BYTES: u64 = 1024;

/// A vector index's distance function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Distance {
    Cosine,
    DotProduct,
    Euclidean,
}

impl Distance {
    /// From the wire name.
    pub fn parse(s: &str) -> Option<Distance> {
        match s {
            "COSINE" => Some(Distance::Cosine),
            "DOT_PRODUCT" => Some(Distance::DotProduct),
            "EUCLIDEAN" => Some(Distance::Euclidean),
            _ => None,
        }
    }

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Distance::Cosine => "COSINE",
            Distance::DotProduct => "DOT_PRODUCT",
            Distance::Euclidean => "EUCLIDEAN",
        }
    }

    /// The score of `v` against the query `q` (same length), rounded
    /// through a 32-bit float like the index's own arithmetic. A score no
    /// 32-bit float can hold (the dot product of `[1e38, 0, 0]` with
    /// itself) is kept as the 64-bit value, so the answer has a very large
    /// finite number with its sign, not `null`, and ranks as it should:
    /// Alternator's test_vector_new.py, run against DynamoDB, expects a
    /// Score of at least 1e38 there (and below -1e38 for the opposite
    /// vector). With 32-bit inputs the 64-bit value is always finite; the
    /// clamp only guards the JSON.
    pub fn score(self, q: &[f32], v: &[f32]) -> f64 {
        let exact = self.exact_score(q, v);
        #[allow(clippy::cast_possible_truncation)]
        let rounded = exact as f32;
        if rounded.is_finite() {
            f64::from(rounded)
        } else {
            exact.clamp(f64::MIN, f64::MAX)
        }
    }

    fn exact_score(self, q: &[f32], v: &[f32]) -> f64 {
        let pairs = q.iter().zip(v).map(|(a, b)| (f64::from(*a), f64::from(*b)));
        match self {
            Distance::DotProduct => pairs.map(|(a, b)| a * b).sum(),
            Distance::Euclidean => pairs.map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt(),
            Distance::Cosine => {
                let (mut dot, mut qq, mut vv) = (0.0, 0.0, 0.0);
                for (a, b) in pairs {
                    dot += a * b;
                    qq += a * a;
                    vv += b * b;
                }
                // A zero vector has no direction: neither close nor opposite.
                let similarity = if qq == 0.0 || vv == 0.0 { 0.0 } else { dot / (qq.sqrt() * vv.sqrt()) };
                (1.0 - similarity.clamp(-1.0, 1.0)).max(0.0)
            }
        }
    }

    /// How two scores rank: `Less` when `a` is the closer match.
    pub fn rank(self, a: f64, b: f64) -> Ordering {
        match self {
            Distance::DotProduct => b.total_cmp(&a),
            Distance::Cosine | Distance::Euclidean => a.total_cmp(&b),
        }
    }
}

/// Why an attribute value is no vector of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VectorError {
    /// A list of numbers of the wrong length.
    Size { expected: u32, actual: usize },
    /// Not a list.
    NotList,
    /// A list whose element `at` is of type `actual`, not a number.
    Element { at: usize, actual: &'static str },
    /// A number no 32-bit float can hold.
    Range(String),
}

impl VectorError {
    /// DynamoDB's message for a write whose attribute `attr` breaks index
    /// `index` this way.
    pub fn write_message(&self, attr: &str, index: &str) -> String {
        const PREFIX: &str = "One or more parameter values were invalid.";
        match self {
            VectorError::Size { expected, actual } => {
                format!("{PREFIX} Invalid size for parameter {attr}, Expected: {expected}, Actual: {actual} IndexName: {index}")
            }
            VectorError::NotList => {
                format!("{PREFIX} Invalid type for parameter {attr}, Expected: 32-bit floating point number list IndexName: {index}")
            }
            VectorError::Element { at, actual } => format!(
                "{PREFIX} Invalid type for parameter {attr}[{at}], Expected: 32-bit floating point number, Actual: {actual}. IndexName: {index}"
            ),
            VectorError::Range(n) => format!(
                "{PREFIX} Invalid value for parameter {attr}, {n} is not a 32-bit floating point number. IndexName: {index}"
            ),
        }
    }
}

/// The vector an attribute value holds for an index of `dimensions`.
pub fn vector_of(value: &AttributeValue, dimensions: u32) -> Result<Vec<f32>, VectorError> {
    let AttributeValue::L(list) = value else {
        return Err(VectorError::NotList);
    };
    if usize::try_from(dimensions).ok() != Some(list.len()) {
        return Err(VectorError::Size { expected: dimensions, actual: list.len() });
    }
    list.iter()
        .enumerate()
        .map(|(at, e)| match e {
            AttributeValue::N(n) => to_f32(&n.to_string()),
            other => Err(VectorError::Element { at, actual: other.type_tag() }),
        })
        .collect()
}

/// A 32-bit float as the shortest decimal naming it (`1.0`, `0.1`,
/// `16777216.0`), the way a vector index hands its copy back.
pub fn f32_text(f: f32) -> String {
    format!("{f:?}")
}

/// A number as a finite 32-bit float.
pub fn to_f32(text: &str) -> Result<f32, VectorError> {
    match text.parse::<f32>() {
        Ok(f) if f.is_finite() => Ok(f),
        _ => Err(VectorError::Range(text.to_owned())),
    }
}

/// The bytes a search that examined `examined` vectors of `dimensions` is
/// metered at (32-bit floats, at least [`MIN_METERED_BYTES`]).
pub fn search_bytes(examined: usize, dimensions: u32) -> u64 {
    let bytes = u64::try_from(examined).unwrap_or(u64::MAX).saturating_mul(u64::from(dimensions)).saturating_mul(4);
    bytes.max(MIN_METERED_BYTES)
}

/// Keeps the `k` best of scored results, best first; ties keep their
/// order of arrival.
pub fn top_k<T>(mut scored: Vec<(f64, T)>, k: usize, distance: Distance) -> Vec<(f64, T)> {
    scored.sort_by(|a, b| distance.rank(a.0, b.0));
    scored.truncate(k);
    scored
}

/// The attribute values a `SearchConditionExpression` fixes: `a = :v`
/// terms joined by `AND`, on top-level attributes. Any other comparator
/// or operator is refused; the message is the ValidationException's.
pub fn search_terms<'c>(cond: &'c Condition<Resolved<'_>>) -> Result<Vec<(&'c str, &'c AttributeValue)>, String> {
    const PREFIX: &str = "Invalid SearchConditionExpression: ";
    let mut terms = Vec::new();
    let mut pending = vec![cond];
    while let Some(c) = pending.pop() {
        match c {
            Condition::And(parts) => pending.extend(parts.iter().rev()),
            Condition::Compare { op: CompareOp::Eq, left, right } => {
                let (path, value) = match (left, right) {
                    (Operand::Path(p), Operand::Value(v)) | (Operand::Value(v), Operand::Path(p)) => (p, v),
                    _ => {
                        return Err(format!(
                            "{PREFIX}Each condition must compare an attribute of the SearchSchema with a value"
                        ))
                    }
                };
                // Worded as KeyConditionExpression's refusals are (the
                // Alternator suite asks for "nested" and "operator").
                if !path.rest.is_empty() {
                    return Err(format!("{PREFIX}SearchConditionExpressions cannot have conditions on nested attributes"));
                }
                terms.push((path.head.as_ref(), value.as_ref()));
            }
            Condition::Compare { .. } | Condition::Between { .. } | Condition::In { .. } => {
                return Err(format!("{PREFIX}Invalid comparator used in SearchConditionExpression"));
            }
            Condition::Or(_) | Condition::Not(_) => {
                return Err(format!("{PREFIX}Only the AND operator can join conditions in SearchConditionExpression"));
            }
            Condition::Call(call) => {
                return Err(format!("{PREFIX}Invalid operator used in SearchConditionExpression: {}", call.func.name()));
            }
        }
    }
    Ok(terms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Number;

    fn l(xs: &[&str]) -> AttributeValue {
        AttributeValue::L(xs.iter().map(|x| AttributeValue::N(Number::parse(x).unwrap())).collect())
    }

    #[test]
    fn scores_follow_the_documented_examples() {
        // [1,0,0,0] against [10,0,0,0]: tied-first under COSINE (0.0),
        // 9.0 under EUCLIDEAN.
        let q = [1.0, 0.0, 0.0, 0.0];
        let v = [10.0, 0.0, 0.0, 0.0];
        assert!(Distance::Cosine.score(&q, &v).abs() < 1e-9);
        assert!((Distance::Euclidean.score(&q, &v) - 9.0).abs() < 1e-9);
        assert!((Distance::DotProduct.score(&q, &v) - 10.0).abs() < 1e-9);
        assert!((Distance::Cosine.score(&q, &[-1.0, 0.0, 0.0, 0.0]) - 2.0).abs() < 1e-9);
        assert!((Distance::Cosine.score(&q, &[0.0, 0.0, 0.0, 0.0]) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn scores_beyond_32_bit_floats_stay_finite_and_ordered() {
        // Alternator's test_vector_new.py, run against DynamoDB
        // (test_searchvectors_score_dot_product_overflow and ..._overflow2).
        let big = 1e38_f32;
        let q = [big, 0.0, 0.0];
        let high = Distance::DotProduct.score(&q, &[big, 0.0, 0.0]);
        let mid = Distance::DotProduct.score(&q, &[0.0, 0.0, 0.0]);
        let low = Distance::DotProduct.score(&q, &[-big, 0.0, 0.0]);
        assert!(high.is_finite() && high >= 1e38, "{high}");
        assert!(low.is_finite() && low < -1e38, "{low}");
        assert!(mid.abs() < 1e-9);
        let ranked: Vec<_> =
            top_k(vec![(low, "low"), (high, "high"), (mid, "mid")], 3, Distance::DotProduct).into_iter().map(|s| s.1).collect();
        assert_eq!(ranked, ["high", "mid", "low"]);
        // The Euclidean distance of opposite extremes exceeds f32::MAX too.
        let far = Distance::Euclidean.score(&[f32::MAX], &[-f32::MAX]);
        assert!(far.is_finite() && far > f64::from(f32::MAX), "{far}");
        // Scores a 32-bit float holds are still rounded through it.
        assert_eq!(Distance::DotProduct.score(&[0.1], &[1.0]), f64::from(0.1_f32));
    }

    #[test]
    fn ranking_direction_depends_on_the_function() {
        let scored = vec![(0.5, "b"), (0.1, "a"), (0.9, "c")];
        let best: Vec<_> = top_k(scored.clone(), 2, Distance::Cosine).into_iter().map(|s| s.1).collect();
        assert_eq!(best, ["a", "b"]);
        let best: Vec<_> = top_k(scored, 2, Distance::DotProduct).into_iter().map(|s| s.1).collect();
        assert_eq!(best, ["c", "b"]);
    }

    #[test]
    fn vectors_are_lists_of_numbers_of_the_right_length() {
        assert_eq!(vector_of(&l(&["1", "2.5"]), 2), Ok(vec![1.0, 2.5]));
        assert_eq!(vector_of(&l(&["1"]), 2), Err(VectorError::Size { expected: 2, actual: 1 }));
        assert_eq!(vector_of(&AttributeValue::S("x".into()), 2), Err(VectorError::NotList));
        let e = vector_of(&AttributeValue::L(vec![AttributeValue::N(Number::parse("1").unwrap()), AttributeValue::S("oops".into())]), 2)
            .unwrap_err();
        assert_eq!(
            e.write_message("embedding", "plain"),
            "One or more parameter values were invalid. Invalid type for parameter embedding[1], Expected: 32-bit floating point number, Actual: S. IndexName: plain"
        );
        assert_eq!(
            VectorError::Size { expected: 3, actual: 2 }.write_message("embedding", "plain"),
            "One or more parameter values were invalid. Invalid size for parameter embedding, Expected: 3, Actual: 2 IndexName: plain"
        );
        assert_eq!(f32_text(1.0), "1.0");
        assert_eq!(f32_text(0.1), "0.1");
        assert_eq!(f32_text(16_777_217.0), "16777216.0");
        assert!(matches!(vector_of(&l(&["1E+100"]), 1), Err(VectorError::Range(_))));
    }

    #[test]
    fn searches_are_metered_in_bytes_with_a_minimum() {
        assert_eq!(search_bytes(0, 4), 1024);
        assert_eq!(search_bytes(100, 4), 1600);
    }

    fn condition(src: &str, values: &[(&str, AttributeValue)]) -> Result<Vec<(String, AttributeValue)>, String> {
        use crate::expr::resolve::{Resolver, ValueSource};
        use std::collections::BTreeMap as HashMap;
        let values: HashMap<String, AttributeValue> = values.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        let parsed = crate::expr::parse_condition(crate::expr::ExprKind::SearchCondition, src).map_err(|e| e.message().to_owned())?;
        let mut resolver = Resolver::new(None, Some(&values as &dyn ValueSource)).map_err(|e| e.message().to_owned())?;
        let resolved = resolver.resolve_condition(crate::expr::ExprKind::SearchCondition, &parsed).map_err(|e| e.message().to_owned())?;
        let terms = search_terms(&resolved)?;
        Ok(terms.into_iter().map(|(n, v)| (n.to_owned(), v.clone())).collect())
    }

    #[test]
    fn search_conditions_are_equalities_joined_by_and() {
        let s = |x: &str| AttributeValue::S(x.into());
        let terms = condition("category = :c AND :b = brand", &[(":c", s("shoes")), (":b", s("acme"))]).unwrap();
        assert_eq!(terms, vec![("category".into(), s("shoes")), ("brand".into(), s("acme"))]);
        let e = condition("category <> :c", &[(":c", s("x"))]).unwrap_err();
        assert_eq!(e, "Invalid SearchConditionExpression: Invalid comparator used in SearchConditionExpression");
        let e = condition("category IN (:c)", &[(":c", s("x"))]).unwrap_err();
        assert!(e.ends_with("Invalid comparator used in SearchConditionExpression"), "{e}");
        assert!(condition("a = :c OR b = :c", &[(":c", s("x"))]).is_err());
        // Nested paths and functions are refused in the words a key
        // condition's refusals use (Alternator's
        // test_searchconditionexpression_rejects_nested_path and _function).
        let e = condition("a.b = :c", &[(":c", s("x"))]).unwrap_err();
        assert_eq!(e, "Invalid SearchConditionExpression: SearchConditionExpressions cannot have conditions on nested attributes");
        let e = condition("begins_with(p, :c)", &[(":c", s("x"))]).unwrap_err();
        assert_eq!(e, "Invalid SearchConditionExpression: Invalid operator used in SearchConditionExpression: begins_with");
    }
}
