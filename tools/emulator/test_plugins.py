"""Tests of the moto plugins, through the server as the project runs it."""

import unittest

from harness import Emulator

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


class SecurityGroupEgressTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

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
        seen = lambda: sorted((d["Target"]["Id"], d["Target"]["Port"]) for d in elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"])
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


if __name__ == "__main__":
    unittest.main()
