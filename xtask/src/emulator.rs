//! The local AWS emulator: moto with the project's plugins (`tools/emulator/server.py`).
//!
//! [`Emulator::start`] runs it for as long as the returned value lives (CI steps, benchmarks);
//! `cargo xtask emulator` ([`run_foreground`]) runs it until Ctrl-C and prints the endpoint and the
//! variables a shell needs. The server exits when its stdin closes, so it never outlives the xtask
//! that started it, even one that is killed.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::python::Venv;

/// The script, relative to the workspace root.
const SERVER: &str = "tools/emulator/server.py";
const READY: &str = "EMULATOR_READY ";
/// Startup takes ~4 s on an idle machine; leave room for a machine busy compiling.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// Lines of the server's stderr kept for error messages.
const TAIL_LINES: usize = 40;

/// A running emulator; dropping it stops the server.
#[derive(Debug)]
pub(crate) struct Emulator {
    child: Child,
    stdin: Option<ChildStdin>,
    endpoint: String,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
}

impl Emulator {
    /// Starts `tools/emulator/server.py` on a free loopback port and waits until it is ready.
    pub(crate) fn start(venv: &Venv, root: &Path) -> anyhow::Result<Emulator> {
        Self::spawn(venv, root, false)
    }

    /// `echo_stderr`: copy the server's log to this process's stderr (foreground use) instead of only
    /// keeping its tail for error messages.
    fn spawn(venv: &Venv, root: &Path, echo_stderr: bool) -> anyhow::Result<Emulator> {
        let started = Instant::now();
        let mut child = Command::new(venv.python())
            .arg(root.join(SERVER))
            .args(["--host", "127.0.0.1", "--port", "0"])
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start the emulator ({} {SERVER})", venv.python().display()))?;
        let stdout = child.stdout.take().context("the emulator's stdout is not piped")?;
        let stderr = child.stderr.take().context("the emulator's stderr is not piped")?;
        let stderr_tail = Arc::new(Mutex::new(VecDeque::with_capacity(TAIL_LINES)));
        {
            // Drain stderr for the server's whole life, so it never blocks on a full pipe.
            let tail = Arc::clone(&stderr_tail);
            std::thread::spawn(move || drain_stderr(stderr, &tail, echo_stderr));
        }
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Anything after the ready line is ignored; the server prints nothing else to stdout.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(endpoint) = line.strip_prefix(READY) {
                    let _ = tx.send(endpoint.trim().to_owned());
                }
            }
        });
        let mut emulator = Emulator { child, stdin: None, endpoint: String::new(), stderr_tail };
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(endpoint) => {
                emulator.stdin = emulator.child.stdin.take();
                emulator.endpoint = endpoint;
                eprintln!(
                    "emulator: moto ready at {} in {:.1}s",
                    emulator.endpoint,
                    started.elapsed().as_secs_f64()
                );
                Ok(emulator)
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // stdout closed without a ready line: the server died (or is dying).
                let status = emulator.wait_briefly();
                bail!(
                    "the emulator ({SERVER}) exited before it was ready ({}); its last output:\n{}",
                    status.map_or_else(|| "still running".to_owned(), |s| s.to_string()),
                    emulator.stderr_tail()
                )
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = emulator.child.kill();
                let _ = emulator.child.wait();
                bail!(
                    "the emulator ({SERVER}) was not ready within {}s; its last output:\n{}",
                    START_TIMEOUT.as_secs(),
                    emulator.stderr_tail()
                )
            }
        }
    }

    /// The base URL, such as `http://127.0.0.1:43817`.
    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The environment a test process needs to reach the emulator through the standard AWS
    /// configuration (SDK for Rust, boto3, the AWS CLI).
    pub(crate) fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_REGION", "us-east-1".to_owned()),
            // boto3 and the AWS CLI read this one, not AWS_REGION.
            ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ]
    }

    /// Wipes all emulator state (`POST /moto-api/reset`); configuration and plugins stay.
    pub(crate) fn reset(&self) -> anyhow::Result<()> {
        let hostport = self.endpoint.trim_start_matches("http://").trim_end_matches('/');
        let addr: SocketAddr =
            hostport.parse().with_context(|| format!("unexpected emulator endpoint {}", self.endpoint))?;
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .with_context(|| format!("cannot reach the emulator at {}", self.endpoint))?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        stream.set_write_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "POST /moto-api/reset HTTP/1.1\r\nHost: {hostport}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )?;
        stream.flush()?;
        let mut response = String::new();
        BufReader::new(stream)
            .take(64 * 1024)
            .read_to_string(&mut response)
            .context("no answer from the emulator to POST /moto-api/reset")?;
        let status_line = response.lines().next().unwrap_or_default();
        if status_line.split_whitespace().nth(1) != Some("200") {
            bail!("emulator reset failed: {}\n{}", status_line.trim(), self.stderr_tail());
        }
        Ok(())
    }

    /// The last lines the server wrote to stderr.
    fn stderr_tail(&self) -> String {
        let tail = self.stderr_tail.lock().map(|t| t.iter().cloned().collect::<Vec<_>>()).unwrap_or_default();
        if tail.is_empty() { "  (nothing)".to_owned() } else { tail.join("\n") }
    }

    /// The exit status, if the server exits within a few seconds (its stderr is complete by then).
    fn wait_briefly(&mut self) -> Option<ExitStatus> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    // Let the stderr thread take in the last lines.
                    std::thread::sleep(Duration::from_millis(100));
                    return Some(status);
                }
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
                _ => return None,
            }
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Closing stdin asks the server to stop; kill it if it has not within a few seconds.
        drop(self.stdin.take());
        if self.wait_briefly().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn drain_stderr(stderr: impl Read, tail: &Mutex<VecDeque<String>>, echo: bool) {
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        if echo {
            eprintln!("{line}");
        }
        if let Ok(mut tail) = tail.lock() {
            if tail.len() == TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(line);
        }
    }
}

/// `cargo xtask emulator`: starts the emulator, prints its endpoint and the variables to export, and
/// serves (its log on stderr) until Ctrl-C or until the server exits.
pub(crate) fn run_foreground(venv: &Venv, root: &Path) -> anyhow::Result<()> {
    let mut emulator = Emulator::spawn(venv, root, true)?;
    println!("emulator (moto with the project's plugins) listening on {}", emulator.endpoint());
    println!("point the AWS SDKs and CLI at it with:");
    for (name, value) in emulator.env() {
        println!("export {name}={value}");
    }
    println!("wipe all state: curl -X POST {}/moto-api/reset", emulator.endpoint());
    println!("press Ctrl-C to stop");
    // Ctrl-C reaches the whole process group: the server stops itself, and this process ends.
    let status = emulator.child.wait().context("cannot wait for the emulator")?;
    bail!("the emulator exited ({status})")
}
