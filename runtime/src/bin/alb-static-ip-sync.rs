//! Lambda entry point of the static-IP target-group sync (see `runtime::alb_static_ip`).

use lambda_runtime::{Error, service_fn};
use runtime::Clients;
use runtime::alb_static_ip::{self, Config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let clients = Clients::load().await;
    lambda_runtime::run(service_fn(|event| alb_static_ip::handle(&clients, &config, event))).await
}
