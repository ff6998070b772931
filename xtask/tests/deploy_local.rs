//! The deploy flow as users run it: the `xtask` binary against the local target (the emulator that
//! `cargo xtask ci` starts, through `AWS_ENDPOINT_URL`), from deploy to destroy.
//!
//! Each test owns one stack and runs its steps in order; the two tests share the emulator and the
//! asset bucket, as two users' stacks would.

use std::process::{Command, Stdio};

#[allow(dead_code, reason = "each test file uses part of the shared support")]
mod support;

use support::{emulator, ok, root, xtask};

/// The region of the single-region stacks these tests deploy (the local target's default).
const REGION: &str = "us-east-1";

async fn sdk() -> aws_config::SdkConfig {
    support::sdk(REGION).await
}

async fn stack_status(stack: &str) -> Option<String> {
    let cfn = aws_sdk_cloudformation::Client::new(&sdk().await);
    cfn.describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .ok()
        .and_then(|o| o.stacks().first().and_then(|s| s.stack_status()).map(|s| s.as_str().to_owned()))
}

/// A target group with the name the stack's will take: the stack's create fails on it, as in AWS.
async fn squat_target_group(name: &str) -> String {
    use aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum;
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk().await);
    // Left over from an interrupted run: reuse it.
    if let Ok(found) = elb.describe_target_groups().names(name).send().await
        && let Some(arn) = found.target_groups().first().and_then(|g| g.target_group_arn())
    {
        return arn.to_owned();
    }
    let out = elb
        .create_target_group()
        .name(name)
        .target_type(TargetTypeEnum::Lambda)
        .send()
        .await
        .expect("create");
    out.target_groups()[0].target_group_arn().expect("arn").to_owned()
}

async fn delete_target_group(arn: &str) {
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk().await);
    elb.delete_target_group().target_group_arn(arn).send().await.expect("delete");
}

/// An interface like the ones Lambda creates for a VPC function, in the stack's subnet and group.
async fn lambda_interface(stack: &str, subnet: &str, group: &str) -> String {
    let conf = sdk().await;
    let cfn = aws_sdk_cloudformation::Client::new(&conf);
    let physical = |id: &str| {
        let cfn = cfn.clone();
        let id = id.to_owned();
        async move {
            cfn.describe_stack_resource()
                .stack_name(stack)
                .logical_resource_id(&id)
                .send()
                .await
                .expect("resource")
                .stack_resource_detail()
                .and_then(|d| d.physical_resource_id())
                .expect("physical id")
                .to_owned()
        }
    };
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let out = ec2
        .create_network_interface()
        .subnet_id(physical(subnet).await)
        .groups(physical(group).await)
        .description("AWS Lambda VPC ENI-private-lambda-CallerFunction-0123456789ab")
        .send()
        .await
        .expect("create interface");
    out.network_interface().and_then(|n| n.network_interface_id()).expect("id").to_owned()
}

