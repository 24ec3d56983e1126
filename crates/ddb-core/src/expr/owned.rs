//! Detaching resolved trees from the request they borrow from.
//!
//! Resolution copies nothing: a [`Resolved<'a>`] tree borrows names and
//! values from the request's `ExpressionAttributeNames`/`Values`. A caller
//! that must keep a tree beyond the request (the tenant writer runs its
//! decision functions on another task) calls `into_owned()` to get a
//! `Resolved<'static>` tree holding its own copies.

use std::borrow::Cow;

use super::ast::{
    Condition, DocPath, FunctionCall, Operand, PathElem, Projection, Resolved, SetAction, SetValue, UpdateAction,
    UpdateExpr, ValueAction,
};

fn name(n: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(n.into_owned())
}

fn path(p: DocPath<Cow<'_, str>>) -> DocPath<Cow<'static, str>> {
    DocPath {
        head: name(p.head),
        rest: p
            .rest
            .into_iter()
            .map(|e| match e {
                PathElem::Name(n) => PathElem::Name(name(n)),
                PathElem::Index(i) => PathElem::Index(i),
            })
            .collect(),
    }
}

fn operand(o: Operand<Resolved<'_>>) -> Operand<Resolved<'static>> {
    match o {
        Operand::Path(p) => Operand::Path(path(p)),
        Operand::Value(v) => Operand::Value(Cow::Owned(v.into_owned())),
        Operand::Call(c) => Operand::Call(call(c)),
    }
}

fn call(c: FunctionCall<Resolved<'_>>) -> FunctionCall<Resolved<'static>> {
    FunctionCall {
        func: c.func,
        args: c.args.into_iter().map(operand).collect(),
    }
}

impl Condition<Resolved<'_>> {
    /// The same condition, owning its names and values.
    pub fn into_owned(self) -> Condition<Resolved<'static>> {
        match self {
            Condition::Compare { op, left, right } => Condition::Compare {
                op,
                left: operand(left),
                right: operand(right),
            },
            Condition::Between { value, low, high } => Condition::Between {
                value: operand(value),
                low: operand(low),
                high: operand(high),
            },
            Condition::In { value, list } => Condition::In {
                value: operand(value),
                list: list.into_iter().map(operand).collect(),
            },
            Condition::Call(c) => Condition::Call(call(c)),
            Condition::Not(c) => Condition::Not(Box::new(c.into_owned())),
            Condition::And(cs) => Condition::And(cs.into_iter().map(Condition::into_owned).collect()),
            Condition::Or(cs) => Condition::Or(cs.into_iter().map(Condition::into_owned).collect()),
        }
    }
}

impl UpdateExpr<Resolved<'_>> {
    /// The same update, owning its names and values.
    pub fn into_owned(self) -> UpdateExpr<Resolved<'static>> {
        let value = |a: ValueAction<Resolved<'_>>| ValueAction {
            path: path(a.path),
            value: Cow::Owned(a.value.into_owned()),
        };
        UpdateExpr {
            actions: self
                .actions
                .into_iter()
                .map(|a| match a {
                    UpdateAction::Set(s) => UpdateAction::Set(SetAction {
                        path: path(s.path),
                        value: match s.value {
                            SetValue::Operand(o) => SetValue::Operand(operand(o)),
                            SetValue::Plus(a, b) => SetValue::Plus(operand(a), operand(b)),
                            SetValue::Minus(a, b) => SetValue::Minus(operand(a), operand(b)),
                        },
                    }),
                    UpdateAction::Remove(p) => UpdateAction::Remove(path(p)),
                    UpdateAction::Add(a) => UpdateAction::Add(value(a)),
                    UpdateAction::Delete(a) => UpdateAction::Delete(value(a)),
                })
                .collect(),
        }
    }
}

impl Projection<Resolved<'_>> {
    /// The same projection, owning its names.
    pub fn into_owned(self) -> Projection<Resolved<'static>> {
        Projection {
            paths: self.paths.into_iter().map(path).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::resolve::Resolver;
    use super::super::{parse_condition, parse_projection, parse_update, ExprKind};
    use crate::value::json::item_from_json;
    use serde_json::json;

    #[test]
    fn owned_trees_equal_borrowed_ones() {
        let names = json!({"#a": "alpha", "#b": "beta"});
        let values = item_from_json(&json!({":v": {"N": "1"}, ":s": {"SS": ["x"]}})).unwrap();
        let names: std::collections::HashMap<String, String> = serde_json::from_value(names).unwrap();
        let mut r = Resolver::new(Some(&names), Some(&values)).unwrap();
        let cond = r
            .resolve_condition(
                ExprKind::Condition,
                &parse_condition(ExprKind::Condition, "#a.#b[1] > :v AND size(#a) IN (:v, :v)").unwrap(),
            )
            .unwrap();
        let upd = r.resolve_update(&parse_update("SET #b = #b + :v REMOVE #a ADD gamma :s").unwrap()).unwrap();
        let proj = r.resolve_projection(&parse_projection("#a, #b[0].c").unwrap()).unwrap();
        r.finish().unwrap();
        assert_eq!(format!("{:?}", cond.clone().into_owned()), format!("{cond:?}"));
        assert_eq!(format!("{:?}", upd.clone().into_owned()), format!("{upd:?}"));
        assert_eq!(format!("{:?}", proj.clone().into_owned()), format!("{proj:?}"));
    }
}
