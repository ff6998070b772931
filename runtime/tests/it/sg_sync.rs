//! The security-group sync function in two regions of one emulator: real Auto Scaling groups whose
//! instances wait in `Pending:Wait`/`Terminating:Wait` for their actions (the `autoscaling_lifecycle`
//! plugin), lifecycle events as EventBridge delivers them (real tokens), prefix lists checked as AWS
//! checks them (`ec2_prefix_lists`), a region that is down (`fault_injection`, a rule for every call
//! signed for it), and every call checked against the synthesized policy of its region.
//!
//! Each region's function runs in-process; what the deployed stack wires (the table's stream to the
//! function) is done by the test: [`Pair::stream`] runs a region's function on a stream record of its
//! table, as the event source mapping would after a peer's copy arrived.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde_json::json;

use crate::support::sg_sync::{Region, pair};
use crate::support::{faults, iam};

/// Every call the function made is allowed by the policy synth renders for this region's stack;
/// no call touches a security group.
fn assert_policy(r: &Region) {
    let recorded = r.rec.actions();
    assert!(recorded.iter().all(|a| !a.contains("SecurityGroup")), "{recorded:?}");
    iam::assert_allowed(&recorded, &allowed(r.first));
}

/// What the synthesized policy of the blueprint's stack allows the function's role: the test's
/// first region stands for the blueprint's first, the second for its second.
fn allowed(first: bool) -> BTreeSet<String> {
    let region = if first { "us-east-1" } else { "eu-west-1" };
    iam::allowed_actions_in("blueprints/sg-sync.yaml", None, "SyncRole", region)
}

#[tokio::test]
async fn a_launch_lands_in_both_regions_prefix_lists() {
    let p = pair("us-east-2", "eu-central-1").await;
    let [i] = <[String; 1]>::try_from(p.a.scale_out(1).await).expect("one");
    let cidr = p.a.cidr(&i).await;
    let started = Instant::now();
    let r = p.a.launch(&i).await.expect("launch");
    assert_eq!(r.completed, Some(true));
    assert_eq!((r.version, r.wrote, r.copied.clone()), (Some(1), true, vec![p.b.name.to_owned()]));
    assert_eq!(p.a.members().await[&i], "InService");
    assert_eq!(p.a.entries().await, BTreeMap::from([(cidr.clone(), format!("{} {i}", p.a.name))]));
    assert_eq!(p.a.table().await[p.a.name], (1, BTreeSet::from([cidr.clone()])));
    assert_eq!(p.b.table().await[p.a.name], (1, BTreeSet::from([cidr.clone()])), "the copy");
    assert!(p.b.cidrs().await.is_empty(), "the other region's list changes when its function runs");
    let s = p.b.stream().await.expect("stream");
    assert_eq!(s.added, vec![cidr.clone()]);
    println!("sg-sync: second region converged {} ms after the launch event", started.elapsed().as_millis());
    assert_eq!(p.b.entries().await, BTreeMap::from([(cidr.clone(), format!("{} {i}", p.a.name))]));
    assert!(!p.b.table().await.contains_key(p.b.name), "a stream run never writes the own item");
    // A redelivered event changes nothing.
    p.a.rec.clear();
    let again = p.a.launch(&i).await.expect("redelivered");
    assert_eq!(
        (again.completed, again.wrote, again.added.len(), again.copied.len()),
        (Some(false), false, 0, 0)
    );
    for r in [&p.a, &p.b] {
        r.assert_rules_intact().await;
        assert_policy(r);
    }
}

#[tokio::test]
async fn a_terminate_removes_exactly_that_address_everywhere() {
    let p = pair("us-east-2", "eu-central-1").await;
    let a = p.a.scale_out(2).await;
    let b = p.b.scale_out(1).await;
    for i in &a {
        p.a.launch(i).await.expect("launch a");
    }
    p.b.launch(&b[0]).await.expect("launch b");
    p.a.stream().await.expect("a stream");
    p.b.stream().await.expect("b stream");
    let everything = p.a.cidrs().await;
    assert_eq!(everything.len(), 3);
    assert_eq!(p.b.cidrs().await, everything);

    let gone = p.a.cidr(&a[0]).await;
    p.a.scale_in(&a[0]).await;
    let r = p.a.terminate(&a[0]).await.expect("terminate");
    assert_eq!((r.completed, r.removed.clone()), (Some(true), vec![gone.clone()]));
    assert!(r.added.is_empty());
    let state = p.a.members().await.get(&a[0]).cloned();
    assert_ne!(state.as_deref(), Some("Terminating:Wait"), "the action completed");
    let mut rest = everything.clone();
    rest.remove(&gone);
    assert_eq!(p.a.cidrs().await, rest);
    let s = p.b.stream().await.expect("b stream");
    assert_eq!((s.removed.clone(), s.added.len()), (vec![gone], 0));
    assert_eq!(p.b.cidrs().await, rest);
    for r in [&p.a, &p.b] {
        r.assert_rules_intact().await;
        assert_policy(r);
    }
}

