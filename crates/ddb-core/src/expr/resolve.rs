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
//! first (but identical operands ahead of an undefined value), then (conditions) wrong operand counts and missing document paths,
//! identical operands, and operand types of constants; (updates) overlapping
//! and conflicting paths, `ADD`/`DELETE` operand types, then function
//! checks. The semantic checks live in [`super::check`].

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use super::ast::{
    Condition, DocPath, FunctionCall, NameRef, Operand, Parsed, PathElem, Projection, Resolved, ResolvedPath,
    SetAction, SetValue, UpdateAction, UpdateExpr, ValueAction, ValueRef,
};
use super::check;
use super::lexer::is_ident_byte;
use super::{ExprError, ExprKind, Rule};
use crate::value::AttributeValue;

/// A source of `ExpressionAttributeNames`.
pub trait NameSource {
    /// The stored placeholder and the attribute name for a `#placeholder`.
    fn lookup(&self, key: &str) -> Option<(&str, &str)>;
    /// Every placeholder defined.
    fn keys(&self) -> Vec<&str>;
    /// How many placeholders are defined (the default counts [`Self::keys`]).
    fn key_count(&self) -> usize {
        self.keys().len()
    }
    /// True when `pred` holds for every placeholder (the default walks
    /// [`Self::keys`]; maps override both to avoid collecting).
    fn all_keys(&self, pred: &mut dyn FnMut(&str) -> bool) -> bool {
        self.keys().into_iter().all(pred)
    }
}

/// A source of `ExpressionAttributeValues`.
pub trait ValueSource {
    /// The stored placeholder and the value for a `:placeholder`.
    fn lookup(&self, key: &str) -> Option<(&str, &AttributeValue)>;
    /// Every placeholder defined.
    fn keys(&self) -> Vec<&str>;
    /// How many placeholders are defined (the default counts [`Self::keys`]).
    fn key_count(&self) -> usize {
        self.keys().len()
    }
    /// True when `pred` holds for every placeholder (the default walks
    /// [`Self::keys`]).
    fn all_keys(&self, pred: &mut dyn FnMut(&str) -> bool) -> bool {
        self.keys().into_iter().all(pred)
    }
}

impl<S: BuildHasher> NameSource for HashMap<String, String, S> {
    fn lookup(&self, key: &str) -> Option<(&str, &str)> {
        self.get_key_value(key).map(|(k, v)| (k.as_str(), v.as_str()))
    }
    fn keys(&self) -> Vec<&str> {
        HashMap::keys(self).map(String::as_str).collect()
    }
    fn key_count(&self) -> usize {
        self.len()
    }
    fn all_keys(&self, pred: &mut dyn FnMut(&str) -> bool) -> bool {
        HashMap::keys(self).all(|k| pred(k))
    }
}

impl NameSource for BTreeMap<String, String> {
    fn lookup(&self, key: &str) -> Option<(&str, &str)> {
        self.get_key_value(key).map(|(k, v)| (k.as_str(), v.as_str()))
    }
    fn keys(&self) -> Vec<&str> {
        BTreeMap::keys(self).map(String::as_str).collect()
    }
    fn key_count(&self) -> usize {
        self.len()
    }
    fn all_keys(&self, pred: &mut dyn FnMut(&str) -> bool) -> bool {
        BTreeMap::keys(self).all(|k| pred(k))
    }
}

impl<S: BuildHasher> ValueSource for HashMap<String, AttributeValue, S> {
    fn lookup(&self, key: &str) -> Option<(&str, &AttributeValue)> {
        self.get_key_value(key).map(|(k, v)| (k.as_str(), v))
    }
    fn keys(&self) -> Vec<&str> {
        HashMap::keys(self).map(String::as_str).collect()
    }
    fn key_count(&self) -> usize {
        self.len()
    }
    fn all_keys(&self, pred: &mut dyn FnMut(&str) -> bool) -> bool {
        HashMap::keys(self).all(|k| pred(k))
    }
}

