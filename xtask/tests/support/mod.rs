//! What the deploy tests share: the `xtask` binary run as a user runs it on the local target, and SDK
//! clients of the same emulator for checking what it did.

use std::process::{Command, Stdio};

use aws_config::{BehaviorVersion, Region, SdkConfig};

#[path = "../../../tools/emulator/launcher.rs"]
pub(crate) mod launcher;

pub(crate) use launcher::root;

pub(crate) fn emulator() -> &'static launcher::Emulator {
    launcher::shared()
}

pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Runs `cargo xtask <args>` as a user would, on the local target.
pub(crate) fn xtask(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(root())
        // The local target uses the emulator AWS_ENDPOINT_URL names, as a user's shell could set it.
        .env("AWS_ENDPOINT_URL", &emulator().endpoint)
        .stdin(Stdio::null())
        .output()
        .expect("run xtask");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `cargo xtask <args>` and asserts it succeeded.
#[track_caller]
pub(crate) fn ok(args: &[&str]) -> Run {
    let run = xtask(args);
    assert_eq!(run.code, 0, "cargo xtask {}: {run:?}", args.join(" "));
    run
}

/// Runs `cargo xtask <args>` and asserts it failed with exit code 1.
#[track_caller]
pub(crate) fn fails(args: &[&str]) -> Run {
    let run = xtask(args);
    assert_eq!(run.code, 1, "cargo xtask {} should fail: {run:?}", args.join(" "));
    run
}

/// SDK configuration for the emulator in `region`.
pub(crate) async fn sdk(region: &str) -> SdkConfig {
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .endpoint_url(&emulator().endpoint)
        .region(Region::new(region.to_owned()))
        .credentials_provider(aws_sdk_sts::config::Credentials::new("test", "test", None, None, "tests"))
        .load()
        .await
}
