"""Tests of the moto plugins, through the server as the project runs it."""

import io
import json
import string
import unittest
import zipfile

from harness import EmulatorTestCase

TEMPLATE = """
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  A:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: a
      VpcId: {Ref: Vpc}
      SecurityGroupEgress:
        - {IpProtocol: icmp, FromPort: 252, ToPort: 86, CidrIp: 255.255.255.255/32}
  B:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: b, VpcId: {Ref: Vpc}}
  AToB:
    Type: AWS::EC2::SecurityGroupEgress
    Properties:
      GroupId: {"Fn::GetAtt": [A, GroupId]}
      IpProtocol: tcp
      FromPort: 80
      ToPort: 80
      DestinationSecurityGroupId: {"Fn::GetAtt": [B, GroupId]}
"""


class SecurityGroupEgressTest(EmulatorTestCase):
    def test_egress_resource_creates_the_rule(self):
        cfn = self.emu.client("cloudformation")
        cfn.create_stack(StackName="egress", TemplateBody=TEMPLATE)
        res = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cfn.describe_stack_resources(StackName="egress")["StackResources"]}
        self.assertIn("AToB", res)
        group = self.emu.client("ec2").describe_security_groups(GroupIds=[res["A"]])["SecurityGroups"][0]
        flows = [
            (p["IpProtocol"], p.get("FromPort"), [g["GroupId"] for g in p.get("UserIdGroupPairs", [])])
            for p in group["IpPermissionsEgress"]
        ]
        self.assertIn(("tcp", 80, [res["B"]]), flows)

    def test_target_group_keeps_its_name_targets_and_attributes(self):
        cfn = self.emu.client("cloudformation")
        cfn.create_stack(
            StackName="tg",
            TemplateBody="""
Resources:
  Group:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Name: stack-hello
      TargetType: lambda
      Targets: [{Id: "arn:aws:lambda:us-east-1:123456789012:function:hello"}]
      TargetGroupAttributes: [{Key: lambda.multi_value_headers.enabled, Value: "true"}]
""",
        )
        arn = cfn.describe_stack_resources(StackName="tg")["StackResources"][0]["PhysicalResourceId"]
        self.assertIn(":targetgroup/stack-hello/", arn)
        elb = self.emu.client("elbv2")
        ids = [t["Target"]["Id"] for t in elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]]
        self.assertEqual(ids, ["arn:aws:lambda:us-east-1:123456789012:function:hello"])
        attrs = {a["Key"]: a["Value"] for a in elb.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]}
        self.assertEqual(attrs.get("lambda.multi_value_headers.enabled"), "true")

    def test_targets_are_identified_by_id_and_port(self):
        ec2 = self.emu.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        elb = self.emu.client("elbv2")
        arn = elb.create_target_group(Name="ports", Protocol="TCP", Port=443, VpcId=vpc, TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.0.1.1", "Port": 8443}, {"Id": "10.0.1.1", "Port": 443}])
        seen = lambda: sorted(
            (d["Target"]["Id"], d["Target"]["Port"])
            for d in elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
            if d["TargetHealth"]["State"] != "draining"  # a deregistered target drains (load_balancing)
        )
        self.assertEqual(seen(), [("10.0.1.1", 443), ("10.0.1.1", 8443)])
        elb.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": "10.0.1.1", "Port": 443}])
        self.assertEqual(seen(), [("10.0.1.1", 8443)])

    def test_network_load_balancer_from_a_template_keeps_its_type(self):
        ec2 = self.emu.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        cfn = self.emu.client("cloudformation")
        cfn.create_stack(
            StackName="nlb",
            TemplateBody=f"""
Resources:
  Nlb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Type: network
      SubnetMappings: [{{SubnetId: {subnet}, AllocationId: {eip}}}]
      LoadBalancerAttributes: [{{Key: load_balancing.cross_zone.enabled, Value: "true"}}]
  Group:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {{Protocol: TCP, Port: 443, VpcId: {vpc}, TargetType: ip}}
  Tcp:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: {{Ref: Nlb}}
      Port: 443
      Protocol: TCP
      DefaultActions: [{{Type: forward, TargetGroupArn: {{Ref: Group}}}}]
""",
        )
        self.assertEqual(cfn.describe_stacks(StackName="nlb")["Stacks"][0]["StackStatus"], "CREATE_COMPLETE")
        res = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cfn.describe_stack_resources(StackName="nlb")["StackResources"] if r.get("LogicalResourceId")}
        elb = self.emu.client("elbv2")
        self.assertEqual(elb.describe_load_balancers(LoadBalancerArns=[res["Nlb"]])["LoadBalancers"][0]["Type"], "network")
        attrs = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=res["Nlb"])["Attributes"]}
        self.assertEqual(attrs.get("load_balancing.cross_zone.enabled"), "true")

    def test_alarm_from_a_template_exists_in_cloudwatch(self):
        cfn = self.emu.client("cloudformation")
        cfn.create_stack(
            StackName="alarms",
            TemplateBody="""
Resources:
  Errors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: function errors
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions: [{Name: FunctionName, Value: f}]
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 3
      DatapointsToAlarm: 2
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      TreatMissingData: notBreaching
Outputs:
  Arn: {Value: {"Fn::GetAtt": [Errors, Arn]}}
""",
        )
        res = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cfn.describe_stack_resources(StackName="alarms")["StackResources"]}
        cw = self.emu.client("cloudwatch")
        alarms = cw.describe_alarms(AlarmNames=[res["Errors"]])["MetricAlarms"]
        self.assertEqual(len(alarms), 1)
        self.assertEqual((alarms[0]["MetricName"], alarms[0]["DatapointsToAlarm"], alarms[0]["Dimensions"]), ("Errors", 2, [{"Name": "FunctionName", "Value": "f"}]))
        outputs = cfn.describe_stacks(StackName="alarms")["Stacks"][0]["Outputs"]
        self.assertEqual(outputs[0]["OutputValue"], alarms[0]["AlarmArn"])
        cfn.delete_stack(StackName="alarms")
        self.assertEqual(cw.describe_alarms(AlarmNames=[res["Errors"]])["MetricAlarms"], [])


