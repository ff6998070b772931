//! Rules about AWS values that several systems' validation shares: EC2 ids, ARNs, schedules, log
//! retention. Validation (`validate`) and each system's `rules` use them; nothing here knows a system.

/// `(path, message, help)`.
pub type Problem = (String, String, Option<String>);

/// A problem without help.
pub fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    (path.into(), message.into(), None)
}

/// CloudWatch Logs accepts only these retention periods.
pub const LOG_RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/// `<prefix>-` followed by 8 or 17 lowercase hex digits, the shape of EC2 resource ids.
pub fn ec2_id(prefix: &str, id: &str) -> bool {
    id.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')).is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17)
            && hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    })
}

/// `arn:<partition>:elasticloadbalancing:<region>:<account>:loadbalancer/<kind>/<name>/<id>`.
pub fn load_balancer_arn(arn: &str, kind: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "elasticloadbalancing"
        && parts[4].len() == 12
        && parts[5]
            .strip_prefix(&format!("loadbalancer/{kind}/"))
            .is_some_and(|rest| rest.split('/').count() == 2)
}

/// `arn:<partition>:sns:<region>:<account>:<name>`.
pub fn sns_topic_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "sns"
        && !parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && !parts[5].is_empty()
        && parts[5].len() <= 256
        && parts[5].chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `local@domain.tld` without spaces: enough to catch a typo, not a full RFC 5322 parser.
pub fn email_address(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Checks an EventBridge schedule: `rate(1 minute)`, `rate(5 minutes)`, or `cron(6 fields)`.
pub fn schedule_expression(s: &str) -> Result<(), String> {
    let bad = || format!("invalid schedule '{s}': expected rate(<n> minutes|hours|days) or cron(<6 fields>)");
    if let Some(inner) = s.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        let mut parts = inner.split_whitespace();
        let n: u32 = parts.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
        let unit = parts.next().ok_or_else(bad)?;
        let singular = ["minute", "hour", "day"].contains(&unit);
        let plural = ["minutes", "hours", "days"].contains(&unit);
        if parts.next().is_some() || n == 0 || !(singular || plural) {
            return Err(bad());
        }
        if (n == 1) != singular {
            let u = unit.trim_end_matches('s');
            return Err(format!(
                "invalid schedule '{s}': EventBridge wants '1 {u}' for one and '<n> {u}s' for more"
            ));
        }
        return Ok(());
    }
    if let Some(inner) = s.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        return if inner.split_whitespace().count() == 6 { Ok(()) } else { Err(bad()) };
    }
    Err(bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        assert!(schedule_expression("rate(5 minutes)").is_ok());
        assert!(schedule_expression("rate(1 hour)").is_ok());
        assert!(schedule_expression("cron(0 12 * * ? *)").is_ok());
        assert_eq!(
            schedule_expression("rate(1 minutes)").unwrap_err(),
            "invalid schedule 'rate(1 minutes)': EventBridge wants '1 minute' for one and '<n> minutes' for more"
        );
        assert!(schedule_expression("every 5 minutes").is_err());
    }
}
