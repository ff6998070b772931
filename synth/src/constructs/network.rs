//! A VPC with one public and one private subnet per zone, an internet gateway, NAT gateways and
//! VPC endpoints.
//!
//! Defaults: DNS support and hostnames on (needed for endpoint private DNS and for resolving internal
//! load balancer names), public subnets do not auto-assign public IPs (only NAT gateways live there),
//! private route tables are per zone so per-AZ NAT can be switched on without replacing them.

use crate::blueprint::{GatewayEndpoint, InterfaceEndpoint, NatMode};
use crate::cfn::resources::ec2;
use crate::cfn::{Expr, LogicalId, Pseudo, Template};
use crate::cidr::SubnetPlan;

use super::security_group::SecurityGroup;
use super::{BuildError, Ctx, id};

#[derive(Debug, Clone)]
pub struct NetworkProps<'a> {
    pub plan: &'a SubnetPlan,
    pub nat: NatMode,
    pub gateway_endpoints: &'a [GatewayEndpoint],
    pub interface_endpoints: &'a [InterfaceEndpoint],
}

/// The IDs of what [`build`] added.
#[derive(Debug, Clone)]
pub struct Network {
    pub vpc: LogicalId,
    pub private_subnets: Vec<LogicalId>,
    pub public_subnets: Vec<LogicalId>,
    pub private_route_tables: Vec<LogicalId>,
    /// The security group of the interface endpoints, if any; callers must be allowed in on 443.
    pub endpoint_security_group: Option<SecurityGroup>,
    pub has_nat: bool,
}

