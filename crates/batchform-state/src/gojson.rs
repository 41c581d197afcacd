//! JSON written byte for byte as Go's `encoding/json` writes it, so that a state file
//! batchform writes diffs cleanly against one Terraform wrote: object keys of free-form values
//! sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c` etc., 2-space indentation for
//! `MarshalIndent` and none for `Marshal`.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter, PrettyFormatter};
use std::io::{self, Write};

/// Serialize `value` as Go's `json.MarshalIndent(v, "", "  ")` does.
pub fn to_vec_indent<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    to_vec_indent_sized(value, 4096)
}

/// [`to_vec_indent`] into a buffer of `capacity` bytes to start with (a big state grows
/// one by copying itself over and over otherwise).
pub fn to_vec_indent_sized<T: Serialize + ?Sized>(
    value: &T,
    capacity: usize,
) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(capacity);
    let formatter = GoFormatter::Pretty(PrettyFormatter::with_indent(b"  "));
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut ser)?;
    Ok(out)
}

/// Serialize `value` as Go's `json.Marshal` does (one line).
pub fn to_vec_compact<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(1024);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoFormatter::Compact);
    value.serialize(&mut ser)?;
    Ok(out)
}

/// A `serde_json::Value` serialized with object keys in sorted order, whatever order the map
/// holds them in (serde_json's `preserve_order` feature may be on elsewhere in the build).
pub struct Sorted<'a>(pub &'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Sorted(item))?;
                }
                seq.end()
            }
            Value::Object(map) => {
                // serde_json's map is a BTreeMap (the workspace does not enable
                // `preserve_order`), so its keys come in byte order, which is Go's.
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (key, value) in map {
                    out.serialize_entry(key, &Sorted(value))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// `check_results` as Terraform writes them: each entry's keys in the order `object_kind`,
/// `config_addr`, `status`, `objects`, and each object's as `object_addr`, `status`,
/// `failure_messages` (Go struct field order); anything else sorted.
pub struct CheckResults<'a>(pub &'a Value);

const CHECK_ENTRY_ORDER: &[&str] = &["object_kind", "config_addr", "status", "objects"];
const CHECK_OBJECT_ORDER: &[&str] = &["object_addr", "status", "failure_messages"];

impl Serialize for CheckResults<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Value::Array(entries) = self.0 else { return Sorted(self.0).serialize(serializer) };
        let mut seq = serializer.serialize_seq(Some(entries.len()))?;
        for entry in entries {
            seq.serialize_element(&Ordered(entry, CHECK_ENTRY_ORDER, Some(CHECK_OBJECT_ORDER)))?;
        }
        seq.end()
    }
}

/// An object with `order`'s keys first (in that order), then the rest sorted; arrays under
/// `objects` are written with `inner` order.
struct Ordered<'a>(&'a Value, &'static [&'static str], Option<&'static [&'static str]>);

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Value::Object(map) = self.0 else { return Sorted(self.0).serialize(serializer) };
        let mut keys: Vec<&String> = map.keys().collect();
        let rank = |k: &str| self.1.iter().position(|o| *o == k).unwrap_or(self.1.len());
        keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
        let mut out = serializer.serialize_map(Some(keys.len()))?;
        for key in keys {
            let value = &map[key.as_str()];
            match (key.as_str(), value, self.2) {
                ("objects", Value::Array(objects), Some(inner)) => {
                    let items: Vec<Ordered<'_>> =
                        objects.iter().map(|o| Ordered(o, inner, None)).collect();
                    out.serialize_entry(key, &items)?;
                }
                _ => out.serialize_entry(key, &Sorted(value))?,
            }
        }
        out.end()
    }
}

/// An object's `attributes` as cty writes them: keys sorted, except that a dynamically typed
/// attribute's wrapper `{"value": ..., "type": ...}` keeps cty's order (value first). The
/// wrapper only occurs as a top-level attribute value.
pub struct Attributes<'a>(pub &'a Value);

impl Serialize for Attributes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Value::Object(map) = self.0 else { return Sorted(self.0).serialize(serializer) };
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort();
        let mut out = serializer.serialize_map(Some(keys.len()))?;
        for key in keys {
            out.serialize_entry(key, &Dynamic(&map[key.as_str()]))?;
        }
        out.end()
    }
}

