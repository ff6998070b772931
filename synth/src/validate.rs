//! Semantic checks on a typed blueprint: what the schema cannot say. This module checks what every
//! blueprint has (the stack name, tags) and hands the system to its own rules
//! (`systems/<name>/rules.rs`). Each problem carries the dotted path of the field it is about.

use crate::blueprint::{Blueprint, Notifications};
pub use crate::rules::Problem;
use crate::rules::{email_address, problem, sns_topic_arn};

/// CloudFormation stack names: letters, digits, hyphens, starting with a letter, at most 128 characters.
pub const MAX_STACK_NAME: usize = 128;

/// Checks `bp`; `env_suffix` is the length the environment adds to the stack name (`-prod`).
pub fn blueprint(bp: &Blueprint, env_suffix: usize) -> Vec<Problem> {
    let mut out = Vec::new();
    let name_ok = bp.name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && bp.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !name_ok {
        out.push(problem(
            "name",
            format!(
                "invalid stack name '{}': expected letters, digits and hyphens, starting with a letter",
                bp.name
            ),
        ));
    } else if bp.name.len() + env_suffix > MAX_STACK_NAME {
        out.push(problem(
            "name",
            format!(
                "stack name '{}' is too long: at most {} characters with the environment suffix",
                bp.name, MAX_STACK_NAME
            ),
        ));
    }
    for (k, v) in &bp.tags {
        let path = format!("tags.{k}");
        if k.is_empty() || k.len() > 128 || k.to_ascii_lowercase().starts_with("aws:") {
            out.push(problem(
                &path,
                format!("invalid tag key '{k}': expected 1 to 128 characters not starting with 'aws:'"),
            ));
        }
        if v.len() > 256 {
            out.push(problem(
                &path,
                format!("tag value of '{k}' is {} characters long: at most 256", v.len()),
            ));
        }
    }
    notifications(&bp.notifications, &mut out);
    let (name, kind) = bp.system.kind();
    kind.validate(&format!("system.{name}"), &mut out);
    out
}

fn notifications(n: &Notifications, out: &mut Vec<Problem>) {
    if let Some(arn) = &n.topic_arn {
        if !sns_topic_arn(arn) {
            out.push(problem(
                "notifications.topic_arn",
                format!(
                    "invalid SNS topic ARN '{arn}': expected arn:aws:sns:<region>:<account>:<topic name>"
                ),
            ));
        }
        if !n.emails.is_empty() {
            out.push((
                "notifications.emails".to_owned(),
                "emails are subscribed to a topic the stack creates, but topic_arn names an existing one"
                    .to_owned(),
                Some("subscribe the addresses to that topic yourself, or remove topic_arn".to_owned()),
            ));
        }
    }
    for (i, e) in n.emails.iter().enumerate() {
        let path = format!("notifications.emails.{i}");
        if !email_address(e) {
            out.push(problem(path, format!("invalid e-mail address '{e}': expected name@domain")));
        } else if n.emails[..i].iter().any(|o| o.eq_ignore_ascii_case(e)) {
            out.push(problem(path, format!("e-mail address '{e}' is listed twice")));
        }
    }
}
