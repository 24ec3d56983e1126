//! `CreateTable`: the input, and its validation into a [`TableSpec`] — in
//! DynamoDB's order: member constraints first (all violations at once),
//! then the schema rules one at a time, each with DynamoDB's message.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::constraints::{render_list, Constraints};
use super::spec::{
    BillingMode, IndexSpec, KeyAttr, KeySchema, ProjectionSpec, ScalarType, StreamViewType,
    TableSpec, Throughput, WarmThroughput,
};
use super::types::{
    AttributeDefinition, GlobalSecondaryIndex, KeySchemaElement, LocalSecondaryIndex, Projection,
    ProvisionedThroughput, SseSpecification, StreamSpecification, Tag, WarmThroughputInput,
};

/// `CreateTable` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CreateTableInput {
    #[serde(rename = "AttributeDefinitions")]
    pub attribute_definitions: Option<Vec<AttributeDefinition>>,
    #[serde(rename = "TableName")]
    pub table_name: Option<String>,
    #[serde(rename = "KeySchema")]
    pub key_schema: Option<Vec<KeySchemaElement>>,
    #[serde(rename = "LocalSecondaryIndexes")]
    pub local_secondary_indexes: Option<Vec<LocalSecondaryIndex>>,
    #[serde(rename = "GlobalSecondaryIndexes")]
    pub global_secondary_indexes: Option<Vec<GlobalSecondaryIndex>>,
    #[serde(rename = "BillingMode")]
    pub billing_mode: Option<String>,
    #[serde(rename = "ProvisionedThroughput")]
    pub provisioned_throughput: Option<ProvisionedThroughput>,
    #[serde(rename = "StreamSpecification")]
    pub stream_specification: Option<StreamSpecification>,
    #[serde(rename = "SSESpecification")]
    pub sse_specification: Option<SseSpecification>,
    #[serde(rename = "Tags")]
    pub tags: Option<Vec<Tag>>,
    #[serde(rename = "TableClass")]
    pub table_class: Option<String>,
    #[serde(rename = "WarmThroughput")]
    pub warm_throughput: Option<WarmThroughputInput>,
    #[serde(rename = "DeletionProtectionEnabled")]
    pub deletion_protection_enabled: Option<bool>,
    /// A resource-based policy to attach (checked and attached by the
    /// data plane, which knows the table's ARN).
    #[serde(rename = "ResourcePolicy")]
    pub resource_policy: Option<String>,
    #[serde(rename = "VectorIndexes")]
    pub vector_indexes: Option<Vec<super::vector::VectorIndexInput>>,
    #[serde(rename = "OnDemandThroughput")]
    pub on_demand_throughput: Option<super::types::OnDemandThroughput>,
}

/// Highest provisioned capacity DynamoDB accepts in a request.
const MAX_CAPACITY: i64 = 1_000_000_000_000;
/// Per-table index limits.
const MAX_LSI: usize = 5;
const MAX_GSI: usize = 20;
/// Most HASH (and most RANGE) attributes of a multi-attribute GSI key.
pub(super) const MAX_MULTI_KEY: usize = 4;

pub(super) fn key_schema_constraints(c: &mut Constraints, ks: &[KeySchemaElement], path: &str) {
    key_schema_constraints_max(c, ks, path, 2);
}

/// A global secondary index's key schema: up to four HASH and four RANGE
/// attributes (multi-attribute keys).
pub(super) fn gsi_key_schema_constraints(c: &mut Constraints, ks: &[KeySchemaElement], path: &str) {
    key_schema_constraints_max(c, ks, path, 2 * MAX_MULTI_KEY);
}

