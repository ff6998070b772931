//! A DynamoDB table for a function's state, written only with conditional writes.
//!
//! Defaults: one string hash key, on-demand billing, encryption at rest, point-in-time recovery.
//! Grants name the access pattern rather than a list of actions, so a function gets what its state
//! code does and no more (the runtime tests check its calls against the policy).

use crate::cfn::resources::dynamodb;
use crate::cfn::resources::iam::Statement;
use crate::cfn::{Expr, LogicalId, Template};

use super::function::Function;
use super::{BuildError, Ctx, id};

/// The table [`StateTable::add`] created.
#[derive(Debug, Clone)]
pub struct StateTable {
    pub id: LogicalId,
}

impl StateTable {
    /// Adds the table `<name>` keyed by the string attribute `key`.
    pub fn add(t: &mut Template, ctx: &Ctx, name: &str, key: &str) -> Result<StateTable, BuildError> {
        let table = id(&[name])?;
        t.add(
            &table,
            dynamodb::Table {
                attribute_definitions: vec![dynamodb::AttributeDefinition {
                    attribute_name: Some(key.into()),
                    attribute_type: Some("S".into()),
                }],
                key_schema: vec![dynamodb::KeySchema {
                    attribute_name: Some(key.into()),
                    key_type: Some("HASH".into()),
                }],
                billing_mode: Some("PAY_PER_REQUEST".into()),
                sse_specification: Some(dynamodb::SseSpecification {
                    sse_enabled: Some(true.into()),
                    ..Default::default()
                }),
                point_in_time_recovery_specification: Some(dynamodb::PointInTimeRecoverySpecification {
                    point_in_time_recovery_enabled: Some(true.into()),
                }),
                tags: ctx.tags(),
                ..Default::default()
            },
        )?;
        Ok(StateTable { id: table })
    }

    pub fn arn(&self) -> Expr {
        Expr::get_att(&self.id, "Arn")
    }

    /// The table's name, for a function's environment.
    pub fn name(&self) -> Expr {
        Expr::r#ref(&self.id)
    }

    /// Read an item and put it back conditionally (a version number per item).
    pub fn grant_versioned_items(&self, t: &mut Template, f: &Function) {
        f.grant(
            t,
            Statement::allow(vec!["dynamodb:GetItem".into(), "dynamodb:PutItem".into()], vec![self.arn()]),
        );
    }

    /// Gives the table an explicit physical name, for a table another stack (a peer region's)
    /// must find without waiting for this one's outputs.
    pub fn name_it(&self, t: &mut Template, name: &str) {
        if let Some(crate::cfn::ResourceProps::Table(table)) =
            t.resources.get_mut(&self.id).map(|r| &mut r.props)
        {
            table.table_name = Some(name.into());
        }
    }

    /// Turns on the table's stream with both images of each changed item.
    pub fn stream(&self, t: &mut Template) {
        if let Some(crate::cfn::ResourceProps::Table(table)) =
            t.resources.get_mut(&self.id).map(|r| &mut r.props)
        {
            table.stream_specification =
                Some(dynamodb::StreamSpecification { stream_view_type: Some("NEW_AND_OLD_IMAGES".into()) });
        }
    }

    /// The stream's ARN (after [`StateTable::stream`]).
    pub fn stream_arn(&self) -> Expr {
        Expr::get_att(&self.id, "StreamArn")
    }

    /// Items expire at the epoch seconds in `attribute` (DynamoDB deletes them within days).
    pub fn expire(&self, t: &mut Template, attribute: &str) {
        if let Some(crate::cfn::ResourceProps::Table(table)) =
            t.resources.get_mut(&self.id).map(|r| &mut r.props)
        {
            table.time_to_live_specification = Some(dynamodb::TimeToLiveSpecification {
                attribute_name: Some(attribute.into()),
                enabled: Some(true.into()),
            });
        }
    }

    /// Conditional updates of counters (an update expression with a condition; never a read).
    pub fn grant_counters(&self, t: &mut Template, f: &Function) {
        f.grant(t, Statement::allow(vec!["dynamodb:UpdateItem".into()], vec![self.arn()]));
    }

    /// Versioned items plus conditional updates and deletes (leases taken and returned, members that
    /// leave) and a scan of every item (the sweep).
    pub fn grant_leases(&self, t: &mut Template, f: &Function) {
        f.grant(
            t,
            Statement::allow(
                vec![
                    "dynamodb:GetItem".into(),
                    "dynamodb:PutItem".into(),
                    "dynamodb:UpdateItem".into(),
                    "dynamodb:DeleteItem".into(),
                    "dynamodb:Scan".into(),
                ],
                vec![self.arn()],
            ),
        );
    }
}