#[tokio::test]
async fn an_operator_rule_survives_every_run() {
    let p = pair("us-east-2", "eu-central-1").await;
    let [i] = <[String; 1]>::try_from(p.a.scale_out(1).await).expect("one");
    p.a.launch(&i).await.expect("launch");
    p.a.assert_rules_intact().await;
    p.b.stream().await.expect("stream");
    p.b.true_up().await.expect("true-up b");
    p.a.true_up().await.expect("true-up a");
    p.a.scale_in(&i).await;
    p.a.terminate(&i).await.expect("terminate");
    p.b.stream().await.expect("stream");
    for r in [&p.a, &p.b] {
        r.assert_rules_intact().await;
        assert!(r.cidrs().await.is_empty());
        assert_policy(r);
    }
}

#[tokio::test]
async fn the_other_region_down_delays_nothing_local_and_converges_after_it_returns() {
    // Regions of its own: the fault rule fails every call signed for the peer region.
    let p = pair("eu-west-2", "ap-south-1").await;
    let [i] = <[String; 1]>::try_from(p.a.scale_out(1).await).expect("one");
    let cidr = p.a.cidr(&i).await;
    let down = faults::inject_rule(&json!({"region": p.b.name, "status": 503, "code": "ServiceUnavailable",
        "message": "region down", "count": null}));
    let started = Instant::now();
    let err = p.a.launch(&i).await.expect_err("the copy fails");
    assert_eq!(err.error_type(), "PeerCopyFailed", "{err}");
    assert!(err.to_string().contains(p.b.name), "{err}");
    // Local work is done and stays done: list, table, action.
    assert_eq!(p.a.members().await[&i], "InService");
    assert_eq!(p.a.cidrs().await, BTreeSet::from([cidr.clone()]));
    assert_eq!(p.a.table().await[p.a.name], (1, BTreeSet::from([cidr.clone()])));
    // Lambda's retry of the event while the region is still down: the same error, nothing undone.
    let again = p.a.launch(&i).await.expect_err("still down");
    assert_eq!(again.error_type(), "PeerCopyFailed");
    assert_eq!(p.a.cidrs().await, BTreeSet::from([cidr.clone()]));

    faults::remove(down);
    // The next retry (or the schedule) copies; the peer's stream recomputes its list.
    let r = p.a.launch(&i).await.expect("retry after the region returned");
    assert_eq!((r.completed, r.copied.clone()), (Some(false), vec![p.b.name.to_owned()]));
    assert_eq!(p.b.table().await[p.a.name], (1, BTreeSet::from([cidr.clone()])));
    p.b.stream().await.expect("stream");
    println!(
        "sg-sync: second region converged {} ms after the launch event (region down, then back)",
        started.elapsed().as_millis()
    );
    assert_eq!(p.b.cidrs().await, BTreeSet::from([cidr]));
    assert_policy(&p.a);
    assert_policy(&p.b);
}

#[tokio::test]
async fn true_up_repairs_an_out_of_band_change_without_a_lifecycle_call() {
    let p = pair("us-east-2", "eu-central-1").await;
    let [i] = <[String; 1]>::try_from(p.a.scale_out(1).await).expect("one");
    p.a.launch(&i).await.expect("launch");
    let ours = p.a.cidr(&i).await;
    // Out of band: someone edits the list, and an instance launches whose event never arrives.
    let version =
        p.a.test
            .ec2
            .describe_managed_prefix_lists()
            .prefix_list_ids(&p.a.config.prefix_list)
            .send()
            .await
            .expect("describe")
            .prefix_lists()[0]
            .version()
            .expect("version");
    p.a.test
        .ec2
        .modify_managed_prefix_list()
        .prefix_list_id(&p.a.config.prefix_list)
        .current_version(version)
        .remove_entries(aws_sdk_ec2::types::RemovePrefixListEntry::builder().cidr(&ours).build())
        .add_entries(aws_sdk_ec2::types::AddPrefixListEntry::builder().cidr("198.51.100.7/32").build())
        .send()
        .await
        .expect("out-of-band edit");
    let [unseen] = <[String; 1]>::try_from(p.a.scale_out(1).await).expect("one");
    let unseen_cidr = p.a.cidr(&unseen).await;
    p.a.rec.clear();
    let r = p.a.true_up().await.expect("true-up");
    assert_eq!(r.completed, None);
    assert_eq!(r.removed, vec!["198.51.100.7/32".to_owned()]);
    let expected = BTreeSet::from([ours, unseen_cidr]);
    assert_eq!(p.a.cidrs().await, expected);
    assert!(
        !p.a.rec.actions().iter().any(|a| a == "autoscaling:CompleteLifecycleAction"),
        "a true-up never completes an action"
    );
    assert_eq!(p.a.members().await[&unseen], "Pending:Wait");
    p.b.stream().await.expect("stream");
    assert_eq!(p.b.cidrs().await, expected);
    assert_policy(&p.a);
    assert_policy(&p.b);
}

