//! `cargo xtask build`: every runtime function, compiled and zipped as a Lambda `bootstrap`, each zip
//! named by the hash of its contents.
//!
//! Two flavours:
//! - for AWS, cargo-lambda (pinned, installed from PyPI with zig on first use) cross-compiles each
//!   function for its architecture with the workspace's `lambda` profile (thin LTO, one codegen unit,
//!   abort on panic, stripped);
//! - for the local target, a plain debug build for this machine: the emulator never runs Lambda code,
//!   and `invoke` runs the same binary here, so a cross-compiled release build would only cost time.
//!
//! Unchanged sources are not recompiled (cargo's own fingerprints), and an unchanged binary is not
//! zipped again (zips are cached under the binary's hash). Zips are byte-stable: one entry,
//! `bootstrap`, with a fixed timestamp and mode.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, bail};

use super::Target;

/// What a function is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Flavour {
    /// This machine's architecture, debug profile (local target).
    Host,
    /// Lambda, cross-compiled for an architecture, `lambda` profile.
    Lambda(Arch),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Arch {
    Arm64,
    X86_64,
}

impl Arch {
    pub(crate) fn parse(s: &str) -> anyhow::Result<Arch> {
        match s {
            "arm64" => Ok(Arch::Arm64),
            "x86_64" => Ok(Arch::X86_64),
            other => bail!("unknown Lambda architecture '{other}': expected arm64 or x86_64"),
        }
    }

    fn rust_target(self) -> &'static str {
        match self {
            Arch::Arm64 => "aarch64-unknown-linux-gnu",
            Arch::X86_64 => "x86_64-unknown-linux-gnu",
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Arch::Arm64 => "arm64",
            Arch::X86_64 => "x86_64",
        }
    }
}

impl Flavour {
    pub(crate) fn for_target(target: Target, architecture: &str) -> anyhow::Result<Flavour> {
        Ok(match target {
            Target::Local => Flavour::Host,
            Target::Aws => Flavour::Lambda(Arch::parse(architecture)?),
        })
    }

    fn label(self) -> String {
        match self {
            Flavour::Host => "host-debug".to_owned(),
            Flavour::Lambda(a) => format!("lambda-{}", a.as_str()),
        }
    }
}

/// A zipped function, ready to upload.
#[derive(Debug, Clone)]
pub(crate) struct Package {
    pub(crate) binary: String,
    pub(crate) flavour: Flavour,
    pub(crate) zip: PathBuf,
    /// Hex SHA-256 of the zip.
    pub(crate) sha256: String,
    pub(crate) zip_bytes: u64,
    pub(crate) binary_bytes: u64,
}

impl Package {
    /// The object key: the content hash names it, so an unchanged function is never uploaded twice
    /// and a changed one always gets a new key (which is what makes CloudFormation update the code).
    pub(crate) fn key(&self, prefix: &str) -> String {
        format!("{prefix}{}-{}.zip", self.binary, &self.sha256[..32])
    }
}

/// A build running on its own thread (see [`start`]); dropping it unfinished stops the compiler.
#[derive(Debug)]
pub(crate) struct Pending {
    thread: Option<std::thread::JoinHandle<anyhow::Result<Vec<Package>>>>,
    cargo: Running,
}

/// The cargo process of a build, shared with whoever may need to stop it.
type Running = Arc<Mutex<Option<Child>>>;

/// Starts [`build`] on a thread, so that compiling overlaps with what does not need the binaries
/// (starting the emulator, installing the Python tools, validating the template).
pub(crate) fn start(root: &Path, cargo: &str, wanted: Vec<(String, Flavour)>) -> Pending {
    let running: Running = Arc::default();
    let (root, cargo, shared) = (root.to_path_buf(), cargo.to_owned(), Arc::clone(&running));
    let thread = std::thread::spawn(move || build_with(&root, &cargo, &wanted, &shared));
    Pending { thread: Some(thread), cargo: running }
}