PARAMETER_AND_SECRETS = """
Resources:
  ConfigurationParameter:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Value: '{"template": "hostname {{ name }}"}'
      Description: configuration
      Tier: Standard
      Tags: {blueprint: test, owner: platform}
  AdminSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Description: admin password
      GenerateSecretString:
        PasswordLength: %(length)s
        ExcludePunctuation: true
        ExcludeCharacters: "abcXYZ019"
        RequireEachIncludedType: true
      Tags: [{Key: blueprint, Value: test}]
  Login:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: {"Fn::Sub": "${AWS::StackName}/login"}
      GenerateSecretString:
        SecretStringTemplate: '{"username": "admin"}'
        GenerateStringKey: password
        ExcludeNumbers: true
        ExcludeUppercase: true
  Fixed:
    Type: AWS::SecretsManager::Secret
    Properties: {SecretString: not-generated}
Outputs:
  Parameter: {Value: {Ref: ConfigurationParameter}}
  Secret: {Value: {Ref: AdminSecret}}
  SecretId: {Value: {"Fn::GetAtt": [AdminSecret, Id]}}
  Login: {Value: {Ref: Login}}
  Fixed: {Value: {Ref: Fixed}}
"""


class ParameterAndSecretTest(EmulatorTestCase):
    def outputs(self, stack: str) -> dict:
        cfn = self.emu.client("cloudformation")
        [described] = cfn.describe_stacks(StackName=stack)["Stacks"]
        self.assertIn(described["StackStatus"], ("CREATE_COMPLETE", "UPDATE_COMPLETE"), described.get("StackStatusReason"))
        return {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}

    def test_parameter_and_secrets_from_a_template_exist_until_the_stack_is_deleted(self):
        cfn, ssm, sm = (self.emu.client(s) for s in ("cloudformation", "ssm", "secretsmanager"))
        cfn.create_stack(StackName="CFN", TemplateBody=PARAMETER_AND_SECRETS % {"length": 24})
        out = self.outputs("CFN")
        res = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cfn.describe_stack_resources(StackName="CFN")["StackResources"]}

        # The parameter: a generated name (no leading slash) that its Ref returns, map tags.
        name = out["Parameter"]
        self.assertRegex(name, r"^CFN-ConfigurationParameter-[A-Za-z0-9]+$")
        self.assertEqual(res["ConfigurationParameter"], name)
        parameter = ssm.get_parameter(Name=name)["Parameter"]
        self.assertEqual((parameter["Value"], parameter["Type"]), ('{"template": "hostname {{ name }}"}', "String"))
        tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
        self.assertEqual({t["Key"]: t["Value"] for t in tags}, {"blueprint": "test", "owner": "platform"})

        # The generated password: Ref (and GetAtt Id) is the ARN; length and character classes respected.
        arn = out["Secret"]
        self.assertRegex(arn, r"^arn:aws:secretsmanager:us-east-1:\d{12}:secret:AdminSecret-[A-Za-z0-9]+-[A-Za-z0-9]{6}$")
        self.assertEqual((out["SecretId"], res["AdminSecret"]), (arn, arn))
        value = sm.get_secret_value(SecretId=arn)
        password = value["SecretString"]
        self.assertEqual((value["ARN"], len(password)), (arn, 24))
        self.assertTrue(password.isalnum(), password)
        self.assertFalse(set(password) & set("abcXYZ019"), password)
        for kind in (str.islower, str.isupper, str.isdigit):
            self.assertTrue(any(kind(c) for c in password), (kind, password))
        described = sm.describe_secret(SecretId=arn)
        self.assertEqual((described["Description"], described["Tags"]), ("admin password", [{"Key": "blueprint", "Value": "test"}]))

        # A template and key make a JSON document; a given name is kept; SecretString is stored as is.
        self.assertIn(":secret:CFN/login-", out["Login"])
        login = json.loads(sm.get_secret_value(SecretId=out["Login"])["SecretString"])
        self.assertEqual(set(login), {"username", "password"})
        self.assertEqual((login["username"], len(login["password"])), ("admin", 32))
        self.assertTrue(all(c.islower() or c in string.punctuation for c in login["password"]), login["password"])
        self.assertEqual(sm.get_secret_value(SecretId=out["Fixed"])["SecretString"], "not-generated")

        cfn.delete_stack(StackName="CFN")
        with self.assertRaises(ssm.exceptions.ParameterNotFound):
            ssm.get_parameter(Name=name)
        for secret in (arn, out["Login"], out["Fixed"]):
            with self.assertRaises(sm.exceptions.ResourceNotFoundException):
                sm.get_secret_value(SecretId=secret)
        self.assertEqual(sm.list_secrets(IncludePlannedDeletion=True)["SecretList"], [])

    def test_updates_keep_the_generated_names_and_change_the_secret_only_when_its_value_changes(self):
        cfn, ssm, sm = (self.emu.client(s) for s in ("cloudformation", "ssm", "secretsmanager"))
        cfn.create_stack(StackName="upd", TemplateBody=PARAMETER_AND_SECRETS % {"length": 24})
        before = self.outputs("upd")
        password = sm.get_secret_value(SecretId=before["Secret"])["SecretString"]

        body = PARAMETER_AND_SECRETS.replace("hostname", "name").replace("owner: platform", "team: net")
        cfn.update_stack(StackName="upd", TemplateBody=body.replace("admin password", "the admin password") % {"length": 24})
        after = self.outputs("upd")
        self.assertEqual(after, before)
        parameter = ssm.get_parameter(Name=after["Parameter"])["Parameter"]
        self.assertEqual((parameter["Value"], parameter["Version"]), ('{"template": "name {{ name }}"}', 2))
        tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=after["Parameter"])["TagList"]
        self.assertEqual({t["Key"]: t["Value"] for t in tags}, {"blueprint": "test", "team": "net"})
        self.assertEqual(sm.get_secret_value(SecretId=after["Secret"])["SecretString"], password)
        self.assertEqual(sm.describe_secret(SecretId=after["Secret"])["Description"], "the admin password")

        cfn.update_stack(StackName="upd", TemplateBody=body % {"length": 40})
        self.assertEqual(self.outputs("upd")["Secret"], before["Secret"])
        self.assertEqual(len(sm.get_secret_value(SecretId=before["Secret"])["SecretString"]), 40)
        cfn.delete_stack(StackName="upd")