fn key_schema_constraints_max(c: &mut Constraints, ks: &[KeySchemaElement], path: &str, max: usize) {
    let rendered = render_list(ks.iter().map(|k| {
        format!(
            "KeySchemaElement(attributeName={}, keyType={})",
            k.attribute_name.as_deref().unwrap_or("null"),
            k.key_type.as_deref().unwrap_or("null")
        )
    }));
    c.list_length(&rendered, ks.len(), path, 1, max);
    for (i, k) in ks.iter().enumerate() {
        let p = format!("{path}.{}.member", i + 1);
        if let Some(name) = &k.attribute_name {
            c.length(name, &format!("{p}.attributeName"), 1, 255);
        } else {
            c.not_null(None::<&String>, &format!("{p}.attributeName"));
        }
        match &k.key_type {
            Some(t) => c.one_of(t, &format!("{p}.keyType"), &["HASH", "RANGE"]),
            None => {
                c.not_null(None::<&String>, &format!("{p}.keyType"));
            }
        }
    }
}

/// `AttributeDefinitions` members (CreateTable's and UpdateTable's).
pub(super) fn attribute_definitions_constraints(c: &mut Constraints, defs: &[AttributeDefinition]) {
    for (i, d) in defs.iter().enumerate() {
        // DynamoDB names the type before the name.
        let p = format!("attributeDefinitions.{}.member", i + 1);
        match &d.attribute_type {
            Some(t) => c.one_of(t, &format!("{p}.attributeType"), &["B", "N", "S"]),
            None => {
                c.not_null(None::<&String>, &format!("{p}.attributeType"));
            }
        }
        match &d.attribute_name {
            Some(n) => c.length(n, &format!("{p}.attributeName"), 1, 255),
            None => {
                c.not_null(None::<&String>, &format!("{p}.attributeName"));
            }
        }
    }
}

pub(super) fn projection_constraints(c: &mut Constraints, p: &Projection, path: &str) {
    if let Some(t) = &p.projection_type {
        c.one_of(t, &format!("{path}.projectionType"), &["ALL", "KEYS_ONLY", "INCLUDE"]);
    }
    if let Some(attrs) = &p.non_key_attributes {
        c.list_length(&render_list(attrs), attrs.len(), &format!("{path}.nonKeyAttributes"), 1, 20);
        c.member_lengths(attrs, &format!("{path}.nonKeyAttributes"), 1, 255);
    }
}

/// A global secondary index's members (CreateTable's indexes and an
/// UpdateTable Create), at `p`.
pub(super) fn gsi_constraints(c: &mut Constraints, gsi: &GlobalSecondaryIndex, p: &str) {
    c.required_table_name(gsi.index_name.as_ref(), &format!("{p}.indexName"));
    match &gsi.key_schema {
        Some(ks) => gsi_key_schema_constraints(c, ks, &format!("{p}.keySchema")),
        None => {
            c.not_null(None::<&String>, &format!("{p}.keySchema"));
        }
    }
    match &gsi.projection {
        Some(pr) => projection_constraints(c, pr, &format!("{p}.projection")),
        None => {
            c.not_null(None::<&String>, &format!("{p}.projection"));
        }
    }
    if let Some(t) = &gsi.provisioned_throughput {
        throughput_constraints(c, t, &format!("{p}.provisionedThroughput"));
    }
}

fn throughput_constraints(c: &mut Constraints, t: &ProvisionedThroughput, path: &str) {
    c.capacity_units(t.read_capacity_units, &format!("{path}.readCapacityUnits"));
    c.capacity_units(t.write_capacity_units, &format!("{path}.writeCapacityUnits"));
}

