//! Lambda entry point of the protected function (see `runtime::private_lambda::protected`).

use lambda_runtime::{Error, service_fn};
use runtime::private_lambda::protected::{self, Protected};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let p = Protected::from_env()?;
    lambda_runtime::run(service_fn(|event| protected::handle(&p, event))).await
}
