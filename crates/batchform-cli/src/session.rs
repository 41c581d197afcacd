//! What plan, apply, destroy, refresh and import share: load and check the configuration,
//! resolve variables, open and lock the state, read it, and configure the providers.

use crate::commands::Context;
use crate::diagnostics::{self, Sources};
use crate::functions::FunctionEnv;
use crate::workdir::Loaded;
use batchform_config::model::{Config, ProviderConfigAddr};
use batchform_core::provider::ConfigureRequest;
use batchform_core::{Diagnostic, Diagnostics, Value};
use batchform_engine::providers::{ProviderFactory, ProviderSet, parse_state_address};
use batchform_state::{Backend, LocalBackend, State};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// State and locking options every operation takes.
pub struct StateOptions<'a> {
    /// `-state=PATH`.
    pub path: Option<PathBuf>,
    pub lock: &'a crate::commands::state::LockArgs,
    /// `-json`: diagnostics are printed as the streaming UI's `diagnostic` lines.
    pub json: bool,
    /// `-input` (default true): ask for required variables that have no value, when stdin is
    /// a terminal.
    pub input: bool,
}

/// Print diagnostics the way the operation's output is printed (text, or `-json` lines).
fn emit(diags: &Diagnostics, sources: &Sources, color: bool, json: bool) {
    if json {
        let ts = crate::render::stream::timestamp(std::time::SystemTime::now());
        for d in diags {
            outln!("{}", crate::render::stream::diagnostic(d, sources, &ts));
        }
    } else {
        diagnostics::print(diags, sources, color);
    }
}

/// An open operation: configuration, variables, state (locked) and configured providers.
pub struct Session {
    pub loaded: Loaded,
    pub variables: BTreeMap<String, Value>,
    /// The variables as given (unconverted), which plans record as Terraform's do.
    pub given_variables: BTreeMap<String, Value>,
    pub env: FunctionEnv,
    pub backend: LocalBackend,
    pub state: State,
    pub providers: ProviderSet,
    pub runtime: tokio::runtime::Runtime,
    pub color: bool,
    /// Warnings to show before the plan.
    pub warnings: Diagnostics,
    /// The provider schemas, for rendering.
    pub registry: crate::providers::Registry,
    /// `-json` output.
    pub json: bool,
}

impl Session {
    pub fn print(&self, diags: &Diagnostics) {
        emit(diags, &self.loaded.sources, self.color, self.json);
    }

    pub fn config(&self) -> &Config {
        &self.loaded.config
    }
}

/// Terraform's interactive input: each required variable with no value, by name, as
/// `var.NAME`, its description, `  Enter a value: `. Only when stdin is a terminal (a pipe or
/// /dev/null never blocks an automated run; the variable is then reported as missing). An
/// unreadable answer (end of input) leaves the variable unset.
fn ask_for_variables(
    config: &batchform_config::model::Config,
    raw: &[batchform_config::variables::RawVariable],
    color: bool,
) -> Vec<batchform_config::variables::RawVariable> {
    use std::io::{BufRead, IsTerminal};
    let missing = batchform_config::variables::unset_required(config, raw);
    if missing.is_empty() || !std::io::stdin().is_terminal() {
        return Vec::new();
    }
    let mut answers = Vec::new();
    for (name, description) in missing {
        out!("{}", crate::ui::variable_prompt(name, description, color));
        let _ = std::io::Write::flush(&mut std::io::stdout());
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(n) if n > 0 => {}
            _ => {
                outln!();
                break;
            }
        }
        outln!();
        answers.push(batchform_config::variables::input_value(name, line.trim_end().to_string()));
    }
    answers
}

