//! The statements DynamoDB's PartiQL accepts, as parsed: `?` placeholders
//! are already replaced by their parameters and literals are
//! `AttributeValue`s, so a tree names everything it needs.

use crate::value::AttributeValue;

/// One parsed statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Select(Select),
    Insert(Insert),
    Update(Update),
    Delete(Delete),
    /// `EXISTS(SELECT …)`: a condition check (transactions only).
    Exists(Select),
}

impl Statement {
    /// The table the statement names.
    pub fn table(&self) -> &str {
        match self {
            Statement::Select(s) | Statement::Exists(s) => &s.table,
            Statement::Insert(i) => &i.table,
            Statement::Update(u) => &u.table,
            Statement::Delete(d) => &d.table,
        }
    }

    /// The IAM action of the statement (`PartiQLSelect`, …).
    pub const fn action(&self) -> &'static str {
        match self {
            Statement::Select(_) | Statement::Exists(_) => "PartiQLSelect",
            Statement::Insert(_) => "PartiQLInsert",
            Statement::Update(_) => "PartiQLUpdate",
            Statement::Delete(_) => "PartiQLDelete",
        }
    }

    /// True for statements that read (SELECT).
    pub const fn is_read(&self) -> bool {
        matches!(self, Statement::Select(_))
    }

    /// The RETURNING clause of an UPDATE or DELETE.
    pub const fn returning(&self) -> Option<Returning> {
        match self {
            Statement::Update(u) => u.returning,
            Statement::Delete(d) => d.returning,
            _ => None,
        }
    }
}

/// `SELECT … FROM table[.index] [WHERE …] [ORDER BY …]`
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// `None` for `*`.
    pub projection: Option<Vec<Path>>,
    pub table: String,
    pub index: Option<String>,
    pub filter: Option<Expr>,
    /// Key attributes to order by, true for `DESC`.
    pub order_by: Vec<(String, bool)>,
}

/// `INSERT INTO table VALUE {…}`
#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    pub table: String,
    pub item: std::collections::BTreeMap<String, AttributeValue>,
}

/// `UPDATE table SET …/REMOVE … WHERE … [RETURNING …]`
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub table: String,
    pub actions: Vec<Action>,
    pub filter: Option<Expr>,
    pub returning: Option<Returning>,
}

/// `DELETE FROM table WHERE … [RETURNING …]`
#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    pub table: String,
    pub filter: Option<Expr>,
    pub returning: Option<Returning>,
}

/// One clause of an UPDATE.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `SET path = value`
    Set(Path, Expr),
    /// `REMOVE path`
    Remove(Path),
}

/// `RETURNING (ALL | MODIFIED) (OLD | NEW) *`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returning {
    AllOld,
    ModifiedOld,
    AllNew,
    ModifiedNew,
}

impl Returning {
    /// The `ReturnValues` of UpdateItem/DeleteItem it means.
    pub const fn return_values(self) -> &'static str {
        match self {
            Returning::AllOld => "ALL_OLD",
            Returning::ModifiedOld => "UPDATED_OLD",
            Returning::AllNew => "ALL_NEW",
            Returning::ModifiedNew => "UPDATED_NEW",
        }
    }

    /// As written in a statement.
    pub const fn text(self) -> &'static str {
        match self {
            Returning::AllOld => "ALL OLD *",
            Returning::ModifiedOld => "MODIFIED OLD *",
            Returning::AllNew => "ALL NEW *",
            Returning::ModifiedNew => "MODIFIED NEW *",
        }
    }
}

/// A document path: an attribute, then map keys and list indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub head: String,
    pub steps: Vec<Step>,
}

/// One step of a [`Path`] after its head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Name(String),
    Index(u32),
}

impl Path {
    /// A top-level attribute.
    pub fn attr(name: &str) -> Path {
        Path {
            head: name.to_owned(),
            steps: Vec::new(),
        }
    }

    /// True for a top-level attribute.
    pub fn is_top(&self) -> bool {
        self.steps.is_empty()
    }

    /// The name a SELECT gives the value at this path: its last map key
    /// (or attribute name) with the list indexes that follow it (`m.b[1]`
    /// is `b[1]`, `l[0]` is `l[0]`), as DynamoDB names them.
    pub fn output_name(&self) -> String {
        let last = self.steps.iter().rposition(|s| matches!(s, Step::Name(_)));
        let (base, rest) = match last {
            Some(at) => (
                match self.steps.get(at) {
                    Some(Step::Name(n)) => n.as_str(),
                    _ => self.head.as_str(),
                },
                self.steps.get(at + 1..).unwrap_or_default(),
            ),
            None => (self.head.as_str(), self.steps.as_slice()),
        };
        let mut name = base.to_owned();
        for step in rest {
            if let Step::Index(i) = step {
                name.push_str(&format!("[{i}]"));
            }
        }
        name
    }
}

/// Comparison operators: the expression language's own.
pub use crate::expr::ast::CompareOp as CmpOp;

/// What `IS [NOT] …` tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsType {
    Missing,
    Null,
    /// A DynamoDB type tag (`S`, `N`, `B`, `BOOL`, `L`, `M`).
    Type(&'static str),
}

/// A condition or value expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Path(Path),
    Value(AttributeValue),
    /// The `MISSING` literal.
    Missing,
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Between(Box<Expr>, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Vec<Expr>),
    Is {
        expr: Box<Expr>,
        negated: bool,
        ty: IsType,
    },
    /// A function call, its name in lower case, and where it was written.
    Call(String, Vec<Expr>, CallSite),
    /// `a + b` (true) or `a - b` (false).
    Arith(bool, Box<Expr>, Box<Expr>),
}

/// Where a function call's name and its first argument were written, for
/// the messages that point at them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallSite {
    pub name: super::lexer::Span,
    pub first_arg: super::lexer::Span,
}
