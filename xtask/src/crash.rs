//! `cargo xtask crash --runs N [--lines L] [--seed S]`: crash safety, proven. Imports a
//! generated customs file through the customs-csv plugin and SIGKILLs `interlock` at a random
//! moment, N times, each time on a copy of the same prepared store, then checks what the
//! store promises: it opens, `audit verify` passes, the file is wholly in or wholly out, and
//! importing it again completes exactly once. The gate runs a few kills on a small file.
//!
//! The moment of each kill is drawn uniformly over the measured duration of an
//! uninterrupted import, so kills land where the time goes: the start (opening the store,
//! loading the plugin, hashing the file), the plugin's translation and the staged writes
//! (which alternate, chunk by chunk, inside one transaction), and the commit. Which of them
//! a kill probably hit is read from the process just before it dies: how much of the input
//! it has read and how much it has written (`/proc/PID/io`: before the commit the import
//! writes next to nothing), and whether it logged (at `-v`) that the import had finished.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::project_root;

#[derive(Args)]
pub struct CrashArgs {
    /// How many imports to kill.
    #[arg(long)]
    runs: u32,
    /// Rows of the generated customs file.
    #[arg(long, default_value_t = DEFAULT_LINES)]
    lines: u64,
    /// Seed of the kill moments (printed by every run, to repeat one).
    #[arg(long)]
    seed: Option<u64>,
    /// Kill this `interlock` binary instead of building the release CLI.
    #[arg(long, value_name = "BINARY")]
    cli: Option<PathBuf>,
}

/// 50,000 rows, the baseline: a release import takes 1.5 to 2 s on two cores
/// shared with other builds, and 200 kills with their checks took eight and a half minutes.
const DEFAULT_LINES: u64 = 50_000;

/// `cargo xtask crash`: on the release CLI, as a record manager runs it (the share of time
/// each phase takes, and so where kills land, depends on the build).
pub fn run(args: CrashArgs) -> Result<()> {
    crate::plugins::build_components(&[PLUGIN.to_owned()], &project_root().join("target/plugins"))?;
    let binary = match args.cli {
        Some(binary) => binary,
        None => {
            crate::gate::run("cargo", &["build", "--release", "-p", "interlock-cli"])?;
            project_root().join("target/release/interlock")
        }
    };
    let dir = project_root().join("target/crash");
    campaign(&binary, &dir, args.runs, args.lines, args.seed)
}

/// The gate's few kills, on a small file, with the CLI and the plugins the gate built.
pub fn run_in_gate(binary: &Path) -> Result<()> {
    let dir = project_root().join("target/crash-gate");
    campaign(binary, &dir, 3, 2_000, None)
}

/// What the import needs in the store, as in the demo: the reporting State and its
/// currency (the contact details of the settings play no part), the customs agency, the
/// control lists.
const SETUP: &[&[&str]] = &[
    &["init"],
    &[
        "settings",
        "set",
        "--reporting-state",
        "GB",
        "--currency",
        "GBP",
    ],
    &["agency", "add", "--file", "fixtures/registry/customs.toml"],
    &[
        "control-list",
        "import",
        "fixtures/control-list/national-control-list-1.0.0.toml",
    ],
    &[
        "control-list",
        "import",
        "fixtures/control-list/national-control-list-1.1.0.toml",
    ],
];

const PLUGIN: &str = "customs-csv";
const STORE_NAME: &str = "interlock.redb";

