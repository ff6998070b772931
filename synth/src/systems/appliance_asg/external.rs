//! What an appliance-asg blueprint names outside its stack: the VPC and every subnet, each once,
//! with the zone the blueprint puts it in (each subnet list follows `zones`), and, when the stack
//! configures its appliances, the image whose instances serve the appliance API.

use super::ApplianceAsg;
use crate::external::External;

pub(super) fn references(a: &ApplianceAsg) -> Vec<External> {
    let mut out = vec![External::Vpc { id: a.vpc_id.clone() }];
    let lists = std::iter::once(&a.boot_interface.subnets).chain(a.interfaces.iter().map(|i| &i.subnets));
    let mut index = 0;
    for list in lists {
        for id in list {
            if !out.iter().any(|e| matches!(e, External::Subnet { id: s, .. } if s == id)) {
                out.push(External::Subnet { id: id.clone(), vpc_id: a.vpc_id.clone(), index });
                index += 1;
            }
        }
    }
    for list in std::iter::once(&a.boot_interface.subnets).chain(a.interfaces.iter().map(|i| &i.subnets)) {
        for (id, zone) in list.iter().zip(&a.zones) {
            let placed = External::SubnetZone { subnet: id.clone(), zone: zone.clone() };
            if !out.contains(&placed) {
                out.push(placed);
            }
        }
    }
    if let Some(c) = &a.configuration {
        out.push(External::ApplianceImage {
            image_id: a.image_id.clone(),
            api_port: c.api_port,
            admin_user: c.admin_user.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::external::External;

    const SHIPPED: &str = include_str!("../../../../blueprints/appliance-asg.yaml");

    fn images(source: &str) -> Vec<External> {
        let artifact = crate::synthesize("appliance-asg.yaml", source, None).expect("synthesizes").remove(0);
        artifact.external.into_iter().filter(|e| matches!(e, External::ApplianceImage { .. })).collect()
    }

    #[test]
    fn a_stack_that_configures_its_appliances_names_their_image() {
        let image = External::ApplianceImage {
            image_id: "ami-0a1b2c3d4e5f60799".into(),
            api_port: 443,
            admin_user: "admin".into(),
        };
        assert_eq!(images(SHIPPED), vec![image]);
        let cut = SHIPPED.find("    configuration:\n").expect("the shipped blueprint configures");
        assert_eq!(images(&SHIPPED[..cut]), vec![], "nothing to answer without configuration");
    }
}
