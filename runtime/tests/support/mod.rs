//! Test support: the local AWS emulator, SDK clients pointed at it whose calls are recorded, the
//! worlds tests build in it ([`world`]), the IAM check of recorded calls ([`iam`]), and the local
//! appliance peers ([`appliance`]).
//!
//! Shared by the integration tests (`tests/it/`, one binary) and the benches (`examples/*_bench.rs`,
//! which include this module with `#[path]`), so both measure and check the same setup.
//!
//! Under `cargo xtask ci` the emulator is already running and `AWS_ENDPOINT_URL` names it. Otherwise the
//! first test that needs it starts `tools/emulator/server.py` from the project's `.venv/` (created by
//! `cargo xtask ci` or `cargo xtask emulator`), shared by every test of the binary. Tests use unique
//! resource names, so they can share one emulator and run in parallel.

// Each includer uses a part.
#![allow(dead_code)]

pub(crate) mod appliance;
pub(crate) mod faults;
pub(crate) mod iam;
#[path = "../../../tools/emulator/launcher.rs"]
mod launcher;
pub(crate) mod sg_sync;
pub(crate) mod world;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use runtime::Clients;

/// The emulator's endpoint (`http://host:port`).
pub(crate) fn endpoint() -> &'static str {
    &launcher::shared().endpoint
}

/// The SDK configuration for the emulator, with the runtime's own HTTP client.
pub(crate) async fn sdk_config() -> SdkConfig {
    sdk_config_in("us-east-1").await
}

/// [`sdk_config`] in another region: tests that inject faults work in a region of their own.
pub(crate) async fn sdk_config_in(region: &'static str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(runtime::clients::http_client())
        .endpoint_url(endpoint())
        .region(Region::new(region))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .load()
        .await
}

/// Records the IAM action of every operation a client performs (and so counts them).
#[derive(Debug, Clone, Default)]
pub(crate) struct Recorder {
    pub(crate) actions: Arc<Mutex<Vec<String>>>,
    /// Set when `FIRST_CALL_DONE` is to be printed as the first operation completes.
    announce_first: Option<Arc<AtomicBool>>,
}

impl Recorder {
    /// A recorder that also prints `FIRST_CALL_DONE` the moment the first operation completes (the
    /// cold-start bench times process start to that line).
    pub(crate) fn announcing_first_call() -> Recorder {
        Recorder { announce_first: Some(Arc::default()), ..Recorder::default() }
    }

    pub(crate) fn actions(&self) -> Vec<String> {
        self.actions.lock().expect("lock").clone()
    }

    /// How many operations were made so far.
    pub(crate) fn calls(&self) -> usize {
        self.actions.lock().expect("lock").len()
    }

    pub(crate) fn clear(&self) {
        self.actions.lock().expect("lock").clear();
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "Recorder"
    }

    fn read_before_serialization(
        &self,
        _ctx: &BeforeSerializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(m) = cfg.load::<Metadata>() {
            // Metadata names services as the SDK does ("Elastic Load Balancing v2"); IAM prefixes differ.
            let service: String =
                m.service().to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            let prefix = if service.starts_with("elasticloadbalancing") {
                "elasticloadbalancing".to_owned()
            } else {
                service
            };
            self.actions.lock().expect("lock").push(format!("{prefix}:{}", m.name()));
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        _ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(announced) = &self.announce_first
            && !announced.swap(true, Ordering::SeqCst)
        {
            println!("FIRST_CALL_DONE");
        }
        Ok(())
    }
}

/// Clients pointed at the emulator whose operations are recorded.
pub(crate) async fn recorded_clients() -> (Clients, Recorder) {
    let rec = Recorder::default();
    (core_clients(&sdk_config().await, &rec), rec)
}

/// The core clients for `conf`, each recording its operations in `rec`.
pub(crate) fn core_clients(conf: &SdkConfig, rec: &Recorder) -> Clients {
    Clients {
        dynamodb: aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(conf).interceptor(rec.clone()).build(),
        ),
        ec2: aws_sdk_ec2::Client::from_conf(
            aws_sdk_ec2::config::Builder::from(conf).interceptor(rec.clone()).build(),
        ),
        elbv2: aws_sdk_elasticloadbalancingv2::Client::from_conf(
            aws_sdk_elasticloadbalancingv2::config::Builder::from(conf).interceptor(rec.clone()).build(),
        ),
    }
}

/// The appliance lifecycle function's clients for `conf`, each recording its operations in `rec`;
/// the Lambda client talks to `lambda` if given (the emulator cannot run functions).
pub(crate) fn appliance_clients(
    conf: &SdkConfig,
    rec: &Recorder,
    lambda: Option<&str>,
) -> runtime::appliance_asg::Clients {
    runtime::appliance_asg::Clients {
        core: core_clients(conf, rec),
        autoscaling: aws_sdk_autoscaling::Client::from_conf(
            aws_sdk_autoscaling::config::Builder::from(conf).interceptor(rec.clone()).build(),
        ),
        s3: aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(conf).force_path_style(true).interceptor(rec.clone()).build(),
        ),
        lambda: {
            let mut b = aws_sdk_lambda::config::Builder::from(conf).interceptor(rec.clone());
            if let Some(url) = lambda {
                b = b.endpoint_url(url);
            }
            aws_sdk_lambda::Client::from_conf(b.build())
        },
        secretsmanager: aws_sdk_secretsmanager::Client::from_conf(
            aws_sdk_secretsmanager::config::Builder::from(conf).interceptor(rec.clone()).build(),
        ),
        ssm: aws_sdk_ssm::Client::from_conf(
            aws_sdk_ssm::config::Builder::from(conf).interceptor(rec.clone()).build(),
        ),
    }
}

/// A name no other test uses.
pub(crate) fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// The Fargate mirror function's clients for `conf`, each recording its operations in `rec`.
pub(crate) fn fargate_mirror_clients(conf: &SdkConfig, rec: &Recorder) -> runtime::fargate_mirror::Clients {
    runtime::fargate_mirror::Clients {
        ec2: aws_sdk_ec2::Client::from_conf(
            aws_sdk_ec2::config::Builder::from(conf).interceptor(rec.clone()).build(),
        ),
        ecs: aws_sdk_ecs::Client::from_conf(
            aws_sdk_ecs::config::Builder::from(conf).interceptor(rec.clone()).build(),
        ),
        dynamodb: aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(conf).interceptor(rec.clone()).build(),
        ),
    }
}