class SecurityGroupRulesTest(EmulatorTestCase):
    def test_inline_egress_replaces_the_default_and_ingress_resources_are_revoked_with_their_stack(self):
        ec2, cfn = self.emu.client("ec2"), self.emu.client("cloudformation")
        vpc = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
        outside = ec2.create_security_group(GroupName="outside", Description="not in the stack", VpcId=vpc)["GroupId"]
        cfn.create_stack(
            StackName="groups",
            TemplateBody=f"""
Resources:
  Closed:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: closed
      VpcId: {vpc}
      SecurityGroupEgress: [{{IpProtocol: icmp, FromPort: 252, ToPort: 86, CidrIp: 255.255.255.255/32}}]
  Open:
    Type: AWS::EC2::SecurityGroup
    Properties: {{GroupDescription: open, VpcId: {vpc}}}
  OutsideFromClosed:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: {outside}
      IpProtocol: tcp
      FromPort: 443
      ToPort: 443
      SourceSecurityGroupId: {{"Fn::GetAtt": [Closed, GroupId]}}
""",
        )
        res = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cfn.describe_stack_resources(StackName="groups")["StackResources"]}
        egress = lambda g: [
            (p["IpProtocol"], p.get("FromPort"), [r["CidrIp"] for r in p["IpRanges"]])
            for p in ec2.describe_security_groups(GroupIds=[res[g]])["SecurityGroups"][0]["IpPermissionsEgress"]
        ]
        self.assertEqual(egress("Closed"), [("icmp", 252, ["255.255.255.255/32"])])
        self.assertEqual(egress("Open"), [("-1", None, ["0.0.0.0/0"])])
        ingress = lambda: ec2.describe_security_groups(GroupIds=[outside])["SecurityGroups"][0]["IpPermissions"]
        self.assertEqual([g["GroupId"] for p in ingress() for g in p["UserIdGroupPairs"]], [res["Closed"]])
        self.assertTrue(res["OutsideFromClosed"].startswith("sgr-"), res)
        cfn.delete_stack(StackName="groups")
        self.assertEqual(ingress(), [])


