//! Expression syntax trees, shared by the parsed and the resolved phase.
//!
//! Every tree is generic over a [`Phase`]: [`Parsed`] trees name attributes
//! and values the way the expression text does (literal names and
//! `#`/`:` placeholders), [`Resolved`] trees carry the real attribute names
//! and the `AttributeValue`s from `ExpressionAttributeValues`. Resolution
//! ([`super::resolve`]) is the only way from one to the other, so an
//! evaluator can never see an unresolved placeholder.
//!
//! Map: [`DocPath`] (document paths), [`Operand`] and [`FunctionCall`]
//! (values), [`Condition`] (Condition/Filter/KeyCondition expressions),
//! [`UpdateExpr`] (update clauses), [`Projection`].

use std::borrow::Cow;
use std::fmt::{self, Debug};
use std::marker::PhantomData;

use crate::value::AttributeValue;

/// A phase of the tree: what names and values look like in it.
pub trait Phase: Debug + Clone + PartialEq {
    /// How an attribute name in a document path is written.
    type Name: Debug + Clone + PartialEq;
    /// How a constant value is written.
    type Value: Debug + Clone + PartialEq;
}

/// The tree as parsed from text; its names and placeholders borrow from
/// the expression string (parsing copies no text).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parsed<'s>(PhantomData<&'s str>);

/// The tree after placeholders were substituted. Names and values borrow
/// from the request's `ExpressionAttributeNames`/`Values` (resolution copies
/// nothing); trees built from legacy parameters own theirs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resolved<'a>(PhantomData<&'a ()>);

impl<'s> Phase for Parsed<'s> {
    type Name = NameRef<'s>;
    type Value = ValueRef<'s>;
}

impl<'a> Phase for Resolved<'a> {
    type Name = Cow<'a, str>;
    type Value = Cow<'a, AttributeValue>;
}

/// A resolved attribute name.
pub type Name<'a> = Cow<'a, str>;
/// A resolved document path.
pub type ResolvedPath<'a> = DocPath<Name<'a>>;

/// An attribute name as written in an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRef<'s> {
    /// A literal name such as `Price`.
    Literal(&'s str),
    /// A `#placeholder`, including the `#`.
    Placeholder(&'s str),
}

/// A `:placeholder` for a value, including the `:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueRef<'s>(pub &'s str);

/// One step of a document path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathElem<N> {
    /// A map key (or, first, a top-level attribute name).
    Name(N),
    /// A list index `[n]`.
    Index(u32),
}

/// A document path: a top-level attribute followed by map keys and list
/// indexes. Invariant: non-empty, and the first element is a `Name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocPath<N> {
    /// The top-level attribute name.
    pub head: N,
    /// The steps after it.
    pub rest: Vec<PathElem<N>>,
}

impl<N> DocPath<N> {
    /// Number of steps, the head included.
    pub fn depth(&self) -> usize {
        self.rest.len() + 1
    }
}

impl<'a> DocPath<Cow<'a, str>> {
    /// A top-level path.
    pub fn top(name: impl Into<Cow<'a, str>>) -> Self {
        DocPath {
            head: name.into(),
            rest: Vec::new(),
        }
    }
}

impl<N: fmt::Display> fmt::Display for DocPath<N> {
    /// Renders the path as DynamoDB does in error messages: `[a, b, [1]]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}", self.head)?;
        for elem in &self.rest {
            match elem {
                PathElem::Name(n) => write!(f, ", {n}")?,
                PathElem::Index(i) => write!(f, ", [{i}]")?,
            }
        }
        f.write_str("]")
    }
}

/// The functions DynamoDB knows. Names are case-sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `attribute_exists(path)`
    AttributeExists,
    /// `attribute_not_exists(path)`
    AttributeNotExists,
    /// `attribute_type(path, :type)`
    AttributeType,
    /// `begins_with(a, b)`
    BeginsWith,
    /// `contains(a, b)`
    Contains,
    /// `size(a)`
    Size,
    /// `if_not_exists(path, value)` (update expressions only)
    IfNotExists,
    /// `list_append(a, b)` (update expressions only)
    ListAppend,
}

