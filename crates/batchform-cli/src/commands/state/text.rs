//! Small text helpers that reproduce Go's formatting, which Terraform's output is made of:
//! `strconv.Quote`, big-float decimal numbers, word wrapping, cty's friendly type names.

use serde_json::Value;

/// Go's `strconv.Quote` (what `%q` prints), shared with the configuration's messages.
pub use batchform_core::convert::go_quote;

/// A JSON number as Terraform prints it (`big.Float.Text('f', -1)`): plain decimal, never an
/// exponent. `1e21` becomes `1000000000000000000000`, `-5e-7` becomes `-0.0000005`.
pub fn plain_number(n: &serde_json::Number) -> String {
    let text = n.to_string();
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().unwrap_or(0)),
        None => (text.as_str(), 0),
    };
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = format!("{int_part}{frac_part}");
    let point = int_part.len() as i64 + exponent;
    let (mut int_digits, mut frac_digits) = if point <= 0 {
        (String::from("0"), "0".repeat((-point) as usize) + &digits)
    } else if point as usize >= digits.len() {
        (digits.clone() + &"0".repeat(point as usize - digits.len()), String::new())
    } else {
        (digits[..point as usize].to_string(), digits[point as usize..].to_string())
    };
    let trimmed = int_digits.trim_start_matches('0');
    int_digits = if trimmed.is_empty() { "0".into() } else { trimmed.into() };
    while frac_digits.ends_with('0') {
        frac_digits.pop();
    }
    let mut out = String::new();
    if negative && !(int_digits == "0" && frac_digits.is_empty()) {
        out.push('-');
    }
    out.push_str(&int_digits);
    if !frac_digits.is_empty() {
        out.push('.');
        out.push_str(&frac_digits);
    }
    out
}

/// cty's `FriendlyName` for a type given as cty's type JSON.
pub fn friendly_type_name(ty: &Value) -> String {
    match ty {
        Value::String(s) => s.clone(),
        Value::Array(parts) => match (parts.first().and_then(Value::as_str), parts.get(1)) {
            (Some(kind @ ("list" | "set" | "map")), Some(elem)) => {
                format!("{kind} of {}", friendly_type_name(elem))
            }
            (Some(kind), _) => kind.to_string(),
            (None, _) => "dynamic".into(),
        },
        _ => "dynamic".into(),
    }
}

/// Word-wrap `text` at `width` columns the way Terraform wraps diagnostic details: paragraphs
/// are wrapped at spaces; lines starting with a space are left alone (preformatted).
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = Vec::new();
    for line in text.split('\n') {
        if line.starts_with(' ') || line.len() <= width {
            out.push(line.to_string());
            continue;
        }
        let mut current = String::new();
        for word in line.split(' ') {
            if !current.is_empty() && current.len() + 1 + word.len() > width {
                out.push(std::mem::take(&mut current));
            } else if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        out.push(current);
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        // Terraform 1.11's rendering of the same string (fixtures/states/values).
        let s = "<a&b> \u{2028} \u{8} \u{c} \u{1f} \t é 𝄞 \u{7f} \"q\" \\";
        assert_eq!(go_quote(s), r#""<a&b> \u2028 \b \f \x1f \t é 𝄞 \x7f \"q\" \\""#);
    }

    #[test]
    fn numbers_are_plain_decimals() {
        for (json, want) in [
            ("1e21", "1000000000000000000000"),
            ("-5e-7", "-0.0000005"),
            ("0.000001", "0.000001"),
            ("1.50", "1.5"),
            ("123456789012345678901234567890", "123456789012345678901234567890"),
            ("0", "0"),
            ("-0", "0"),
            ("2.5E+2", "250"),
        ] {
            let n: serde_json::Number = serde_json::from_str(json).unwrap();
            assert_eq!(plain_number(&n), want, "{json}");
        }
    }

    #[test]
    fn friendly_names() {
        let ty: Value = serde_json::from_str(r#"["list",["map","string"]]"#).unwrap();
        assert_eq!(friendly_type_name(&ty), "list of map of string");
        let ty: Value = serde_json::from_str(r#"["tuple",["string"]]"#).unwrap();
        assert_eq!(friendly_type_name(&ty), "tuple");
    }

    #[test]
    fn wraps_at_spaces() {
        let text = "The current state contains no resource terraform_data.nope. If you've just added this resource to the configuration, you must run \"terraform apply\" first to create the resource's entry in the state.";
        assert_eq!(
            wrap(text, 77),
            "The current state contains no resource terraform_data.nope. If you've just\nadded this resource to the configuration, you must run \"terraform apply\"\nfirst to create the resource's entry in the state."
        );
    }
}