/// Prepares the store, measures an uninterrupted import, kills `runs` imports and prints
/// the tally; fails if any run failed a check, keeping its directory under `dir`.
fn campaign(binary: &Path, dir: &Path, runs: u32, lines: u64, seed: Option<u64>) -> Result<()> {
    let started = Instant::now();
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    // A copy: other builds in the same tree may replace target/*/interlock during the runs,
    // and every run must kill the binary that was measured.
    let cli = dir.join("interlock");
    std::fs::copy(binary, &cli).with_context(|| format!("copying {}", binary.display()))?;
    let input = dir.join(format!("customs-{lines}.csv"));
    crate::customs_file::write_csv(&input, lines)
        .with_context(|| format!("writing {}", input.display()))?;
    let size = std::fs::metadata(&input)?.len();

    let component = project_root().join(format!("target/plugins/{PLUGIN}.wasm"));
    let prepared = dir.join("prepared");
    let before = prepare(&cli, &prepared, &component)?;
    let companions = store_files(&prepared)?;
    eprintln!(
        "crash: prepared store {} ({}), {} records; input {} ({lines} rows, {:.1} MB)",
        prepared.join(STORE_NAME).display(),
        companions.join(" + "),
        before.records,
        input.display(),
        size as f64 / 1e6
    );

    let (reference, measured) = measure(&cli, &prepared, &dir.join("reference"), &input, lines)?;
    eprintln!("crash: an uninterrupted import: {}", reference.describe());
    let mut pace = Pace::new(measured);
    let expected = Expected { before, lines };

    let seed = seed.unwrap_or_else(seed_from_clock);
    eprintln!("crash: {runs} kills, seed {seed} (repeat with --seed {seed})");
    let mut random = SplitMix64(seed);
    let mut tally = Tally::default();
    for number in 1..=runs {
        let run_dir = dir.join(format!("run-{number}"));
        copy_store(&prepared, &run_dir)?;
        let duration = pace.duration();
        let at = duration.mul_f64(random.unit());
        let (phase, verdict) = match kill_import(&cli, &run_dir, &input, at, &reference) {
            Ok(phase) => (phase, check(&cli, &run_dir, &input, &expected)),
            Err(error) => ("no kill".to_owned(), Err(error)),
        };
        let line = format!(
            "run {number}/{runs}: kill at {:.3} s ({:.0}%), {}",
            at.as_secs_f64(),
            100.0 * at.as_secs_f64() / duration.as_secs_f64().max(1e-9),
            phase
        );
        match verdict {
            Ok(Checked { state, reimport }) => {
                if let Some(took) = reimport {
                    pace.record(took);
                }
                let again = match state {
                    State::In => "importing it again: already imported",
                    State::Out => "imported again, then already imported",
                };
                eprintln!("{line}: wholly {state}; {again}");
                std::fs::remove_dir_all(&run_dir)?;
                tally.passed(state, &phase);
            }
            Err(error) => {
                eprintln!("{line}: FAILED: {error:#}");
                tally.failures.push(format!(
                    "{line}\n    {error:#}\n    kept for a look: {}",
                    run_dir.display()
                ));
            }
        }
    }
    print!("{}", tally.render(runs, lines, seed, started.elapsed()));
    if !tally.failures.is_empty() {
        bail!(
            "{} of {runs} killed imports left the store in a wrong state",
            tally.failures.len()
        );
    }
    Ok(())
}

/// What `interlock stats --json` counts, as far as an import changes it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Counts {
    records: u64,
    revisions: u64,
    batches: u64,
    audit_entries: u64,
}

/// What a run must find: the prepared store's counts, plus the file's records and
/// revisions, one batch and its audit entry if the import committed.
struct Expected {
    before: Counts,
    lines: u64,
}

impl Expected {
    fn with_the_file(&self) -> Counts {
        Counts {
            records: self.before.records + self.lines,
            revisions: self.before.revisions + self.lines,
            batches: self.before.batches + 1,
            audit_entries: self.before.audit_entries + 1,
        }
    }
}

/// Whether the killed import's file is in the store.
#[derive(Clone, Copy, Debug, PartialEq)]
enum State {
    In,
    Out,
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            State::In => "in",
            State::Out => "out",
        })
    }
}

