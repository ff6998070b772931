//! `deploy` and `diff`: synth, validate, build, publish, change set, readable diff, then (deploy)
//! confirm, execute and follow the stack events to the end.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use aws_sdk_cloudformation::types::{ChangeSetType, TemplateStage};
use serde_json::Value;

use super::changes::{self, Body, Existing};
use super::session::{Session, sdk};
use super::{BlueprintRef, CHANGES_PENDING, Exit, Target, build, diff, events, local, publish};

/// CloudFormation's limit for a template passed inline.
const INLINE_LIMIT: usize = 51_200;

#[derive(Debug, Clone)]
pub(crate) struct Args {
    pub(crate) blueprint: String,
    pub(crate) env: Option<String>,
    pub(crate) target: Target,
    pub(crate) yes: bool,
    pub(crate) hotswap: bool,
    /// Run the validators even on a template that passed them before.
    pub(crate) revalidate: bool,
    /// Stop after printing the diff (`cargo xtask diff`).
    pub(crate) diff_only: bool,
}

/// Runs `deploy` or `diff`; returns the exit code (0, or [`CHANGES_PENDING`] for a diff with changes).
pub(crate) async fn run(root: &Path, cargo: &str, args: &Args) -> anyhow::Result<u8> {
    let bp = BlueprintRef::resolve(root, &args.blueprint)?;
    let artifact = bp.synthesize(args.env.as_deref())?;
    let stack = artifact.stack.clone();
    let (template_path, body_text) = write_out(root, &bp, &artifact)?;
    let resources = artifact.template.resources.len();
    eprintln!(
        "synth: {} ({resources} resources, {} bytes)",
        crate::synth::display_path(root, &template_path),
        body_text.len()
    );
    // The functions compile while the emulator starts and the validators run: on a first run each
    // takes minutes, and nothing before the upload needs the binaries.
    let wanted = publish::wanted(&artifact, args.target)?;
    let build = (!wanted.is_empty()).then(|| build::start(root, cargo, wanted));
    // Connect first: missing credentials or region should not wait for the validators.
    let session = Session::open(root, args.target).await?;
    let venv = crate::python::ensure_venv(root)?;
    crate::validators::run_cached(&venv, root, &template_path, args.revalidate)
        .context("the template failed validation; nothing was deployed")?;
    if args.target == Target::Local {
        local::ensure_stand_ins(&session, &artifact.external).await?;
    }
    let existing = changes::existing(&session, &stack).await?;
    if let Existing::Blocked { status, advice } = &existing {
        bail!("stack {stack} is {status}: {advice}");
    }

    let built = match build {
        Some(pending) => pending.finish()?,
        None => Vec::new(),
    };
    let functions = publish::upload(&session, &artifact, &built).await?;
    let mut parameters: Vec<(String, String)> = Vec::new();
    if !functions.is_empty() {
        parameters.push((synth::assets::ASSETS_BUCKET_PARAMETER.to_owned(), publish::bucket_name(&session)));
        for (f, key) in &functions {
            parameters.push((f.code_key_parameter.clone(), key.clone()));
        }
    }
    let body = if body_text.len() > INLINE_LIMIT {
        let bucket = publish::ensure_bucket(&session).await?;
        let ext = template_path.extension().map_or("yaml".into(), |e| e.to_string_lossy().into_owned());
        Body::Url(publish::template(&session, &bucket, &stack, &body_text, &ext).await?)
    } else {
        Body::Inline(body_text.clone())
    };

    let deployed = match &existing {
        Existing::Updatable { .. } => Some(deployed(&session, &stack).await?),
        _ => None,
    };
    if args.hotswap && !args.diff_only {
        match (&deployed, &existing) {
            (Some(d), _) => match hotswap_plan(d, &body_text, &parameters, &functions) {
                Ok(swaps) if swaps.is_empty() => {
                    eprintln!("deploy: no changes: stack {stack} is up to date");
                    return Ok(0);
                }
                Ok(swaps) => {
                    hotswap(&session, &stack, &publish::bucket_name(&session), &swaps).await?;
                    return Ok(0);
                }
                Err(why) => eprintln!("hotswap: not possible ({why}); deploying with a change set"),
            },
            (None, _) => eprintln!("hotswap: the stack does not exist yet; deploying with a change set"),
        }
    }

    if existing == Existing::RolledBackCreate && args.diff_only {
        // No change set can be made against a rolled-back stack: everything will be created anew.
        let changes: Vec<diff::ResourceChange> = artifact
            .template
            .resources
            .iter()
            .map(|(id, r)| diff::ResourceChange {
                action: diff::Action::Add,
                logical_id: id.as_str().to_owned(),
                resource_type: r.props.type_name().to_owned(),
                replacement: diff::Replacement::NotApplicable,
                properties: Vec::new(),
            })
            .collect();
        let security = diff::security_changes(None, &parse_template(&body_text)?);
        print!("{}", diff::render(&stack, &changes, &security));
        eprintln!("diff: stack {stack} is ROLLBACK_COMPLETE; deploy deletes it and creates everything again");
        return Ok(CHANGES_PENDING);
    }
    if existing == Existing::RolledBackCreate {
        eprintln!(
            "deploy: stack {stack} is ROLLBACK_COMPLETE (its first create failed and nothing of it is left); \
             deleting it so it can be created again"
        );
        let outcome = changes::delete_stack(&session, &stack, 0).await?;
        if !outcome.succeeded() {
            bail!("could not delete the rolled-back stack {stack}: {}", outcome.status);
        }
    }
    let kind = if deployed.is_some() { ChangeSetType::Update } else { ChangeSetType::Create };
    let ready = changes::create(&session, &stack, kind.clone(), &body, &parameters).await?;
    let old_template = deployed.as_ref().map(|d| parse_template(&d.body)).transpose()?;
    let new_template = parse_template(&body_text)?;
    let security = diff::security_changes(old_template.as_ref(), &new_template);
    print!("{}", diff::render(&stack, &ready.changes, &security));

    if !ready.executable {
        eprintln!(
            "{}: no changes: stack {stack} is up to date",
            if args.diff_only { "diff" } else { "deploy" }
        );
        return Ok(0);
    }
    if args.diff_only {
        discard(&session, &ready).await?;
        if ready.changes.is_empty() {
            eprintln!("diff: no resource changes; only the stack's parameters or outputs differ");
        }
        eprintln!(
            "diff: changes pending (exit code {CHANGES_PENDING}); `cargo xtask deploy {}` applies them",
            args.blueprint
        );
        return Ok(CHANGES_PENDING);
    }
    if ready.changes.is_empty() {
        eprintln!("deploy: no resource changes; updating the stack's parameters and outputs");
    }
    if !args.yes
        && !super::confirm(&format!("Deploy these changes to {stack} ({})?", args.target.as_str()), "--yes")?
    {
        discard(&session, &ready).await?;
        return Err(Exit { code: 1, message: "deploy cancelled; nothing was changed".to_owned() }.into());
    }

    let seen = events::seen_events(&session, &ready.stack_id).await?;
    changes::execute(&session, &ready.id).await?;
    let touched = ready.changes.len();
    let outcome = events::follow(&session, &ready.stack_id, seen, touched).await?;
    if !outcome.succeeded() {
        let mut message = format!("deploy failed: stack {stack} is {}", outcome.status);
        if let Some(reason) = &outcome.reason {
            message.push_str(&format!(" ({reason})"));
        }
        for f in &outcome.failures {
            message.push_str(&format!("\n  failed: {f}"));
        }
        if outcome.status == "ROLLBACK_COMPLETE" {
            message.push_str("\nthe first create rolled back; the next deploy deletes the empty stack and creates it again");
        }
        return Err(Exit { code: 1, message }.into());
    }
    print_outputs(&session, &stack).await?;
    eprintln!("deploy: stack {stack} is {}", outcome.status);
    Ok(0)
}

