//! The appliance configuration: the blueprint's template rendered for one instance. Pure.
//!
//! The template and its variables come from the stack's SSM parameter (`CONFIG_PARAMETER`) as
//! [`Source`]; what the template sees of the instance and the cluster is [`Context`]. Rendering is
//! strict: an undefined variable is an error, not an empty string, so a typo in a template cannot
//! push a configuration with a hole in it.

use contract::appliance_asg::lifecycle::{ConfigurationSource, TemplateContext};

/// The stored template and its variables (the `CONFIG_PARAMETER` value, written by synth).
pub type Source = ConfigurationSource<serde_json::Value>;

/// Everything the template can use (the names synth lets a template read).
pub type Context = TemplateContext<serde_json::Value>;

pub use contract::appliance_asg::lifecycle::InterfaceContext;

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
    use std::collections::BTreeMap;

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

    #[test]
    fn the_context_has_exactly_the_names_synth_lets_a_template_read() {
        let value = serde_json::to_value(context(true)).expect("context");
        let mut names: Vec<&str> = value.as_object().expect("object").keys().map(String::as_str).collect();
        let mut contract: Vec<&str> = contract::appliance_asg::lifecycle::TEMPLATE_CONTEXT.to_vec();
        names.sort_unstable();
        contract.sort_unstable();
        assert_eq!(names, contract);
    }
}