#[tokio::test]
async fn private_lambda_fails_clearly_then_deploys_invokes_and_destroys() {
    let _ = ok(&["destroy", "private-lambda", "--yes"]);

    // A resource that cannot be created: the failing resource and AWS's reason are reported.
    let squatter = squat_target_group("private-lambda-hello").await;
    let failed = xtask(&["deploy", "private-lambda", "--yes"]);
    assert_eq!(failed.code, 1, "{failed:?}");
    assert!(
        failed.stderr.contains("failed: HelloTargetGroup (AWS::ElasticLoadBalancingV2::TargetGroup)"),
        "{failed:?}"
    );
    assert!(failed.stderr.contains("DuplicateTargetGroupName"), "the service's reason is shown: {failed:?}");
    assert_eq!(stack_status("private-lambda").await.as_deref(), Some("ROLLBACK_COMPLETE"));
    delete_target_group(&squatter).await;

    // The next deploy replaces the rolled-back stack.
    let deployed = ok(&["deploy", "private-lambda", "--yes"]);
    assert!(deployed.stderr.contains("is ROLLBACK_COMPLETE"), "{deployed:?}");
    assert!(deployed.stdout.contains("59 to add"), "{deployed:?}");
    assert!(deployed.stdout.contains("IAM and security-group changes:"), "{deployed:?}");
    assert!(deployed.stderr.contains("target: local"), "the default target is announced: {deployed:?}");
    assert_eq!(stack_status("private-lambda").await.as_deref(), Some("CREATE_COMPLETE"));

    // Nothing changed: success, and diff agrees.
    let again = ok(&["deploy", "private-lambda", "--yes"]);
    assert!(again.stderr.contains("no changes"), "{again:?}");
    assert!(
        again.stderr.contains("already present, skipped"),
        "unchanged zips are not uploaded again: {again:?}"
    );
    assert!(
        again.stderr.contains("passed cfn-lint, checkov and cloudformation-validate before"),
        "an unchanged template is not validated again: {again:?}"
    );
    let forced = ok(&["deploy", "private-lambda", "--yes", "--revalidate"]);
    assert!(
        forced.stderr.contains("cloudformation-validate: 1 templates"),
        "--revalidate validates: {forced:?}"
    );
    let diff = ok(&["diff", "private-lambda"]);
    assert!(diff.stderr.contains("no changes"), "{diff:?}");

    // A changed blueprint: diff lists the change and exits 2; nothing is deployed.
    let changed = root().join("target/xtask-tests/private-lambda.yaml");
    std::fs::create_dir_all(changed.parent().expect("dir")).expect("mkdir");
    let source = std::fs::read_to_string(root().join("blueprints/private-lambda.yaml")).expect("read");
    std::fs::write(&changed, source.replacen("log_retention_days: 30", "log_retention_days: 14", 1))
        .expect("write");
    let pending = xtask(&["diff", changed.to_str().expect("utf-8")]);
    assert_eq!(pending.code, 2, "{pending:?}");
    assert!(pending.stdout.contains("~ modify  CallerLogGroup"), "{pending:?}");
    let again = ok(&["diff", "private-lambda"]);
    assert!(again.stderr.contains("no changes"), "the diff changed nothing: {again:?}");

    // The deployed function runs here, configured as deployed (TARGET_NAME from its environment).
    let invoked = ok(&["invoke", "private-lambda", "hello", "--event", "get"]);
    assert!(invoked.stdout.contains("\"statusCode\": 200"), "{invoked:?}");
    assert!(invoked.stdout.contains(r#"\"target\":\"hello\""#), "{invoked:?}");

    // Lambda's interfaces in the stack's subnets and groups outlive its functions for a while and
    // block their deletion; destroy waits them out.
    let eni = lambda_interface("private-lambda", "PrivateSubnet1", "CallerSecurityGroup").await;
    let destroyed = ok(&["destroy", "private-lambda", "--yes"]);
    assert!(destroyed.stderr.contains("Lambda network interface(s) still hold"), "{destroyed:?}");
    assert!(destroyed.stderr.contains(&format!("deleted released Lambda interface {eni}")), "{destroyed:?}");
    assert!(destroyed.stderr.contains("asset object(s)"), "its zips are deleted: {destroyed:?}");
    assert_eq!(stack_status("private-lambda").await, None);
}

#[tokio::test]
async fn alb_static_ip_sync_runs_against_what_was_deployed_and_hotswaps_code() {
    let _ = ok(&["destroy", "alb-static-ip", "--yes"]);
    ok(&["deploy", "blueprints/alb-static-ip.yaml", "--yes"]);
    // The blueprint's existing VPC and subnets exist in the emulator (stand-ins), by their real ids.
    let ec2 = aws_sdk_ec2::Client::new(&sdk().await);
    let subnets = ec2
        .describe_subnets()
        .subnet_ids("subnet-0a1b2c3d4e5f60701")
        .subnet_ids("subnet-0a1b2c3d4e5f60702")
        .send()
        .await
        .expect("stand-in subnets");
    assert_eq!(subnets.subnets().len(), 2);
    assert!(subnets.subnets().iter().all(|s| s.vpc_id() == Some("vpc-0a1b2c3d4e5f60718")));

    // The schedule runs the sync function by itself: the target group holds the (stand-in) ALB's
    // addresses within two periods (the emulator's clock runs 60 times faster: a minute is a second).
    let clock_guard = CLOCK.lock().await;
    clock(60);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk().await);
    let groups = elb.describe_target_groups().send().await.expect("target groups");
    let group = groups
        .target_groups()
        .iter()
        .find(|g| g.target_group_name().is_some_and(|n| n.starts_with("alb-static-ip-Port4")))
        .and_then(|g| g.target_group_arn())
        .expect("the stack's target group")
        .to_owned();
    let registered = wait_for(std::time::Duration::from_secs(20), || async {
        let health = elb.describe_target_health().target_group_arn(&group).send().await.expect("health");
        let ips: Vec<String> = health
            .target_health_descriptions()
            .iter()
            .filter_map(|d| d.target().and_then(|t| t.id()).map(str::to_owned))
            .collect();
        (ips.len() == 2).then_some(ips)
    })
    .await;
    clock(1);
    drop(clock_guard);
    let registered = registered.expect("the schedule registered both addresses within two periods");
    assert!(registered.iter().all(|ip| ip.starts_with("10.200.")), "{registered:?}");
    let logs = ok(&["logs", "alb-static-ip", "sync"]);
    assert!(logs.stdout.contains("platform.start"), "the runs are logged: {logs:?}");
    assert!(logs.stdout.contains("\"Registered\":2"), "the sync's metrics line: {logs:?}");

    // `logs --follow` keeps printing: once it has shown the past runs, a run invoked by hand (through
    // the emulator's Lambda Invoke: the deployed function finds the same addresses, already
    // registered) shows up too; then the follower is stopped, as a user would with Ctrl-C.
    let mut follower = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["logs", "alb-static-ip", "sync", "--follow"])
        .current_dir(root())
        .env("AWS_ENDPOINT_URL", &emulator().endpoint)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run xtask logs --follow");
    let lines = {
        use std::io::BufRead;
        let stdout = follower.stdout.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        rx
    };
    let first = lines.recv_timeout(std::time::Duration::from_secs(60));
    let invoked = ok(&["invoke", "alb-static-ip", "sync", "--event", "schedule"]);
    assert!(invoked.stdout.contains("\"discovered\": 2"), "{invoked:?}");
    assert!(invoked.stdout.contains("\"registered\": []"), "the schedule registered them: {invoked:?}");
    assert!(invoked.stderr.contains("--- logs (tail) ---"), "the run's log tail: {invoked:?}");
    let request_id = invoked
        .stderr
        .split("\"requestId\": \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("a request id in the log tail: {invoked:?}"))
        .to_owned();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut followed = Vec::new();
    let seen = loop {
        match lines.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
            Ok(line) if line.contains(&request_id) => break true,
            Ok(line) => followed.push(line),
            Err(_) => break false,
        }
    };
    let _ = follower.kill();
    let _ = follower.wait();
    assert!(first.is_ok(), "--follow printed the past runs first");
    assert!(seen, "--follow printed the run of {request_id} invoked after it started: {followed:?}");

    // Code-only change: the stack's code key no longer matches the built zip.
    let conf = sdk().await;
    let cfn = aws_sdk_cloudformation::Client::new(&conf);
    let stack = cfn.describe_stacks().stack_name("alb-static-ip").send().await.expect("describe");
    let params = stack.stacks()[0].parameters().to_vec();
    let body = cfn.get_template().stack_name("alb-static-ip").send().await.expect("template");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build(),
    );
    let bucket = params
        .iter()
        .find(|p| p.parameter_key() == Some("AssetsBucket"))
        .and_then(|p| p.parameter_value())
        .expect("bucket")
        .to_owned();
    let key = params
        .iter()
        .find(|p| p.parameter_key() == Some("SyncCodeKey"))
        .and_then(|p| p.parameter_value())
        .expect("key")
        .to_owned();
    let old_key = format!("alb-static-ip/previous-{}", key.rsplit('/').next().unwrap_or_default());
    s3.copy_object()
        .bucket(&bucket)
        .key(&old_key)
        .copy_source(format!("{bucket}/{key}"))
        .send()
        .await
        .expect("copy");
    let mut update = cfn
        .update_stack()
        .stack_name("alb-static-ip")
        .template_body(body.template_body().expect("body"))
        .capabilities(aws_sdk_cloudformation::types::Capability::CapabilityNamedIam);
    for p in &params {
        let value = if p.parameter_key() == Some("SyncCodeKey") {
            old_key.clone()
        } else {
            p.parameter_value().unwrap_or_default().to_owned()
        };
        update = update.parameters(
            aws_sdk_cloudformation::types::Parameter::builder()
                .parameter_key(p.parameter_key().unwrap_or_default())
                .parameter_value(value)
                .build(),
        );
    }
    update.send().await.expect("point the stack at the previous zip");

    let swapped = ok(&["deploy", "alb-static-ip", "--hotswap", "--yes"]);
    assert!(swapped.stderr.contains("hotswap: updated the code of SyncFunction"), "{swapped:?}");
    assert!(swapped.stderr.contains(&key), "the function now runs the built zip: {swapped:?}");
    assert!(!swapped.stderr.contains("change set"), "no stack update: {swapped:?}");

    // A deploy without --hotswap brings the stack's parameter back in line with the code.
    let full = ok(&["deploy", "alb-static-ip", "--yes"]);
    assert!(full.stdout.contains("SyncFunction"), "{full:?}");

    ok(&["destroy", "alb-static-ip", "--yes"]);
    assert_eq!(stack_status("alb-static-ip").await, None);
}