/// Writes the artifact's files to `out/` (what is deployed is what is checked in) and returns the
/// template's path and text. Blueprints from outside `blueprints/` render to `target/xtask/out/`
/// instead: `out/` holds the checked-in blueprints' templates only.
fn write_out(
    root: &Path,
    bp: &BlueprintRef,
    artifact: &synth::Artifact,
) -> anyhow::Result<(std::path::PathBuf, String)> {
    let out =
        if bp.shown.starts_with("blueprints/") { root.join("out") } else { root.join("target/xtask/out") };
    let shown_out = crate::synth::display_path(root, &out);
    let mut template = None;
    for (rel, contents) in &artifact.files {
        let path = out.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(contents.as_str()) {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, contents).with_context(|| format!("cannot write {shown_out}/{rel}"))?;
            if shown_out == "out" {
                eprintln!("synth: wrote out/{rel} (commit it with the blueprint change)");
            }
        }
        if template.is_none() {
            template = Some((path, contents.clone()));
        }
    }
    template.context("synth produced no template")
}

/// What is deployed now.
#[derive(Debug, Clone)]
pub(crate) struct Deployed {
    pub(crate) body: String,
    pub(crate) parameters: BTreeMap<String, String>,
}

pub(crate) async fn deployed(session: &Session, stack: &str) -> anyhow::Result<Deployed> {
    let t = session
        .cfn
        .get_template()
        .stack_name(stack)
        .template_stage(TemplateStage::Original)
        .send()
        .await
        .map_err(sdk)
        .with_context(|| format!("cannot read the deployed template of {stack}"))?;
    let s = session.cfn.describe_stacks().stack_name(stack).send().await.map_err(sdk)?;
    let parameters = s
        .stacks()
        .first()
        .map(|s| {
            s.parameters()
                .iter()
                .filter_map(|p| Some((p.parameter_key()?.to_owned(), p.parameter_value()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    Ok(Deployed { body: t.template_body().unwrap_or_default().to_owned(), parameters })
}

/// A template (YAML or JSON text) as JSON.
pub(crate) fn parse_template(text: &str) -> anyhow::Result<Value> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return Ok(v);
    }
    let node = synth::yaml::parse(text).map_err(|d| {
        anyhow::anyhow!(
            "cannot parse a template: {}",
            d.first().map(|d| d.message.clone()).unwrap_or_default()
        )
    })?;
    Ok(node.to_json())
}

/// The functions whose code can be swapped in place: only when the template is unchanged and the
/// only parameters that differ are code keys. `Err` says why not.
pub(crate) fn hotswap_plan(
    deployed: &Deployed,
    new_body: &str,
    parameters: &[(String, String)],
    functions: &[(synth::assets::FunctionAsset, String)],
) -> Result<Vec<(String, String)>, String> {
    if deployed.body != new_body {
        return Err("the template changed, not only function code".to_owned());
    }
    let mut swaps = Vec::new();
    for (key, value) in parameters {
        if deployed.parameters.get(key) == Some(value) {
            continue;
        }
        match functions.iter().find(|(f, _)| &f.code_key_parameter == key) {
            Some((f, _)) => swaps.push((f.logical_id.clone(), value.clone())),
            None => return Err(format!("parameter {key} changed")),
        }
    }
    Ok(swaps)
}

async fn hotswap(
    session: &Session,
    stack: &str,
    bucket: &str,
    swaps: &[(String, String)],
) -> anyhow::Result<()> {
    for (logical_id, key) in swaps {
        let physical = physical_id(session, stack, logical_id).await?;
        session
            .lambda
            .update_function_code()
            .function_name(&physical)
            .s3_bucket(bucket)
            .s3_key(key)
            .send()
            .await
            .map_err(sdk)
            .with_context(|| format!("cannot update the code of {physical}"))?;
        eprintln!(
            "hotswap: updated the code of {logical_id} ({physical}) to s3://{bucket}/{key}, without a stack update"
        );
    }
    eprintln!(
        "hotswap: the stack's code-key parameters still name the previous zips; the next deploy without \
         --hotswap brings the stack in line"
    );
    Ok(())
}

pub(crate) async fn physical_id(session: &Session, stack: &str, logical_id: &str) -> anyhow::Result<String> {
    let out = session
        .cfn
        .describe_stack_resource()
        .stack_name(stack)
        .logical_resource_id(logical_id)
        .send()
        .await
        .map_err(sdk)
        .with_context(|| format!("cannot find {logical_id} in stack {stack}"))?;
    out.stack_resource_detail()
        .and_then(|d| d.physical_resource_id())
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .with_context(|| format!("{logical_id} of stack {stack} has no physical id"))
}

/// Deletes a change set that will not be executed, and the empty stack a CREATE one made.
async fn discard(session: &Session, ready: &changes::Ready) -> anyhow::Result<()> {
    changes::delete(session, &ready.id).await?;
    if ready.kind == ChangeSetType::Create {
        session.cfn.delete_stack().stack_name(&ready.stack_id).send().await.map_err(sdk)?;
    }
    Ok(())
}

async fn print_outputs(session: &Session, stack: &str) -> anyhow::Result<()> {
    let out = session.cfn.describe_stacks().stack_name(stack).send().await.map_err(sdk)?;
    let outputs = out.stacks().first().map(|s| s.outputs().to_vec()).unwrap_or_default();
    if outputs.is_empty() {
        return Ok(());
    }
    println!("Outputs:");
    let w = outputs.iter().filter_map(|o| o.output_key()).map(str::len).max().unwrap_or(0);
    for o in outputs {
        println!("  {:<w$}  {}", o.output_key().unwrap_or_default(), o.output_value().unwrap_or_default());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(id: &str, param: &str) -> (synth::assets::FunctionAsset, String) {
        let f = synth::assets::FunctionAsset {
            logical_id: id.into(),
            binary: "b".into(),
            architecture: "arm64".into(),
            code_key_parameter: param.into(),
        };
        (f, "k".into())
    }

    fn deployed(params: &[(&str, &str)]) -> Deployed {
        Deployed {
            body: "T".into(),
            parameters: params.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
        }
    }

    #[test]
    fn hotswap_swaps_only_functions_whose_code_key_changed() {
        let d = deployed(&[("AssetsBucket", "b"), ("ACodeKey", "a1"), ("BCodeKey", "b1")]);
        let params = vec![
            ("AssetsBucket".to_owned(), "b".to_owned()),
            ("ACodeKey".to_owned(), "a2".to_owned()),
            ("BCodeKey".to_owned(), "b1".to_owned()),
        ];
        let fns = [asset("AFunction", "ACodeKey"), asset("BFunction", "BCodeKey")];
        assert_eq!(hotswap_plan(&d, "T", &params, &fns), Ok(vec![("AFunction".to_owned(), "a2".to_owned())]));
        assert_eq!(hotswap_plan(&d, "T", &params[..1], &fns), Ok(vec![]), "nothing changed");
    }

    #[test]
    fn hotswap_refuses_template_and_other_parameter_changes() {
        let d = deployed(&[("AssetsBucket", "b"), ("ACodeKey", "a1")]);
        let fns = [asset("AFunction", "ACodeKey")];
        let same = vec![("ACodeKey".to_owned(), "a2".to_owned())];
        assert!(hotswap_plan(&d, "T2", &same, &fns).is_err_and(|e| e.contains("template changed")));
        let other = vec![("AssetsBucket".to_owned(), "c".to_owned())];
        assert!(hotswap_plan(&d, "T", &other, &fns).is_err_and(|e| e.contains("AssetsBucket")));
    }

    #[test]
    fn templates_parse_from_yaml_and_json() {
        let y = parse_template("Resources:\n  A:\n    Type: AWS::SQS::Queue\n").expect("yaml");
        let j = parse_template(r#"{"Resources": {"A": {"Type": "AWS::SQS::Queue"}}}"#).expect("json");
        assert_eq!(y, j);
    }
}
