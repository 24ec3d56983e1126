//! DynamoDB refuses a SELECT whose OR branches read overlapping sort-key
//! ranges of one partition: `Overlapping conditions with range keys are
//! not supported in where clause` (`pk = 'a' AND (sk > '0' OR sk < '5')`,
//! `pk = 'a' AND (sk = '1' OR x = '2')`). Only a WHERE clause whose every
//! branch pins the partition is checked (otherwise the read is a scan), a
//! pair is only refused when one of its branches has a sort-key
//! condition, and a branch whose sort-key condition is negated or written
//! with `<>` is left out (paritysuite partiqlGrammar, whereOverlap and
//! whereFunctions, AWS 2026).

use std::cmp::Ordering;

use super::ast::{CmpOp, Expr};
use super::invalid;
use super::translate::Keys;
use crate::expr::ExprError;
use crate::value::{AttributeValue, Number};

/// More branches than this are not checked (the rewrite to OR-of-ANDs
/// grows with the product of the ORs).
const MAX_BRANCHES: usize = 256;

/// One conjunct of a branch.
#[derive(Clone, Copy)]
enum Atom<'e> {
    Expr(&'e Expr),
    /// An element of `key IN [...]`.
    Eq(&'e str, &'e AttributeValue),
}

/// Refuses `filter` when two of its branches overlap; see the module docs.
pub fn check(filter: &Expr, keys: &Keys) -> Result<(), ExprError> {
    let (Some(hash), range) = (keys.hash.first().filter(|_| keys.hash.len() == 1), keys.range.first()) else {
        return Ok(());
    };
    if keys.range.len() > 1 {
        return Ok(());
    }
    let Some(branches) = dnf(filter) else { return Ok(()) };
    if branches.len() < 2 {
        return Ok(());
    }
    let mut read = Vec::with_capacity(branches.len());
    for b in &branches {
        let Some(partition) = b.iter().find_map(|a| equality(*a, hash)) else {
            // A branch that does not pin the partition makes a scan.
            return Ok(());
        };
        let r = match range {
            Some(sk) => sort_range(b, sk),
            None => Some(Range::default()),
        };
        read.push((partition, r));
    }
    for (i, (p1, r1)) in read.iter().enumerate() {
        for (p2, r2) in read.iter().skip(i + 1) {
            if p1 == p2 && r1.as_ref().zip(r2.as_ref()).is_some_and(|(a, b)| a.overlaps(b)) {
                return Err(invalid("Overlapping conditions with range keys are not supported in where clause"));
            }
        }
    }
    Ok(())
}

/// `e` as an OR of ANDs (`None`: too many branches).
fn dnf(e: &Expr) -> Option<Vec<Vec<Atom<'_>>>> {
    let out = match e {
        Expr::Or(l, r) => {
            let mut v = dnf(l)?;
            v.extend(dnf(r)?);
            v
        }
        Expr::And(l, r) => {
            let (a, b) = (dnf(l)?, dnf(r)?);
            if a.len().saturating_mul(b.len()) > MAX_BRANCHES {
                return None;
            }
            let mut v = Vec::with_capacity(a.len() * b.len());
            for x in &a {
                for y in &b {
                    v.push(x.iter().chain(y).copied().collect());
                }
            }
            v
        }
        Expr::In(x, items) => match x.as_ref() {
            Expr::Path(p) if p.is_top() && items.iter().all(|i| matches!(i, Expr::Value(_))) => items
                .iter()
                .filter_map(|i| match i {
                    Expr::Value(v) => Some(vec![Atom::Eq(p.head.as_str(), v)]),
                    _ => None,
                })
                .collect(),
            _ => vec![vec![Atom::Expr(e)]],
        },
        other => vec![vec![Atom::Expr(other)]],
    };
    (out.len() <= MAX_BRANCHES).then_some(out)
}

/// The value `name = value` (or an IN element) pins.
fn equality<'e>(a: Atom<'e>, name: &str) -> Option<&'e AttributeValue> {
    match a {
        Atom::Eq(n, v) => (n == name).then_some(v),
        Atom::Expr(Expr::Compare(CmpOp::Eq, l, r)) => match (l.as_ref(), r.as_ref()) {
            (Expr::Path(p), Expr::Value(v)) | (Expr::Value(v), Expr::Path(p)) if p.is_top() && p.head == name => Some(v),
            _ => None,
        },
        Atom::Expr(_) => None,
    }
}

/// A sort-key value, ordered as DynamoDB orders keys.
#[derive(Clone, PartialEq)]
enum KeyValue {
    Bytes(Vec<u8>),
    Num(Number),
}

impl KeyValue {
    fn of(v: &AttributeValue) -> Option<KeyValue> {
        match v {
            AttributeValue::S(s) => Some(KeyValue::Bytes(s.as_bytes().to_vec())),
            AttributeValue::B(b) => Some(KeyValue::Bytes(b.clone())),
            AttributeValue::N(n) => Some(KeyValue::Num(*n)),
            _ => None,
        }
    }

