//! `cargo xtask logs <blueprint> [function] [--follow]`: what the deployed functions wrote, like
//! `sam logs`.
//!
//! Both targets read CloudWatch Logs: on `aws` the functions' log groups; on `local` the emulator
//! runs the functions itself (events, schedules, invokes) and writes their output to the same log
//! groups, so one code path serves both. Each function's group is the one its configuration names
//! (`LoggingConfig.LogGroup`), else Lambda's default `/aws/lambda/<name>`.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};

use super::session::{Session, sdk};
use super::{BlueprintRef, Target, flow, invoke, stacks};

#[derive(Debug, Clone)]
pub(crate) struct Args {
    pub(crate) blueprint: String,
    pub(crate) function: Option<String>,
    pub(crate) follow: bool,
    /// How far back to start, such as `10m`, `2h` or `1d`.
    pub(crate) since: String,
    pub(crate) env: Option<String>,
    pub(crate) target: Target,
    /// Only the stack of this region (a multi-region blueprint); `None`: every stack's functions.
    pub(crate) region: Option<String>,
}

/// One function's log group.
#[derive(Debug, Clone)]
struct Source {
    /// The logical ID without `Function`, as lines are labelled.
    label: String,
    group: String,
}

pub(crate) async fn run(root: &Path, args: &Args) -> anyhow::Result<()> {
    let since = parse_duration(&args.since)?;
    let bp = BlueprintRef::resolve(root, &args.blueprint)?;
    let artifacts = stacks::select(
        bp.synthesize_stacks(args.env.as_deref())?,
        args.region.as_deref(),
        stacks::Order::Deploy,
        &bp.shown,
    )?;
    let base = Session::open(root, args.target).await?;
    let mut sources = Vec::new();
    for artifact in &artifacts {
        let session = base.in_region(artifact.region.as_deref());
        sources.extend(stack_sources(&session, artifact, args).await?);
    }

    let now = SystemTime::now().duration_since(UNIX_EPOCH)?;
    let mut from = i64::try_from(now.saturating_sub(since).as_millis()).unwrap_or(0);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut printed = 0usize;
    loop {
        let mut lines = Vec::new();
        for (session, source) in &sources {
            lines.extend(fetch(session, source, from).await?);
        }
        lines.sort_by(|a, b| (a.timestamp, &a.id).cmp(&(b.timestamp, &b.id)));
        for line in lines {
            if seen.insert(line.id.clone()) {
                println!("{}", line.render());
                printed += 1;
                from = from.max(line.timestamp);
            }
        }
        if !args.follow {
            break;
        }
        tokio::time::sleep(if args.target == Target::Local {
            Duration::from_millis(500)
        } else {
            Duration::from_secs(2)
        })
        .await;
    }
    if printed == 0 {
        eprintln!("logs: nothing in the last {}", args.since);
    }
    Ok(())
}

/// The log groups of the chosen functions of one stack, each with the session of the stack's region.
/// Lines of a regional stack are labelled `<region>/<function>`.
async fn stack_sources(
    session: &Session,
    artifact: &synth::Artifact,
    args: &Args,
) -> anyhow::Result<Vec<(Session, Source)>> {
    let stack = &artifact.stack;
    if super::events::describe_status(session, stack).await?.is_none() {
        bail!(
            "stack {stack} is not deployed on target {}: run `cargo xtask deploy {}` first",
            args.target.as_str(),
            args.blueprint
        );
    }
    let deployed = flow::deployed(session, stack).await?;
    let functions = synth::assets::functions(&flow::parse_template(&deployed.body)?);
    let chosen: Vec<_> = match &args.function {
        Some(wanted) => vec![
            invoke::pick(&functions, wanted)
                .with_context(|| format!("stack {stack} has no function '{wanted}'"))?,
        ],
        None => functions.iter().collect(),
    };
    if chosen.is_empty() {
        bail!("stack {stack} has no functions");
    }
    let mut sources = Vec::new();
    for f in chosen {
        let physical = flow::physical_id(session, stack, &f.logical_id).await?;
        let conf = session
            .lambda
            .get_function_configuration()
            .function_name(&physical)
            .send()
            .await
            .map_err(sdk)
            .with_context(|| format!("cannot read the configuration of {physical}"))?;
        let group = conf
            .logging_config()
            .and_then(|l| l.log_group())
            .map_or_else(|| format!("/aws/lambda/{physical}"), str::to_owned);
        let name = f.logical_id.strip_suffix("Function").unwrap_or(&f.logical_id);
        let label = match &artifact.region {
            Some(region) => format!("{region}/{name}"),
            None => name.to_owned(),
        };
        eprintln!("logs: {label} ({physical}) writes to {group}");
        sources.push((session.clone(), Source { label, group }));
    }
    Ok(sources)
}

#[derive(Debug, Clone)]
struct Line {
    id: String,
    timestamp: i64,
    label: String,
    message: String,
}

impl Line {
    fn render(&self) -> String {
        format!("{} {} {}", format_time(self.timestamp), self.label, self.message.trim_end())
    }
}

/// Every event of the source's group from `from` (milliseconds) on, all pages.
async fn fetch(session: &Session, source: &Source, from: i64) -> anyhow::Result<Vec<Line>> {
    use aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsError;
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let result = session
            .logs
            .filter_log_events()
            .log_group_name(&source.group)
            .start_time(from)
            .set_next_token(token.clone())
            .send()
            .await;
        let page = match result {
            Ok(page) => page,
            // No run yet: Lambda creates the group on the first one, unless the stack did.
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(FilterLogEventsError::ResourceNotFoundException(_))
                ) =>
            {
                return Ok(out);
            }
            Err(e) => return Err(sdk(e)).with_context(|| format!("cannot read log group {}", source.group)),
        };
        for e in page.events() {
            out.push(Line {
                id: e.event_id().map_or_else(
                    || {
                        format!(
                            "{}:{}:{}",
                            source.group,
                            e.timestamp().unwrap_or_default(),
                            e.message().unwrap_or_default()
                        )
                    },
                    str::to_owned,
                ),
                timestamp: e.timestamp().unwrap_or_default(),
                label: source.label.clone(),
                message: e.message().unwrap_or_default().to_owned(),
            });
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() || page.events().is_empty() {
            return Ok(out);
        }
    }
}

/// `30s`, `10m`, `2h`, `1d`.
fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = number.parse().ok().filter(|_| !number.is_empty()).with_context(|| {
        format!("--since '{text}': expected a number of seconds, minutes, hours or days, such as 30s, 10m, 2h or 1d")
    })?;
    let seconds = match unit {
        "s" => n,
        "m" | "" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => bail!("--since '{text}': expected a unit of s, m, h or d, such as 10m"),
    };
    Ok(Duration::from_secs(seconds))
}

/// Milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_seconds_minutes_hours_and_days() {
        assert_eq!(parse_duration("30s").expect("s"), Duration::from_secs(30));
        assert_eq!(parse_duration("10m").expect("m"), Duration::from_secs(600));
        assert_eq!(parse_duration("2h").expect("h"), Duration::from_secs(7200));
        assert_eq!(parse_duration("1d").expect("d"), Duration::from_secs(86_400));
        assert_eq!(parse_duration("5").expect("bare minutes"), Duration::from_secs(300));
        assert!(parse_duration("m").is_err_and(|e| e.to_string().contains("'m'")));
        assert!(parse_duration("3w").is_err_and(|e| e.to_string().contains("unit")));
    }

    #[test]
    fn times_are_utc_iso_8601() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_time(1_795_000_000_123), "2026-11-18T11:06:40.123Z");
        assert_eq!(format_time(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