/// Runs `interlock ARGS` on `store`, returning its standard output, or failing with what it
/// said.
fn interlock(cli: &Path, store: &Path, args: &[&str]) -> Result<String> {
    let output = command(cli, store)
        .args(args)
        .output()
        .with_context(|| format!("could not run {}", cli.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "`interlock {}` failed ({}): {}{}",
            args.join(" "),
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    }
    Ok(stdout)
}

/// `interlock` on `store`, from the workspace root (the setup names fixtures), with the
/// log level its `-v` asks for (RUST_LOG would override it).
fn command(cli: &Path, store: &Path) -> Command {
    let mut command = Command::new(cli);
    command
        .env("INTERLOCK_STORE", store)
        .env("INTERLOCK_ACTOR", "crash")
        .env_remove("RUST_LOG")
        .current_dir(project_root());
    command
}

/// Creates the store in `dir` with what the import needs and the plugin installed.
fn prepare(cli: &Path, dir: &Path, component: &Path) -> Result<Counts> {
    std::fs::create_dir_all(dir)?;
    let store = dir.join(STORE_NAME);
    for args in SETUP {
        interlock(cli, &store, args)?;
    }
    let component = component.display().to_string();
    interlock(cli, &store, &["plugin", "install", &component])?;
    counts(cli, &store)
}

/// `interlock stats --json`: what the store holds.
fn counts(cli: &Path, store: &Path) -> Result<Counts> {
    let stats: serde_json::Value =
        serde_json::from_str(&interlock(cli, store, &["stats", "--json"])?)
            .context("`interlock stats --json` printed no JSON")?;
    let count = |key: &str| {
        stats[key]
            .as_u64()
            .with_context(|| format!("`interlock stats --json` has no number `{key}`: {stats}"))
    };
    Ok(Counts {
        records: count("records")?,
        revisions: count("revisions")?,
        batches: count("batches")?,
        audit_entries: count("audit_entries")?,
    })
}

/// The files of the prepared store: the redb file and what lives beside it (the plugin
/// cache, `interlock.redb.plugin-cache/`). redb keeps no journal or lock file, but the CLI
/// keeps compiled plugins next to the store; each run copies all of it, so that every
/// import starts as on a store where the plugin was installed.
fn store_files(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let mut name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(STORE_NAME) {
            bail!(
                "{}: a file the crash harness does not know beside the store",
                entry.path().display()
            );
        }
        if entry.file_type()?.is_dir() {
            name.push('/');
        }
        names.push(name);
    }
    names.sort();
    Ok(names)
}

/// Copies the prepared store (the file and its companions) into a fresh `to`.
fn copy_store(from: &Path, to: &Path) -> Result<()> {
    if to.exists() {
        std::fs::remove_dir_all(to)?;
    }
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_store(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Starts `interlock -v import --plugin customs-csv INPUT` on the store in `dir`, its output
/// in `dir/import.out` and `dir/import.log`.
fn start_import(cli: &Path, dir: &Path, input: &Path) -> Result<Child> {
    let stdout = std::fs::File::create(dir.join("import.out"))?;
    let stderr = std::fs::File::create(dir.join("import.log"))?;
    command(cli, &dir.join(STORE_NAME))
        .args(["-v", "import", "--plugin", PLUGIN])
        .arg(input)
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::from(stderr))
        .spawn()
        .with_context(|| format!("could not start {}", cli.display()))
}

/// Bytes a process has read and written so far (`rchar` and `wchar` of `/proc/PID/io`:
/// through system calls, whether or not they reached the disk). None where there is no
/// /proc.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Io {
    read: u64,
    written: u64,
}

fn io_of(pid: u32) -> Option<Io> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.trim().parse::<u64>().ok())
    };
    Some(Io {
        read: field("rchar:")?,
        written: field("wchar:")?,
    })
}

/// Before its commit an import writes a few KiB (redb's header, the log); the commit
/// writes every new page, megabytes for the smallest file the harness imports.
const WRITES_BEFORE_THE_COMMIT: u64 = 64 * 1024;

/// What the `-v` log says once the import has committed: `FILE: N records in S s`.
const COMMITTED_LOG: &str = " records in ";

/// An uninterrupted import: how long it took, how much it read in all, and when its phases
/// began.
struct Reference {
    duration: Duration,
    input_size: u64,
    /// `rchar` at the end: the store and the plugin read at the start, the input twice
    /// (hashed, then translated), a few pages during the commit.
    read_in_all: Option<u64>,
    /// When the translation began (its first chunk read) and the commit began writing.
    translation_at: Option<Duration>,
    commit_at: Option<Duration>,
}

impl Reference {
    fn describe(&self) -> String {
        let mut text = format!("{:.2} s", self.duration.as_secs_f64());
        let at = |moment: Duration| {
            format!(
                "{:.2} s ({:.0}%)",
                moment.as_secs_f64(),
                100.0 * moment.as_secs_f64() / self.duration.as_secs_f64().max(1e-9)
            )
        };
        if let (Some(translation), Some(commit)) = (self.translation_at, self.commit_at) {
            let _ = write!(
                text,
                ": translation and staged writes from {}, the commit from {}",
                at(translation),
                at(commit)
            );
        }
        text
    }

