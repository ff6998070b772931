//! `deploy` and `diff`: synth, validate, build, publish, change set, readable diff, then (deploy)
//! confirm, execute and follow the stack events to the end.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use aws_sdk_cloudformation::types::{ChangeSetType, TemplateStage};
use serde_json::Value;

use super::changes::{self, Body, Existing};
use super::session::{Session, sdk};
use super::{BlueprintRef, CHANGES_PENDING, Exit, Target, build, diff, events, local, publish, stacks};

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
    /// Only the stack of this region (a multi-region blueprint); `None`: every stack.
    pub(crate) region: Option<String>,
}

/// Runs `deploy` or `diff`; returns the exit code (0, or [`CHANGES_PENDING`] for a diff with changes).
///
/// Every stack of the blueprint (or the one `--region` names) is prepared in deploy order, each with
/// clients for its own region: validated, its stand-ins made (local), its code published to its
/// region's asset bucket, its change set computed and its diff printed. Deploy then asks once and
/// executes the change sets in the same order, stopping at the first stack that fails.
pub(crate) async fn run(root: &Path, cargo: &str, args: &Args) -> anyhow::Result<u8> {
    let bp = BlueprintRef::resolve(root, &args.blueprint)?;
    let artifacts = stacks::select(
        bp.synthesize_stacks(args.env.as_deref())?,
        args.region.as_deref(),
        stacks::Order::Deploy,
        &bp.shown,
    )?;
    let mut templates = Vec::new();
    for artifact in &artifacts {
        let (template_path, body_text) = write_out(root, &bp, artifact)?;
        eprintln!(
            "synth: {} ({} resources, {} bytes)",
            crate::synth::display_path(root, &template_path),
            artifact.template.resources.len(),
            body_text.len()
        );
        templates.push((template_path, body_text));
    }
    // The functions compile while the emulator starts and the validators run: on a first run each
    // takes minutes, and nothing before the upload needs the binaries.
    let mut wanted = Vec::new();
    for artifact in &artifacts {
        wanted.extend(publish::wanted(artifact, args.target)?);
    }
    wanted.sort();
    wanted.dedup();
    let mut build = Build::Pending((!wanted.is_empty()).then(|| build::start(root, cargo, wanted)));
    // Connect first: missing credentials or region should not wait for the validators.
    let base = Session::open(root, args.target).await?;
    let venv = crate::python::ensure_venv(root)?;
    let verb = if args.diff_only { "diff" } else { "deploy" };
    let count = artifacts.len();
    let mut ready = Vec::new();
    let mut pending = false;
    for (i, (artifact, (template_path, body_text))) in artifacts.iter().zip(&templates).enumerate() {
        if let Some(heading) = stacks::heading(verb, artifact, i, count) {
            eprintln!("{heading}");
        }
        let session = base.in_region(artifact.region.as_deref());
        let stack = Stack { session, artifact, template_path, body_text };
        match prepare(root, &venv, &stack, &mut build, args).await {
            Ok(Prepared::Done { pending: p }) => pending |= p,
            Ok(Prepared::Ready(r)) => ready.push((stack, r)),
            Err(e) => {
                discard_all(&ready).await;
                return Err(e);
            }
        }
    }
    if args.diff_only {
        return Ok(if pending { CHANGES_PENDING } else { 0 });
    }
    if ready.is_empty() {
        return Ok(0);
    }
    let names: Vec<&str> = ready.iter().map(|(s, _)| s.artifact.stack.as_str()).collect();
    if !args.yes
        && !super::confirm(
            &format!("Deploy these changes to {} ({})?", names.join(", "), args.target.as_str()),
            "--yes",
        )?
    {
        discard_all(&ready).await;
        return Err(Exit { code: 1, message: "deploy cancelled; nothing was changed".to_owned() }.into());
    }
    let mut deployed_ok = Vec::new();
    for (i, (stack, r)) in ready.iter().enumerate() {
        if ready.len() > 1
            && let Some(heading) = stacks::heading("deploy", stack.artifact, i, ready.len())
        {
            eprintln!("{heading}: executing its change set");
        }
        if let Err(e) = execute(&stack.session, &stack.artifact.stack, r).await {
            let rest = &ready[i + 1..];
            if rest.is_empty() {
                return Err(e);
            }
            discard_all(rest).await;
            let skipped: Vec<&str> = rest.iter().map(|(s, _)| s.artifact.stack.as_str()).collect();
            let done = if deployed_ok.is_empty() {
                String::new()
            } else {
                format!("; deployed before it: {}", deployed_ok.join(", "))
            };
            let message = format!(
                "{}
not deployed, their change sets deleted: {}{done}",
                e.downcast_ref::<Exit>().map_or_else(|| format!("{e:#}"), |x| x.message.clone()),
                skipped.join(", ")
            );
            return Err(Exit { code: 1, message }.into());
        }
        deployed_ok.push(stack.artifact.stack.clone());
    }
    if count > 1 {
        eprintln!("deploy: {} of {count} stacks updated: {}", deployed_ok.len(), deployed_ok.join(", "));
    }
    Ok(0)
}

/// One stack of the blueprint, with clients for its region.
struct Stack<'a> {
    session: Session,
    artifact: &'a synth::Artifact,
    template_path: &'a std::path::PathBuf,
    body_text: &'a String,
}

/// The functions' build: running until the first stack needs the binaries, then its packages.
enum Build {
    Pending(Option<build::Pending>),
    Done(Vec<build::Package>),
}

