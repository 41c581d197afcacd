//! Numbers exactly as Terraform's cty has them: binary floating point of arbitrary precision
//! (Go's `big.Float`), 512 bits for parsed literals, round-to-nearest-even, and printed as the
//! shortest decimal that reads back to the same value (`Text('f', -1)`).
//!
//! This is why `0.1 + 0.2` prints `0.3`, why `1/3` prints 155 significant digits, and why
//! `pow(2, 64)` (computed in float64, 53 bits) prints `18446744073709550000`: the results match
//! `terraform console` digit for digit.

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{One, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;

/// Precision of numbers parsed from text (literals, JSON, variables), as cty uses.
pub const PARSE_PREC: u32 = 512;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Form {
    Zero,
    /// value = mant * 2^exp, `mant` odd (no trailing zero bits) and at most `prec` bits.
    Finite {
        mant: BigUint,
        exp: i64,
    },
    Inf,
}

/// A cty number.
#[derive(Clone, Debug)]
pub struct Number {
    neg: bool,
    form: Form,
    prec: u32,
}

/// A decimal string that is not a number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a number is required")]
pub struct ParseNumberError;

impl Number {
    pub fn zero() -> Number {
        Number { neg: false, form: Form::Zero, prec: 64 }
    }

    /// An integer (cty's `NumberIntVal`: 64 bits of precision).
    pub fn from_i64(v: i64) -> Number {
        Number::from_bigint(&BigInt::from(v), 64)
    }

    pub fn from_u64(v: u64) -> Number {
        Number::from_bigint(&BigInt::from(v), 64)
    }

    /// A float64 (cty's `NumberFloatVal`: 53 bits). NaN becomes zero; callers check first.
    pub fn from_f64(v: f64) -> Number {
        if v.is_infinite() {
            return Number::infinity(v < 0.0);
        }
        if v == 0.0 || v.is_nan() {
            return Number { neg: v.is_sign_negative() && v == 0.0, form: Form::Zero, prec: 53 };
        }
        let bits = v.to_bits();
        let neg = bits >> 63 == 1;
        let exp_bits = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1u64 << 52) - 1);
        let (mant, exp) =
            if exp_bits == 0 { (frac, -1074) } else { (frac | (1u64 << 52), exp_bits - 1075) };
        Number::round_new(neg, BigUint::from(mant), exp, false, 53)
    }

    /// An arbitrary integer with the precision Go's `SetInt` gives (max(bits, 64)).
    pub fn from_bigint_default(v: &BigInt) -> Number {
        let prec = (v.bits() as u32).max(64);
        Number::from_bigint(v, prec)
    }

    fn from_bigint(v: &BigInt, prec: u32) -> Number {
        let neg = v.sign() == Sign::Minus;
        let mag = v.magnitude().clone();
        if mag.is_zero() {
            return Number { neg: false, form: Form::Zero, prec };
        }
        Number::round_new(neg, mag, 0, false, prec)
    }

    pub fn infinity(neg: bool) -> Number {
        Number { neg, form: Form::Inf, prec: 0 }
    }

    /// Parse a decimal number (`12`, `-1.5`, `1e-7`, `0.1`) at 512 bits, as cty's
    /// `ParseNumberVal` does. Also accepts `Inf`, `+Inf` and `-Inf` as Go does.
    pub fn parse(text: &str) -> Result<Number, ParseNumberError> {
        Number::parse_with_prec(text, PARSE_PREC)
    }

    pub fn parse_with_prec(text: &str, prec: u32) -> Result<Number, ParseNumberError> {
        let (neg, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if rest == "Inf" || rest == "inf" {
            return Ok(Number::infinity(neg));
        }
        let (mantissa_text, exp_text) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int_part, frac_part) = match mantissa_text.split_once('.') {
            Some((i, f)) => (i, f),
            None => (mantissa_text, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || b == b'_');
        if (int_part.is_empty() && frac_part.is_empty())
            || !all_digits(int_part)
            || !all_digits(frac_part)
        {
            return Err(ParseNumberError);
        }
        let mut exp10: i64 = match exp_text {
            Some(e) => {
                let (eneg, edigits) = match e.as_bytes().first() {
                    Some(b'-') => (true, &e[1..]),
                    Some(b'+') => (false, &e[1..]),
                    _ => (false, e),
                };
                if edigits.is_empty() || !edigits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ParseNumberError);
                }
                let v: i64 = edigits.parse().map_err(|_| ParseNumberError)?;
                if v > 1_000_000 {
                    return Err(ParseNumberError);
                }
                if eneg { -v } else { v }
            }
            None => 0,
        };
        let digits: String =
            int_part.chars().chain(frac_part.chars()).filter(|c| *c != '_').collect();
        exp10 -= frac_part.chars().filter(|c| *c != '_').count() as i64;
        let mant = BigUint::parse_bytes(digits.as_bytes(), 10).ok_or(ParseNumberError)?;
        Ok(Number::from_decimal(neg, mant, exp10, prec))
    }

    /// mant * 10^exp10, correctly rounded to `prec` bits.
    fn from_decimal(neg: bool, mant: BigUint, exp10: i64, prec: u32) -> Number {
        if mant.is_zero() {
            return Number { neg, form: Form::Zero, prec };
        }
        if exp10 >= 0 {
            let v = mant * BigUint::from(10u32).pow(exp10 as u32);
            return Number::round_new(neg, v, 0, false, prec);
        }
        // mant / 10^k = mant / 5^k * 2^-k
        let k = (-exp10) as u32;
        let den = BigUint::from(5u32).pow(k);
        Number::quotient(neg, &mant, &den, -(k as i64), prec)
    }

    /// (num / den) * 2^exp, correctly rounded to `prec` bits.
    fn quotient(neg: bool, num: &BigUint, den: &BigUint, exp: i64, prec: u32) -> Number {
        // Scale so the quotient has at least prec + 2 bits.
        let shift = (prec as i64 + 2 + den.bits() as i64 - num.bits() as i64).max(0);
        let scaled = num << (shift as usize);
        let q = &scaled / den;
        let sticky = !(&scaled % den).is_zero();
        Number::round_new(neg, q, exp - shift, sticky, prec)
    }

    /// Build a number from mant * 2^exp (plus a sticky bit meaning "a little more than
    /// that"), rounded to nearest even at `prec` bits.
    fn round_new(neg: bool, mut mant: BigUint, mut exp: i64, sticky: bool, prec: u32) -> Number {
        if mant.is_zero() {
            return Number { neg, form: Form::Zero, prec };
        }
        let bits = mant.bits() as i64;
        let excess = bits - prec as i64;
        if excess > 0 {
            let excess = excess as u64;
            let half_bit = mant.bit(excess - 1);
            let below_half = excess >= 2 && mant.trailing_zeros().is_some_and(|tz| tz < excess - 1);
            let rest_nonzero = below_half || sticky;
            mant >>= excess as usize;
            exp += excess as i64;
            let odd = mant.bit(0);
            if half_bit && (rest_nonzero || odd) {
                mant += 1u32;
            }
        } else if sticky {
            // Exact enough: the sticky part is below the lowest representable bit only if
            // there are no free bits left; with free bits, callers always scaled for them.
        }
        let tz = mant.trailing_zeros().unwrap_or(0);
        if tz > 0 {
            mant >>= tz as usize;
            exp += tz as i64;
        }
        Number { neg, form: Form::Finite { mant, exp }, prec }
    }

    pub fn prec(&self) -> u32 {
        self.prec
    }

    pub fn is_zero(&self) -> bool {
        self.form == Form::Zero
    }

    pub fn is_inf(&self) -> bool {
        self.form == Form::Inf
    }

    pub fn is_negative(&self) -> bool {
        self.neg
    }

    /// -1, 0 or 1.
    pub fn signum(&self) -> i32 {
        match self.form {
            Form::Zero => 0,
            _ if self.neg => -1,
            _ => 1,
        }
    }

    /// Whether the value is a whole number (infinities are not).
    pub fn is_integer(&self) -> bool {
        match &self.form {
            Form::Zero => true,
            Form::Finite { exp, .. } => *exp >= 0,
            Form::Inf => false,
        }
    }

    /// The value as an i64 if it is a whole number in range.
    pub fn to_i64(&self) -> Option<i64> {
        self.to_bigint().and_then(|i| i.to_i64())
    }

    /// The value as a BigInt if it is a whole number.
    pub fn to_bigint(&self) -> Option<BigInt> {
        match &self.form {
            Form::Zero => Some(BigInt::zero()),
            Form::Finite { mant, exp } if *exp >= 0 => {
                let mag = mant << (*exp as usize);
                Some(BigInt::from_biguint(if self.neg { Sign::Minus } else { Sign::Plus }, mag))
            }
            _ => None,
        }
    }

    /// Truncate toward zero (Go's `Float.Int`), None for infinities.
    pub fn trunc_bigint(&self) -> Option<BigInt> {
        match &self.form {
            Form::Zero => Some(BigInt::zero()),
            Form::Finite { mant, exp } => {
                let mag = if *exp >= 0 {
                    mant << (*exp as usize)
                } else if (-*exp) as u64 >= mant.bits() {
                    BigUint::zero()
                } else {
                    mant >> ((-*exp) as usize)
                };
                Some(BigInt::from_biguint(if self.neg { Sign::Minus } else { Sign::Plus }, mag))
            }
            Form::Inf => None,
        }
    }

    /// The nearest float64.
    pub fn to_f64(&self) -> f64 {
        let sign = if self.neg { -1.0 } else { 1.0 };
        match &self.form {
            Form::Zero => sign * 0.0,
            Form::Inf => sign * f64::INFINITY,
            Form::Finite { .. } => {
                let rounded = self.with_prec(53);
                match rounded.form {
                    Form::Finite { mant, exp } => {
                        let m = mant.to_f64().unwrap_or(f64::INFINITY);
                        let e = exp.clamp(-2000, 2000) as i32;
                        sign * m * 2f64.powi(e.max(-1022)) * 2f64.powi((e - e.max(-1022)).max(-200))
                    }
                    _ => sign * 0.0,
                }
            }
        }
    }

    /// The same value rounded to another precision (Go's `SetPrec`).
    pub fn with_prec(&self, prec: u32) -> Number {
        match &self.form {
            Form::Finite { mant, exp } => {
                Number::round_new(self.neg, mant.clone(), *exp, false, prec)
            }
            _ => Number { prec, ..self.clone() },
        }
    }

    fn op_prec(&self, other: &Number) -> u32 {
        self.prec.max(other.prec).max(1)
    }

    pub fn neg(&self) -> Number {
        Number { neg: !self.neg, ..self.clone() }
    }

    pub fn abs(&self) -> Number {
        Number { neg: false, ..self.clone() }
    }

    /// Sum, at the larger precision of the operands. `Inf + -Inf` is None (NaN).
    pub fn add(&self, other: &Number) -> Option<Number> {
        let prec = self.op_prec(other);
        match (&self.form, &other.form) {
            (Form::Inf, Form::Inf) if self.neg != other.neg => None,
            (Form::Inf, _) => Some(Number { prec, ..self.clone() }),
            (_, Form::Inf) => Some(Number { prec, ..other.clone() }),
            (Form::Zero, Form::Zero) => {
                Some(Number { neg: self.neg && other.neg, form: Form::Zero, prec })
            }
            (Form::Zero, _) => Some(other.with_prec(prec)),
            (_, Form::Zero) => Some(self.with_prec(prec)),
            (Form::Finite { mant: ma, exp: ea }, Form::Finite { mant: mb, exp: eb }) => {
                let e = (*ea).min(*eb);
                let a = BigInt::from_biguint(sign_of(self.neg), ma << ((ea - e) as usize));
                let b = BigInt::from_biguint(sign_of(other.neg), mb << ((eb - e) as usize));
                let sum = a + b;
                if sum.is_zero() {
                    return Some(Number { neg: false, form: Form::Zero, prec });
                }
                let neg = sum.sign() == Sign::Minus;
                Some(Number::round_new(neg, sum.magnitude().clone(), e, false, prec))
            }
        }
    }

    pub fn sub(&self, other: &Number) -> Option<Number> {
        self.add(&other.neg())
    }

    /// Product, with cty's precision rule: computed at 512 bits, then kept at the larger of
    /// the operands' precision and the precision the product needs.
    pub fn mul(&self, other: &Number) -> Option<Number> {
        let neg = self.neg != other.neg;
        let res_prec = self.op_prec(other);
        match (&self.form, &other.form) {
            (Form::Inf, Form::Zero) | (Form::Zero, Form::Inf) => None,
            (Form::Inf, _) | (_, Form::Inf) => {
                Some(Number { neg, form: Form::Inf, prec: res_prec })
            }
            (Form::Zero, _) | (_, Form::Zero) => {
                Some(Number { neg, form: Form::Zero, prec: res_prec })
            }
            (Form::Finite { mant: ma, exp: ea }, Form::Finite { mant: mb, exp: eb }) => {
                let product = Number::round_new(neg, ma * mb, ea + eb, false, PARSE_PREC);
                let min_prec = match &product.form {
                    Form::Finite { mant, .. } => mant.bits() as u32,
                    _ => 0,
                };
                Some(Number { prec: res_prec.max(min_prec), ..product })
            }
        }
    }

    /// Quotient; division by zero gives an infinity (as cty does); 0/0 and Inf/Inf are None.
    pub fn div(&self, other: &Number) -> Option<Number> {
        let neg = self.neg != other.neg;
        let prec = self.op_prec(other);
        match (&self.form, &other.form) {
            (Form::Zero, Form::Zero) | (Form::Inf, Form::Inf) => None,
            (Form::Inf, _) | (_, Form::Zero) => Some(Number { neg, form: Form::Inf, prec }),
            (Form::Zero, _) | (_, Form::Inf) => Some(Number { neg, form: Form::Zero, prec }),
            (Form::Finite { mant: ma, exp: ea }, Form::Finite { mant: mb, exp: eb }) => {
                Some(Number::quotient(neg, ma, mb, ea - eb, prec))
            }
        }
    }

    /// cty's `Modulo`: `a - b * trunc(a / b)`, computed at `a`'s precision; `a % 0` is `a`.
    pub fn rem(&self, other: &Number) -> Option<Number> {
        if self.is_inf() || other.is_inf() {
            return self.mul(other);
        }
        if other.is_zero() {
            return Some(self.clone());
        }
        let ratio = self.div(other)?;
        let truncated = ratio.trunc_bigint()?;
        let work = Number::from_bigint(&truncated, self.prec.max(1));
        let product = Number::mul_at(other, &work, self.prec.max(1));
        let result = self.sub(&product)?;
        Some(result.with_prec(self.prec.max(1)))
    }

    /// Product rounded to `prec` (Go's `z.Mul` with a preset precision).
    fn mul_at(a: &Number, b: &Number, prec: u32) -> Number {
        let neg = a.neg != b.neg;
        match (&a.form, &b.form) {
            (Form::Finite { mant: ma, exp: ea }, Form::Finite { mant: mb, exp: eb }) => {
                Number::round_new(neg, ma * mb, ea + eb, false, prec)
            }
            _ => Number { neg, form: Form::Zero, prec },
        }
    }

    /// Round toward negative infinity, keeping the precision.
    pub fn floor(&self) -> Number {
        self.round_integer(true)
    }

    /// Round toward positive infinity, keeping the precision.
    pub fn ceil(&self) -> Number {
        self.round_integer(false)
    }

    fn round_integer(&self, floor: bool) -> Number {
        let Some(t) = self.trunc_bigint() else { return self.clone() };
        let exact = self.is_integer();
        let adjusted = if exact {
            t
        } else if floor && self.neg {
            t - 1
        } else if !floor && !self.neg {
            t + 1
        } else {
            t
        };
        // Go's SetInt makes a whole zero positive: ceil(-0.5) prints "0".
        Number::from_bigint(&adjusted, self.prec.max(1))
    }

    /// Compare numerically (precision does not matter; -0 == 0).
    pub fn cmp_value(&self, other: &Number) -> Ordering {
        let sa = self.signum();
        let sb = other.signum();
        if sa != sb {
            return sa.cmp(&sb);
        }
        match (&self.form, &other.form) {
            (Form::Zero, Form::Zero) => Ordering::Equal,
            (Form::Inf, Form::Inf) => Ordering::Equal,
            (Form::Inf, _) => {
                if self.neg {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (_, Form::Inf) => {
                if other.neg {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (Form::Finite { mant: ma, exp: ea }, Form::Finite { mant: mb, exp: eb }) => {
                let e = (*ea).min(*eb);
                let a = ma << ((ea - e) as usize);
                let b = mb << ((eb - e) as usize);
                let ord = a.cmp(&b);
                if self.neg { ord.reverse() } else { ord }
            }
            _ => Ordering::Equal,
        }
    }

    /// Go's `Text('f', -1)`: the shortest decimal that reads back to this value at its
    /// precision. This is how Terraform prints numbers everywhere.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if self.neg {
            out.push('-');
        }
        let (mant, exp) = match &self.form {
            Form::Inf => {
                if !self.neg {
                    out.push('+');
                }
                out.push_str("Inf");
                return out;
            }
            Form::Zero => {
                out.push('0');
                return out;
            }
            Form::Finite { mant, exp } => (mant, *exp),
        };
        if let Some(digits) = exact_integer_digits(mant, exp, self.prec) {
            out.push_str(&digits);
            return out;
        }
        shortest_f(&mut out, mant, exp, self.prec);
        out
    }
}

/// The general `Text('f', -1)` of mant * 2^exp at `prec` bits: exact decimal, then Go's
/// shortest rounding.
fn shortest_f(out: &mut String, mant: &BigUint, exp: i64, prec: u32) {
    let mut d = Decimal::from_binary(mant, exp);
    round_shortest(&mut d, mant, exp, prec);
    let frac = (d.mant.len() as i64 - d.exp).max(0);
    fmt_f(out, frac, &d);
}

impl Number {
    /// Go's `Float.Text(format, prec)` for the formats `e`, `E`, `f`, `g` and `G`; a negative
    /// `prec` means the shortest text that reads back to the same value. This is what
    /// Terraform's `format("%.2f", x)` and friends print (before padding and flags).
    pub fn to_text_format(&self, format: u8, prec: i64) -> String {
        let mut out = String::new();
        if self.neg {
            out.push('-');
        }
        let mut d = match &self.form {
            Form::Inf => {
                if !self.neg {
                    out.push('+');
                }
                out.push_str("Inf");
                return out;
            }
            Form::Zero => Decimal { mant: Vec::new(), exp: 0 },
            Form::Finite { mant, exp } => Decimal::from_binary(mant, *exp),
        };
        let shortest = prec < 0;
        let mut prec = prec;
        if shortest {
            if let Form::Finite { mant, exp } = &self.form {
                round_shortest(&mut d, mant, *exp, self.prec);
            }
            prec = match format {
                b'e' | b'E' => d.mant.len() as i64 - 1,
                b'f' => (d.mant.len() as i64 - d.exp).max(0),
                _ => d.mant.len() as i64,
            };
        } else {
            match format {
                b'e' | b'E' => d.round_signed(1 + prec),
                b'f' => d.round_signed(d.exp + prec),
                _ => {
                    if prec == 0 {
                        prec = 1;
                    }
                    d.round_signed(prec);
                }
            }
        }
        match format {
            b'e' | b'E' => fmt_e(&mut out, format, prec, &d),
            b'f' => fmt_f(&mut out, prec, &d),
            _ => {
                let mut eprec = prec;
                let digits = d.mant.len() as i64;
                if eprec > digits && digits >= d.exp {
                    eprec = digits;
                }
                if shortest {
                    eprec = 6;
                }
                let exp = d.exp - 1;
                if exp < -4 || exp >= eprec {
                    let prec = prec.min(digits);
                    fmt_e(&mut out, format + b'e' - b'g', prec - 1, &d);
                } else {
                    let prec = if prec > d.exp { digits } else { prec };
                    fmt_f(&mut out, (prec - d.exp).max(0), &d);
                }
            }
        }
        out
    }
}

/// Go's `fmtE`: d.ddddde±dd.
fn fmt_e(out: &mut String, format: u8, prec: i64, d: &Decimal) {
    out.push(d.mant.first().map_or('0', |c| *c as char));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(d.at(i) as char);
        }
    }
    out.push(format as char);
    let exp = if d.mant.is_empty() { 0 } else { d.exp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    let exp = exp.unsigned_abs();
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
}

