//! References: what an expression refers to (`var.x`, `local.y`, `openai_file.input`,
//! `data.openai_batch.b`, `count.index`, `each.key`, `path.module`, ...), parsed with
//! Terraform's rules, honouring the names bound by `for` expressions and directives.

use crate::ast::{Expr, ExprKind, Step, StepKind, TemplatePart};
use batchform_core::{Diagnostic, Diagnostics, ResourceAddr, SourceRange};

/// The object a reference names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Var(String),
    Local(String),
    Resource(ResourceAddr),
    CountIndex,
    EachKey,
    EachValue,
    Path(String),
    Terraform(String),
    SelfObject,
}

/// One reference and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub subject: Subject,
    /// The range of the part of the traversal that names the subject (`var.x` in `var.x.y`).
    pub range: SourceRange,
    /// The traversal steps after the subject (`.y` in `var.x.y`).
    pub remaining: Vec<Step>,
}

/// One traversal as HCL's `Variables()` returns it: the root name and the static steps that
/// follow it (attributes and literal indexes), up to the first splat or computed index.
#[derive(Debug, Clone, PartialEq)]
pub struct Traversal {
    pub root: String,
    pub steps: Vec<Step>,
    /// The range of the root name.
    pub root_range: SourceRange,
}

/// Every traversal in `expr` not rooted at a name bound by a `for`, in source order (what a
/// diagnostic about a failed condition shows the values of).
pub fn traversals(expr: &Expr) -> Vec<Traversal> {
    let mut finder = Finder::default();
    finder.expr(expr);
    finder.traversals
}

fn is_static(step: &Step) -> bool {
    match &step.kind {
        StepKind::GetAttr(_) | StepKind::LegacyIndex(_) => true,
        StepKind::Index(key) => matches!(key.kind, ExprKind::Number(_) | ExprKind::String(_)),
        StepKind::FullSplat | StepKind::AttrSplat => false,
    }
}

/// Every valid reference in `expr` (invalid ones are skipped; see [`references_checked`]).
pub fn references(expr: &Expr) -> Vec<Reference> {
    references_checked(expr).0
}

/// Every reference in `expr`, plus diagnostics for malformed ones (`var` alone, `count.foo`,
/// a bare resource type, `module.x`).
pub fn references_checked(expr: &Expr) -> (Vec<Reference>, Diagnostics) {
    let mut finder = Finder::default();
    finder.expr(expr);
    (finder.refs, finder.diags)
}

/// The root name of every traversal not bound by a `for`, with the range of the name (what
/// HCL's `Variables()` returns, which `templatefile` checks against its variables).
pub fn root_names(expr: &Expr) -> Vec<(String, SourceRange)> {
    let mut finder = Finder::default();
    finder.expr(expr);
    finder.roots
}

#[derive(Default)]
struct Finder {
    bound: Vec<String>,
    refs: Vec<Reference>,
    diags: Diagnostics,
    roots: Vec<(String, SourceRange)>,
    traversals: Vec<Traversal>,
}

impl Finder {
    fn expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Variable(name) => self.root(name, &[], expr),
            ExprKind::Traversal { source, steps } => {
                if let ExprKind::Variable(name) = &source.kind {
                    self.root(name, steps, expr);
                } else {
                    self.expr(source);
                }
                for step in steps {
                    if let StepKind::Index(e) = &step.kind {
                        self.expr(e);
                    }
                }
            }
            ExprKind::For(fe) => {
                self.expr(&fe.collection);
                let pushed = usize::from(fe.key_var.is_some()) + 1;
                if let Some(k) = &fe.key_var {
                    self.bound.push(k.clone());
                }
                self.bound.push(fe.value_var.clone());
                if let Some(k) = &fe.key_expr {
                    self.expr(k);
                }
                self.expr(&fe.value_expr);
                if let Some(c) = &fe.cond {
                    self.expr(c);
                }
                self.bound.truncate(self.bound.len() - pushed);
            }
            ExprKind::Template(parts) => self.parts(parts),
            ExprKind::Null | ExprKind::Bool(_) | ExprKind::Number(_) | ExprKind::String(_) => {}
            ExprKind::TemplateWrap(e) | ExprKind::Parens(e) => self.expr(e),
            ExprKind::Tuple(items) => items.iter().for_each(|e| self.expr(e)),
            ExprKind::Object(items) => {
                for item in items {
                    if let crate::ast::ObjectKey::Expr(k) = &item.key {
                        // A bare name as key is a literal; parenthesised or complex keys refer.
                        if !matches!(k.kind, ExprKind::Variable(_)) {
                            self.expr(k);
                        }
                    }
                    self.expr(&item.value);
                }
            }
            ExprKind::FuncCall { args, .. } => args.iter().for_each(|e| self.expr(e)),
            ExprKind::Conditional { cond, then, otherwise } => {
                self.expr(cond);
                self.expr(then);
                self.expr(otherwise);
            }
            ExprKind::Unary { operand, .. } => self.expr(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
        }
    }

    fn parts(&mut self, parts: &[TemplatePart]) {
        for part in parts {
            match part {
                TemplatePart::Literal(_) => {}
                TemplatePart::Interpolation(e) => self.expr(e),
                TemplatePart::If { cond, then, otherwise } => {
                    self.expr(cond);
                    self.parts(then);
                    self.parts(otherwise);
                }
                TemplatePart::For { key_var, value_var, collection, body, .. } => {
                    self.expr(collection);
                    let pushed = usize::from(key_var.is_some()) + 1;
                    if let Some(k) = key_var {
                        self.bound.push(k.clone());
                    }
                    self.bound.push(value_var.clone());
                    self.parts(body);
                    self.bound.truncate(self.bound.len() - pushed);
                }
            }
        }
    }

    fn root(&mut self, name: &str, steps: &[Step], whole: &Expr) {
        if self.bound.iter().any(|b| b == name) {
            return;
        }
        self.roots.push((name.to_string(), range_through(whole, steps, 0)));
        self.traversals.push(Traversal {
            root: name.to_string(),
            steps: steps.iter().take_while(|s| is_static(s)).cloned().collect(),
            root_range: range_through(whole, steps, 0),
        });
        match parse_ref(name, steps, whole) {
            Ok(Some(r)) => self.refs.push(r),
            Ok(None) => {}
            Err(d) => self.diags.push(d),
        }
    }
}