impl Build {
    fn packages(&mut self) -> anyhow::Result<&[build::Package]> {
        if let Build::Pending(pending) = self {
            let built = match pending.take() {
                Some(p) => p.finish()?,
                None => Vec::new(),
            };
            *self = Build::Done(built);
        }
        match self {
            Build::Done(built) => Ok(built),
            Build::Pending(_) => bail!("the build did not finish"),
        }
    }
}

/// Where a stack stands after its change set was computed.
enum Prepared {
    /// Nothing left to execute: up to date, hot-swapped, or (diff) shown; `pending` when a diff
    /// found changes.
    Done { pending: bool },
    /// A change set to execute once deploy is confirmed.
    Ready(changes::Ready),
}

async fn prepare(
    root: &Path,
    venv: &crate::python::Venv,
    stack: &Stack<'_>,
    build: &mut Build,
    args: &Args,
) -> anyhow::Result<Prepared> {
    let Stack { session, artifact, template_path, body_text } = stack;
    let stack = artifact.stack.clone();
    crate::validators::run_cached(venv, root, template_path, args.revalidate)
        .context("the template failed validation; nothing was deployed")?;
    if args.target == Target::Local {
        local::ensure_stand_ins(session, &artifact.external).await?;
    }
    let existing = changes::existing(session, &stack).await?;
    if let Existing::Blocked { status, advice } = &existing {
        bail!("stack {stack} is {status}: {advice}");
    }

    let built = build.packages()?;
    let functions = publish::upload(session, artifact, built).await?;
    let mut parameters: Vec<(String, String)> = Vec::new();
    if !functions.is_empty() {
        parameters.push((synth::assets::ASSETS_BUCKET_PARAMETER.to_owned(), publish::bucket_name(session)));
        for (f, key) in &functions {
            parameters.push((f.code_key_parameter.clone(), key.clone()));
        }
    }
    let body = if body_text.len() > INLINE_LIMIT {
        let bucket = publish::ensure_bucket(session).await?;
        let ext = template_path.extension().map_or("yaml".into(), |e| e.to_string_lossy().into_owned());
        Body::Url(publish::template(session, &bucket, &stack, body_text, &ext).await?)
    } else {
        Body::Inline((*body_text).clone())
    };

    let deployed = match &existing {
        Existing::Updatable { .. } => Some(deployed(session, &stack).await?),
        _ => None,
    };
    if args.hotswap && !args.diff_only {
        match (&deployed, &existing) {
            (Some(d), _) => match hotswap_plan(d, body_text, &parameters, &functions) {
                Ok(swaps) if swaps.is_empty() => {
                    eprintln!("deploy: no changes: stack {stack} is up to date");
                    return Ok(Prepared::Done { pending: false });
                }
                Ok(swaps) => {
                    hotswap(session, &stack, &publish::bucket_name(session), &swaps).await?;
                    return Ok(Prepared::Done { pending: false });
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
        let security = diff::security_changes(None, &parse_template(body_text)?);
        print!("{}", diff::render(&stack, &changes, &security));
        eprintln!("diff: stack {stack} is ROLLBACK_COMPLETE; deploy deletes it and creates everything again");
        return Ok(Prepared::Done { pending: true });
    }
    if existing == Existing::RolledBackCreate {
        eprintln!(
            "deploy: stack {stack} is ROLLBACK_COMPLETE (its first create failed and nothing of it is left); \
             deleting it so it can be created again"
        );
        let outcome = changes::delete_stack(session, &stack, 0).await?;
        if !outcome.succeeded() {
            bail!("could not delete the rolled-back stack {stack}: {}", outcome.status);
        }
    }
    let kind = if deployed.is_some() { ChangeSetType::Update } else { ChangeSetType::Create };
    let ready = changes::create(session, &stack, kind.clone(), &body, &parameters).await?;
    let old_template = deployed.as_ref().map(|d| parse_template(&d.body)).transpose()?;
    let new_template = parse_template(body_text)?;
    let security = diff::security_changes(old_template.as_ref(), &new_template);
    print!("{}", diff::render(&stack, &ready.changes, &security));

    if !ready.executable {
        eprintln!(
            "{}: no changes: stack {stack} is up to date",
            if args.diff_only { "diff" } else { "deploy" }
        );
        return Ok(Prepared::Done { pending: false });
    }
    if args.diff_only {
        discard(session, &ready).await?;
        if ready.changes.is_empty() {
            eprintln!("diff: no resource changes; only the stack's parameters or outputs differ");
        }
        eprintln!(
            "diff: changes pending (exit code {CHANGES_PENDING}); `cargo xtask deploy {}` applies them",
            args.blueprint
        );
        return Ok(Prepared::Done { pending: true });
    }
    if ready.changes.is_empty() {
        eprintln!("deploy: no resource changes; updating the stack's parameters and outputs");
    }
    Ok(Prepared::Ready(ready))
}

/// Executes a confirmed change set and follows the stack's events to the end.
async fn execute(session: &Session, stack: &str, ready: &changes::Ready) -> anyhow::Result<()> {
    let seen = events::seen_events(session, &ready.stack_id).await?;
    changes::execute(session, &ready.id).await?;
    let touched = ready.changes.len();
    let outcome = events::follow(session, &ready.stack_id, seen, touched).await?;
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
    print_outputs(session, stack).await?;
    eprintln!("deploy: stack {stack} is {}", outcome.status);
    Ok(())
}

/// Deletes change sets that will not be executed (best effort: the first error is what matters).
async fn discard_all(ready: &[(Stack<'_>, changes::Ready)]) {
    for (stack, r) in ready {
        if let Err(e) = discard(&stack.session, r).await {
            eprintln!("deploy: cannot delete the change set of {}: {e:#}", stack.artifact.stack);
        }
    }
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
