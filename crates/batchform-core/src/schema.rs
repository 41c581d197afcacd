//! Schemas of provider configurations, resources and data sources: which arguments exist,
//! their types, and whether they are required, optional, computed or sensitive. The config
//! crate checks blocks against them ("Unsupported argument", "Missing required argument").

use crate::types::Type;
use std::collections::BTreeMap;

/// The schema of one resource type, data source or provider configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    /// Bumped when the stored shape of the resource changes (state `schema_version`).
    pub version: u64,
    pub block: Block,
}

/// A block's content: attributes and nested blocks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Block {
    pub attributes: BTreeMap<String, Attribute>,
    pub block_types: BTreeMap<String, NestedBlock>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub ty: Type,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub description: String,
}

impl Attribute {
    fn new(ty: Type) -> Attribute {
        Attribute {
            ty,
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            description: String::new(),
        }
    }

    pub fn required(ty: Type) -> Attribute {
        Attribute { required: true, ..Attribute::new(ty) }
    }

    pub fn optional(ty: Type) -> Attribute {
        Attribute { optional: true, ..Attribute::new(ty) }
    }

    pub fn computed(ty: Type) -> Attribute {
        Attribute { computed: true, ..Attribute::new(ty) }
    }

    pub fn optional_computed(ty: Type) -> Attribute {
        Attribute { optional: true, computed: true, ..Attribute::new(ty) }
    }

    #[must_use]
    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }

    #[must_use]
    pub fn describe(mut self, description: impl Into<String>) -> Attribute {
        self.description = description.into();
        self
    }
}

/// How a nested block repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one block; the attribute value is an object or null.
    Single,
    List,
    Set,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NestedBlock {
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: usize,
    pub max_items: usize,
}

impl Block {
    /// The object type of a value conforming to this block.
    pub fn implied_type(&self) -> Type {
        let mut attrs: BTreeMap<String, Type> =
            self.attributes.iter().map(|(k, a)| (k.clone(), a.ty.clone())).collect();
        for (name, nested) in &self.block_types {
            let inner = nested.block.implied_type();
            let ty = match nested.nesting {
                Nesting::Single => inner,
                Nesting::List => Type::list(inner),
                Nesting::Set => Type::set(inner),
            };
            attrs.insert(name.clone(), ty);
        }
        Type::Object(attrs)
    }

    /// Names of every argument and nested block, for did-you-mean suggestions.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.attributes.keys().chain(self.block_types.keys()).map(String::as_str)
    }
}

/// Everything one provider offers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProviderSchema {
    pub provider: Schema,
    pub resources: BTreeMap<String, Schema>,
    pub data_sources: BTreeMap<String, Schema>,
}
