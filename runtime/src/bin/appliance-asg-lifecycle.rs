//! Lambda entry point of the appliance Auto Scaling lifecycle function (see `runtime::appliance_asg`).

use lambda_runtime::{Error, service_fn};
use runtime::appliance_asg::{self, Clients, Config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let clients = Clients::load().await;
    lambda_runtime::run(service_fn(|event| appliance_asg::handle(&clients, &config, event))).await
}
