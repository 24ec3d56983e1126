//! Phase 3 for updates: apply a resolved UpdateExpression to an item.
//!
//! Order of work, as DynamoDB behaves:
//! 1. No action may touch a key attribute (`Cannot update attribute pk.
//!    This attribute is part of the key`).
//! 2. Every `SET` value is computed from the item *before* the update
//!    (`SET a = :v, b = a` copies the old `a`; `REMOVE a SET b = a` works).
//! 3. Writes: `SET`, `ADD` and `DELETE` address list elements by their
//!    original index; `SET` on an index past the end appends, in index order;
//!    `REMOVE` runs last, highest index first, so earlier indexes stay valid.
//!
//! Runtime errors use DynamoDB's messages: a missing operand is "The
//! provided expression refers to an attribute that does not exist in the
//! item", a wrong type is "An operand in the update expression has an
//! incorrect data type", and a path through a missing or non-container
//! parent is "The document path provided in the update expression is invalid
//! for update" (ignored for `REMOVE` when the item did not exist).

use super::ast::{DocPath, Func, Operand, PathElem, Resolved, SetValue, UpdateAction, UpdateExpr};
use super::eval::get_path;
use super::ExprError;
use crate::value::{AttributeValue, Item};

const MISSING: &str = "The provided expression refers to an attribute that does not exist in the item";
const WRONG_TYPE: &str = "An operand in the update expression has an incorrect data type";
const BAD_PATH: &str = "The document path provided in the update expression is invalid for update";

/// What the caller knows about the item being updated.
#[derive(Debug, Clone, Copy)]
pub struct UpdateContext<'a> {
    /// The table's key attribute names; no action may write them.
    pub key_attributes: &'a [&'a str],
    /// False when the update creates the item.
    pub item_existed: bool,
}

/// Rejects an update that touches a key attribute.
pub fn check_key_attributes(update: &UpdateExpr<Resolved>, keys: &[&str]) -> Result<(), ExprError> {
    for action in &update.actions {
        let head = &action.path().head;
        if keys.contains(&head.as_str()) {
            return Err(ExprError::plain(format!(
                "One or more parameter values were invalid: Cannot update attribute {head}. This attribute is part of the key"
            )));
        }
    }
    Ok(())
}

fn value_of(item: &Item, op: &Operand<Resolved>) -> Result<AttributeValue, ExprError> {
    match op {
        Operand::Path(p) => get_path(item, p).cloned().ok_or_else(|| ExprError::plain(MISSING)),
        Operand::Value(v) => Ok(v.clone()),
        Operand::Call(call) => {
            let arg = |i: usize| call.args.get(i).ok_or_else(|| ExprError::plain(WRONG_TYPE));
            match call.func {
                Func::IfNotExists => match arg(0)? {
                    Operand::Path(p) => match get_path(item, p) {
                        Some(v) => Ok(v.clone()),
                        None => value_of(item, arg(1)?),
                    },
                    _ => Err(ExprError::plain(WRONG_TYPE)),
                },
                Func::ListAppend => {
                    let a = value_of(item, arg(0)?)?;
                    let b = value_of(item, arg(1)?)?;
                    match (a, b) {
                        (AttributeValue::L(mut a), AttributeValue::L(b)) => {
                            a.extend(b);
                            Ok(AttributeValue::L(a))
                        }
                        _ => Err(ExprError::plain(WRONG_TYPE)),
                    }
                }
                _ => Err(ExprError::plain(WRONG_TYPE)),
            }
        }
    }
}

fn arithmetic(item: &Item, a: &Operand<Resolved>, b: &Operand<Resolved>, plus: bool) -> Result<AttributeValue, ExprError> {
    match (value_of(item, a)?, value_of(item, b)?) {
        (AttributeValue::N(x), AttributeValue::N(y)) => {
            let r = if plus { x.checked_add(y) } else { x.checked_sub(y) };
            r.map(AttributeValue::N).map_err(|e| ExprError::plain(e.to_string()))
        }
        _ => Err(ExprError::plain(WRONG_TYPE)),
    }
}

fn set_value(item: &Item, value: &SetValue<Resolved>) -> Result<AttributeValue, ExprError> {
    match value {
        SetValue::Operand(o) => value_of(item, o),
        SetValue::Plus(a, b) => arithmetic(item, a, b, true),
        SetValue::Minus(a, b) => arithmetic(item, a, b, false),
    }
}

/// The container that holds the last step of `path`, and that last step.
fn parent_mut<'a>(item: &'a mut Item, path: &'a DocPath<String>) -> Option<(&'a mut AttributeValue, &'a PathElem<String>)> {
    let (last, middle) = path.rest.split_last()?;
    let mut current = item.get_mut(&path.head)?;
    for elem in middle {
        current = match (elem, current) {
            (PathElem::Name(n), AttributeValue::M(m)) => m.get_mut(n)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get_mut(usize::try_from(*i).ok()?)?,
            _ => return None,
        };
    }
    Some((current, last))
}

/// Where a write lands.
enum Slot<'a> {
    Top(&'a mut Item, &'a str),
    Key(&'a mut std::collections::BTreeMap<String, AttributeValue>, &'a str),
    Index(&'a mut Vec<AttributeValue>, usize),
}

