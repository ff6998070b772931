//! What a private-lambda blueprint names outside its stack: the certificate of an https listener.

use super::{PrivateLambda, Protocol};
use crate::external::External;

pub(super) fn references(pl: &PrivateLambda) -> Vec<External> {
    let lb = &pl.load_balancer;
    match (lb.protocol, &lb.certificate_arn) {
        (Protocol::Https, Some(arn)) => vec![External::Certificate {
            arn: arn.clone(),
            domain_name: lb.domain_name.clone().unwrap_or_default(),
        }],
        _ => Vec::new(),
    }
}
