//! An EventBridge rule (an event pattern or a schedule) that invokes a function, with the invoke
//! permission scoped to the rule, and optionally a dead-letter queue and retry policy for events
//! EventBridge could not deliver.

use crate::cfn::resources::{events, lambda};
use crate::cfn::{Expr, LogicalId, Template};

use super::{BuildError, id};

/// What starts the rule.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// `rate(..)` or `cron(..)`.
    Schedule(String),
    /// Events matching this pattern on the default bus.
    Pattern(Expr),
}

/// A rule with one function target.
#[derive(Debug, Clone)]
pub struct EventRule {
    /// The rule's logical ID; its invoke permission is `<id>Permission`.
    pub id: LogicalId,
    pub description: String,
    pub trigger: Trigger,
    /// The target's ID within the rule.
    pub target_id: String,
    /// Events that cannot be delivered go to this SQS queue (its ARN) instead of being dropped. The
    /// queue's policy must let `events.amazonaws.com` send to it for this rule (`aws:SourceArn`); the
    /// model has no queue policy yet, so no system sets this.
    pub dead_letter_queue: Option<Expr>,
    /// `(maximum event age in seconds, maximum retry attempts)`; EventBridge's default is a day
    /// and 185 attempts.
    pub retry: Option<(u32, u32)>,
}

impl EventRule {
    /// Adds the rule, targeting `function_arn`, and the permission letting this rule invoke it.
    pub fn invoke(&self, t: &mut Template, function_arn: Expr) -> Result<LogicalId, BuildError> {
        let (schedule_expression, event_pattern) = match &self.trigger {
            Trigger::Schedule(s) => (Some(s.as_str().into()), None),
            Trigger::Pattern(p) => (None, Some(p.clone())),
        };
        t.add(
            &self.id,
            events::Rule {
                description: Some(self.description.as_str().into()),
                schedule_expression,
                event_pattern,
                state: Some("ENABLED".into()),
                targets: vec![events::Target {
                    id: Some(self.target_id.as_str().into()),
                    arn: Some(function_arn.clone()),
                    dead_letter_config: self
                        .dead_letter_queue
                        .clone()
                        .map(|arn| events::DeadLetterConfig { arn: Some(arn) }),
                    retry_policy: self.retry.map(|(age, attempts)| events::RetryPolicy {
                        maximum_event_age_in_seconds: Some(age.into()),
                        maximum_retry_attempts: Some(attempts.into()),
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            },
        )?;
        t.add(
            &id(&[self.id.as_str(), "Permission"])?,
            lambda::Permission {
                action: Some("lambda:InvokeFunction".into()),
                function_name: Some(function_arn),
                principal: Some("events.amazonaws.com".into()),
                source_arn: Some(Expr::get_att(&self.id, "Arn")),
                ..Default::default()
            },
        )?;
        Ok(self.id.clone())
    }
}