class LambdaVpcTest(EmulatorTestCase):
    def test_a_vpc_function_reports_the_vpc_of_its_subnets(self):
        ec2 = self.emu.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.4.1.0/24")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="fn", Description="fn", VpcId=vpc)["GroupId"]
        role = self.emu.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as z:
            z.writestr("bootstrap", "#!/bin/sh\n")
        lam = self.emu.client("lambda")
        lam.create_function(
            FunctionName="fn", Runtime="provided.al2023", Handler="bootstrap", Role=role,
            Code={"ZipFile": code.getvalue()}, VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [group]},
        )
        config = lam.get_function_configuration(FunctionName="fn")["VpcConfig"]
        self.assertEqual((config["VpcId"], config["SubnetIds"], config["SecurityGroupIds"]), (vpc, [subnet], [group]))


KEY_TEMPLATE = """
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {AWS: "arn:aws:iam::123456789012:root"}, Action: "kms:*", Resource: "*"}
      Tags:
        - {Key: stack, Value: keys}
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: {Ref: Key}
Outputs:
  KeyId: {Value: {Ref: Key}}
"""


class KmsKeyTest(EmulatorTestCase):
    def test_a_key_from_a_template_keeps_its_tags_and_its_policy_as_text(self):
        cfn = self.emu.client("cloudformation")
        cfn.create_stack(StackName="keys", TemplateBody=KEY_TEMPLATE)
        stack = cfn.describe_stacks(StackName="keys")["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE", stack.get("StackStatusReason"))
        key_id = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["KeyId"]
        kms = self.emu.client("kms")
        self.assertEqual(kms.list_resource_tags(KeyId=key_id)["Tags"], [{"TagKey": "stack", "TagValue": "keys"}])
        policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
        self.assertEqual(policy["Statement"][0]["Action"], "kms:*")