/// Held by the tests that speed the emulator's clock up, which is shared by every test.
static CLOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Sets the emulator's clock speed-up (schedules and Lambda retry delays run N times faster).
fn clock(speedup: u32) {
    use std::io::{Read, Write};
    let hostport = emulator().endpoint.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&hostport).expect("connect");
    let body = format!("{{\"speedup\": {speedup}}}");
    write!(
        stream,
        "POST /_iac/clock HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"), "{answer}");
}

/// Polls `check` every half second until it gives a value or `timeout` passes.
async fn wait_for<T, F, Fut>(timeout: std::time::Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return Some(v);
        }
        if std::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

/// The shipped appliance blueprint, `configuration` included (under its own name, so the
/// validators' suppressions for it apply), with its own ids (so its stand-ins do not meet other
/// tests'), one instance to start with.
fn appliance_blueprint() -> String {
    let source = std::fs::read_to_string(root().join("blueprints/appliance-asg.yaml")).expect("read");
    assert!(source.contains("    configuration:\n"), "the shipped blueprint configures its appliances");
    source.replace("0a1b2c3d4e5f607", "0f1e2d3c4b5a607").replacen(
        "capacity: {min: 2, max: 4, desired: 2}",
        "capacity: {min: 1, max: 4, desired: 1}",
        1,
    )
}

