//! Loading a blueprint: YAML text -> positioned tree -> schema check -> typed [`Blueprint`] -> semantic checks.
//!
//! Every environment in the file is checked, not only the selected one, so a typo in `prod` is caught
//! while working on `dev`. All problems are returned together in one [`Report`].

use std::collections::BTreeSet;

use crate::blueprint::{self, Blueprint};
use crate::diagnostic::{Diagnostic, Report, did_you_mean};
use crate::yaml::{self, Node};
use crate::{schema_check, validate};

/// A blueprint ready for synthesis, for one environment.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub blueprint: Blueprint,
    /// The selected environment, if any.
    pub env: Option<String>,
    /// The merged source tree, for positions in later diagnostics.
    pub tree: Node,
    /// Every environment the file defines.
    pub environments: Vec<String>,
}

impl Loaded {
    /// The stack name: the blueprint's name, suffixed with `-<env>` for an environment.
    pub fn stack_name(&self) -> String {
        match &self.env {
            Some(env) => format!("{}-{env}", self.blueprint.name),
            None => self.blueprint.name.clone(),
        }
    }
}

/// Loads `source` (read from `file`, used in messages) for the environment `env`.
pub fn load(file: &str, source: &str, env: Option<&str>) -> Result<Loaded, Report> {
    let report = |diagnostics: Vec<Diagnostic>| Report {
        file: file.to_owned(),
        source: source.to_owned(),
        diagnostics,
    };
    let mut tree = yaml::parse(source).map_err(report)?;
    let schema = blueprint::schema();
    let base_errors = schema_check::check(&schema, &tree);
    let mut diags: BTreeSet<Diagnostic> = BTreeSet::new();

    let envs_node = tree.remove("environments");
    let env_names: Vec<String> = match envs_node.as_ref().map(|n| &n.value) {
        Some(yaml::Value::Map(entries)) => entries.iter().map(|(k, _)| k.name.clone()).collect(),
        _ => Vec::new(),
    };
    let variant = |name: Option<&str>| -> Node {
        let mut t = tree.clone();
        if let (Some(name), Some(envs)) = (name, &envs_node)
            && let Some(over) = envs.get(name)
        {
            t.merge(over);
        }
        t
    };

    let mut selected = None;
    let candidates = std::iter::once(None).chain(env_names.iter().map(|n| Some(n.as_str())));
    for name in candidates {
        let t = variant(name);
        let errors = if name.is_some() { schema_check::check(&schema, &t) } else { base_errors.clone() };
        if !errors.is_empty() {
            diags.extend(errors);
            continue;
        }
        match serde_json::from_value::<Blueprint>(t.to_json()) {
            Ok(bp) => {
                let env_suffix = name.map_or(0, |n| n.len() + 1);
                diags.extend(validate::blueprint(&bp, env_suffix).into_iter().map(
                    |(path, message, help)| {
                        let mut d = Diagnostic::new(t.pos_of(&path), path, message);
                        d.help = help;
                        d
                    },
                ));
                if name == env {
                    selected = Some((bp, t));
                }
            }
            Err(e) => {
                diags.insert(Diagnostic::new(t.pos, "", format!("blueprint does not match its schema: {e}")));
            }
        }
    }
    if let Some(env) = env
        && !env_names.iter().any(|n| n == env)
    {
        let pos = envs_node.as_ref().map_or(tree.pos, |n| n.pos);
        let known = if env_names.is_empty() { "none are defined".to_owned() } else { env_names.join(", ") };
        let mut d = Diagnostic::new(
            pos,
            "environments",
            format!("unknown environment '{env}': expected one of {known}"),
        );
        d.help = did_you_mean(env, env_names.iter().map(String::as_str));
        diags.insert(d);
    }
    for name in &env_names {
        if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            || name.is_empty()
            || name.len() > 16
        {
            let path = format!("environments.{name}");
            let pos = envs_node.as_ref().map_or(tree.pos, |n| n.pos_of(name));
            diags.insert(Diagnostic::new(
                pos,
                path,
                format!("invalid environment name '{name}': expected 1 to 16 lowercase letters and digits"),
            ));
        }
    }
    match selected {
        Some((blueprint, tree)) if diags.is_empty() => {
            Ok(Loaded { blueprint, env: env.map(str::to_owned), tree, environments: env_names })
        }
        _ => Err(report(diags.into_iter().collect())),
    }
}
