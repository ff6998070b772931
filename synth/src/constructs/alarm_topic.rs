//! The SNS topic every alarm of a stack notifies: the blueprint's existing topic, or one the stack
//! creates with the blueprint's e-mail subscriptions.
//!
//! A created topic is encrypted with a customer-managed KMS key (rotated yearly) rather than the AWS
//! managed `alias/aws/sns`: that key's policy cannot be changed and does not let CloudWatch use it, so
//! alarms could not publish to the topic. The key policy lets the account administer the key and
//! CloudWatch use it only for this stack's alarms.

use std::collections::BTreeMap;

use crate::blueprint::Notifications;
use crate::cfn::resources::iam::{Effect, PolicyDocument, Principal, Statement};
use crate::cfn::resources::{kms, sns};
use crate::cfn::{Expr, LogicalId, Pseudo, Template};

use super::{BuildError, Ctx, id, output};

/// The logical ID of a created topic.
pub const TOPIC: &str = "AlarmTopic";

/// The ARN alarms notify: the blueprint's topic, or a `Ref` to the one [`add`] creates.
pub fn arn(n: &Notifications) -> Expr {
    match &n.topic_arn {
        Some(arn) => Expr::str(arn),
        None => LogicalId::new(TOPIC).map(|id| Expr::r#ref(&id)).unwrap_or_else(|_| Expr::str(TOPIC)),
    }
}

/// Adds the topic and its key, unless the blueprint names an existing topic.
pub fn add(t: &mut Template, ctx: &Ctx, n: &Notifications) -> Result<(), BuildError> {
    if n.topic_arn.is_some() {
        return Ok(());
    }
    let key = id(&[TOPIC, "Key"])?;
    let account_root = Expr::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root");
    let administer = Statement {
        sid: Some("AccountAdministersTheKey".into()),
        principal: Some(Principal::Aws(vec![account_root])),
        ..Statement::allow(vec!["kms:*".into()], vec![Expr::str("*")])
    };
    let mut cloudwatch = Statement {
        sid: Some("StackAlarmsPublishToTheTopic".into()),
        effect: Effect::Allow,
        principal: Some(Principal::Service(vec!["cloudwatch.amazonaws.com".into()])),
        ..Statement::allow(vec!["kms:Decrypt".into(), "kms:GenerateDataKey*".into()], vec![Expr::str("*")])
    };
    // CloudFormation names alarms `<stack>-<logical ID>-<suffix>`.
    cloudwatch.condition = BTreeMap::from([
        (
            "StringEquals".to_owned(),
            BTreeMap::from([("aws:SourceAccount".to_owned(), Expr::pseudo(Pseudo::AccountId))]),
        ),
        (
            "ArnLike".to_owned(),
            BTreeMap::from([(
                "aws:SourceArn".to_owned(),
                Expr::arn("cloudwatch", "alarm:${AWS::StackName}-*"),
            )]),
        ),
    ]);
    t.add(
        &key,
        kms::Key {
            description: Some(format!("{}: encrypts the alarm notification topic", ctx.stack).into()),
            enable_key_rotation: Some(true.into()),
            key_policy: Some(PolicyDocument::new(vec![administer, cloudwatch])),
            tags: ctx.tags(),
            ..Default::default()
        },
    )?;
    let topic = id(&[TOPIC])?;
    t.add(
        &topic,
        sns::Topic {
            display_name: Some(format!("{} alarms", ctx.stack).into()),
            kms_master_key_id: Some(Expr::r#ref(&key)),
            subscription: n
                .emails
                .iter()
                .map(|e| sns::Subscription { endpoint: Some(e.into()), protocol: Some("email".into()) })
                .collect(),
            tags: ctx.tags(),
            ..Default::default()
        },
    )?;
    output(t, "AlarmTopicArn", "SNS topic the alarms notify on ALARM and OK", Expr::r#ref(&topic))
}
