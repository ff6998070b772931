//! Deployable systems, one folder each, and the registry that dispatches a blueprint to its system.
//!
//! A system's folder holds everything about it: `blueprint.rs` (its part of the blueprint schema),
//! `rules.rs` (validation the schema cannot express), `build.rs` (the template, from constructs) and,
//! when the blueprint names resources outside the stack, `external.rs`. Its `mod.rs` implements
//! [`Kind`] by pointing at those. Adding a system is a new folder plus the three marked lines below
//! (see ARCHITECTURE.md, "Adding a system").

pub mod alb_static_ip;
pub mod appliance_asg;
pub mod fargate_mirror;
pub mod private_lambda;
#[cfg(test)]
mod scratch;
pub mod sg_sync;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::blueprint::Flavour;
use crate::cfn::Template;
use crate::constructs::{BuildError, Ctx, alarm_topic};
use crate::external::External;
use crate::load::Loaded;
use crate::rules::Problem;

/// The system a blueprint deploys, keyed by its kind.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub enum System {
    /// Private Lambda functions behind an internal Application Load Balancer in a VPC,
    /// called by a VPC-attached caller function.
    PrivateLambda(private_lambda::PrivateLambda),
    /// Static IP addresses for an Application Load Balancer: a Network Load Balancer in front of it.
    AlbStaticIp(alb_static_ip::AlbStaticIp),
    /// Firewall-style appliances in an Auto Scaling group, each instance given extra network
    /// interfaces, public addresses, a primary or secondary role and a licence by a lifecycle function.
    ApplianceAsg(appliance_asg::ApplianceAsg),
    /// Traffic mirroring for ECS Fargate tasks: every selected task's network interfaces get a VPC
    /// Traffic Mirror session to the stack's target, kept by a function on task events and a schedule.
    FargateMirror(fargate_mirror::FargateMirror),
    /// Security groups that admit the instances of Auto Scaling groups in several regions: one stack
    /// per region, each with a prefix list of every region's addresses kept by a function.
    SgSync(sg_sync::SgSync),
    /// A system that exists only in synth's own tests, to prove what adding one takes.
    #[cfg(test)]
    Scratch(scratch::Scratch),
}

/// What a system provides to the pipeline. Implemented by each system's blueprint type.
pub trait Kind {
    /// Semantic checks the schema cannot express; `base` is the system's path (`system.<kind>`).
    fn validate(&self, base: &str, out: &mut Vec<Problem>);
    /// The regions of a multi-region system, in deploy order: synth renders one stack per region
    /// (`<stack>-<region>`), each built with [`Ctx::region`] set. Empty (the default) for a system
    /// with one stack, deployed to whatever region the deploy target uses.
    fn regions(&self) -> Vec<String> {
        Vec::new()
    }
    /// The stack's template (the stack in `ctx.region`, for a multi-region system); `description` is
    /// the blueprint's, if it has one.
    fn build(&self, ctx: &Ctx, description: Option<&str>) -> Result<Template, BuildError>;
    /// What the blueprint's stack in `region` (`None` for a single-stack system) refers to outside
    /// itself, in the order stand-ins must be created.
    fn external(&self, region: Option<&str>) -> Vec<External> {
        let _ = region;
        Vec::new()
    }
}

impl System {
    /// The registry: each kind's name (its key in the blueprint) and its implementation.
    pub fn kind(&self) -> (&'static str, &dyn Kind) {
        match self {
            System::PrivateLambda(s) => ("private-lambda", s),
            System::AlbStaticIp(s) => ("alb-static-ip", s),
            System::ApplianceAsg(s) => ("appliance-asg", s),
            System::FargateMirror(s) => ("fargate-mirror", s),
            System::SgSync(s) => ("sg-sync", s),
            #[cfg(test)]
            System::Scratch(s) => ("scratch", s),
        }
    }
}

/// Builds the template of the stack named `stack` of a loaded blueprint, in `region` for a
/// multi-region system.
pub fn build(loaded: &Loaded, stack: &str, region: Option<&str>) -> Result<Template, BuildError> {
    let bp = &loaded.blueprint;
    let mut tags = bp.tags.clone();
    tags.entry("blueprint".to_owned()).or_insert_with(|| bp.name.clone());
    if let Some(env) = &loaded.env {
        tags.entry("environment".to_owned()).or_insert_with(|| env.clone());
    }
    let sam = bp.output.flavour == Flavour::Sam;
    let alarm_topic = alarm_topic::arn(&bp.notifications);
    let ctx = Ctx { stack: stack.to_owned(), region: region.map(str::to_owned), tags, sam, alarm_topic };
    let mut template = bp.system.kind().1.build(&ctx, bp.description.as_deref())?;
    alarm_topic::add(&mut template, &ctx, &bp.notifications)?;
    if sam {
        template.transform = Some(crate::cfn::SAM_TRANSFORM);
    }
    // A regional stack is linted for its own region wherever it is validated (`cargo xtask lint`,
    // ci, deploy): cfn-lint reads this from the template when no `--regions` is given.
    if let Some(region) = region {
        template
            .metadata
            .insert("cfn-lint".to_owned(), serde_json::json!({ "config": { "regions": [region] } }));
    }
    Ok(template)
}
