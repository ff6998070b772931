//! The pinned Python tools (moto, cfn-lint, checkov, aws-sam-translator) in `<root>/.venv/`.
//!
//! `tools/requirements.txt` pins every package, transitive ones included; uv (pinned here) installs
//! them. After a successful install
//! the virtualenv holds a stamp with a hash of the file it was built from: while the file is
//! unchanged, [`ensure_venv`] costs a file read; a changed file triggers `pip install -r` (which only
//! touches what changed). The stamp is removed before pip starts and written only after pip succeeds,
//! so an interrupted or failed install is redone on the next run. Concurrent xtask runs on one
//! checkout take turns through a lock file.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

/// The pinned requirements, relative to the workspace root.
pub(crate) const REQUIREMENTS: &str = "tools/requirements.txt";
/// The virtualenv directory, relative to the workspace root (git-ignored).
const VENV_DIR: &str = ".venv";
/// The installer, pinned like everything else; pip installs it into each virtualenv first.
const UV: &str = "uv==0.13.9";
/// Inside the virtualenv: the hash of the requirements it was installed from.
const STAMP: &str = ".requirements-hash";

/// A virtualenv with the project's Python tools installed.
#[derive(Debug, Clone)]
pub(crate) struct Venv {
    dir: PathBuf,
}

impl Venv {
    /// An executable installed in the virtualenv, such as `cfn-lint` or `checkov`.
    pub(crate) fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("bin").join(name)
    }

    /// The virtualenv's Python interpreter.
    pub(crate) fn python(&self) -> PathBuf {
        self.bin("python")
    }
}

/// The environment variable that moves the virtualenv out of the checkout, such as to a cache
/// directory that outlives CI's fresh clones (the stamp still decides whether to reinstall).
pub(crate) const VENV_OVERRIDE: &str = "XTASK_VENV";

/// Creates `<root>/.venv` (or `$XTASK_VENV`) if needed and installs `tools/requirements.txt` into it
/// unless the stamp says it already holds exactly that file. Each step is announced on stderr.
pub(crate) fn ensure_venv(root: &Path) -> anyhow::Result<Venv> {
    let dir = std::env::var_os(VENV_OVERRIDE)
        .filter(|d| !d.is_empty())
        .map_or_else(|| root.join(VENV_DIR), PathBuf::from);
    ensure(root, dir, REQUIREMENTS)
}

/// The Lambda build tools (cargo-lambda and zig, from PyPI), pinned in their own file and installed
/// into their own virtualenv on first use: only `cargo xtask build --target aws` needs them.
pub(crate) const LAMBDA_REQUIREMENTS: &str = "tools/lambda-build-requirements.txt";

pub(crate) fn ensure_lambda_tools(root: &Path) -> anyhow::Result<Venv> {
    ensure(root, root.join("target/xtask/lambda-tools"), LAMBDA_REQUIREMENTS)
}

impl Venv {
    /// The virtualenv's `bin/` directory (prepend it to PATH so tools find each other).
    pub(crate) fn bin_dir(&self) -> PathBuf {
        self.dir.join("bin")
    }
}

