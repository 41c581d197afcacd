//! Resource and instance addresses: `openai_batch.x`, `data.openai_batch.y["k"]`,
//! `terraform_data.z[3]`, written and parsed exactly as Terraform does (root module only).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Managed resource or data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Managed,
    Data,
}

impl Mode {
    /// The name used in the state file (`managed` / `data`).
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Managed => "managed",
            Mode::Data => "data",
        }
    }
}

/// A resource block: mode, type and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddr {
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn managed(type_name: impl Into<String>, name: impl Into<String>) -> Self {
        ResourceAddr { mode: Mode::Managed, type_name: type_name.into(), name: name.into() }
    }

    pub fn data(type_name: impl Into<String>, name: impl Into<String>) -> Self {
        ResourceAddr { mode: Mode::Data, type_name: type_name.into(), name: name.into() }
    }

    pub fn instance(&self, key: InstanceKey) -> InstanceAddr {
        InstanceAddr { resource: self.clone(), key }
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mode == Mode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.type_name, self.name)
    }
}

/// The key of one instance: none, a `count` index or a `for_each` key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InstanceKey {
    None,
    Int(i64),
    Str(String),
}

impl InstanceKey {
    pub fn is_none(&self) -> bool {
        matches!(self, InstanceKey::None)
    }
}

/// Terraform sorts instances: no key first, then integers, then strings.
impl Ord for InstanceKey {
    fn cmp(&self, other: &Self) -> Ordering {
        fn rank(k: &InstanceKey) -> u8 {
            match k {
                InstanceKey::None => 0,
                InstanceKey::Int(_) => 1,
                InstanceKey::Str(_) => 2,
            }
        }
        match (self, other) {
            (InstanceKey::Int(a), InstanceKey::Int(b)) => a.cmp(b),
            (InstanceKey::Str(a), InstanceKey::Str(b)) => a.cmp(b),
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

impl PartialOrd for InstanceKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", quote_string(s)),
        }
    }
}

/// One instance of a resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceAddr {
    pub resource: ResourceAddr,
    pub key: InstanceKey,
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.resource, self.key)
    }
}

/// An address given on the command line: a whole resource or one instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TargetAddr {
    Resource(ResourceAddr),
    Instance(InstanceAddr),
}

impl TargetAddr {
    pub fn resource(&self) -> &ResourceAddr {
        match self {
            TargetAddr::Resource(r) => r,
            TargetAddr::Instance(i) => &i.resource,
        }
    }

    /// Whether this address selects the given instance.
    pub fn contains(&self, instance: &InstanceAddr) -> bool {
        match self {
            TargetAddr::Resource(r) => *r == instance.resource,
            TargetAddr::Instance(i) => i == instance,
        }
    }
}

impl fmt::Display for TargetAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetAddr::Resource(r) => r.fmt(f),
            TargetAddr::Instance(i) => i.fmt(f),
        }
    }
}

/// Why an address string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid address {input:?}: {reason}")]
pub struct AddrParseError {
    pub input: String,
    pub reason: String,
}

impl FromStr for TargetAddr {
    type Err = AddrParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| AddrParseError { input: input.to_string(), reason: reason.into() };
        let (mode, rest) = match input.strip_prefix("data.") {
            Some(rest) => (Mode::Data, rest),
            None => (Mode::Managed, input),
        };
        if rest.starts_with("module.") {
            return Err(err("modules are not supported; only root module resources exist"));
        }
        let (type_name, rest) = rest
            .split_once('.')
            .ok_or_else(|| err("a resource address must have a type and a name, like TYPE.NAME"))?;
        let name_end = rest.find('[').unwrap_or(rest.len());
        let (name, key_part) = rest.split_at(name_end);
        if !is_identifier(type_name) || !is_identifier(name) {
            return Err(err("resource types and names must be valid identifiers"));
        }
        let resource = ResourceAddr { mode, type_name: type_name.into(), name: name.into() };
        if key_part.is_empty() {
            return Ok(TargetAddr::Resource(resource));
        }
        let inner =
            key_part.strip_prefix('[').and_then(|s| s.strip_suffix(']')).ok_or_else(|| {
                err("an instance key must be written in brackets, like [0] or [\"a\"]")
            })?;
        let key = if let Some(quoted) = inner.strip_prefix('"') {
            let body = quoted.strip_suffix('"').ok_or_else(|| err("unterminated string key"))?;
            InstanceKey::Str(unquote_string(body).ok_or_else(|| err("invalid escape in key"))?)
        } else {
            InstanceKey::Int(
                inner
                    .parse::<i64>()
                    .map_err(|_| err("an index key must be a whole number or a quoted string"))?,
            )
        };
        Ok(TargetAddr::Instance(InstanceAddr { resource, key }))
    }
}

/// Whether `s` is an HCL identifier (letters, digits, `_`, `-`; not starting with a digit or `-`).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Quote a string the way HCL and Terraform print string literals.
pub fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn unquote_string(body: &str) -> Option<String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> TargetAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_round_trip() {
        for s in ["openai_batch.x", "data.openai_batch.y", "a.b[3]", "data.a.b[\"k\\\"q\"]"] {
            assert_eq!(parse(s).to_string(), s);
        }
    }

    #[test]
    fn bad_addresses_are_errors() {
        for s in ["openai_batch", "a.b[", "a.b[x]", "module.m.a.b", "1a.b", "a.b[\"x]"] {
            assert!(s.parse::<TargetAddr>().is_err(), "{s} should not parse");
        }
    }

    #[test]
    fn instance_keys_sort_like_terraform() {
        let mut keys = vec![
            InstanceKey::Str("b".into()),
            InstanceKey::Int(10),
            InstanceKey::None,
            InstanceKey::Int(2),
        ];
        keys.sort();
        assert_eq!(
            keys,
            vec![
                InstanceKey::None,
                InstanceKey::Int(2),
                InstanceKey::Int(10),
                InstanceKey::Str("b".into())
            ]
        );
    }
}
