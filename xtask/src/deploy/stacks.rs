//! Which of a blueprint's stacks a command acts on, and in what order.
//!
//! A single-region blueprint has one stack, deployed to the target's region. A multi-region blueprint
//! has one stack per region (`<stack>-<region>`), in the blueprint's region order: deploy goes in that
//! order, destroy in reverse. `--region R` narrows a command to the stack of region R; commands that
//! act on one function (`invoke`) need it for a multi-region blueprint. Pure: no AWS.

use anyhow::bail;

/// The order a command walks the stacks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// The blueprint's order (deploy, diff, publish, logs).
    Deploy,
    /// Reverse (destroy): a stack is deleted before those deployed ahead of it.
    Destroy,
}

/// The stacks `region` selects (all when `None`), in `order`. `shown` names the blueprint in errors.
pub(crate) fn select(
    stacks: Vec<synth::Artifact>,
    region: Option<&str>,
    order: Order,
    shown: &str,
) -> anyhow::Result<Vec<synth::Artifact>> {
    let mut chosen = match region {
        None => stacks,
        Some(wanted) => {
            if stacks.iter().all(|s| s.region.is_none()) {
                bail!(
                    "--region '{wanted}': {shown} is a single-region blueprint, deployed to the target's \
                     region (AWS_REGION or the profile's region on aws); --region picks a stack of a \
                     multi-region blueprint"
                );
            }
            let regions = regions(&stacks);
            let found: Vec<_> = stacks.into_iter().filter(|s| s.region.as_deref() == Some(wanted)).collect();
            if found.is_empty() {
                bail!(
                    "--region '{wanted}': {shown} has no stack there; expected one of: {}",
                    regions.join(", ")
                );
            }
            found
        }
    };
    if order == Order::Destroy {
        chosen.reverse();
    }
    Ok(chosen)
}

/// The one stack a command on a single function acts on: the blueprint's only stack, or for a
/// multi-region blueprint the one `--region` names.
pub(crate) fn one(
    stacks: Vec<synth::Artifact>,
    region: Option<&str>,
    shown: &str,
) -> anyhow::Result<synth::Artifact> {
    if region.is_none() && stacks.len() > 1 {
        bail!("{shown} has one stack per region: pass --region with one of: {}", regions(&stacks).join(", "));
    }
    let mut chosen = select(stacks, region, Order::Deploy, shown)?;
    match chosen.len() {
        1 => Ok(chosen.remove(0)),
        n => bail!("{shown}: expected one stack, found {n}"),
    }
}

/// The regions of a multi-region blueprint's stacks, in deploy order (empty for a single-region one).
pub(crate) fn regions(stacks: &[synth::Artifact]) -> Vec<String> {
    stacks.iter().filter_map(|s| s.region.clone()).collect()
}

/// The heading printed before a command's work on one stack of several, so each region's progress
/// and diff stand apart; `None` for a single stack (its output stays as it always was).
pub(crate) fn heading(
    verb: &str,
    artifact: &synth::Artifact,
    position: usize,
    count: usize,
) -> Option<String> {
    let region = artifact.region.as_deref()?;
    Some(format!("==> {verb} {} in region {region} ({} of {count})", artifact.stack, position + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(stack: &str, region: Option<&str>) -> synth::Artifact {
        synth::Artifact {
            stack: stack.into(),
            environments: Vec::new(),
            template: synth::cfn::Template::default(),
            files: Vec::new(),
            needs_s3: false,
            external: Vec::new(),
            region: region.map(str::to_owned),
        }
    }

    fn two() -> Vec<synth::Artifact> {
        vec![artifact("s-us-east-1", Some("us-east-1")), artifact("s-eu-west-1", Some("eu-west-1"))]
    }

    fn names(stacks: &[synth::Artifact]) -> Vec<&str> {
        stacks.iter().map(|s| s.stack.as_str()).collect()
    }

    #[test]
    fn deploy_follows_the_blueprints_region_order_and_destroy_reverses_it() {
        let deploy = select(two(), None, Order::Deploy, "bp.yaml").expect("all");
        assert_eq!(names(&deploy), ["s-us-east-1", "s-eu-west-1"]);
        let destroy = select(two(), None, Order::Destroy, "bp.yaml").expect("all");
        assert_eq!(names(&destroy), ["s-eu-west-1", "s-us-east-1"]);
    }

    #[test]
    fn a_region_selects_its_stack_and_an_unknown_one_lists_the_blueprints_regions() {
        let one_stack = select(two(), Some("eu-west-1"), Order::Destroy, "bp.yaml").expect("known");
        assert_eq!(names(&one_stack), ["s-eu-west-1"]);
        let err =
            select(two(), Some("ap-south-1"), Order::Deploy, "bp.yaml").expect_err("unknown").to_string();
        assert!(err.contains("'ap-south-1'") && err.contains("us-east-1, eu-west-1"), "{err}");
    }

    #[test]
    fn a_single_region_blueprint_is_unchanged_and_refuses_a_region() {
        let single = vec![artifact("s", None)];
        assert_eq!(names(&select(single.clone(), None, Order::Destroy, "bp.yaml").expect("all")), ["s"]);
        let err = select(single.clone(), Some("eu-west-1"), Order::Deploy, "bp.yaml").expect_err("region");
        assert!(err.to_string().contains("single-region"), "{err}");
        assert_eq!(one(single, None, "bp.yaml").expect("one").stack, "s");
    }

    #[test]
    fn one_function_of_a_multi_region_blueprint_needs_a_region() {
        let err = one(two(), None, "bp.yaml").expect_err("ambiguous").to_string();
        assert!(err.contains("--region") && err.contains("us-east-1, eu-west-1"), "{err}");
        assert_eq!(one(two(), Some("us-east-1"), "bp.yaml").expect("named").stack, "s-us-east-1");
    }

    #[test]
    fn headings_label_regional_stacks_only() {
        let stacks = two();
        assert_eq!(
            heading("deploy", &stacks[1], 1, 2).as_deref(),
            Some("==> deploy s-eu-west-1 in region eu-west-1 (2 of 2)")
        );
        assert_eq!(heading("deploy", &artifact("s", None), 0, 1), None);
    }
}