/// A value that may be cty's dynamic wrapper `{"value": ..., "type": ...}` (written value
/// first, as cty does); anything else is written [`Sorted`].
pub struct Dynamic<'a>(pub &'a Value);

impl Serialize for Dynamic<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(inner)
                if inner.len() == 2
                    && inner.contains_key("value")
                    && inner.contains_key("type") =>
            {
                let mut out = serializer.serialize_map(Some(2))?;
                out.serialize_entry("value", &Sorted(&inner["value"]))?;
                out.serialize_entry("type", &Sorted(&inner["type"]))?;
                out.end()
            }
            other => Sorted(other).serialize(serializer),
        }
    }
}

enum GoFormatter {
    Pretty(PrettyFormatter<'static>),
    Compact,
}

macro_rules! delegate {
    ($self:ident, $method:ident ( $($arg:expr),* )) => {
        match $self {
            GoFormatter::Pretty(f) => f.$method($($arg),*),
            GoFormatter::Compact => CompactFormatter.$method($($arg),*),
        }
    };
}

impl Formatter for GoFormatter {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        delegate!(self, begin_array(w))
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        delegate!(self, end_array(w))
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        delegate!(self, begin_array_value(w, first))
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        delegate!(self, end_array_value(w))
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        delegate!(self, begin_object(w))
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        delegate!(self, end_object(w))
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        delegate!(self, begin_object_key(w, first))
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        delegate!(self, begin_object_value(w))
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        delegate!(self, end_object_value(w))
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json already escaped quotes, backslashes and control characters; Go also
        // escapes these five for safe embedding in HTML.
        // Scanned as bytes: the three ASCII characters are themselves, and U+2028 / U+2029
        // are the only characters encoded as E2 80 A8 / E2 80 A9.
        let bytes = fragment.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let (escaped, len) = match bytes[i] {
                b'<' => ("\\u003c", 1),
                b'>' => ("\\u003e", 1),
                b'&' => ("\\u0026", 1),
                0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA8) => {
                    ("\\u2028", 3)
                }
                0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA9) => {
                    ("\\u2029", 3)
                }
                _ => {
                    i += 1;
                    continue;
                }
            };
            w.write_all(&bytes[start..i])?;
            w.write_all(escaped.as_bytes())?;
            i += len;
            start = i;
        }
        w.write_all(&bytes[start..])
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        // Identical to Go's choices (Go >= 1.22 writes \b and \f too).
        CompactFormatter.write_char_escape(w, escape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_like_go() {
        let v = json!("<a&b> \u{2028} \u{8} \u{c} \u{1f} \t é 𝄞 \u{7f}");
        let out = String::from_utf8(to_vec_compact(&v).unwrap()).unwrap();
        // The same string as Terraform 1.11 wrote it into a state file.
        assert_eq!(out, "\"\\u003ca\\u0026b\\u003e \\u2028 \\b \\f \\u001f \\t é 𝄞 \u{7f}\"");
        // Other characters starting with the same byte as U+2028 stay as they are.
        let v = json!("… € \u{2029}\u{2027}>");
        let out = String::from_utf8(to_vec_compact(&v).unwrap()).unwrap();
        assert_eq!(out, "\"… € \\u2029\u{2027}\\u003e\"");
    }

    #[test]
    fn sorted_keys_and_indent() {
        let v = json!({"b": [1, {"d": 1, "c": []}], "a": {}});
        let out = String::from_utf8(to_vec_indent(&Sorted(&v)).unwrap()).unwrap();
        assert_eq!(
            out,
            "{\n  \"a\": {},\n  \"b\": [\n    1,\n    {\n      \"c\": [],\n      \"d\": 1\n    }\n  ]\n}"
        );
        // Go orders map keys by their bytes: upper case, then `_`, then lower case, then
        // anything non-ASCII.
        let v = json!({"é": 1, "a": 1, "_": 1, "Z": 1, "aa": 1});
        let out = String::from_utf8(to_vec_compact(&Sorted(&v)).unwrap()).unwrap();
        assert_eq!(out, r#"{"Z":1,"_":1,"a":1,"aa":1,"é":1}"#);
    }
}
