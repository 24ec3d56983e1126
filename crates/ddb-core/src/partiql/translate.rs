//! Statements → classic requests (JSON bodies), given the key schema of
//! the table (and of the index a SELECT names).
//!
//! - SELECT is a Query when the WHERE clause fixes every partition key
//!   attribute of the table or index with `=` at its top level (ANDed),
//!   with one sort-key condition lifted into the key condition when there
//!   is one, and the rest as the FilterExpression; a WHERE that does not
//!   (or that still tests a key attribute, which Query's filter may not) is
//!   a Scan with the whole WHERE as filter. `ORDER BY <key> DESC` reads the
//!   Query backwards.
//! - INSERT is a PutItem conditioned on `attribute_not_exists(<hash key>)`
//!   (the operation turns the failure into `DuplicateItemException`).
//! - UPDATE and DELETE need `key = value` for every key attribute; the rest
//!   of the WHERE becomes the ConditionExpression: `attribute_exists(hash)
//!   AND rest` for UPDATE (an UPDATE of a missing item fails its
//!   condition), `attribute_not_exists(hash) OR rest` for DELETE (deleting
//!   a missing item is a no-op, as in DynamoDB).
//! - In BatchExecuteStatement and ExecuteTransaction a SELECT must name
//!   exactly the primary key (a GetItem); `EXISTS(SELECT …)` is a
//!   ConditionCheck.

use serde_json::{json, Map, Value};

use super::ast::{Action, CallSite, CmpOp, Delete, Expr, Insert, IsType, Path, Select, Statement, Step, Update};
use super::invalid;
use crate::expr::ExprError;
use crate::value::json::attribute_value_to_json;
use crate::value::AttributeValue;

const INCOMPLETE_KEY: &str = "Where clause does not contain a mandatory equality on all key attributes";

/// Key attributes of a table or index (several of each for GSIs with
/// multi-attribute keys).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    pub hash: Vec<String>,
    pub range: Vec<String>,
}

impl Keys {
    /// A table's key: one hash attribute, maybe one range attribute.
    pub fn table(hash: &str, range: Option<&str>) -> Keys {
        Keys {
            hash: vec![hash.to_owned()],
            range: range.map(|r| vec![r.to_owned()]).unwrap_or_default(),
        }
    }

    fn all(&self) -> impl Iterator<Item = &String> {
        self.hash.iter().chain(&self.range)
    }

    fn contains(&self, name: &str) -> bool {
        self.all().any(|k| k == name)
    }
}

/// The classic operation a statement becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    GetItem,
    Query,
    Scan,
    PutItem,
    UpdateItem,
    DeleteItem,
    ConditionCheck,
}

/// A statement translated: the operation, its request body, and the
/// projected paths whose values a SELECT answers under their last name.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub kind: Kind,
    pub body: Value,
    pub renames: Vec<Rename>,
    /// A SELECT of an index read as a Scan although its condition is keyed
    /// on the index's partition key (every HASH attribute fixed by `=`, or
    /// one given by `IN` at the top level): its filter may then name only
    /// what the index projects, as a Query's (nubo-db's
    /// dynamodb-conformance index-qualifier captures, 2026-08).
    pub keyed_scan: bool,
}

/// Where a statement runs; single-item rules differ by surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    ExecuteStatement,
    Batch,
    Transaction,
}

/// Translates `stmt` for `surface`. `table` is the table's key; `index`
/// the key of the index a SELECT names (the caller looked it up).
pub fn plan(stmt: &Statement, surface: Surface, table: &Keys, index: Option<&Keys>) -> Result<Plan, ExprError> {
    match (stmt, surface) {
        (Statement::Select(s), Surface::ExecuteStatement) => select(s, table, index),
        (Statement::Select(s), _) => single_read(s, table, surface),
        (Statement::Exists(_), Surface::ExecuteStatement | Surface::Batch) => {
            Err(invalid("EXISTS can only be used in ExecuteTransaction write requests."))
        }
        (Statement::Exists(s), Surface::Transaction) => condition_check(s, table),
        (Statement::Insert(i), _) => insert(i, table),
        (Statement::Update(u), _) => update(u, table),
        (Statement::Delete(d), _) => delete(d, table),
    }
}

/// Placeholders of one request: names reused, one value per use.
#[derive(Default)]
struct Emitter {
    names: Vec<String>,
    values: Vec<AttributeValue>,
}

