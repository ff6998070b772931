//! Security groups that start closed in both directions and open only the flows asked for.
//!
//! CloudFormation gives a new group an allow-all egress rule unless `SecurityGroupEgress` is set; we set
//! it to a single rule that matches nothing (ICMP type 252 to 255.255.255.255/32, the approach CDK uses
//! for `allowAllOutbound: false`), then add each allowed flow as its own resource. Separate
//! ingress/egress resources also break the cycle two groups referencing each other would create.

use crate::cfn::resources::ec2;
use crate::cfn::{Expr, LogicalId, Template};

use super::{BuildError, Ctx, id};

/// A security group added to a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityGroup {
    pub id: LogicalId,
    /// The blueprint-level name, used to derive rule IDs.
    pub name: String,
}

impl SecurityGroup {
    /// Adds a closed group in `vpc` (a `Ref` of the stack's VPC, or the ID of an existing one).
    pub fn add(
        t: &mut Template,
        ctx: &Ctx,
        name: &str,
        description: &str,
        vpc: Expr,
    ) -> Result<SecurityGroup, BuildError> {
        let sg = id(&[name, "SecurityGroup"])?;
        t.add(
            &sg,
            ec2::SecurityGroup {
                group_description: Some(description.into()),
                vpc_id: Some(vpc),
                security_group_egress: vec![ec2::Egress {
                    ip_protocol: Some("icmp".into()),
                    from_port: Some(252.into()),
                    to_port: Some(86.into()),
                    cidr_ip: Some("255.255.255.255/32".into()),
                    description: Some("Disallow all traffic (replaces the default allow-all egress)".into()),
                    ..Default::default()
                }],
                tags: ctx.tags_named(&name.to_ascii_lowercase()),
                ..Default::default()
            },
        )?;
        Ok(SecurityGroup { id: sg, name: name.to_owned() })
    }

    /// Lets `from` open TCP connections to this group on `port`: an ingress rule here and an egress rule there.
    pub fn allow_from(
        &self,
        t: &mut Template,
        from: &SecurityGroup,
        port: u16,
        description: &str,
    ) -> Result<(), BuildError> {
        let p = port.to_string();
        let ingress = id(&[&self.name, "From", &from.name, &p])?;
        t.add(
            &ingress,
            ec2::SecurityGroupIngress {
                group_id: Some(Expr::get_att(&self.id, "GroupId")),
                ip_protocol: Some("tcp".into()),
                from_port: Some(port.into()),
                to_port: Some(port.into()),
                source_security_group_id: Some(Expr::get_att(&from.id, "GroupId")),
                description: Some(description.into()),
                ..Default::default()
            },
        )?;
        let egress = id(&[&from.name, "To", &self.name, &p])?;
        t.add(
            &egress,
            ec2::SecurityGroupEgress {
                group_id: Some(Expr::get_att(&from.id, "GroupId")),
                ip_protocol: Some("tcp".into()),
                from_port: Some(port.into()),
                to_port: Some(port.into()),
                destination_security_group_id: Some(Expr::get_att(&self.id, "GroupId")),
                description: Some(description.into()),
                ..Default::default()
            },
        )?;
        Ok(())
    }

    /// Lets this group open TCP connections to any address on `port` (through a NAT gateway).
    pub fn allow_egress_anywhere(
        &self,
        t: &mut Template,
        port: u16,
        description: &str,
    ) -> Result<(), BuildError> {
        let egress = id(&[&self.name, "ToAnywhere", &port.to_string()])?;
        t.add(
            &egress,
            ec2::SecurityGroupEgress {
                group_id: Some(Expr::get_att(&self.id, "GroupId")),
                ip_protocol: Some("tcp".into()),
                from_port: Some(port.into()),
                to_port: Some(port.into()),
                cidr_ip: Some("0.0.0.0/0".into()),
                description: Some(description.into()),
                ..Default::default()
            },
        )?;
        Ok(())
    }
}
