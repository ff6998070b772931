//! The contract end to end: every function of every template synth has written (`out/`, and the
//! expected templates of synth's own tests) is read back the way it runs.
//!
//! Its `iac:asset` metadata parses with deploy's reader (`synth::assets`) and names a function of the
//! contract; its environment, with each intrinsic resolved to a value of the kind CloudFormation
//! would put there (a target group ARN, a table name, a security group ID), parses with that
//! function's configuration reader; the values it points at in the template (the appliance
//! configuration parameter) parse as the runtime reads them. A contract type that synth writes one way
//! and runtime reads another, or a checked-in template older than its contract, fails here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use contract::{alb_static_ip, appliance_asg, fargate_mirror, private_lambda, sg_sync};
use serde_json::Value;

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

/// Every template synth has written: `out/<stack>/template.yaml` and `synth/tests/data/ok/*.expected`.
fn templates() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut paths = Vec::new();
    for (dir, file) in [("out", Some("template.yaml")), ("synth/tests/data/ok", None)] {
        for entry in std::fs::read_dir(root.join(dir)).expect("read templates dir") {
            let path = entry.expect("dir entry").path();
            match file {
                Some(name) if path.join(name).is_file() => paths.push(path.join(name)),
                None if path.extension().is_some_and(|e| e == "expected") => paths.push(path),
                _ => {}
            }
        }
    }
    paths.sort();
    paths
}

fn parse(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read template");
    match synth::yaml::parse(&text) {
        Ok(node) => node.to_json(),
        Err(e) => panic!("{}: not YAML: {e:?}", path.display()),
    }
}

/// A template with the intrinsics of its values resolved to plausible values.
struct Template<'a> {
    stack: &'a str,
    json: &'a Value,
}

impl Template<'_> {
    fn resource_type(&self, id: &str) -> &str {
        self.json["Resources"][id]["Type"].as_str().unwrap_or_else(|| panic!("no resource '{id}'"))
    }

    /// What `Ref` of `name` resolves to.
    fn r#ref(&self, name: &str) -> String {
        match name {
            "AWS::Region" => return REGION.to_owned(),
            "AWS::AccountId" => return ACCOUNT.to_owned(),
            "AWS::Partition" => return "aws".to_owned(),
            "AWS::StackName" => return self.stack.to_owned(),
            "AWS::URLSuffix" => return "amazonaws.com".to_owned(),
            _ => {}
        }
        if let Some(p) = self.json["Parameters"].get(name) {
            return p["Default"].as_str().map_or_else(|| format!("{}-{name}", self.stack), str::to_owned);
        }
        let lower = format!("{}-{}", self.stack, name.to_ascii_lowercase());
        match self.resource_type(name) {
            "AWS::ElasticLoadBalancingV2::TargetGroup" => {
                format!("arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/{name}/0123456789abcdef")
            }
            "AWS::ElasticLoadBalancingV2::LoadBalancer" => {
                format!(
                    "arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/{name}/0123456789abcdef"
                )
            }
            "AWS::DynamoDB::Table" | "AWS::Lambda::Function" | "AWS::Serverless::Function" => {
                format!("{}-{name}-AbCdEf012345", self.stack)
            }
            "AWS::S3::Bucket" => lower,
            "AWS::SSM::Parameter" => format!("CFN-{name}-AbCdEf012345"),
            "AWS::SecretsManager::Secret" => {
                format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{lower}-AbCdEf")
            }
            "AWS::EC2::SecurityGroup" => "sg-0fedcba9876543210".to_owned(),
            "AWS::EC2::TrafficMirrorTarget" => "tmt-0fedcba9876543210".to_owned(),
            "AWS::EC2::TrafficMirrorFilter" => "tmf-0fedcba9876543210".to_owned(),
            "AWS::EC2::PrefixList" => "pl-0fedcba9876543210".to_owned(),
            "AWS::SQS::Queue" => format!("https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{lower}"),
            other => panic!("no plausible value for Ref of {name} ({other}): add one to this test"),
        }
    }

    /// What `Fn::GetAtt` of `id.attribute` resolves to.
    fn get_att(&self, id: &str, attribute: &str) -> String {
        match (self.resource_type(id), attribute) {
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "DNSName") => {
                format!("internal-{id}-1234567890.{REGION}.elb.amazonaws.com")
            }
            ("AWS::EC2::SecurityGroup", "GroupId") => self.r#ref(id),
            (ty, "Arn") => {
                let service = ty.split("::").nth(1).unwrap_or_default().to_ascii_lowercase();
                format!("arn:aws:{service}:{REGION}:{ACCOUNT}:{}", self.r#ref(id))
            }
            (ty, _) => {
                panic!("no plausible value for Fn::GetAtt of {id}.{attribute} ({ty}): add one to this test")
            }
        }
    }

    fn resolve(&self, v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Object(m) if m.len() == 1 => {
                let (key, arg) = m.iter().next().expect("one key");
                match (key.as_str(), arg) {
                    ("Ref", Value::String(name)) => self.r#ref(name),
                    ("Fn::GetAtt", Value::Array(a)) => {
                        self.get_att(a[0].as_str().expect("id"), a[1].as_str().expect("attribute"))
                    }
                    ("Fn::Join", Value::Array(a)) => {
                        let parts = a[1].as_array().expect("join parts");
                        parts
                            .iter()
                            .map(|p| self.resolve(p))
                            .collect::<Vec<_>>()
                            .join(a[0].as_str().expect("delimiter"))
                    }
                    ("Fn::Sub", Value::String(template)) => self.sub(template, &serde_json::Map::new()),
                    ("Fn::Sub", Value::Array(a)) => {
                        let vars = a[1].as_object().cloned().unwrap_or_default();
                        self.sub(a[0].as_str().expect("sub template"), &vars)
                    }
                    _ => panic!("no resolution for {key} in an environment value: add one to this test"),
                }
            }
            other => panic!("an environment value is not a string or intrinsic: {other}"),
        }
    }

    fn sub(&self, template: &str, vars: &serde_json::Map<String, Value>) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').expect("closed ${") + start;
            let name = &rest[start + 2..end];
            out.push_str(&match (name.strip_prefix('!'), vars.get(name), name.split_once('.')) {
                (Some(literal), _, _) => format!("${{{literal}}}"),
                (None, Some(v), _) => self.resolve(v),
                (None, None, Some((id, attribute))) => self.get_att(id, attribute),
                (None, None, None) => self.r#ref(name),
            });
            rest = &rest[end + 1..];
        }
        out + rest
    }
}