impl Emitter {
    fn name(&mut self, n: &str) -> String {
        let i = match self.names.iter().position(|x| x == n) {
            Some(i) => i,
            None => {
                self.names.push(n.to_owned());
                self.names.len() - 1
            }
        };
        format!("#n{i}")
    }

    fn value(&mut self, v: &AttributeValue) -> String {
        self.values.push(v.clone());
        format!(":v{}", self.values.len() - 1)
    }

    fn path(&mut self, p: &Path) -> String {
        let mut out = self.name(&p.head);
        for s in &p.steps {
            match s {
                Step::Name(n) => {
                    out.push('.');
                    out.push_str(&self.name(n));
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// An operand of a condition: a path, a value or `size(path)`.
    fn operand(&mut self, e: &Expr) -> Result<String, ExprError> {
        match e {
            Expr::Path(p) => Ok(self.path(p)),
            Expr::Value(v) => Ok(self.value(v)),
            Expr::Missing => Err(invalid("MISSING must be compared using IS operator")),
            Expr::Call(name, args, _) if name == "size" => self.call(name, args),
            Expr::Call(name, _, site) if !is_condition_function(name) => {
                Err(invalid(format!("Unrecognized function: {name}{}", site.name)))
            }
            Expr::Arith(plus, ..) => Err(invalid(format!(
                "Unsupported operator in Condition Expression. Operator: {}",
                if *plus { "+" } else { "-" }
            ))),
            _ => Err(invalid("WHERE clause must contain an expression that resolves to a boolean")),
        }
    }

    fn call(&mut self, name: &str, args: &[Expr]) -> Result<String, ExprError> {
        // A call without its operands is refused by count, as the
        // expression language refuses it (paritysuite partiqlFunctions).
        let wanted = match name {
            "attribute_exists" | "attribute_not_exists" | "size" => 1,
            _ => 2,
        };
        if args.is_empty() || (args.len() != wanted && name != "size") {
            return Err(invalid(format!(
                "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}",
                args.len()
            )));
        }
        let args = args.iter().map(|a| self.operand(a)).collect::<Result<Vec<_>, _>>()?;
        Ok(format!("{name}({})", args.join(", ")))
    }

    /// A condition, parenthesized only where precedence needs it (the
    /// expression parser refuses redundant parentheses).
    fn cond(&mut self, e: &Expr, ctx: Ctx) -> Result<String, ExprError> {
        let wrap = |s: String, needed: bool| if needed { format!("({s})") } else { s };
        match e {
            Expr::Or(l, r) => {
                let s = format!("{} OR {}", self.cond(l, Ctx::Or)?, self.cond(r, Ctx::Or)?);
                Ok(wrap(s, matches!(ctx, Ctx::And | Ctx::Not)))
            }
            Expr::And(l, r) => {
                let s = format!("{} AND {}", self.cond(l, Ctx::And)?, self.cond(r, Ctx::And)?);
                Ok(wrap(s, ctx == Ctx::Not))
            }
            Expr::Not(x) => Ok(format!("NOT {}", self.cond(x, Ctx::Not)?)),
            // A condition function compared with a boolean is that
            // condition (or its negation), as DynamoDB reads it
            // (paritysuite whereFunctions: `attribute_exists(ss) = true`).
            Expr::Compare(op @ (CmpOp::Eq | CmpOp::Ne), l, r) if boolean_test(l, r).is_some() => {
                let (call, truth) = boolean_test(l, r).ok_or_else(|| invalid("unreachable"))?;
                let holds = truth == (*op == CmpOp::Eq);
                let c = self.cond(call, Ctx::Not)?;
                Ok(if holds { c } else { format!("NOT {c}") })
            }
            Expr::Compare(op, l, r) => Ok(format!("{} {} {}", self.operand(l)?, op.symbol(), self.operand(r)?)),
            Expr::Between(x, lo, hi) => Ok(format!(
                "{} BETWEEN {} AND {}",
                self.operand(x)?,
                self.operand(lo)?,
                self.operand(hi)?
            )),
            Expr::In(x, list) => {
                let x = self.operand(x)?;
                let items = list.iter().map(|i| self.operand(i)).collect::<Result<Vec<_>, _>>()?;
                Ok(format!("{x} IN ({})", items.join(", ")))
            }
            Expr::Is { expr, negated, ty } => {
                let Expr::Path(p) = expr.as_ref() else {
                    return Err(invalid("The left hand side argument to IS must be a Variable Reference, Literal, or Path"));
                };
                let p = self.path(p);
                match ty {
                    IsType::Missing if *negated => Ok(format!("attribute_exists({p})")),
                    IsType::Missing => Ok(format!("attribute_not_exists({p})")),
                    IsType::Null => {
                        let v = self.value(&AttributeValue::S("NULL".into()));
                        let s = format!("attribute_not_exists({p}) OR attribute_type({p}, {v})");
                        if *negated {
                            Ok(format!("NOT ({s})"))
                        } else {
                            Ok(wrap(s, matches!(ctx, Ctx::And | Ctx::Not)))
                        }
                    }
                    IsType::Type(t) => {
                        let v = self.value(&AttributeValue::S((*t).into()));
                        let s = format!("attribute_type({p}, {v})");
                        Ok(if *negated { format!("NOT {s}") } else { s })
                    }
                }
            }
            Expr::Call(name, args, _) if is_condition_function(name) => self.call(name, args),
            Expr::Call(name, _, site) if name != "size" => Err(invalid(format!("Unrecognized function: {name}{}", site.name))),
            _ => Err(invalid("WHERE clause must contain an expression that resolves to a boolean")),
        }
    }

    /// A value of an UPDATE's SET: operands, `+`/`-`, list_append,
    /// if_not_exists.
    fn update_value(&mut self, e: &Expr) -> Result<String, ExprError> {
        match e {
            Expr::Path(p) => Ok(self.path(p)),
            Expr::Value(v) => Ok(self.value(v)),
            Expr::Arith(plus, l, r) => Ok(format!(
                "{} {} {}",
                self.update_value(l)?,
                if *plus { "+" } else { "-" },
                self.update_value(r)?
            )),
            Expr::Call(name, args, _) if name == "list_append" || name == "if_not_exists" => {
                let args = args.iter().map(|a| self.update_value(a)).collect::<Result<Vec<_>, _>>()?;
                Ok(format!("{name}({})", args.join(", ")))
            }
            Expr::Call(name, _, site) => Err(invalid(format!("Unrecognized function: {name}{}", site.name))),
            Expr::Is { .. } => Err(invalid("IS operator is not supported in update expressions")),
            Expr::Missing => Err(invalid("MISSING must be compared using IS operator")),
            _ => Err(invalid("Unsupported operator in Update Expression. Operator: condition")),
        }
    }

    /// Adds the placeholder maps to `body`.
    fn finish(self, body: &mut Map<String, Value>) {
        if !self.names.is_empty() {
            let names: Map<String, Value> =
                self.names.into_iter().enumerate().map(|(i, n)| (format!("#n{i}"), Value::String(n))).collect();
            body.insert("ExpressionAttributeNames".into(), Value::Object(names));
        }
        if !self.values.is_empty() {
            let values: Map<String, Value> = self
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| (format!(":v{i}"), attribute_value_to_json(v)))
                .collect();
            body.insert("ExpressionAttributeValues".into(), Value::Object(values));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Top,
    Or,
    And,
    Not,
}

fn is_condition_function(name: &str) -> bool {
    matches!(
        name,
        "attribute_exists" | "attribute_not_exists" | "attribute_type" | "begins_with" | "contains"
    )
}

/// The top-level conjuncts of a WHERE clause.
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(x) = stack.pop() {
        match x {
            Expr::And(l, r) => {
                stack.push(r);
                stack.push(l);
            }
            other => out.push(other),
        }
    }
    out
}

/// Rebuilds an AND of `parts` (none: no condition).
fn and_of(parts: &[&Expr]) -> Option<Expr> {
    let mut it = parts.iter();
    let first = (*it.next()?).clone();
    Some(it.fold(first, |acc, p| Expr::And(Box::new(acc), Box::new((*p).clone()))))
}

/// `name = value` (either way round): the value.
fn equality<'e>(e: &'e Expr, name: &str) -> Option<&'e AttributeValue> {
    match e {
        Expr::Compare(CmpOp::Eq, l, r) => match (l.as_ref(), r.as_ref()) {
            (Expr::Path(p), Expr::Value(v)) | (Expr::Value(v), Expr::Path(p)) if p.is_top() && p.head == name => Some(v),
            _ => None,
        },
        _ => None,
    }
}

/// A condition Query accepts on sort key `name`.
fn sort_condition(e: &Expr, name: &str) -> bool {
    let on = |x: &Expr| matches!(x, Expr::Path(p) if p.is_top() && p.head == name);
    let val = |x: &Expr| matches!(x, Expr::Value(_));
    match e {
        Expr::Compare(op, l, r) => *op != CmpOp::Ne && ((on(l) && val(r)) || (val(l) && on(r))),
        Expr::Between(x, lo, hi) => on(x) && val(lo) && val(hi),
        Expr::Call(f, args, _) if f == "begins_with" => {
            args.len() == 2 && args.first().is_some_and(on) && args.get(1).is_some_and(val)
        }
        _ => false,
    }
}

/// True when `e` reads a top-level attribute that is one of `keys`.
fn reads_key(e: &Expr, keys: &Keys) -> bool {
    match e {
        Expr::Path(p) => keys.contains(&p.head),
        Expr::Value(_) | Expr::Missing => false,
        Expr::Compare(_, l, r) | Expr::And(l, r) | Expr::Or(l, r) | Expr::Arith(_, l, r) => {
            reads_key(l, keys) || reads_key(r, keys)
        }
        Expr::Not(x) => reads_key(x, keys),
        Expr::Is { expr, .. } => reads_key(expr, keys),
        Expr::Between(a, b, c) => reads_key(a, keys) || reads_key(b, keys) || reads_key(c, keys),
        Expr::In(x, list) => reads_key(x, keys) || list.iter().any(|i| reads_key(i, keys)),
        Expr::Call(_, args, _) => args.iter().any(|a| reads_key(a, keys)),
    }
}

fn object(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// A projected path a SELECT answers under its own name
/// ([`Path::output_name`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub name: String,
    /// Where its value is in the projected item: a projection keeps the
    /// list elements it names, in index order, so `l[3]` beside `l[1]` is
    /// the projected list's element 1.
    pub at: Path,
}

impl Rename {
    /// `path`, one of the projected `all`.
    pub fn new(path: &Path, all: &[Path]) -> Rename {
        let mut steps = Vec::with_capacity(path.steps.len());
        for (k, step) in path.steps.iter().enumerate() {
            let prefix = path.steps.get(..k).unwrap_or_default();
            steps.push(match step {
                Step::Name(n) => Step::Name(n.clone()),
                Step::Index(i) => {
                    let before: std::collections::BTreeSet<u32> = all
                        .iter()
                        .filter(|q| q.head == path.head && q.steps.get(..k) == Some(prefix))
                        .filter_map(|q| match q.steps.get(k) {
                            Some(Step::Index(j)) if j < i => Some(*j),
                            _ => None,
                        })
                        .collect();
                    Step::Index(u32::try_from(before.len()).unwrap_or(u32::MAX))
                }
            });
        }
        Rename {
            name: path.output_name(),
            at: Path { head: path.head.clone(), steps },
        }
    }
}

/// The projection of a SELECT, and the paths answered under a new name
/// (every path below the top level).
fn projection(s: &Select, em: &mut Emitter, body: &mut Map<String, Value>) -> Vec<Rename> {
    let Some(paths) = &s.projection else {
        return Vec::new();
    };
    let text: Vec<String> = paths.iter().map(|p| em.path(p)).collect();
    body.insert("ProjectionExpression".into(), Value::String(text.join(", ")));
    paths.iter().filter(|p| !p.is_top()).map(|p| Rename::new(p, paths)).collect()
}

fn select(s: &Select, table: &Keys, index: Option<&Keys>) -> Result<Plan, ExprError> {
    let keys = index.unwrap_or(table);
    if let Some(filter) = &s.filter {
        super::overlap::check(filter, keys)?;
    }
    let conj = s.filter.as_ref().map(conjuncts).unwrap_or_default();
    let mut used = vec![false; conj.len()];
    let mut key_parts: Vec<usize> = Vec::new();
    let mut fixed = true;
    for h in &keys.hash {
        let found = conj
            .iter()
            .enumerate()
            .find(|(i, c)| !used.get(*i).copied().unwrap_or(true) && equality(c, h).is_some());
        match found {
            Some((i, _)) => {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
                key_parts.push(i);
            }
            None => fixed = false,
        }
    }
    if fixed {
        if let [range] = keys.range.as_slice() {
            let found = conj
                .iter()
                .enumerate()
                .find(|(i, c)| !used.get(*i).copied().unwrap_or(true) && sort_condition(c, range));
            if let Some((i, _)) = found {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
                key_parts.push(i);
            }
        }
    }
    let rest: Vec<&Expr> = conj
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.get(*i).copied().unwrap_or(true))
        .map(|(_, c)| *c)
        .collect();
    let query = fixed && !rest.iter().any(|c| reads_key(c, keys));
    // ORDER BY: only key attributes, and only on a Query.
    let mut forward = true;
    for (attr, desc) in &s.order_by {
        if !keys.contains(attr) {
            return Err(invalid(format!(
                "Variable reference {attr} in ORDER BY clause must be part of the primary key"
            )));
        }
        if s.filter.is_none() {
            return Err(invalid("Must have WHERE clause in the statement when using ORDER BY clause."));
        }
        if !fixed {
            return Err(invalid(
                "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause.",
            ));
        }
        if keys.range.contains(attr) && *desc {
            forward = false;
        }
    }
    let mut em = Emitter::default();
    let mut body = object(vec![("TableName", Value::String(s.table.clone()))]);
    if let Some(i) = &s.index {
        body.insert("IndexName".into(), Value::String(i.clone()));
    }
    let kind = if query {
        let parts: Vec<&Expr> = key_parts.iter().filter_map(|i| conj.get(*i).copied()).collect();
        let kc = and_of(&parts).map(|e| em.cond(&e, Ctx::Top)).transpose()?;
        if let Some(kc) = kc {
            body.insert("KeyConditionExpression".into(), Value::String(kc));
        }
        if let Some(f) = and_of(&rest) {
            body.insert("FilterExpression".into(), Value::String(em.cond(&f, Ctx::Top)?));
        }
        if !forward {
            body.insert("ScanIndexForward".into(), Value::Bool(false));
        }
        Kind::Query
    } else {
        if let Some(f) = &s.filter {
            body.insert("FilterExpression".into(), Value::String(em.cond(f, Ctx::Top)?));
        }
        Kind::Scan
    };
    let in_on_hash = |c: &&Expr| matches!(c, Expr::In(x, _) if matches!(x.as_ref(), Expr::Path(p) if p.is_top() && keys.hash.contains(&p.head)));
    let keyed_scan = kind == Kind::Scan && s.index.is_some() && (fixed || conj.iter().any(in_on_hash));
    let renames = projection(s, &mut em, &mut body);
    em.finish(&mut body);
    Ok(Plan {
        kind,
        body: Value::Object(body),
        renames,
        keyed_scan,
    })
}

/// The key every key attribute of `table` is fixed to by `=`, and the
/// other conjuncts.
fn key_of<'e>(filter: Option<&'e Expr>, table: &Keys) -> Result<(Map<String, Value>, Vec<&'e Expr>), ExprError> {
    let conj = filter.map(conjuncts).unwrap_or_default();
    let mut used = vec![false; conj.len()];
    let mut key = Map::new();
    for k in table.all() {
        let mut found = conj.iter().enumerate().filter(|(_, c)| equality(c, k).is_some());
        let Some((i, c)) = found.next() else {
            return Err(invalid(INCOMPLETE_KEY));
        };
        if found.next().is_some() {
            return Err(invalid(format!(
                "Multiple conditions on same key {k}. Only single item Update/Insert/Delete are supported"
            )));
        }
        if let Some(v) = equality(c, k) {
            key.insert(k.clone(), attribute_value_to_json(v));
        }
        if let Some(u) = used.get_mut(i) {
            *u = true;
        }
    }
    let rest = conj
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.get(*i).copied().unwrap_or(true))
        .map(|(_, c)| *c)
        .collect();
    Ok((key, rest))
}