impl Pending {
    /// Waits for the build and returns its packages.
    pub(crate) fn finish(mut self) -> anyhow::Result<Vec<Package>> {
        let thread = self.thread.take().context("the build was already finished")?;
        thread.join().map_err(|_| anyhow::anyhow!("the build thread panicked"))?
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        // Unfinished: the deploy failed before it needed the binaries. Stop cargo rather than leave it
        // compiling (and holding the target directory's lock) after this process exits.
        if self.thread.is_some()
            && let Ok(mut slot) = self.cargo.lock()
            && let Some(child) = slot.as_mut()
        {
            // Cargo's compilers outlive a killed cargo: stop them first (best effort; pkill is procps).
            let _ = Command::new("pkill")
                .args(["-TERM", "-P", &child.id().to_string()])
                .stderr(Stdio::null())
                .status();
            let _ = child.kill();
        }
    }
}

/// Builds and zips `binaries`, each for its flavour, and reports the sizes.
pub(crate) fn build(root: &Path, cargo: &str, wanted: &[(String, Flavour)]) -> anyhow::Result<Vec<Package>> {
    build_with(root, cargo, wanted, &Running::default())
}

fn build_with(
    root: &Path,
    cargo: &str,
    wanted: &[(String, Flavour)],
    running: &Running,
) -> anyhow::Result<Vec<Package>> {
    let mut flavours: Vec<Flavour> = wanted.iter().map(|(_, f)| *f).collect();
    flavours.sort();
    flavours.dedup();
    let mut packages = Vec::new();
    for flavour in flavours {
        let binaries: Vec<&str> =
            wanted.iter().filter(|(_, f)| *f == flavour).map(|(b, _)| b.as_str()).collect();
        let started = Instant::now();
        let executables = match flavour {
            Flavour::Host => cargo_build(root, cargo, &binaries, running)?,
            Flavour::Lambda(arch) => cargo_lambda(root, cargo, arch, &binaries, running)?,
        };
        eprintln!(
            "build: {} function(s) for {} in {:.1}s",
            binaries.len(),
            flavour.label(),
            started.elapsed().as_secs_f64()
        );
        for (binary, executable) in binaries.iter().zip(executables) {
            packages.push(package(root, binary, flavour, executable)?);
        }
    }
    for p in &packages {
        eprintln!(
            "build: {:<28} {:>10} zip {:>10} binary  {}",
            p.binary,
            human(p.zip_bytes),
            human(p.binary_bytes),
            crate::synth::display_path(root, &p.zip)
        );
    }
    Ok(packages)
}

/// `cargo build` of the runtime binaries for this machine; returns their paths in `binaries` order.
fn cargo_build(
    root: &Path,
    cargo: &str,
    binaries: &[&str],
    running: &Running,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut cmd = crate::cargo_command(cargo);
    cmd.args(["build", "--package", "runtime", "--message-format=json-render-diagnostics"]);
    cmd.args(features_for(binaries)?);
    for b in binaries {
        cmd.args(["--bin", b]);
    }
    let found = run_for_artifacts(cmd.current_dir(root), "cargo build", running)?;
    binaries
        .iter()
        .map(|b| {
            found
                .iter()
                .find(|(name, _)| name == b)
                .map(|(_, p)| p.clone())
                .with_context(|| format!("cargo built no executable named '{b}'"))
        })
        .collect()
}

/// The cargo arguments that build `binaries` and only the systems they belong to
/// (`contract::FunctionSpec::feature`): `--no-default-features --features <systems>`.
pub(crate) fn features_for(binaries: &[&str]) -> anyhow::Result<Vec<String>> {
    let mut features: Vec<&str> =
        binaries
            .iter()
            .map(|b| {
                contract::ALL_FUNCTIONS.iter().find(|f| f.binary == *b).map(|f| f.feature).with_context(
                    || format!("'{b}' is not a function of the contract (contract::ALL_FUNCTIONS)"),
                )
            })
            .collect::<anyhow::Result<_>>()?;
    features.sort_unstable();
    features.dedup();
    Ok(vec!["--no-default-features".to_owned(), "--features".to_owned(), features.join(",")])
}