class CertificateStandInTest(EmulatorTestCase):
    def post(self, body: dict) -> tuple[int, dict]:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            f"{self.emu.endpoint}/_iac/stand-ins/certificates", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def test_a_stand_in_certificate_has_the_blueprints_arn_and_serves_an_https_listener(self):
        arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000001"
        self.assertEqual(self.post({"arn": arn, "domain_name": "app.example.com"}), (201, {"arn": arn, "created": True}))
        self.assertEqual(self.post({"arn": arn, "domain_name": "app.example.com"})[0], 200, "idempotent")
        cert = self.emu.client("acm").describe_certificate(CertificateArn=arn)["Certificate"]
        self.assertEqual((cert["DomainName"], cert["Status"]), ("app.example.com", "ISSUED"))

        ec2 = self.emu.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.5.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
            for i, z in enumerate("ab")
        ]
        elb = self.emu.client("elbv2")
        lb = elb.create_load_balancer(Name="https", Subnets=subnets, Scheme="internal")["LoadBalancers"][0]
        tg = elb.create_target_group(Name="https", TargetType="lambda")["TargetGroups"][0]
        listener = elb.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=443, Certificates=[{"CertificateArn": arn}],
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
        )["Listeners"][0]
        self.assertEqual(listener["Certificates"][0]["CertificateArn"], arn)

    def test_a_stand_in_can_live_in_another_region_than_its_arn_names(self):
        arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-4000-8000-000000000002"
        self.assertEqual(self.post({"arn": arn, "region": "us-east-1"})[0], 201)
        cert = self.emu.client("acm").describe_certificate(CertificateArn=arn)["Certificate"]
        self.assertEqual(cert["CertificateArn"], arn)

    def test_anything_but_an_acm_certificate_arn_is_refused(self):
        status, body = self.post({"arn": "arn:aws:iam::123456789012:server-certificate/x"})
        self.assertEqual(status, 400)
        self.assertIn("is not an ACM certificate ARN", body["error"])


BUCKET_TEMPLATE = """
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: {Ref: Bucket}
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Sid: TlsOnly
            Effect: Deny
            Principal: {AWS: ["*"]}
            Action: ["s3:*"]
            Resource: [{"Fn::GetAtt": [Bucket, Arn]}, {"Fn::Join": ["", [{"Fn::GetAtt": [Bucket, Arn]}, "/*"]]}]
            Condition: {Bool: {"aws:SecureTransport": "false"}}
          - Sid: NoDeletes
            Effect: Deny
            Principal: {AWS: ["*"]}
            Action: ["s3:DeleteObject"]
            Resource: [{"Fn::Join": ["", [{"Fn::GetAtt": [Bucket, Arn]}, "/*"]]}]
Outputs:
  Bucket: {Value: {Ref: Bucket}}
"""


class BucketPolicyTest(EmulatorTestCase):
    def test_a_template_policy_is_kept_and_enforced_as_for_a_client_on_tls(self):
        from botocore.exceptions import ClientError

        cfn = self.emu.client("cloudformation")
        cfn.create_stack(StackName="policies", TemplateBody=BUCKET_TEMPLATE)
        stack = cfn.describe_stacks(StackName="policies")["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE", stack.get("StackStatusReason"))
        bucket = stack["Outputs"][0]["OutputValue"]
        resources = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cfn.describe_stack_resources(StackName="policies")["StackResources"]}
        self.assertEqual(resources["Policy"], bucket)
        s3 = self.emu.client("s3")
        self.assertIn("TlsOnly", s3.get_bucket_policy(Bucket=bucket)["Policy"])
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")  # the TLS-only deny does not apply to an SDK client
        with self.assertRaises(ClientError) as denied:
            s3.delete_object(Bucket=bucket, Key="k")
        self.assertEqual(denied.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        cfn.delete_stack(StackName="policies")
        with self.assertRaises(ClientError):
            s3.get_bucket_policy(Bucket=bucket)


if __name__ == "__main__":
    unittest.main()
