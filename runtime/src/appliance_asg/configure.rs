//! The configure function: pushes the admin password, the licence and the rendered configuration
//! to one appliance over verified HTTPS. It runs in the VPC, because appliance APIs listen on
//! private addresses, and is invoked synchronously by the lifecycle function, which passes what it
//! read from Secrets Manager: this function's role reads nothing, so a compromised appliance
//! network cannot reach the secret through it.
//!
//! Idempotent under redelivery: the password step asks the appliance which password it accepts
//! before changing anything, the licence upload accepts "already installed", and the configuration
//! is applied whole.
//!
//! First boot (FortiGate-on-AWS convention): the administrator's initial password is the instance
//! ID and must be changed before anything else. The function logs in first with the password the
//! appliance most likely has (the initial one while it launches, the secret once it is in service)
//! and with the other only when that is refused, once per invocation: a normal run makes no failed
//! login, and a wrong secret cannot lock the administrator out with repeated attempts.

use std::time::{Duration, Instant};

use contract::appliance_asg::configure as env;
use lambda_runtime::LambdaEvent;
use serde::{Deserialize, Serialize};

use super::appliance_api::{ApiError, ApplianceClient, Request};
use crate::HandlerError;

/// The function's configuration, read once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub api: ApplianceClient,
    /// How long a launching appliance's API may take to answer.
    pub boot_timeout: Duration,
    /// Pause between attempts while the API does not answer.
    pub poll_interval: Duration,
}

impl Config {
    pub fn from_env() -> Result<Config, super::ConfigError> {
        Config::from_lookup(crate::config::process_env)
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, super::ConfigError> {
        let read = |v: contract::EnvVar| v.read_from(&lookup);
        let invalid = super::ConfigError::invalid;
        let port = read(env::API_PORT)?;
        let port: u16 = port.parse().map_err(|_| invalid(env::API_PORT, &port, "expected a TCP port"))?;
        let pins = read(env::TLS_FINGERPRINTS)?;
        let pins = super::appliance_api::parse_fingerprints(&pins)
            .map_err(|e| super::ConfigError::invalid(env::TLS_FINGERPRINTS, &pins, e))?;
        let boot = read(env::BOOT_TIMEOUT_SECONDS)?;
        let boot: u64 =
            boot.parse().map_err(|_| invalid(env::BOOT_TIMEOUT_SECONDS, &boot, "expected whole seconds"))?;
        // Platform variables, not the template's (see `proxy`).
        let proxy = super::proxy::Proxy::from_lookup(&lookup).map_err(|e| super::ConfigError::Invalid {
            name: "HTTPS_PROXY",
            value: e.value,
            expected: e.expected,
        })?;
        Ok(Config {
            api: ApplianceClient::new(port, &read(env::ADMIN_USER)?, pins, REQUEST_TIMEOUT, proxy),
            boot_timeout: Duration::from_secs(boot),
            poll_interval: Duration::from_secs(5),
        })
    }
}

/// One request to the appliance API.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// A licence as the appliance installs it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Licence {
    /// A licence file, base64.
    File {
        name: String,
        content: String,
    },
    Token {
        name: String,
        content: String,
    },
}

/// What the lifecycle function asks for.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub instance_id: String,
    /// The private address of the API interface.
    pub address: String,
    /// The password the appliance boots with.
    pub initial_password: String,
    /// The admin secret.
    pub password: String,
    pub configuration: String,
    pub licence: Option<Licence>,
    /// Wait for the API up to the boot timeout (a launching appliance); otherwise one attempt.
    #[serde(default = "waits_for_boot")]
    pub wait_for_boot: bool,
}

fn waits_for_boot() -> bool {
    true
}

// Passwords and licences never reach a log line.
impl std::fmt::Debug for PushRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushRequest")
            .field("instance_id", &self.instance_id)
            .field("address", &self.address)
            .field("configuration_bytes", &self.configuration.len())
            .field("licence", &self.licence.as_ref().map(Licence::name))
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Licence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Licence({})", self.name())
    }
}

impl Licence {
    pub fn name(&self) -> &str {
        match self {
            Licence::File { name, .. } | Licence::Token { name, .. } => name,
        }
    }
}

/// What was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushReport {
    pub instance_id: String,
    /// Whether this invocation replaced the initial password.
    pub password_changed: bool,
    /// The licence installed (or found installed).
    pub licence: Option<String>,
    pub configuration_bytes: usize,
}

pub async fn handle(config: &Config, event: LambdaEvent<PushRequest>) -> Result<PushReport, HandlerError> {
    push(config, &event.payload).await
}

