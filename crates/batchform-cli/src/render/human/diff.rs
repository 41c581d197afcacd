//! The computed diff tree (Terraform's `computed.Diff`): what each value does and how it is
//! drawn, built by [`super::differ`] and turned into text by [`super::renderers`].

use batchform_engine::plan::Action;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// One node of the diff: its renderer, its action and whether it forces replacement.
#[derive(Debug, Clone)]
pub struct Diff {
    pub renderer: Renderer,
    pub action: Action,
    pub replace: bool,
}

impl Diff {
    pub fn new(renderer: Renderer, action: Action, replace: bool) -> Diff {
        Diff { renderer, action, replace }
    }
}

/// The primitive type a primitive renderer formats its values as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Primitive {
    String,
    Number,
    Bool,
    /// `cty.NilType`: a JSON null with no other type information.
    Null,
}

/// How a diff node is drawn (Terraform's renderers).
#[derive(Debug, Clone)]
pub enum Renderer {
    Primitive {
        before: Json,
        after: Json,
        ty: Primitive,
    },
    /// Object attributes; `override_null_suffix` is true for plain objects (Terraform's
    /// `Object`) and false for nested-attribute objects (`NestedObject`).
    Object {
        attributes: BTreeMap<String, Diff>,
        override_null_suffix: bool,
    },
    Map {
        elements: BTreeMap<String, Diff>,
        nested: bool,
    },
    /// `display_context` is false only for nested-attribute lists.
    List {
        elements: Vec<Diff>,
        display_context: bool,
    },
    Set {
        elements: Vec<Diff>,
        nested: bool,
    },
    Block {
        attributes: BTreeMap<String, Diff>,
        blocks: Blocks,
    },
    Sensitive {
        inner: Box<Diff>,
        before_sensitive: bool,
        after_sensitive: bool,
    },
    SensitiveBlock {
        inner: Box<Diff>,
        before_sensitive: bool,
        after_sensitive: bool,
    },
    /// `(known after apply)`, with the value it replaces when there is one.
    Unknown {
        before: Option<Box<Diff>>,
    },
    TypeChange {
        before: Box<Diff>,
        after: Box<Diff>,
    },
}

/// The nested blocks of a block, by block type name (Terraform's `renderers.Blocks`).
#[derive(Debug, Clone, Default)]
pub struct Blocks {
    pub single: BTreeMap<String, Diff>,
    pub list: BTreeMap<String, Vec<Diff>>,
    pub set: BTreeMap<String, Vec<Diff>>,
    pub replace: BTreeMap<String, bool>,
    pub before_sensitive: BTreeMap<String, bool>,
    pub after_sensitive: BTreeMap<String, bool>,
    pub unknown: BTreeMap<String, bool>,
}

/// How a nested block repeats, for [`Blocks::add`].
#[derive(Debug, Clone, Copy)]
pub enum BlockKind {
    List,
    Set,
}

/// What every block type records besides its diffs.
#[derive(Debug, Clone, Copy)]
pub struct BlockMeta {
    pub replace: bool,
    pub before_sensitive: bool,
    pub after_sensitive: bool,
    pub unknown: bool,
}

impl Blocks {
    pub fn add_single(&mut self, key: &str, diff: Diff, meta: BlockMeta) {
        self.single.insert(key.to_string(), diff);
        self.meta(key, meta);
    }

    pub fn add_list(&mut self, key: &str, kind: BlockKind, diffs: Vec<Diff>, meta: BlockMeta) {
        match kind {
            BlockKind::Set => self.set.insert(key.to_string(), diffs),
            BlockKind::List => self.list.insert(key.to_string(), diffs),
        };
        self.meta(key, meta);
    }

    fn meta(&mut self, key: &str, meta: BlockMeta) {
        self.replace.insert(key.to_string(), meta.replace);
        self.before_sensitive.insert(key.to_string(), meta.before_sensitive);
        self.after_sensitive.insert(key.to_string(), meta.after_sensitive);
        self.unknown.insert(key.to_string(), meta.unknown);
    }

    /// Every block type name, sorted.
    pub fn keys(&self) -> Vec<&String> {
        let mut keys: Vec<&String> =
            self.single.keys().chain(self.list.keys()).chain(self.set.keys()).collect();
        keys.sort();
        keys
    }

    pub fn is_empty(&self) -> bool {
        self.single.is_empty() && self.list.is_empty() && self.set.is_empty()
    }
}

/// Terraform's `collections.CompareActions`: the action of a collection from its current
/// guess and one child's action.
pub fn compare_actions(current: Action, next: Action) -> Action {
    if next == Action::NoOp {
        return current;
    }
    if current != next {
        return Action::Update;
    }
    current
}
