//! The AWS clients the functions share, built once per process from the standard configuration.
//!
//! The configuration comes from `aws_config` (environment, profile, container and instance
//! credentials), which honours `AWS_ENDPOINT_URL`, so tests point the same clients at the emulator
//! with no code path of their own. One HTTP client (rustls with the ring provider) serves every SDK.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

/// Every AWS client a function may borrow.
#[derive(Debug, Clone)]
pub struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
}

impl Clients {
    /// Loads the standard AWS configuration and builds the clients.
    pub async fn load() -> Clients {
        Clients::from_conf(&load_config().await)
    }

    pub fn from_conf(conf: &SdkConfig) -> Clients {
        Clients {
            dynamodb: aws_sdk_dynamodb::Client::new(conf),
            ec2: aws_sdk_ec2::Client::new(conf),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(conf),
        }
    }
}

/// The standard configuration with the project's single HTTP client.
pub async fn load_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).http_client(http_client()).load().await
}

/// The HTTP client every SDK client uses: rustls with the ring provider.
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(CryptoMode::Ring)).build_https()
}