/// Runs a cargo command with JSON messages and returns every (target name, executable) it produced.
fn run_for_artifacts(
    cmd: &mut Command,
    what: &str,
    running: &Running,
) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut child = cmd.stdout(Stdio::piped()).spawn().with_context(|| format!("cannot run {what}"))?;
    let stdout = child.stdout.take().context("stdout not piped")?;
    *lock(running) = Some(child);
    let mut found = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        if msg["reason"] == "compiler-artifact"
            && let (Some(name), Some(exe)) = (msg["target"]["name"].as_str(), msg["executable"].as_str())
        {
            found.push((name.to_owned(), PathBuf::from(exe)));
        }
    }
    let status = wait(running)?;
    if !status.success() {
        bail!("{what} failed ({status}); see the compiler output above");
    }
    Ok(found)
}

fn lock(running: &Running) -> std::sync::MutexGuard<'_, Option<Child>> {
    running.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Waits for the registered cargo process and forgets it. It polls, so that [`Pending`]'s drop can take
/// the lock in between and stop the process.
fn wait(running: &Running) -> anyhow::Result<std::process::ExitStatus> {
    loop {
        {
            let mut slot = lock(running);
            let child = slot.as_mut().context("no cargo process to wait for")?;
            if let Some(status) = child.try_wait()? {
                *slot = None;
                return Ok(status);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// cargo-lambda, cross-compiling for `arch` with the workspace's `lambda` profile.
fn cargo_lambda(
    root: &Path,
    cargo: &str,
    arch: Arch,
    binaries: &[&str],
    running: &Running,
) -> anyhow::Result<Vec<PathBuf>> {
    let tools = crate::python::ensure_lambda_tools(root)?;
    ensure_rust_target(arch)?;
    let lambda_dir = root.join("target/xtask/lambda").join(arch.as_str());
    let path = format!("{}:{}", tools.bin_dir().display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = crate::cargo_command(cargo);
    cmd.args(["lambda", "build", "--package", "runtime", "--profile", "lambda", "--output-format", "binary"])
        .arg(match arch {
            Arch::Arm64 => "--arm64",
            Arch::X86_64 => "--x86-64",
        })
        .arg("--lambda-dir")
        .arg(&lambda_dir)
        .env("PATH", path)
        .current_dir(root);
    cmd.args(features_for(binaries)?);
    for b in binaries {
        cmd.args(["--bin", b]);
    }
    eprintln!(
        "build: cargo lambda build --profile lambda for {} (a cold release build of the AWS SDKs takes minutes) ...",
        arch.rust_target()
    );
    let child = cmd.spawn().context("cannot run cargo lambda (installed in target/xtask/lambda-tools)")?;
    *lock(running) = Some(child);
    let status = wait(running)?;
    if !status.success() {
        bail!("cargo lambda build failed ({status}); see its output above");
    }
    binaries
        .iter()
        .map(|b| {
            let p = lambda_dir.join(b).join("bootstrap");
            if p.is_file() { Ok(p) } else { bail!("cargo lambda produced no {}", p.display()) }
        })
        .collect()
}

/// The standard library for `arch` must be installed to cross-compile; rustup adds it if it can.
fn ensure_rust_target(arch: Arch) -> anyhow::Result<()> {
    let target = arch.rust_target();
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    if let Ok(out) = &installed
        && String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == target)
    {
        return Ok(());
    }
    eprintln!("build: installing the Rust standard library for {target} (rustup target add) ...");
    let ok = Command::new("rustup").args(["target", "add", target]).status().is_ok_and(|s| s.success());
    if !ok {
        bail!(
            "cannot install the Rust standard library for {target} (`rustup target add {target}` failed). \
             Install it, or set `architecture: {}` in the blueprint to build for this machine's architecture",
            if arch == Arch::Arm64 { "x86_64" } else { "arm64" }
        );
    }
    Ok(())
}

/// Zips `executable` as `bootstrap`, reusing the zip made from an identical binary.
fn package(root: &Path, binary: &str, flavour: Flavour, executable: PathBuf) -> anyhow::Result<Package> {
    let bytes =
        std::fs::read(&executable).with_context(|| format!("cannot read {}", executable.display()))?;
    let binary_hash = sha256_hex(&bytes);
    let dir = root.join("target/xtask/assets").join(flavour.label()).join(binary);
    let zip = dir.join(format!("{}.zip", &binary_hash[..32]));
    if !zip.is_file() {
        std::fs::create_dir_all(&dir)?;
        // Only the newest zip of a function is kept.
        for old in std::fs::read_dir(&dir)? {
            let _ = std::fs::remove_file(old?.path());
        }
        let tmp = dir.join("zip.tmp");
        std::fs::write(&tmp, zip_bootstrap(&bytes)?)?;
        std::fs::rename(&tmp, &zip)?;
    }
    let zipped = std::fs::read(&zip)?;
    Ok(Package {
        binary: binary.to_owned(),
        flavour,
        sha256: sha256_hex(&zipped),
        zip_bytes: zipped.len() as u64,
        binary_bytes: bytes.len() as u64,
        zip,
    })
}

/// A zip with one entry, `bootstrap`, executable, with a fixed timestamp: the same binary always
/// gives the same bytes.
pub(crate) fn zip_bootstrap(binary: &[u8]) -> anyhow::Result<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o755);
    w.start_file("bootstrap", options)?;
    w.write_all(binary)?;
    w.finish()?;
    Ok(out.into_inner())
}

/// Hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

pub(crate) fn human(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)] // display only
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / 1024.0 / 1024.0)
    } else {
        format!("{:.1} KiB", b / 1024.0)
    }
}

