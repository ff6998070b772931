//! The appliance configuration: the blueprint's template rendered for one instance. Pure.
//!
//! The template and its variables come from the stack's SSM parameter (`CONFIG_PARAMETER`) as
//! [`Source`]; what the template sees of the instance and the cluster is [`Context`]. Rendering is
//! strict: an undefined variable is an error, not an empty string, so a typo in a template cannot
//! push a configuration with a hole in it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The stored template and its variables (`{"template": "...", "variables": {...}}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub template: String,
    #[serde(default)]
    pub variables: BTreeMap<String, serde_json::Value>,
}

/// One interface of the instance as the template sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterfaceContext {
    pub device_index: u32,
    pub description: String,
    pub private_ip: String,
    /// The associated public address, if any.
    pub public_ip: Option<String>,
    pub subnet_id: String,
}

/// Everything the template can use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Context {
    pub instance_id: String,
    pub zone: String,
    /// `primary` or `secondary`.
    pub role: &'static str,
    pub is_primary: bool,
    /// The private API address of the primary (this instance's own when it is the primary).
    pub primary_ip: String,
    /// Every attached interface, device 0 included, by device index.
    pub interfaces: Vec<InterfaceContext>,
    /// The licence leased to the instance, if any.
    pub licence: Option<String>,
    pub variables: BTreeMap<String, serde_json::Value>,
}

/// A template that does not render.
#[derive(Debug, thiserror::Error)]
#[error("the configuration template does not render for {instance}: {detail}")]
pub struct RenderError {
    pub instance: String,
    pub detail: String,
}

/// Renders `source` for `context`.
pub fn render(source: &Source, context: &Context) -> Result<String, RenderError> {
    let fail = |e: minijinja::Error| RenderError {
        instance: context.instance_id.clone(),
        detail: match e.line() {
            Some(line) => format!("line {line}: {e}"),
            None => e.to_string(),
        },
    };
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_template("configuration", &source.template).map_err(fail)?;
    let template = env.get_template("configuration").map_err(fail)?;
    let mut text = template.render(minijinja::Value::from(minijinja::value::Serde(context))).map_err(fail)?;
    // minijinja drops the template's final newline; configuration files end with one.
    if source.template.ends_with('\n') && !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use expect_test::expect;
    use serde_json::json;

    use super::*;

    fn context(is_primary: bool) -> Context {
        Context {
            instance_id: "i-0abc".into(),
            zone: "eu-west-1a".into(),
            role: if is_primary { "primary" } else { "secondary" },
            is_primary,
            primary_ip: "10.0.0.10".into(),
            interfaces: vec![
                InterfaceContext {
                    device_index: 0,
                    description: "boot".into(),
                    private_ip: "10.0.0.11".into(),
                    public_ip: None,
                    subnet_id: "subnet-1".into(),
                },
                InterfaceContext {
                    device_index: 1,
                    description: "port2".into(),
                    private_ip: "10.0.1.11".into(),
                    public_ip: Some("203.0.113.7".into()),
                    subnet_id: "subnet-2".into(),
                },
            ],
            licence: Some("fgt-0.lic".into()),
            variables: BTreeMap::from([("gwlb".to_owned(), json!({"eu-west-1a": "10.0.9.9"}))]),
        }
    }

    const TEMPLATE: &str = "\
config system global
  set hostname {{ instance_id }}
end
config system interface
{%- for i in interfaces %}
  edit port{{ i.device_index + 1 }}
    set ip {{ i.private_ip }}{% if i.public_ip %} # public {{ i.public_ip }}{% endif %}
  next
{%- endfor %}
end
config system auto-scale
  set role {{ role }}
{%- if not is_primary %}
  set primary-ip {{ primary_ip }}
{%- endif %}
end
config system geneve
  set remote-ip {{ variables.gwlb[zone] }}
end
";

    #[test]
    fn a_secondary_gets_the_primary_address_and_its_zone_peer() {
        let source = Source { template: TEMPLATE.into(), variables: BTreeMap::new() };
        expect![[r#"
            config system global
              set hostname i-0abc
            end
            config system interface
              edit port1
                set ip 10.0.0.11
              next
              edit port2
                set ip 10.0.1.11 # public 203.0.113.7
              next
            end
            config system auto-scale
              set role secondary
              set primary-ip 10.0.0.10
            end
            config system geneve
              set remote-ip 10.0.9.9
            end
        "#]]
        .assert_eq(&render(&source, &context(false)).expect("renders"));
        let primary = render(&source, &context(true)).expect("renders");
        assert!(primary.contains("set role primary") && !primary.contains("primary-ip"), "{primary}");
    }

    #[test]
    fn an_undefined_variable_is_an_error_not_a_blank() {
        let source =
            Source { template: "set x {{ variables.missing }}\n".into(), variables: BTreeMap::new() };
        let err = render(&source, &context(true)).expect_err("undefined");
        assert!(
            err.to_string().starts_with("the configuration template does not render for i-0abc: line 1:"),
            "{err}"
        );
    }

    #[test]
    fn the_stored_source_is_read_strictly() {
        let s: Source = serde_json::from_str(r#"{"template": "x", "variables": {"a": 1}}"#).expect("source");
        assert_eq!(s.variables["a"], json!(1));
        assert!(serde_json::from_str::<Source>(r#"{"template": "x", "extra": 1}"#).is_err());
    }
}
