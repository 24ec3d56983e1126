//! Recursive-descent parser from tokens to a [`Statement`], binding `?`
//! placeholders to the request's parameters in order. Precedence, loosest
//! first: `OR`, `AND`, `NOT`, comparisons (`= <> != < <= > >=`, `BETWEEN`,
//! `IN`, `IS`), `+`/`-`, then primaries (literals, paths, calls,
//! parentheses). Nesting is bounded so no input can exhaust the stack.

use std::collections::BTreeMap;

use super::ast::{Action, CallSite, CmpOp, Delete, Expr, Insert, IsType, Path, Returning, Select, Statement, Step, Update};
use super::lexer::{span_of, tokenize, Span, Spanned, Tok};
use super::{invalid, not_well_formed};
use crate::expr::ExprError;
use crate::value::json::Layer;
use crate::value::{AttributeValue, Number, NumberError};

/// How deeply expressions and literals may nest.
const MAX_DEPTH: usize = 64;

const PARAMS_MISMATCH: &str = "Number of parameters in request and statement don't match.";

/// PartiQL's type names (those IS does not support are refused by name).
const SQL_TYPE_NAMES: &[&str] = &[
    "SMALLINT", "INT2", "INT4", "INT8", "BIGINT", "REAL", "DOUBLE", "DEC", "CHAR", "CHARACTER", "VARCHAR", "SYMBOL",
    "CLOB", "SEXP", "BAG", "ANY", "TIMESTAMP", "DATE", "TIME",
];

/// Operator words that cannot start a term.
const OPERATOR_WORDS: &[&str] = &["IS", "LIKE", "AND", "OR", "BETWEEN", "IN"];
/// Clause words that cannot start a term.
const CLAUSE_WORDS: &[&str] = &["ORDER", "BY", "WHERE", "FROM", "SELECT", "SET", "REMOVE", "RETURNING", "VALUE", "INTO"];
/// Reserved words PartiQL lexes as keywords (or literals), which a `.`
/// step of a path cannot name bare: DynamoDB answers "Invalid path dot
/// component" (paritysuite partiqlFunctions, AWS 2026, for `m.inner`).
/// Only words reserved beyond doubt are listed; a quoted name is always a
/// name.
const RESERVED_STEPS: &[&str] = &[
    "ALL", "AND", "ANY", "AS", "ASC", "AT", "BETWEEN", "BY", "CASE", "CAST", "CROSS", "DELETE", "DESC", "DISTINCT",
    "ELSE", "END", "EXCEPT", "EXISTS", "FALSE", "FROM", "FULL", "GROUP", "HAVING", "IN", "INNER", "INSERT", "INTERSECT",
    "INTO", "IS", "JOIN", "LEFT", "LIKE", "LIMIT", "MISSING", "NOT", "NULL", "ON", "OR", "ORDER", "OUTER", "PIVOT",
    "REMOVE", "RETURNING", "RIGHT", "SELECT", "SET", "SOME", "THEN", "TRUE", "UNION", "UNPIVOT", "UPDATE", "VALUE",
    "VALUES", "WHEN", "WHERE",
];

/// Parses `src`, with `params` bound to its `?`s in order.
pub fn parse(src: &str, params: &[AttributeValue]) -> Result<Statement, ExprError> {
    let toks = tokenize(src)?;
    let mut p = Parser {
        src,
        value_path: Vec::new(),
        in_item: false,
        toks,
        at: 0,
        params,
        used: 0,
        depth: 0,
    };
    let stmt = p.statement()?;
    if p.eat_punct(";") {
        // A trailing semicolon ends the statement.
    }
    if p.peek() != &Tok::End {
        return Err(not_well_formed("Unexpected token after expression"));
    }
    if p.used != params.len() {
        return Err(invalid(PARAMS_MISMATCH));
    }
    Ok(stmt)
}

struct Parser<'p> {
    src: &'p str,
    /// Where the literal being read sits inside its attribute (`.x`,
    /// `[1]`), for number messages (`… under root.x`).
    value_path: Vec<String>,
    /// Reading an INSERT's item, whose first path step is an attribute.
    in_item: bool,
    toks: Vec<Spanned>,
    at: usize,
    params: &'p [AttributeValue],
    used: usize,
    depth: usize,
}