#[tokio::test]
async fn ten_concurrent_launches_across_both_regions_lose_nothing() {
    let p = std::sync::Arc::new(pair("us-east-2", "eu-central-1").await);
    let a = p.a.scale_out(5).await;
    let b = p.b.scale_out(5).await;
    let mut cidrs = BTreeSet::new();
    for i in &a {
        cidrs.insert(p.a.cidr(i).await);
    }
    for i in &b {
        cidrs.insert(p.b.cidr(i).await);
    }
    assert_eq!(cidrs.len(), 10);
    let mut runs = tokio::task::JoinSet::new();
    for (side, i) in a.iter().map(|i| (true, i.clone())).chain(b.iter().map(|i| (false, i.clone()))) {
        let p = p.clone();
        runs.spawn(async move {
            let r = if side { &p.a } else { &p.b };
            let out = r.launch(&i).await;
            // Each copy arriving runs the other region's function, concurrently with everything else.
            let other = if side { &p.b } else { &p.a };
            (out, other.stream().await)
        });
    }
    while let Some(done) = runs.join_next().await {
        let (launch, stream) = done.expect("join");
        assert_eq!(launch.expect("launch").completed, Some(true));
        stream.expect("stream");
    }
    // The last stream run of each region may have read the table before the last copy landed;
    // the deployed mapping runs once more for that copy, as here.
    p.a.stream().await.expect("stream a");
    p.b.stream().await.expect("stream b");
    assert_eq!(p.a.cidrs().await, cidrs);
    assert_eq!(p.b.cidrs().await, cidrs);
    for r in [&p.a, &p.b] {
        assert!(r.members().await.values().all(|s| s == "InService"));
        let table = r.table().await;
        assert_eq!(table.values().map(|(_, c)| c.len()).sum::<usize>(), 10, "{table:?}");
        assert_policy(r);
    }
}

#[tokio::test]
async fn a_malformed_event_changes_nothing() {
    let p = pair("us-east-2", "eu-central-1").await;
    let [i] = <[String; 1]>::try_from(p.a.scale_out(1).await).expect("one");
    let good = p.a.event("launch", &i);
    let mut other_group = good.clone();
    other_group["detail"]["AutoScalingGroupName"] = json!("someone-else");
    let mut other_hook = good.clone();
    other_hook["detail"]["LifecycleHookName"] = json!(p.a.config.hooks.terminate);
    let mut no_token = good.clone();
    no_token["detail"].as_object_mut().expect("detail").remove("LifecycleActionToken");
    let mut not_an_instance = good.clone();
    not_an_instance["detail"]["EC2InstanceId"] = json!("../etc");
    for event in [
        other_group,
        other_hook,
        no_token,
        not_an_instance,
        json!({"Records": [{"eventSource": "aws:dynamodb", "eventSourceARN": "arn:aws:dynamodb:x:1:table/other/stream/1"}]}),
        json!("launch"),
        json!({}),
    ] {
        let err = p.a.handle(event.clone()).await.expect_err("refused");
        assert_eq!(err.error_type(), "NonRetryable", "{event}: {err}");
    }
    assert_eq!(p.a.rec.calls(), 0, "no AWS call at all: {:?}", p.a.rec.actions());
    assert!(p.a.cidrs().await.is_empty());
    assert!(p.a.table().await.is_empty());
    assert_eq!(p.a.members().await[&i], "Pending:Wait");
}

#[tokio::test]
async fn more_addresses_than_a_region_may_contribute_fail_before_any_change() {
    let mut p = pair("us-east-2", "eu-central-1").await;
    p.a.config.max_per_region = 1;
    let [i, j] = <[String; 2]>::try_from(p.a.scale_out(2).await).expect("two");
    let err = p.a.launch(&i).await.expect_err("over capacity");
    assert_eq!(err.error_type(), "OverCapacity", "{err}");
    assert!(err.to_string().contains("has 2 addresses, more than the 1"), "{err}");
    assert!(p.a.cidrs().await.is_empty());
    assert!(p.a.table().await.is_empty());
    assert!(p.b.table().await.is_empty());
    // Not completed: the launch hook's default result (ABANDON) decides once Lambda's retries fail.
    assert_eq!(p.a.members().await[&i], "Pending:Wait");
    assert_eq!(p.a.members().await[&j], "Pending:Wait");
    let writes: Vec<String> =
        p.a.rec
            .actions()
            .into_iter()
            .filter(|a| a.contains("PutItem") || a.contains("Modify") || a.contains("Complete"))
            .collect();
    assert!(writes.is_empty(), "{writes:?}");
}
