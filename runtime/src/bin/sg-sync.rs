//! Lambda entry point of the security-group sync function (see `runtime::sg_sync`).

use lambda_runtime::{Error, service_fn};
use runtime::sg_sync::{self, Clients, Config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let clients = Clients::load(&config.peers).await;
    lambda_runtime::run(service_fn(|event| sg_sync::handle(&clients, &config, event))).await
}
