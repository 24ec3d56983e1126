//! Vector indexes (2026): the `VectorIndexes` member of CreateTable, the
//! `Create` action of UpdateTable's `VectorIndexUpdates`, their checks, and
//! the definition the catalog stores.
//!
//! A vector index names a list-of-numbers attribute, its dimensions and a
//! distance function, an optional search schema (at most one `HASH`
//! attribute, which every search must fix, and `INLINE_FILTER` attributes)
//! and a projection. Vector indexes need on-demand billing; search-schema
//! attributes must be defined in `AttributeDefinitions`, like index keys;
//! the vector attribute is no key attribute of the table or of its other
//! indexes.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::constraints::Constraints;
use super::create::{invalid, projection};
use super::spec::{BillingMode, ProjectionSpec, ScalarType};
use super::types::{AttributeDefinition, Projection};
use crate::vector::Distance;

/// Most vector indexes per table.
pub const MAX_VECTOR_INDEXES: usize = 5;
/// Most dimensions of a vector.
pub const MAX_DIMENSIONS: i64 = 4096;
/// Most `INLINE_FILTER` attributes of one index.
pub const MAX_INLINE_FILTERS: usize = 18;
/// Most projected attributes of one index: its `NonKeyAttributes` and the
/// vector attribute, which counts as projected (Alternator's
/// test_vector_new.py, run against DynamoDB, finds 19 `NonKeyAttributes`
/// accepted and 20 refused, whatever the table's key).
pub const MAX_PROJECTED_ATTRIBUTES: usize = 20;

/// `VectorAttributeDefinition`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VectorAttributeInput {
    #[serde(rename = "AttributeName", default)]
    pub attribute_name: Option<String>,
}

/// `SearchSchemaElement`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchSchemaElementInput {
    #[serde(rename = "AttributeName", default)]
    pub attribute_name: Option<String>,
    #[serde(rename = "SearchSchemaElementType", default)]
    pub element_type: Option<String>,
}

/// `VectorIndex` (CreateTable) and `CreateVectorIndexAction` (UpdateTable):
/// the same members.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VectorIndexInput {
    #[serde(rename = "IndexName", default)]
    pub index_name: Option<String>,
    #[serde(rename = "VectorAttribute", default)]
    pub vector_attribute: Option<VectorAttributeInput>,
    #[serde(rename = "SearchSchema", default)]
    pub search_schema: Option<Vec<SearchSchemaElementInput>>,
    #[serde(rename = "Projection", default)]
    pub projection: Option<Projection>,
    #[serde(rename = "Dimensions", default)]
    pub dimensions: Option<i64>,
    #[serde(rename = "DistanceFunction", default)]
    pub distance_function: Option<String>,
}

/// `DeleteVectorIndexAction`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteVectorIndexInput {
    #[serde(rename = "IndexName", default)]
    pub index_name: Option<String>,
}

/// One element of UpdateTable's `VectorIndexUpdates`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VectorIndexUpdateInput {
    #[serde(rename = "Create", default)]
    pub create: Option<VectorIndexInput>,
    #[serde(rename = "Delete", default)]
    pub delete: Option<DeleteVectorIndexInput>,
}

/// What a search-schema attribute does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SearchRole {
    /// Partitions the index: every search fixes its value.
    Hash,
    /// May be fixed by a search, or not.
    InlineFilter,
}

impl SearchRole {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            SearchRole::Hash => "HASH",
            SearchRole::InlineFilter => "INLINE_FILTER",
        }
    }
}

/// One search-schema attribute, with its defined type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchAttr {
    pub name: String,
    pub ty: ScalarType,
    pub role: SearchRole,
}

/// A validated vector index, as the catalog stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VectorIndexSpec {
    pub name: String,
    /// The attribute holding each item's vector (a list of numbers).
    pub attribute: String,
    pub dimensions: u32,
    pub distance: Distance,
    /// In request order.
    pub search_schema: Vec<SearchAttr>,
    pub projection: ProjectionSpec,
}

impl VectorIndexSpec {
    /// The `HASH` attribute, if the index has one.
    pub fn hash(&self) -> Option<&SearchAttr> {
        self.search_schema.iter().find(|a| a.role == SearchRole::Hash)
    }