impl ValueSource for BTreeMap<String, AttributeValue> {
    fn lookup(&self, key: &str) -> Option<(&str, &AttributeValue)> {
        self.get_key_value(key).map(|(k, v)| (k.as_str(), v))
    }
    fn keys(&self) -> Vec<&str> {
        BTreeMap::keys(self).map(String::as_str).collect()
    }
    fn key_count(&self) -> usize {
        self.len()
    }
    fn all_keys(&self, pred: &mut dyn FnMut(&str) -> bool) -> bool {
        BTreeMap::keys(self).all(|k| pred(k))
    }
}

/// The distinct placeholders used so far. The first few live inline, so a
/// typical request allocates nothing for this bookkeeping.
struct Used<'a> {
    inline: [&'a str; Used::INLINE],
    len: usize,
    spill: Vec<&'a str>,
}

impl<'a> Used<'a> {
    const INLINE: usize = 12;

    fn new() -> Self {
        Used {
            inline: [""; Used::INLINE],
            len: 0,
            spill: Vec::new(),
        }
    }

    fn contains(&self, key: &str) -> bool {
        // Stored keys come from the map itself: the same key is usually the
        // same slice, which is cheaper to recognise than equal text.
        let same = |k: &&str| k.len() == key.len() && (k.as_ptr() == key.as_ptr() || k.as_bytes() == key.as_bytes());
        self.inline.iter().take(self.len).any(same) || self.spill.iter().any(same)
    }

    /// Records `key` once.
    fn insert(&mut self, key: &'a str) {
        if self.contains(key) {
            return;
        }
        match self.inline.get_mut(self.len) {
            Some(slot) => {
                *slot = key;
                self.len += 1;
            }
            None => self.spill.push(key),
        }
    }

    fn count(&self) -> usize {
        self.len + self.spill.len()
    }
}

/// What an undefined `:value` resolves to (the expression is rejected anyway).
static NULL: AttributeValue = AttributeValue::Null;

/// Substitutes placeholders for every expression of one request.
pub struct Resolver<'a> {
    names: Option<&'a dyn NameSource>,
    values: Option<&'a dyn ValueSource>,
    used_names: Used<'a>,
    used_values: Used<'a>,
}

/// The first undefined placeholders met while walking one expression.
#[derive(Default)]
struct Missing {
    first: Option<String>,
    name: Option<String>,
    value: Option<String>,
}

/// `sigil` followed by one or more of `[A-Za-z0-9_]`.
fn valid_placeholder(key: &str, sigil: u8) -> bool {
    match key.as_bytes().split_first() {
        Some((&first, rest)) => {
            first == sigil
                && !rest.is_empty()
                && rest.iter().all(|&b| is_ident_byte(b))
        }
        None => false,
    }
}

/// The map's first invalid key in sorted order, if any key is invalid.
fn first_invalid<'k>(all_valid: bool, keys: impl FnOnce() -> Vec<&'k str>, sigil: u8) -> Option<&'k str> {
    if all_valid {
        return None;
    }
    let mut keys = keys();
    keys.sort_unstable();
    keys.into_iter().find(|k| !valid_placeholder(k, sigil))
}

/// ExpressionAttributeValues' keys checked before any of its values is
/// read (dynalite's deleteItem.js, recorded against DynamoDB: a bad key is
/// reported before a bad value under a good key).
pub fn check_value_keys<'k>(keys: impl Iterator<Item = &'k str> + Clone) -> Result<(), ExprError> {
    let valid = keys.clone().all(|k| valid_placeholder(k, b':'));
    match first_invalid(valid, || keys.collect(), b':') {
        Some(bad) => Err(ExprError::plain(format!(
            "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{bad}\""
        ))),
        None => Ok(()),
    }
}

