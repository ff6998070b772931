//! The appliance configuration's domain values, shared by the rules and the build: function timeouts,
//! the SSM parameter's value and tier, certificate fingerprints, what the template may read.

use contract::appliance_asg::lifecycle::ConfigurationSource;

use super::{ApplianceAsg, ApplianceConfiguration};
use crate::cfn::json;

/// The lifecycle function's own share of its timeout (interfaces, membership, primary, licence); the
/// hooks must outlast its full timeout and Lambda's retries.
pub(super) const APPLIANCE_FUNCTION_TIMEOUT_SECONDS: u32 = 120;
/// What the configure function needs beyond waiting for the API: the password, licence and
/// configuration calls.
const CONFIGURE_WORK_SECONDS: u32 = 60;
/// Largest value of a Standard and of an Advanced SSM parameter.
pub(super) const STANDARD_PARAMETER_BYTES: usize = 4096;
pub(super) const ADVANCED_PARAMETER_BYTES: usize = 8192;
/// What the lifecycle function passes to the configuration template (see `ApplianceConfiguration`).
pub(super) use contract::appliance_asg::lifecycle::TEMPLATE_CONTEXT;

/// The configure function's timeout: it waits up to the boot timeout for the API, then configures.
pub(super) fn configure_timeout_seconds(c: &ApplianceConfiguration) -> u32 {
    c.boot_timeout_seconds + CONFIGURE_WORK_SECONDS
}

/// The lifecycle function's timeout: it invokes the configure function synchronously, so it must
/// outlast it.
pub(super) fn lifecycle_timeout_seconds(a: &ApplianceAsg) -> u32 {
    APPLIANCE_FUNCTION_TIMEOUT_SECONDS + a.configuration.as_ref().map_or(0, configure_timeout_seconds)
}

/// The SSM parameter's value (the contract's `ConfigurationSource`): compact JSON with sorted keys at
/// every level, so the template does not depend on the order of the YAML (or on serde_json's
/// `preserve_order` in some builds).
pub(super) fn configuration_parameter_value(c: &ApplianceConfiguration) -> String {
    let source = ConfigurationSource { template: c.template.clone(), variables: c.variables.clone() };
    json::literal_text(&source)
}

/// The SSM parameter tier a value of `bytes` needs, or `None` when it is too large for either.
pub(super) fn parameter_tier(bytes: usize) -> Option<&'static str> {
    if bytes <= STANDARD_PARAMETER_BYTES {
        Some("Standard")
    } else if bytes <= ADVANCED_PARAMETER_BYTES {
        Some("Advanced")
    } else {
        None
    }
}

/// A SHA-256 fingerprint as the configure function wants it (64 lowercase hex digits), from hex
/// with or without colons in any case; `None` if it is not one.
pub(super) fn fingerprint(s: &str) -> Option<String> {
    let hex: String = s.chars().filter(|c| *c != ':').collect();
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then(|| hex.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configuration(yaml: &str) -> ApplianceConfiguration {
        let node = crate::yaml::parse(yaml).unwrap();
        serde_json::from_value(node.to_json()).unwrap()
    }

    #[test]
    fn fingerprints_are_normalised_to_lowercase_hex_without_colons() {
        let hex = "f94ad694d97ac1df2a06441f33fb8c0552e2884b6bb4743d4f82f1ecb8fbd50f";
        let colons =
            "F9:4A:D6:94:D9:7A:C1:DF:2A:06:44:1F:33:FB:8C:05:52:E2:88:4B:6B:B4:74:3D:4F:82:F1:EC:B8:FB:D5:0F";
        assert_eq!(fingerprint(colons).as_deref(), Some(hex));
        assert_eq!(fingerprint(&hex.to_ascii_uppercase()).as_deref(), Some(hex));
        assert_eq!(fingerprint(&hex[..62]), None);
        assert_eq!(fingerprint(&format!("{}zz", &hex[..62])), None);
    }

    #[test]
    fn parameter_tiers_follow_the_value_size() {
        assert_eq!(parameter_tier(4096), Some("Standard"));
        assert_eq!(parameter_tier(4097), Some("Advanced"));
        assert_eq!(parameter_tier(8192), Some("Advanced"));
        assert_eq!(parameter_tier(8193), None);
    }

    #[test]
    fn parameter_value_is_compact_json_with_sorted_keys() {
        let c = configuration(
            "template: \"{{ variables.b.y }}\"\nvariables:\n  b: {y: 1, x: [2, {d: 3, c: 4}]}\n  a: z\n",
        );
        assert_eq!(
            configuration_parameter_value(&c),
            r#"{"template":"{{ variables.b.y }}","variables":{"a":"z","b":{"x":[2,{"c":4,"d":3}],"y":1}}}"#
        );
    }

    #[test]
    fn the_lifecycle_timeout_covers_a_configure_call() {
        let c = configuration("template: x\nboot_timeout_seconds: 300\n");
        assert_eq!(configure_timeout_seconds(&c), 360);
        assert_eq!(c.api_port, 443);
        assert_eq!(c.admin_user, "admin");
        assert_eq!(c.api_device_index, 0);
    }
}
