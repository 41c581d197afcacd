//! A parser for the literal notation of `fixtures/functions/cases.txt`: HCL literals
//! (numbers, strings, bools, null, tuples, objects), unary minus, `/` between numbers, and
//! function calls, which are evaluated with [`super::super::call`]. `unknown(X)` is an unknown
//! of X's type, as the generator writes it for Terraform.

use super::super::{FunctionContext, FunctionError, call};
use batchform_core::{Number, Value};
use std::collections::BTreeMap;

pub(super) fn eval(text: &str, ctx: &FunctionContext<'_>) -> Result<Value, Vec<FunctionError>> {
    let mut p = P { s: text.as_bytes(), i: 0 };
    let v = p.expr(ctx)?;
    p.ws();
    assert_eq!(p.i, p.s.len(), "trailing text in {text:?}");
    Ok(v)
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expr(&mut self, ctx: &FunctionContext<'_>) -> Result<Value, Vec<FunctionError>> {
        let left = self.unary(ctx)?;
        if self.eat(b'/') {
            let right = self.unary(ctx)?;
            let (a, b) = (left.as_number().unwrap(), right.as_number().unwrap());
            return Ok(Value::Number(a.div(b).unwrap()));
        }
        Ok(left)
    }

    fn unary(&mut self, ctx: &FunctionContext<'_>) -> Result<Value, Vec<FunctionError>> {
        if self.eat(b'-') {
            let v = self.unary(ctx)?;
            return Ok(Value::Number(v.as_number().unwrap().neg()));
        }
        self.primary(ctx)
    }

    fn primary(&mut self, ctx: &FunctionContext<'_>) -> Result<Value, Vec<FunctionError>> {
        self.ws();
        let c = self.s[self.i];
        match c {
            b'"' => Ok(Value::String(self.string())),
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                while !self.eat(b']') {
                    items.push(self.expr(ctx)?);
                    self.eat(b',');
                }
                Ok(Value::Tuple(items))
            }
            b'{' => {
                self.i += 1;
                let mut attrs = BTreeMap::new();
                while !self.eat(b'}') {
                    self.ws();
                    let key = if self.s[self.i] == b'"' { self.string() } else { self.ident() };
                    assert!(self.eat(b'=') || self.eat(b':'), "expected = after {key}");
                    let v = self.expr(ctx)?;
                    attrs.insert(key, v);
                    self.eat(b',');
                }
                Ok(Value::Object(attrs))
            }
            b'0'..=b'9' => {
                let start = self.i;
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_digit()
                        || matches!(self.s[self.i], b'.' | b'e' | b'E')
                        || (matches!(self.s[self.i], b'+' | b'-')
                            && matches!(self.s[self.i - 1], b'e' | b'E')))
                {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                Ok(Value::Number(Number::parse(text).unwrap()))
            }
            _ => {
                let name = self.ident();
                match name.as_str() {
                    "true" => return Ok(Value::Bool(true)),
                    "false" => return Ok(Value::Bool(false)),
                    "null" => return Ok(Value::NULL),
                    _ => {}
                }
                assert!(self.eat(b'('), "expected a call: {name}");
                let mut args = Vec::new();
                while !self.eat(b')') {
                    args.push(self.expr(ctx)?);
                    self.eat(b',');
                }
                if name == "unknown" {
                    return Ok(Value::unknown(args[0].ty()));
                }
                call(&name, args, ctx)
            }
        }
    }

    fn ident(&mut self) -> String {
        self.ws();
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || matches!(self.s[self.i], b'_' | b'-'))
        {
            self.i += 1;
        }
        String::from_utf8(self.s[start..self.i].to_vec()).unwrap()
    }

    /// An HCL quoted string with its escapes (no interpolation in the corpus).
    fn string(&mut self) -> String {
        self.i += 1;
        let mut out = String::new();
        let rest = std::str::from_utf8(&self.s[self.i..]).unwrap();
        let mut chars = rest.char_indices();
        while let Some((k, c)) = chars.next() {
            match c {
                '"' => {
                    self.i += k + 1;
                    return out;
                }
                '\\' => {
                    let (_, e) = chars.next().unwrap();
                    match e {
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        'u' => {
                            let hex: String = (0..4).map(|_| chars.next().unwrap().1).collect();
                            out.push(
                                char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap(),
                            );
                        }
                        other => panic!("unsupported escape \\{other}"),
                    }
                }
                c => out.push(c),
            }
        }
        panic!("unterminated string");
    }
}