/// Reads one function's environment with its runtime reader, and what it points at in the template.
fn read_back(t: &Template<'_>, binary: &str, env: &BTreeMap<String, String>) -> Result<String, String> {
    let lookup = |name: &str| env.get(name).cloned();
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    Ok(match binary {
        b if b == private_lambda::protected::FUNCTION.binary => {
            let p =
                runtime::private_lambda::protected::Protected::from_lookup(lookup).map_err(|e| fail(&e))?;
            format!("target {}", p.target_name)
        }
        b if b == private_lambda::caller::FUNCTION.binary => {
            let client = runtime::http_client::build();
            runtime::private_lambda::caller::Caller::from_lookup(client, lookup).map_err(|e| fail(&e))?;
            "caller".to_owned()
        }
        b if b == alb_static_ip::sync::FUNCTION.binary => {
            let c = runtime::alb_static_ip::Config::from_lookup(lookup).map_err(|e| fail(&e))?;
            for g in &c.groups {
                // Each ARN is a target group of the template's, written in full.
                if !g.arn.starts_with("arn:aws:elasticloadbalancing:") || !g.arn.contains(":targetgroup/") {
                    return Err(format!(
                        "TARGET_GROUPS entry '{}={}' is not a target group ARN",
                        g.arn, g.port
                    ));
                }
            }
            format!("{} target groups", c.groups.len())
        }
        b if b == appliance_asg::lifecycle::FUNCTION.binary => {
            let c = runtime::appliance_asg::config::Config::from_lookup(lookup).map_err(|e| fail(&e))?;
            if let Some(configuration) = &c.configuration {
                // The parameter the function reads holds a configuration source.
                let value = parameter_value(t, &configuration.parameter)?;
                serde_json::from_str::<runtime::appliance_asg::render::Source>(&value)
                    .map_err(|e| format!("parameter '{}' does not parse: {e}", configuration.parameter))?;
            }
            format!("{} interfaces", c.interfaces.len())
        }
        b if b == appliance_asg::configure::FUNCTION.binary => {
            runtime::appliance_asg::configure::Config::from_lookup(lookup).map_err(|e| fail(&e))?;
            "configure".to_owned()
        }
        b if b == fargate_mirror::mirror::FUNCTION.binary => {
            let c = runtime::fargate_mirror::Config::from_lookup(lookup).map_err(|e| fail(&e))?;
            // The target and filter are the template's own (their Refs).
            if !c.desired.target.starts_with("tmt-") || !c.desired.filter.starts_with("tmf-") {
                return Err(format!(
                    "target '{}' or filter '{}' is not the stack's",
                    c.desired.target, c.desired.filter
                ));
            }
            format!("{} clusters", c.clusters.len())
        }
        b if b == sg_sync::sync::FUNCTION.binary => {
            let c = runtime::sg_sync::Config::from_lookup(lookup).map_err(|e| fail(&e))?;
            // The prefix list is the template's own (its Ref); the peers are the other regions.
            if !c.prefix_list.starts_with("pl-") || c.peers.iter().any(|p| p.region == c.region) {
                return Err(format!(
                    "prefix list '{}' or peers {:?} are not the stack's",
                    c.prefix_list, c.peers
                ));
            }
            format!("{} peers", c.peers.len())
        }
        other => return Err(format!("binary '{other}' is not a function of the contract")),
    })
}

