//! Phase 2: substitute `ExpressionAttributeNames` / `ExpressionAttributeValues`
//! and run the checks that need them.
//!
//! One [`Resolver`] serves one request: resolve each of its expressions in
//! the order DynamoDB validates them (update, condition, key condition,
//! filter, projection), then call [`Resolver::finish`], which rejects the
//! placeholders no expression used (`Value provided in
//! ExpressionAttributeNames unused in expressions: keys: {#a}`). Unused-ness
//! is about the text, not evaluation: a short-circuited `OR` still uses its
//! placeholders.
//!
//! Per expression, errors come in DynamoDB's order: an undefined placeholder
//! first, then (conditions) wrong operand counts and missing document paths,
//! identical operands, and operand types of constants; (updates) overlapping
//! and conflicting paths, `ADD`/`DELETE` operand types, then function
//! checks. The semantic checks live in [`super::check`].

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use super::ast::{
    Condition, DocPath, FunctionCall, NameRef, Operand, Parsed, PathElem, Projection, Resolved,
    SetAction, SetValue, UpdateAction, UpdateExpr, ValueAction, ValueRef,
};
use super::check;
use super::{ExprError, ExprKind};
use crate::value::AttributeValue;

/// A source of `ExpressionAttributeNames`.
pub trait NameSource {
    /// The stored placeholder and the attribute name for a `#placeholder`.
    fn lookup(&self, key: &str) -> Option<(&str, &str)>;
    /// Every placeholder defined.
    fn keys(&self) -> Vec<&str>;
}

/// A source of `ExpressionAttributeValues`.
pub trait ValueSource {
    /// The stored placeholder and the value for a `:placeholder`.
    fn lookup(&self, key: &str) -> Option<(&str, &AttributeValue)>;
    /// Every placeholder defined.
    fn keys(&self) -> Vec<&str>;
}

impl<S: BuildHasher> NameSource for HashMap<String, String, S> {
    fn lookup(&self, key: &str) -> Option<(&str, &str)> {
        self.get_key_value(key).map(|(k, v)| (k.as_str(), v.as_str()))
    }
    fn keys(&self) -> Vec<&str> {
        HashMap::keys(self).map(String::as_str).collect()
    }
}

impl NameSource for BTreeMap<String, String> {
    fn lookup(&self, key: &str) -> Option<(&str, &str)> {
        self.get_key_value(key).map(|(k, v)| (k.as_str(), v.as_str()))
    }
    fn keys(&self) -> Vec<&str> {
        BTreeMap::keys(self).map(String::as_str).collect()
    }
}

impl<S: BuildHasher> ValueSource for HashMap<String, AttributeValue, S> {
    fn lookup(&self, key: &str) -> Option<(&str, &AttributeValue)> {
        self.get_key_value(key).map(|(k, v)| (k.as_str(), v))
    }
    fn keys(&self) -> Vec<&str> {
        HashMap::keys(self).map(String::as_str).collect()
    }
}

impl ValueSource for BTreeMap<String, AttributeValue> {
    fn lookup(&self, key: &str) -> Option<(&str, &AttributeValue)> {
        self.get_key_value(key).map(|(k, v)| (k.as_str(), v))
    }
    fn keys(&self) -> Vec<&str> {
        BTreeMap::keys(self).map(String::as_str).collect()
    }
}

/// Substitutes placeholders for every expression of one request.
pub struct Resolver<'a> {
    names: Option<&'a dyn NameSource>,
    values: Option<&'a dyn ValueSource>,
    used_names: Vec<&'a str>,
    used_values: Vec<&'a str>,
}

/// The first undefined placeholders met while walking one expression.
#[derive(Default)]
struct Missing {
    first: Option<String>,
    name: Option<String>,
    value: Option<String>,
}