    /// The phase the import was probably in, from what it had read and written.
    fn phase(&self, io: Option<Io>, committed: bool) -> String {
        if committed {
            return "after the commit".to_owned();
        }
        let (Some(io), Some(read_in_all)) = (io, self.read_in_all) else {
            return "phase unknown (no /proc)".to_owned();
        };
        if io.written > WRITES_BEFORE_THE_COMMIT {
            return "commit".to_owned();
        }
        let second_pass = read_in_all.saturating_sub(self.input_size);
        if io.read <= second_pass {
            return "start (store, plugin, hashing the file)".to_owned();
        }
        let translated = (io.read - second_pass).min(self.input_size);
        format!(
            "translation and staged writes ({:.0}% of the input read)",
            100.0 * translated as f64 / self.input_size.max(1) as f64
        )
    }
}

/// How many uninterrupted imports are measured: the reference is the median, as the
/// machine may be busy with other work during any one of them.
const MEASURED_IMPORTS: usize = 3;

/// Imports `input` without a kill, [`MEASURED_IMPORTS`] times, each on a copy of `prepared`
/// in `dir`, sampling what it reads and writes; returns the median import and every
/// duration.
fn measure(
    cli: &Path,
    prepared: &Path,
    dir: &Path,
    input: &Path,
    lines: u64,
) -> Result<(Reference, Vec<Duration>)> {
    let mut imports = Vec::new();
    for _ in 0..MEASURED_IMPORTS {
        imports.push(measure_one(cli, prepared, dir, input, lines)?);
    }
    let durations = imports.iter().map(|import| import.duration).collect();
    imports.sort_by_key(|reference| reference.duration);
    let median = imports
        .into_iter()
        .nth(MEASURED_IMPORTS / 2)
        .context("no import was measured")?;
    Ok((median, durations))
}

/// How long an uninterrupted import takes now: the median of the last few, the measured
/// ones and then every re-import of a file a kill left out (the same import on the same
/// store). Other work on the machine comes and goes during a campaign; a duration measured
/// once would put kills after the end of faster imports, or never near the end of slower
/// ones.
struct Pace {
    recent: std::collections::VecDeque<Duration>,
}

impl Pace {
    const KEPT: usize = 5;

    fn new(measured: Vec<Duration>) -> Pace {
        let mut pace = Pace {
            recent: std::collections::VecDeque::new(),
        };
        for duration in measured {
            pace.record(duration);
        }
        pace
    }

    fn record(&mut self, duration: Duration) {
        if self.recent.len() == Self::KEPT {
            self.recent.pop_front();
        }
        self.recent.push_back(duration);
    }

    fn duration(&self) -> Duration {
        let mut sorted: Vec<Duration> = self.recent.iter().copied().collect();
        sorted.sort();
        sorted.get(sorted.len() / 2).copied().unwrap_or_default()
    }
}

