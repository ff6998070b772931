//! One module per deployable system: each turns a validated blueprint into a template.

pub mod alb_static_ip;
pub mod appliance_asg;
pub mod private_lambda;

use crate::blueprint::{Flavour, System};
use crate::cfn::Template;
use crate::constructs::{BuildError, Ctx};
use crate::load::Loaded;

/// Builds the template for a loaded blueprint.
pub fn build(loaded: &Loaded) -> Result<Template, BuildError> {
    let bp = &loaded.blueprint;
    let mut tags = bp.tags.clone();
    tags.entry("blueprint".to_owned()).or_insert_with(|| bp.name.clone());
    if let Some(env) = &loaded.env {
        tags.entry("environment".to_owned()).or_insert_with(|| env.clone());
    }
    let sam = bp.output.flavour == Flavour::Sam;
    let ctx = Ctx { stack: loaded.stack_name(), tags, sam };
    let mut template = match &bp.system {
        System::PrivateLambda(pl) => private_lambda::build(&ctx, bp.description.as_deref(), pl),
        System::AlbStaticIp(s) => alb_static_ip::build(&ctx, bp.description.as_deref(), s),
        System::ApplianceAsg(a) => appliance_asg::build(&ctx, bp.description.as_deref(), a),
    }?;
    if sam {
        template.transform = Some(crate::cfn::SAM_TRANSFORM);
    }
    Ok(template)
}