fn single_read(s: &Select, table: &Keys, surface: Surface) -> Result<Plan, ExprError> {
    let name = if surface == Surface::Transaction { "ExecuteTransaction" } else { "BatchExecuteStatement" };
    let must = || invalid(format!("Select statements within {name} must specify the primary key in the where clause."));
    if s.index.is_some() {
        return Err(if surface == Surface::Transaction {
            invalid("Reads on indices are not supported within transactions.")
        } else {
            must()
        });
    }
    let (key, rest) = key_of(s.filter.as_ref(), table).map_err(|_| must())?;
    if !rest.is_empty() {
        return Err(must());
    }
    let mut em = Emitter::default();
    let mut body = object(vec![("TableName", Value::String(s.table.clone())), ("Key", Value::Object(key))]);
    let renames = projection(s, &mut em, &mut body);
    em.finish(&mut body);
    Ok(Plan {
        kind: Kind::GetItem,
        body: Value::Object(body),
        renames,
        keyed_scan: false,
    })
}

fn condition_check(s: &Select, table: &Keys) -> Result<Plan, ExprError> {
    let bad = || invalid("EXISTS() must contain a single item read with additional condition");
    if s.index.is_some() {
        return Err(invalid("Operations on indices are not supported in transactions"));
    }
    let (key, rest) = key_of(s.filter.as_ref(), table).map_err(|_| bad())?;
    let cond = and_of(&rest).ok_or_else(bad)?;
    let mut em = Emitter::default();
    let mut body = object(vec![("TableName", Value::String(s.table.clone())), ("Key", Value::Object(key))]);
    body.insert("ConditionExpression".into(), Value::String(em.cond(&cond, Ctx::Top)?));
    em.finish(&mut body);
    Ok(Plan {
        kind: Kind::ConditionCheck,
        body: Value::Object(body),
        renames: Vec::new(),
        keyed_scan: false,
    })
}