impl Parser<'_> {
    /// Where the token `n` places after the current one is (`n` may be
    /// negative, for one already taken).
    fn span(&self, n: isize) -> Span {
        self.at
            .checked_add_signed(n)
            .and_then(|i| self.toks.get(i))
            .map_or_else(Span::default, |t| span_of(self.src, t))
    }

    /// A number literal. Read as DynamoDB's PartiQL reads it (as Java's
    /// BigDecimal): an exponent or scale past 32 bits is a statement that
    /// is not well formed; a range error names where the literal sits
    /// inside its attribute — an item's own attributes are the root
    /// (paritysuite partiqlGrammar, AWS 2026).
    fn number(&self, text: &str, negative: bool) -> Result<AttributeValue, ExprError> {
        let full = if negative { format!("-{text}") } else { text.to_owned() };
        match Number::parse_in(&full, Layer::Older) {
            Ok(n) => Ok(AttributeValue::N(n)),
            Err(NumberError::NotNumeric(_) | NumberError::Empty) => Err(not_well_formed("")),
            Err(e) => {
                // An INSERT's item is a map whose keys are its attributes.
                let inside = if self.in_item { self.value_path.get(1..).unwrap_or_default() } else { &self.value_path[..] };
                Err(invalid(format!("{e} under root{}", inside.concat())))
            }
        }
    }

    fn peek(&self) -> &Tok {
        self.toks.get(self.at).map_or(&Tok::End, |s| &s.tok)
    }

    fn peek_at(&self, n: usize) -> &Tok {
        self.toks.get(self.at + n).map_or(&Tok::End, |s| &s.tok)
    }

    fn bump(&mut self) -> Tok {
        let t = self.peek().clone();
        if t != Tok::End {
            self.at += 1;
        }
        t
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(w) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let yes = self.is_kw(kw);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), ExprError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("Expected {}", kw.to_ascii_uppercase())))
        }
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        let yes = matches!(self.peek(), Tok::Punct(q) if *q == p);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn expect_punct(&mut self, p: &str) -> Result<(), ExprError> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("Expected '{p}'")))
        }
    }

    fn unexpected(&self, what: &str) -> ExprError {
        if self.peek() == &Tok::End {
            not_well_formed(&format!("{what}, found end of statement"))
        } else {
            not_well_formed(what)
        }
    }

    fn param(&mut self) -> Result<AttributeValue, ExprError> {
        let v = self.params.get(self.used).cloned().ok_or_else(|| invalid(PARAMS_MISMATCH))?;
        self.used += 1;
        Ok(v)
    }

    fn nest(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(not_well_formed("Statement is nested too deeply"));
        }
        Ok(())
    }

    fn statement(&mut self) -> Result<Statement, ExprError> {
        if self.eat_kw("SELECT") {
            return self.select().map(Statement::Select);
        }
        if self.eat_kw("INSERT") {
            return self.insert().map(Statement::Insert);
        }
        if self.eat_kw("UPDATE") {
            return self.update().map(Statement::Update);
        }
        if self.eat_kw("DELETE") {
            return self.delete().map(Statement::Delete);
        }
        if self.eat_kw("FROM") {
            return self.update_named_first().map(Statement::Update);
        }
        if self.eat_kw("EXISTS") {
            self.expect_punct("(")?;
            self.expect_kw("SELECT")?;
            let s = self.select()?;
            self.expect_punct(")")?;
            return Ok(Statement::Exists(s));
        }
        Err(not_well_formed("Expected data manipulation"))
    }

    /// A name: a bare or quoted identifier.
    fn name(&mut self) -> Result<String, ExprError> {
        match self.bump() {
            Tok::Ident(n) | Tok::Quoted(n) => Ok(n),
            _ => Err(not_well_formed("Expected identifier")),
        }
    }

    /// `table[.index]` of a FROM (or INSERT INTO / UPDATE).
    fn source(&mut self) -> Result<(String, Option<String>), ExprError> {
        let mut parts = vec![self.name()?];
        while self.eat_punct(".") {
            parts.push(self.name()?);
        }
        if parts.iter().any(String::is_empty) {
            return Err(invalid("Path component cannot be an empty string"));
        }
        if parts.len() > 2 {
            return Err(invalid("A path may contain at most 2 components in the FROM clause"));
        }
        let mut it = parts.into_iter();
        let table = it.next().unwrap_or_default();
        Ok((table, it.next()))
    }

    fn select(&mut self) -> Result<Select, ExprError> {
        let projection = if self.eat_punct("*") {
            None
        } else {
            let mut paths = vec![self.projected_path()?];
            while self.eat_punct(",") {
                paths.push(self.projected_path()?);
            }
            Some(paths)
        };
        if projection.is_some() && matches!(self.peek(), Tok::Punct("*")) {
            return Err(invalid("Other attributes should not be present in the projection when '*' is used."));
        }
        self.expect_kw("FROM")?;
        if !matches!(self.peek(), Tok::Ident(_) | Tok::Quoted(_)) {
            return Err(not_well_formed("Unexpected term"));
        }
        let (table, index) = self.source()?;
        self.no_alias(&["WHERE", "ORDER"])?;
        let filter = if self.eat_kw("WHERE") { Some(self.expr()?) } else { None };
        let mut order_by = Vec::new();
        if self.eat_kw("ORDER") {
            self.expect_kw("BY")?;
            loop {
                let key = match self.bump() {
                    Tok::Ident(n) | Tok::Quoted(n) => n,
                    _ => {
                        return Err(invalid("Argument to ORDER BY must be of type VariableReference. Type: Expression"))
                    }
                };
                let desc = if self.eat_kw("DESC") {
                    true
                } else {
                    self.eat_kw("ASC");
                    false
                };
                order_by.push((key, desc));
                if !self.eat_punct(",") {
                    break;
                }
            }
        }
        Ok(Select {
            projection,
            table,
            index,
            filter,
            order_by,
        })
    }

    fn projected_path(&mut self) -> Result<Path, ExprError> {
        if matches!(self.peek(), Tok::Punct("*")) {
            return Err(invalid("Other attributes should not be present in the projection when '*' is used."));
        }
        if matches!(self.peek(), Tok::Ident(_)) && self.peek_at(1) == &Tok::Punct("(") {
            return Err(invalid(format!("Unexpected path component{}", self.span(0))));
        }
        self.path()
    }

    /// A document path starting at an identifier.
    fn path(&mut self) -> Result<Path, ExprError> {
        let head = self.name()?;
        if head.is_empty() {
            return Err(invalid("Path component cannot be an empty string"));
        }
        let mut steps = Vec::new();
        loop {
            if self.eat_punct(".") {
                if let Tok::Ident(w) = self.peek() {
                    if RESERVED_STEPS.iter().any(|k| w.eq_ignore_ascii_case(k)) {
                        return Err(not_well_formed("Invalid path dot component"));
                    }
                }
                let n = self.name()?;
                if n.is_empty() {
                    return Err(invalid("Path component cannot be an empty string"));
                }
                steps.push(Step::Name(n));
            } else if self.eat_punct("[") {
                match self.bump() {
                    Tok::Num(n) => {
                        let i = n.parse::<u32>().map_err(|_| {
                            invalid(format!("List index is not within the allowable range; index: [{n}]"))
                        })?;
                        steps.push(Step::Index(i));
                    }
                    Tok::Str(s) => steps.push(Step::Name(s)),
                    Tok::Punct("-") => {
                        let n = match self.bump() {
                            Tok::Num(n) => n,
                            _ => String::new(),
                        };
                        return Err(invalid(format!("List index is not within the allowable range; index: [-{n}]")));
                    }
                    _ => return Err(not_well_formed("Expected list index")),
                }
                self.expect_punct("]")?;
            } else {
                return Ok(Path { head, steps });
            }
        }
    }

    fn insert(&mut self) -> Result<Insert, ExprError> {
        self.expect_kw("INTO")?;
        let (table, index) = self.source()?;
        // An INSERT's target is refused at parse time, in the parser's
        // words (UPDATE and DELETE are refused semantically); recorded by
        // nubo-db/dynamodb-conformance.
        if index.is_some() {
            return Err(not_well_formed("FROM clause may only contain a single table name"));
        }
        if matches!(self.peek(), Tok::Ident(_)) && !self.is_kw("VALUE") && !self.is_kw("VALUES") {
            return Err(not_well_formed("Unexpected token after expression"));
        }
        if self.is_kw("VALUES") {
            return Err(invalid(
                "Unsupported operation: Inserting multiple items in a single statement is not supported, use \"INSERT INTO tableName VALUE item\" instead",
            ));
        }
        self.expect_kw("VALUE")?;
        self.in_item = true;
        let item = self.value();
        self.in_item = false;
        let item = match item? {
            AttributeValue::M(m) => m,
            _ => {
                return Err(invalid(
                    "Unsupported format in item expression. Please use struct format {...} to express item values for insert statement.",
                ))
            }
        };
        if self.is_kw("RETURNING") {
            return Err(invalid("RETURNING is not supported in INSERT"));
        }
        Ok(Insert { table, item })
    }

    fn update(&mut self) -> Result<Update, ExprError> {
        self.update_in(false)
    }

    /// The FROM-first form of UPDATE: `FROM t [WHERE …] SET …|REMOVE …
    /// [RETURNING …]` (the WHERE comes before the clauses, and only there).
    fn update_named_first(&mut self) -> Result<Update, ExprError> {
        self.update_in(true)
    }

    /// An UPDATE after its first keyword, its WHERE before or after the
    /// SET and REMOVE clauses.
    fn update_in(&mut self, where_first: bool) -> Result<Update, ExprError> {
        let (table, index) = self.source()?;
        if !where_first {
            self.no_alias(&["SET", "REMOVE"])?;
        }
        if index.is_some() {
            return Err(invalid("This operation is not supported on an index"));
        }
        let mut filter = None;
        if where_first && self.eat_kw("WHERE") {
            filter = Some(self.expr()?);
        }
        let actions = self.update_actions()?;
        if !where_first && self.eat_kw("WHERE") {
            filter = Some(self.expr()?);
        }
        let returning = self.returning()?;
        Ok(Update {
            table,
            actions,
            filter,
            returning,
        })
    }

    /// One or more SET and REMOVE clauses, in any order.
    fn update_actions(&mut self) -> Result<Vec<Action>, ExprError> {
        let mut actions = Vec::new();
        loop {
            if self.eat_kw("SET") {
                loop {
                    let path = self.path()?;
                    self.expect_punct("=")?;
                    let value = self.additive()?;
                    actions.push(Action::Set(path, value));
                    if !self.eat_punct(",") {
                        break;
                    }
                }
            } else if self.eat_kw("REMOVE") {
                loop {
                    actions.push(Action::Remove(self.path()?));
                    if !self.eat_punct(",") {
                        break;
                    }
                }
            } else {
                break;
            }
        }
        if actions.is_empty() {
            return Err(self.unexpected("Expected SET or REMOVE"));
        }
        Ok(actions)
    }

    fn delete(&mut self) -> Result<Delete, ExprError> {
        self.expect_kw("FROM")?;
        if !matches!(self.peek(), Tok::Ident(_) | Tok::Quoted(_)) || self.is_kw("WHERE") {
            return Err(not_well_formed("Expected identifier for simple path"));
        }
        let (table, index) = self.source()?;
        self.no_alias(&["WHERE", "RETURNING"])?;
        if index.is_some() {
            return Err(invalid("This operation is not supported on an index"));
        }
        let filter = if self.eat_kw("WHERE") { Some(self.expr()?) } else { None };
        let returning = self.returning()?;
        if let Some(r) = returning.filter(|r| *r != Returning::AllOld) {
            return Err(invalid(format!(
                "Invalid returning clause: RETURNING {}. Only RETURNING ALL OLD * is allowed in DELETE statements.",
                r.text()
            )));
        }
        Ok(Delete {
            table,
            filter,
            returning,
        })
    }

    fn returning(&mut self) -> Result<Option<Returning>, ExprError> {
        if !self.eat_kw("RETURNING") {
            return Ok(None);
        }
        let all = if self.eat_kw("ALL") {
            true
        } else if self.eat_kw("MODIFIED") {
            false
        } else {
            return Err(self.unexpected("Expected ALL or MODIFIED"));
        };
        let new = if self.eat_kw("NEW") {
            true
        } else if self.eat_kw("OLD") {
            false
        } else {
            return Err(self.unexpected("Expected NEW or OLD"));
        };
        if !self.eat_punct("*") {
            return Err(invalid("Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"));
        }
        Ok(Some(match (all, new) {
            (true, false) => Returning::AllOld,
            (false, false) => Returning::ModifiedOld,
            (true, true) => Returning::AllNew,
            (false, true) => Returning::ModifiedNew,
        }))
    }

    /// A condition: `OR` of `AND`s.
    fn expr(&mut self) -> Result<Expr, ExprError> {
        self.nest()?;
        let mut left = self.and()?;
        while self.eat_kw("OR") {
            self.infix_operand()?;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.not()?;
        while self.eat_kw("AND") {
            self.infix_operand()?;
            let right = self.not()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, ExprError> {
        if self.eat_kw("NOT") {
            self.nest()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, ExprError> {
        let left = self.additive()?;
        let op = match self.peek() {
            Tok::Punct("=") => Some(CmpOp::Eq),
            Tok::Punct("<>" | "!=") => Some(CmpOp::Ne),
            Tok::Punct("<") => Some(CmpOp::Lt),
            Tok::Punct("<=") => Some(CmpOp::Le),
            Tok::Punct(">") => Some(CmpOp::Gt),
            Tok::Punct(">=") => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.at += 1;
            let right = self.additive()?;
            return Ok(Expr::Compare(op, Box::new(left), Box::new(right)));
        }
        if self.eat_kw("BETWEEN") {
            let lo = self.additive()?;
            self.expect_kw("AND")?;
            let hi = self.additive()?;
            return Ok(Expr::Between(Box::new(left), Box::new(lo), Box::new(hi)));
        }
        if self.eat_kw("IN") {
            let close = if self.eat_punct("[") {
                "]"
            } else if self.eat_punct("(") {
                ")"
            } else {
                return Err(invalid(
                    "IN operator must have a left hand argument of type Variable Reference and right hand argument of type Seq with at least one member",
                ));
            };
            let mut items = Vec::new();
            if !self.eat_punct(close) {
                loop {
                    items.push(self.additive()?);
                    if self.eat_punct(close) {
                        break;
                    }
                    self.expect_punct(",")?;
                }
            }
            if items.is_empty() {
                return Err(invalid(
                    "IN operator must have a left hand argument of type Variable Reference and right hand argument of type Seq with at least one member",
                ));
            }
            return Ok(Expr::In(Box::new(left), items));
        }
        if self.eat_kw("IS") {
            let negated = self.eat_kw("NOT");
            let word = match self.bump() {
                Tok::Ident(w) => w.to_ascii_uppercase(),
                _ => return Err(not_well_formed("Expected type after IS")),
            };
            let ty = match word.as_str() {
                "MISSING" => IsType::Missing,
                "NULL" => IsType::Null,
                "BOOLEAN" | "BOOL" => IsType::Type("BOOL"),
                "STRING" => IsType::Type("S"),
                "NUMERIC" | "NUMBER" | "INT" | "INTEGER" | "DECIMAL" | "FLOAT" => IsType::Type("N"),
                "BLOB" => IsType::Type("B"),
                "LIST" => IsType::Type("L"),
                "STRUCT" | "TUPLE" => IsType::Type("M"),
                // Not a type name at all (paritysuite partiqlGrammar).
                _ if !SQL_TYPE_NAMES.contains(&word.as_str()) => return Err(not_well_formed("Expected type name")),
                _ => {
                    return Err(invalid(format!(
                        "Unsupported data type for IS operator: {word}. Supported data types are [MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]"
                    )))
                }
            };
            return Ok(Expr::Is {
                expr: Box::new(left),
                negated,
                ty,
            });
        }
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.primary()?;
        loop {
            let plus = if self.eat_punct("+") {
                true
            } else if self.eat_punct("-") {
                false
            } else {
                return Ok(left);
            };
            let right = self.primary()?;
            left = Expr::Arith(plus, Box::new(left), Box::new(right));
        }
    }

    /// A name (or `AS name`) after a statement's table, where one of
    /// `next` should follow: DynamoDB does not take aliases.
    fn no_alias(&self, next: &[&str]) -> Result<(), ExprError> {
        match self.peek() {
            Tok::Ident(w) if !next.iter().any(|k| w.eq_ignore_ascii_case(k)) => Err(invalid("Aliasing is not supported")),
            Tok::Quoted(_) => Err(invalid("Aliasing is not supported")),
            _ => Ok(()),
        }
    }

    /// After AND or OR: something must follow.
    fn infix_operand(&self) -> Result<(), ExprError> {
        if matches!(self.peek(), Tok::End | Tok::Punct(";")) {
            return Err(not_well_formed("Missing right-hand side expression of infix operator"));
        }
        Ok(())
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        // Where a term should start, DynamoDB names what it found instead
        // (paritysuite partiqlGrammar, AWS 2026).
        match self.peek() {
            Tok::End | Tok::Punct(";") => return Err(not_well_formed("Unexpected term")),
            Tok::Ident(w) if OPERATOR_WORDS.iter().any(|k| w.eq_ignore_ascii_case(k)) => {
                return Err(not_well_formed("Unexpected operator"))
            }
            Tok::Ident(w) if CLAUSE_WORDS.iter().any(|k| w.eq_ignore_ascii_case(k)) => {
                return Err(not_well_formed("Unexpected keyword"))
            }
            _ => {}
        }
        match self.peek().clone() {
            Tok::Punct("(") => {
                self.at += 1;
                let e = self.expr()?;
                self.expect_punct(")")?;
                Ok(e)
            }
            Tok::Ident(w) if self.peek_at(1) == &Tok::Punct("(") => {
                let site = CallSite {
                    name: self.span(0),
                    first_arg: self.span(2),
                };
                self.at += 2;
                self.nest()?;
                let mut args = Vec::new();
                if !self.eat_punct(")") {
                    loop {
                        args.push(self.additive()?);
                        if self.eat_punct(")") {
                            break;
                        }
                        self.expect_punct(",")?;
                    }
                }
                self.depth -= 1;
                Ok(Expr::Call(w.to_ascii_lowercase(), args, site))
            }
            Tok::Ident(w) if w.eq_ignore_ascii_case("MISSING") => {
                self.at += 1;
                Ok(Expr::Missing)
            }
            Tok::Ident(w)
                if ["NULL", "TRUE", "FALSE"].iter().any(|k| w.eq_ignore_ascii_case(k)) =>
            {
                self.value().map(Expr::Value)
            }
            Tok::Ident(_) | Tok::Quoted(_) => self.path().map(Expr::Path),
            _ => self.value().map(Expr::Value),
        }
    }

    /// A literal value: string, number, boolean, NULL, list, map, bag or
    /// parameter.
    fn value(&mut self) -> Result<AttributeValue, ExprError> {
        match self.bump() {
            Tok::Str(s) => Ok(AttributeValue::S(s)),
            Tok::Num(n) => self.number(&n, false),
            Tok::Punct("-") => match self.bump() {
                Tok::Num(n) => self.number(&n, true),
                _ => Err(not_well_formed("Expected number after '-'")),
            },
            Tok::Param => self.param(),
            Tok::Ident(w) if w.eq_ignore_ascii_case("TRUE") => Ok(AttributeValue::Bool(true)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("FALSE") => Ok(AttributeValue::Bool(false)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("NULL") => Ok(AttributeValue::Null),
            Tok::Punct("[") => {
                self.nest()?;
                let mut items = Vec::new();
                if !self.eat_punct("]") {
                    loop {
                        self.value_path.push(format!("[{}]", items.len()));
                        let item = self.value();
                        self.value_path.pop();
                        items.push(item?);
                        if self.eat_punct("]") {
                            break;
                        }
                        self.expect_punct(",")?;
                    }
                }
                self.depth -= 1;
                Ok(AttributeValue::L(items))
            }
            Tok::Punct("{") => {
                self.nest()?;
                let mut map = BTreeMap::new();
                if !self.eat_punct("}") {
                    loop {
                        let key = match self.bump() {
                            Tok::Str(s) => s,
                            Tok::Param => match self.param()? {
                                AttributeValue::S(s) => s,
                                other => {
                                    return Err(invalid(format!(
                                        "Tuple keys must be of type String. Actual type: {} under root",
                                        other.type_tag()
                                    )))
                                }
                            },
                            _ => return Err(not_well_formed("Expected string key in struct")),
                        };
                        self.expect_punct(":")?;
                        self.value_path.push(format!(".{key}"));
                        let v = self.value();
                        self.value_path.pop();
                        let v = v?;
                        if map.insert(key.clone(), v).is_some() {
                            return Err(invalid(format!("Duplicate keys in tuple. Key: {key} under root")));
                        }
                        if self.eat_punct("}") {
                            break;
                        }
                        self.expect_punct(",")?;
                    }
                }
                self.depth -= 1;
                Ok(AttributeValue::M(map))
            }
            Tok::Punct("<<") => self.bag(),
            Tok::Ident(w) if self.peek() == &Tok::Punct("(") => Err(invalid(format!(
                "Unsupported data type: {} under key root{}",
                w.to_ascii_lowercase(),
                self.span(-1)
            ))),
            Tok::End => Err(not_well_formed("Unexpected end of statement")),
            _ => Err(not_well_formed("Unexpected token")),
        }
    }

    /// `<< v, … >>`: a string, number or binary set.
    fn bag(&mut self) -> Result<AttributeValue, ExprError> {
        let mut items = Vec::new();
        if !self.eat_punct(">>") {
            loop {
                items.push(self.value()?);
                if self.eat_punct(">>") {
                    break;
                }
                self.expect_punct(",")?;
            }
        }
        if items.is_empty() {
            return Err(invalid("Empty bags are not supported"));
        }
        let rendered = || {
            items
                .iter()
                .map(|v| match v {
                    AttributeValue::S(s) => s.clone(),
                    AttributeValue::N(n) => n.to_string(),
                    other => other.type_tag().to_owned(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let duplicates = || invalid(format!("One or more parameter values were invalid: Input collection [{}] contains duplicates.", rendered()));
        let unsupported = || invalid("Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags");
        // Sets are kept in DynamoDB's order, as every other write keeps them.
        match items.first() {
            Some(AttributeValue::S(_)) => {
                let mut out: Vec<String> = Vec::new();
                for v in &items {
                    let AttributeValue::S(s) = v else { return Err(unsupported()) };
                    if out.contains(s) {
                        return Err(duplicates());
                    }
                    out.push(s.clone());
                }
                out.sort_unstable();
                Ok(AttributeValue::Ss(out))
            }
            Some(AttributeValue::N(_)) => {
                let mut out: Vec<Number> = Vec::new();
                for v in &items {
                    let AttributeValue::N(n) = v else { return Err(unsupported()) };
                    if out.contains(n) {
                        return Err(duplicates());
                    }
                    out.push(*n);
                }
                out.sort_unstable();
                Ok(AttributeValue::Ns(out))
            }
            Some(AttributeValue::B(_)) => {
                let mut out: Vec<Vec<u8>> = Vec::new();
                for v in &items {
                    let AttributeValue::B(b) = v else { return Err(unsupported()) };
                    if out.contains(b) {
                        return Err(duplicates());
                    }
                    out.push(b.clone());
                }
                out.sort_unstable();
                Ok(AttributeValue::Bs(out))
            }
            _ => Err(unsupported()),
        }
    }
}


