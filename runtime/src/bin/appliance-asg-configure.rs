//! Lambda entry point of the appliance configure function (see `runtime::appliance_asg::configure`).

use lambda_runtime::{Error, service_fn};
use runtime::appliance_asg::configure::{self, Config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    lambda_runtime::run(service_fn(|event| configure::handle(&config, event))).await
}