/// Go's `fmtF`: ddddddd.ddddd.
fn fmt_f(out: &mut String, prec: i64, d: &Decimal) {
    if d.exp > 0 {
        let m = (d.mant.len() as i64).min(d.exp) as usize;
        out.push_str(std::str::from_utf8(&d.mant[..m]).unwrap_or("0"));
        for _ in m as i64..d.exp {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec {
            out.push(d.at(d.exp + i) as char);
        }
    }
}

fn sign_of(neg: bool) -> Sign {
    if neg { Sign::Minus } else { Sign::Plus }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.cmp_value(other) == Ordering::Equal
    }
}

impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        self.cmp_value(other)
    }
}

impl std::hash::Hash for Number {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Equal values must hash equally whatever their precision.
        self.signum().hash(state);
        if let Form::Finite { mant, exp } = &self.form {
            mant.hash(state);
            exp.hash(state);
        }
        self.is_inf().hash(state);
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Number {
        Number::from_i64(v)
    }
}

/// Go's `math/big` decimal: value = 0.mant * 10^exp, `mant` ASCII digits without trailing
/// zeros.
struct Decimal {
    mant: Vec<u8>,
    exp: i64,
}

impl Decimal {
    /// Exact decimal of m * 2^shift.
    fn from_binary(m: &BigUint, shift: i64) -> Decimal {
        let (digits, frac_digits) = if shift >= 0 {
            ((m << (shift as usize)).to_str_radix(10), 0i64)
        } else {
            let k = (-shift) as u32;
            ((m * BigUint::from(5u32).pow(k)).to_str_radix(10), k as i64)
        };
        let mut mant = digits.into_bytes();
        let exp = mant.len() as i64 - frac_digits;
        while mant.last() == Some(&b'0') {
            mant.pop();
        }
        Decimal { mant, exp }
    }

