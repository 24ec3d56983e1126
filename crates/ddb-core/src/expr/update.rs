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

use std::borrow::Cow;

use super::ast::{Func, Name, Operand, PathElem, Resolved, ResolvedPath, SetValue, UpdateAction, UpdateExpr};
use super::eval::get_path;
use super::ExprError;
use crate::value::{AttributeValue, Item};

const MISSING: &str = "The provided expression refers to an attribute that does not exist in the item";
pub(crate) const WRONG_TYPE: &str = "An operand in the update expression has an incorrect data type";
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
pub fn check_key_attributes(update: &UpdateExpr<Resolved<'_>>, keys: &[&str]) -> Result<(), ExprError> {
    for action in &update.actions {
        let head = &action.path().head;
        if keys.contains(&head.as_ref()) {
            return Err(ExprError::plain(format!(
                "One or more parameter values were invalid: Cannot update attribute {head}. This attribute is part of the key"
            )));
        }
    }
    Ok(())
}

/// The type (`S`, `N`, `L`, ...) of the value an action writes, when the
/// expression alone tells it: a constant, arithmetic (`N`), `list_append`
/// (`L`), ADD's or DELETE's operand. `None` for REMOVE and for values read
/// from the item. DynamoDB checks index key types against these before it
/// reads the item.
pub fn static_type(action: &UpdateAction<Resolved<'_>>) -> Option<&'static str> {
    match action {
        UpdateAction::Set(set) => match &set.value {
            SetValue::Plus(..) | SetValue::Minus(..) => Some("N"),
            SetValue::Operand(Operand::Value(v)) => Some(v.type_tag()),
            SetValue::Operand(Operand::Call(call)) if call.func == Func::ListAppend => Some("L"),
            SetValue::Operand(_) => None,
        },
        UpdateAction::Add(a) | UpdateAction::Delete(a) => Some(a.value.type_tag()),
        UpdateAction::Remove(_) => None,
    }
}

/// The value of an operand, borrowed from the item or the expression where
/// possible.
fn value_ref<'v>(item: &'v Item, op: &'v Operand<Resolved<'_>>) -> Result<Cow<'v, AttributeValue>, ExprError> {
    match op {
        Operand::Path(p) => get_path(item, p).map(Cow::Borrowed).ok_or_else(|| ExprError::plain(MISSING)),
        Operand::Value(v) => Ok(Cow::Borrowed(&**v)),
        Operand::Call(call) => {
            let arg = |i: usize| call.args.get(i).ok_or_else(|| ExprError::plain(WRONG_TYPE));
            match call.func {
                Func::IfNotExists => match arg(0)? {
                    Operand::Path(p) => match get_path(item, p) {
                        Some(v) => Ok(Cow::Borrowed(v)),
                        None => value_ref(item, arg(1)?),
                    },
                    _ => Err(ExprError::plain(WRONG_TYPE)),
                },
                Func::ListAppend => {
                    let a = value_ref(item, arg(0)?)?;
                    let b = value_ref(item, arg(1)?)?;
                    match (a.into_owned(), &*b) {
                        (AttributeValue::L(mut a), AttributeValue::L(b)) => {
                            a.extend_from_slice(b);
                            Ok(Cow::Owned(AttributeValue::L(a)))
                        }
                        _ => Err(ExprError::plain(WRONG_TYPE)),
                    }
                }
                _ => Err(ExprError::plain(WRONG_TYPE)),
            }
        }
    }
}

fn arithmetic(
    item: &Item,
    a: &Operand<Resolved<'_>>,
    b: &Operand<Resolved<'_>>,
    plus: bool,
) -> Result<AttributeValue, ExprError> {
    match (&*value_ref(item, a)?, &*value_ref(item, b)?) {
        (AttributeValue::N(x), AttributeValue::N(y)) => {
            let r = if plus { x.checked_add(*y) } else { x.checked_sub(*y) };
            r.map(AttributeValue::N).map_err(|e| ExprError::plain(e.to_string()))
        }
        _ => Err(ExprError::plain(WRONG_TYPE)),
    }
}

fn set_value(item: &Item, value: &SetValue<Resolved<'_>>) -> Result<AttributeValue, ExprError> {
    match value {
        SetValue::Operand(o) => value_ref(item, o).map(Cow::into_owned),
        SetValue::Plus(a, b) => arithmetic(item, a, b, true),
        SetValue::Minus(a, b) => arithmetic(item, a, b, false),
    }
}

