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

    fn build(&self, ctx: &Ctx, description: Option<&str>) -> Result<Template, BuildError> {
        let mut t = Template { description: description.map(str::to_owned), ..Template::default() };
        let queue = id(&[&self.queue, "Queue"])?;
        t.add(
            &queue,
            sqs::Queue { sqs_managed_sse_enabled: Some(true.into()), tags: ctx.tags(), ..Default::default() },
        )?;
        output(&mut t, "QueueUrl", "The queue", Expr::r#ref(&queue))?;
        Ok(t)
    }

    fn external(&self) -> Vec<External> {
        vec![External::Vpc { id: self.vpc_id.clone() }]
    }
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use crate::external::External;

    #[test]
    fn a_registered_system_gets_schema_rules_build_and_external_references() {
        let ok = "name: s\nsystem:\n  scratch:\n    vpc_id: vpc-0a1b2c3d\n    queue: jobs\n";
        let a = crate::synthesize("s.yaml", ok, None).unwrap();
        assert!(a.files[0].1.contains("\n  JobsQueue:\n"), "{}", a.files[0].1);
        assert_eq!(a.external, vec![External::Vpc { id: "vpc-0a1b2c3d".to_owned() }]);

        let typo = "name: s\nsystem:\n  scratch:\n    vpc_id: vpc-0a1b2c3d\n    queues: jobs\n";
        let err = crate::synthesize("s.yaml", typo, None).unwrap_err().to_string();
        expect![[r#"
            s.yaml:5:5: error at 'system.scratch': unknown field 'queues': expected one of queue, vpc_id
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