    /// The search-schema attribute called `name`.
    pub fn search_attr(&self, name: &str) -> Option<&SearchAttr> {
        self.search_schema.iter().find(|a| a.name == name)
    }

    /// The vector of `item` when the index holds it: a vector of the
    /// index's size, when the schema has one the HASH attribute (a sparse
    /// index, like a GSI), and every search attribute it has of its
    /// defined type. Writes refuse another type once the index exists; an
    /// older item with one is left out, as DynamoDB's backfill leaves it
    /// (Alternator's test_searchvectors_prefill_wrong_type_inline_filter).
    pub fn holds(&self, item: &crate::Item) -> Option<Vec<f32>> {
        let vector = crate::vector::vector_of(item.get(&self.attribute)?, self.dimensions).ok()?;
        let hash_present = self.hash().is_none_or(|h| item.contains_key(&h.name));
        let typed = self
            .search_schema
            .iter()
            .all(|a| item.get(&a.name).is_none_or(|v| v.type_tag() == a.ty.as_str()));
        (hash_present && typed).then_some(vector)
    }

    /// True when the index stores attribute `name` of its items: the
    /// table's key (`is_table_key`), the search schema, the vector and
    /// what `Projection` adds.
    pub fn projects(&self, name: &str, is_table_key: impl Fn(&str) -> bool) -> bool {
        match &self.projection {
            ProjectionSpec::All => true,
            other => {
                name == self.attribute
                    || is_table_key(name)
                    || self.search_attr(name).is_some()
                    || matches!(other, ProjectionSpec::Include(extra) if extra.iter().any(|e| e == name))
            }
        }
    }
}

/// The members of a vector index's definition, as CreateTable takes them
/// and backups and restores carry them over from a description.
pub const DEFINITION_MEMBERS: [&str; 6] =
    ["IndexName", "VectorAttribute", "SearchSchema", "Projection", "Dimensions", "DistanceFunction"];

/// Member constraints of one vector index definition at `path` (e.g.
/// `vectorIndexes.1.member`).
pub(super) fn constraints(c: &mut Constraints, v: &VectorIndexInput, path: &str) {
    match &v.index_name {
        Some(n) => c.table_name(n, &format!("{path}.indexName")),
        None => {
            c.not_null(None::<&String>, &format!("{path}.indexName"));
        }
    }
    match v.vector_attribute.as_ref().map(|a| &a.attribute_name) {
        Some(Some(n)) => c.length(n, &format!("{path}.vectorAttribute.attributeName"), 1, 255),
        Some(None) => {
            c.not_null(None::<&String>, &format!("{path}.vectorAttribute.attributeName"));
        }
        None => {
            c.not_null(None::<&String>, &format!("{path}.vectorAttribute"));
        }
    }
    if let Some(schema) = &v.search_schema {
        let rendered = super::constraints::render_list(schema.iter().map(|e| {
            format!(
                "SearchSchemaElement(attributeName={}, searchSchemaElementType={})",
                e.attribute_name.as_deref().unwrap_or("null"),
                e.element_type.as_deref().unwrap_or("null")
            )
        }));
        c.list_length(&rendered, schema.len(), &format!("{path}.searchSchema"), 1, usize::MAX);
        for (i, e) in schema.iter().enumerate() {
            let p = format!("{path}.searchSchema.{}.member", i + 1);
            match &e.attribute_name {
                Some(n) => c.length(n, &format!("{p}.attributeName"), 1, 255),
                None => {
                    c.not_null(None::<&String>, &format!("{p}.attributeName"));
                }
            }
            match &e.element_type {
                Some(t) => c.one_of(t, &format!("{p}.searchSchemaElementType"), &["HASH", "INLINE_FILTER"]),
                None => {
                    c.not_null(None::<&String>, &format!("{p}.searchSchemaElementType"));
                }
            }
        }
    }
    match &v.projection {
        Some(p) => super::create::projection_constraints(c, p, &format!("{path}.projection")),
        None => {
            c.not_null(None::<&String>, &format!("{path}.projection"));
        }
    }
    match v.dimensions {
        Some(d) => c.at_least(d, &format!("{path}.dimensions"), 1),
        None => {
            c.not_null(None::<&i64>, &format!("{path}.dimensions"));
        }
    }
    match &v.distance_function {
        Some(f) => c.one_of(f, &format!("{path}.distanceFunction"), &["COSINE", "DOT_PRODUCT", "EUCLIDEAN"]),
        None => {
            c.not_null(None::<&String>, &format!("{path}.distanceFunction"));
        }
    }
}

