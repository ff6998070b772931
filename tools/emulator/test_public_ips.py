"""Tests of ec2_public_ips: public addresses at launch as AWS assigns them."""

import unittest

from harness import EmulatorTestCase

AMI = "ami-12c6146b"  # one of moto's built-in images

TEMPLATE = """
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Public:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: {Ref: Vpc}, CidrBlock: 10.0.1.0/24, MapPublicIpOnLaunch: true}
  Private:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: {Ref: Vpc}, CidrBlock: 10.0.2.0/24}
"""


class PublicIpTest(EmulatorTestCase):
    def setUp(self):
        self.emu.reset()
        self.ec2 = self.emu.client("ec2")
        cfn = self.emu.client("cloudformation")
        cfn.create_stack(StackName="net", TemplateBody=TEMPLATE)
        self.subnets = {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in cfn.describe_stack_resources(StackName="net")["StackResources"]
        }

    def public_ips(self, reservation):
        ids = [i["InstanceId"] for i in reservation["Instances"]]
        described = self.ec2.describe_instances(InstanceIds=ids)["Reservations"]
        return [i.get("PublicIpAddress") for r in described for i in r["Instances"]]

    def test_template_subnet_maps_public_ips_on_launch(self):
        public = self.ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=self.subnets["Public"])
        private = self.ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=self.subnets["Private"])
        self.assertIsNotNone(self.public_ips(public)[0])
        self.assertEqual(self.public_ips(private), [None])

    def test_launch_template_interface_decides_over_the_subnet(self):
        template = self.ec2.create_launch_template(
            LaunchTemplateName="lt",
            LaunchTemplateData={
                "ImageId": AMI,
                "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": True,
                                       "SubnetId": self.subnets["Private"]}],
            },
        )["LaunchTemplate"]["LaunchTemplateId"]
        launched = self.ec2.run_instances(
            MinCount=1, MaxCount=1, SubnetId=self.subnets["Private"],
            LaunchTemplate={"LaunchTemplateId": template},
        )
        self.assertIsNotNone(self.public_ips(launched)[0])

    def test_auto_scaling_group_from_a_launch_template_gets_public_ips(self):
        self.ec2.create_launch_template(
            LaunchTemplateName="asg-lt",
            LaunchTemplateData={"ImageId": AMI, "InstanceType": "t3.micro",
                                "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": True}]},
        )
        autoscaling = self.emu.client("autoscaling")
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName="g", MinSize=2, MaxSize=2, DesiredCapacity=2,
            LaunchTemplate={"LaunchTemplateName": "asg-lt"}, VPCZoneIdentifier=self.subnets["Private"],
        )
        ids = [i["InstanceId"] for i in autoscaling.describe_auto_scaling_groups(
            AutoScalingGroupNames=["g"])["AutoScalingGroups"][0]["Instances"]]
        described = self.ec2.describe_instances(InstanceIds=ids)["Reservations"]
        ips = [i.get("PublicIpAddress") for r in described for i in r["Instances"]]
        self.assertEqual(len(ips), 2)
        self.assertTrue(all(ips), ips)

    def test_public_ips_never_repeat(self):
        launched = self.ec2.run_instances(ImageId=AMI, MinCount=60, MaxCount=60, SubnetId=self.subnets["Public"])
        ips = self.public_ips(launched)
        self.assertEqual(len(set(ips)), 60)


if __name__ == "__main__":
    unittest.main()