impl CreateTableInput {
    fn constraints(&self) -> Result<(), String> {
        let mut c = Constraints::default();
        if let Some(defs) = &self.attribute_definitions {
            attribute_definitions_constraints(&mut c, defs);
        } else {
            c.not_null(None::<&String>, "attributeDefinitions");
        }
        match &self.table_name {
            Some(n) => c.table_name(n, "tableName"),
            None => {
                c.not_null(None::<&String>, "tableName");
            }
        }
        match &self.key_schema {
            Some(ks) => key_schema_constraints(&mut c, ks, "keySchema"),
            None => {
                c.not_null(None::<&String>, "keySchema");
            }
        }
        // DynamoDB lists the global indexes' constraints before the local
        // ones' (paritysuite validation-ordering/createTable, AWS 2026).
        for (i, gsi) in self.global_secondary_indexes.iter().flatten().enumerate() {
            gsi_constraints(&mut c, gsi, &format!("globalSecondaryIndexes.{}.member", i + 1));
        }
        for (i, lsi) in self.local_secondary_indexes.iter().flatten().enumerate() {
            let p = format!("localSecondaryIndexes.{}.member", i + 1);
            match &lsi.index_name {
                Some(n) => c.table_name(n, &format!("{p}.indexName")),
                None => {
                    c.not_null(None::<&String>, &format!("{p}.indexName"));
                }
            }
            match &lsi.key_schema {
                Some(ks) => key_schema_constraints(&mut c, ks, &format!("{p}.keySchema")),
                None => {
                    c.not_null(None::<&String>, &format!("{p}.keySchema"));
                }
            }
            match &lsi.projection {
                Some(pr) => projection_constraints(&mut c, pr, &format!("{p}.projection")),
                None => {
                    c.not_null(None::<&String>, &format!("{p}.projection"));
                }
            }
        }
        for (i, v) in self.vector_indexes.iter().flatten().enumerate() {
            super::vector::constraints(&mut c, v, &format!("vectorIndexes.{}.member", i + 1));
        }
        if let Some(m) = &self.billing_mode {
            c.one_of(m, "billingMode", &["PROVISIONED", "PAY_PER_REQUEST"]);
        }
        if let Some(t) = &self.provisioned_throughput {
            throughput_constraints(&mut c, t, "provisionedThroughput");
        }
        if let Some(s) = &self.stream_specification {
            if s.stream_enabled.is_none() {
                c.not_null(None::<&bool>, "streamSpecification.streamEnabled");
            }
            if let Some(v) = &s.stream_view_type {
                c.one_of(
                    v,
                    "streamSpecification.streamViewType",
                    &["OLD_IMAGE", "KEYS_ONLY", "NEW_AND_OLD_IMAGES", "NEW_IMAGE"],
                );
            }
        }
        if let Some(sse) = &self.sse_specification {
            if let Some(t) = &sse.sse_type {
                c.one_of(t, "sSESpecification.sSEType", &["AES256", "KMS"]);
            }
            if let Some(k) = &sse.kms_master_key_id {
                c.length(k, "sSESpecification.kMSMasterKeyId", 1, 2048);
            }
        }
        c.finish().map_err(|e| e.to_string())?;
        super::constraints::check_tag_content(
            self.tags.iter().flatten().map(|t| (t.key.as_deref(), Some(t.value.as_deref()))),
            true,
        )?;
        super::constraints::check_table_class(self.table_class.as_deref())
    }

