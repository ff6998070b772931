//! sg-sync's stacks read through their JSON: what the function and the other regions rely on.

use contract::sg_sync::sync;
use serde_json::Value;

use super::{HEARTBEAT_SECONDS, TIMEOUT_SECONDS};
use crate::external::External;

fn blueprint(regions: &[(&str, &str)], ports: &str, max: u32, extra: &str) -> String {
    let mut s = String::from("name: mesh\nsystem:\n  sg-sync:\n    regions:\n");
    for (region, sg) in regions {
        let choice =
            if sg.starts_with("vpc-") { format!("create: {{vpc: {sg}}}") } else { format!("existing: {sg}") };
        s.push_str(&format!(
            "      {region}:\n        auto_scaling_group: web-{region}\n        security_group: {{{choice}}}\n"
        ));
    }
    s.push_str(&format!(
        "    ports: {ports}\n    addresses: public\n    max_instances_per_region: {max}\n{extra}"
    ));
    s
}

const THREE: &[(&str, &str)] = &[
    ("us-east-1", "sg-0123456789abcdef0"),
    ("eu-west-1", "vpc-0123456789abcdef0"),
    ("ap-southeast-2", "sg-0fedcba9876543210"),
];

fn stacks(src: &str) -> Vec<(String, String, Value)> {
    crate::synthesize("mesh.yaml", src, None)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|a| (a.stack, a.region.unwrap_or_default(), serde_json::to_value(&a.template).unwrap()))
        .collect()
}

fn env<'a>(t: &'a Value, name: &str) -> &'a Value {
    &t["Resources"]["SyncFunction"]["Properties"]["Environment"]["Variables"][name]
}

#[test]
fn stacks_follow_the_blueprints_region_order_not_the_alphabet() {
    let names: Vec<String> =
        stacks(&blueprint(THREE, "[{protocol: tcp, port: 443}]", 5, "")).into_iter().map(|s| s.0).collect();
    assert_eq!(names, ["mesh-us-east-1", "mesh-eu-west-1", "mesh-ap-southeast-2"]);
}

#[test]
fn each_function_gets_its_region_hooks_and_every_peers_table_as_the_contract_reads_them() {
    let all = stacks(&blueprint(THREE, "[{protocol: tcp, port: 443}]", 5, ""));
    let tables: Vec<(&str, &str)> = all
        .iter()
        .map(|(_, region, t)| {
            (region.as_str(), t["Resources"]["StateTable"]["Properties"]["TableName"].as_str().unwrap())
        })
        .collect();
    for (stack, region, t) in &all {
        assert_eq!(env(t, sync::REGION.name), region.as_str());
        assert_eq!(env(t, sync::AUTO_SCALING_GROUP.name), format!("web-{region}").as_str());
        assert_eq!(
            sync::AddressKind::parse(env(t, sync::ADDRESSES.name).as_str().unwrap()),
            Some(sync::AddressKind::Public)
        );
        assert_eq!(env(t, sync::MAX_ADDRESSES_PER_REGION.name), "5");
        let hooks: sync::Hooks = serde_json::from_str(env(t, sync::HOOKS.name).as_str().unwrap()).unwrap();
        assert_eq!(hooks.launch, format!("{stack}-launch"));
        let hook =
            |id: &str| t["Resources"][id]["Properties"]["LifecycleHookName"].as_str().unwrap().to_owned();
        assert_eq!(
            (hook("LaunchHook"), hook("TerminateHook")),
            (hooks.launch.clone(), hooks.terminate.clone())
        );
        let pattern = &t["Resources"]["LifecycleRule"]["Properties"]["EventPattern"]["detail"];
        assert_eq!(pattern["LifecycleHookName"], serde_json::json!([hooks.launch, hooks.terminate]));

        let peers: Vec<sync::Peer> =
            serde_json::from_str(env(t, sync::PEERS.name).as_str().unwrap()).unwrap();
        let expected: Vec<sync::Peer> = tables
            .iter()
            .filter(|(r, _)| r != region)
            .map(|(r, table)| sync::Peer { region: (*r).to_owned(), table: (*table).to_owned() })
            .collect();
        let mut peers_sorted = peers.clone();
        peers_sorted.sort_by(|a, b| a.region.cmp(&b.region));
        let mut expected_sorted = expected;
        expected_sorted.sort_by(|a, b| a.region.cmp(&b.region));
        assert_eq!(peers_sorted, expected_sorted, "{stack}");
        assert_eq!(peers.len(), 2);
    }
    // Same name everywhere, without the region: a peer's table is known without its outputs.
    assert!(tables.iter().all(|(_, t)| *t == "mesh-addresses"), "{tables:?}");
}

