//! `interlock control-list …`: import, list, show, classify and diff versions of the
//! national control list.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use interlock_core::control_list::{ControlList, ControlLists, classify_hs, diff};
use interlock_core::store::{ControlListOutcome, SourceFile};

use super::{
    Context, EXIT_NOT_FOUND, EXIT_REFUSED, Failure, io_exit_code, print_json, print_json_lines,
    read_input,
};

#[derive(Subcommand)]
pub enum ControlListCommand {
    /// Import a control list version from a TOML file (format: fixtures/control-list/README.md).
    /// Refused if its version number understates its changes.
    Import {
        /// The control list's TOML file.
        file: PathBuf,
    },
    /// The versions in the store, with the dates they came into force.
    Versions {
        /// Print JSON Lines: one version per line (`name`, `version`, `valid_from`,
        /// `entries`: how many).
        #[arg(long)]
        json: bool,
    },
    /// Print the entry tree of a version (default: the one in force today).
    List {
        /// A version in the store (e.g. 1.1.0) or a TOML file [default: the one in force].
        #[arg(long)]
        version: Option<String>,
        /// Print the whole list as one JSON line, as its TOML file has it.
        #[arg(long)]
        json: bool,
    },
    /// Show one entry.
    Show {
        /// The entry id, e.g. ML1.a.
        id: String,
        /// A version in the store (e.g. 1.1.0) or a TOML file [default: the one in force].
        #[arg(long)]
        version: Option<String>,
        /// Print the entry as one JSON line.
        #[arg(long)]
        json: bool,
    },
    /// Candidate entries for an HS code. HS alone can be ambiguous (civil and military
    /// aircraft share headings): the licence decides.
    Classify {
        /// The HS code, 4 to 10 digits (e.g. 930190).
        #[arg(long)]
        hs: String,
        /// A version in the store (e.g. 1.1.0) or a TOML file [default: the one in force].
        #[arg(long)]
        version: Option<String>,
        /// Print one JSON line: `hs_code`, `hs_description`, `candidates`, `ambiguous`,
        /// `notes`.
        #[arg(long)]
        json: bool,
    },
    /// What changed between two versions (each a version in the store or a TOML file).
    Diff {
        /// The older version (e.g. 1.0.0) or TOML file.
        old: String,
        /// The newer version or TOML file.
        new: String,
        /// Print the changes as one JSON line.
        #[arg(long)]
        json: bool,
    },
}

fn parse_file(path: &Path) -> Result<ControlList, Failure> {
    let bytes = read_input(path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::new(EXIT_REFUSED, format!("{}: not valid UTF-8", path.display())))?;
    ControlList::from_toml_str(&text)
        .map_err(|error| Failure::new(EXIT_REFUSED, format!("{}: {error}", path.display())))
}

/// A version in the store (`1.1.0`), or a TOML file.
fn resolve(lists: &ControlLists, spec: Option<&str>) -> Result<ControlList, Failure> {
    match spec {
        Some(spec) if Path::new(spec).is_file() => parse_file(Path::new(spec)),
        Some(spec) => lists
            .versions
            .iter()
            .find(|list| list.version.to_string() == spec)
            .cloned()
            .ok_or_else(|| {
                Failure::new(
                    EXIT_NOT_FOUND,
                    format!("no control list version {spec} in the store (see `interlock control-list versions`)"),
                )
            }),
        None => {
            let today = jiff::ZonedDateTime::now().date();
            lists
                .in_force_on(today)
                .or(lists.versions.last())
                .cloned()
                .ok_or_else(|| {
                    Failure::new(
                        EXIT_NOT_FOUND,
                        "no control list in the store; import one with `interlock control-list import FILE`",
                    )
                })
        }
    }
}

pub fn run(context: &Context, command: ControlListCommand) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    match command {
        ControlListCommand::Import { file } => {
            let list = parse_file(&file)?;
            let source = SourceFile {
                name: file.display().to_string(),
                sha256: interlock_core::jsonl::sha256_file(&file).map_err(|e| {
                    Failure::new(io_exit_code(&e), format!("{}: {e}", file.display()))
                })?,
            };
            let (name, version, entries) =
                (list.name.clone(), list.version.clone(), list.entries.len());
            match store.import_control_list(list, &source, &context.actor)? {
                ControlListOutcome::Imported => {
                    println!("imported control list {name} {version} ({entries} entries)")
                }
                ControlListOutcome::AlreadyPresent => {
                    println!("control list {name} {version} is already in the store; nothing to do")
                }
            }
        }
        ControlListCommand::Versions { json } => {
            let lists = store.control_lists()?;
            if json {
                let versions: Vec<_> = lists
                    .versions
                    .iter()
                    .map(|l| serde_json::json!({"name": l.name, "version": l.version.to_string(), "valid_from": l.valid_from.to_string(), "entries": l.entries.len()}))
                    .collect();
                print_json_lines(&versions)?;
            } else {
                for list in &lists.versions {
                    println!(
                        "{} {}  in force from {}  {} entries",
                        list.name,
                        list.version,
                        list.valid_from,
                        list.entries.len()
                    );
                }
            }
        }
        ControlListCommand::List { version, json } => {
            let list = resolve(&store.control_lists()?, version.as_deref())?;
            if json {
                print_json(&list)?;
            } else {
                println!(
                    "{} {} (in force from {})",
                    list.name, list.version, list.valid_from
                );
                print!("{}", list.render_tree());
            }
        }
        ControlListCommand::Show { id, version, json } => {
            let list = resolve(&store.control_lists()?, version.as_deref())?;
            let entry = list.entry(&id).ok_or_else(|| {
                Failure::new(
                    EXIT_NOT_FOUND,
                    format!(
                        "no entry {id} in control list {} {}",
                        list.name, list.version
                    ),
                )
            })?;
            if json {
                print_json(entry)?;
            } else {
                println!("entry    {}", entry.id);
                println!("title    {}", entry.title);
                if let Some(parent) = &entry.parent {
                    println!("parent   {parent}");
                }
                println!("ATT      {} ({})", entry.att.code(), entry.att.title());
                if let Some(ml) = &entry.ml {
                    println!("ML       {ml}");
                }
                if !entry.hs.is_empty() {
                    println!("HS       {}", entry.hs.join(", "));
                }
                println!("list     {} {}", list.name, list.version);
            }
        }
        ControlListCommand::Classify { hs, version, json } => {
            let list = resolve(&store.control_lists()?, version.as_deref())?;
            let classification = classify_hs(&list, &hs);
            if json {
                print_json(&classification)?;
            } else {
                print!("{classification}");
            }
        }
        ControlListCommand::Diff { old, new, json } => {
            let lists = store.control_lists()?;
            let old = resolve(&lists, Some(&old))?;
            let new = resolve(&lists, Some(&new))?;
            let changes = diff(&old, &new);
            if json {
                print_json(&changes)?;
            } else {
                print!("{changes}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
