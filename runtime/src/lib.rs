//! `runtime`: the Lambda functions the synthesized templates deploy.
//!
//! Each system has a module with one `handle` function per Lambda function; the binaries in
//! `src/bin/` only read configuration (through `contract`), build what the handler borrows, and run.
//! Errors are [`error::HandlerError`], mapped to stable Lambda error types.
//!
//! Architecture Invariant: nothing here knows about the local emulator; AWS clients come from the
//! standard configuration chain, which honours `AWS_ENDPOINT_URL`.

#[cfg(feature = "alb-static-ip")]
pub mod alb_static_ip;
#[cfg(feature = "appliance-asg")]
pub mod appliance_asg;
pub mod clients;
pub mod config;
pub mod error;
#[cfg(feature = "fargate-mirror")]
pub mod fargate_mirror;
pub mod http_client;
#[cfg(feature = "private-lambda")]
pub mod private_lambda;
#[cfg(feature = "sg-sync")]
pub mod sg_sync;

pub use clients::Clients;
pub use error::HandlerError;