fn insert(i: &Insert, table: &Keys) -> Result<Plan, ExprError> {
    let mut em = Emitter::default();
    let item: Map<String, Value> = i.item.iter().map(|(k, v)| (k.clone(), attribute_value_to_json(v))).collect();
    let mut body = object(vec![("TableName", Value::String(i.table.clone())), ("Item", Value::Object(item))]);
    if let Some(h) = table.hash.first() {
        let cond = format!("attribute_not_exists({})", em.name(h));
        body.insert("ConditionExpression".into(), Value::String(cond));
    }
    em.finish(&mut body);
    Ok(Plan {
        kind: Kind::PutItem,
        body: Value::Object(body),
        renames: Vec::new(),
        keyed_scan: false,
    })
}

/// A condition function on one side and a boolean literal on the other:
/// the call and the literal.
fn boolean_test<'e>(l: &'e Expr, r: &'e Expr) -> Option<(&'e Expr, bool)> {
    match (l, r) {
        (c @ Expr::Call(name, ..), Expr::Value(AttributeValue::Bool(b)))
        | (Expr::Value(AttributeValue::Bool(b)), c @ Expr::Call(name, ..))
            if is_condition_function(name) =>
        {
            Some((c, *b))
        }
        _ => None,
    }
}

/// `SET path = set_add(path, <<…>>)` (or `set_delete`); errors point at
/// the function, or for a second argument that is not a set, at the first
/// argument (as DynamoDB's do).
fn set_function(path: &Path, name: &str, args: &[Expr], site: CallSite, em: &mut Emitter) -> Result<String, ExprError> {
    let upper = name.to_ascii_uppercase();
    if args.len() != 2 {
        return Err(invalid(format!("{upper} must have exactly two arguments{}", site.name)));
    }
    if !matches!(args.first(), Some(Expr::Path(p)) if p == path) {
        return Err(invalid(format!("The first argument to {upper} must equal the assignment value{}", site.name)));
    }
    match args.get(1) {
        Some(Expr::Value(v @ (AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)))) => {
            Ok(format!("{} {}", em.path(path), em.value(v)))
        }
        _ => Err(invalid(format!("The second argument to {upper} must be a value with type SET{}", site.first_arg))),
    }
}

