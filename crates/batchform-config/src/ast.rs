//! The expression and body tree the rest of batchform works on: hcl-edit's tree lowered to a
//! smaller form where every node carries its source range, templates are already split into
//! literal/interpolation/directive parts with HCL's strip (`~`) and flush-heredoc (`<<-`)
//! rules applied, and number literals keep their exact source digits.

use batchform_core::{Number, SourceRange};

/// An expression with its source range.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub range: SourceRange,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Number(Number),
    /// A string without interpolations.
    String(String),
    /// A string or heredoc with interpolations or directives.
    Template(Vec<TemplatePart>),
    /// `"${expr}"`: a template that is only one interpolation yields the value unconverted.
    TemplateWrap(Box<Expr>),
    Tuple(Vec<Expr>),
    Object(Vec<ObjectItem>),
    /// A bare name: `var`, `local`, `count`, `each`, `path`, a resource type, a for variable.
    Variable(String),
    /// `source.attr`, `source[key]`, `source[*].x`, `source.*.x`, `source.0`.
    Traversal {
        source: Box<Expr>,
        steps: Vec<Step>,
    },
    FuncCall {
        name: String,
        name_range: SourceRange,
        args: Vec<Expr>,
        expand_final: bool,
    },
    Conditional {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    For(Box<ForExpr>),
    Parens(Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectItem {
    pub key: ObjectKey,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ObjectKey {
    /// A bare identifier: always the literal name.
    Ident(String, SourceRange),
    /// Any expression (quoted strings, parenthesised references).
    Expr(Expr),
}

impl ObjectKey {
    pub fn range(&self) -> &SourceRange {
        match self {
            ObjectKey::Ident(_, r) => r,
            ObjectKey::Expr(e) => &e.range,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub kind: StepKind,
    pub range: SourceRange,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    GetAttr(String),
    Index(Box<Expr>),
    /// `a.0` (HIL-era index syntax).
    LegacyIndex(u64),
    /// `[*]`: following steps apply to every element.
    FullSplat,
    /// `.*`: following attribute steps apply to every element.
    AttrSplat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Eq,
    NotEq,
    Lt,
    Gt,
    LtEq,
    GtEq,
    And,
    Or,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Eq => "==",
            BinaryOp::NotEq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Gt => ">",
            BinaryOp::LtEq => "<=",
            BinaryOp::GtEq => ">=",
            BinaryOp::And => "&&",
            BinaryOp::Or => "||",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Expr,
    /// Present for `{ for ... : k => v }`.
    pub key_expr: Option<Expr>,
    pub value_expr: Expr,
    pub cond: Option<Expr>,
    /// `...` after the value: group values with the same key into lists.
    pub grouping: bool,
    /// The range of the `for` intro (`[for x in xs:`), for diagnostics.
    pub intro_range: SourceRange,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    Literal(String),
    Interpolation(Expr),
    If {
        cond: Expr,
        then: Vec<TemplatePart>,
        otherwise: Vec<TemplatePart>,
    },
    For {
        key_var: Option<String>,
        value_var: String,
        collection: Expr,
        body: Vec<TemplatePart>,
        range: SourceRange,
    },
}

/// An attribute `name = expr` in a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub name_range: SourceRange,
    pub expr: Expr,
    /// The whole `name = expr` range.
    pub range: SourceRange,
}

/// A block `type "label" { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub block_type: String,
    pub labels: Vec<String>,
    pub type_range: SourceRange,
    pub label_ranges: Vec<SourceRange>,
    /// The range of the opening `{`, where "Missing required argument" points.
    pub open_brace_range: SourceRange,
    /// From the block type to the closing brace.
    pub range: SourceRange,
    pub body: Body,
}

impl Block {
    /// The header as Terraform prints it in diagnostics: `resource "t" "n"`.
    pub fn header(&self) -> String {
        let mut s = self.block_type.clone();
        for label in &self.labels {
            s.push(' ');
            s.push_str(&batchform_core::addr::quote_string(label));
        }
        s
    }

    /// The range of type and labels, which diagnostics about the whole block point at.
    pub fn def_range(&self) -> SourceRange {
        match self.label_ranges.last() {
            Some(last) => self.type_range.to(last),
            None => self.type_range.clone(),
        }
    }
}

/// The content of a file or block, in source order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
}

impl Body {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn blocks_of<'a>(&'a self, block_type: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.block_type == block_type)
    }
}

impl Expr {
    pub fn new(kind: ExprKind, range: SourceRange) -> Expr {
        Expr { kind, range }
    }

