//! `csvdecode` (go-cty `stdlib/csv.go`) over a port of Go's `encoding/csv` reader, whose
//! quoting rules, skipped empty lines and error positions users see in Terraform's messages
//! (`CSV parse error on line 3: wrong number of fields`).

use super::spec::prelude::*;
use std::collections::BTreeMap;

pub(super) fn register(all: &mut Vec<Function>) {
    all.push(Function::new(
        "csvdecode",
        vec![Param::new("str", Type::String)],
        Ret::Computed(|args, _| {
            let s = arg(args, 0);
            if !s.is_known() {
                return Ok(Type::Dynamic);
            }
            let mut reader = Reader::new(s.as_str().unwrap_or_default());
            let headers = match reader.read_record(None) {
                Ok(Some(h)) => h,
                Ok(None) => return Err(CallError::msg("missing header line")),
                Err(e) => return Err(CallError::msg(e.to_string())),
            };
            let mut attrs = BTreeMap::new();
            for name in headers {
                if attrs.contains_key(&name) {
                    return Err(CallError::msg(format!(
                        "duplicate column name {}",
                        batchform_core::convert::go_quote(&name)
                    )));
                }
                attrs.insert(name, Type::String);
            }
            Ok(Type::list(Type::Object(attrs)))
        }),
        csvdecode,
    ));
}

fn csvdecode(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let ety = ret.element_type().cloned().unwrap_or(Type::Dynamic);
    let mut reader = Reader::new(str_arg(args, 0));
    let headers = match reader.read_record(None) {
        Ok(Some(h)) => h,
        Ok(None) => return Err(CallError::msg("EOF")),
        Err(e) => return Err(CallError::msg(e.to_string())),
    };
    let fields = headers.len();
    let mut rows = Vec::new();
    loop {
        match reader.read_record(Some(fields)) {
            Ok(None) => break,
            Ok(Some(cols)) => {
                let attrs: BTreeMap<String, Value> =
                    headers.iter().cloned().zip(cols.into_iter().map(string_val)).collect();
                rows.push(Value::Object(attrs));
            }
            Err(e) => return Err(CallError::msg(e.to_string())),
        }
    }
    Ok(Value::List(ety, rows))
}

/// A `*csv.ParseError`, as cty's `csvError` words it.
#[derive(Debug)]
struct ParseError {
    line: usize,
    kind: &'static str,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CSV parse error on line {}: {}", self.line, self.kind)
    }
}

const BARE_QUOTE: &str = "bare \" in non-quoted-field";
const QUOTE: &str = "extraneous or missing \" in quoted-field";
const FIELD_COUNT: &str = "wrong number of fields";

/// Go's `csv.Reader` with the default settings (comma `,`, no comments, strict quotes).
struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    num_line: usize,
}

impl<'a> Reader<'a> {
    fn new(s: &'a str) -> Reader<'a> {
        Reader { input: s.as_bytes(), pos: 0, num_line: 0 }
    }

    /// Go's `readLine`: the next line with its `\n` (`\r\n` normalized), or None at the end.
    fn read_line(&mut self) -> Option<Vec<u8>> {
        if self.pos >= self.input.len() {
            return None;
        }
        let rest = &self.input[self.pos..];
        let end = rest.iter().position(|b| *b == b'\n').map_or(rest.len(), |i| i + 1);
        let mut line = rest[..end].to_vec();
        self.pos += end;
        self.num_line += 1;
        let at_eof = self.pos >= self.input.len() && line.last() != Some(&b'\n');
        if at_eof && line.last() == Some(&b'\r') {
            line.pop();
        }
        let n = line.len();
        if n >= 2 && line[n - 2] == b'\r' && line[n - 1] == b'\n' {
            line.truncate(n - 2);
            line.push(b'\n');
        }
        Some(line)
    }

    /// Go's `readRecord`. `fields` is `FieldsPerRecord` when set.
    fn read_record(
        &mut self,
        fields: Option<usize>,
    ) -> std::result::Result<Option<Vec<String>>, ParseError> {
        let length_nl = |l: &[u8]| usize::from(l.last() == Some(&b'\n'));
        // Skip empty lines.
        let mut line = loop {
            match self.read_line() {
                None => return Ok(None),
                Some(l) if l.len() == length_nl(&l) => continue,
                Some(l) => break l,
            }
        };
        let rec_line = self.num_line;
        let mut record: Vec<Vec<u8>> = Vec::new();
        let mut err: Option<ParseError> = None;
        'fields: loop {
            if line.first() != Some(&b'"') {
                // Unquoted field.
                let comma = line.iter().position(|b| *b == b',');
                let field = match comma {
                    Some(i) => &line[..i],
                    None => &line[..line.len() - length_nl(&line)],
                };
                if field.contains(&b'"') {
                    err = Some(ParseError { line: self.num_line, kind: BARE_QUOTE });
                    break 'fields;
                }
                record.push(field.to_vec());
                match comma {
                    Some(i) => {
                        line = line[i + 1..].to_vec();
                        continue 'fields;
                    }
                    None => break 'fields,
                }
            }
            // Quoted field.
            let mut field = Vec::new();
            line = line[1..].to_vec();
            let mut field_line = self.num_line;
            loop {
                if let Some(i) = line.iter().position(|b| *b == b'"') {
                    field.extend_from_slice(&line[..i]);
                    line = line[i + 1..].to_vec();
                    match line.first() {
                        Some(b'"') => {
                            field.push(b'"');
                            line = line[1..].to_vec();
                        }
                        Some(b',') => {
                            line = line[1..].to_vec();
                            record.push(field);
                            continue 'fields;
                        }
                        _ if length_nl(&line) == line.len() => {
                            record.push(field);
                            break 'fields;
                        }
                        _ => {
                            err = Some(ParseError { line: self.num_line, kind: QUOTE });
                            break 'fields;
                        }
                    }
                } else if !line.is_empty() {
                    field.extend_from_slice(&line);
                    match self.read_line() {
                        Some(next) => {
                            if !next.is_empty() {
                                field_line += 1;
                            }
                            line = next;
                        }
                        None => line = Vec::new(),
                    }
                } else {
                    // Abrupt end of input inside quotes.
                    err = Some(ParseError { line: field_line, kind: QUOTE });
                    break 'fields;
                }
            }
        }
        if let Some(e) = err {
            return Err(e);
        }
        if let Some(n) = fields {
            if record.len() != n {
                return Err(ParseError { line: rec_line, kind: FIELD_COUNT });
            }
        }
        Ok(Some(record.into_iter().map(|f| String::from_utf8_lossy(&f).into_owned()).collect()))
    }
}