fn update(u: &Update, table: &Keys) -> Result<Plan, ExprError> {
    let (key, rest) = key_of(u.filter.as_ref(), table)?;
    let mut em = Emitter::default();
    let (mut sets, mut removes, mut adds, mut deletes) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for a in &u.actions {
        match a {
            Action::Set(path, Expr::Call(f, args, site)) if f == "set_add" => {
                adds.push(set_function(path, f, args, *site, &mut em)?);
            }
            Action::Set(path, Expr::Call(f, args, site)) if f == "set_delete" => {
                deletes.push(set_function(path, f, args, *site, &mut em)?);
            }
            Action::Set(path, value) => {
                let p = em.path(path);
                sets.push(format!("{p} = {}", em.update_value(value)?));
            }
            Action::Remove(path) => removes.push(em.path(path)),
        }
    }
    let mut clauses = Vec::new();
    for (word, list) in [("SET", &sets), ("REMOVE", &removes), ("ADD", &adds), ("DELETE", &deletes)] {
        if !list.is_empty() {
            clauses.push(format!("{word} {}", list.join(", ")));
        }
    }
    let mut body = object(vec![
        ("TableName", Value::String(u.table.clone())),
        ("Key", Value::Object(key)),
        ("UpdateExpression", Value::String(clauses.join(" "))),
    ]);
    let hash = table.hash.first().cloned().unwrap_or_default();
    let exists = Expr::Call("attribute_exists".into(), vec![Expr::Path(Path::attr(&hash))], CallSite::default());
    let mut parts: Vec<&Expr> = vec![&exists];
    parts.extend(rest);
    if let Some(cond) = and_of(&parts) {
        body.insert("ConditionExpression".into(), Value::String(em.cond(&cond, Ctx::Top)?));
    }
    if let Some(r) = u.returning {
        body.insert("ReturnValues".into(), json!(r.return_values()));
    }
    em.finish(&mut body);
    Ok(Plan {
        kind: Kind::UpdateItem,
        body: Value::Object(body),
        renames: Vec::new(),
        keyed_scan: false,
    })
}

