//! `synth`: renders AWS CloudFormation templates from typed blueprints.
//!
//! The pipeline is load -> validate -> build -> check -> render:
//! - [`load`] parses a blueprint's YAML into a positioned tree, checks it against the blueprint schema
//!   and semantic rules (all problems at once, with file:line:column), and yields a typed [`blueprint::Blueprint`];
//! - [`systems`] turn a blueprint into a [`cfn::Template`] using the intent-level builders in [`constructs`];
//! - [`check`] lints the built template offline (references, attributes, cycles, CloudFormation limits);
//! - [`render`] serializes it deterministically to YAML or JSON, and [`docs`] writes its README.
//!
//! Architecture Invariant: synth does no I/O beyond the strings it is given and has no AWS SDK
//! dependency; the same input always yields byte-identical output.

pub mod assets;
pub mod blueprint;
pub mod cfn;
pub mod check;
pub mod cidr;
pub mod constructs;
pub mod diagnostic;
pub mod docs;
pub mod external;
pub mod load;
pub mod render;
pub mod rules;
pub mod schema_check;
pub mod systems;
pub mod validate;
pub mod yaml;

use constructs::BuildError;
use diagnostic::Report;

/// The files synthesized for one stack, with paths relative to the output directory.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub stack: String,
    /// Environments the blueprint defines (each can be synthesized with its name).
    pub environments: Vec<String>,
    pub template: cfn::Template,
    /// `(path, contents)`, such as `("orders/template.yaml", ...)`.
    pub files: Vec<(String, String)>,
    /// The template is over the inline limit and must be deployed from S3.
    pub needs_s3: bool,
    /// What the blueprint refers to outside the stack (see [`external`]).
    pub external: Vec<external::External>,
    /// The region this stack belongs to, for a multi-region blueprint (one stack per region);
    /// `None` for a single-stack blueprint, which deploys to the target's region.
    pub region: Option<String>,
}

impl Artifact {
    /// The path of the template file, relative to the output directory.
    pub fn template_path(&self) -> &str {
        self.files.first().map_or("", |(p, _)| p.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Blueprint(Report),
    #[error("internal error while building stack '{stack}': {source}")]
    Build { stack: String, source: BuildError },
    #[error("the template for stack '{stack}' failed its checks:\n  {}", problems.join("\n  "))]
    Check { stack: String, problems: Vec<String> },
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error("failed to render the README of stack '{stack}': {source}")]
    Docs { stack: String, source: minijinja::Error },
}

/// Loads, validates, builds, checks and renders one blueprint for one environment: its one stack,
/// or for a multi-region blueprint one stack per region, in deploy order (destroy in reverse).
/// `blueprint_file` is the path shown in messages and docs; keep it relative so output is portable.
pub fn synthesize(blueprint_file: &str, source: &str, env: Option<&str>) -> Result<Vec<Artifact>, Error> {
    let loaded = load::load(blueprint_file, source, env).map_err(Error::Blueprint)?;
    let (kind, system) = loaded.blueprint.system.kind();
    let mut regions = system.regions();
    // A system keyed by region (a map) loses the blueprint's order on its way through serde_json
    // (sorted unless a build turns on `preserve_order`): deploy in the order the file lists them.
    regions.sort_by_key(|r| loaded.tree.at(&format!("system.{kind}.regions.{r}")).map(|n| n.pos));
    if regions.is_empty() {
        return Ok(vec![stack(&loaded, blueprint_file, env, None)?]);
    }
    regions.iter().map(|region| stack(&loaded, blueprint_file, env, Some(region))).collect()
}

/// Builds, checks and renders one stack of a loaded blueprint.
fn stack(
    loaded: &load::Loaded,
    blueprint_file: &str,
    env: Option<&str>,
    region: Option<&str>,
) -> Result<Artifact, Error> {
    let stack = match region {
        Some(region) => format!("{}-{region}", loaded.stack_name()),
        None => loaded.stack_name(),
    };
    let template = systems::build(loaded, &stack, region)
        .map_err(|source| Error::Build { stack: stack.clone(), source })?;
    let mut problems = check::template(&template);
    let format = loaded.blueprint.output.format;
    let rendered = render::render(&template, format)?;
    let needs_s3 = match check::size(&rendered) {
        Ok(s3) => s3,
        Err(e) => {
            problems.push(e);
            false
        }
    };
    if !problems.is_empty() {
        return Err(Error::Check { stack, problems });
    }
    let template_file = format!("template.{}", render::extension(format));
    let readme = docs::readme(
        &template,
        &docs::DocInput {
            stack: &stack,
            blueprint_file,
            env,
            region,
            template_file: &template_file,
            size: rendered.len(),
            needs_s3,
        },
    )
    .map_err(|source| Error::Docs { stack: stack.clone(), source })?;
    let files = vec![(format!("{stack}/{template_file}"), rendered), (format!("{stack}/README.md"), readme)];
    let environments = loaded.environments.clone();
    let external = external::references(&loaded.blueprint, region);
    Ok(Artifact {
        stack,
        environments,
        template,
        files,
        needs_s3,
        external,
        region: region.map(str::to_owned),
    })
}

/// The blueprint JSON Schema, pretty-printed, as written to `out/schema/blueprint.schema.json`.
/// Keys are sorted at every level, so the file is the same whether or not another crate in the build
/// turned on serde_json's `preserve_order`.
pub fn schema_json() -> String {
    serde_json::to_string_pretty(&canonical_json(&blueprint::schema())).unwrap_or_default() + "\n"
}

/// `v` with object keys sorted at every level. Object order otherwise depends on whether another
/// crate in the build turned on serde_json's `preserve_order`, and synth's output must not.
pub(crate) fn canonical_json(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let sorted: std::collections::BTreeMap<&String, serde_json::Value> =
                m.iter().map(|(k, v)| (k, canonical_json(v))).collect();
            serde_json::Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(canonical_json).collect()),
        other => other.clone(),
    }
}