/// Open a session. On failure the diagnostics are printed and the exit code returned.
pub fn open(
    ctx: &Context,
    opts: &StateOptions<'_>,
    operation: &str,
    color: bool,
    need_config: bool,
) -> Result<Session, u8> {
    let mut loaded = crate::workdir::load(&ctx.working_dir);
    let mut diags = std::mem::take(&mut loaded.diagnostics);
    if need_config && !loaded.has_files && diags.is_empty() {
        diags.push(Diagnostic::error(
            "No configuration files",
            "Plan requires configuration to be present. Planning without a configuration would mark everything for destruction, which is normally not what is desired. If you would like to destroy everything, run plan with the -destroy option. Otherwise, create a batchform configuration file (.tf or .hcl file) and try again.",
        ));
    }
    let registry = crate::providers::Registry::builtin();
    let env = FunctionEnv::new(ctx, true, false);
    if loaded.syntax_ok && !diags.has_errors() {
        let library = env.library();
        diags.extend(batchform_config::validate::validate(
            &loaded.config,
            Some(&registry),
            &library,
        ));
    }
    if diags.has_errors() {
        emit(&diags, &loaded.sources, color, opts.json);
        return Err(1);
    }
    let mut warnings = diags;
    let (raw, d) =
        crate::workdir::variable_inputs(&ctx.working_dir, &ctx.var_args, &mut loaded.sources);
    let mut diags = d;
    // As Terraform, values that could not be read stop here: no "No value for required
    // variable" for a variable whose file had a syntax error.
    if diags.has_errors() {
        emit(&diags, &loaded.sources, color, opts.json);
        return Err(1);
    }
    let mut raw = raw;
    if opts.input && !opts.json {
        raw.extend(ask_for_variables(&loaded.config, &raw, color));
    }
    let (variables, given_variables, d) = {
        let library = env.library();
        let given = batchform_config::variables::given_values(&loaded.config, &raw, &library);
        let (variables, d) =
            batchform_config::variables::resolve_variables(&loaded.config, raw, &library);
        (variables, given, d)
    };
    diags.extend(d);
    if !diags.has_errors() {
        let library = env.library();
        let resources = batchform_config::scope::UnknownResources;
        let scope = batchform_config::scope::ModuleScope::new(
            &loaded.config,
            &variables,
            &resources,
            &library,
            ctx.paths(),
        );
        diags.extend(batchform_config::variables::check_validations(
            &loaded.config,
            &scope,
            &library,
        ));
    }
    if diags.has_errors() {
        emit(&diags, &loaded.sources, color, opts.json);
        return Err(1);
    }
    warnings.extend(diags);
    let path = crate::commands::state::state_path(&loaded.config, opts.path.as_deref());
    let mut backend = crate::commands::state::lock_for_change(&path, opts.lock, operation, color)?;
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eoutln!("Error: failed to start the async runtime: {e}");
            return Err(1);
        }
    };
    let mut session = Session {
        loaded,
        variables,
        given_variables,
        env,
        backend: LocalBackend::new(&path),
        state: State::new(),
        providers: ProviderSet::new(),
        runtime,
        color,
        warnings,
        registry,
        json: opts.json,
    };
    // The state is read while the configuration's providers start (the embedded emulator
    // loads its own store meanwhile); providers only the state names start after.
    let factory = crate::providers::Registry::builtin();
    let (read, diags) = std::thread::scope(|scope| {
        let read = scope.spawn(|| backend.read_or_new().map_err(|e| e.to_string()));
        let needed = config_providers(session.config());
        let diags = configure_providers(&mut session, ctx, &factory, needed);
        (read.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), diags)
    });
    session.backend = backend;
    let state = match read {
        Ok(s) => s,
        Err(e) => {
            emit(
                &Diagnostics::from(Diagnostic::error(
                    "Failed to load state",
                    format!(
                        "Error loading state: {} The state file was left untouched.",
                        crate::ui::sentence(&e)
                    ),
                )),
                &Sources::new(),
                color,
                opts.json,
            );
            return Err(1);
        }
    };
    session.state = state;
    let mut diags = diags;
    if !diags.has_errors() {
        let started = config_providers(session.config());
        let from_state: BTreeSet<ProviderConfigAddr> = session
            .state
            .resources
            .values()
            .filter_map(|r| parse_state_address(&r.provider))
            .filter(|a| !started.contains(a))
            .collect();
        diags.extend(configure_providers(&mut session, ctx, &factory, from_state));
    }
    if diags.has_errors() {
        session.print(&diags);
        return Err(1);
    }
    session.warnings.extend(diags);
    Ok(session)
}

/// The provider configurations the configuration uses.
fn config_providers(config: &Config) -> BTreeSet<ProviderConfigAddr> {
    let mut needed: BTreeSet<ProviderConfigAddr> = config.providers.keys().cloned().collect();
    needed.extend(config.resources.values().map(|r| r.provider.clone()));
    needed
}

