//! Semantic checks on resolved trees, run by the resolver.
//!
//! Only constants (`:values`) and function results have a type before
//! evaluation, so these checks reject what can never make sense
//! (`begins_with(a, :number)`, `a < :list`, `BETWEEN :high AND :low`,
//! `ADD a :string`); the same mistakes coming from item attributes merely
//! make a condition false at evaluation time, as in DynamoDB.
//!
//! A wrong number of operands is reported first (functions are bound to
//! their arguments before anything is checked); otherwise the first
//! problem in the order the expression is written, as dynalite's tests
//! (recorded against DynamoDB) show: `attribute_type(a, size(a)) and a = a`
//! reports the operand type, not the repeated `a`.

use std::cmp::Ordering;

use super::ast::{
    CompareOp, Condition, ResolvedPath, Func, FunctionCall, Operand, PathElem, Resolved, SetValue,
    UpdateAction, UpdateExpr,
};
use super::values::{compare_scalars, is_scalar, render, update_type_name};
use super::{ExprError, ExprKind, Rule};
use crate::value::AttributeValue;

const ALL_TYPES: &str = "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}";
const VALID_TYPES: &str = "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}";
const TYPE_NAMES: [&str; 10] = ["S", "N", "B", "NULL", "SS", "BOOL", "L", "BS", "NS", "M"];

/// The first wrong operand count, and the first other problem.
#[derive(Default)]
struct Found {
    operand: Option<String>,
    first: Option<String>,
}

impl Found {
    fn set(slot: &mut Option<String>, msg: String) {
        slot.get_or_insert(msg);
    }

    fn into_result(self, kind: ExprKind) -> Result<(), ExprError> {
        match self.operand.or(self.first) {
            Some(m) => Err(ExprError::invalid(kind, m)),
            None => Ok(()),
        }
    }
}