fn attr_name(step: Option<&Step>) -> Option<&str> {
    match step.map(|s| &s.kind) {
        Some(StepKind::GetAttr(n)) => Some(n),
        _ => None,
    }
}

/// How many steps Terraform's `ParseRef` takes for a `module` reference: the call name, an
/// instance key, and an output name.
fn module_reference_steps(steps: &[Step]) -> usize {
    if attr_name(steps.first()).is_none() {
        return 0;
    }
    let mut n = 1;
    if matches!(steps.get(n).map(|s| &s.kind), Some(StepKind::Index(_) | StepKind::LegacyIndex(_)))
    {
        n += 1;
    }
    if attr_name(steps.get(n)).is_some() {
        n += 1;
    }
    n
}

/// The range from the start of the traversal to the end of its `n`-th step.
fn range_through(whole: &Expr, steps: &[Step], n: usize) -> SourceRange {
    let start = match &whole.kind {
        ExprKind::Traversal { source, .. } => &source.range,
        _ => &whole.range,
    };
    match n.checked_sub(1).and_then(|i| steps.get(i)) {
        Some(last) => start.to(&last.range),
        None => start.clone(),
    }
}

fn invalid(summary: &str, detail: &str, range: SourceRange) -> Diagnostic {
    Diagnostic::error(summary, detail).with_subject(Some(range))
}