fn delete(d: &Delete, table: &Keys) -> Result<Plan, ExprError> {
    let (key, rest) = key_of(d.filter.as_ref(), table)?;
    let mut em = Emitter::default();
    let mut body = object(vec![("TableName", Value::String(d.table.clone())), ("Key", Value::Object(key))]);
    if let Some(cond) = and_of(&rest) {
        let hash = table.hash.first().cloned().unwrap_or_default();
        let absent = Expr::Call("attribute_not_exists".into(), vec![Expr::Path(Path::attr(&hash))], CallSite::default());
        let either = Expr::Or(Box::new(absent), Box::new(cond));
        body.insert("ConditionExpression".into(), Value::String(em.cond(&either, Ctx::Top)?));
    }
    if let Some(r) = d.returning {
        body.insert("ReturnValues".into(), json!(r.return_values()));
    }
    em.finish(&mut body);
    Ok(Plan {
        kind: Kind::DeleteItem,
        body: Value::Object(body),
        renames: Vec::new(),
        keyed_scan: false,
    })
}

/// A SELECT's answer for one (projected) item: each renamed path's value
/// under its name, the rest as projected.
pub fn rename(item: &mut crate::value::Item, renames: &[Rename]) {
    let found: Vec<(&str, Option<AttributeValue>)> = renames
        .iter()
        .map(|r| {
            let mut cur = item.get(&r.at.head);
            for s in &r.at.steps {
                cur = match (cur, s) {
                    (Some(AttributeValue::M(m)), Step::Name(n)) => m.get(n),
                    (Some(AttributeValue::L(l)), Step::Index(i)) => usize::try_from(*i).ok().and_then(|i| l.get(i)),
                    _ => None,
                };
            }
            (r.name.as_str(), cur.cloned())
        })
        .collect();
    for r in renames {
        item.remove(&r.at.head);
    }
    for (name, value) in found {
        if let Some(v) = value {
            item.insert(name.to_owned(), v);
        }
    }
}

/// The values a WHERE clause fixes `attr` to at its top level (`attr =
/// v` or `attr IN [..]` conjuncts), for `dynamodb:LeadingKeys`.
pub fn fixed_values(filter: Option<&Expr>, attr: &str) -> Vec<AttributeValue> {
    let mut out = Vec::new();
    for c in filter.map(conjuncts).unwrap_or_default() {
        if let Some(v) = equality(c, attr) {
            out.push(v.clone());
        }
        if let Expr::In(x, list) = c {
            if matches!(x.as_ref(), Expr::Path(p) if p.is_top() && p.head == attr) {
                out.extend(list.iter().filter_map(|i| match i {
                    Expr::Value(v) => Some(v.clone()),
                    _ => None,
                }));
            }
        }
    }
    out
}