/// `cargo xtask build`: every function of every blueprint (or of the given one), for `target`.
pub(crate) fn run(root: &Path, cargo: &str, target: Target, only: Option<&str>) -> anyhow::Result<()> {
    let files = match only {
        Some(b) => vec![super::BlueprintRef::resolve(root, b)?.path],
        None => crate::synth::blueprint_files(root)?,
    };
    let mut wanted = Vec::new();
    for file in files {
        let bp = super::BlueprintRef::resolve(root, &file.to_string_lossy())?;
        // Every stack of every environment: a multi-region blueprint has one per region.
        let mut envs = bp.synthesize_stacks(None)?;
        for env in envs[0].environments.clone() {
            envs.extend(bp.synthesize_stacks(Some(&env))?);
        }
        for a in &envs {
            let template = serde_json::to_value(&a.template)?;
            for f in synth::assets::functions(&template) {
                wanted.push((f.binary, Flavour::for_target(target, &f.architecture)?));
            }
        }
    }
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        eprintln!("build: no functions to build");
        return Ok(());
    }
    build(root, cargo, &wanted)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zips_are_byte_stable_and_hold_an_executable_bootstrap() {
        let a = zip_bootstrap(b"\x7fELF binary").expect("zip");
        let b = zip_bootstrap(b"\x7fELF binary").expect("zip");
        assert_eq!(a, b, "the same binary must give the same zip");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(a)).expect("read back");
        assert_eq!(archive.len(), 1);
        let entry = archive.by_index(0).expect("entry");
        assert_eq!(entry.name().expect("name"), "bootstrap");
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        assert_ne!(zip_bootstrap(b"other").expect("zip"), b, "different code, different zip");
    }

    #[test]
    fn a_build_compiles_only_the_systems_of_its_functions() {
        assert_eq!(
            features_for(&["alb-static-ip-sync"]).expect("known"),
            ["--no-default-features", "--features", "alb-static-ip"]
        );
        assert_eq!(
            features_for(&["private-lambda-caller", "appliance-asg-lifecycle", "private-lambda-protected"])
                .expect("known")[2],
            "appliance-asg,private-lambda"
        );
        assert!(features_for(&["nope"]).is_err());
    }

    #[test]
    fn keys_carry_the_content_hash() {
        let p = Package {
            binary: "alb-static-ip-sync".into(),
            flavour: Flavour::Host,
            zip: PathBuf::new(),
            sha256: "0123456789abcdef".repeat(4),
            zip_bytes: 1,
            binary_bytes: 1,
        };
        assert_eq!(p.key("stack/"), "stack/alb-static-ip-sync-0123456789abcdef0123456789abcdef.zip");
    }
}