impl Func {
    /// The function's name as written.
    pub const fn name(self) -> &'static str {
        match self {
            Func::AttributeExists => "attribute_exists",
            Func::AttributeNotExists => "attribute_not_exists",
            Func::AttributeType => "attribute_type",
            Func::BeginsWith => "begins_with",
            Func::Contains => "contains",
            Func::Size => "size",
            Func::IfNotExists => "if_not_exists",
            Func::ListAppend => "list_append",
        }
    }

    /// How many operands the function takes.
    pub const fn arity(self) -> usize {
        match self {
            Func::AttributeExists | Func::AttributeNotExists | Func::Size => 1,
            _ => 2,
        }
    }

    /// True for the functions that yield a boolean (usable as a condition).
    pub const fn is_boolean(self) -> bool {
        matches!(
            self,
            Func::AttributeExists
                | Func::AttributeNotExists
                | Func::AttributeType
                | Func::BeginsWith
                | Func::Contains
        )
    }

    /// Looks a name up among condition-expression functions.
    pub fn condition_function(name: &str) -> Option<Func> {
        Some(match name {
            "attribute_exists" => Func::AttributeExists,
            "attribute_not_exists" => Func::AttributeNotExists,
            "attribute_type" => Func::AttributeType,
            "begins_with" => Func::BeginsWith,
            "contains" => Func::Contains,
            "size" => Func::Size,
            "if_not_exists" => Func::IfNotExists,
            "list_append" => Func::ListAppend,
            _ => return None,
        })
    }

    /// Looks a name up among update-expression functions.
    pub fn update_function(name: &str) -> Option<Func> {
        match name {
            "if_not_exists" => Some(Func::IfNotExists),
            "list_append" => Some(Func::ListAppend),
            _ => None,
        }
    }
}

/// A function applied to operands.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionCall<P: Phase> {
    /// Which function.
    pub func: Func,
    /// Its operands, in order.
    pub args: Vec<Operand<P>>,
}

/// Something that yields a value: a path into the item, a constant, or a
/// function of other operands.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand<P: Phase> {
    /// A document path into the item.
    Path(DocPath<P::Name>),
    /// A constant from `ExpressionAttributeValues`.
    Value(P::Value),
    /// A function call such as `size(a)` (not boxed: its operands already
    /// live in the call's `Vec`).
    Call(FunctionCall<P>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CompareOp {
    /// The operator as written.
    pub const fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "<>",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }

    /// The operator with its operands swapped (`a < b` is `b > a`).
    pub const fn flipped(self) -> CompareOp {
        match self {
            CompareOp::Lt => CompareOp::Gt,
            CompareOp::Le => CompareOp::Ge,
            CompareOp::Gt => CompareOp::Lt,
            CompareOp::Ge => CompareOp::Le,
            other => other,
        }
    }
}

/// A boolean condition (ConditionExpression, FilterExpression,
/// KeyConditionExpression).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition<P: Phase> {
    /// `a <op> b`
    Compare {
        /// The operator.
        op: CompareOp,
        /// Left operand.
        left: Operand<P>,
        /// Right operand.
        right: Operand<P>,
    },
    /// `a BETWEEN low AND high`
    Between {
        /// The tested operand.
        value: Operand<P>,
        /// Lower bound (inclusive).
        low: Operand<P>,
        /// Upper bound (inclusive).
        high: Operand<P>,
    },
    /// `a IN (b, c, ...)`
    In {
        /// The tested operand.
        value: Operand<P>,
        /// The candidates.
        list: Vec<Operand<P>>,
    },
    /// A boolean function such as `attribute_exists(a)`.
    Call(FunctionCall<P>),
    /// `NOT c`
    Not(Box<Condition<P>>),
    /// `c1 AND c2 AND ...` (at least two)
    And(Vec<Condition<P>>),
    /// `c1 OR c2 OR ...` (at least two)
    Or(Vec<Condition<P>>),
}

/// The right-hand side of a `SET` action.
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue<P: Phase> {
    /// A single operand.
    Operand(Operand<P>),
    /// `a + b`
    Plus(Operand<P>, Operand<P>),
    /// `a - b`
    Minus(Operand<P>, Operand<P>),
}

/// One `SET path = value` action.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAction<P: Phase> {
    /// The written path.
    pub path: DocPath<P::Name>,
    /// The new value.
    pub value: SetValue<P>,
}

/// One `ADD path :v` or `DELETE path :v` action.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueAction<P: Phase> {
    /// The written path.
    pub path: DocPath<P::Name>,
    /// The number or set to add or delete.
    pub value: P::Value,
}