/// Checks one vector index (its member constraints already met) against
/// the table: its billing mode, the attribute definitions, the key
/// attributes of the table and its secondary indexes (`keys`, which the
/// vector attribute may not be), the names already taken by other indexes
/// (`taken`, which it joins) and the dimensions of other vector indexes on
/// the same attribute (`others`).
pub fn validate(
    v: &VectorIndexInput,
    defs: &[(String, ScalarType)],
    billing: BillingMode,
    keys: &BTreeSet<&str>,
    taken: &mut BTreeSet<String>,
    others: &[VectorIndexSpec],
) -> Result<VectorIndexSpec, String> {
    let name = v.index_name.clone().unwrap_or_default();
    if billing != BillingMode::PayPerRequest {
        return Err(invalid("Vector indexes are only supported for PAY_PER_REQUEST tables"));
    }
    let attribute = v.vector_attribute.as_ref().and_then(|a| a.attribute_name.clone()).unwrap_or_default();
    let dimensions = v.dimensions.unwrap_or_default();
    if !(1..=MAX_DIMENSIONS).contains(&dimensions) {
        return Err(invalid(&format!("Number of dimensions must be between 1 and {MAX_DIMENSIONS} inclusive.")));
    }
    let dimensions = u32::try_from(dimensions).map_err(|_| invalid("Dimensions must be a positive number"))?;
    // A name another index has is refused before the attribute is looked
    // at (Alternator's test_createtable_vectorindexes_same_name_lsi).
    if taken.contains(&name) {
        return Err(invalid(&format!("Duplicate index name: {name}")));
    }
    // A key attribute has a scalar type, never a list of numbers
    // (Alternator's test_vector_new.py, run against DynamoDB, expects a
    // ValidationException naming the VectorAttribute).
    if keys.contains(attribute.as_str()) {
        return Err(key_conflict(&attribute));
    }
    let distance = v.distance_function.as_deref().and_then(Distance::parse).unwrap_or(Distance::Cosine);
    let mut search_schema = Vec::new();
    let mut seen = BTreeSet::new();
    for e in v.search_schema.iter().flatten() {
        let attr_name = e.attribute_name.clone().unwrap_or_default();
        let Some(ty) = defs.iter().find(|(n, _)| *n == attr_name).map(|(_, t)| *t) else {
            return Err(invalid("One element in SearchSchema is not defined in attribute definitions"));
        };
        if !seen.insert(attr_name.clone()) {
            return Err(invalid(&format!("Duplicate attribute in SearchSchema: {attr_name}")));
        }
        if attr_name == attribute {
            return Err(invalid(&format!(
                "The vector attribute {attribute} cannot also be an element of SearchSchema"
            )));
        }
        let role = if e.element_type.as_deref() == Some("HASH") { SearchRole::Hash } else { SearchRole::InlineFilter };
        search_schema.push(SearchAttr { name: attr_name, ty, role });
    }
    if search_schema.iter().filter(|a| a.role == SearchRole::Hash).count() > 1 {
        return Err(invalid("SearchSchema can have at most one element of type HASH"));
    }
    if search_schema.iter().filter(|a| a.role == SearchRole::InlineFilter).count() > MAX_INLINE_FILTERS {
        return Err(invalid(&format!(
            "SearchSchema can have at most {MAX_INLINE_FILTERS} elements of type INLINE_FILTER"
        )));
    }
    if others.iter().any(|o| o.attribute == attribute && o.dimensions != dimensions) {
        return Err(invalid(&format!(
            "Conflicting attribute definition for '{attribute}'. All VectorIndexes on the same vector attribute must use the same dimensions."
        )));
    }
    let projection = projection(v.projection.as_ref())?;
    if let ProjectionSpec::Include(extra) = &projection {
        let projected = extra.iter().filter(|a| **a != attribute).count() + 1;
        if projected > MAX_PROJECTED_ATTRIBUTES {
            return Err(invalid(&format!(
                "Number of projected attributes in index {name} exceeds limit of {MAX_PROJECTED_ATTRIBUTES}, provided: {projected}. The VectorAttribute counts as a projected attribute."
            )));
        }
    }
    taken.insert(name.clone());
    Ok(VectorIndexSpec { name, attribute, dimensions, distance, search_schema, projection })
}