pub fn build(t: &mut Template, ctx: &Ctx, props: &NetworkProps<'_>) -> Result<Network, BuildError> {
    let vpc = id(&["Vpc"])?;
    t.add(
        &vpc,
        ec2::Vpc {
            cidr_block: Some(props.plan.vpc.to_string().into()),
            enable_dns_support: Some(true.into()),
            enable_dns_hostnames: Some(true.into()),
            tags: ctx.tags_named("vpc"),
            ..Default::default()
        },
    )?;

    let igw = id(&["InternetGateway"])?;
    t.add(&igw, ec2::InternetGateway { tags: ctx.tags_named("igw") })?;
    let attach = id(&["InternetGatewayAttachment"])?;
    t.add(
        &attach,
        ec2::VpcGatewayAttachment {
            vpc_id: Some(Expr::r#ref(&vpc)),
            internet_gateway_id: Some(Expr::r#ref(&igw)),
            ..Default::default()
        },
    )?;

    let public_rt = id(&["PublicRouteTable"])?;
    t.add(&public_rt, ec2::RouteTable { vpc_id: Some(Expr::r#ref(&vpc)), tags: ctx.tags_named("public") })?;
    let public_default = id(&["PublicDefaultRoute"])?;
    t.add(
        &public_default,
        ec2::Route {
            route_table_id: Some(Expr::r#ref(&public_rt)),
            destination_cidr_block: Some("0.0.0.0/0".into()),
            gateway_id: Some(Expr::r#ref(&igw)),
            ..Default::default()
        },
    )?
    // A route to an internet gateway fails until the gateway is attached to the VPC.
    .depends_on(&attach);

    let mut net = Network {
        vpc: vpc.clone(),
        private_subnets: Vec::new(),
        public_subnets: Vec::new(),
        private_route_tables: Vec::new(),
        endpoint_security_group: None,
        has_nat: props.nat != NatMode::None,
    };
    let mut nat_gateways = Vec::new();
    for (i, (private, public)) in props.plan.private.iter().zip(&props.plan.public).enumerate() {
        let az = u32::try_from(i).unwrap_or(u32::MAX);
        let n = (i + 1).to_string();
        let zone = format!("az{n}");

        let public_subnet = id(&["PublicSubnet", &n])?;
        t.add(
            &public_subnet,
            ec2::Subnet {
                vpc_id: Some(Expr::r#ref(&vpc)),
                cidr_block: Some(public.to_string().into()),
                availability_zone: Some(Expr::az(az)),
                map_public_ip_on_launch: Some(false.into()),
                tags: ctx.tags_named(&format!("public-{zone}")),
                ..Default::default()
            },
        )?;
        let assoc = id(&["PublicSubnet", &n, "RouteTableAssociation"])?;
        t.add(
            &assoc,
            ec2::SubnetRouteTableAssociation {
                subnet_id: Some(Expr::r#ref(&public_subnet)),
                route_table_id: Some(Expr::r#ref(&public_rt)),
            },
        )?;

        let private_subnet = id(&["PrivateSubnet", &n])?;
        t.add(
            &private_subnet,
            ec2::Subnet {
                vpc_id: Some(Expr::r#ref(&vpc)),
                cidr_block: Some(private.to_string().into()),
                availability_zone: Some(Expr::az(az)),
                map_public_ip_on_launch: Some(false.into()),
                tags: ctx.tags_named(&format!("private-{zone}")),
                ..Default::default()
            },
        )?;
        let private_rt = id(&["PrivateRouteTable", &n])?;
        t.add(
            &private_rt,
            ec2::RouteTable {
                vpc_id: Some(Expr::r#ref(&vpc)),
                tags: ctx.tags_named(&format!("private-{zone}")),
            },
        )?;
        let assoc = id(&["PrivateSubnet", &n, "RouteTableAssociation"])?;
        t.add(
            &assoc,
            ec2::SubnetRouteTableAssociation {
                subnet_id: Some(Expr::r#ref(&private_subnet)),
                route_table_id: Some(Expr::r#ref(&private_rt)),
            },
        )?;

        let wants_nat = match props.nat {
            NatMode::None => false,
            NatMode::Single => i == 0,
            NatMode::PerAz => true,
        };
        if wants_nat {
            let eip = id(&["NatEip", &n])?;
            t.add(
                &eip,
                ec2::Eip {
                    domain: Some("vpc".into()),
                    tags: ctx.tags_named(&format!("nat-{zone}")),
                    ..Default::default()
                },
            )?
            .depends_on(&attach);
            let nat = id(&["NatGateway", &n])?;
            t.add(
                &nat,
                ec2::NatGateway {
                    allocation_id: Some(Expr::get_att(&eip, "AllocationId")),
                    subnet_id: Some(Expr::r#ref(&public_subnet)),
                    tags: ctx.tags_named(&format!("nat-{zone}")),
                    ..Default::default()
                },
            )?;
            nat_gateways.push(nat);
        }
        if let Some(nat) = nat_gateways.last() {
            let route = id(&["PrivateDefaultRoute", &n])?;
            t.add(
                &route,
                ec2::Route {
                    route_table_id: Some(Expr::r#ref(&private_rt)),
                    destination_cidr_block: Some("0.0.0.0/0".into()),
                    nat_gateway_id: Some(Expr::r#ref(nat)),
                    ..Default::default()
                },
            )?;
        }
        net.public_subnets.push(public_subnet);
        net.private_subnets.push(private_subnet);
        net.private_route_tables.push(private_rt);
    }

    for gw in props.gateway_endpoints {
        let ep = id(&[gw.service(), "GatewayEndpoint"])?;
        t.add(
            &ep,
            ec2::VpcEndpoint {
                vpc_id: Some(Expr::r#ref(&vpc)),
                service_name: Some(service_name(gw.service())),
                vpc_endpoint_type: Some("Gateway".into()),
                route_table_ids: net.private_route_tables.iter().map(Expr::r#ref).collect(),
                ..Default::default()
            },
        )?;
    }

    if !props.interface_endpoints.is_empty() {
        let sg = SecurityGroup::add(
            t,
            ctx,
            "Endpoints",
            "VPC interface endpoints: HTTPS from the functions",
            Expr::r#ref(&vpc),
        )?;
        for ie in props.interface_endpoints {
            let ep = id(&[&ie.service().replace('.', "-"), "Endpoint"])?;
            t.add(
                &ep,
                ec2::VpcEndpoint {
                    vpc_id: Some(Expr::r#ref(&vpc)),
                    service_name: Some(service_name(ie.service())),
                    vpc_endpoint_type: Some("Interface".into()),
                    private_dns_enabled: Some(true.into()),
                    subnet_ids: net.private_subnets.iter().map(Expr::r#ref).collect(),
                    security_group_ids: vec![Expr::r#ref(&sg.id)],
                    ..Default::default()
                },
            )?;
        }
        net.endpoint_security_group = Some(sg);
    }
    Ok(net)
}

fn service_name(service: &str) -> Expr {
    Expr::Join {
        delimiter: String::new(),
        parts: vec!["com.amazonaws.".into(), Expr::pseudo(Pseudo::Region), format!(".{service}").into()],
    }
}