fn measure_one(
    cli: &Path,
    prepared: &Path,
    dir: &Path,
    input: &Path,
    lines: u64,
) -> Result<Reference> {
    copy_store(prepared, dir)?;
    let started = Instant::now();
    let mut child = start_import(cli, dir, input)?;
    let mut samples: Vec<(Duration, Io)> = Vec::new();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if let Some(io) = io_of(child.id()) {
            samples.push((started.elapsed(), io));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let duration = started.elapsed();
    let said = std::fs::read_to_string(dir.join("import.out")).unwrap_or_default();
    if !status.success() || !said.contains(&format!("imported {lines} records as batch")) {
        bail!(
            "the uninterrupted import failed ({status}): {said}{}",
            std::fs::read_to_string(dir.join("import.log")).unwrap_or_default()
        );
    }
    std::fs::remove_dir_all(dir)?;
    let mut reference = Reference {
        duration,
        input_size: std::fs::metadata(input)?.len(),
        read_in_all: samples.iter().map(|(_, io)| io.read).max(),
        translation_at: None,
        commit_at: None,
    };
    let first = |phase: &str| {
        samples
            .iter()
            .find(|(_, io)| reference.phase(Some(*io), false).starts_with(phase))
            .map(|(at, _)| *at)
    };
    let (translation_at, commit_at) = (first("translation"), first("commit"));
    reference.translation_at = translation_at;
    reference.commit_at = commit_at;
    Ok(reference)
}

/// Starts the import and SIGKILLs it `at` after the start (`Child::kill` is SIGKILL on
/// Unix); returns the phase it was probably in.
fn kill_import(
    cli: &Path,
    dir: &Path,
    input: &Path,
    at: Duration,
    reference: &Reference,
) -> Result<String> {
    let started = Instant::now();
    let mut child = start_import(cli, dir, input)?;
    if let Some(wait) = at.checked_sub(started.elapsed()) {
        std::thread::sleep(wait);
    }
    let io = io_of(child.id());
    let committed = std::fs::read_to_string(dir.join("import.log"))
        .is_ok_and(|log| log.contains(COMMITTED_LOG));
    // Killing a process that has exited but is not yet waited for is harmless; the exit
    // status then says it finished.
    child.kill()?;
    let status = child.wait()?;
    if status.success() {
        Ok("it finished before the kill".to_owned())
    } else if killed(status) {
        Ok(reference.phase(io, committed))
    } else {
        bail!(
            "the import failed by itself ({status}) before the kill: {}",
            std::fs::read_to_string(dir.join("import.log")).unwrap_or_default()
        )
    }
}

/// Whether a process ended by a signal (the kill) rather than exiting.
#[cfg(unix)]
fn killed(status: std::process::ExitStatus) -> bool {
    std::os::unix::process::ExitStatusExt::signal(&status).is_some()
}

#[cfg(not(unix))]
fn killed(status: std::process::ExitStatus) -> bool {
    !status.success()
}

/// What the checks after a kill found.
struct Checked {
    state: State,
    /// How long the re-import took, if it imported the file (it was out).
    reimport: Option<Duration>,
}

/// The checks after a kill.
fn check(cli: &Path, dir: &Path, input: &Path, expected: &Expected) -> Result<Checked> {
    let store = dir.join(STORE_NAME);
    // Opening the store (and redb's repair of a file left open) is the first check.
    let found = counts(cli, &store).context("the store does not open")?;
    interlock(cli, &store, &["audit", "verify"]).context("`audit verify` fails")?;
    let state = if found == expected.before {
        State::Out
    } else if found == expected.with_the_file() {
        State::In
    } else {
        bail!(
            "the file is partly in: {found:?}; expected {:?} (out) or {:?} (in)",
            expected.before,
            expected.with_the_file()
        );
    };
    let started = Instant::now();
    let first = reimport(cli, &store, input)?;
    let took = started.elapsed();
    let reimport_took = match (state, first.as_str()) {
        (State::Out, "imported") => Some(took),
        (State::In, "already_imported") => None,
        (_, outcome) => {
            bail!("the file was wholly {state}, but importing it again said `{outcome}`")
        }
    };
    let second = reimport(cli, &store, input)?;
    if second != "already_imported" {
        bail!("importing the file a second time again said `{second}`, not already imported");
    }
    let after = counts(cli, &store)?;
    if after != expected.with_the_file() {
        bail!(
            "after importing again the store holds {after:?}, expected {:?}",
            expected.with_the_file()
        );
    }
    Ok(Checked {
        state,
        reimport: reimport_took,
    })
}

/// Imports the file again, returning the outcome of its `--json` summary (`imported`,
/// `already_imported`).
fn reimport(cli: &Path, store: &Path, input: &Path) -> Result<String> {
    let input = input.display().to_string();
    let output = interlock(
        cli,
        store,
        &["import", "--plugin", PLUGIN, "--json", &input],
    )?;
    let summary = output
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|line| line["type"] == "summary")
        .with_context(|| format!("importing again printed no summary: {output}"))?;
    Ok(summary["outcome"].as_str().unwrap_or_default().to_owned())
}

/// Wholly in, wholly out, by phase, and the failures.
#[derive(Default)]
struct Tally {
    wholly_in: u32,
    wholly_out: u32,
    /// Per phase (its name without the share read): kills, of which wholly in.
    by_phase: Vec<(String, u32, u32)>,
    failures: Vec<String>,
}

impl Tally {
    fn passed(&mut self, state: State, phase: &str) {
        match state {
            State::In => self.wholly_in += 1,
            State::Out => self.wholly_out += 1,
        }
        let name = phase.split(" (").next().unwrap_or(phase).to_owned();
        let index = match self.by_phase.iter().position(|(known, ..)| *known == name) {
            Some(index) => index,
            None => {
                self.by_phase.push((name, 0, 0));
                self.by_phase.len() - 1
            }
        };
        let entry = &mut self.by_phase[index];
        entry.1 += 1;
        entry.2 += u32::from(state == State::In);
    }