/// The refusal of a vector index whose attribute is a key attribute of the
/// table or of a secondary index.
fn key_conflict(attribute: &str) -> String {
    invalid(&format!(
        "Conflicting attribute definition for '{attribute}'. The VectorAttribute of a vector index cannot be a key attribute of the table or of a secondary index."
    ))
}

/// The refusal of a global secondary index keyed on `attribute`, the
/// VectorAttribute of vector index `vector_index`.
pub(super) fn gsi_key_conflict(attribute: &str, vector_index: &str) -> String {
    invalid(&format!(
        "Conflicting attribute definition for '{attribute}'. A key attribute of an index cannot be the VectorAttribute of vector index {vector_index}."
    ))
}

/// The typed attribute definitions of a request.
pub(super) fn typed(defs: &[AttributeDefinition]) -> Vec<(String, ScalarType)> {
    defs.iter()
        .filter_map(|d| Some((d.attribute_name.clone()?, ScalarType::parse(d.attribute_type.as_deref()?)?)))
        .collect()
}

/// A vector index as `TableDescription.VectorIndexes` shows it; one added
/// by UpdateTable and still backfilling is CREATING with `Backfilling`.
pub fn describe(v: &VectorIndexSpec, table_arn: &str, backfilling: bool, item_count: u64, size_bytes: u64) -> serde_json::Value {
    let mut d = serde_json::json!({
        "IndexName": v.name,
        "VectorAttribute": { "AttributeName": v.attribute },
        "Dimensions": v.dimensions,
        "DistanceFunction": v.distance.as_str(),
        "Projection": super::describe::projection_json(&v.projection),
        "IndexStatus": if backfilling { "CREATING" } else { "ACTIVE" },
        "IndexSizeBytes": size_bytes,
        "ItemCount": item_count,
        "IndexArn": format!("{table_arn}/index/{}", v.name),
    });
    if let (true, Some(obj)) = (backfilling, d.as_object_mut()) {
        obj.insert("Backfilling".into(), serde_json::Value::Bool(true));
    }
    if let (false, Some(obj)) = (v.search_schema.is_empty(), d.as_object_mut()) {
        let schema = v
            .search_schema
            .iter()
            .map(|a| serde_json::json!({ "AttributeName": a.name, "SearchSchemaElementType": a.role.as_str() }))
            .collect();
        obj.insert("SearchSchema".into(), schema);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(v: serde_json::Value) -> VectorIndexInput {
        serde_json::from_value(v).unwrap()
    }

    fn defs() -> Vec<(String, ScalarType)> {
        vec![("pk".into(), ScalarType::S), ("category".into(), ScalarType::S), ("brand".into(), ScalarType::S)]
    }

    fn good() -> serde_json::Value {
        serde_json::json!({
            "IndexName": "by-category",
            "VectorAttribute": {"AttributeName": "embedding"},
            "SearchSchema": [
                {"AttributeName": "category", "SearchSchemaElementType": "HASH"},
                {"AttributeName": "brand", "SearchSchemaElementType": "INLINE_FILTER"}
            ],
            "Projection": {"ProjectionType": "ALL"},
            "Dimensions": 3,
            "DistanceFunction": "EUCLIDEAN"
        })
    }

    /// An item whose search attribute has another type than defined (one
    /// written before the index) is left out, as is one without the HASH
    /// attribute.
    #[test]
    fn items_with_a_mistyped_search_attribute_are_not_held() {
        use crate::AttributeValue as Av;
        let v = validate(&input(good()), &defs(), BillingMode::PayPerRequest, &BTreeSet::new(), &mut BTreeSet::new(), &[]).unwrap();
        let vector = Av::L((1..=3u64).map(|n| Av::N(n.into())).collect());
        let item = |brand: Av| -> crate::Item {
            [("embedding".to_owned(), vector.clone()), ("category".to_owned(), Av::S("c".into())), ("brand".to_owned(), brand)]
                .into_iter()
                .collect()
        };
        assert!(v.holds(&item(Av::S("acme".into()))).is_some());
        assert!(v.holds(&item(Av::N(42u64.into()))).is_none());
        let mut no_hash = item(Av::S("acme".into()));
        no_hash.remove("category");
        assert!(v.holds(&no_hash).is_none());
    }

    #[test]
    fn a_valid_index_keeps_its_schema_and_types() {
        let mut taken = BTreeSet::new();
        let v = validate(&input(good()), &defs(), BillingMode::PayPerRequest, &BTreeSet::new(), &mut taken, &[]).unwrap();
        assert_eq!(v.dimensions, 3);
        assert_eq!(v.distance, Distance::Euclidean);
        assert_eq!(v.hash().map(|a| a.name.as_str()), Some("category"));
        assert_eq!(v.search_schema[1].role, SearchRole::InlineFilter);
        assert!(taken.contains("by-category"));
    }

    #[test]
    fn schema_attributes_must_be_defined_and_billing_on_demand() {
        let mut taken = BTreeSet::new();
        let mut v = good();
        v["SearchSchema"][0]["AttributeName"] = "nope".into();
        let e = validate(&input(v), &defs(), BillingMode::PayPerRequest, &BTreeSet::new(), &mut taken, &[]).unwrap_err();
        assert_eq!(
            e,
            "One or more parameter values were invalid: One element in SearchSchema is not defined in attribute definitions"
        );
        let e = validate(&input(good()), &defs(), BillingMode::Provisioned, &BTreeSet::new(), &mut taken, &[]).unwrap_err();
        assert_eq!(e, "One or more parameter values were invalid: Vector indexes are only supported for PAY_PER_REQUEST tables");
    }

    #[test]
    fn limits_and_duplicates_are_refused() {
        let mut taken = BTreeSet::from(["by-category".to_owned()]);
        let e = validate(&input(good()), &defs(), BillingMode::PayPerRequest, &BTreeSet::new(), &mut taken, &[]).unwrap_err();
        assert!(e.ends_with("Duplicate index name: by-category"), "{e}");
        let mut v = good();
        v["Dimensions"] = 4097.into();
        let e = validate(&input(v), &defs(), BillingMode::PayPerRequest, &BTreeSet::new(), &mut BTreeSet::new(), &[]).unwrap_err();
        assert_eq!(e, "One or more parameter values were invalid: Number of dimensions must be between 1 and 4096 inclusive.");
        let first = validate(&input(good()), &defs(), BillingMode::PayPerRequest, &BTreeSet::new(), &mut BTreeSet::new(), &[]).unwrap();
        let mut v = good();
        v["IndexName"] = "second".into();
        v["Dimensions"] = 4.into();
        let e = validate(&input(v), &defs(), BillingMode::PayPerRequest, &BTreeSet::new(), &mut BTreeSet::new(), &[first]).unwrap_err();
        assert_eq!(
            e,
            "One or more parameter values were invalid: Conflicting attribute definition for 'embedding'. All VectorIndexes on the same vector attribute must use the same dimensions."
        );
        let mut v = good();
        v["SearchSchema"][1]["SearchSchemaElementType"] = "HASH".into();
        let e = validate(&input(v), &defs(), BillingMode::PayPerRequest, &BTreeSet::new(), &mut BTreeSet::new(), &[]).unwrap_err();
        assert!(e.contains("at most one element of type HASH"), "{e}");
    }

    #[test]
    fn member_constraints_name_their_paths() {
        let mut c = Constraints::default();
        constraints(&mut c, &input(serde_json::json!({"IndexName": "ab", "DistanceFunction": "L2", "Dimensions": 0})), "vectorIndexes.1.member");
        let msg = c.finish().unwrap_err().to_string();
        assert!(msg.contains("'vectorIndexes.1.member.indexName'"), "{msg}");
        assert!(msg.contains("'vectorIndexes.1.member.distanceFunction' failed to satisfy constraint: Member must satisfy enum value set: [COSINE, DOT_PRODUCT, EUCLIDEAN]"), "{msg}");
        assert!(msg.contains("'vectorIndexes.1.member.dimensions'"), "{msg}");
        assert!(msg.contains("vectorIndexes.1.member.projection"), "{msg}");
    }
}