    fn at(&self, i: i64) -> u8 {
        if i >= 0 && (i as usize) < self.mant.len() { self.mant[i as usize] } else { b'0' }
    }

    fn trim(&mut self) {
        while self.mant.last() == Some(&b'0') {
            self.mant.pop();
        }
        if self.mant.is_empty() {
            self.exp = 0;
        }
    }

    /// Go's `decimal.round` with a possibly negative digit count (nothing to do then).
    fn round_signed(&mut self, n: i64) {
        if n >= 0 {
            self.round(n as usize);
        }
    }

    fn should_round_up(&self, n: usize) -> bool {
        if self.mant[n] == b'5' && n + 1 == self.mant.len() {
            return n > 0 && (self.mant[n - 1] - b'0') & 1 != 0;
        }
        self.mant[n] >= b'5'
    }

    fn round(&mut self, n: usize) {
        if n >= self.mant.len() {
            return;
        }
        if self.should_round_up(n) { self.round_up(n) } else { self.round_down(n) }
    }

    fn round_up(&mut self, mut n: usize) {
        if n >= self.mant.len() {
            return;
        }
        while n > 0 && self.mant[n - 1] >= b'9' {
            n -= 1;
        }
        if n == 0 {
            self.mant.truncate(1);
            self.mant[0] = b'1';
            self.exp += 1;
            return;
        }
        self.mant[n - 1] += 1;
        self.mant.truncate(n);
    }