    fn render(&self, runs: u32, lines: u64, seed: u64, took: Duration) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "\ncrash: {runs} imports of {lines} rows killed (seed {seed}) in {:.0} s: \
             {} wholly in, {} wholly out, {} failures",
            took.as_secs_f64(),
            self.wholly_in,
            self.wholly_out,
            self.failures.len()
        );
        for (phase, kills, wholly_in) in &self.by_phase {
            let _ = writeln!(
                text,
                "  {kills:>4} x {phase}: {wholly_in} wholly in, {} wholly out",
                kills - wholly_in
            );
        }
        for failure in &self.failures {
            let _ = writeln!(text, "  FAILED {failure}");
        }
        text
    }
}

/// A seed when none is given: the clock's nanoseconds.
fn seed_from_clock() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64)
}

/// SplitMix64 (Steele, Lea and Flood): a few lines instead of a dependency, and the same
/// moments for the same seed everywhere.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1): the top 53 bits, as many as an f64 holds exactly.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_gives_its_reference_sequence_and_units_in_range() {
        // The first outputs for seed 1234567, as Vigna's splitmix64.c computes them.
        let mut random = SplitMix64(1234567);
        assert_eq!(random.next(), 6457827717110365317);
        assert_eq!(random.next(), 3203168211198807973);
        let mut random = SplitMix64(7);
        assert!(
            (0..1000)
                .map(|_| random.unit())
                .all(|u| (0.0..1.0).contains(&u))
        );
    }

    #[test]
    fn the_pace_is_the_median_of_the_last_five_imports() {
        let ms = Duration::from_millis;
        let mut pace = Pace::new(vec![ms(900), ms(300), ms(600)]);
        assert_eq!(pace.duration(), ms(600));
        pace.record(ms(100));
        pace.record(ms(200));
        // 900 300 600 100 200
        assert_eq!(pace.duration(), ms(300));
        pace.record(ms(150));
        pace.record(ms(120));
        // 600 100 200 150 120: the first two have gone
        assert_eq!(pace.duration(), ms(150));
    }

    fn reference() -> Reference {
        Reference {
            duration: Duration::from_secs(2),
            input_size: 1000,
            // 300 bytes of store and plugin, the input hashed, the input translated.
            read_in_all: Some(2300),
            translation_at: Some(Duration::from_millis(100)),
            commit_at: Some(Duration::from_millis(1900)),
        }
    }

    #[test]
    fn the_phase_of_a_kill_follows_what_the_import_read_and_wrote() {
        let reference = reference();
        let phase =
            |read, written, committed| reference.phase(Some(Io { read, written }), committed);
        assert_eq!(
            phase(900, 4096, false),
            "start (store, plugin, hashing the file)"
        );
        assert_eq!(
            phase(1300, 4096, false),
            "start (store, plugin, hashing the file)"
        );
        assert_eq!(
            phase(1550, 8192, false),
            "translation and staged writes (25% of the input read)"
        );
        assert_eq!(
            phase(2300, 8192, false),
            "translation and staged writes (100% of the input read)"
        );
        assert_eq!(phase(2300, 5_000_000, false), "commit");
        assert_eq!(phase(2300, 9_000_000, true), "after the commit");
        assert_eq!(reference.phase(None, false), "phase unknown (no /proc)");
        assert_eq!(
            reference.describe(),
            "2.00 s: translation and staged writes from 0.10 s (5%), the commit from 1.90 s (95%)"
        );
    }

    #[test]
    fn the_tally_counts_by_phase_and_lists_failures() {
        let mut tally = Tally::default();
        tally.passed(
            State::Out,
            "translation and staged writes (25% of the input read)",
        );
        tally.passed(
            State::Out,
            "translation and staged writes (75% of the input read)",
        );
        tally.passed(State::In, "after the commit");
        tally.failures.push("run 4/4: partly in".to_owned());
        assert_eq!(
            tally.render(4, 100, 9, Duration::from_secs(12)),
            "\ncrash: 4 imports of 100 rows killed (seed 9) in 12 s: 1 wholly in, 2 wholly \
             out, 1 failures\n\
             \x20    2 x translation and staged writes: 0 wholly in, 2 wholly out\n\
             \x20    1 x after the commit: 1 wholly in, 0 wholly out\n\
             \x20 FAILED run 4/4: partly in\n"
        );
    }
}