#[test]
fn the_only_wildcard_resources_are_the_calls_without_resource_level_permissions() {
    let all = stacks(&blueprint(THREE, "[{protocol: tcp, port: 443}]", 5, ""));
    for (stack, region, t) in &all {
        let statements =
            t["Resources"]["SyncRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap();
        let mut peer_tables = Vec::new();
        for s in statements {
            let actions: Vec<&str> =
                s["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
            let resources = s["Resource"].as_array().unwrap();
            if resources.iter().any(|r| r == "*") {
                assert_eq!(
                    actions,
                    [
                        "autoscaling:DescribeAutoScalingGroups",
                        "ec2:DescribeInstances",
                        "ec2:DescribeManagedPrefixLists"
                    ],
                    "{stack}"
                );
                assert_eq!(resources.len(), 1);
            }
            for r in resources {
                let text = r.to_string();
                assert!(!text.contains(":*:table") && !text.contains("table/*"), "{stack}: {text}");
                if text.contains(":table/") && !text.contains("StateTable") {
                    assert_eq!(actions, ["dynamodb:PutItem"], "{stack}: {text}");
                    peer_tables.push(text);
                }
            }
            if actions.contains(&"autoscaling:CompleteLifecycleAction") {
                assert!(
                    resources[0].to_string().ends_with(&format!("autoScalingGroupName/web-{region}\"}}")),
                    "{stack}: {resources:?}"
                );
            }
        }
        assert_eq!(peer_tables.len(), 2, "{stack}: {peer_tables:?}");
        assert!(peer_tables.iter().all(|p| !p.contains(&format!(":{region}:"))), "{stack}: {peer_tables:?}");
    }
}

#[test]
fn one_ingress_rule_per_port_references_the_prefix_list_sized_for_every_region() {
    let ports = "[{protocol: tcp, port: 443}, {protocol: udp, from: 7000, to: 7010}, {protocol: icmp}]";
    let all = stacks(&blueprint(THREE, ports, 6, "    rules_per_security_group: 60\n"));
    for (stack, _, t) in &all {
        let resources = t["Resources"].as_object().unwrap();
        let rules: Vec<&Value> = resources
            .values()
            .filter(|r| r["Type"] == "AWS::EC2::SecurityGroupIngress")
            .map(|r| &r["Properties"])
            .collect();
        assert_eq!(rules.len(), 3, "{stack}");
        assert!(
            rules
                .iter()
                .all(|r| r["SourcePrefixListId"] == serde_json::json!({"Ref": "AddressesPrefixList"}))
        );
        let icmp = rules.iter().find(|r| r["IpProtocol"] == "icmp").expect("the icmp rule");
        assert_eq!((&icmp["FromPort"], &icmp["ToPort"]), (&Value::from(-1), &Value::from(-1)));
        let list = &resources["AddressesPrefixList"]["Properties"];
        assert_eq!(list["MaxEntries"], 18, "3 regions x 6 instances");
        assert!(list.get("Entries").is_none(), "the function owns the entries");
    }
}

#[test]
fn protocol_all_is_one_rule_without_ports_and_overlaps_everything_else() {
    let (_, _, t) = stacks(&blueprint(THREE, "[{protocol: all}]", 5, "")).remove(0);
    let rule = &t["Resources"]["IngressAll"]["Properties"];
    assert_eq!(rule["IpProtocol"], "-1");
    assert!(rule.get("FromPort").is_none() && rule.get("ToPort").is_none());
    let src = blueprint(THREE, "[{protocol: icmp}, {protocol: all}]", 5, "");
    let err = crate::synthesize("mesh.yaml", &src, None).unwrap_err().to_string();
    assert!(
        err.contains("this entry overlaps ports.0: protocol all admits every protocol and port already"),
        "{err}"
    );
}

#[test]
fn the_quota_counts_the_prefix_list_once_per_referencing_rule() {
    let two = &THREE[..2];
    let ports = "[{protocol: tcp, port: 443}, {protocol: tcp, port: 8443}]";
    // 2 rules x (2 regions x 15) = 60: exactly the default quota.
    assert_eq!(stacks(&blueprint(two, ports, 15, "")).len(), 2);
    let err = crate::synthesize("mesh.yaml", &blueprint(two, ports, 16, ""), None).unwrap_err().to_string();
    assert!(
        err.contains("2 port rules x 32 prefix list entries (2 regions x 16 instances) count as 64 rules, over the quota of 60"),
        "{err}"
    );
    assert!(err.contains("set max_instances_per_region: 15 or less"), "{err}");
    // The account's raised quota is honoured.
    assert_eq!(stacks(&blueprint(two, ports, 16, "    rules_per_security_group: 100\n")).len(), 2);
}

#[test]
fn hooks_outlast_the_functions_worst_case_and_default_on_purpose() {
    let all = stacks(&blueprint(THREE, "[{protocol: tcp, port: 443}]", 5, ""));
    for (_, _, t) in &all {
        let r = &t["Resources"];
        assert_eq!(r["SyncFunction"]["Properties"]["Timeout"], TIMEOUT_SECONDS);
        assert_eq!(r["LaunchHook"]["Properties"]["HeartbeatTimeout"], HEARTBEAT_SECONDS);
        assert_eq!(r["LaunchHook"]["Properties"]["DefaultResult"], "ABANDON");
        assert_eq!(r["TerminateHook"]["Properties"]["DefaultResult"], "CONTINUE");
        assert!(r["LaunchHook"]["Properties"].get("NotificationTargetARN").is_none());
        let mapping = &r["StateStreamMapping"]["Properties"];
        assert_eq!(mapping["BisectBatchOnFunctionError"], true);
        assert_eq!(
            mapping["DestinationConfig"]["OnFailure"]["Destination"],
            serde_json::json!({"Fn::GetAtt": ["SyncDeadLetterQueue", "Arn"]})
        );
    }
}

#[test]
fn every_regional_stack_lists_its_own_group_and_security_group_and_lints_for_its_region() {
    let src = blueprint(THREE, "[{protocol: tcp, port: 443}]", 5, "");
    for a in crate::synthesize("mesh.yaml", &src, None).unwrap() {
        let region = a.region.clone().unwrap();
        let group = External::AutoScalingGroup { name: format!("web-{region}") };
        let expected = match region.as_str() {
            "eu-west-1" => vec![External::Vpc { id: "vpc-0123456789abcdef0".into() }, group],
            "us-east-1" => vec![External::SecurityGroup { id: "sg-0123456789abcdef0".into() }, group],
            _ => vec![External::SecurityGroup { id: "sg-0fedcba9876543210".into() }, group],
        };
        assert_eq!(a.external, expected);
        assert_eq!(a.template.metadata["cfn-lint"], serde_json::json!({"config": {"regions": [region]}}));
    }
}

#[test]
fn an_environment_names_every_stack_and_table_and_the_peers_follow() {
    let src = format!(
        "{}environments:\n  prod:\n    system:\n      sg-sync:\n        max_instances_per_region: 8\n",
        blueprint(&THREE[..2], "[{protocol: tcp, port: 443}]", 5, "")
    );
    let stacks = crate::synthesize("mesh.yaml", &src, Some("prod")).unwrap();
    let names: Vec<&str> = stacks.iter().map(|a| a.stack.as_str()).collect();
    assert_eq!(names, ["mesh-prod-us-east-1", "mesh-prod-eu-west-1"]);
    for a in &stacks {
        let t = serde_json::to_value(&a.template).unwrap();
        assert_eq!(t["Resources"]["StateTable"]["Properties"]["TableName"], "mesh-prod-addresses");
        assert_eq!(t["Resources"]["AddressesPrefixList"]["Properties"]["MaxEntries"], 16);
        let peers: Vec<sync::Peer> =
            serde_json::from_str(env(&t, sync::PEERS.name).as_str().unwrap()).unwrap();
        assert!(peers.iter().all(|p| p.table == "mesh-prod-addresses"), "{peers:?}");
    }
}

#[test]
fn sam_and_json_output_build_the_same_stacks() {
    for output in ["output: {flavour: sam}\n", "output: {format: json}\n"] {
        let src = format!("{output}{}", blueprint(THREE, "[{protocol: tcp, port: 443}]", 5, ""));
        let stacks = crate::synthesize("mesh.yaml", &src, None).unwrap_or_else(|e| panic!("{output}: {e}"));
        assert_eq!(stacks.len(), 3, "{output}");
        for a in &stacks {
            let types: Vec<&str> = a.template.resources.values().map(|r| r.props.type_name()).collect();
            assert!(types.contains(&"AWS::Lambda::EventSourceMapping"), "{output}: {types:?}");
            assert!(types.contains(&"AWS::EC2::PrefixList"), "{output}: {types:?}");
        }
    }
}