    /// Validates the request as DynamoDB does and returns the table it
    /// describes. The error is the ValidationException message.
    pub fn validate(&self) -> Result<TableSpec, String> {
        // A request whose only fault is a missing TableName is answered
        // that the parameter is required (nubo-db/dynamodb-conformance,
        // recorded 2026); with other faults it is one of the constraints
        // (dynalite's createTable.js).
        if self.table_name.is_none() {
            let named = CreateTableInput { table_name: Some("placeholder".into()), ..self.clone() };
            if named.constraints().is_ok() {
                return Err("The parameter 'TableName' is required but was not present in the request".into());
            }
        }
        self.constraints()?;
        // After the constraint phase these members are present.
        let (Some(name), Some(defs), Some(ks)) = (
            self.table_name.as_deref(),
            self.attribute_definitions.as_deref(),
            self.key_schema.as_deref(),
        ) else {
            return Err("The request is missing required members".into());
        };

        let mut seen = BTreeSet::new();
        if let Some(dup) = defs.iter().filter_map(|d| d.attribute_name.as_deref()).find(|n| !seen.insert(*n)) {
            return Err(format!("Attribute Name is duplicated: {dup}"));
        }
        if self.tags.as_ref().is_some_and(|t| t.len() > super::MAX_TAGS) {
            return Err("Number of Tags exceed the current limit for the provided ResourceArn".into());
        }
        let billing_mode = match self.billing_mode.as_deref() {
            Some("PAY_PER_REQUEST") => BillingMode::PayPerRequest,
            _ => BillingMode::Provisioned,
        };
        let throughput = match billing_mode {
            BillingMode::PayPerRequest => {
                if self.provisioned_throughput.is_some() {
                    return Err(invalid(
                        "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
                    ));
                }
                None
            }
            BillingMode::Provisioned => Some(provisioned(self.provisioned_throughput.as_ref())?),
        };

        let def_names: Vec<&str> = defs
            .iter()
            .filter_map(|d| d.attribute_name.as_deref())
            .collect();
        let key_names: Vec<&str> = ks.iter().filter_map(|k| k.attribute_name.as_deref()).collect();
        if key_names.len() > def_names.len() {
            return Err("Invalid KeySchema: Some index key attribute have no definition".into());
        }
        let key_schema = key_schema(ks, defs, &def_names)?;

        let no_indexes = self.local_secondary_indexes.is_none()
            && self.global_secondary_indexes.is_none()
            && self.vector_indexes.is_none();
        if no_indexes && ks.len() != defs.len() {
            return Err(invalid(
                "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
            ));
        }

        let mut index_names = BTreeSet::new();
        let mut lsis = Vec::new();
        if let Some(list) = &self.local_secondary_indexes {
            if list.is_empty() {
                return Err(invalid("List of LocalSecondaryIndexes is empty"));
            }
            if key_schema.range.is_none() {
                return Err(invalid(
                    "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
                ));
            }
            for lsi in list {
                let iname = lsi.index_name.clone().unwrap_or_default();
                let iks = index_key_schema(lsi.key_schema.as_deref(), defs, &def_names)?;
                if iks.range.is_none() {
                    return Err(invalid(&format!(
                        "Index KeySchema does not have a range key for index: {iname}"
                    )));
                }
                if iks.hash.name != key_schema.hash.name {
                    return Err(invalid(&format!(
                        "Index KeySchema does not have the same leading hash key as table KeySchema for index: {iname}. index hash key: {}, table hash key: {}",
                        iks.hash.name, key_schema.hash.name
                    )));
                }
                let projection = projection(lsi.projection.as_ref())?;
                if !index_names.insert(iname.clone()) {
                    return Err(invalid(&format!("Duplicate index name: {iname}")));
                }
                lsis.push(IndexSpec {
                    name: iname,
                    key_schema: iks,
                    projection,
                    throughput: None,
                    warm_throughput: None,
                });
            }
            if list.len() > MAX_LSI {
                return Err(invalid(
                    "Number of LocalSecondaryIndexes exceeds per-table limit of 5",
                ));
            }
        }

        let mut gsis = Vec::new();
        if let Some(list) = &self.global_secondary_indexes {
            if list.is_empty() {
                return Err(invalid("List of GlobalSecondaryIndexes is empty"));
            }
            for gsi in list {
                let iname = gsi.index_name.clone().unwrap_or_default();
                let iks = gsi_key_schema(gsi.key_schema.as_deref().unwrap_or_default(), defs, &def_names)?;
                let projection = projection(gsi.projection.as_ref())?;
                let throughput = match billing_mode {
                    BillingMode::PayPerRequest => {
                        if gsi.provisioned_throughput.is_some() {
                            return Err(invalid(&format!(
                                "ProvisionedThroughput should not be specified for index: {iname} when BillingMode is PAY_PER_REQUEST"
                            )));
                        }
                        None
                    }
                    BillingMode::Provisioned => match &gsi.provisioned_throughput {
                        Some(t) => Some(provisioned(Some(t))?),
                        None => {
                            return Err(invalid(&format!(
                                "ProvisionedThroughput is not specified for index: {iname}"
                            )))
                        }
                    },
                };
                let warm_throughput = gsi
                    .warm_throughput
                    .as_ref()
                    .map(|w| WarmThroughput::at_creation(w, throughput, &format!("index {iname}")))
                    .transpose()?;
                if !index_names.insert(iname.clone()) {
                    return Err(invalid(&format!("Duplicate index name: {iname}")));
                }
                gsis.push(IndexSpec {
                    name: iname,
                    key_schema: iks,
                    projection,
                    throughput,
                    warm_throughput,
                });
            }
            if list.len() > MAX_GSI {
                return Err(invalid(
                    "GlobalSecondaryIndex count exceeds the per-table limit of 20",
                ));
            }
        }

        let mut vector_indexes = Vec::new();
        if let Some(list) = &self.vector_indexes {
            if list.is_empty() {
                return Err(invalid("List of VectorIndexes is empty"));
            }
            let typed = super::vector::typed(defs);
            // The key attributes of the table and of its secondary indexes.
            let mut keys: BTreeSet<&str> = key_names.iter().copied().collect();
            for i in lsis.iter().chain(gsis.iter()) {
                keys.extend(i.key_schema.attrs().into_iter().map(|a| a.name.as_str()));
            }
            for v in list {
                let spec = super::vector::validate(v, &typed, billing_mode, &keys, &mut index_names, &vector_indexes)?;
                vector_indexes.push(spec);
            }
            if list.len() > super::vector::MAX_VECTOR_INDEXES {
                return Err(invalid("VectorIndex count exceeds the per-table limit of 5"));
            }
        }

        // Every definition must be used by some key (or search schema).
        if !no_indexes {
            let mut used: BTreeSet<&str> = key_names.iter().copied().collect();
            for i in lsis.iter().chain(gsis.iter()) {
                used.extend(i.key_schema.attrs().into_iter().map(|a| a.name.as_str()));
            }
            for v in &vector_indexes {
                used.extend(v.search_schema.iter().map(|a| a.name.as_str()));
            }
            if def_names.iter().any(|d| !used.contains(d)) {
                return Err(invalid(&format!(
                    "Some AttributeDefinitions are not used. AttributeDefinitions: {}, keys used: {}",
                    render_list(&def_names),
                    render_list(&used)
                )));
            }
        }

        let stream = match &self.stream_specification {
            Some(StreamSpecification {
                stream_enabled: Some(true),
                stream_view_type,
            }) => match stream_view_type.as_deref().and_then(StreamViewType::parse) {
                Some(v) => Some(v),
                None => {
                    return Err(invalid(
                        "You must specify a StreamViewType when enabling a stream",
                    ))
                }
            },
            Some(StreamSpecification { stream_view_type: Some(_), .. }) => {
                return Err(invalid(
                    "Table is being created with a stream disabled, UpdateViewType should not be specified",
                ))
            }
            _ => None,
        };

        Ok(TableSpec {
            name: name.to_owned(),
            key_schema,
            attribute_definitions: defs
                .iter()
                .filter_map(|d| {
                    Some((
                        d.attribute_name.clone()?,
                        ScalarType::parse(d.attribute_type.as_deref()?)?,
                    ))
                })
                .collect(),
            billing_mode,
            throughput,
            local_secondary_indexes: lsis,
            global_secondary_indexes: gsis,
            vector_indexes,
            stream,
            sse_enabled: self
                .sse_specification
                .as_ref()
                .and_then(|s| s.enabled)
                .unwrap_or(false),
            sse_kms_key: self
                .sse_specification
                .as_ref()
                .and_then(|s| s.kms_master_key_id.clone()),
            table_class: self.table_class.clone(),
            warm_throughput: self
                .warm_throughput
                .as_ref()
                .map(|w| WarmThroughput::at_creation(w, throughput, "table"))
                .transpose()?,
            on_demand: self.on_demand_throughput.filter(|o| o.max_read_request_units.is_some() || o.max_write_request_units.is_some()),
            deletion_protection: self.deletion_protection_enabled.unwrap_or(false),
            tags: self
                .tags
                .iter()
                .flatten()
                .filter_map(|t| Some((t.key.clone()?, t.value.clone()?)))
                .collect(),
        })
    }
}

