//! A bucket for Elastic Load Balancing access logs: a [`SecureBucket`] (SSE-S3, the only encryption
//! log delivery supports) whose policy lets the region's load balancers write under
//! `<prefix>/AWSLogs/<account>/`.
//!
//! Who writes depends on the region (Elastic Load Balancing user guide, "Enable access logs", step 2):
//! regions available before August 2022 deliver as a regional Elastic Load Balancing account, newer
//! ones as the `logdelivery.elasticloadbalancing.amazonaws.com` service principal. The template is
//! region-agnostic, so the policy picks the principal with `Fn::If` on the deploying region, from a
//! mapping of the older regions' accounts.

use std::collections::BTreeMap;

use crate::cfn::resources::iam::{Principal, Statement};
use crate::cfn::{Expr, LogicalId, Pseudo, Template};

use super::secure_bucket::SecureBucket;
use super::{BuildError, Ctx, id};

/// The service principal of log delivery in regions available as of August 2022.
const LOG_DELIVERY_SERVICE: &str = "logdelivery.elasticloadbalancing.amazonaws.com";
const MAPPING: &str = "ElbLogDeliveryAccounts";
const CONDITION: &str = "ElbLogDeliveryByAccount";

/// The Elastic Load Balancing account of each region available before August 2022.
const ELB_ACCOUNTS: &[(&str, &str)] = &[
    ("af-south-1", "098369216593"),
    ("ap-east-1", "754344448648"),
    ("ap-northeast-1", "582318560864"),
    ("ap-northeast-2", "600734575887"),
    ("ap-northeast-3", "383597477331"),
    ("ap-south-1", "718504428378"),
    ("ap-southeast-1", "114774131450"),
    ("ap-southeast-2", "783225319266"),
    ("ap-southeast-3", "589379963580"),
    ("ca-central-1", "985666609251"),
    ("cn-north-1", "638102146993"),
    ("cn-northwest-1", "037604701340"),
    ("eu-central-1", "054676820928"),
    ("eu-north-1", "897822967062"),
    ("eu-south-1", "635631232127"),
    ("eu-west-1", "156460612806"),
    ("eu-west-2", "652711504416"),
    ("eu-west-3", "009996457667"),
    ("me-south-1", "076674570225"),
    ("sa-east-1", "507241528517"),
    ("us-east-1", "127311923021"),
    ("us-east-2", "033677994240"),
    ("us-gov-east-1", "190560391635"),
    ("us-gov-west-1", "048591011584"),
    ("us-west-1", "027434742980"),
    ("us-west-2", "797873946194"),
];

/// What [`add`] created, and the prefix to give the load balancer.
#[derive(Debug, Clone)]
pub struct AccessLogBucket {
    pub bucket: SecureBucket,
    pub prefix: String,
}

/// Adds `<name>Bucket` (kept when the stack is deleted: logs are an audit record) and its policy.
pub fn add(t: &mut Template, ctx: &Ctx, name: &str, prefix: &str) -> Result<AccessLogBucket, BuildError> {
    let mapping = id(&[MAPPING])?;
    let condition = id(&[CONDITION])?;
    t.mappings.insert(
        mapping.clone(),
        ELB_ACCOUNTS
            .iter()
            .map(|(region, account)| {
                ((*region).to_owned(), BTreeMap::from([("Account".to_owned(), Expr::str(*account))]))
            })
            .collect(),
    );
    t.conditions.insert(condition.clone(), in_any_region(ELB_ACCOUNTS.iter().map(|(r, _)| *r)));
    let account_root = Expr::sub_with(
        "arn:${AWS::Partition}:iam::${Account}:root",
        [(
            "Account".to_owned(),
            Expr::FindInMap {
                map: mapping,
                top: Box::new(Expr::pseudo(Pseudo::Region)),
                second: "Account".to_owned(),
            },
        )],
    );
    let principal = Expr::If {
        condition,
        then: Box::new(Expr::map([("AWS", account_root)])),
        otherwise: Box::new(Expr::map([("Service", Expr::str(LOG_DELIVERY_SERVICE))])),
    };
    let prefix = prefix.to_owned();
    let key_prefix = prefix.clone();
    let bucket = SecureBucket::add(t, ctx, name, move |arn| {
        let logs = Expr::join(
            "",
            [
                arn.clone(),
                Expr::str(format!("/{key_prefix}/AWSLogs/")),
                Expr::pseudo(Pseudo::AccountId),
                "/*".into(),
            ],
        );
        vec![Statement {
            sid: Some("ElbAccessLogDelivery".into()),
            principal: Some(Principal::Expr(principal)),
            ..Statement::allow(vec!["s3:PutObject".into()], vec![logs])
        }]
    })?;
    bucket.retain(t);
    Ok(AccessLogBucket { bucket, prefix })
}

/// A condition true in any of `regions`: `Fn::Or` takes 2 to 10 conditions, so longer lists nest.
fn in_any_region<'a>(regions: impl Iterator<Item = &'a str>) -> Expr {
    let equals: Vec<Expr> = regions
        .map(|r| Expr::Equals(Box::new(Expr::pseudo(Pseudo::Region)), Box::new(Expr::str(r))))
        .collect();
    let groups: Vec<Expr> = equals.chunks(10).map(|c| Expr::Or(c.to_vec())).collect();
    Expr::Or(groups)
}

impl AccessLogBucket {
    /// The load balancer attributes that turn access logs on into this bucket.
    pub fn load_balancer_attributes(&self) -> Vec<(String, Expr)> {
        vec![
            ("access_logs.s3.enabled".to_owned(), Expr::str("true")),
            ("access_logs.s3.bucket".to_owned(), Expr::r#ref(&self.bucket.id)),
            ("access_logs.s3.prefix".to_owned(), Expr::str(&self.prefix)),
        ]
    }

    /// The bucket policy, which must exist before the load balancer enables logging (Elastic Load
    /// Balancing checks that it may write).
    pub fn policy(&self) -> &LogicalId {
        &self.bucket.policy
    }
}