impl<'a> Resolver<'a> {
    /// Checks the maps themselves (not empty, well-formed keys) and starts a
    /// request. Pass `None` for a map the request did not contain.
    pub fn new(
        names: Option<&'a dyn NameSource>,
        values: Option<&'a dyn ValueSource>,
    ) -> Result<Self, ExprError> {
        if let Some(n) = names {
            if n.key_count() == 0 {
                return Err(ExprError::plain("ExpressionAttributeNames must not be empty").breaking(Rule::EmptyValues));
            }
            let valid = n.all_keys(&mut |k| valid_placeholder(k, b'#'));
            if let Some(bad) = first_invalid(valid, || n.keys(), b'#') {
                return Err(ExprError::plain(format!(
                    "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{bad}\""
                )));
            }
            let named = |k: &str| n.lookup(k).is_some_and(|(_, name)| !name.is_empty());
            if !n.all_keys(&mut |k| named(k)) {
                let mut keys = n.keys();
                keys.sort_unstable();
                if let Some(k) = keys.into_iter().find(|k| !named(k)) {
                    return Err(ExprError::plain(format!(
                        "ExpressionAttributeNames contains invalid value: Empty attribute name for key {k}"
                    )));
                }
            }
        }
        if let Some(v) = values {
            if v.key_count() == 0 {
                return Err(ExprError::plain("ExpressionAttributeValues must not be empty").breaking(Rule::EmptyValues));
            }
            if !v.all_keys(&mut |k| valid_placeholder(k, b':')) {
                check_value_keys(v.keys().into_iter())?;
            }
        }
        Ok(Resolver {
            names,
            values,
            used_names: Used::new(),
            used_values: Used::new(),
        })
    }

    /// Resolves a Condition-, Filter- or KeyConditionExpression and checks
    /// its operands.
    ///
    /// The result borrows names and values from the maps (`'a`) and literal
    /// names from the expression text (`'s`); `'r` is the shorter of the two.
    pub fn resolve_condition<'s, 'r>(
        &mut self,
        kind: ExprKind,
        cond: &Condition<Parsed<'s>>,
    ) -> Result<Condition<Resolved<'r>>, ExprError>
    where
        'a: 'r,
        's: 'r,
    {
        let mut missing = Missing::default();
        let out = self.condition(cond, &mut missing);
        if let Some(m) = missing.first {
            // A key condition is checked clause by clause: a wrong operand
            // in a clause before the undefined placeholder is reported
            // first (paritysuite queryKeyCondition, AWS 2026).
            if let (ExprKind::KeyCondition, Condition::And(parts)) = (kind, cond) {
                for part in parts {
                    let mut part_missing = Missing::default();
                    let resolved = self.condition(part, &mut part_missing);
                    if part_missing.first.is_some() {
                        break;
                    }
                    check::condition(kind, &resolved)?;
                }
            }
            let undefined_value = missing.value.as_ref() == Some(&m);
            if undefined_value && missing.name.is_none() {
                check::distinct_operands(kind, &out)?;
            }
            let e = ExprError::invalid(kind, m);
            return Err(if undefined_value { e.breaking(Rule::UndefinedValue) } else { e });
        }
        check::condition(kind, &out)?;
        Ok(out)
    }

    /// Resolves an UpdateExpression and checks paths and operands.
    pub fn resolve_update<'s, 'r>(
        &mut self,
        update: &UpdateExpr<Parsed<'s>>,
    ) -> Result<UpdateExpr<Resolved<'r>>, ExprError>
    where
        'a: 'r,
        's: 'r,
    {
        let mut missing = Missing::default();
        let actions = update
            .actions
            .iter()
            .map(|a| self.action(a, &mut missing))
            .collect();
        // Update expressions report an undefined name before an undefined value.
        if let Some(m) = missing.name {
            return Err(ExprError::invalid(ExprKind::Update, m));
        }
        if let Some(m) = missing.value {
            return Err(ExprError::invalid(ExprKind::Update, m).breaking(Rule::UndefinedValue));
        }
        let out = UpdateExpr { actions };
        check::update(&out)?;
        Ok(out)
    }

