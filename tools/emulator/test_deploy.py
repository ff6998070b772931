"""Every template in out/ deploys to the emulator, and what it creates is wired as synth intended.

moto's CloudFormation is lenient (see ../../README.md), so this proves the templates are deployable in
structure (references resolve, types are known, code parameters are honoured) and checks the wiring a
deployment would get wrong silently: Lambda targets registered, environment variables set, the caller in
its subnets and security group.
"""

import glob
import io
import json
import os
import re
import unittest
import zipfile

import yaml

from harness import ROOT, EmulatorTestCase

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
from samtranslator.translator.transform import transform as sam_transform


class NoManagedPolicies:
    def load(self):
        return {}


def code_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    return buf.getvalue()


class CfnLoader(yaml.SafeLoader):
    pass


class DeployTest(EmulatorTestCase):
    def setUp(self):
        self.emu.reset()

    def deploy(self, path: str, rewrite=lambda body: body) -> dict:
        with open(path) as f:
            body = rewrite(f.read())
        template = yaml.load(body, Loader=CfnLoader) if path.endswith(".yaml") else json.loads(body)
        if template.get("Transform") == "AWS::Serverless-2016-10-31":
            # moto accepts the SAM transform but creates nothing; deploy what the transform produces.
            template = sam_transform(template, {}, NoManagedPolicies())
            body = json.dumps(template)
        s3 = self.emu.client("s3")
        s3.create_bucket(Bucket="assets")
        params = [{"ParameterKey": "AssetsBucket", "ParameterValue": "assets"}]
        for name in template.get("Parameters", {}):
            if name.endswith("CodeKey"):
                s3.put_object(Bucket="assets", Key=f"{name}.zip", Body=code_zip())
                params.append({"ParameterKey": name, "ParameterValue": f"{name}.zip"})
        self.stand_in_certificates(template)
        cfn = self.emu.client("cloudformation")
        stack = os.path.basename(os.path.dirname(path))
        cfn.create_stack(StackName=stack, TemplateBody=body, Parameters=params, Capabilities=["CAPABILITY_IAM"])
        status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
        self.assertEqual(status, "CREATE_COMPLETE", path)
        resources = {
            r.get("LogicalResourceId"): r.get("PhysicalResourceId", "")
            for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]
            if r.get("LogicalResourceId")
        }
        return {"template": template, "resources": resources}

    def stand_in_certificates(self, template: dict) -> None:
        """A listener's certificate exists in the account (as `cargo xtask deploy` makes it locally)."""
        import urllib.request

        for resource in template.get("Resources", {}).values():
            if resource.get("Type") != "AWS::ElasticLoadBalancingV2::Listener":
                continue
            for cert in resource.get("Properties", {}).get("Certificates", []):
                body = json.dumps({"arn": cert["CertificateArn"], "region": "us-east-1"}).encode()
                request = urllib.request.Request(
                    f"{self.emu.endpoint}/_iac/stand-ins/certificates", data=body, method="POST",
                    headers={"Content-Type": "application/json"},
                )
                urllib.request.urlopen(request).read()

    def test_private_lambda_templates_deploy_and_are_wired(self):
        paths = sorted(glob.glob(os.path.join(ROOT, "out", "private-lambda*", "template.*")))
        self.assertTrue(paths, "run `cargo xtask synth` first")
        for path in paths:
            with self.subTest(template=os.path.relpath(path, ROOT)):
                self.reset_and_check(path)

    def reset_and_check(self, path: str):
        self.emu.reset()
        d = self.deploy(path)
        template, res = d["template"], d["resources"]
        # moto skips AWS::CloudWatch::Alarm; everything else must exist.
        expected = set(template["Resources"])
        self.assertEqual(expected - set(res), set(), "resources missing after deploy")

        lam = self.emu.client("lambda")
        caller = lam.get_function_configuration(FunctionName=res["CallerFunction"])
        env = caller["Environment"]["Variables"]
        self.assertEqual(set(env), {"TARGET_BASE_URL", "DEFAULT_PATH", "REQUEST_TIMEOUT_MS"})
        self.assertTrue(env["TARGET_BASE_URL"].startswith("http"), env)
        self.assertEqual(set(caller["VpcConfig"]["SubnetIds"]), {res[k] for k in res if k.startswith("PrivateSubnet") and not k.endswith("Association")})

        elb = self.emu.client("elbv2")
        for logical, kind in template["Resources"].items():
            if kind["Type"] == "AWS::ElasticLoadBalancingV2::TargetGroup":
                targets = elb.describe_target_health(TargetGroupArn=res[logical])["TargetHealthDescriptions"]
                function = res[logical.removesuffix("Group") + "Function"]
                arns = [t["Target"]["Id"] for t in targets]
                self.assertEqual(len(arns), 1)
                self.assertTrue(arns[0].endswith(function), (arns, function))

        ec2 = self.emu.client("ec2")
        lb_group = ec2.describe_security_groups(GroupIds=[res["LoadBalancerSecurityGroup"]])["SecurityGroups"][0]
        sources = [g["GroupId"] for p in lb_group["IpPermissions"] for g in p.get("UserIdGroupPairs", [])]
        self.assertEqual(sources, [res["CallerSecurityGroup"]], "the load balancer admits only the caller")

    def test_alb_static_ip_templates_deploy_as_network_load_balancers(self):
        paths = sorted(glob.glob(os.path.join(ROOT, "out", "alb-static-ip*", "template.*")))
        self.assertTrue(paths, "run `cargo xtask synth` first")
        for path in paths:
            with self.subTest(template=os.path.relpath(path, ROOT)):
                self.emu.reset()
                self.check_static_ip(path)

    def check_static_ip(self, path: str):
        ec2 = self.emu.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.50.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
            for i, z in enumerate("ab")
        ]

        def rewrite(body: str) -> str:
            # The blueprint names a VPC and subnets of a real account; map them to emulator ones.
            body = re.sub(r"vpc-[0-9a-f]{17}", vpc, body)
            found = list(dict.fromkeys(re.findall(r"subnet-[0-9a-f]{17}", body)))
            for i, subnet in enumerate(found):
                body = body.replace(subnet, subnets[i % len(subnets)])
            return body

        d = self.deploy(path, rewrite)
        template, res = d["template"], d["resources"]
        expected = set(template["Resources"])
        self.assertEqual(expected - set(res), set(), "resources missing after deploy")
        elb = self.emu.client("elbv2")
        lb = elb.describe_load_balancers(LoadBalancerArns=[res["LoadBalancer"]])["LoadBalancers"][0]
        self.assertEqual(lb["Type"], "network")
        listeners = elb.describe_listeners(LoadBalancerArn=res["LoadBalancer"])["Listeners"]
        self.assertTrue(listeners and all(l["Protocol"] == "TCP" for l in listeners))
        if "SyncFunction" in res:
            env = self.emu.client("lambda").get_function_configuration(FunctionName=res["SyncFunction"])["Environment"]["Variables"]
            self.assertEqual(env["STATE_TABLE"], res["SyncState"])
            groups = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::ElasticLoadBalancingV2::TargetGroup"]
            for g in groups:
                self.assertIn(res[g] + "=", env["TARGET_GROUPS"])

    def test_appliance_asg_template_deploys_with_instances_waiting_for_the_function(self):
        [path] = glob.glob(os.path.join(ROOT, "out", "appliance-asg", "template.*"))
        ec2 = self.emu.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
        zones = {"eu-west-1a": "us-east-1a", "eu-west-1b": "us-east-1b"}
        mapping = {}

        def rewrite(body: str) -> str:
            # The blueprint names a VPC, subnets and zones of a real account; map them to emulator ones.
            body = re.sub(r"vpc-[0-9a-f]{17}", vpc, body)
            for i, subnet in enumerate(dict.fromkeys(re.findall(r"subnet-[0-9a-f]{17}", body))):
                zone = "us-east-1a" if i % 2 == 0 else "us-east-1b"
                mapping[subnet] = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.60.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
                body = body.replace(subnet, mapping[subnet])
            for real, emulated in zones.items():
                body = body.replace(real, emulated)
            return body

        d = self.deploy(path, rewrite)
        template, res = d["template"], d["resources"]
        self.assertEqual(set(template["Resources"]) - {"LicenceBucketPolicy"} - set(res), set(), "resources missing after deploy")
        asg = self.emu.client("autoscaling")
        hooks = {h["LifecycleTransition"]: h["DefaultResult"] for h in asg.describe_lifecycle_hooks(AutoScalingGroupName="appliance-asg")["LifecycleHooks"]}
        self.assertEqual(hooks, {"autoscaling:EC2_INSTANCE_LAUNCHING": "ABANDON", "autoscaling:EC2_INSTANCE_TERMINATING": "CONTINUE"})
        group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["appliance-asg"])["AutoScalingGroups"][0]
        self.assertEqual([i["LifecycleState"] for i in group["Instances"]], ["Pending:Wait", "Pending:Wait"], "instances wait for the function")
        env = self.emu.client("lambda").get_function_configuration(FunctionName=res["LifecycleFunction"])["Environment"]["Variables"]
        interfaces = json.loads(env["INTERFACES"])
        self.assertEqual([i["device_index"] for i in interfaces], [1, 2])
        self.assertEqual(set(interfaces[0]["subnets"]), {"us-east-1a", "us-east-1b"})
        self.assertTrue(set(interfaces[0]["subnets"].values()) <= set(mapping.values()))
        self.assertEqual((env["ASG_NAME"], env["STATE_TABLE"], env["LICENCE_BUCKET"]), ("appliance-asg", res["State"], res["LicenceBucket"]))
        # The function finds the generated admin password and the configuration by the references it is given.
        password = self.emu.client("secretsmanager").get_secret_value(SecretId=env["ADMIN_SECRET"])["SecretString"]
        self.assertTrue(password, "the admin secret has a generated value")
        config = self.emu.client("ssm").get_parameter(Name=env["CONFIG_PARAMETER"])["Parameter"]["Value"]
        self.assertIn("template", json.loads(config))
        # The configure function sits in the VPC, and only it reaches the appliance API.
        configure = self.emu.client("lambda").get_function_configuration(FunctionName=res["ConfigureFunction"])["VpcConfig"]
        self.assertEqual((configure["VpcId"], configure["SecurityGroupIds"]), (vpc, [res["ConfigureSecurityGroup"]]))
        groups = {g["GroupId"]: g for g in ec2.describe_security_groups(GroupIds=[res["ConfigureSecurityGroup"], res["ApplianceApiSecurityGroup"]])["SecurityGroups"]}
        pairs = lambda permissions: [(p.get("FromPort"), g["GroupId"]) for p in permissions for g in p.get("UserIdGroupPairs", [])]
        api, caller = groups[res["ApplianceApiSecurityGroup"]], groups[res["ConfigureSecurityGroup"]]
        self.assertEqual(pairs(api["IpPermissions"]), [(443, res["ConfigureSecurityGroup"])], "the API admits only the configure function")
        self.assertEqual(pairs(caller["IpPermissionsEgress"]), [(443, res["ApplianceApiSecurityGroup"])])
        self.assertFalse(any(r["CidrIp"] == "0.0.0.0/0" for p in caller["IpPermissionsEgress"] for r in p["IpRanges"]), "no default egress")


def _cfn_constructor(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    return {suffix: loader.construct_mapping(node)}


CfnLoader.add_multi_constructor("!", _cfn_constructor)

if __name__ == "__main__":
    unittest.main()
