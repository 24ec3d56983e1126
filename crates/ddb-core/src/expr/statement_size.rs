//! What a standalone UpdateItem charges against the 400 KB item limit
//! besides the finished item: DynamoDB (in most regions) also measures the
//! statement — what each clause writes, plus a fixed cost per clause — and
//! refuses the update when that passes 409,600 bytes, so the key and the
//! attributes an update leaves alone do not count, and at a short key the
//! ceiling sits below 400 KB. Transactions and PartiQL measure the finished
//! item only.
//!
//! The figures (paritysuite `limits/itemSizeBySurface.test.ts`, bisected
//! against DynamoDB in eu-west-2 in 2026; 22 of 33 regions apply the rule):
//! 3 for the update; a SET or ADD clause 19 plus its target plus what it
//! writes; REMOVE and DELETE 1 plus the target. A target costs its first
//! name plus 4 and the element for each later element. As an operand a
//! path costs 1 plus 14 and the element per element, a value its size at
//! every use, `a + b` 34 and `a - b` 37 plus both operands,
//! `if_not_exists` 39 and `list_append` 37 plus their operands. ADD of a
//! set is charged only the members it adds.

use std::borrow::Cow;

use super::ast::{DocPath, Func, Operand, PathElem, Resolved, SetValue, UpdateAction, UpdateExpr};
use super::eval::get_path;
use crate::size::{number_size, value_size};
use crate::value::{AttributeValue, Item};

const UPDATE: usize = 3;
const SET_OR_ADD: usize = 19;
const REMOVE_OR_DELETE: usize = 1;
const PLUS: usize = 34;
const MINUS: usize = 37;
const IF_NOT_EXISTS: usize = 39;
const LIST_APPEND: usize = 37;

/// The statement size of `update` applied to `current` (the stored item,
/// which only decides which members an ADD adds).
pub fn statement_size(update: &UpdateExpr<Resolved<'_>>, current: Option<&Item>) -> usize {
    UPDATE
        + update
            .actions
            .iter()
            .map(|action| match action {
                UpdateAction::Set(s) => SET_OR_ADD + target(&s.path) + set_value(&s.value),
                UpdateAction::Remove(path) => REMOVE_OR_DELETE + target(path),
                UpdateAction::Delete(v) => REMOVE_OR_DELETE + target(&v.path),
                UpdateAction::Add(v) => {
                    let existing = current.and_then(|item| get_path(item, &v.path));
                    SET_OR_ADD + target(&v.path) + added(existing, &v.value)
                }
            })
            .sum::<usize>()
}

fn element(e: &PathElem<Cow<'_, str>>) -> usize {
    match e {
        PathElem::Name(n) => n.len(),
        PathElem::Index(i) => i.to_string().len(),
    }
}

fn target(path: &DocPath<Cow<'_, str>>) -> usize {
    path.head.len() + path.rest.iter().map(|e| 4 + element(e)).sum::<usize>()
}

fn operand(o: &Operand<Resolved<'_>>) -> usize {
    match o {
        Operand::Path(p) => 1 + 14 + p.head.len() + p.rest.iter().map(|e| 14 + element(e)).sum::<usize>(),
        Operand::Value(v) => value_size(v),
        Operand::Call(call) => {
            let own = match call.func {
                Func::IfNotExists => IF_NOT_EXISTS,
                Func::ListAppend => LIST_APPEND,
                _ => 0,
            };
            own + call.args.iter().map(operand).sum::<usize>()
        }
    }
}

fn set_value(v: &SetValue<Resolved<'_>>) -> usize {
    match v {
        SetValue::Operand(o) => operand(o),
        SetValue::Plus(a, b) => PLUS + operand(a) + operand(b),
        SetValue::Minus(a, b) => MINUS + operand(a) + operand(b),
    }
}

/// What an ADD writes: a number whole, a set only its new members.
fn added(existing: Option<&AttributeValue>, value: &AttributeValue) -> usize {
    match (existing, value) {
        (Some(AttributeValue::Ss(old)), AttributeValue::Ss(new)) => new.iter().filter(|m| !old.contains(m)).map(String::len).sum(),
        (Some(AttributeValue::Ns(old)), AttributeValue::Ns(new)) => new.iter().filter(|m| !old.contains(m)).map(number_size).sum(),
        (Some(AttributeValue::Bs(old)), AttributeValue::Bs(new)) => new.iter().filter(|m| !old.contains(m)).map(Vec::len).sum(),
        _ => value_size(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::resolve::{Resolver, ValueSource};
    use crate::expr::parse_update;
    use std::collections::HashMap;

    fn size(src: &str, values: &[(&str, AttributeValue)], current: Option<&Item>) -> usize {
        let values: HashMap<String, AttributeValue> = values.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        let source: Option<&dyn ValueSource> = (!values.is_empty()).then_some(&values as _);
        let mut r = Resolver::new(None, source).unwrap();
        let u = r.resolve_update(&parse_update(src).unwrap()).unwrap();
        statement_size(&u, current)
    }

    fn s(n: usize) -> AttributeValue {
        AttributeValue::S("x".repeat(n))
    }

    #[test]
    fn clauses_cost_as_dynamodb_charges_them() {
        // 3 + 19 + target b + the value.
        assert_eq!(size("SET b = :v", &[(":v", s(100))], None), 3 + 19 + 1 + 100);
        // A second SET costs 19 plus its own writes; REMOVE r costs 2.
        assert_eq!(size("SET b = :v, c = :w", &[(":v", s(100)), (":w", s(0))], None), 3 + 19 + 1 + 100 + 19 + 1);
        assert_eq!(size("SET b = :v REMOVE r", &[(":v", s(100))], None), 3 + 19 + 1 + 100 + 2);
        // A path operand: 1 + (14 + element) per element; nested targets
        // 4 + element per later element.
        assert_eq!(size("SET c = m.z", &[], None), 3 + 19 + 1 + (1 + 15 + 15));
        assert_eq!(size("SET l[10] = :v", &[(":v", s(1))], None), 3 + 19 + (1 + 4 + 2) + 1);
        assert_eq!(
            size("SET c = if_not_exists(c, :v)", &[(":v", s(5))], None),
            3 + 19 + 1 + (39 + 16 + 5)
        );
        assert_eq!(size("SET n = n + :one", &[(":one", AttributeValue::N(crate::value::Number::parse("1").unwrap()))], None), 3 + 19 + 1 + 34 + 16 + 2);
        assert_eq!(size("SET l = list_append(l, :v)", &[(":v", AttributeValue::L(vec![s(1)]))], None), 3 + 19 + 1 + 37 + 16 + (3 + 2));
        // ADD of a set is charged the members it adds.
        let mut item = Item::new();
        item.insert("tags".into(), AttributeValue::Ss(vec!["aa".into()]));
        let add = [(":v", AttributeValue::Ss(vec!["aa".into(), "bbb".into()]))];
        assert_eq!(size("ADD tags :v", &add, Some(&item)), 3 + 19 + 4 + 3);
        assert_eq!(size("ADD tags :v", &add, None), 3 + 19 + 4 + 5);
        assert_eq!(size("DELETE tags :v", &add, Some(&item)), 3 + 1 + 4);
    }
}
