//! Numeric functions (go-cty `stdlib/number.go`): abs, ceil, floor, log, max, min,
//! parseint, pow, signum.

use super::spec::prelude::*;
use num_bigint::BigInt;

pub(super) fn register(all: &mut Vec<Function>) {
    let num = || Param::new("num", Type::Number);
    let static_number = Ret::Static(|| Type::Number);
    all.push(Function::new("abs", vec![num().dynamic().marked()], static_number, abs));
    all.push(Function::new("ceil", vec![num()], static_number, |a, _, _| Ok(rounded(a, true))));
    all.push(Function::new("floor", vec![num()], static_number, |a, _, _| Ok(rounded(a, false))));
    all.push(Function::new(
        "log",
        vec![num(), Param::new("base", Type::Number)],
        static_number,
        log,
    ));
    all.push(Function::new(
        "pow",
        vec![num(), Param::new("power", Type::Number)],
        static_number,
        pow,
    ));
    all.push(Function::new("signum", vec![num()], static_number, signum));
    for (name, greater) in [("max", true), ("min", false)] {
        let imp = if greater { max as super::spec::ImplFn } else { min };
        all.push(
            Function::new(name, vec![], static_number, imp)
                .variadic(Param::new("numbers", Type::Number).dynamic()),
        );
    }
    all.push(Function::new(
        "parseint",
        vec![Param::new("number", Type::Dynamic), Param::new("base", Type::Number)],
        Ret::Computed(|args, _| {
            let ty = arg(args, 0).ty();
            if ty != Type::String {
                return Err(CallError::arg(
                    0,
                    format!("first argument must be a string, not {}", ty.friendly_name()),
                ));
            }
            Ok(Type::Number)
        }),
        parseint,
    ));
}

fn abs(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (v, marked) = arg(args, 0).unmarked();
    Ok(match v {
        Value::Number(n) => Value::Number(n.abs()),
        other => other.clone(),
    }
    .with_sensitive(marked))
}

/// ceil and floor: infinities stay, everything else becomes the nearest whole number in
/// that direction, at the argument's precision.
fn rounded(args: &[Value], up: bool) -> Value {
    let n = num_arg(args, 0);
    if n.is_inf() {
        return Value::Number(n);
    }
    Value::Number(if up { n.ceil() } else { n.floor() })
}

fn floats(args: &[Value]) -> Result<(f64, f64)> {
    let a = to_float(&num_arg(args, 0))?;
    let b = to_float(&num_arg(args, 1))?;
    Ok((a, b))
}

/// cty's `NumberFloatVal`, which refuses NaN.
fn float_val(f: f64) -> Result<Value> {
    if f.is_nan() {
        // Go panics inside cty here; Terraform reports the recovered panic (and its stack).
        return Err(CallError::msg("panic in function implementation: Float.SetFloat64(NaN)"));
    }
    Ok(Value::Number(Number::from_f64(f)))
}

fn log(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (num, base) = floats(args)?;
    float_val(go_math::log(num) / go_math::log(base))
}

fn pow(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (num, power) = floats(args)?;
    float_val(num.powf(power))
}

fn signum(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let n = to_int(&num_arg(args, 0))?;
    Ok(Value::number(n.signum()))
}

fn max(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    extreme(args, std::cmp::Ordering::Greater)
}

fn min(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    extreme(args, std::cmp::Ordering::Less)
}

fn extreme(args: &[Value], wanted: std::cmp::Ordering) -> Result<Value> {
    let mut best: Option<&Number> = None;
    for v in args {
        let Some(n) = v.as_number() else { continue };
        if best.is_none_or(|b| n.cmp(b) == wanted) {
            best = Some(n);
        }
    }
    best.map(|n| Value::Number(n.clone()))
        .ok_or_else(|| CallError::msg("must pass at least one number"))
}

fn parseint(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let text = str_arg(args, 0);
    let base = to_int(&num_arg(args, 1)).map_err(|e| CallError::arg(1, e))?;
    if !(2..=62).contains(&base) {
        return Err(CallError::arg(1, "base must be a whole number between 2 and 62 inclusive"));
    }
    let base = base as u32;
    go_parse_bigint(text, base).map(|n| Value::Number(Number::from_bigint_default(&n))).ok_or_else(
        || {
            CallError::arg(
                0,
                format!(
                    "cannot parse {} as a base {base} integer",
                    batchform_core::convert::go_quote(text)
                ),
            )
        },
    )
}

/// Go's `big.Int.SetString` with an explicit base: an optional sign, then digits; letters
/// are case-insensitive up to base 36, and above it `a`-`z` are 10-35, `A`-`Z` 36-61.
fn go_parse_bigint(text: &str, base: u32) -> Option<BigInt> {
    let (neg, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value = BigInt::from(0u32);
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        value = value * base + d;
    }
    Some(if neg { -value } else { value })
}

/// Go's `math.Log` (the portable algorithm, from FreeBSD's `e_log.c`), so that results
/// print with Terraform's last digits.
// The constants are Go's (FreeBSD's), digit for digit, so they round to the same doubles.
#[allow(clippy::excessive_precision)]
mod go_math {
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const L1: f64 = 6.666_666_666_666_735_130e-01;
    const L2: f64 = 3.999_999_999_940_941_908e-01;
    const L3: f64 = 2.857_142_874_366_239_149e-01;
    const L4: f64 = 2.222_219_843_214_978_396e-01;
    const L5: f64 = 1.818_357_216_161_805_012e-01;
    const L6: f64 = 1.531_383_769_920_937_332e-01;
    const L7: f64 = 1.479_819_860_511_658_591e-01;

    pub(super) fn log(x: f64) -> f64 {
        if x.is_nan() || x == f64::INFINITY {
            return x;
        }
        if x < 0.0 {
            return f64::NAN;
        }
        if x == 0.0 {
            return f64::NEG_INFINITY;
        }
        let (mut f1, mut ki) = frexp(x);
        if f1 < std::f64::consts::SQRT_2 / 2.0 {
            f1 *= 2.0;
            ki -= 1;
        }
        let f = f1 - 1.0;
        let k = f64::from(ki);
        let s = f / (2.0 + f);
        let s2 = s * s;
        let s4 = s2 * s2;
        let t1 = s2 * (L1 + s4 * (L3 + s4 * (L5 + s4 * L7)));
        let t2 = s4 * (L2 + s4 * (L4 + s4 * L6));
        let r = t1 + t2;
        let hfsq = 0.5 * f * f;
        k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f)
    }

    /// Go's `math.Frexp`: x = frac * 2^exp with frac in [0.5, 1).
    fn frexp(x: f64) -> (f64, i32) {
        if x == 0.0 || x.is_infinite() || x.is_nan() {
            return (x, 0);
        }
        let (mut x, mut exp) = (x, 0i32);
        if x.abs() < f64::MIN_POSITIVE {
            x *= (1u64 << 52) as f64;
            exp = -52;
        }
        let bits = x.to_bits();
        exp += ((bits >> 52) & 0x7ff) as i32 - 1022;
        let bits = (bits & !(0x7ffu64 << 52)) | (1022u64 << 52);
        (f64::from_bits(bits), exp)
    }
}
