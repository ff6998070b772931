//! The emulator for Rust tests and benches: the one named by `AWS_ENDPOINT_URL` (what `cargo xtask ci`
//! starts and exports), or one started here through `tools/emulator/server.py`, the one launcher, and
//! shared by every test of the binary.
//!
//! Included with `#[path]` by `runtime/tests/support` (and so by the benches) and by
//! `xtask/tests/deploy_local.rs`: test crates cannot depend on xtask, whose `emulator.rs` is the same
//! protocol for the project's commands.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// A running emulator; the one this process started stops when its stdin closes at exit.
pub(crate) struct Emulator {
    pub(crate) endpoint: String,
    _child: Option<Child>,
}

/// The workspace root: every crate that includes this file lives one level below it.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// The shared emulator of this test binary.
pub(crate) fn shared() -> &'static Emulator {
    static EMU: OnceLock<Emulator> = OnceLock::new();
    EMU.get_or_init(|| {
        if let Some(endpoint) = std::env::var("AWS_ENDPOINT_URL").ok().filter(|e| !e.is_empty()) {
            return Emulator { endpoint, _child: None };
        }
        let venv = std::env::var_os("XTASK_VENV").map_or_else(|| root().join(".venv"), PathBuf::from);
        let python = venv.join("bin/python");
        assert!(
            python.exists(),
            "the emulator is not installed in {}: run `cargo xtask ci` (or `cargo xtask emulator`) once",
            venv.display()
        );
        let mut child = Command::new(python)
            .arg(root().join("tools/emulator/server.py"))
            .args(["--port", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the emulator");
        let stdout = child.stdout.take().expect("stdout");
        let line =
            BufReader::new(stdout).lines().map_while(Result::ok).find(|l| l.starts_with("EMULATOR_READY "));
        let endpoint =
            line.expect("the emulator became ready").trim_start_matches("EMULATOR_READY ").to_owned();
        Emulator { endpoint, _child: Some(child) }
    })
}
