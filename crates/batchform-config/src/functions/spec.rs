//! The generic machinery of cty's `function` package and HCL's function calls: parameter
//! specs, argument conversion, null checks, the unknown short-circuit and mark propagation.

use super::error::{CallError, FunctionError};
use super::{FunctionContext, Impurity};
use batchform_core::convert::convert;
use batchform_core::{Type, Value};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// One parameter (cty's `function.Parameter`).
#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub name: &'static str,
    pub ty: Type,
    pub allow_null: bool,
    pub allow_unknown: bool,
    pub allow_dynamic: bool,
    pub allow_marked: bool,
}

impl Param {
    pub fn new(name: &'static str, ty: Type) -> Param {
        Param {
            name,
            ty,
            allow_null: false,
            allow_unknown: false,
            allow_dynamic: false,
            allow_marked: false,
        }
    }

    pub fn null(mut self) -> Param {
        self.allow_null = true;
        self
    }

    pub fn unknown(mut self) -> Param {
        self.allow_unknown = true;
        self
    }

    pub fn dynamic(mut self) -> Param {
        self.allow_dynamic = true;
        self
    }

    pub fn marked(mut self) -> Param {
        self.allow_marked = true;
        self
    }
}

pub(crate) type TypeFn = fn(&[Value], &FunctionContext<'_>) -> Result<Type, CallError>;
pub(crate) type ImplFn = fn(&[Value], &Type, &FunctionContext<'_>) -> Result<Value, CallError>;

/// How a function decides its return type (cty's `TypeFunc`).
#[derive(Clone, Copy)]
pub(crate) enum Ret {
    Static(fn() -> Type),
    Computed(TypeFn),
}

/// One function (cty's `function.Spec`).
pub(crate) struct Function {
    pub name: &'static str,
    pub params: Vec<Param>,
    pub var_param: Option<Param>,
    pub ret: Ret,
    pub imp: ImplFn,
    /// Returns an unknown unless impure functions are evaluated.
    pub impure: bool,
    /// An unknown result is known not to be null (cty's `RefineResult: refineNotNull`).
    pub not_null: bool,
}

impl Function {
    pub fn new(name: &'static str, params: Vec<Param>, ret: Ret, imp: ImplFn) -> Function {
        Function { name, params, var_param: None, ret, imp, impure: false, not_null: false }
    }

    pub fn variadic(mut self, param: Param) -> Function {
        self.var_param = Some(param);
        self
    }

    pub fn impure(mut self) -> Function {
        self.impure = true;
        self
    }

    pub fn parameter_names(&self) -> Vec<&'static str> {
        self.params.iter().chain(self.var_param.as_ref()).map(|p| p.name).collect()
    }

    fn param(&self, index: usize) -> Option<&Param> {
        self.params.get(index).or(self.var_param.as_ref())
    }

    /// HCL's `FunctionCallExpr.Value` from the arity check on, then cty's `Function.Call`.
    pub fn call(
        &self,
        args: Vec<Value>,
        ctx: &FunctionContext<'_>,
    ) -> Result<Value, Vec<FunctionError>> {
        let name = self.name.to_string();
        if args.len() < self.params.len() {
            return Err(vec![FunctionError::NotEnoughArguments {
                function: name,
                expected: self.params.len(),
                variadic: self.var_param.is_some(),
                missing: self.params[args.len()].name,
            }]);
        }
        if self.var_param.is_none() && args.len() > self.params.len() {
            return Err(vec![FunctionError::TooManyArguments {
                function: name,
                expected: self.params.len(),
            }]);
        }
        let mut errors = Vec::new();
        let mut converted = Vec::with_capacity(args.len());
        for (i, arg) in args.iter().enumerate() {
            let Some(param) = self.param(i) else { continue };
            match convert(arg, &param.ty) {
                Ok(v) => converted.push(v),
                Err(e) => {
                    errors.push(FunctionError::InvalidArgument {
                        function: name.clone(),
                        index: i,
                        param: param.name,
                        message: e.message,
                    });
                    converted.push(Value::DYNAMIC_UNKNOWN);
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        self.call_converted(converted, ctx).map_err(|e| {
            vec![match e {
                CallError::Arg(index, message) => match self.param(index) {
                    Some(param) => FunctionError::InvalidArgument {
                        function: name,
                        index,
                        param: param.name,
                        message,
                    },
                    None => FunctionError::CallFailed { function: name, message },
                },
                CallError::Msg(message) => FunctionError::CallFailed { function: name, message },
            }]
        })
    }

    /// cty's `Function.Call` on arguments already converted to the parameter types.
    pub fn call_converted(
        &self,
        mut args: Vec<Value>,
        ctx: &FunctionContext<'_>,
    ) -> Result<Value, CallError> {
        let ret_ty = match self.return_type(&args, ctx)? {
            Some(ty) => ty,
            // An argument of type `dynamic` where the parameter cannot take one: cty gives
            // an unknown without calling the function.
            None => return Ok(Value::DYNAMIC_UNKNOWN),
        };
        let params: Vec<&Param> = (0..args.len()).filter_map(|i| self.param(i)).collect();
        let unsupported_unknowns =
            args.iter().zip(&params).any(|(v, p)| !v.is_known() && !p.allow_unknown);
        let mut marked = false;
        for (arg, param) in args.iter_mut().zip(&params) {
            if (unsupported_unknowns || !param.allow_marked) && arg.contains_sensitive() {
                let (bare, m) = std::mem::replace(arg, Value::NULL).unmark_deep();
                *arg = bare;
                marked |= m;
            }
        }
        let result = if unsupported_unknowns || (self.impure && ctx.impurity == Impurity::Unknown) {
            Value::unknown(ret_ty)
        } else {
            (self.imp)(&args, &ret_ty, ctx)?
        };
        let result = if self.not_null { result.refined_not_null() } else { result };
        Ok(result.with_sensitive(marked))
    }

    /// cty's `returnTypeForValues`; None when an argument of type `dynamic` went to a
    /// parameter that does not accept one.
    fn return_type(
        &self,
        args: &[Value],
        ctx: &FunctionContext<'_>,
    ) -> Result<Option<Type>, CallError> {
        let mut unmarked: Option<Vec<Value>> = None;
        for (i, arg) in args.iter().enumerate() {
            let Some(param) = self.param(i) else { continue };
            if arg.contains_sensitive() && !param.allow_marked {
                // Type functions see values without marks.
                let list = unmarked.get_or_insert_with(|| args.to_vec());
                list[i] = arg.clone().unmark_deep().0;
            }
            if arg.is_null() && !param.allow_null {
                return Err(CallError::arg(i, "argument must not be null"));
            }
            if arg.ty() == Type::Dynamic && !param.allow_dynamic {
                return Ok(None);
            }
        }
        match self.ret {
            Ret::Static(ty) => Ok(Some(ty())),
            Ret::Computed(f) => f(unmarked.as_deref().unwrap_or(args), ctx).map(Some),
        }
    }
}

/// All functions by name.
static FUNCTIONS: LazyLock<BTreeMap<&'static str, Function>> = LazyLock::new(|| {
    let mut all = Vec::new();
    super::number::register(&mut all);
    super::string::register(&mut all);
    super::format::register(&mut all);
    super::regex::register(&mut all);
    super::collection::register(&mut all);
    super::maps::register(&mut all);
    super::sequence::register(&mut all);
    super::set::register(&mut all);
    super::encoding::register(&mut all);
    super::csv::register(&mut all);
    super::yaml::register(&mut all);
    super::crypto::register(&mut all);
    super::filesystem::register(&mut all);
    super::template::register(&mut all);
    super::datetime::register(&mut all);
    super::conversion::register(&mut all);
    super::general::register(&mut all);
    super::network::register(&mut all);
    for f in &mut all {
        f.not_null = NOT_NULL_RESULTS.contains(&f.name);
    }
    all.into_iter().map(|f| (f.name, f)).collect()
});

/// The functions whose unknown results Terraform 1.11 refines as not null (cty's
/// `RefineResult: refineNotNull`), so that `upper(x) == null` is known `false` while
/// `x` is not known yet. Found with `terraform console -plan` on `f(unknown) == null`
/// for every function: the others (`lookup`, `one`, `element`, `jsondecode`, the `to*`
/// conversions, ...) may return null and give plain unknowns.
pub(crate) const NOT_NULL_RESULTS: &[&str] = &[
    "abs",
    "abspath",
    "alltrue",
    "anytrue",
    "base64decode",
    "base64encode",
    "base64sha256",
    "base64sha512",
    "basename",
    "ceil",
    "chomp",
    "chunklist",
    "cidrhost",
    "cidrnetmask",
    "cidrsubnet",
    "cidrsubnets",
    "coalesce",
    "compact",
    "concat",
    "contains",
    "dirname",
    "distinct",
    "endswith",
    "file",
    "filebase64",
    "filebase64sha256",
    "filebase64sha512",
    "fileexists",
    "filemd5",
    "fileset",
    "filesha1",
    "filesha256",
    "filesha512",
    "floor",
    "format",
    "formatdate",
    "formatlist",
    "indent",
    "index",
    "join",
    "jsonencode",
    "keys",
    "length",
    "log",
    "lower",
    "matchkeys",
    "max",
    "md5",
    "merge",
    "min",
    "parseint",
    "pathexpand",
    "pow",
    "range",
    "regexall",
    "replace",
    "reverse",
    "setintersection",
    "setproduct",
    "setsubtract",
    "setunion",
    "sha1",
    "sha256",
    "sha512",
    "signum",
    "slice",
    "sort",
    "split",
    "startswith",
    "strrev",
    "substr",
    "sum",
    "timecmp",
    "timestamp",
    "title",
    "transpose",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "upper",
    "urlencode",
    "uuid",
    "uuidv5",
    "values",
];

pub(crate) fn lookup(name: &str) -> Option<&'static Function> {
    FUNCTIONS.get(name)
}

pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.keys().copied()
}