/// GETs the emulator's own control API (`/_iac/...`) as JSON.
fn control_get(path: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let hostport = emulator().endpoint.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&hostport).expect("connect");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\n\r\n").expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"), "{answer}");
    serde_json::from_str(body).expect("JSON")
}

#[tokio::test]
async fn appliance_group_scales_out_and_in_by_itself() {
    let path = root().join("target/xtask-tests/appliance-asg.yaml");
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    std::fs::write(&path, appliance_blueprint()).expect("write");
    let path = path.to_str().expect("utf-8");
    let _ = ok(&["destroy", path, "--yes"]);
    // The group launches its first instance as the stack creates it, before the stack's rule
    // exists, so that launch's lifecycle event reaches no one (as on AWS, where the template orders
    // nothing between them): it waits out the hook's 30-minute timeout, is abandoned and replaced.
    // The clock runs 100 times faster here, making that 18 seconds.
    let _clock = CLOCK.lock().await;
    clock(100);
    ok(&["deploy", path, "--yes"]);

    let conf = sdk().await;
    let cfn = aws_sdk_cloudformation::Client::new(&conf);
    let stack = cfn.describe_stacks().stack_name("appliance-asg").send().await.expect("describe");
    let output = |key: &str| {
        stack.stacks()[0]
            .outputs()
            .iter()
            .find(|o| o.output_key() == Some(key))
            .and_then(|o| o.output_value())
            .map(str::to_owned)
            .expect("output")
    };
    let (group, bucket) = (output("GroupName"), output("LicenceBucket"));
    let image = "ami-0f1e2d3c4b5a60799";
    let images = control_get("/_iac/stand-ins/appliances");
    assert!(
        images["images"]
            .as_array()
            .expect("images")
            .iter()
            .any(|i| i["image_id"] == image && i["port"] == 443),
        "deploy registered the blueprint's image as an appliance stand-in: {images}"
    );
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build(),
    );
    for name in ["a.lic", "b.lic", "c.lic"] {
        s3.put_object()
            .bucket(&bucket)
            .key(name)
            .body(format!("licence {name}").into_bytes().into())
            .send()
            .await
            .expect("licence");
    }

    // Nothing is invoked by hand: the group's lifecycle events run the lifecycle function.
    let asg = aws_sdk_autoscaling::Client::new(&conf);
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let scaled = std::time::Instant::now();
    asg.set_desired_capacity()
        .auto_scaling_group_name(&group)
        .desired_capacity(2)
        .send()
        .await
        .expect("scale");
    let instances = || async {
        let out =
            asg.describe_auto_scaling_groups().auto_scaling_group_names(&group).send().await.expect("group");
        out.auto_scaling_groups()[0]
            .instances()
            .iter()
            .map(|i| {
                (
                    i.instance_id().unwrap_or_default().to_owned(),
                    i.lifecycle_state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                    i.protected_from_scale_in().unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>()
    };
    let in_service = wait_for(std::time::Duration::from_secs(180), || async {
        let now = instances().await;
        (now.len() == 2 && now.iter().all(|(_, state, _)| state == "InService")).then_some(now)
    })
    .await;
    eprintln!("desired 2 -> both InService (configured): {:.1} s", scaled.elapsed().as_secs_f64());
    let logs = ok(&["logs", path]);
    let in_service =
        in_service.unwrap_or_else(|| panic!("both instances in service: {:?}\n{logs:?}", logs.stdout));
    assert_eq!(in_service.iter().filter(|(_, _, p)| *p).count(), 1, "one primary: {in_service:?}");
    let interfaces = |id: String| {
        let ec2 = ec2.clone();
        async move {
            ec2.describe_network_interfaces()
                .filters(
                    aws_sdk_ec2::types::Filter::builder().name("attachment.instance-id").values(id).build(),
                )
                .send()
                .await
                .expect("interfaces")
                .network_interfaces()
                .len()
        }
    };
    for (id, _, _) in &in_service {
        assert_eq!(interfaces(id.clone()).await, 3, "the boot interface and the two configured ones of {id}");
    }
    assert!(logs.stdout.contains("Lifecycle"), "the lifecycle function's runs are logged: {logs:?}");

    // The configure function, invoked by the lifecycle function, configured each appliance through
    // the emulator's VPC proxy: the password changed once (to the stack's secret, the same on both),
    // a licence of the pool installed, and the configuration rendered for the instance and its role.
    let state = control_get("/_iac/appliances");
    let pushed = |id: &str| {
        state["appliances"]
            .as_array()
            .expect("appliances")
            .iter()
            .find(|a| a["instance_id"] == id)
            .unwrap_or_else(|| panic!("{id} was configured: {state}\n{logs:?}"))
            .clone()
    };
    let primary = in_service.iter().find(|(_, _, p)| *p).expect("a primary").0.clone();
    let primary_ip = pushed(&primary)["address"].as_str().expect("address").to_owned();
    let mut passwords = std::collections::BTreeSet::new();
    let mut licences = std::collections::BTreeSet::new();
    for (id, _, protected) in &in_service {
        let a = pushed(id);
        assert_eq!(a["password_changes"], 1, "{a}");
        assert_eq!(a["failed_logins"], 0, "a launch logs in with the initial password first: {a}");
        let password = a["password"].as_str().expect("password");
        assert!(password != id && password.len() == 32, "the generated secret: {a}");
        passwords.insert(password.to_owned());
        let licence = a["licence"]["name"].as_str().expect("a licence").to_owned();
        assert!(["a.lic", "b.lic", "c.lic"].contains(&licence.as_str()), "{a}");
        assert_eq!(a["licence"]["kind"], "file");
        licences.insert(licence);
        let configuration = a["configuration"].as_str().expect("configuration");
        assert!(configuration.contains(&format!("set hostname \"fgt-euw1-{id}\"")), "{configuration}");
        let role = if *protected { "primary" } else { "secondary" };
        assert!(configuration.contains(&format!("set role {role}")), "{configuration}");
        assert_eq!(
            configuration.contains(&format!("set primary-ip {primary_ip}")),
            !*protected,
            "{configuration}"
        );
        assert!(configuration.contains("edit \"port3\""), "the interfaces are listed: {configuration}");
        let requests: Vec<&str> =
            a["requests"].as_array().expect("requests").iter().filter_map(|r| r.as_str()).collect();
        assert_eq!(
            requests[..4],
            [
                "GET /api/v2/status 200",
                "POST /api/v2/admin/password 200",
                "PUT /api/v2/licence 200",
                "PUT /api/v2/configuration 200"
            ],
            "{a}"
        );
    }
    assert_eq!(passwords.len(), 1, "one admin secret for the group");
    assert_eq!(licences.len(), 2, "each instance leased its own licence");

    // Scale in: the member that leaves is cleaned up (its interfaces go with it).
    let (secondary, _, _) = in_service.iter().find(|(_, _, p)| !*p).expect("a secondary").clone();
    asg.set_desired_capacity()
        .auto_scaling_group_name(&group)
        .desired_capacity(1)
        .send()
        .await
        .expect("scale in");
    let left = wait_for(std::time::Duration::from_secs(60), || async {
        let now = instances().await;
        (now.len() == 1 && !now.iter().any(|(id, _, _)| *id == secondary)).then_some(now)
    })
    .await;
    assert!(left.is_some(), "the secondary left the group: {:?}", instances().await);
    let tagged = ec2
        .describe_network_interfaces()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:iac:appliance-instance")
                .values(&secondary)
                .build(),
        )
        .send()
        .await
        .expect("interfaces");
    assert!(tagged.network_interfaces().is_empty(), "the leaving member's interfaces are gone: {tagged:?}");

    // Out again, with the stack's rule in place from the start: one configured launch, end to end.
    let scaled = std::time::Instant::now();
    asg.set_desired_capacity()
        .auto_scaling_group_name(&group)
        .desired_capacity(2)
        .send()
        .await
        .expect("scale out again");
    let again = wait_for(std::time::Duration::from_secs(120), || async {
        let now = instances().await;
        (now.len() == 2 && now.iter().all(|(_, state, _)| state == "InService")).then_some(now)
    })
    .await;
    let again = match again {
        Some(again) => again,
        None => panic!("both in service again: {:?}", instances().await),
    };
    eprintln!("desired 1 -> 2, one configured launch: {:.1} s", scaled.elapsed().as_secs_f64());
    let newcomer =
        again.iter().find(|(id, _, _)| !in_service.iter().any(|(old, _, _)| old == id)).expect("new");
    let state = control_get("/_iac/appliances");
    let configured = state["appliances"].as_array().expect("appliances").iter().any(|a| {
        a["instance_id"] == newcomer.0.as_str()
            && a["configuration"]
                .as_str()
                .is_some_and(|c| c.contains(&format!("set primary-ip {primary_ip}")))
    });
    assert!(configured, "the newcomer is configured as a secondary of {primary}: {state}");

    asg.set_desired_capacity()
        .auto_scaling_group_name(&group)
        .desired_capacity(0)
        .send()
        .await
        .expect("empty");
    ok(&["destroy", path, "--yes"]);
    assert_eq!(stack_status("appliance-asg").await, None);
}

#[tokio::test]
async fn a_template_over_the_inline_limit_is_deployed_from_the_asset_bucket() {
    // Twenty targets take the template well past CloudFormation's 51,200-byte inline limit.
    let targets: String = (1..=20)
        .map(|i| format!("      - name: t{i:02}\n        path_patterns: [\"/t{i:02}/*\"]\n"))
        .collect();
    let source = std::fs::read_to_string(root().join("blueprints/private-lambda.yaml")).expect("read");
    let start = source.find("    targets:\n").expect("targets");
    let end = source.find("    caller:\n").expect("caller");
    let big = format!(
        "{}    targets:\n{targets}{}",
        &source[..start].replacen("name: private-lambda\n", "name: private-lambda-big\n", 1),
        &source[end..]
    );
    let path = root().join("target/xtask-tests/private-lambda-big.yaml");
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    std::fs::write(&path, big).expect("write");
    let path = path.to_str().expect("utf-8");

    let deployed = ok(&["deploy", path, "--yes"]);
    assert!(deployed.stderr.contains("over the 51,200-byte inline limit"), "{deployed:?}");
    assert_eq!(stack_status("private-lambda-big").await.as_deref(), Some("CREATE_COMPLETE"));
    let again = ok(&["deploy", path, "--yes"]);
    assert!(again.stderr.contains("no changes"), "{again:?}");
    let destroyed = ok(&["destroy", path, "--yes"]);
    assert!(destroyed.stderr.contains("asset object(s)"), "the uploaded template goes too: {destroyed:?}");
    assert_eq!(stack_status("private-lambda-big").await, None);
}