/// One action of an update expression.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction<P: Phase> {
    /// `SET path = value`
    Set(SetAction<P>),
    /// `REMOVE path`
    Remove(DocPath<P::Name>),
    /// `ADD path :value`
    Add(ValueAction<P>),
    /// `DELETE path :value`
    Delete(ValueAction<P>),
}

impl<P: Phase> UpdateAction<P> {
    /// The path the action writes.
    pub fn path(&self) -> &DocPath<P::Name> {
        match self {
            UpdateAction::Set(a) => &a.path,
            UpdateAction::Remove(p) => p,
            UpdateAction::Add(a) | UpdateAction::Delete(a) => &a.path,
        }
    }
}

/// An UpdateExpression: its actions in written order (clauses may come in
/// any order, each at most once).
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateExpr<P: Phase> {
    /// Every action, in the order written.
    pub actions: Vec<UpdateAction<P>>,
}

impl<P: Phase> Operand<P> {
    fn visit_paths<'s>(&'s self, f: &mut dyn FnMut(&'s DocPath<P::Name>)) {
        match self {
            Operand::Path(p) => f(p),
            Operand::Value(_) => {}
            Operand::Call(c) => c.args.iter().for_each(|a| a.visit_paths(f)),
        }
    }
}

impl<P: Phase> Condition<P> {
    /// Calls `f` with every document path the condition reads, in order.
    pub fn visit_paths<'s>(&'s self, f: &mut dyn FnMut(&'s DocPath<P::Name>)) {
        match self {
            Condition::Compare { left, right, .. } => {
                left.visit_paths(f);
                right.visit_paths(f);
            }
            Condition::Between { value, low, high } => {
                for o in [value, low, high] {
                    o.visit_paths(f);
                }
            }
            Condition::In { value, list } => {
                value.visit_paths(f);
                list.iter().for_each(|o| o.visit_paths(f));
            }
            Condition::Call(c) => c.args.iter().for_each(|a| a.visit_paths(f)),
            Condition::Not(c) => c.visit_paths(f),
            Condition::And(cs) | Condition::Or(cs) => cs.iter().for_each(|c| c.visit_paths(f)),
        }
    }
}

impl<P: Phase> UpdateExpr<P> {
    /// Calls `f` with every document path the update names, in order: each
    /// action's target, then the paths its value reads.
    pub fn visit_paths<'s>(&'s self, f: &mut dyn FnMut(&'s DocPath<P::Name>)) {
        for action in &self.actions {
            f(action.path());
            if let UpdateAction::Set(set) = action {
                match &set.value {
                    SetValue::Operand(o) => o.visit_paths(f),
                    SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
                        a.visit_paths(f);
                        b.visit_paths(f);
                    }
                }
            }
        }
    }

    /// True when every action only takes something away (REMOVE, DELETE,
    /// or AttributeUpdates' DELETE) and there is at least one: such an
    /// update of an item that does not exist leaves it absent, where any
    /// other update creates it.
    pub fn only_removes(&self) -> bool {
        !self.actions.is_empty()
            && self
                .actions
                .iter()
                .all(|a| matches!(a, UpdateAction::Remove(_) | UpdateAction::Delete(_)))
    }
}

/// A ProjectionExpression: the paths to return, in written order.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection<P: Phase> {
    /// The projected paths.
    pub paths: Vec<DocPath<P::Name>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_display_matches_dynamodb() {
        let p = DocPath {
            head: "a".to_string(),
            rest: vec![PathElem::Name("b".to_string()), PathElem::Index(1)],
        };
        assert_eq!(p.to_string(), "[a, b, [1]]");
        assert_eq!(DocPath::top("a").to_string(), "[a]");
        assert_eq!(p.depth(), 3);
    }

    #[test]
    fn functions_round_trip_and_arity() {
        for f in [
            Func::AttributeExists,
            Func::AttributeNotExists,
            Func::AttributeType,
            Func::BeginsWith,
            Func::Contains,
            Func::Size,
            Func::IfNotExists,
            Func::ListAppend,
        ] {
            assert_eq!(Func::condition_function(f.name()), Some(f));
        }
        assert_eq!(Func::condition_function("BEGINS_WITH"), None);
        assert_eq!(Func::update_function("size"), None);
        assert_eq!(Func::Size.arity(), 1);
        assert_eq!(Func::Contains.arity(), 2);
        assert!(!Func::Size.is_boolean());
        assert_eq!(CompareOp::Lt.flipped(), CompareOp::Gt);
        assert_eq!(CompareOp::Eq.flipped(), CompareOp::Eq);
    }
}
