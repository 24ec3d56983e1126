//! Phase 3 for projections: keep only the projected parts of an item.
//!
//! The projected paths form a tree; the item is copied along it. A list
//! projected by index keeps only the selected elements, in index order and
//! compacted (`a[1], a[3]` of `[x, y, z, w]` gives `[y, w]`); paths that do
//! not exist, or that step into the wrong type, contribute nothing, and a map
//! or list that would come out empty is left out. The resolver has already
//! rejected overlapping and conflicting paths, so a node is either taken
//! whole or refined by children.

use std::collections::BTreeMap;

use super::ast::{Name, PathElem, Projection, Resolved, ResolvedPath};
use crate::value::{AttributeValue, Item};

#[derive(Debug, Default)]
struct Node {
    whole: bool,
    keys: BTreeMap<String, Node>,
    indexes: BTreeMap<u32, Node>,
}

impl Node {
    fn insert<'p, 'n: 'p>(&mut self, mut steps: impl Iterator<Item = &'p PathElem<Name<'n>>>) {
        match steps.next() {
            None => self.whole = true,
            Some(PathElem::Name(n)) => self.keys.entry(n.to_string()).or_default().insert(steps),
            Some(PathElem::Index(i)) => self.indexes.entry(*i).or_default().insert(steps),
        }
    }

    fn apply(&self, value: &AttributeValue) -> Option<AttributeValue> {
        if self.whole {
            return Some(value.clone());
        }
        match value {
            AttributeValue::M(m) if !self.keys.is_empty() => {
                let out: BTreeMap<String, AttributeValue> = self
                    .keys
                    .iter()
                    .filter_map(|(k, node)| Some((k.clone(), node.apply(m.get(k)?)?)))
                    .collect();
                (!out.is_empty()).then_some(AttributeValue::M(out))
            }
            AttributeValue::L(l) if !self.indexes.is_empty() => {
                let out: Vec<AttributeValue> = self
                    .indexes
                    .iter()
                    .filter_map(|(i, node)| node.apply(l.get(usize::try_from(*i).ok()?)?))
                    .collect();
                (!out.is_empty()).then_some(AttributeValue::L(out))
            }
            _ => None,
        }
    }
}

/// A projection compiled into a tree, reusable across items.
#[derive(Debug, Default)]
pub struct ProjectionTree {
    top: BTreeMap<String, Node>,
}

impl ProjectionTree {
    /// Builds the tree of a resolved projection.
    pub fn new(projection: &Projection<Resolved<'_>>) -> Self {
        let mut tree = ProjectionTree::default();
        for path in &projection.paths {
            tree.add(path);
        }
        tree
    }

    fn add(&mut self, path: &ResolvedPath<'_>) {
        self.top
            .entry(path.head.to_string())
            .or_default()
            .insert(path.rest.iter());
    }

    /// The projected copy of `item`.
    pub fn apply(&self, item: &Item) -> Item {
        self.top
            .iter()
            .filter_map(|(k, node)| Some((k.clone(), node.apply(item.get(k)?)?)))
            .collect()
    }
}

/// Projects one item.
pub fn project(projection: &Projection<Resolved<'_>>, item: &Item) -> Item {
    ProjectionTree::new(projection).apply(item)
}