pub(super) fn invalid(detail: &str) -> String {
    format!("One or more parameter values were invalid: {detail}")
}

pub(super) fn provisioned(t: Option<&ProvisionedThroughput>) -> Result<Throughput, String> {
    provisioned_for(t, None)
}

/// [`provisioned`], the bounds naming `index` when an UpdateTable changes
/// an index's throughput ("… is out of bounds for index abc"; dynalite's
/// updateTable.js, recorded against DynamoDB).
pub(super) fn provisioned_for(t: Option<&ProvisionedThroughput>, index: Option<&str>) -> Result<Throughput, String> {
    let (Some(read), Some(write)) = (
        t.and_then(|t| t.read_capacity_units),
        t.and_then(|t| t.write_capacity_units),
    ) else {
        return Err(invalid(
            "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
        ));
    };
    let suffix = index.map(|i| format!(" for index {i}")).unwrap_or_default();
    if read > MAX_CAPACITY {
        return Err(format!("Given value {read} for ReadCapacityUnits is out of bounds{suffix}"));
    }
    if write > MAX_CAPACITY {
        return Err(format!("Given value {write} for WriteCapacityUnits is out of bounds{suffix}"));
    }
    Ok(Throughput { read, write })
}

fn type_of(defs: &[AttributeDefinition], name: &str) -> Option<ScalarType> {
    defs.iter()
        .find(|d| d.attribute_name.as_deref() == Some(name))
        .and_then(|d| d.attribute_type.as_deref())
        .and_then(ScalarType::parse)
}

