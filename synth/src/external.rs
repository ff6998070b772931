//! Resources a blueprint refers to but does not own: an existing VPC, subnets, load balancers,
//! certificates.
//!
//! Deploying to AWS needs nothing from this list (they exist in the account). The local target
//! (`cargo xtask deploy --target local`) uses it to create stand-ins in the emulator, so a blueprint
//! written for a real account deploys unchanged. Each system lists its own (`systems/<name>/external.rs`).

use crate::blueprint::Blueprint;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum External {
    Vpc {
        id: String,
    },
    /// `index` is the subnet's position in the blueprint (stand-ins spread them over zones with it).
    Subnet {
        id: String,
        vpc_id: String,
        index: usize,
    },
    /// What the blueprint says of a subnet's zone: `subnet` is in `zone`. A stand-in is created
    /// there, so what a system keys by zone (interfaces per zone, say) finds its subnet locally as
    /// it does in the real account. Listed after the subnet itself.
    SubnetZone {
        subnet: String,
        zone: String,
    },
    /// An ACM certificate for `domain_name`, which a listener serves.
    Certificate {
        arn: String,
        domain_name: String,
    },
    /// An Application Load Balancer in `vpc_id`, with network interfaces in `subnets`.
    ApplicationLoadBalancer {
        arn: String,
        vpc_id: String,
        subnets: Vec<String>,
    },
    /// An ECS cluster, named by its ARN.
    EcsCluster {
        arn: String,
    },
    /// A Network Load Balancer, named by its ARN (a traffic mirror target).
    NetworkLoadBalancer {
        arn: String,
    },
    /// An existing Auto Scaling group, by name, in the stack's region (a multi-region blueprint
    /// lists one per regional stack).
    AutoScalingGroup {
        name: String,
    },
    /// An existing security group, by id, in the stack's region. The blueprint names no VPC for
    /// it: a stand-in may go in any VPC of that region.
    SecurityGroup {
        id: String,
    },
}

/// What `blueprint`'s stack in `region` (`None` for a single-stack blueprint) refers to outside
/// itself, in the order stand-ins must be created.
pub fn references(blueprint: &Blueprint, region: Option<&str>) -> Vec<External> {
    blueprint.system.kind().1.external(region)
}