    fn round_down(&mut self, n: usize) {
        if n >= self.mant.len() {
            return;
        }
        self.mant.truncate(n);
        self.trim();
    }
}

/// The decimal digits of mant * 2^exp when that is a whole number held exactly at `prec`
/// bits: then every neighbouring integer is representable too, half an ulp is at most 1/2,
/// and the shortest decimal that reads back (`round_shortest`) is the integer itself. This
/// is the common case (ids, timestamps, counts) and skips the 5^k scaling that the general
/// path does for a 512-bit number.
fn exact_integer_digits(mant: &BigUint, exp: i64, prec: u32) -> Option<String> {
    if exp < 0 || mant.bits() as i64 + exp > prec as i64 {
        return None;
    }
    if mant.bits() as i64 + exp <= 128 {
        let v = mant.to_u128()? << exp;
        return Some(v.to_string());
    }
    Some((mant << (exp as usize)).to_str_radix(10))
}

/// Go's `roundShortest` (math/big/ftoa.go), on our odd-mantissa representation.
fn round_shortest(d: &mut Decimal, mant: &BigUint, exp: i64, prec: u32) {
    if d.mant.is_empty() {
        return;
    }
    // mant * 2^exp with lsb == 1/2 ulp at prec.
    let bits = mant.bits() as i64;
    let s = bits - (prec as i64 + 1);
    let (m, e) =
        if s < 0 { (mant << ((-s) as usize), exp + s) } else { (mant >> (s as usize), exp + s) };
    let lower = Decimal::from_binary(&(&m - BigUint::one()), e);
    let upper = Decimal::from_binary(&(&m + BigUint::one()), e);
    let inclusive = !m.bit(1);
    // Go compares digit positions without aligning exponents; we do the same so that the
    // printed digits are Terraform's, including at powers of ten.
    let lower_len = lower.mant.len();
    let upper_len = upper.mant.len();
    for i in 0..d.mant.len() {
        let digit = d.mant[i];
        let l = lower.at(i as i64);
        let u = upper.at(i as i64);
        let okdown = l != digit || inclusive && i + 1 == lower_len;
        let okup = digit != u && (inclusive || digit + 1 < u || i + 1 < upper_len);
        match (okdown, okup) {
            (true, true) => {
                d.round(i + 1);
                return;
            }
            (true, false) => {
                d.round_down(i + 1);
                return;
            }
            (false, true) => {
                d.round_up(i + 1);
                return;
            }
            (false, false) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    /// The whole-number shortcut prints what Go's general shortest algorithm prints, at and
    /// around the precision boundary, for small and wide numbers and powers of ten.
    #[test]
    fn integer_shortcut_matches_the_general_algorithm() {
        let mut values: Vec<BigUint> = Vec::new();
        for k in [1u32, 2, 3, 7, 10, 31, 52, 53, 54, 63, 64, 65, 100, 127, 128, 129, 200, 511, 512]
        {
            let p = BigUint::one() << (k as usize);
            values.push(&p - 1u32);
            values.push(p.clone());
            values.push(&p + 1u32);
            values.push(BigUint::from(10u32).pow(k.min(150)));
            values.push(BigUint::from(10u32).pow(k.min(150)) + 1u32);
        }
        values.push(BigUint::from(1_796_669_144_492u64));
        values.push(BigUint::from(9_007_199_254_740_993u64));
        let mut checked = 0;
        for v in &values {
            if v.is_zero() {
                continue;
            }
            let tz = v.trailing_zeros().unwrap_or(0);
            let (mant, exp) = (v >> (tz as usize), tz as i64);
            for prec in [53u32, 64, 128, 200, 512] {
                let Some(fast) = exact_integer_digits(&mant, exp, prec) else { continue };
                let mut general = String::new();
                shortest_f(&mut general, &mant, exp, prec);
                assert_eq!(fast, general, "{v} at {prec} bits");
                assert_eq!(fast, v.to_str_radix(10));
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
        // Wider than the precision: the general path (Terraform's rounding) is kept.
        assert_eq!(exact_integer_digits(&BigUint::from(1u32), 64, 53), None);
        assert_eq!(Number::from_f64(2f64.powi(64) + 4096.0).to_text(), "18446744073709556000");
    }

    #[test]
    fn prints_like_terraform_console() {
        // Expected strings are terraform 1.11.4 console output.
        assert_eq!(n("0.1").add(&n("0.2")).unwrap().to_text(), "0.3");
        assert_eq!(
            n("1").div(&n("3")).unwrap().to_text(),
            "0.33333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333335"
        );
        assert_eq!(
            n("2").div(&n("3")).unwrap().to_text(),
            "0.6666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666667"
        );
        assert_eq!(n("10").div(&n("4")).unwrap().to_text(), "2.5");
        assert_eq!(Number::from_f64(2f64.powi(64)).to_text(), "18446744073709550000");
        assert_eq!(n("1e30").to_text(), "1000000000000000000000000000000");
        assert_eq!(n("1e-7").to_text(), "0.0000001");
        assert_eq!(n("0").neg().to_text(), "-0");
        assert_eq!(n("7").rem(&n("3")).unwrap().to_text(), "1");
        assert_eq!(n("-7").rem(&n("3")).unwrap().to_text(), "-1");
        assert_eq!(n("5.5").rem(&n("2")).unwrap().to_text(), "1.5");
        assert_eq!(n("3.0").to_text(), "3");
        assert_eq!(Number::from_f64(2f64.sqrt()).to_text(), "1.4142135623730951");
        assert_eq!(n("1").div(&n("0")).unwrap().to_text(), "+Inf");
        assert_eq!(
            n("12345678901234567890").mul(&n("10")).unwrap().to_text(),
            "123456789012345678900"
        );
        assert_eq!(n("-1.5").floor().to_text(), "-2");
        assert_eq!(n("-0.5").ceil().to_text(), "0");
        assert_eq!(n("2.5").floor().to_text(), "2");
        assert_eq!(n("-7.5").rem(&n("2")).unwrap().to_text(), "-1.5");
        assert_eq!(n("5").rem(&n("-3")).unwrap().to_text(), "2");
        assert_eq!(n("1e-400").to_text().len(), 402);
        assert_eq!(
            n("1.0000000000000000000001").sub(&n("1")).unwrap().to_text(),
            "0.00000000000000000000009999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999995099910091211208138624"
        );
        assert!(n("0").div(&n("0")).is_none());
        assert_eq!(
            n("100000000000000000000000000").div(&n("3")).unwrap().to_text(),
            "33333333333333333333333333.333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333334"
        );
    }

    #[test]
    fn integer_precision_follows_go() {
        // length() results are 64-bit integers: 1/3 at 64 bits.
        let third = Number::from_i64(1).div(&Number::from_i64(3)).unwrap();
        assert_eq!(third.to_text(), "0.33333333333333333334");
    }

    #[test]
    fn formats_like_go_big_float_text() {
        // Expected strings are Go's (*big.Float).Text results.
        assert_eq!(n("3.14159").to_text_format(b'f', 2), "3.14");
        assert_eq!(n("0.009").to_text_format(b'f', 2), "0.01");
        assert_eq!(n("0.0009").to_text_format(b'f', 2), "0.00");
        assert_eq!(n("123456").to_text_format(b'e', 6), "1.234560e+05");
        assert_eq!(n("123456").to_text_format(b'E', 2), "1.23E+05");
        assert_eq!(n("0").to_text_format(b'e', 3), "0.000e+00");
        assert_eq!(n("1e21").to_text_format(b'g', -1), "1e+21");
        assert_eq!(n("100000").to_text_format(b'g', -1), "100000");
        assert_eq!(n("1000000").to_text_format(b'g', -1), "1e+06");
        assert_eq!(n("0.0001").to_text_format(b'g', -1), "0.0001");
        assert_eq!(n("0.00001").to_text_format(b'g', -1), "1e-05");
        assert_eq!(n("-2.5").to_text_format(b'f', 0), "-2");
        assert_eq!(n("3.5").to_text_format(b'f', 0), "4");
        assert_eq!(n("1.5").to_text_format(b'g', 3), "1.5");
        assert_eq!(Number::infinity(false).to_text_format(b'f', 2), "+Inf");
    }

    #[test]
    fn comparisons_ignore_precision() {
        assert_eq!(Number::from_i64(3), n("3.0"));
        assert!(n("-1") < n("0.5"));
        assert!(Number::infinity(false) > n("1e300"));
        assert_eq!(n("1.5").to_i64(), None);
        assert_eq!(n("42").to_i64(), Some(42));
    }

    #[test]
    fn parse_rejects_garbage() {
        for s in ["", ".", "abc", "1e", "--1", "0x10", "1.2.3"] {
            assert!(Number::parse(s).is_err(), "{s}");
        }
    }
}
