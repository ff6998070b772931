//! `cargo xtask invoke <blueprint> <function> --event FILE|NAME`: run a deployed function once.
//!
//! Lambda Invoke with the log tail, on either target: on `local` the emulator runs the deployed
//! function as Lambda does (its deployed code and environment, its timeout, its VPC's network,
//! its log group), so what runs is what was deployed, configured as deployed. After a code change,
//! `cargo xtask deploy --hotswap` first.
//!
//! Sample events live in `runtime/events/<binary>/<name>.json`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::session::{Session, sdk};
use super::{BlueprintRef, Exit, Target, flow, stacks};

#[derive(Debug, Clone)]
pub(crate) struct Args {
    pub(crate) blueprint: String,
    pub(crate) function: String,
    pub(crate) event: String,
    pub(crate) env: Option<String>,
    pub(crate) target: Target,
    /// The region whose stack runs the function (required for a multi-region blueprint).
    pub(crate) region: Option<String>,
}

pub(crate) async fn run(root: &Path, args: &Args) -> anyhow::Result<()> {
    let bp = BlueprintRef::resolve(root, &args.blueprint)?;
    let artifact =
        stacks::one(bp.synthesize_stacks(args.env.as_deref())?, args.region.as_deref(), &bp.shown)?;
    let stack = artifact.stack;
    let session = Session::open(root, args.target).await?.in_region(artifact.region.as_deref());
    if super::events::describe_status(&session, &stack).await?.is_none() {
        bail!(
            "stack {stack} is not deployed on target {}: run `cargo xtask deploy {}` first",
            args.target.as_str(),
            args.blueprint
        );
    }
    let deployed = flow::deployed(&session, &stack).await?;
    let functions = synth::assets::functions(&flow::parse_template(&deployed.body)?);
    let function = pick(&functions, &args.function)
        .with_context(|| format!("stack {stack} has no function '{}'", args.function))?;
    let event = event(root, &function.binary, &args.event)?;
    let physical = flow::physical_id(&session, &stack, &function.logical_id).await?;
    let place = artifact.region.as_deref().map(|r| format!(" in region {r}")).unwrap_or_default();
    eprintln!(
        "invoke: {} ({physical}, binary {}){place} with {} bytes of event",
        function.logical_id,
        function.binary,
        event.len()
    );
    let invoked = invoke(&session, &physical, event).await;
    if args.target == Target::Local {
        eprintln!(
            "invoke: all of the function's output: `cargo xtask logs {} {}`",
            args.blueprint, args.function
        );
    }
    invoked
}

/// The function named by `wanted`: its logical ID, that ID without the `Function` suffix, its
/// binary, or an unambiguous start of its logical ID, case-insensitively. Lists the choices otherwise.
pub(crate) fn pick<'a>(
    functions: &'a [synth::assets::FunctionAsset],
    wanted: &str,
) -> anyhow::Result<&'a synth::assets::FunctionAsset> {
    let w = wanted.to_ascii_lowercase();
    let matches = |f: &synth::assets::FunctionAsset| {
        let id = f.logical_id.to_ascii_lowercase();
        id == w || id.strip_suffix("function") == Some(w.as_str()) || f.binary == w
    };
    let prefixed: Vec<_> =
        functions.iter().filter(|f| f.logical_id.to_ascii_lowercase().starts_with(&w)).collect();
    match functions.iter().find(|f| matches(f)) {
        Some(f) => Ok(f),
        None if prefixed.len() == 1 => Ok(prefixed[0]),
        None if functions.is_empty() => bail!("it has no functions"),
        None => bail!(
            "expected one of: {}",
            functions
                .iter()
                .map(|f| format!(
                    "{} ({})",
                    f.logical_id.strip_suffix("Function").unwrap_or(&f.logical_id),
                    f.binary
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The event: a file, or a sample of the function's by name.
fn event(root: &Path, binary: &str, arg: &str) -> anyhow::Result<Vec<u8>> {
    let samples = root.join("runtime/events").join(binary);
    let path =
        if Path::new(arg).is_file() { PathBuf::from(arg) } else { samples.join(format!("{arg}.json")) };
    if !path.is_file() {
        let names: Vec<String> = std::fs::read_dir(&samples)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter_map(|e| e.path().file_stem().map(|s| s.to_string_lossy().into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        bail!("no event '{arg}': expected a file, or a sample of {binary}: {}", names.join(", "));
    }
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .with_context(|| format!("the event {} is not JSON", path.display()))?;
    Ok(bytes)
}

async fn invoke(session: &Session, function: &str, event: Vec<u8>) -> anyhow::Result<()> {
    use aws_sdk_lambda::types::LogType;
    let out = session
        .lambda
        .invoke()
        .function_name(function)
        .payload(aws_sdk_lambda::primitives::Blob::new(event))
        .log_type(LogType::Tail)
        .send()
        .await
        .map_err(sdk)
        .with_context(|| format!("cannot invoke {function}"))?;
    if let Some(tail) = out.log_result() {
        let logs = aws_smithy_types::base64::decode(tail).unwrap_or_default();
        eprintln!("--- logs (tail) ---\n{}", String::from_utf8_lossy(&logs).trim_end());
    }
    let payload = out.payload().map(|p| p.as_ref().to_vec()).unwrap_or_default();
    print_result(&payload);
    if let Some(kind) = out.function_error() {
        return Err(Exit { code: 1, message: format!("the function failed ({kind})") }.into());
    }
    Ok(())
}

fn print_result(body: &[u8]) {
    let text = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    eprintln!("--- result ---");
    println!("{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(id: &str, binary: &str) -> synth::assets::FunctionAsset {
        synth::assets::FunctionAsset {
            logical_id: id.into(),
            binary: binary.into(),
            architecture: "arm64".into(),
            code_key_parameter: format!("{id}CodeKey"),
        }
    }

    #[test]
    fn functions_are_found_by_id_short_name_or_binary() {
        let fns = [f("SyncFunction", "alb-static-ip-sync"), f("CallerFunction", "private-lambda-caller")];
        assert_eq!(pick(&fns, "sync").expect("short").logical_id, "SyncFunction");
        assert_eq!(pick(&fns, "SyncFunction").expect("id").logical_id, "SyncFunction");
        assert_eq!(pick(&fns, "private-lambda-caller").expect("binary").logical_id, "CallerFunction");
        let targets = [f("HelloTargetFunction", "p"), f("OrdersTargetFunction", "p")];
        assert_eq!(pick(&targets, "hello").expect("prefix").logical_id, "HelloTargetFunction");
        let err = pick(&fns, "nope").expect_err("unknown").to_string();
        assert!(
            err.contains("Sync (alb-static-ip-sync)") && err.contains("Caller (private-lambda-caller)"),
            "{err}"
        );
    }

    #[test]
    fn every_function_ships_sample_events() {
        let root = crate::project_root();
        for spec in contract::ALL_FUNCTIONS {
            let dir = root.join("runtime/events").join(spec.binary);
            let samples: Vec<_> =
                std::fs::read_dir(&dir).map(|d| d.filter_map(Result::ok).collect()).unwrap_or_default();
            assert!(!samples.is_empty(), "no sample events in {}", dir.display());
            for s in samples {
                let bytes = std::fs::read(s.path()).expect("read");
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .unwrap_or_else(|e| panic!("{}: {e}", s.path().display()));
            }
        }
    }
}
