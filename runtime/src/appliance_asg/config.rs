//! The lifecycle function's configuration: its environment (the contract in
//! `contract::appliance_asg::lifecycle`), read once per process and checked before any event.

use contract::appliance_asg::lifecycle as env;

use super::interfaces::InterfaceSpec;

/// The function's configuration, read once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub asg_name: String,
    pub table: String,
    pub interfaces: Vec<InterfaceSpec>,
    pub licence_bucket: Option<String>,
    pub scale_in_protection: bool,
    /// How appliances are configured, if they are.
    pub configuration: Option<Configuration>,
}

/// Where the appliance configuration comes from and who pushes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    /// The configure function's name.
    pub function: String,
    /// The SSM parameter holding the template and its variables.
    pub parameter: String,
    /// The Secrets Manager secret holding the admin password.
    pub admin_secret: String,
    /// The device index whose private address serves the API.
    pub api_device_index: u32,
}

pub use crate::config::ConfigError;

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(crate::config::process_env)
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let read = |v: contract::EnvVar| v.read_from(&lookup);
        let invalid = ConfigError::invalid;
        let interfaces: Vec<InterfaceSpec> = crate::config::json(
            env::INTERFACES,
            &read(env::INTERFACES)?,
            "expected a JSON list of interfaces",
        )?;
        let protection = read(env::SCALE_IN_PROTECTION)?;
        let bucket = read(env::LICENCE_BUCKET)?;
        let function = read(env::CONFIGURE_FUNCTION)?;
        let device = read(env::API_DEVICE_INDEX)?;
        let configuration = if function.is_empty() {
            None
        } else {
            let (parameter, admin_secret) = (read(env::CONFIG_PARAMETER)?, read(env::ADMIN_SECRET)?);
            for (v, value) in [(env::CONFIG_PARAMETER, &parameter), (env::ADMIN_SECRET, &admin_secret)] {
                if value.is_empty() {
                    return Err(invalid(
                        v,
                        value,
                        format!("expected a value when {} is set", env::CONFIGURE_FUNCTION.name),
                    ));
                }
            }
            Some(Configuration {
                function,
                parameter,
                admin_secret,
                api_device_index: device.parse().map_err(|_| {
                    invalid(env::API_DEVICE_INDEX, &device, "expected a device index".to_owned())
                })?,
            })
        };
        Ok(Config {
            configuration,
            asg_name: read(env::ASG_NAME)?,
            table: read(env::STATE_TABLE)?,
            interfaces,
            licence_bucket: (!bucket.is_empty()).then_some(bucket),
            scale_in_protection: protection.parse().map_err(|_| {
                invalid(env::SCALE_IN_PROTECTION, &protection, "expected true or false".to_owned())
            })?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_is_read_and_checked() {
        let vars = |interfaces: &str, protection: &str| {
            let interfaces = interfaces.to_owned();
            let protection = protection.to_owned();
            move |name: &str| {
                Some(match name {
                    "ASG_NAME" => "fw".to_owned(),
                    "STATE_TABLE" => "t".to_owned(),
                    "INTERFACES" => interfaces.clone(),
                    "LICENCE_BUCKET" => String::new(),
                    "SCALE_IN_PROTECTION" => protection.clone(),
                    "CONFIGURE_FUNCTION" | "CONFIG_PARAMETER" | "ADMIN_SECRET" => String::new(),
                    "API_DEVICE_INDEX" => "0".to_owned(),
                    _ => return None,
                })
            }
        };
        let json = r#"[{"device_index": 1, "subnets": {"a": "subnet-1"}, "security_groups": ["sg-1"],
            "source_dest_check": false, "description": "port2", "public_ip": {"allocate": {"pool": null}}}]"#;
        let c = Config::from_lookup(vars(json, "true")).expect("config");
        assert_eq!(c.interfaces.len(), 1);
        assert_eq!(c.licence_bucket, None);
        let err = Config::from_lookup(vars("[{]", "true")).expect_err("bad json");
        assert!(
            err.to_string().starts_with("invalid INTERFACES '[{]': expected a JSON list of interfaces"),
            "{err}"
        );
        let err = Config::from_lookup(vars("[]", "yes")).expect_err("bad flag");
        assert_eq!(err.to_string(), "invalid SCALE_IN_PROTECTION 'yes': expected true or false");
    }
}
