//! A multi-region blueprint as users run it: the `xtask` binary against the local target (the
//! emulator `cargo xtask ci` starts, through `AWS_ENDPOINT_URL`), one command for every regional
//! stack, each in its own region of the emulator.

#[allow(dead_code, reason = "each test file uses part of the shared support")]
mod support;

use support::{Run, fails, ok, root, sdk};

const BLUEPRINT: &str = "blueprints/sg-sync.yaml";
/// The blueprint's function, by its short name, and a sample event of it.
const FUNCTION: &str = "sync";
const EVENT: &str = "schedule";

async fn stack_status(region: &str, stack: &str) -> Option<String> {
    let cfn = aws_sdk_cloudformation::Client::new(&sdk(region).await);
    cfn.describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .ok()
        .and_then(|o| o.stacks().first().and_then(|s| s.stack_status()).map(|s| s.as_str().to_owned()))
}

/// The blueprint's stacks as synth renders them: (stack, region, external references), deploy order.
fn stacks() -> Vec<(String, String, Vec<synth::external::External>)> {
    let source = std::fs::read_to_string(root().join(BLUEPRINT)).expect("read the blueprint");
    let stacks = synth::synthesize(BLUEPRINT, &source, None).expect("synth");
    stacks.into_iter().map(|a| (a.stack, a.region.expect("a regional stack"), a.external)).collect()
}

/// Where `needle` first appears in `haystack`, or a failure naming both.
#[track_caller]
fn position(run: &Run, needle: &str) -> usize {
    run.stderr.find(needle).unwrap_or_else(|| panic!("no '{needle}' in {run:?}"))
}