    fn cmp(&self, other: &KeyValue) -> Option<Ordering> {
        match (self, other) {
            (KeyValue::Bytes(a), KeyValue::Bytes(b)) => Some(a.cmp(b)),
            (KeyValue::Num(a), KeyValue::Num(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// A bound and whether it includes its value.
type Bound = (KeyValue, bool);

/// The sort-key values a branch reads (unbounded ends are `None`), and
/// whether the branch has a sort-key condition at all.
#[derive(Clone, Default)]
struct Range {
    lower: Option<Bound>,
    upper: Option<Bound>,
    keyed: bool,
}

impl Range {
    fn raise(&mut self, b: Bound) {
        self.keyed = true;
        tighten(&mut self.lower, b, Ordering::Greater);
    }

    fn lower_to(&mut self, b: Bound) {
        self.keyed = true;
        tighten(&mut self.upper, b, Ordering::Less);
    }

    /// True when `lo` lies at or below `hi` (both present), i.e. the two
    /// bounds leave room between them.
    fn meets(lo: &Option<Bound>, hi: &Option<Bound>) -> bool {
        match (lo, hi) {
            (Some((l, li)), Some((h, hi_inc))) => match l.cmp(h) {
                Some(Ordering::Less) => true,
                Some(Ordering::Equal) => *li && *hi_inc,
                Some(Ordering::Greater) => false,
                // Values of different types: not comparable, not flagged.
                None => false,
            },
            _ => true,
        }
    }

    /// Two branches overlap when one of them has a sort-key condition and
    /// their ranges share a value (branches on the partition alone, as in
    /// `pk = 'a' AND (f(x) OR f(y))`, are accepted: paritysuite
    /// whereFunctions).
    fn overlaps(&self, other: &Range) -> bool {
        (self.keyed || other.keyed)
            && Range::meets(&self.lower, &self.upper)
            && Range::meets(&other.lower, &other.upper)
            && Range::meets(&self.lower, &other.upper)
            && Range::meets(&other.lower, &self.upper)
    }
}

/// Replaces the bound in `slot` with `b` when `b` is tighter: further in
/// the direction `inward`, or at the same value but exclusive.
fn tighten(slot: &mut Option<Bound>, b: Bound, inward: Ordering) {
    let tighter = match slot {
        None => true,
        Some((v, inc)) => match b.0.cmp(v) {
            Some(Ordering::Equal) => *inc && !b.1,
            Some(o) => o == inward,
            None => false,
        },
    };
    if tighter {
        *slot = Some(b);
    }
}

/// The sort-key range of a branch, `None` when its sort-key condition is
/// negated or `<>` (such branches are not checked).
fn sort_range(branch: &[Atom<'_>], sk: &str) -> Option<Range> {
    let on = |x: &Expr| matches!(x, Expr::Path(p) if p.is_top() && p.head == sk);
    let mut r = Range::default();
    for a in branch {
        match *a {
            Atom::Eq(n, v) if n == sk => {
                let k = KeyValue::of(v)?;
                r.raise((k.clone(), true));
                r.lower_to((k, true));
            }
            Atom::Eq(..) => {}
            Atom::Expr(e) => match e {
                Expr::Compare(op, l, rhs) => {
                    let (op, v) = match (l.as_ref(), rhs.as_ref()) {
                        (x, Expr::Value(v)) if on(x) => (*op, v),
                        (Expr::Value(v), x) if on(x) => (op.flipped(), v),
                        _ => continue,
                    };
                    let k = KeyValue::of(v)?;
                    match op {
                        CmpOp::Eq => {
                            r.raise((k.clone(), true));
                            r.lower_to((k, true));
                        }
                        CmpOp::Ne => return None,
                        CmpOp::Lt => r.lower_to((k, false)),
                        CmpOp::Le => r.lower_to((k, true)),
                        CmpOp::Gt => r.raise((k, false)),
                        CmpOp::Ge => r.raise((k, true)),
                    }
                }
                Expr::Between(x, lo, hi) if on(x) => {
                    if let (Expr::Value(lo), Expr::Value(hi)) = (lo.as_ref(), hi.as_ref()) {
                        r.raise((KeyValue::of(lo)?, true));
                        r.lower_to((KeyValue::of(hi)?, true));
                    }
                }
                Expr::Call(f, args, _) if f == "begins_with" && args.first().is_some_and(on) => {
                    if let Some(Expr::Value(v)) = args.get(1) {
                        let KeyValue::Bytes(prefix) = KeyValue::of(v)? else { continue };
                        if let Some(next) = successor(&prefix) {
                            r.lower_to((KeyValue::Bytes(next), false));
                        }
                        r.raise((KeyValue::Bytes(prefix), true));
                    }
                }
                Expr::Not(inner) if reads(inner, sk) => return None,
                _ => {}
            },
        }
    }
    Some(r)
}

/// The smallest byte string above every string starting with `prefix`.
fn successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut next = prefix.to_vec();
    while let Some(last) = next.pop() {
        if last < u8::MAX {
            next.push(last + 1);
            return Some(next);
        }
    }
    None
}

/// True when `e` reads top-level attribute `name`.
fn reads(e: &Expr, name: &str) -> bool {
    match e {
        Expr::Path(p) => p.head == name,
        Expr::And(l, r) | Expr::Or(l, r) | Expr::Compare(_, l, r) | Expr::Arith(_, l, r) => reads(l, name) || reads(r, name),
        Expr::Not(x) => reads(x, name),
        Expr::Between(x, lo, hi) => reads(x, name) || reads(lo, name) || reads(hi, name),
        Expr::In(x, items) => reads(x, name) || items.iter().any(|i| reads(i, name)),
        Expr::Is { expr, .. } => reads(expr, name),
        Expr::Call(_, args, _) => args.iter().any(|a| reads(a, name)),
        Expr::Value(_) | Expr::Missing => false,
    }
}
