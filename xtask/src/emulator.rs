//! The local AWS emulator: moto with the project's plugins (`tools/emulator/server.py`).
//!
//! `cargo xtask emulator` runs it in the foreground and prints the endpoint and the variables a shell
//! needs; [`Emulator::start`] runs it for the duration of a CI step. The server exits when its stdin
//! closes, so it never outlives the process that started it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::python::Venv;

const READY: &str = "EMULATOR_READY ";
const START_TIMEOUT: Duration = Duration::from_secs(90);

#[derive(Debug)]
pub(crate) struct Emulator {
    child: Child,
    stdin: Option<ChildStdin>,
    endpoint: String,
}

impl Emulator {
    pub(crate) fn start(venv: &Venv, root: &Path) -> anyhow::Result<Emulator> {
        let mut child = Command::new(venv.python())
            .arg(root.join("tools/emulator/server.py"))
            .args(["--host", "127.0.0.1", "--port", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start the emulator (tools/emulator/server.py)")?;
        let stdout = child.stdout.take().context("emulator stdout")?;
        let mut stderr = child.stderr.take().context("emulator stderr")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(endpoint) = line.strip_prefix(READY) {
                    let _ = tx.send(endpoint.to_owned());
                }
            }
        });
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(endpoint) => {
                // Keep draining stderr so the server never blocks on a full pipe.
                std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
                let stdin = child.stdin.take();
                Ok(Emulator { child, stdin, endpoint })
            }
            Err(_) => {
                let _ = child.kill();
                let mut log = String::new();
                let _ = stderr.read_to_string(&mut log);
                let tail: Vec<&str> =
                    log.lines().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
                bail!(
                    "the emulator did not become ready within {START_TIMEOUT:?}; its last output:\n{}",
                    tail.join("\n")
                )
            }
        }
    }

    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The environment a process needs to talk to the emulator through the standard AWS configuration.
    pub(crate) fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ]
    }

    /// Wipes all emulator state.
    pub(crate) fn reset(&self) -> anyhow::Result<()> {
        let hostport = self.endpoint.trim_start_matches("http://");
        let mut s = TcpStream::connect(hostport)
            .with_context(|| format!("cannot reach the emulator at {hostport}"))?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        write!(
            s,
            "POST /moto-api/reset HTTP/1.1\r\nHost: {hostport}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )?;
        let mut status = String::new();
        BufReader::new(s).read_line(&mut status)?;
        if !status.contains(" 200") {
            bail!("emulator reset failed: {}", status.trim());
        }
        Ok(())
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        drop(self.stdin.take());
        if self.child.wait_timeout_or_kill(Duration::from_secs(5)).is_err() {
            let _ = self.child.kill();
        }
    }
}

trait WaitTimeout {
    fn wait_timeout_or_kill(&mut self, timeout: Duration) -> std::io::Result<()>;
}

impl WaitTimeout for Child {
    fn wait_timeout_or_kill(&mut self, timeout: Duration) -> std::io::Result<()> {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if self.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill()?;
        self.wait().map(|_| ())
    }
}

/// `cargo xtask emulator`: runs until Ctrl-C.
pub(crate) fn run_foreground(venv: &Venv, root: &Path) -> anyhow::Result<()> {
    let emu = Emulator::start(venv, root)?;
    println!("emulator (moto with the project's plugins) listening on {}", emu.endpoint());
    println!("to point the AWS SDKs and CLI at it:");
    for (k, v) in emu.env() {
        println!("  export {k}={v}");
    }
    println!("reset all state: curl -X POST {}/moto-api/reset", emu.endpoint());
    println!("press Ctrl-C to stop");
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
