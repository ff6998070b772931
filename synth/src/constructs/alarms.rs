//! CloudWatch alarms on a function: its errors, its dead letters, and the embedded-format metrics it
//! emits. Every alarm notifies the same actions on ALARM and on OK.
//!
//! Logical IDs are `<function name><what>Alarm` (`SyncErrorsAlarm`, `LifecycleDeadLettersAlarm`),
//! or the name given for a metric alarm.

use crate::cfn::resources::cloudwatch;
use crate::cfn::{Expr, LogicalId, Template};

use super::function::Function;
use super::{BuildError, Ctx, id};

/// How many one-minute periods an alarm looks at, and how many must breach.
#[derive(Debug, Clone, Copy)]
pub struct Evaluation {
    pub periods: u32,
    /// `None`: every period must breach.
    pub datapoints: Option<u32>,
}

/// What a group of alarms shares.
#[derive(Debug, Clone)]
pub struct Alarms {
    /// Notified on ALARM and on OK (SNS topic ARNs).
    pub actions: Vec<Expr>,
    pub evaluation: Evaluation,
}

/// A metric and the one dimension that selects it.
#[derive(Debug, Clone)]
pub struct Metric<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub dimension: (&'a str, Expr),
    pub statistic: &'a str,
}

impl Alarms {
    /// Alarms that notify the stack's alarm topic.
    pub fn new(ctx: &Ctx, evaluation: Evaluation) -> Alarms {
        Alarms { actions: vec![ctx.alarm_topic.clone()], evaluation }
    }

    /// Alarms when the function reports any error in the evaluated periods.
    pub fn errors(&self, t: &mut Template, f: &Function, description: &str) -> Result<LogicalId, BuildError> {
        let metric = Metric {
            namespace: "AWS/Lambda",
            name: "Errors",
            dimension: ("FunctionName", Expr::r#ref(&f.id)),
            statistic: "Sum",
        };
        self.metric(t, &format!("{}Errors", f.name), &metric, description)
    }

    /// Alarms when the function's dead-letter queue holds a message; nothing without a queue.
    pub fn dead_letters(
        &self,
        t: &mut Template,
        f: &Function,
        description: &str,
    ) -> Result<Option<LogicalId>, BuildError> {
        let Some(dlq) = &f.dead_letter_queue else { return Ok(None) };
        let metric = Metric {
            namespace: "AWS/SQS",
            name: "ApproximateNumberOfMessagesVisible",
            dimension: ("QueueName", Expr::get_att(dlq, "QueueName")),
            statistic: "Maximum",
        };
        self.metric(t, &format!("{}DeadLetters", f.name), &metric, description).map(Some)
    }

    /// Alarms `<name>Alarm` when `metric` (for example one a function emits in embedded metric format)
    /// is above zero.
    pub fn metric(
        &self,
        t: &mut Template,
        name: &str,
        metric: &Metric<'_>,
        description: &str,
    ) -> Result<LogicalId, BuildError> {
        let alarm = id(&[name, "Alarm"])?;
        t.add(
            &alarm,
            cloudwatch::Alarm {
                alarm_description: Some(description.into()),
                namespace: Some(metric.namespace.into()),
                metric_name: Some(metric.name.into()),
                dimensions: vec![cloudwatch::Dimension {
                    name: Some(metric.dimension.0.into()),
                    value: Some(metric.dimension.1.clone()),
                }],
                statistic: Some(metric.statistic.into()),
                period: Some(60.into()),
                evaluation_periods: Some(self.evaluation.periods.into()),
                datapoints_to_alarm: self.evaluation.datapoints.map(Into::into),
                threshold: Some(0.into()),
                comparison_operator: Some("GreaterThanThreshold".into()),
                treat_missing_data: Some("notBreaching".into()),
                alarm_actions: self.actions.clone(),
                ok_actions: self.actions.clone(),
                ..Default::default()
            },
        )?;
        Ok(alarm)
    }
}