/// The type an operand has before evaluation, if it has one.
/// `if_not_exists(path, value)` has none: it is the attribute's value when
/// the item holds it, so DynamoDB checks what it yields only when the
/// update runs (dynalite's updateItem.js, recorded against DynamoDB:
/// `list_append(b, if_not_exists(a, :s))` with a string `:s` gives way to
/// unused names, where `list_append(:s, a)` is refused before them).
fn static_type(op: &Operand<Resolved<'_>>) -> Option<&'static str> {
    match op {
        Operand::Path(_) => None,
        Operand::Value(v) => Some(v.type_tag()),
        Operand::Call(call) => match call.func {
            Func::Size => Some("N"),
            Func::ListAppend => Some("L"),
            Func::IfNotExists => None,
            _ => Some("BOOL"),
        },
    }
}

fn operand_type_error(func: &str, ty: &str) -> String {
    format!("Incorrect operand type for operator or function; operator or function: {func}, operand type: {ty}")
}

fn check_distinct(name: &str, a: &Operand<Resolved<'_>>, b: &Operand<Resolved<'_>>, found: &mut Found) {
    if let (Operand::Path(p), Operand::Path(q)) = (a, b) {
        if p == q {
            Found::set(
                &mut found.first,
                format!(
                    "The first operand must be distinct from the remaining operands for this operator or function; operator: {name}, first operand: {p}"
                ),
            );
        }
    }
}

/// A two-operand function (but `if_not_exists` and `list_append`) of the
/// right arity needs distinct operands.
fn check_call_distinct(call: &FunctionCall<Resolved<'_>>, found: &mut Found) {
    if let [a, b] = call.args.as_slice() {
        if call.func != Func::IfNotExists && call.func != Func::ListAppend && call.args.len() == call.func.arity() {
            check_distinct(call.func.name(), a, b, found);
        }
    }
}

fn check_call(call: &FunctionCall<Resolved<'_>>, found: &mut Found) {
    let name = call.func.name();
    for arg in &call.args {
        check_operand(arg, found);
    }
    if call.args.len() != call.func.arity() {
        Found::set(
            &mut found.operand,
            format!(
                "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}",
                call.args.len()
            ),
        );
        return;
    }
    check_call_distinct(call, found);
    let first = call.args.first();
    match call.func {
        Func::AttributeExists | Func::AttributeNotExists | Func::IfNotExists => {
            if !matches!(first, Some(Operand::Path(_))) {
                Found::set(
                    &mut found.first,
                    format!("Operator or function requires a document path; operator or function: {name}"),
                );
            }
        }
        Func::BeginsWith => {
            for ty in call.args.iter().filter_map(static_type) {
                if ty != "S" && ty != "B" {
                    Found::set(&mut found.first, operand_type_error(name, ty));
                }
            }
        }
        Func::AttributeType => {
            let arg = call.args.get(1);
            let constant = match arg {
                Some(Operand::Value(v)) => Some(&**v),
                _ => None,
            };
            match (arg.and_then(static_type), constant) {
                (Some("S"), Some(AttributeValue::S(t))) => {
                    if !TYPE_NAMES.contains(&t.as_str()) {
                        Found::set(
                            &mut found.first,
                            format!("Invalid attribute type name found; type: {t}, valid types: {VALID_TYPES}"),
                        );
                    }
                }
                (ty, _) => Found::set(&mut found.first, operand_type_error(name, ty.unwrap_or(ALL_TYPES))),
            }
        }
        Func::Size => {
            if let Some(ty @ ("N" | "BOOL" | "NULL")) = first.and_then(static_type) {
                Found::set(&mut found.first, operand_type_error(name, ty));
            }
        }
        Func::ListAppend => {
            for ty in call.args.iter().filter_map(static_type) {
                if ty != "L" {
                    Found::set(&mut found.first, operand_type_error(name, ty));
                }
            }
        }
        Func::Contains => {}
    }
}

fn check_operand(op: &Operand<Resolved<'_>>, found: &mut Found) {
    if let Operand::Call(call) = op {
        check_call(call, found);
    }
}

/// Constants used by an ordering operator must be `S`, `N` or `B`.
fn check_orderable(name: &str, op: &Operand<Resolved<'_>>, found: &mut Found) {
    if let Some(ty) = static_type(op) {
        if !matches!(ty, "S" | "N" | "B") {
            Found::set(&mut found.first, operand_type_error(name, ty));
        }
    }
}

fn check_between(low: &Operand<Resolved<'_>>, high: &Operand<Resolved<'_>>, found: &mut Found) {
    let (Operand::Value(lo), Operand::Value(hi)) = (low, high) else {
        return;
    };
    if !is_scalar(lo) || !is_scalar(hi) {
        return;
    }
    // The message is built only when there is something to report.
    let detail = || {
        format!(
            "lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
            render(lo),
            render(hi)
        )
    };
    match compare_scalars(lo, hi) {
        None => Found::set(
            &mut found.first,
            format!("The BETWEEN operator requires same data type for lower and upper bounds; {}", detail()),
        ),
        Some(Ordering::Greater) => Found::set(
            &mut found.first,
            format!(
                "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; {}",
                detail()
            ),
        ),
        Some(_) => {}
    }
}

fn walk(cond: &Condition<Resolved<'_>>, found: &mut Found) {
    match cond {
        Condition::Compare { op, left, right } => {
            check_operand(left, found);
            check_operand(right, found);
            check_distinct(op.symbol(), left, right, found);
            if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                check_orderable(op.symbol(), left, found);
                check_orderable(op.symbol(), right, found);
            }
        }
        Condition::Between { value, low, high } => {
            for op in [value, low, high] {
                check_operand(op, found);
                check_orderable("BETWEEN", op, found);
            }
            check_between(low, high, found);
        }
        Condition::In { value, list } => {
            check_operand(value, found);
            list.iter().for_each(|o| check_operand(o, found));
        }
        Condition::Call(call) => check_call(call, found),
        Condition::Not(c) => walk(c, found),
        Condition::And(cs) | Condition::Or(cs) => cs.iter().for_each(|c| walk(c, found)),
    }
}

/// Checks a resolved condition.
pub fn condition(kind: ExprKind, cond: &Condition<Resolved<'_>>) -> Result<(), ExprError> {
    let mut found = Found::default();
    walk(cond, &mut found);
    found.into_result(kind)
}

/// Only the identical-operands check of [`condition`], in written order:
/// DynamoDB reports `a = a` ahead of an undefined `:value` later in the
/// expression (dynalite's scan.js, recorded against DynamoDB:
/// `a = a AND #a = b AND :views > a`).
pub fn distinct_operands(kind: ExprKind, cond: &Condition<Resolved<'_>>) -> Result<(), ExprError> {
    fn call(c: &FunctionCall<Resolved<'_>>, found: &mut Found) {
        c.args.iter().for_each(|a| operand(a, found));
        check_call_distinct(c, found);
    }
    fn operand(op: &Operand<Resolved<'_>>, found: &mut Found) {
        if let Operand::Call(c) = op {
            call(c, found);
        }
    }
    fn walk(cond: &Condition<Resolved<'_>>, found: &mut Found) {
        match cond {
            Condition::Compare { op, left, right } => {
                operand(left, found);
                operand(right, found);
                check_distinct(op.symbol(), left, right, found);
            }
            Condition::Between { value, low, high } => [value, low, high].into_iter().for_each(|o| operand(o, found)),
            Condition::In { value, list } => std::iter::once(value).chain(list).for_each(|o| operand(o, found)),
            Condition::Call(c) => call(c, found),
            Condition::Not(c) => walk(c, found),
            Condition::And(parts) | Condition::Or(parts) => parts.iter().for_each(|c| walk(c, found)),
        }
    }
    let mut found = Found::default();
    walk(cond, &mut found);
    found.into_result(kind)
}

