//! Lambda entry point of the Fargate traffic-mirror function (see `runtime::fargate_mirror`).

use lambda_runtime::{Error, service_fn};
use runtime::fargate_mirror::{self, Clients, Config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let clients = Clients::load().await;
    lambda_runtime::run(service_fn(|event| fargate_mirror::handle(&clients, &config, event))).await
}
