//! What is known about a value that is not known yet: cty's refinements, the ones Terraform
//! users rely on.

/// What is known about an unknown value (cty's refinements, the ones Terraform users rely
/// on): that it will not be null, and for strings a prefix it will start with. Refinements
/// only ever make results more precise: dropping one is always correct, so operations that
/// do not know about them just build plain unknowns.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
pub struct Refinement {
    /// Known not to be null (`RefineNotNull`): `x == null` is known `false`.
    pub not_null: bool,
    /// A string known to start with this (`StringPrefix`), already made safe: it never ends
    /// in a character that what follows could combine with.
    pub prefix: Option<Box<str>>,
}

impl Refinement {
    /// Nothing known.
    pub const NONE: Refinement = Refinement { not_null: false, prefix: None };
    /// Known not to be null.
    pub const NOT_NULL: Refinement = Refinement { not_null: true, prefix: None };

    pub fn is_none(&self) -> bool {
        *self == Refinement::NONE
    }
}
