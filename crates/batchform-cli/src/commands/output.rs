//! `batchform output [-json | -raw] [NAME]`, with Terraform's rules: `<sensitive>` in the
//! list, values in clear with a name, `-json` and `-raw`; `-raw` refuses complex values.

use super::Context;
use super::state::text::{friendly_type_name, plain_number};
use super::state::{ColorArgs, StateFileArgs, diag, hcl};
use batchform_core::Diagnostic;
use batchform_state::OutputValue;
use batchform_state::json::{Sorted, to_vec_compact, to_vec_indent};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;

/// Read output values from the state.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub file: StateFileArgs,
    #[command(flatten)]
    pub color: ColorArgs,
    /// Print the outputs (or one output's value) as JSON.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_value = "false",
        default_missing_value = "true",
        value_parser = super::state::parse_bool,
        conflicts_with = "raw"
    )]
    pub json: bool,
    /// Print one string, number or bool output's value as is, with no quotes or newline.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_value = "false",
        default_missing_value = "true",
        value_parser = super::state::parse_bool
    )]
    pub raw: bool,
    /// The output to print.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let color = args.color.color();
    let path = match args.file.path(ctx, color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let outputs = match super::state::read_state(&path) {
        Ok(state) => state.map(|s| s.outputs).unwrap_or_default(),
        Err(d) => return u8::from(diag::print(&[*d], color)),
    };
    let mut stdout = std::io::stdout().lock();
    let Some(name) = &args.name else {
        if args.raw {
            return diag::error(
                "Output name required",
                "You must give the name of a single output value when using the -raw option.",
                color,
            );
        }
        if args.json {
            let _ = stdout.write_all(&all_as_json(&outputs));
            return 0;
        }
        if outputs.is_empty() {
            diag::print(&[no_outputs()], color);
            return 0;
        }
        let mut text = String::new();
        for (name, output) in &outputs {
            let value = if output.sensitive {
                "<sensitive>".to_string()
            } else {
                hcl::format_value(&output.value, &output.value_type, 0)
            };
            text.push_str(&format!("{name} = {value}\n"));
        }
        let _ = stdout.write_all(text.as_bytes());
        return 0;
    };
    let Some(output) = outputs.get(name) else {
        return diag::error(
            &format!("Output {name:?} not found"),
            "The output variable requested could not be found in the state file. If you recently added this to your configuration, be sure to run `batchform apply`, since the state won't be updated with new output variables until that command is run.",
            color,
        );
    };
    if args.json {
        let mut line = to_vec_compact(&Sorted(&output.value)).unwrap_or_default();
        line.push(b'\n');
        let _ = stdout.write_all(&line);
        return 0;
    }
    if args.raw {
        return match raw_text(name, output) {
            Ok(text) => {
                let _ = stdout.write_all(text.as_bytes());
                0
            }
            Err(d) => u8::from(diag::print(&[*d], color)),
        };
    }
    let text = hcl::format_value(&output.value, &output.value_type, 0);
    let _ = writeln!(stdout, "{text}");
    0
}

/// `-raw`: strings as they are, numbers and bools as literals; anything else is an error.
fn raw_text(name: &str, output: &OutputValue) -> Result<String, Box<Diagnostic>> {
    match &output.value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(plain_number(n)),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err(Box::new(Diagnostic::error(
            "Unsupported value for raw output",
            format!("The value for output value {name:?} is null, so -raw mode cannot print it."),
        ))),
        _ => Err(Box::new(Diagnostic::error(
            "Unsupported value for raw output",
            format!(
                "The -raw option only supports strings, numbers, and boolean values, but output value {name:?} is {}.\n\nUse the -json option for machine-readable representations of output values that have complex types.",
                friendly_type_name(&output.value_type)
            ),
        ))),
    }
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    sensitive: bool,
    #[serde(rename = "type")]
    value_type: Sorted<'a>,
    value: Sorted<'a>,
}

fn all_as_json(outputs: &BTreeMap<String, OutputValue>) -> Vec<u8> {
    let map: BTreeMap<&str, JsonOutput<'_>> = outputs
        .iter()
        .map(|(name, o)| {
            let json = JsonOutput {
                sensitive: o.sensitive,
                value_type: Sorted(&o.value_type),
                value: Sorted(&o.value),
            };
            (name.as_str(), json)
        })
        .collect();
    let mut bytes = to_vec_indent(&map).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

fn no_outputs() -> Diagnostic {
    Diagnostic::warning(
        "No outputs found",
        "The state file either has no outputs defined, or all the defined outputs are empty. Please define an output in your configuration with the `output` keyword and run `batchform refresh` for it to become available. If you are using interpolation, please verify the interpolated value is not empty. You can use the `batchform console` command to assist.",
    )
}