/// Create and configure the provider configurations `needed`.
fn configure_providers(
    session: &mut Session,
    ctx: &Context,
    factory: &dyn ProviderFactory,
    needed: BTreeSet<ProviderConfigAddr>,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let config = &session.loaded.config;
    let library = session.env.library();
    let resources = batchform_config::scope::UnknownResources;
    let scope = batchform_config::scope::ModuleScope::new(
        config,
        &session.variables,
        &resources,
        &library,
        ctx.paths(),
    );
    for addr in needed {
        let Some(entry) = session.providers.ensure(&addr, factory) else {
            diags.push(Diagnostic::error(
                "Provider not available",
                format!("This configuration needs a provider named \"{}\", which batchform does not include. batchform includes the \"openai\" provider and the built-in \"terraform_data\" resource.", addr.name),
            ));
            continue;
        };
        let (value, d) = match config.providers.get(&addr) {
            Some(block) => batchform_config::decode::decode_body(
                &block.body,
                &entry.schema.provider.block,
                &block.open_brace_range,
                &scope,
            ),
            None => {
                if addr.alias.is_some() {
                    diags.push(Diagnostic::error(
                        "Provider configuration not present",
                        format!("There is no provider block for {addr}. Add a provider \"{}\" block with alias = \"{}\".", addr.name, addr.alias.as_deref().unwrap_or_default()),
                    ));
                    continue;
                }
                (null_object(&entry.schema.provider.block), Diagnostics::new())
            }
        };
        diags.extend(d);
        let request = ConfigureRequest {
            config: value,
            working_dir: ctx.working_dir.to_string_lossy().into_owned(),
        };
        let provider = entry.provider.clone();
        diags.extend(session.runtime.block_on(provider.configure(request)));
    }
    diags.extend(scope.take_diagnostics());
    diags
}

fn null_object(block: &batchform_core::schema::Block) -> Value {
    Value::Object(
        block
            .attributes
            .iter()
            .map(|(k, a)| (k.clone(), Value::Null(a.ty.clone())))
            .chain(block.block_types.keys().map(|k| (k.clone(), Value::NULL)))
            .collect(),
    )
}

/// Open a session for applying a saved plan: the configuration and variables come from the
/// plan file (it is self-contained), the state from the backend.
/// The configuration a saved plan carries, parsed (its files are the plan's own copies).
pub fn load_saved_config(
    saved: &batchform_engine::planfile::SavedPlan,
) -> Result<Loaded, (Diagnostics, Sources)> {
    let files: Vec<batchform_config::source::SourceFile> = saved
        .config_files
        .iter()
        .map(|(name, text)| batchform_config::source::SourceFile::new(name.as_str(), text.as_str()))
        .collect();
    let mut sources = Sources::new();
    for f in &files {
        sources.add(f.clone());
    }
    let (config, diags) = Config::load(&files);
    sources.add_contexts(&config);
    if diags.has_errors() {
        return Err((diags, sources));
    }
    Ok(Loaded {
        config,
        sources,
        diagnostics: Diagnostics::new(),
        has_files: true,
        syntax_ok: true,
    })
}

pub fn open_saved(
    ctx: &Context,
    opts: &StateOptions<'_>,
    color: bool,
    saved: &batchform_engine::planfile::SavedPlan,
) -> Result<Session, u8> {
    let loaded = match load_saved_config(saved) {
        Ok(l) => l,
        Err((diags, sources)) => {
            emit(&diags, &sources, color, opts.json);
            return Err(1);
        }
    };
    let path = crate::commands::state::state_path(&loaded.config, opts.path.as_deref());
    let mut backend =
        crate::commands::state::lock_for_change(&path, opts.lock, "OperationTypeApply", color)?;
    let state = match backend.read_or_new() {
        Ok(s) => s,
        Err(e) => {
            diagnostics::print(
                &Diagnostics::from(Diagnostic::error(
                    "Failed to load state",
                    format!("Error loading state: {}", crate::ui::sentence(&e)),
                )),
                &Sources::new(),
                color,
            );
            return Err(1);
        }
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| {
            eoutln!("Error: failed to start the async runtime: {e}");
            1u8
        })?;
    let (variables, diags) =
        batchform_config::variables::from_given(&loaded.config, &saved.plan.variables);
    if diags.has_errors() {
        emit(&diags, &loaded.sources, color, opts.json);
        return Err(1);
    }
    let mut session = Session {
        loaded,
        variables,
        given_variables: saved.plan.variables.clone(),
        env: FunctionEnv::new(ctx, false, false),
        backend,
        state,
        providers: ProviderSet::new(),
        runtime,
        color,
        warnings: Diagnostics::new(),
        registry: crate::providers::Registry::builtin(),
        json: opts.json,
    };
    let mut needed = config_providers(session.config());
    needed
        .extend(session.state.resources.values().filter_map(|r| parse_state_address(&r.provider)));
    let diags =
        configure_providers(&mut session, ctx, &crate::providers::Registry::builtin(), needed);
    if diags.has_errors() {
        session.print(&diags);
        return Err(1);
    }
    Ok(session)
}