/// Shorthands used by every function module.
pub(crate) mod prelude {
    pub(crate) use super::super::FunctionContext;
    pub(crate) use super::super::error::CallError;
    pub(crate) use super::{Function, Param, Ret};
    pub(crate) use batchform_core::{Number, Type, Value};

    pub(crate) type Result<T> = std::result::Result<T, CallError>;

    /// A string value as cty's `StringVal` makes it: normalized to NFC.
    pub(crate) fn string_val(s: impl Into<String>) -> Value {
        let s: String = s.into();
        if unicode_normalization::is_nfc_quick(s.chars())
            == unicode_normalization::IsNormalized::Yes
        {
            Value::String(s)
        } else {
            use unicode_normalization::UnicodeNormalization;
            Value::String(s.nfc().collect())
        }
    }

    /// The string inside an argument the call machinery has checked to be a known string.
    pub(crate) fn str_arg(args: &[Value], i: usize) -> &str {
        args.get(i).and_then(Value::as_str).unwrap_or_default()
    }

    pub(crate) fn num_arg(args: &[Value], i: usize) -> Number {
        args.get(i).and_then(Value::as_number).cloned().unwrap_or_else(Number::zero)
    }

    pub(crate) fn arg(args: &[Value], i: usize) -> &Value {
        args.get(i).unwrap_or(&Value::NULL)
    }

    /// cty's rule for the length of a set: known unless unknown elements (which may turn
    /// out equal to others) could make it shrink.
    pub(crate) fn set_length_known(items: &[Value]) -> bool {
        items.len() <= 1 || items.iter().all(Value::is_wholly_known)
    }

    /// gocty's conversion of a number to a Go `int`: whole and in range, or cty's message.
    pub(crate) fn to_int(n: &Number) -> std::result::Result<i64, String> {
        n.to_i64().filter(|_| n.is_integer()).ok_or_else(|| {
            "value must be a whole number, between -9223372036854775808 and 9223372036854775807"
                .to_string()
        })
    }

    /// gocty's conversion of a number to a Go `float64`: rounding is fine, overflowing to
    /// an infinity is not.
    pub(crate) fn to_float(n: &Number) -> std::result::Result<f64, String> {
        let f = n.to_f64();
        if f.is_infinite() && !n.is_inf() {
            return Err(format!(
                "value must be between {:.6} and {:.6} inclusive",
                -f64::MAX,
                f64::MAX
            ));
        }
        Ok(f)
    }
}
