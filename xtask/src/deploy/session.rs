//! The AWS clients a command needs, for one target.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

use super::{Target, local};

/// The emulator's region and account (moto's default account).
pub(crate) const LOCAL_REGION: &str = "us-east-1";

#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) target: Target,
    pub(crate) cfn: aws_sdk_cloudformation::Client,
    pub(crate) s3: aws_sdk_s3::Client,
    pub(crate) lambda: aws_sdk_lambda::Client,
    pub(crate) ec2: aws_sdk_ec2::Client,
    pub(crate) logs: aws_sdk_cloudwatchlogs::Client,
    pub(crate) autoscaling: aws_sdk_autoscaling::Client,
    pub(crate) region: String,
    pub(crate) account: String,
    /// The emulator's endpoint, on the local target.
    pub(crate) endpoint: Option<String>,
    /// How often to poll stack and change-set status.
    pub(crate) poll: Duration,
    /// What the clients were made from, so [`Session::in_region`] can make the same ones elsewhere.
    conf: SdkConfig,
}

impl Session {
    /// Connects to `target`, starting the local emulator if it is not running, and says where
    /// commands go (the local target is the default, so it is always announced).
    pub(crate) async fn open(root: &Path, target: Target) -> anyhow::Result<Session> {
        let (conf, endpoint) = match target {
            Target::Local => {
                let endpoint = local::ensure_running(root)?;
                let conf = aws_config::defaults(BehaviorVersion::latest())
                    .http_client(http_client())
                    .endpoint_url(&endpoint)
                    .region(Region::new(LOCAL_REGION))
                    .credentials_provider(aws_sdk_sts::config::Credentials::new(
                        "test", "test", None, None, "emulator",
                    ))
                    .load()
                    .await;
                (conf, Some(endpoint))
            }
            Target::Aws => {
                let conf =
                    aws_config::defaults(BehaviorVersion::latest()).http_client(http_client()).load().await;
                if conf.region().is_none() {
                    bail!("target aws: no region configured: set AWS_REGION or a region in your AWS profile");
                }
                (conf, None)
            }
        };
        let account = account_id(&conf).await?;
        let session = Session::from_conf(target, conf, account, endpoint);
        match &session.endpoint {
            Some(e) => eprintln!(
                "target: local (the emulator at {e}; no AWS account is used). Pass --target aws to deploy to AWS."
            ),
            None => eprintln!("target: aws (account {}, region {})", session.account, session.region),
        }
        Ok(session)
    }

    fn from_conf(target: Target, conf: SdkConfig, account: String, endpoint: Option<String>) -> Session {
        let region = conf.region().map(ToString::to_string).unwrap_or_default();
        let s3_conf = aws_sdk_s3::config::Builder::from(&conf).force_path_style(endpoint.is_some()).build();
        Session {
            target,
            cfn: aws_sdk_cloudformation::Client::new(&conf),
            s3: aws_sdk_s3::Client::from_conf(s3_conf),
            lambda: aws_sdk_lambda::Client::new(&conf),
            ec2: aws_sdk_ec2::Client::new(&conf),
            logs: aws_sdk_cloudwatchlogs::Client::new(&conf),
            autoscaling: aws_sdk_autoscaling::Client::new(&conf),
            region,
            account,
            poll: if endpoint.is_some() { Duration::from_millis(500) } else { Duration::from_secs(2) },
            endpoint,
            conf,
        }
    }

    /// The same target, account and credentials, with clients for `region` (`None`: this session's own).
    /// A regional stack of a multi-region blueprint is deployed, invoked and deleted through it: its
    /// region overrides the target's default one.
    pub(crate) fn in_region(&self, region: Option<&str>) -> Session {
        match region {
            Some(r) if r != self.region => {
                let conf = self.conf.to_builder().region(Region::new(r.to_owned())).build();
                Session::from_conf(self.target, conf, self.account.clone(), self.endpoint.clone())
            }
            _ => self.clone(),
        }
    }
}

async fn account_id(conf: &SdkConfig) -> anyhow::Result<String> {
    let who = aws_sdk_sts::Client::new(conf).get_caller_identity().send().await.map_err(sdk).context(
        "cannot tell which AWS account the credentials belong to (sts:GetCallerIdentity); configure \
             credentials (AWS_PROFILE, `aws sso login`, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), \
             or use --target local",
    )?;
    who.account().map(str::to_owned).context("sts:GetCallerIdentity returned no account")
}

/// One HTTP client for every SDK: rustls with the ring provider (no aws-lc, no second TLS stack).
fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(CryptoMode::Ring)).build_https()
}

/// An SDK error as `Code: message` for service errors (the service's own words), with the full
/// context for transport and other failures.
pub(crate) fn sdk<E, R>(e: aws_sdk_cloudformation::error::SdkError<E, R>) -> anyhow::Error
where
    E: aws_sdk_cloudformation::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_cloudformation::error::SdkError;
    match &e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            anyhow::anyhow!("{}: {}", err.code().unwrap_or("error"), err.message().unwrap_or("(no message)"))
        }
        // Transport and credential failures: each cause's message, without the debug dumps.
        other => {
            let mut chain = vec![other.to_string()];
            let mut source = std::error::Error::source(other);
            while let Some(cause) = source {
                let text = cause.to_string();
                if !chain.iter().any(|c| c.contains(&text)) {
                    chain.push(text);
                }
                source = cause.source();
            }
            anyhow::anyhow!("{}", chain.join(": "))
        }
    }
}