/// The attribute names of a key schema, each of which must be defined.
fn defined_key_names<'k>(ks: &'k [KeySchemaElement], def_names: &[&str]) -> Result<Vec<&'k str>, String> {
    let names: Vec<&str> = ks.iter().filter_map(|k| k.attribute_name.as_deref()).collect();
    if names.iter().any(|k| !def_names.contains(k)) {
        return Err(invalid(&format!(
            "Some index key attributes are not defined in AttributeDefinitions. Keys: {}, AttributeDefinitions: {}",
            render_list(&names),
            render_list(def_names)
        )));
    }
    Ok(names)
}

/// Shared checks of a table's or an index's key schema.
pub(super) fn key_schema(
    ks: &[KeySchemaElement],
    defs: &[AttributeDefinition],
    def_names: &[&str],
) -> Result<KeySchema, String> {
    defined_key_names(ks, def_names)?;
    let hash = ks.first();
    let range = ks.get(1);
    if let (Some(h), Some(r)) = (hash, range) {
        if h.attribute_name == r.attribute_name {
            return Err(
                "Both the Hash Key and the Range Key element in the KeySchema have the same name"
                    .into(),
            );
        }
    }
    let Some(hash) = hash.filter(|h| h.key_type.as_deref() == Some("HASH")) else {
        return Err("Invalid KeySchema: The first KeySchemaElement is not a HASH key type".into());
    };
    if range.is_some_and(|r| r.key_type.as_deref() != Some("RANGE")) {
        return Err("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type".into());
    }
    let attr = |k: &KeySchemaElement| -> Option<KeyAttr> {
        let name = k.attribute_name.clone()?;
        let ty = type_of(defs, &name)?;
        Some(KeyAttr { name, ty })
    };
    let hash = attr(hash).ok_or_else(|| "Invalid KeySchema: Some index key attribute have no definition".to_owned())?;
    let range = match range {
        Some(r) => Some(
            attr(r).ok_or_else(|| "Invalid KeySchema: Some index key attribute have no definition".to_owned())?,
        ),
        None => None,
    };
    Ok(KeySchema::simple(hash, range))
}

