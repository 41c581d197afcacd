//! The working directory: finding and reading configuration files and variable files, and
//! turning them into a loaded configuration plus the sources diagnostics need.

use crate::diagnostics::Sources;
use batchform_config::model::Config;
use batchform_config::source::SourceFile;
use batchform_config::variables::{self, RawVariable, VarSource};
use batchform_core::{Diagnostic, Diagnostics};
use std::path::{Path, PathBuf};

/// A configuration directory, loaded.
pub struct Loaded {
    pub config: Config,
    pub sources: Sources,
    pub diagnostics: Diagnostics,
    /// Whether any configuration file was found (plan and apply refuse an empty directory).
    pub has_files: bool,
    /// Whether every file parsed (further checks on a partial configuration would only
    /// report spurious undeclared references).
    pub syntax_ok: bool,
}

/// Is this a configuration file Terraform (and we) would load?
fn is_config_file(name: &str) -> bool {
    if name.starts_with('.') || name.starts_with('#') || name.ends_with('~') {
        return false;
    }
    if name.ends_with(".tftest.hcl") || name.ends_with(".tfvars.hcl") {
        return false;
    }
    name.ends_with(".tf") || name.ends_with(".hcl")
}

/// Read `path` as UTF-8 text, or give a diagnostic naming it.
pub fn read_text(path: &Path, display: &str) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error(
            "Failed to read file",
            format!("The file {display:?} could not be read: {}.", crate::ui::io_error_text(&e)),
        )
    })?;
    String::from_utf8(bytes).map_err(|_| {
        Diagnostic::error(
            "Invalid file encoding",
            format!(
                "The file {display:?} is not valid UTF-8. Configuration files must be UTF-8 text."
            ),
        )
    })
}

/// Load every configuration file of `dir` (sorted by name, as Terraform does).
pub fn load(dir: &Path) -> Loaded {
    let mut diagnostics = Diagnostics::new();
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| is_config_file(n))
            .collect(),
        Err(e) => {
            diagnostics.push(Diagnostic::error(
                "Failed to read module directory",
                format!(
                    "Module directory {} does not exist or cannot be read: {}.",
                    dir.display(),
                    crate::ui::io_error_text(&e)
                ),
            ));
            Vec::new()
        }
    };
    names.sort();
    let mut files = Vec::with_capacity(names.len());
    for name in &names {
        match read_text(&dir.join(name), name) {
            Ok(text) => files.push(SourceFile::new(name.as_str(), text)),
            Err(d) => diagnostics.push(d),
        }
    }
    let (config, diags, all_parsed) = Config::load_files(&files);
    let syntax_ok = diagnostics.is_empty() && all_parsed;
    diagnostics.extend(diags);
    let mut sources = Sources::new();
    for f in files {
        sources.add(f);
    }
    sources.add_contexts(&config);
    Loaded { config, sources, diagnostics, has_files: !names.is_empty(), syntax_ok }
}

/// `-var` and `-var-file` in the order they were given.
#[derive(Debug, Clone)]
pub enum VarArg {
    Var(String),
    File(PathBuf),
}

/// Collect every variable value in Terraform's precedence order (later wins).
pub fn variable_inputs(
    dir: &Path,
    args: &[VarArg],
    sources: &mut Sources,
) -> (Vec<RawVariable>, Diagnostics) {
    let mut raw = Vec::new();
    let mut diags = Diagnostics::new();
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter_map(|(k, v)| k.strip_prefix("TF_VAR_").map(|n| (n.to_string(), v)))
        .collect();
    env.sort();
    for (name, value) in env {
        raw.push(RawVariable {
            name,
            value: variables::RawValue::Text(value),
            source: VarSource::Env,
            range: None,
        });
    }
    let mut auto: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json"))
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    let mut files: Vec<String> = Vec::new();
    for default in ["terraform.tfvars", "terraform.tfvars.json"] {
        if dir.join(default).is_file() {
            files.push(default.to_string());
        }
    }
    files.extend(auto);
    for name in files {
        load_var_file(&dir.join(&name), &name, &mut raw, &mut diags, sources);
    }
    for arg in args {
        match arg {
            VarArg::Var(text) => match variables::parse_var_flag(text) {
                Ok(v) => raw.push(v),
                Err(d) => diags.push(d),
            },
            VarArg::File(path) => {
                let display = path.display().to_string();
                if !path.is_file() {
                    diags.push(Diagnostic::error(
                        "Failed to read variables file",
                        format!("Given variables file {display} does not exist."),
                    ));
                    continue;
                }
                load_var_file(path, &display, &mut raw, &mut diags, sources);
            }
        }
    }
    (raw, diags)
}

fn load_var_file(
    path: &Path,
    display: &str,
    raw: &mut Vec<RawVariable>,
    diags: &mut Diagnostics,
    sources: &mut Sources,
) {
    let text = match read_text(path, display) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return;
        }
    };
    let file = SourceFile::new(display, text);
    let (vars, d) = if display.ends_with(".json") {
        variables::parse_tfvars_json(&file)
    } else {
        variables::parse_tfvars(&file)
    };
    sources.add(file);
    raw.extend(vars);
    diags.extend(d);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file_selection_follows_terraform() {
        for name in ["main.tf", "batches.hcl", "x_override.tf"] {
            assert!(is_config_file(name), "{name}");
        }
        for name in [
            ".terraform.lock.hcl",
            "main.tf~",
            "#main.tf#",
            "a.tftest.hcl",
            "terraform.tfvars",
            "x.tf.json",
        ] {
            assert!(!is_config_file(name), "{name}");
        }
    }
}