    /// Resolves a ProjectionExpression and rejects overlapping paths.
    pub fn resolve_projection<'s, 'r>(
        &mut self,
        projection: &Projection<Parsed<'s>>,
    ) -> Result<Projection<Resolved<'r>>, ExprError>
    where
        'a: 'r,
        's: 'r,
    {
        let mut missing = Missing::default();
        let paths: Vec<_> = projection
            .paths
            .iter()
            .map(|p| self.path(p, &mut missing))
            .collect();
        if let Some(m) = missing.first {
            return Err(ExprError::invalid(ExprKind::Projection, m));
        }
        check::overlaps(ExprKind::Projection, &paths, |p| p)?;
        Ok(Projection { paths })
    }

    /// Ends the request: every defined placeholder must have been used.
    pub fn finish(self) -> Result<(), ExprError> {
        // Used placeholders are distinct keys of the map, so equal counts
        // mean every key was used.
        if let Some(n) = self.names.filter(|n| n.key_count() != self.used_names.count()) {
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
                ))
                .breaking(Rule::UnusedPlaceholder));
            }
        }
        if let Some(v) = self.values.filter(|v| v.key_count() != self.used_values.count()) {
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
                ))
                .breaking(Rule::UnusedPlaceholder));
            }
        }
        Ok(())
    }

    // ----- substitution -------------------------------------------------

    fn name<'s, 'r>(&mut self, name: &NameRef<'s>, missing: &mut Missing) -> Cow<'r, str>
    where
        'a: 'r,
        's: 'r,
    {
        match *name {
            NameRef::Literal(s) => Cow::Borrowed(s),
            NameRef::Placeholder(key) => match self.names.and_then(|n| n.lookup(key)) {
                Some((stored, real)) => {
                    self.used_names.insert(stored);
                    Cow::Borrowed(real)
                }
                None => {
                    let msg = format!(
                        "An expression attribute name used in the document path is not defined; attribute name: {key}"
                    );
                    missing.name.get_or_insert_with(|| msg.clone());
                    missing.first.get_or_insert(msg);
                    Cow::Borrowed("")
                }
            },
        }
    }

    fn value<'s, 'r>(&mut self, value: &ValueRef<'s>, missing: &mut Missing) -> Cow<'r, AttributeValue>
    where
        'a: 'r,
        's: 'r,
    {
        let key = value.0;
        match self.values.and_then(|v| v.lookup(key)) {
            Some((stored, v)) => {
                self.used_values.insert(stored);
                Cow::Borrowed(v)
            }
            None => {
                let msg = format!(
                    "An expression attribute value used in expression is not defined; attribute value: {key}"
                );
                missing.value.get_or_insert_with(|| msg.clone());
                missing.first.get_or_insert(msg);
                Cow::Borrowed(&NULL)
            }
        }
    }

    fn path<'s, 'r>(&mut self, path: &DocPath<NameRef<'s>>, missing: &mut Missing) -> ResolvedPath<'r>
    where
        'a: 'r,
        's: 'r,
    {
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

    fn operand<'s, 'r>(&mut self, op: &Operand<Parsed<'s>>, missing: &mut Missing) -> Operand<Resolved<'r>>
    where
        'a: 'r,
        's: 'r,
    {
        match op {
            Operand::Path(p) => Operand::Path(self.path(p, missing)),
            Operand::Value(v) => Operand::Value(self.value(v, missing)),
            Operand::Call(call) => Operand::Call(self.call(call, missing)),
        }
    }

    fn call<'s, 'r>(&mut self, call: &FunctionCall<Parsed<'s>>, missing: &mut Missing) -> FunctionCall<Resolved<'r>>
    where
        'a: 'r,
        's: 'r,
    {
        FunctionCall {
            func: call.func,
            args: call.args.iter().map(|a| self.operand(a, missing)).collect(),
        }
    }

    fn condition<'s, 'r>(&mut self, cond: &Condition<Parsed<'s>>, missing: &mut Missing) -> Condition<Resolved<'r>>
    where
        'a: 'r,
        's: 'r,
    {
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

    fn action<'s, 'r>(&mut self, action: &UpdateAction<Parsed<'s>>, missing: &mut Missing) -> UpdateAction<Resolved<'r>>
    where
        'a: 'r,
        's: 'r,
    {
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