/// A global secondary index's key schema: one to four HASH attributes,
/// then up to four RANGE attributes (multi-attribute keys). Schemas of the
/// classic shape (HASH, optionally RANGE) and invalid first or second
/// elements get [`key_schema`]'s checks and messages.
pub(super) fn gsi_key_schema(
    ks: &[KeySchemaElement],
    defs: &[AttributeDefinition],
    def_names: &[&str],
) -> Result<KeySchema, String> {
    fn kind(k: &KeySchemaElement) -> Option<&str> {
        k.key_type.as_deref()
    }
    let first_hash = ks.first().and_then(kind) == Some("HASH");
    let classic = !first_hash || ks.len() <= 1 || (ks.len() == 2 && ks.get(1).and_then(kind) == Some("RANGE"));
    if classic {
        return key_schema(ks, defs, def_names);
    }
    let names = defined_key_names(ks, def_names)?;
    let mut seen = BTreeSet::new();
    // Wording of a 2026 catalogue of DynamoDB's CreateTable messages.
    if names.iter().any(|n| !seen.insert(*n)) {
        return Err("The KeySchema contains multiple key attributes with the same name".into());
    }
    let hashes = ks.iter().take_while(|k| kind(k) == Some("HASH")).count();
    #[allow(clippy::indexing_slicing)] // `hashes` counts elements of `ks`
    let (hash_part, range_part) = ks.split_at(hashes);
    if range_part.iter().any(|k| kind(k) != Some("RANGE")) {
        return Err(invalid("All HASH key attributes must precede RANGE key attributes in the KeySchema"));
    }
    if hash_part.len() > MAX_MULTI_KEY {
        return Err(invalid("The KeySchema exceeds the maximum allowed number of HASH key attributes"));
    }
    if range_part.len() > MAX_MULTI_KEY {
        return Err(invalid("The KeySchema exceeds the maximum allowed number of RANGE key attributes"));
    }
    let attr = |k: &KeySchemaElement| -> Result<KeyAttr, String> {
        let name = k.attribute_name.clone();
        name.and_then(|name| Some(KeyAttr { ty: type_of(defs, &name)?, name }))
            .ok_or_else(|| "Invalid KeySchema: Some index key attribute have no definition".to_owned())
    };
    let mut hash = hash_part.iter().map(attr).collect::<Result<Vec<_>, _>>()?;
    let mut range = range_part.iter().map(attr).collect::<Result<Vec<_>, _>>()?;
    let first = hash.remove(0);
    let first_range = if range.is_empty() { None } else { Some(range.remove(0)) };
    Ok(KeySchema { hash: first, range: first_range, more_hash: hash, more_range: range })
}

fn index_key_schema(
    ks: Option<&[KeySchemaElement]>,
    defs: &[AttributeDefinition],
    def_names: &[&str],
) -> Result<KeySchema, String> {
    key_schema(ks.unwrap_or_default(), defs, def_names)
}

pub(super) fn projection(p: Option<&Projection>) -> Result<ProjectionSpec, String> {
    let p = p.cloned().unwrap_or_default();
    let Some(ty) = p.projection_type.as_deref() else {
        return Err(invalid("Unknown ProjectionType: null"));
    };
    if p.non_key_attributes.is_some() && ty != "INCLUDE" {
        return Err(invalid(&format!(
            "ProjectionType is {ty}, but NonKeyAttributes is specified"
        )));
    }
    if ty == "INCLUDE" {
        let attrs = p.non_key_attributes.as_deref().unwrap_or_default();
        if attrs.is_empty() {
            return Err(invalid("ProjectionType is INCLUDE, but NonKeyAttributes is not specified"));
        }
        let mut seen = BTreeSet::new();
        if let Some(dup) = attrs.iter().find(|a| !seen.insert(a.as_str())) {
            return Err(invalid(&format!("Duplicate element in NonKeyAttributes: {dup}")));
        }
    }
    Ok(match ty {
        "ALL" => ProjectionSpec::All,
        "KEYS_ONLY" => ProjectionSpec::KeysOnly,
        _ => ProjectionSpec::Include(p.non_key_attributes.unwrap_or_default()),
    })
}