/// The value of the template's SSM parameter whose `Ref` is `name`.
fn parameter_value(t: &Template<'_>, name: &str) -> Result<String, String> {
    let resources = t.json["Resources"].as_object().expect("resources");
    resources
        .iter()
        .find(|(id, r)| r["Type"] == "AWS::SSM::Parameter" && t.r#ref(id) == name)
        .map(|(_, r)| t.resolve(&r["Properties"]["Value"]))
        .ok_or_else(|| format!("no SSM parameter resolves to '{name}'"))
}

#[test]
fn every_function_in_every_template_reads_its_environment_back() {
    let paths = templates();
    assert!(paths.len() >= 8, "found only {paths:?}");
    let mut problems = Vec::new();
    let mut functions = 0;
    for path in &paths {
        let json = parse(path);
        let stack = path.parent().and_then(Path::file_name).and_then(|n| n.to_str()).unwrap_or("stack");
        let t = Template { stack, json: &json };
        let resources = json["Resources"].as_object().expect("Resources");
        let assets = synth::assets::functions(&json);
        let lambdas: Vec<&String> = resources
            .iter()
            .filter(|(_, r)| {
                matches!(r["Type"].as_str(), Some("AWS::Lambda::Function" | "AWS::Serverless::Function"))
            })
            .map(|(id, _)| id)
            .collect();
        let described: Vec<&String> = assets.iter().map(|a| &a.logical_id).collect();
        if lambdas != described {
            problems.push(format!(
                "{}: functions {lambdas:?} but asset metadata on {described:?}",
                path.display()
            ));
        }
        for asset in &assets {
            functions += 1;
            let at = format!("{} {}", path.display(), asset.logical_id);
            let Some(spec) = contract::ALL_FUNCTIONS.iter().find(|f| f.binary == asset.binary) else {
                problems.push(format!("{at}: binary '{}' is not in the contract", asset.binary));
                continue;
            };
            if !matches!(asset.architecture.as_str(), "arm64" | "x86_64") {
                problems.push(format!("{at}: architecture '{}'", asset.architecture));
            }
            if json["Parameters"].get(&asset.code_key_parameter).is_none() {
                problems.push(format!(
                    "{at}: code key parameter '{}' is not a parameter",
                    asset.code_key_parameter
                ));
            }
            let variables = &resources[&asset.logical_id]["Properties"]["Environment"]["Variables"];
            let env: BTreeMap<String, String> = variables
                .as_object()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), t.resolve(v))).collect())
                .unwrap_or_default();
            let names: Vec<&str> = env.keys().map(String::as_str).collect();
            let mut expected: Vec<&str> = spec.env.iter().map(|v| v.name).collect();
            expected.sort_unstable();
            if names != expected {
                problems.push(format!("{at}: environment {names:?}, contract {expected:?}"));
            }
            if let Err(e) = read_back(&t, &asset.binary, &env) {
                problems.push(format!("{at}: {e}"));
            }
        }
    }
    assert!(functions >= 10, "read only {functions} functions");
    assert!(problems.is_empty(), "the contract does not round-trip:\n{}", problems.join("\n"));
}