/// Rejects two paths where one is a prefix of the other (overlap) or where
/// the same position is a map key in one and a list index in the other
/// (conflict).
///
/// `path_of` picks the written path out of each item (allocation-free: the
/// items are compared in place, each with those before it).
pub fn overlaps<'n, T>(
    kind: ExprKind,
    items: &[T],
    path_of: impl Fn(&T) -> &ResolvedPath<'n>,
) -> Result<(), ExprError> {
    let mut conflict: Option<String> = None;
    for (i, item) in items.iter().enumerate() {
        let path = path_of(item);
        for earlier in items.iter().take(i).map(&path_of) {
            match relation(earlier, path) {
                Relation::Overlap => {
                    let e = ExprError::invalid(
                        kind,
                        format_args!(
                            "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {earlier}, path two: {path}"
                        ),
                    );
                    // In an UpdateExpression, overlapping paths break its shape.
                    return Err(if kind == ExprKind::Update { e.breaking(Rule::UpdateShape) } else { e });
                }
                Relation::Conflict => {
                    conflict.get_or_insert_with(|| format!(
                        "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {earlier}, path two: {path}"
                    ));
                }
                Relation::Disjoint => {}
            }
        }
    }
    match conflict {
        Some(m) => Err(ExprError::invalid(kind, m)),
        None => Ok(()),
    }
}

enum Relation {
    Disjoint,
    Overlap,
    Conflict,
}

fn relation(a: &ResolvedPath<'_>, b: &ResolvedPath<'_>) -> Relation {
    if a.head != b.head {
        return Relation::Disjoint;
    }
    for (x, y) in a.rest.iter().zip(&b.rest) {
        match (x, y) {
            (PathElem::Name(p), PathElem::Name(q)) if p != q => return Relation::Disjoint,
            (PathElem::Index(p), PathElem::Index(q)) if p != q => return Relation::Disjoint,
            (PathElem::Name(_), PathElem::Index(_)) | (PathElem::Index(_), PathElem::Name(_)) => {
                return Relation::Conflict
            }
            _ => {}
        }
    }
    Relation::Overlap
}

fn check_set_value(value: &SetValue<Resolved<'_>>, found: &mut Found) {
    match value {
        SetValue::Operand(o) => check_operand(o, found),
        SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
            let name = if matches!(value, SetValue::Plus(..)) { "+" } else { "-" };
            for op in [a, b] {
                check_operand(op, found);
                if let Some(ty) = static_type(op) {
                    if ty != "N" {
                        Found::set(&mut found.first, operand_type_error(name, ty));
                    }
                }
            }
        }
    }
}

/// Checks a resolved update: paths, `ADD`/`DELETE` operands, functions.
pub fn update(update: &UpdateExpr<Resolved<'_>>) -> Result<(), ExprError> {
    let kind = ExprKind::Update;
    overlaps(kind, &update.actions, UpdateAction::path)?;
    let mut found = Found::default();
    let mut operand: Option<String> = None;
    for action in &update.actions {
        match action {
            UpdateAction::Set(a) => check_set_value(&a.value, &mut found),
            UpdateAction::Remove(_) => {}
            UpdateAction::Add(a) | UpdateAction::Delete(a) => {
                let is_add = matches!(action, UpdateAction::Add(_));
                let ok = match &*a.value {
                    AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_) => true,
                    AttributeValue::N(_) => is_add,
                    _ => false,
                };
                if !ok {
                    // Named with the type set the operand is outside of, as
                    // DynamoDB (and DynamoDB Local's validator) word it.
                    operand.get_or_insert_with(|| {
                        let (op, set) = if is_add { ("ADD", "ALLOWED_FOR_ADD_OPERAND") } else { ("DELETE", "ALLOWED_FOR_DELETE_OPERAND") };
                        format!(
                            "Incorrect operand type for operator or function; operator: {op}, operand type: {}, typeSet: {set}",
                            update_type_name(&a.value)
                        )
                    });
                }
            }
        }
    }
    if let Some(m) = operand {
        return Err(ExprError::invalid(kind, m));
    }
    found.into_result(kind)
}
