"""Tests of the stack-lifecycle plugins: per-resource events, rollback, deletion failures and clean
deletes, parameter-aware change sets, stand-in ids, interfaces blocking deletion."""

import glob
import os
import unittest

from harness import ROOT, EmulatorTestCase

NETWORK = """
Parameters:
  Retention: {Type: Number, Default: 7}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.9.0.0/16}
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: {Ref: Vpc}, CidrBlock: 10.9.1.0/24, AvailabilityZone: us-east-1a}
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: g, VpcId: {Ref: Vpc}}
  Igw:
    Type: AWS::EC2::InternetGateway
  IgwAttachment:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties: {VpcId: {Ref: Vpc}, InternetGatewayId: {Ref: Igw}}
  Table:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: {Ref: Vpc}}
  Default:
    Type: AWS::EC2::Route
    DependsOn: IgwAttachment
    Properties: {RouteTableId: {Ref: Table}, DestinationCidrBlock: 0.0.0.0/0, GatewayId: {Ref: Igw}}
  Association:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: {Ref: Subnet}, RouteTableId: {Ref: Table}}
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {RetentionInDays: {Ref: Retention}}
"""


class StackLifecycleTest(EmulatorTestCase):
    def setUp(self):
        self.emu.reset()
        self.cfn = self.emu.client("cloudformation")
        self.ec2 = self.emu.client("ec2")

    def change_set(self, stack, body, kind, **params):
        out = self.cfn.create_change_set(
            StackName=stack,
            ChangeSetName=f"cs{len(self.cfn.list_stacks()['StackSummaries'])}{kind}",
            TemplateBody=body,
            ChangeSetType=kind,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
        )
        return out["Id"]

    def status(self, stack):
        return self.cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]

    def events(self, stack):
        return [(e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason")) for e in self.cfn.describe_stack_events(StackName=stack)["StackEvents"]]

    def test_resources_get_events_and_a_vpc_stack_deletes_cleanly(self):
        self.cfn.execute_change_set(ChangeSetName=self.change_set("net", NETWORK, "CREATE"))
        self.assertEqual(self.status("net"), "CREATE_COMPLETE")
        events = self.events("net")
        for logical in ("Vpc", "Subnet", "Default", "Association", "Logs"):
            self.assertIn((logical, "CREATE_COMPLETE", None), events)
        vpc = self.cfn.describe_stack_resource(StackName="net", LogicalResourceId="Vpc")["StackResourceDetail"]["PhysicalResourceId"]
        stack_id = self.cfn.describe_stacks(StackName="net")["Stacks"][0]["StackId"]
        self.cfn.delete_stack(StackName="net")
        self.assertEqual(self.cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"], "DELETE_COMPLETE")
        self.assertEqual(self.ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Vpcs"], [])
        self.assertEqual(self.ec2.describe_internet_gateways(Filters=[{"Name": "tag:aws:cloudformation:stack-name", "Values": ["net"]}])["InternetGateways"], [])

    def test_a_failing_resource_rolls_the_create_back(self):
        self.emu.client("logs").create_log_group(logGroupName="taken")
        body = NETWORK + "  Taken:\n    Type: AWS::Logs::LogGroup\n    DependsOn: Association\n    Properties: {LogGroupName: taken}\n"
        self.cfn.execute_change_set(ChangeSetName=self.change_set("fails", body, "CREATE"))
        self.assertEqual(self.status("fails"), "ROLLBACK_COMPLETE")
        failed = [e for e in self.events("fails") if e[1] == "CREATE_FAILED"]
        self.assertEqual([e[0] for e in failed], ["Taken"])
        self.assertIn("already exists", failed[0][2])
        rollback = [e for e in self.events("fails") if e[1] == "ROLLBACK_IN_PROGRESS"]
        self.assertIn("[Taken]", rollback[0][2])
        self.assertEqual(self.ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.9.0.0/16"]}])["Vpcs"], [], "what was created is gone")
        self.cfn.delete_stack(StackName="fails")
        self.cfn.execute_change_set(ChangeSetName=self.change_set("fails", NETWORK, "CREATE"))
        self.assertEqual(self.status("fails"), "CREATE_COMPLETE", "the name can be created again")

    def test_change_sets_list_resources_a_changed_parameter_touches(self):
        self.cfn.execute_change_set(ChangeSetName=self.change_set("params", NETWORK, "CREATE", Retention="7"))
        same = self.cfn.create_change_set(StackName="params", ChangeSetName="same", TemplateBody=NETWORK, ChangeSetType="UPDATE",
                                          Parameters=[{"ParameterKey": "Retention", "ParameterValue": "7"}])
        described = self.cfn.describe_change_set(ChangeSetName=same["Id"])
        self.assertEqual(described["Status"], "FAILED")
        changed = self.change_set("params", NETWORK, "UPDATE", Retention="14")
        changes = [c["ResourceChange"] for c in self.cfn.describe_change_set(ChangeSetName=changed)["Changes"]]
        self.assertEqual([(c["Action"], c["LogicalResourceId"]) for c in changes], [("Modify", "Logs")])

    def test_an_interface_blocks_deletion_until_it_is_gone(self):
        self.cfn.execute_change_set(ChangeSetName=self.change_set("held", NETWORK, "CREATE"))
        res = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in self.cfn.describe_stack_resources(StackName="held")["StackResources"]}
        eni = self.ec2.create_network_interface(SubnetId=res["Subnet"], Groups=[res["Group"]], Description="AWS Lambda VPC ENI-f")
        eni_id = eni["NetworkInterface"]["NetworkInterfaceId"]
        self.cfn.delete_stack(StackName="held")
        self.assertEqual(self.status("held"), "DELETE_FAILED")
        failed = sorted(e[0] for e in self.events("held") if e[1] == "DELETE_FAILED" and e[0] != "held")
        self.assertEqual(failed, ["Group", "Subnet", "Vpc"])
        self.cfn.list_stack_resources(StackName="held")  # must not bring deleted resources back
        self.ec2.delete_network_interface(NetworkInterfaceId=eni_id)
        self.cfn.delete_stack(StackName="held")
        self.assertEqual(self.cfn.list_stacks(StackStatusFilter=["DELETE_FAILED"])["StackSummaries"], [])

    def test_a_stack_with_a_type_moto_cannot_create_still_describes_its_resources(self):
        body = NETWORK + "  Connection:\n    Type: AWS::CodeStarConnections::Connection\n    Properties: {ConnectionName: c}\n"
        self.cfn.execute_change_set(ChangeSetName=self.change_set("odd", body, "CREATE"))
        detail = self.cfn.describe_stack_resource(StackName="odd", LogicalResourceId="Logs")["StackResourceDetail"]
        self.assertTrue(detail["PhysicalResourceId"])

    def test_stand_ins_take_the_ids_they_are_given(self):
        vpc = self.ec2.create_vpc(CidrBlock="10.200.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "emulator:id", "Value": "vpc-0a1b2c3d4e5f60718"}]}])
        self.assertEqual(vpc["Vpc"]["VpcId"], "vpc-0a1b2c3d4e5f60718")
        subnet = self.ec2.create_subnet(VpcId="vpc-0a1b2c3d4e5f60718", CidrBlock="10.200.0.0/24",
                                        TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "emulator:id", "Value": "subnet-0a1b2c3d4e5f60701"}]}])
        self.assertEqual(subnet["Subnet"]["SubnetId"], "subnet-0a1b2c3d4e5f60701")
        with self.assertRaises(Exception) as e:
            self.ec2.create_vpc(CidrBlock="10.201.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "emulator:id", "Value": "vpc-0a1b2c3d4e5f60718"}]}])
        self.assertIn("Duplicate", str(e.exception))
        other = self.ec2.create_vpc(CidrBlock="10.202.0.0/16")["Vpc"]["VpcId"]
        self.assertNotEqual(other, "vpc-0a1b2c3d4e5f60718", "without the tag, ids stay random")

    def test_a_stand_in_security_group_takes_its_id_once(self):
        vpc = self.ec2.create_vpc(CidrBlock="10.203.0.0/16")["Vpc"]["VpcId"]
        tagged = [{"ResourceType": "security-group", "Tags": [{"Key": "emulator:id", "Value": "sg-0a1b2c3d4e5f60718"}]}]
        group = self.ec2.create_security_group(GroupName="stand-in", Description="d", VpcId=vpc, TagSpecifications=tagged)
        self.assertEqual(group["GroupId"], "sg-0a1b2c3d4e5f60718")
        found = self.ec2.describe_security_groups(GroupIds=["sg-0a1b2c3d4e5f60718"])["SecurityGroups"]
        self.assertEqual([g["VpcId"] for g in found], [vpc])
        with self.assertRaises(Exception) as e:
            self.ec2.create_security_group(GroupName="again", Description="d", VpcId=vpc, TagSpecifications=tagged)
        self.assertIn("Duplicate", str(e.exception))
        other = self.ec2.create_security_group(GroupName="plain", Description="d", VpcId=vpc)["GroupId"]
        self.assertNotEqual(other, "sg-0a1b2c3d4e5f60718", "without the tag, ids stay random")


if __name__ == "__main__":
    unittest.main()