/// The container that holds the last step of `path`, and that last step.
fn parent_mut<'a, 'n>(
    item: &'a mut Item,
    path: &'a ResolvedPath<'n>,
) -> Option<(&'a mut AttributeValue, &'a PathElem<Name<'n>>)> {
    let (last, middle) = path.rest.split_last()?;
    let mut current = item.get_mut(path.head.as_ref())?;
    for elem in middle {
        current = match (elem, current) {
            (PathElem::Name(n), AttributeValue::M(m)) => m.get_mut(n.as_ref())?,
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

/// Writes `value` under `key`, allocating the key only when it is new.
fn put_key(map: &mut std::collections::BTreeMap<String, AttributeValue>, key: &str, value: AttributeValue) {
    match map.get_mut(key) {
        Some(existing) => *existing = value,
        None => {
            map.insert(key.to_string(), value);
        }
    }
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
            Slot::Top(item, k) => put_key(item, k, value),
            Slot::Key(m, k) => put_key(m, k, value),
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

fn slot<'a>(item: &'a mut Item, path: &'a ResolvedPath<'_>) -> Option<Slot<'a>> {
    if path.rest.is_empty() {
        return Some(Slot::Top(item, &path.head));
    }
    match parent_mut(item, path)? {
        (AttributeValue::M(m), PathElem::Name(k)) => Some(Slot::Key(m, k)),
        (AttributeValue::L(l), PathElem::Index(i)) => Some(Slot::Index(l, usize::try_from(*i).ok()?)),
        _ => None,
    }
}

/// `ADD`: creates the attribute, adds to a number, or unites sets (new
/// members appended in order), in place.
fn add(mut slot: Slot<'_>, value: &AttributeValue) -> Result<(), ExprError> {
    use AttributeValue::*;
    let Some(existing) = slot.get() else {
        slot.put(value.clone());
        return Ok(());
    };
    match (existing, value) {
        (N(x), N(y)) => {
            *x = (*x).checked_add(*y).map_err(|e| ExprError::plain(e.to_string()))?;
        }
        (Ss(x), Ss(y)) => union(x, y),
        (Ns(x), Ns(y)) => union(x, y),
        (Bs(x), Bs(y)) => union(x, y),
        _ => return Err(ExprError::plain(WRONG_TYPE)),
    }
    Ok(())
}

/// `ADD` of a set: the union, kept in DynamoDB's set order.
fn union<T: Clone + Ord>(x: &mut Vec<T>, y: &[T]) {
    for e in y {
        if !x.contains(e) {
            x.push(e.clone());
        }
    }
    x.sort_unstable();
}

/// `DELETE`: removes set members in place; `true` when the set became
/// empty (the attribute then goes away).
fn delete(existing: &mut AttributeValue, value: &AttributeValue) -> Result<bool, ExprError> {
    use AttributeValue::*;
    Ok(match (existing, value) {
        (Ss(x), Ss(y)) => difference(x, y),
        (Ns(x), Ns(y)) => difference(x, y),
        (Bs(x), Bs(y)) => difference(x, y),
        _ => return Err(ExprError::plain(WRONG_TYPE)),
    })
}

fn difference<T: PartialEq>(x: &mut Vec<T>, y: &[T]) -> bool {
    x.retain(|e| !y.contains(e));
    x.is_empty()
}

fn last_index(path: &ResolvedPath<'_>) -> Option<u32> {
    match path.rest.last() {
        Some(PathElem::Index(i)) => Some(*i),
        _ => None,
    }
}

/// Applies `update` to `item` in place. On error the item may be partly
/// updated; callers apply to a copy and keep it only on success.
pub fn apply_update(update: &UpdateExpr<Resolved<'_>>, item: &mut Item, ctx: &UpdateContext<'_>) -> Result<(), ExprError> {
    check_key_attributes(update, ctx.key_attributes)?;
    // 1. Read everything first.
    let mut sets: Vec<(&ResolvedPath<'_>, AttributeValue)> = Vec::new();
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
    // 3. ADD, by ascending final index too (appends past a list's end land
    //    in index order, as DynamoDB lays them out), then DELETE.
    let mut adds: Vec<_> = update
        .actions
        .iter()
        .filter_map(|a| match a {
            UpdateAction::Add(a) => Some(a),
            _ => None,
        })
        .collect();
    adds.sort_by_key(|a| last_index(&a.path));
    for a in adds {
        let s = slot(item, &a.path).ok_or_else(|| ExprError::plain(BAD_PATH))?;
        add(s, &a.value)?;
    }
    for action in &update.actions {
        let UpdateAction::Delete(a) = action else { continue };
        let Some(mut s) = slot(item, &a.path) else {
            if ctx.item_existed {
                return Err(ExprError::plain(BAD_PATH));
            }
            continue;
        };
        let Some(existing) = s.get() else { continue };
        if delete(existing, &a.value)? {
            s.remove();
        }
    }
    // 4. REMOVE, highest index first.
    let mut removes: Vec<&ResolvedPath<'_>> = update
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
