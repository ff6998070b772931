//! The pinned Python toolchain (moto, cfn-lint, checkov, aws-sam-translator) in `.venv/`.
//!
//! `tools/requirements.txt` pins every package, transitive ones included. The virtualenv records a
//! hash of the file it was built from; a changed file triggers a reinstall, an unchanged one costs
//! nothing. The stamp is written only after pip succeeds, so an interrupted install is redone.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

const REQUIREMENTS: &str = "tools/requirements.txt";
const STAMP: &str = ".requirements-hash";

#[derive(Debug, Clone)]
pub(crate) struct Venv {
    dir: PathBuf,
}

impl Venv {
    pub(crate) fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("bin").join(name)
    }

    pub(crate) fn python(&self) -> PathBuf {
        self.bin("python")
    }
}

/// Creates or refreshes `<root>/.venv` from `tools/requirements.txt`.
pub(crate) fn ensure_venv(root: &Path) -> anyhow::Result<Venv> {
    let venv = Venv { dir: root.join(".venv") };
    let requirements = root.join(REQUIREMENTS);
    let pinned =
        std::fs::read_to_string(&requirements).with_context(|| format!("cannot read {REQUIREMENTS}"))?;
    let hash = synth::constructs::short_hash(&pinned);
    let stamp = venv.dir.join(STAMP);
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == hash) && venv.python().exists() {
        return Ok(venv);
    }
    if !venv.python().exists() {
        eprintln!("creating the Python virtualenv in .venv/ ...");
        let status = Command::new("python3").args(["-m", "venv"]).arg(&venv.dir).status().map_err(|e| {
            anyhow::anyhow!("cannot run python3 ({e}): install Python 3.10 or newer with the venv module")
        })?;
        if !status.success() {
            bail!("python3 -m venv .venv failed: install the Python venv module (Debian: python3-venv)");
        }
    }
    let _ = std::fs::remove_file(&stamp);
    eprintln!(
        "installing the pinned Python tools from {REQUIREMENTS} (moto, cfn-lint, checkov; a few minutes the first time) ..."
    );
    let started = std::time::Instant::now();
    let status = Command::new(venv.python())
        .args(["-m", "pip", "install", "--disable-pip-version-check", "--quiet", "-r"])
        .arg(&requirements)
        .current_dir(root)
        .status()
        .context("cannot run pip in .venv")?;
    if !status.success() {
        bail!("pip install -r {REQUIREMENTS} failed (see the output above); delete .venv/ to start over");
    }
    std::fs::write(&stamp, &hash)?;
    eprintln!("Python tools installed in {:.0?}", started.elapsed());
    Ok(venv)
}