fn ensure(root: &Path, dir: PathBuf, requirements_file: &str) -> anyhow::Result<Venv> {
    let venv = Venv { dir };
    // How the virtualenv is named in messages: `.venv/` inside the checkout, else its full path.
    let shown = venv.dir.strip_prefix(root).unwrap_or(&venv.dir).display().to_string() + "/";
    let requirements = root.join(requirements_file);
    let pinned = std::fs::read_to_string(&requirements)
        .with_context(|| format!("cannot read {}", requirements.display()))?;
    let hash = format!("{:016x}", fnv1a64(pinned.as_bytes()));
    let stamp = venv.dir.join(STAMP);
    let up_to_date =
        || std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == hash) && venv.python().exists();
    if up_to_date() {
        return Ok(venv);
    }

    let _lock = lock(&venv.dir, &shown)?;
    // Another xtask may have finished the install while this one waited for the lock.
    if up_to_date() {
        return Ok(venv);
    }
    if !venv.python().exists() {
        create(root, &venv.dir, &shown)?;
    }
    match std::fs::remove_file(&stamp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot remove {}", stamp.display())),
    }
    let packages = pinned.lines().filter(|l| !l.trim_start().starts_with('#') && l.contains("==")).count();
    eprintln!("python: installing {packages} pinned packages from {requirements_file} into {shown} ...");
    let started = Instant::now();
    // uv installs the same pinned set in seconds where pip takes over a minute (it downloads and
    // unpacks in parallel); pip only installs uv itself.
    let status = Command::new(venv.python())
        .args(["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet", UV])
        .current_dir(root)
        .status()
        .with_context(|| format!("cannot run {} -m pip", venv.python().display()))?;
    if !status.success() {
        bail!(
            "pip install {UV} failed ({status}; see pip's output above). Package registries must be \
             reachable; to start over, delete {shown}"
        );
    }
    let status = Command::new(venv.bin("uv"))
        .args(["pip", "install", "--quiet", "--python"])
        .arg(venv.python())
        .arg("-r")
        .arg(&requirements)
        .current_dir(root)
        .status()
        .with_context(|| format!("cannot run {}", venv.bin("uv").display()))?;
    if !status.success() {
        bail!(
            "uv pip install -r {requirements_file} failed ({status}; see its output above). Package registries \
             must be reachable; to start over, delete {shown}"
        );
    }
    let tmp = venv.dir.join(format!("{STAMP}.tmp"));
    std::fs::write(&tmp, format!("{hash}\n"))
        .and_then(|()| std::fs::rename(&tmp, &stamp))
        .with_context(|| format!("cannot write {}", stamp.display()))?;
    eprintln!("python: {shown} ready in {:.0}s", started.elapsed().as_secs_f64());
    Ok(venv)
}

/// `python3 -m venv <dir>`; on failure removes what it made, so a half-made virtualenv is never taken
/// for a working one.
fn create(root: &Path, dir: &Path, shown: &str) -> anyhow::Result<()> {
    let version = Command::new("python3").arg("--version").output().map_err(|e| {
        anyhow::anyhow!(
            "python3 is not installed or not on PATH ({e}): install Python 3.10 or newer with its venv \
             module (Debian/Ubuntu: apt-get install python3 python3-venv)"
        )
    })?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    eprintln!("python: creating {shown} with python3 -m venv ({version}) ...");
    let existed = dir.exists();
    let output = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(dir)
        .current_dir(root)
        .output()
        .context("cannot run python3 -m venv")?;
    if !output.status.success() {
        if !existed {
            let _ = std::fs::remove_dir_all(dir);
        }
        bail!(
            "python3 -m venv {shown} failed: install the Python venv module (Debian/Ubuntu: apt-get \
             install python3-venv)\n{}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// An exclusive lock, held until the returned file is dropped, on a file in the temporary directory
/// named after the virtualenv (the lock must not live in the virtualenv, which `venv --clear` empties).
fn lock(venv_dir: &Path, shown: &str) -> anyhow::Result<File> {
    let key = fnv1a64(venv_dir.to_string_lossy().as_bytes());
    let path = std::env::temp_dir().join(format!("xtask-venv-{key:016x}.lock"));
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    if file.try_lock().is_err() {
        eprintln!("python: waiting for another xtask that is installing into {shown} ...");
        file.lock().with_context(|| format!("cannot lock {}", path.display()))?;
    }
    Ok(file)
}

/// FNV-1a, 64 bits: a stable content hash for the stamp (not for security).
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stamp_hash_is_stable_and_content_sensitive() {
        // Reference values of FNV-1a 64.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(fnv1a64(b"moto==5.2.5\n"), fnv1a64(b"moto==5.2.4\n"));
    }

    #[test]
    fn the_requirements_pin_every_package() {
        let text = concat!(
            include_str!("../../tools/requirements.txt"),
            include_str!("../../tools/lambda-build-requirements.txt")
        );
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            assert!(line.contains("=="), "not pinned in {REQUIREMENTS}: {line}");
        }
        assert!(UV.contains("=="), "the installer is pinned too");
    }
}