fn valid_placeholder(key: &str, sigil: char) -> bool {
    let mut chars = key.chars();
    chars.next() == Some(sigil)
        && key.len() > 1
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl<'a> Resolver<'a> {
    /// Checks the maps themselves (not empty, well-formed keys) and starts a
    /// request. Pass `None` for a map the request did not contain.
    pub fn new(
        names: Option<&'a dyn NameSource>,
        values: Option<&'a dyn ValueSource>,
    ) -> Result<Self, ExprError> {
        if let Some(n) = names {
            let mut keys = n.keys();
            if keys.is_empty() {
                return Err(ExprError::plain("ExpressionAttributeNames must not be empty"));
            }
            if keys.iter().any(|k| !valid_placeholder(k, '#')) {
                keys.sort_unstable();
            }
            if let Some(bad) = keys.iter().find(|k| !valid_placeholder(k, '#')) {
                return Err(ExprError::plain(format!(
                    "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{bad}\""
                )));
            }
        }
        if let Some(v) = values {
            let mut keys = v.keys();
            if keys.is_empty() {
                return Err(ExprError::plain("ExpressionAttributeValues must not be empty"));
            }
            if keys.iter().any(|k| !valid_placeholder(k, ':')) {
                keys.sort_unstable();
            }
            if let Some(bad) = keys.iter().find(|k| !valid_placeholder(k, ':')) {
                return Err(ExprError::plain(format!(
                    "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{bad}\""
                )));
            }
        }
        Ok(Resolver {
            names,
            values,
            used_names: Vec::new(),
            used_values: Vec::new(),
        })
    }

    /// Resolves a Condition-, Filter- or KeyConditionExpression and checks
    /// its operands.
    pub fn resolve_condition(
        &mut self,
        kind: ExprKind,
        cond: &Condition<Parsed>,
    ) -> Result<Condition<Resolved>, ExprError> {
        let mut missing = Missing::default();
        let out = self.condition(cond, &mut missing);
        if let Some(m) = missing.first {
            return Err(ExprError::invalid(kind, m));
        }
        check::condition(kind, &out)?;
        Ok(out)
    }

    /// Resolves an UpdateExpression and checks paths and operands.
    pub fn resolve_update(
        &mut self,
        update: &UpdateExpr<Parsed>,
    ) -> Result<UpdateExpr<Resolved>, ExprError> {
        let mut missing = Missing::default();
        let actions = update
            .actions
            .iter()
            .map(|a| self.action(a, &mut missing))
            .collect();
        // Update expressions report an undefined name before an undefined value.
        if let Some(m) = missing.name.or(missing.value) {
            return Err(ExprError::invalid(ExprKind::Update, m));
        }
        let out = UpdateExpr { actions };
        check::update(&out)?;
        Ok(out)
    }

    /// Resolves a ProjectionExpression and rejects overlapping paths.
    pub fn resolve_projection(
        &mut self,
        projection: &Projection<Parsed>,
    ) -> Result<Projection<Resolved>, ExprError> {
        let mut missing = Missing::default();
        let paths: Vec<_> = projection
            .paths
            .iter()
            .map(|p| self.path(p, &mut missing))
            .collect();
        if let Some(m) = missing.first {
            return Err(ExprError::invalid(ExprKind::Projection, m));
        }
        check::overlaps(ExprKind::Projection, paths.iter())?;
        Ok(Projection { paths })
    }

    /// Ends the request: every defined placeholder must have been used.
    pub fn finish(self) -> Result<(), ExprError> {
        if let Some(n) = self.names {
            let mut unused: Vec<&str> = n
                .keys()
                .into_iter()
                .filter(|k| !self.used_names.contains(k))
                .collect();
            if !unused.is_empty() {
                unused.sort_unstable();
                return Err(ExprError::plain(format!(
                    "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                    unused.join(", ")
                )));
            }
        }
        if let Some(v) = self.values {
            let mut unused: Vec<&str> = v
                .keys()
                .into_iter()
                .filter(|k| !self.used_values.contains(k))
                .collect();
            if !unused.is_empty() {
                unused.sort_unstable();
                return Err(ExprError::plain(format!(
                    "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                    unused.join(", ")
                )));
            }
        }
        Ok(())
    }

    // ----- substitution -------------------------------------------------

    fn name(&mut self, name: &NameRef, missing: &mut Missing) -> String {
        match name {
            NameRef::Literal(s) => s.clone(),
            NameRef::Placeholder(key) => match self.names.and_then(|n| n.lookup(key)) {
                Some((stored, real)) => {
                    if !self.used_names.contains(&stored) {
                        self.used_names.push(stored);
                    }
                    real.to_string()
                }
                None => {
                    let msg = format!(
                        "An expression attribute name used in the document path is not defined; attribute name: {key}"
                    );
                    missing.name.get_or_insert_with(|| msg.clone());
                    missing.first.get_or_insert(msg);
                    String::new()
                }
            },
        }
    }

    fn value(&mut self, value: &ValueRef, missing: &mut Missing) -> AttributeValue {
        let key = &value.0;
        match self.values.and_then(|v| v.lookup(key)) {
            Some((stored, v)) => {
                if !self.used_values.contains(&stored) {
                    self.used_values.push(stored);
                }
                v.clone()
            }
            None => {
                let msg = format!(
                    "An expression attribute value used in expression is not defined; attribute value: {key}"
                );
                missing.value.get_or_insert_with(|| msg.clone());
                missing.first.get_or_insert(msg);
                AttributeValue::Null
            }
        }
    }

    fn path(&mut self, path: &DocPath<NameRef>, missing: &mut Missing) -> DocPath<String> {
        let head = self.name(&path.head, missing);
        let rest = path
            .rest
            .iter()
            .map(|e| match e {
                PathElem::Name(n) => PathElem::Name(self.name(n, missing)),
                PathElem::Index(i) => PathElem::Index(*i),
            })
            .collect();
        DocPath { head, rest }
    }

    fn operand(&mut self, op: &Operand<Parsed>, missing: &mut Missing) -> Operand<Resolved> {
        match op {
            Operand::Path(p) => Operand::Path(self.path(p, missing)),
            Operand::Value(v) => Operand::Value(self.value(v, missing)),
            Operand::Call(call) => Operand::Call(Box::new(self.call(call, missing))),
        }
    }

    fn call(&mut self, call: &FunctionCall<Parsed>, missing: &mut Missing) -> FunctionCall<Resolved> {
        FunctionCall {
            func: call.func,
            args: call.args.iter().map(|a| self.operand(a, missing)).collect(),
        }
    }

    fn condition(&mut self, cond: &Condition<Parsed>, missing: &mut Missing) -> Condition<Resolved> {
        match cond {
            Condition::Compare { op, left, right } => Condition::Compare {
                op: *op,
                left: self.operand(left, missing),
                right: self.operand(right, missing),
            },
            Condition::Between { value, low, high } => Condition::Between {
                value: self.operand(value, missing),
                low: self.operand(low, missing),
                high: self.operand(high, missing),
            },
            Condition::In { value, list } => Condition::In {
                value: self.operand(value, missing),
                list: list.iter().map(|o| self.operand(o, missing)).collect(),
            },
            Condition::Call(call) => Condition::Call(self.call(call, missing)),
            Condition::Not(c) => Condition::Not(Box::new(self.condition(c, missing))),
            Condition::And(cs) => Condition::And(cs.iter().map(|c| self.condition(c, missing)).collect()),
            Condition::Or(cs) => Condition::Or(cs.iter().map(|c| self.condition(c, missing)).collect()),
        }
    }

    fn action(&mut self, action: &UpdateAction<Parsed>, missing: &mut Missing) -> UpdateAction<Resolved> {
        match action {
            UpdateAction::Set(SetAction { path, value }) => {
                let path = self.path(path, missing);
                let value = match value {
                    SetValue::Operand(o) => SetValue::Operand(self.operand(o, missing)),
                    SetValue::Plus(a, b) => {
                        SetValue::Plus(self.operand(a, missing), self.operand(b, missing))
                    }
                    SetValue::Minus(a, b) => {
                        SetValue::Minus(self.operand(a, missing), self.operand(b, missing))
                    }
                };
                UpdateAction::Set(SetAction { path, value })
            }
            UpdateAction::Remove(p) => UpdateAction::Remove(self.path(p, missing)),
            UpdateAction::Add(ValueAction { path, value }) => UpdateAction::Add(ValueAction {
                path: self.path(path, missing),
                value: self.value(value, missing),
            }),
            UpdateAction::Delete(ValueAction { path, value }) => UpdateAction::Delete(ValueAction {
                path: self.path(path, missing),
                value: self.value(value, missing),
            }),
        }
    }
}
