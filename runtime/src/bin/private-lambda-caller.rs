//! Lambda entry point of the caller function (see `runtime::private_lambda::caller`).

use lambda_runtime::{Error, service_fn};
use runtime::http_client;
use runtime::private_lambda::caller::{self, Caller};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let c = Caller::from_env(http_client::build())?;
    lambda_runtime::run(service_fn(|event| caller::handle(&c, event))).await
}