impl Slot<'_> {
    fn get(&mut self) -> Option<&mut AttributeValue> {
        match self {
            Slot::Top(item, k) => item.get_mut(*k),
            Slot::Key(m, k) => m.get_mut(*k),
            Slot::Index(l, i) => l.get_mut(*i),
        }
    }

    /// Writes; an index past the end appends.
    fn put(self, value: AttributeValue) {
        match self {
            Slot::Top(item, k) => {
                item.insert(k.to_string(), value);
            }
            Slot::Key(m, k) => {
                m.insert(k.to_string(), value);
            }
            Slot::Index(l, i) => match l.get_mut(i) {
                Some(e) => *e = value,
                None => l.push(value),
            },
        }
    }

    fn remove(self) {
        match self {
            Slot::Top(item, k) => {
                item.remove(k);
            }
            Slot::Key(m, k) => {
                m.remove(k);
            }
            Slot::Index(l, i) => {
                if i < l.len() {
                    l.remove(i);
                }
            }
        }
    }
}

fn slot<'a>(item: &'a mut Item, path: &'a DocPath<String>) -> Option<Slot<'a>> {
    if path.rest.is_empty() {
        return Some(Slot::Top(item, &path.head));
    }
    match parent_mut(item, path)? {
        (AttributeValue::M(m), PathElem::Name(k)) => Some(Slot::Key(m, k)),
        (AttributeValue::L(l), PathElem::Index(i)) => Some(Slot::Index(l, usize::try_from(*i).ok()?)),
        _ => None,
    }
}

fn add(existing: Option<&mut AttributeValue>, value: &AttributeValue) -> Result<Option<AttributeValue>, ExprError> {
    use AttributeValue::*;
    let Some(existing) = existing else {
        return Ok(Some(value.clone()));
    };
    match (existing, value) {
        (N(x), N(y)) => {
            let sum = (*x).checked_add(*y).map_err(|e| ExprError::plain(e.to_string()))?;
            Ok(Some(N(sum)))
        }
        (Ss(x), Ss(y)) => Ok(Some(Ss(union(x, y)))),
        (Ns(x), Ns(y)) => Ok(Some(Ns(union(x, y)))),
        (Bs(x), Bs(y)) => Ok(Some(Bs(union(x, y)))),
        _ => Err(ExprError::plain(WRONG_TYPE)),
    }
}

fn union<T: Clone + PartialEq>(x: &[T], y: &[T]) -> Vec<T> {
    let mut out = x.to_vec();
    for e in y {
        if !out.contains(e) {
            out.push(e.clone());
        }
    }
    out
}

fn difference<T: PartialEq + Clone>(x: &[T], y: &[T]) -> Vec<T> {
    x.iter().filter(|e| !y.contains(e)).cloned().collect()
}

/// `Ok(None)`: the set became empty and the attribute goes away.
fn delete(existing: &AttributeValue, value: &AttributeValue) -> Result<Option<AttributeValue>, ExprError> {
    use AttributeValue::*;
    let out = match (existing, value) {
        (Ss(x), Ss(y)) => Ss(difference(x, y)),
        (Ns(x), Ns(y)) => Ns(difference(x, y)),
        (Bs(x), Bs(y)) => Bs(difference(x, y)),
        _ => return Err(ExprError::plain(WRONG_TYPE)),
    };
    let empty = matches!(&out, Ss(v) if v.is_empty())
        || matches!(&out, Ns(v) if v.is_empty())
        || matches!(&out, Bs(v) if v.is_empty());
    Ok((!empty).then_some(out))
}

fn last_index(path: &DocPath<String>) -> Option<u32> {
    match path.rest.last() {
        Some(PathElem::Index(i)) => Some(*i),
        _ => None,
    }
}

/// Applies `update` to `item` in place. On error the item may be partly
/// updated; callers apply to a copy and keep it only on success.
pub fn apply_update(update: &UpdateExpr<Resolved>, item: &mut Item, ctx: &UpdateContext<'_>) -> Result<(), ExprError> {
    check_key_attributes(update, ctx.key_attributes)?;
    // 1. Read everything first.
    let mut sets: Vec<(&DocPath<String>, AttributeValue)> = Vec::new();
    for action in &update.actions {
        if let UpdateAction::Set(a) = action {
            sets.push((&a.path, set_value(item, &a.value)?));
        }
    }
    // 2. SET, by ascending final index so appends land in index order.
    sets.sort_by_key(|(p, _)| last_index(p));
    for (path, value) in sets {
        slot(item, path).ok_or_else(|| ExprError::plain(BAD_PATH))?.put(value);
    }
    // 3. ADD and DELETE.
    for action in &update.actions {
        match action {
            UpdateAction::Add(a) => {
                let mut s = slot(item, &a.path).ok_or_else(|| ExprError::plain(BAD_PATH))?;
                if let Some(v) = add(s.get(), &a.value)? {
                    s.put(v);
                }
            }
            UpdateAction::Delete(a) => {
                let Some(mut s) = slot(item, &a.path) else {
                    if ctx.item_existed {
                        return Err(ExprError::plain(BAD_PATH));
                    }
                    continue;
                };
                let Some(existing) = s.get() else { continue };
                match delete(existing, &a.value)? {
                    Some(v) => *existing = v,
                    None => s.remove(),
                }
            }
            _ => {}
        }
    }
    // 4. REMOVE, highest index first.
    let mut removes: Vec<&DocPath<String>> = update
        .actions
        .iter()
        .filter_map(|a| match a {
            UpdateAction::Remove(p) => Some(p),
            _ => None,
        })
        .collect();
    removes.sort_by_key(|p| std::cmp::Reverse(last_index(p)));
    for path in removes {
        match slot(item, path) {
            Some(s) => s.remove(),
            None if ctx.item_existed => return Err(ExprError::plain(BAD_PATH)),
            None => {}
        }
    }
    Ok(())
}
