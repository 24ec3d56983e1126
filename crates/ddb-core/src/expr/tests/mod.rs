//! Golden tests across the phases: the Developer Guide's own examples and
//! DynamoDB's observed messages, plus a no-panic fuzz of the parsers.
//!
//! Helpers here build values and run parse → resolve → evaluate the way a
//! request handler does.

mod apply;
mod eval;
mod fuzz;
mod key;
mod legacy;
mod parse;
mod resolve;

use std::collections::{BTreeMap, HashMap};

use super::ast::{Condition, Resolved, UpdateExpr};
use super::resolve::Resolver;
use super::update::{apply_update, UpdateContext};
use super::{parse_condition, parse_update, ExprKind};
use crate::value::{AttributeValue, Item, Number};

pub fn s(x: &str) -> AttributeValue {
    AttributeValue::S(x.to_string())
}

pub fn n(x: &str) -> AttributeValue {
    AttributeValue::N(x.parse::<Number>().expect("test number"))
}

pub fn b(x: &[u8]) -> AttributeValue {
    AttributeValue::B(x.to_vec())
}

pub fn ss(xs: &[&str]) -> AttributeValue {
    AttributeValue::Ss(xs.iter().map(|x| x.to_string()).collect())
}

pub fn ns(xs: &[&str]) -> AttributeValue {
    AttributeValue::Ns(xs.iter().map(|x| x.parse::<Number>().expect("test number")).collect())
}

pub fn l(xs: Vec<AttributeValue>) -> AttributeValue {
    AttributeValue::L(xs)
}

pub fn m(pairs: &[(&str, AttributeValue)]) -> AttributeValue {
    AttributeValue::M(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

pub fn item(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<BTreeMap<_, _>>()
}

pub type Names = HashMap<String, String>;
pub type Values = HashMap<String, AttributeValue>;

pub fn names(pairs: &[(&str, &str)]) -> Names {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

pub fn values(pairs: &[(&str, AttributeValue)]) -> Values {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn resolver<'a>(nm: &'a Names, vs: &'a Values) -> Result<Resolver<'a>, String> {
    let nm: Option<&dyn super::resolve::NameSource> = (!nm.is_empty()).then_some(nm as _);
    let vs: Option<&dyn super::resolve::ValueSource> = (!vs.is_empty()).then_some(vs as _);
    Resolver::new(nm, vs).map_err(|e| e.to_string())
}

/// Parse and resolve one condition expression as a whole request.
pub fn cond<'a>(src: &'a str, nm: &'a Names, vs: &'a Values) -> Result<Condition<Resolved<'a>>, String> {
    let parsed = parse_condition(ExprKind::Condition, src).map_err(|e| e.to_string())?;
    let mut r = resolver(nm, vs)?;
    let c = r
        .resolve_condition(ExprKind::Condition, &parsed)
        .map_err(|e| e.to_string())?;
    r.finish().map_err(|e| e.to_string())?;
    Ok(c)
}

/// The message a condition is rejected with.
pub fn cond_err(src: &str, nm: &Names, vs: &Values) -> String {
    match cond(src, nm, vs) {
        Ok(c) => panic!("expected an error for {src:?}, got {c:?}"),
        Err(e) => e,
    }
}

/// Evaluates a condition that must be valid.
pub fn check(src: &str, nm: &Names, vs: &Values, it: &Item) -> bool {
    let c = cond(src, nm, vs).unwrap_or_else(|e| panic!("{src:?}: {e}"));
    super::eval::evaluate(&c, it)
}

/// Parse and resolve one update expression as a whole request.
pub fn upd<'a>(src: &'a str, nm: &'a Names, vs: &'a Values) -> Result<UpdateExpr<Resolved<'a>>, String> {
    let parsed = parse_update(src).map_err(|e| e.to_string())?;
    let mut r = resolver(nm, vs)?;
    let u = r.resolve_update(&parsed).map_err(|e| e.to_string())?;
    r.finish().map_err(|e| e.to_string())?;
    Ok(u)
}

pub fn upd_err(src: &str, nm: &Names, vs: &Values) -> String {
    match upd(src, nm, vs) {
        Ok(u) => panic!("expected an error for {src:?}, got {u:?}"),
        Err(e) => e,
    }
}

/// Applies an update to an existing item whose key is `pk`.
pub fn apply(src: &str, nm: &Names, vs: &Values, it: &Item) -> Result<Item, String> {
    let u = upd(src, nm, vs)?;
    let mut out = it.clone();
    let ctx = UpdateContext {
        key_attributes: &["pk"],
        item_existed: true,
    };
    apply_update(&u, &mut out, &ctx).map_err(|e| e.to_string())?;
    Ok(out)
}

pub fn none() -> (Names, Values) {
    (Names::new(), Values::new())
}
