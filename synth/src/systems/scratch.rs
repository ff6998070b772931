//! A test-only system, registered like a real one (the `#[cfg(test)]` lines in `systems/mod.rs`),
//! that proves the claim in ARCHITECTURE.md: one folder's worth of code plus three registration lines
//! give a system its schema, validation, template and external references. A real system splits
//! this file into `blueprint.rs`, `rules.rs`, `build.rs` and `external.rs`.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Kind;
use crate::cfn::resources::sqs;
use crate::cfn::{Expr, Template};
use crate::constructs::{BuildError, Ctx, id, output};
use crate::external::External;
use crate::rules::{Problem, ec2_id, problem};

/// A queue, for a VPC it names.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scratch {
    pub vpc_id: String,
    pub queue: String,
    /// One stack per region when given (the multi-region capability, tested here).
    #[serde(default)]
    pub regions: Vec<String>,
}

impl Kind for Scratch {
    fn validate(&self, base: &str, out: &mut Vec<Problem>) {
        if !ec2_id("vpc", &self.vpc_id) {
            out.push(problem(
                format!("{base}.vpc_id"),
                format!("invalid VPC id '{}': expected vpc- and 8 or 17 hex digits", self.vpc_id),
            ));
        }
    }

    fn regions(&self) -> Vec<String> {
        self.regions.clone()
    }

    fn build(&self, ctx: &Ctx, description: Option<&str>) -> Result<Template, BuildError> {
        let mut t = Template { description: description.map(str::to_owned), ..Template::default() };
        let queue = id(&[&self.queue, "Queue"])?;
        // A regional stack names its queue after its region, as a peer region would derive it.
        let queue_name = ctx.region.as_ref().map(|r| format!("{}-{}", self.queue, r).into());
        t.add(
            &queue,
            sqs::Queue {
                queue_name,
                sqs_managed_sse_enabled: Some(true.into()),
                tags: ctx.tags(),
                ..Default::default()
            },
        )?;
        output(&mut t, "QueueUrl", "The queue", Expr::r#ref(&queue))?;
        Ok(t)
    }

    fn external(&self, _region: Option<&str>) -> Vec<External> {
        vec![External::Vpc { id: self.vpc_id.clone() }]
    }
}

#[cfg(test)]
mod regions {
    #[test]
    fn a_multi_region_blueprint_gets_one_stack_per_region_in_blueprint_order() {
        let src = "name: s\nsystem:\n  scratch:\n    vpc_id: vpc-0a1b2c3d\n    queue: jobs\n    regions: [us-east-1, eu-west-1]\n";
        let stacks = crate::synthesize("s.yaml", src, None).unwrap();
        let names: Vec<(&str, Option<&str>)> =
            stacks.iter().map(|a| (a.stack.as_str(), a.region.as_deref())).collect();
        assert_eq!(names, [("s-us-east-1", Some("us-east-1")), ("s-eu-west-1", Some("eu-west-1"))]);
        assert_eq!(stacks[1].files[0].0, "s-eu-west-1/template.yaml");
        assert!(stacks[1].files[0].1.contains("QueueName: jobs-eu-west-1"), "{}", stacks[1].files[0].1);
        assert!(stacks[1].files[1].1.contains("region `eu-west-1`"), "{}", stacks[1].files[1].1);

        let single = crate::synthesize(
            "s.yaml",
            "name: s\nsystem:\n  scratch:\n    vpc_id: vpc-0a1b2c3d\n    queue: jobs\n",
            None,
        )
        .unwrap();
        assert_eq!(single.len(), 1);
        assert_eq!((single[0].stack.as_str(), single[0].region.as_deref()), ("s", None));
        assert!(!single[0].files[0].1.contains("QueueName"));
    }
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use crate::external::External;

    #[test]
    fn a_registered_system_gets_schema_rules_build_and_external_references() {
        let ok = "name: s\nsystem:\n  scratch:\n    vpc_id: vpc-0a1b2c3d\n    queue: jobs\n";
        let a = crate::synthesize("s.yaml", ok, None).unwrap().remove(0);
        assert!(a.files[0].1.contains("\n  JobsQueue:\n"), "{}", a.files[0].1);
        assert_eq!(a.external, vec![External::Vpc { id: "vpc-0a1b2c3d".to_owned() }]);

        let typo = "name: s\nsystem:\n  scratch:\n    vpc_id: vpc-0a1b2c3d\n    queues: jobs\n";
        let err = crate::synthesize("s.yaml", typo, None).unwrap_err().to_string();
        expect![[r#"
            s.yaml:5:5: error at 'system.scratch': unknown field 'queues': expected one of queue, regions, vpc_id
              |
            5 |     queues: jobs
              |     ^
              = help: did you mean 'queue'?
            1 problem in s.yaml"#]]
        .assert_eq(&err);

        let bad = "name: s\nsystem:\n  scratch:\n    vpc_id: vpc-x\n    queue: jobs\n";
        let err = crate::synthesize("s.yaml", bad, None).unwrap_err().to_string();
        expect![[r#"
            s.yaml:4:13: error at 'system.scratch.vpc_id': invalid VPC id 'vpc-x': expected vpc- and 8 or 17 hex digits
              |
            4 |     vpc_id: vpc-x
              |             ^
            1 problem in s.yaml"#]].assert_eq(&err);
    }
}