/// Terraform's `addrs.ParseRef` for the root module.
fn parse_ref(name: &str, steps: &[Step], whole: &Expr) -> Result<Option<Reference>, Diagnostic> {
    let first = attr_name(steps.first());
    let mk = |subject: Subject, n: usize| Reference {
        subject,
        range: range_through(whole, steps, n),
        remaining: steps[n.min(steps.len())..].to_vec(),
    };
    match name {
        "var" | "local" => match first {
            Some(attr) => Ok(Some(mk(
                if name == "var" { Subject::Var(attr.into()) } else { Subject::Local(attr.into()) },
                1,
            ))),
            None => Err(invalid(
                "Invalid reference",
                &format!(
                    "The \"{name}\" object cannot be accessed directly. Instead, access one of its attributes."
                ),
                range_through(whole, steps, 0),
            )),
        },
        "count" => match first {
            Some("index") => Ok(Some(mk(Subject::CountIndex, 1))),
            Some(other) => Err(invalid(
                "Invalid \"count\" attribute",
                &format!(
                    "The \"count\" object does not have an attribute named {other:?}. The only supported attribute is count.index, which is the index of each instance of a resource block that has the \"count\" argument set."
                ),
                range_through(whole, steps, 1),
            )),
            None => Err(invalid(
                "Invalid reference",
                "The \"count\" object cannot be accessed directly. Instead, access one of its attributes.",
                range_through(whole, steps, 0),
            )),
        },
        "each" => match first {
            Some("key") => Ok(Some(mk(Subject::EachKey, 1))),
            Some("value") => Ok(Some(mk(Subject::EachValue, 1))),
            Some(other) => Err(invalid(
                "Invalid \"each\" attribute",
                &format!(
                    "The \"each\" object does not have an attribute named {other:?}. The supported attributes are each.key and each.value, the current key and value pair of the \"for_each\" attribute set."
                ),
                range_through(whole, steps, 1),
            )),
            None => Err(invalid(
                "Invalid reference",
                "The \"each\" object cannot be accessed directly. Instead, access one of its attributes.",
                range_through(whole, steps, 0),
            )),
        },
        "path" => match first {
            Some(attr @ ("module" | "root" | "cwd")) => Ok(Some(mk(Subject::Path(attr.into()), 1))),
            Some(other) => Err(invalid(
                "Invalid \"path\" attribute",
                &format!(
                    "The \"path\" object does not have an attribute named {other:?}.{}",
                    batchform_core::diagnostic::name_suggestion(other, ["cwd", "module", "root"])
                        .map(|s| format!(" Did you mean {s:?}?"))
                        .unwrap_or_default()
                ),
                range_through(whole, steps, 1),
            )),
            None => Err(invalid(
                "Invalid reference",
                "The \"path\" object cannot be accessed directly. Instead, access one of its attributes.",
                range_through(whole, steps, 0),
            )),
        },
        "terraform" => match first {
            Some(attr @ ("workspace" | "applying")) => {
                Ok(Some(mk(Subject::Terraform(attr.into()), 1)))
            }
            Some(other) => Err(invalid(
                "Invalid \"terraform\" attribute",
                &format!(
                    "The \"terraform\" object does not have an attribute named {other:?}. The only supported attributes are terraform.workspace, the name of the currently-selected workspace, and terraform.applying, a boolean which is true only during apply."
                ),
                range_through(whole, steps, 1),
            )),
            None => Err(invalid(
                "Invalid reference",
                "The \"terraform\" object cannot be accessed directly. Instead, access one of its attributes.",
                range_through(whole, steps, 0),
            )),
        },
        "self" => Ok(Some(mk(Subject::SelfObject, 0))),
        "module" => Err(invalid(
            "Reference to undeclared module",
            &format!(
                "No module call named {:?} is declared in the root module.",
                first.unwrap_or_default()
            ),
            range_through(whole, steps, module_reference_steps(steps)),
        )),
        "data" => {
            let type_name = first;
            let res_name = attr_name(steps.get(1));
            match (type_name, res_name) {
                (Some(t), Some(n)) => Ok(Some(mk(Subject::Resource(ResourceAddr::data(t, n)), 2))),
                _ => Err(invalid(
                    "Invalid reference",
                    "The \"data\" object must be followed by two attribute names: the data source type and the resource name.",
                    range_through(whole, steps, steps.len().min(1)),
                )),
            }
        }
        "resource" if first.is_some() && attr_name(steps.get(1)).is_some() => {
            let t = first.unwrap_or_default();
            let n = attr_name(steps.get(1)).unwrap_or_default();
            Ok(Some(mk(Subject::Resource(ResourceAddr::managed(t, n)), 2)))
        }
        type_name => match first {
            Some(n) => Ok(Some(mk(Subject::Resource(ResourceAddr::managed(type_name, n)), 1))),
            None => Err(invalid(
                "Invalid reference",
                "A reference to a resource type must be followed by at least one attribute access, specifying the resource name.",
                range_through(whole, steps, 0),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::parse_expression;
    use crate::source::SourceFile;

    fn refs(text: &str) -> Vec<Subject> {
        let e = parse_expression(&SourceFile::new("x", text)).unwrap();
        references(&e).into_iter().map(|r| r.subject).collect()
    }

    #[test]
    fn finds_each_kind_of_reference() {
        assert_eq!(
            refs("var.a + local.b[0] + openai_file.f.id + data.openai_batch.b.status"),
            vec![
                Subject::Var("a".into()),
                Subject::Local("b".into()),
                Subject::Resource(ResourceAddr::managed("openai_file", "f")),
                Subject::Resource(ResourceAddr::data("openai_batch", "b")),
            ]
        );
        assert_eq!(refs("count.index"), vec![Subject::CountIndex]);
        assert_eq!(
            refs("\"${each.key}-${path.module}\""),
            vec![Subject::EachKey, Subject::Path("module".into())]
        );
    }

    #[test]
    fn for_variables_are_not_references() {
        assert_eq!(refs("[for x in var.xs : x.id if x.ok]"), vec![Subject::Var("xs".into())]);
        assert_eq!(refs("{for k, v in local.m : k => v}"), vec![Subject::Local("m".into())]);
    }

    #[test]
    fn malformed_references_are_diagnosed() {
        let e = parse_expression(&SourceFile::new("x", "var + count.nope + sqrt")).unwrap();
        let (_, diags) = references_checked(&e);
        let summaries: Vec<_> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            ["Invalid reference", "Invalid \"count\" attribute", "Invalid reference"]
        );
    }

    /// What a failed condition's diagnostic shows values of: HCL's `Variables()`, each
    /// traversal cut at its first splat or computed index, `for` names left out.
    #[test]
    fn traversals_stop_at_dynamic_steps() {
        let e = parse_expression(&SourceFile::new(
            "x",
            "a.b[0].c[\"k\"][count.index].d + x.y[*].z + [for v in var.l : v.w] + self.output.label",
        ))
        .unwrap();
        let found: Vec<(String, usize)> =
            traversals(&e).into_iter().map(|t| (t.root, t.steps.len())).collect();
        assert_eq!(
            found,
            [
                ("a".to_string(), 4),
                ("count".to_string(), 1),
                ("x".to_string(), 1),
                ("var".to_string(), 1),
                ("self".to_string(), 2),
            ]
        );
    }

    #[test]
    fn reference_range_covers_only_the_subject() {
        let e = parse_expression(&SourceFile::new("x", "var.abc.def")).unwrap();
        let r = &references(&e)[0];
        assert_eq!((r.range.start.column, r.range.end.column), (1, 8));
    }
}