#[tokio::test]
async fn a_multi_region_blueprint_deploys_diffs_invokes_and_destroys_every_region_in_one_command() {
    let stacks = stacks();
    assert!(stacks.len() >= 2, "the blueprint has one stack per region: {stacks:?}");
    let regions: Vec<&str> = stacks.iter().map(|(_, r, _)| r.as_str()).collect();
    let (first, last) = (&stacks[0], &stacks[stacks.len() - 1]);
    let _ = ok(&["destroy", BLUEPRINT, "--yes"]);

    // Choosing a stack: an unknown region, and invoke without one, name the blueprint's regions;
    // a single-region blueprint refuses --region. Nothing is deployed by any of them.
    let unknown = fails(&["deploy", BLUEPRINT, "--region", "ap-south-1", "--yes"]);
    assert!(unknown.stderr.contains(&regions.join(", ")), "{unknown:?}");
    let ambiguous = fails(&["invoke", BLUEPRINT, FUNCTION, "--event", EVENT]);
    assert!(
        ambiguous.stderr.contains("--region") && ambiguous.stderr.contains(&regions.join(", ")),
        "{ambiguous:?}"
    );
    let single = fails(&["deploy", "alb-static-ip", "--region", "eu-west-1", "--yes"]);
    assert!(single.stderr.contains("single-region"), "{single:?}");
    for (stack, region, _) in &stacks {
        assert_eq!(stack_status(region, stack).await, None, "nothing was deployed");
    }

    // One command deploys every regional stack, in the blueprint's order, each in its own region.
    let deployed = ok(&["deploy", BLUEPRINT, "--yes"]);
    let n = stacks.len();
    let headings: Vec<usize> = stacks
        .iter()
        .enumerate()
        .map(|(i, (stack, region, _))| {
            position(&deployed, &format!("==> deploy {stack} in region {region} ({} of {n})", i + 1))
        })
        .collect();
    assert!(headings.windows(2).all(|w| w[0] < w[1]), "regions in the blueprint's order: {deployed:?}");
    for (stack, region, _) in &stacks {
        assert!(deployed.stdout.contains(stack.as_str()), "a diff per region: {deployed:?}");
        assert!(
            deployed.stderr.contains(&format!("deploy: stack {stack} is CREATE_COMPLETE")),
            "{deployed:?}"
        );
        assert_eq!(stack_status(region, stack).await.as_deref(), Some("CREATE_COMPLETE"));
        // Regions are apart: no other region has this stack.
        for (_, other, _) in stacks.iter().filter(|(_, r, _)| r != region) {
            assert_eq!(stack_status(other, stack).await, None, "{stack} only in {region}");
        }
        // Each region's code comes from that region's asset bucket.
        assert!(
            deployed.stderr.contains(&format!("-{region}/{stack}/")),
            "code uploaded to the bucket of {region}: {deployed:?}"
        );
    }
    // The existing groups the blueprint names are real groups in their own regions, whose instances
    // have public addresses.
    for (_, region, external) in &stacks {
        let conf = sdk(region).await;
        let autoscaling = aws_sdk_autoscaling::Client::new(&conf);
        let ec2 = aws_sdk_ec2::Client::new(&conf);
        for group in external.iter().filter_map(|e| match e {
            synth::external::External::AutoScalingGroup { name } => Some(name),
            _ => None,
        }) {
            let found = autoscaling
                .describe_auto_scaling_groups()
                .auto_scaling_group_names(group)
                .send()
                .await
                .expect("describe groups");
            let instances: Vec<String> = found
                .auto_scaling_groups()
                .iter()
                .flat_map(|g| g.instances())
                .filter_map(|i| i.instance_id().map(str::to_owned))
                .collect();
            assert!(!instances.is_empty(), "stand-in group {group} in {region} runs an instance");
            let described =
                ec2.describe_instances().set_instance_ids(Some(instances)).send().await.expect("instances");
            assert!(
                described
                    .reservations()
                    .iter()
                    .flat_map(|r| r.instances())
                    .all(|i| i.public_ip_address().is_some()),
                "the stand-in group's instances in {region} have public addresses"
            );
        }
    }

    // Nothing changed: the diff says so for each region, and exits 0.
    let diff = ok(&["diff", BLUEPRINT]);
    for (stack, _, _) in &stacks {
        assert!(diff.stderr.contains(&format!("diff: no changes: stack {stack} is up to date")), "{diff:?}");
    }

    // The function runs in the region named, configured as that region's stack deployed it.
    let (_, region, _) = last;
    let invoked = ok(&["invoke", BLUEPRINT, FUNCTION, "--event", EVENT, "--region", region]);
    assert!(invoked.stderr.contains(&format!("in region {region}")), "{invoked:?}");
    assert!(
        invoked.stdout.contains("\"own_addresses\": 1"),
        "it finds the one public address of that region's stand-in group: {invoked:?}"
    );

    // Logs read every region's function, each line labelled with its region.
    let logs = ok(&["logs", BLUEPRINT]);
    for (_, region, _) in &stacks {
        assert!(logs.stderr.contains(&format!("logs: {region}/Sync (")), "{logs:?}");
    }

    // One region's stack alone: destroy it, then the next deploy brings back only that one.
    let (first_stack, first_region, _) = first;
    ok(&["destroy", BLUEPRINT, "--region", first_region, "--yes"]);
    assert_eq!(stack_status(first_region, first_stack).await, None);
    assert_eq!(
        stack_status(region, &last.0).await.as_deref(),
        Some("CREATE_COMPLETE"),
        "the other region stays"
    );
    let again = ok(&["deploy", BLUEPRINT, "--yes"]);
    assert!(again.stderr.contains(&format!("deploy: stack {first_stack} is CREATE_COMPLETE")), "{again:?}");
    assert!(
        again.stderr.contains(&format!("deploy: no changes: stack {} is up to date", last.0)),
        "{again:?}"
    );

    // Destroy removes every regional stack, in reverse order.
    let destroyed = ok(&["destroy", BLUEPRINT, "--yes"]);
    let order: Vec<usize> = stacks
        .iter()
        .rev()
        .enumerate()
        .map(|(i, (stack, region, _))| {
            position(&destroyed, &format!("==> destroy {stack} in region {region} ({} of {n})", i + 1))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "reverse order: {destroyed:?}");
    for (stack, region, _) in &stacks {
        assert_eq!(stack_status(region, stack).await, None, "{stack} is gone from {region}");
    }
}