pub async fn push(config: &Config, r: &PushRequest) -> Result<PushReport, HandlerError> {
    if r.address.parse::<std::net::IpAddr>().is_err() {
        return Err(HandlerError::InvalidEvent(format!("'{}' is not an IP address", r.address)));
    }
    let api = &config.api;
    let status = |password| Request {
        method: "GET",
        path: "/api/v2/status",
        password,
        content_type: "application/json",
        body: b"",
    };
    let started = Instant::now();
    // Wait for the API: the appliance may still be booting.
    // The password the appliance most likely has goes first, so a normal run makes no failed login
    // (appliances lock the administrator out after a few): the initial one while launching.
    let (likely, other) =
        if r.wait_for_boot { (&r.initial_password, &r.password) } else { (&r.password, &r.initial_password) };
    let first = loop {
        match api.send(&r.address, status(likely)).await {
            Ok(answer) => break answer,
            Err(e @ ApiError::Tls { .. }) => return Err(HandlerError::Appliance(e.to_string())),
            Err(e @ ApiError::Unreachable { .. }) if !r.wait_for_boot => {
                return Err(HandlerError::Appliance(format!(
                    "{} (in service) is not answering: {e}",
                    r.instance_id
                )));
            }
            Err(e @ ApiError::Unreachable { .. }) => {
                if started.elapsed() + config.poll_interval > config.boot_timeout {
                    return Err(HandlerError::Appliance(format!(
                        "{} did not answer within the {:?} boot timeout: {e}",
                        r.instance_id, config.boot_timeout
                    )));
                }
                tracing::info!(instance = %r.instance_id, error = %e, "appliance API not answering yet");
                tokio::time::sleep(config.poll_interval).await;
            }
        }
    };
    let failed =
        |what: &str, e: ApiError| HandlerError::Appliance(format!("{what} on {}: {e}", r.instance_id));
    let refused = |what: &str, status: u16, body: &str| {
        HandlerError::Appliance(format!("{} refused {what}: {status} {}", r.instance_id, body.trim()))
    };
    let accepted = match first.status {
        200 => likely,
        401 => {
            let second = api.send(&r.address, status(other)).await.map_err(|e| failed("login", e))?;
            if second.status != 200 {
                return Err(HandlerError::Appliance(format!(
                    "{} accepts neither the admin secret nor its initial password (answered {}): \
                     set the secret to the appliance's current password",
                    r.instance_id, second.status
                )));
            }
            other
        }
        status => return Err(refused("the admin login", status, &first.body)),
    };

    // Idempotent: a password already changed (a redelivered push) is left alone.
    let password_changed = accepted == &r.initial_password && r.initial_password != r.password;
    if password_changed {
        let body = serde_json::json!({"user": api.user(), "new_password": r.password}).to_string();
        let changed = api
            .send(
                &r.address,
                Request {
                    method: "POST",
                    path: "/api/v2/admin/password",
                    password: &r.initial_password,
                    content_type: "application/json",
                    body: body.as_bytes(),
                },
            )
            .await
            .map_err(|e| failed("password change", e))?;
        if changed.status != 200 {
            return Err(refused("the password change", changed.status, &changed.body));
        }
    }

    if let Some(licence) = &r.licence {
        let body = serde_json::to_string(licence)
            .map_err(|e| HandlerError::Appliance(format!("licence '{}': {e}", licence.name())))?;
        let answer = api
            .send(
                &r.address,
                Request {
                    method: "PUT",
                    path: "/api/v2/licence",
                    password: &r.password,
                    content_type: "application/json",
                    body: body.as_bytes(),
                },
            )
            .await
            .map_err(|e| failed("licence upload", e))?;
        if !matches!(answer.status, 200 | 409) {
            return Err(refused(&format!("licence '{}'", licence.name()), answer.status, &answer.body));
        }
    }

    let answer = api
        .send(
            &r.address,
            Request {
                method: "PUT",
                path: "/api/v2/configuration",
                password: &r.password,
                content_type: "text/plain; charset=utf-8",
                body: r.configuration.as_bytes(),
            },
        )
        .await
        .map_err(|e| failed("configuration upload", e))?;
    if answer.status != 200 {
        return Err(refused("the configuration", answer.status, &answer.body));
    }
    tracing::info!(instance = %r.instance_id, password_changed, "appliance configured");
    Ok(PushReport {
        instance_id: r.instance_id.clone(),
        password_changed,
        licence: r.licence.as_ref().map(|l| l.name().to_owned()),
        configuration_bytes: r.configuration.len(),
    })
}
