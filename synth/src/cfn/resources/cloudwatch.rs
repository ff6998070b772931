//! CloudWatch alarms.

use serde::Serialize;

use crate::cfn::{Expr, Tag};

/// A metric dimension.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dimension {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Expr>,
}

/// `AWS::CloudWatch::Alarm`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alarm {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm_description: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<Dimension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistic: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation_periods: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison_operator: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub treat_missing_data: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions_enabled: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alarm_actions: Vec<Expr>,
    #[serde(rename = "OKActions", skip_serializing_if = "Vec::is_empty")]
    pub ok_actions: Vec<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub insufficient_data_actions: Vec<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}