    /// Visit this expression and every sub-expression, outermost first.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Number(_)
            | ExprKind::String(_)
            | ExprKind::Variable(_) => {}
            ExprKind::Template(parts) => walk_parts(parts, f),
            ExprKind::TemplateWrap(e) | ExprKind::Parens(e) => e.walk(f),
            ExprKind::Tuple(items) => items.iter().for_each(|e| e.walk(f)),
            ExprKind::Object(items) => {
                for item in items {
                    if let ObjectKey::Expr(k) = &item.key {
                        k.walk(f);
                    }
                    item.value.walk(f);
                }
            }
            ExprKind::Traversal { source, steps } => {
                source.walk(f);
                for step in steps {
                    if let StepKind::Index(e) = &step.kind {
                        e.walk(f);
                    }
                }
            }
            ExprKind::FuncCall { args, .. } => args.iter().for_each(|e| e.walk(f)),
            ExprKind::Conditional { cond, then, otherwise } => {
                cond.walk(f);
                then.walk(f);
                otherwise.walk(f);
            }
            ExprKind::Unary { operand, .. } => operand.walk(f),
            ExprKind::Binary { lhs, rhs, .. } => {
                lhs.walk(f);
                rhs.walk(f);
            }
            ExprKind::For(fe) => {
                fe.collection.walk(f);
                if let Some(k) = &fe.key_expr {
                    k.walk(f);
                }
                fe.value_expr.walk(f);
                if let Some(c) = &fe.cond {
                    c.walk(f);
                }
            }
        }
    }

    /// hclsyntax's `StartRange`: where diagnostics about an argument as a whole point (the
    /// opening bracket of a collection, the content of a quoted string, the condition of a
    /// conditional, the name of a function).
    pub fn start_range(&self) -> SourceRange {
        let mut r = self.range.clone();
        let quoted = self.range.end.byte > self.range.start.byte + 1;
        match &self.kind {
            // The opening bracket, or a unary operator.
            ExprKind::Tuple(_)
            | ExprKind::Object(_)
            | ExprKind::For(_)
            | ExprKind::Parens(_)
            | ExprKind::Unary { .. } => {
                r.end = r.start;
                r.end.byte += 1;
                r.end.column += 1;
            }
            ExprKind::String(s) if quoted && s.is_empty() => {
                // An empty string's only part is the empty span after the closing quote.
                r.start = r.end;
                r.end.byte += 1;
                r.end.column += 1;
            }
            ExprKind::String(_) | ExprKind::Template(_) if quoted => {
                // The content between the quotes.
                r.start.byte += 1;
                r.start.column += 1;
                r.end.byte -= 1;
                r.end.column = r.end.column.saturating_sub(1);
            }
            ExprKind::Conditional { cond, .. } => return cond.start_range(),
            ExprKind::Binary { lhs, .. } => return lhs.start_range(),
            ExprKind::FuncCall { name_range, .. } => {
                // The name through the opening parenthesis, which follows it directly.
                let mut r = name_range.clone();
                r.end.byte += 1;
                r.end.column += 1;
                return r;
            }
            // The operator symbol. hcl-edit folds `-1` into one literal where hclsyntax has a
            // negation of `1`.
            ExprKind::Number(n) if n.is_negative() => {
                r.end = r.start;
                r.end.byte += 1;
                r.end.column += 1;
            }
            ExprKind::Traversal { steps, .. } => return traversal_start_range(&self.range, steps),
            _ => {}
        }
        r
    }

    /// A static list of traversals, as `depends_on` and `ignore_changes` take.
    pub fn as_static_list(&self) -> Option<&[Expr]> {
        match &self.kind {
            ExprKind::Tuple(items) => Some(items),
            _ => None,
        }
    }
}

fn walk_parts<'a>(parts: &'a [TemplatePart], f: &mut dyn FnMut(&'a Expr)) {
    for part in parts {
        match part {
            TemplatePart::Literal(_) => {}
            TemplatePart::Interpolation(e) => e.walk(f),
            TemplatePart::If { cond, then, otherwise } => {
                cond.walk(f);
                walk_parts(then, f);
                walk_parts(otherwise, f);
            }
            TemplatePart::For { collection, body, .. } => {
                collection.walk(f);
                walk_parts(body, f);
            }
        }
    }
}

/// The start range of a traversal, which hclsyntax parses into nested nodes: the marker of
/// its first splat (`[*]`, `.*`), the opening bracket of a final index whose key is not a
/// literal (an `IndexExpr`), and otherwise the whole traversal (`ScopeTraversalExpr`,
/// `RelativeTraversalExpr`).
fn traversal_start_range(whole: &SourceRange, steps: &[Step]) -> SourceRange {
    if let Some(splat) =
        steps.iter().find(|s| matches!(s.kind, StepKind::FullSplat | StepKind::AttrSplat))
    {
        return splat.range.clone();
    }
    if let Some(Step { kind: StepKind::Index(key), range }) = steps.last() {
        let literal = matches!(
            key.kind,
            ExprKind::Null | ExprKind::Bool(_) | ExprKind::Number(_) | ExprKind::String(_)
        );
        if !literal {
            let mut r = range.clone();
            r.end = r.start;
            r.end.byte += 1;
            r.end.column += 1;
            return r;
        }
    }
    whole.clone()
}
