"""Tests of ec2_prefix_lists and ec2_security_group_rules: prefix lists and security-group rules as AWS
documents them, through the server as the project runs it."""

import unittest

import botocore.exceptions

from harness import EmulatorTestCase


def code(error: botocore.exceptions.ClientError) -> str:
    return error.response["Error"]["Code"]


class PrefixListTest(EmulatorTestCase):
    def setUp(self):
        self.emu.reset()
        self.ec2 = self.emu.client("ec2")

    def create(self, cidrs=("10.0.0.1/32", "10.0.0.2/32"), max_entries=5, name="peers"):
        return self.ec2.create_managed_prefix_list(
            PrefixListName=name,
            AddressFamily="IPv4",
            MaxEntries=max_entries,
            Entries=[{"Cidr": c, "Description": "seed"} for c in cidrs],
        )["PrefixList"]

    def entries(self, pl_id, **kw):
        return sorted(e["Cidr"] for e in self.ec2.get_managed_prefix_list_entries(PrefixListId=pl_id, **kw)["Entries"])

    def assert_error(self, expected, call, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            call(**kwargs)
        self.assertEqual(code(caught.exception), expected, caught.exception)

    def test_stale_current_version_is_refused_and_changes_nothing(self):
        pl = self.create()
        self.ec2.modify_managed_prefix_list(
            PrefixListId=pl["PrefixListId"], CurrentVersion=1, RemoveEntries=[{"Cidr": "10.0.0.1/32"}]
        )
        self.assert_error(
            "PrefixListVersionMismatch", self.ec2.modify_managed_prefix_list,
            PrefixListId=pl["PrefixListId"], CurrentVersion=1, AddEntries=[{"Cidr": "10.0.0.3/32"}],
        )
        self.assert_error(
            "PrefixListVersionMismatch", self.ec2.modify_managed_prefix_list,
            PrefixListId=pl["PrefixListId"], CurrentVersion=99, AddEntries=[{"Cidr": "10.0.0.3/32"}],
        )
        self.assertEqual(self.entries(pl["PrefixListId"]), ["10.0.0.2/32"])
        described = self.ec2.describe_managed_prefix_lists(PrefixListIds=[pl["PrefixListId"]])["PrefixLists"][0]
        self.assertEqual(described["Version"], 2)

    def test_max_entries_is_enforced_at_create_and_modify(self):
        self.assert_error(
            "PrefixListMaxEntriesExceeded", self.create, cidrs=[f"10.0.0.{i}/32" for i in range(1, 4)], max_entries=2
        )
        pl = self.create(max_entries=3)
        self.assert_error(
            "PrefixListMaxEntriesExceeded", self.ec2.modify_managed_prefix_list,
            PrefixListId=pl["PrefixListId"], CurrentVersion=1,
            AddEntries=[{"Cidr": "10.0.0.3/32"}, {"Cidr": "10.0.0.4/32"}],
        )
        self.assertEqual(self.entries(pl["PrefixListId"]), ["10.0.0.1/32", "10.0.0.2/32"])
        self.assert_error("InvalidParameterValue", self.create, max_entries=0, name="zero")

    def test_resize_keeps_entries_and_cannot_shrink_below_them(self):
        pl = self.create(max_entries=3)
        self.assert_error(
            "InvalidParameterValue", self.ec2.modify_managed_prefix_list, PrefixListId=pl["PrefixListId"], MaxEntries=1
        )
        self.assert_error(
            "InvalidParameterCombination", self.ec2.modify_managed_prefix_list,
            PrefixListId=pl["PrefixListId"], MaxEntries=10, AddEntries=[{"Cidr": "10.0.0.3/32"}],
        )
        resized = self.ec2.modify_managed_prefix_list(PrefixListId=pl["PrefixListId"], MaxEntries=10)["PrefixList"]
        self.assertEqual((resized["MaxEntries"], resized["Version"]), (10, 1))

    def test_entries_are_keyed_by_cidr(self):
        pl = self.create()
        self.assert_error(
            "InvalidPrefixListModification", self.ec2.modify_managed_prefix_list,
            PrefixListId=pl["PrefixListId"], AddEntries=[{"Cidr": "10.0.0.1/32", "Description": "again"}],
        )
        self.assert_error(
            "InvalidPrefixListModification", self.ec2.modify_managed_prefix_list,
            PrefixListId=pl["PrefixListId"], RemoveEntries=[{"Cidr": "10.9.9.9/32"}],
        )
        # Removals apply before additions: one call replaces an entry's description.
        self.ec2.modify_managed_prefix_list(
            PrefixListId=pl["PrefixListId"], CurrentVersion=1,
            RemoveEntries=[{"Cidr": "10.0.0.1/32"}], AddEntries=[{"Cidr": "10.0.0.1/32", "Description": "new"}],
        )
        got = self.ec2.get_managed_prefix_list_entries(PrefixListId=pl["PrefixListId"])["Entries"]
        self.assertEqual(sorted((e["Cidr"], e.get("Description")) for e in got),
                         [("10.0.0.1/32", "new"), ("10.0.0.2/32", "seed")])
        self.assertEqual(self.entries(pl["PrefixListId"], TargetVersion=1), ["10.0.0.1/32", "10.0.0.2/32"])

    def test_modify_keeps_the_name_and_a_rename_is_not_a_version(self):
        pl = self.create()
        self.ec2.modify_managed_prefix_list(PrefixListId=pl["PrefixListId"], AddEntries=[{"Cidr": "10.0.0.3/32"}])
        self.ec2.modify_managed_prefix_list(PrefixListId=pl["PrefixListId"], PrefixListName="renamed")
        described = self.ec2.describe_managed_prefix_lists(PrefixListIds=[pl["PrefixListId"]])["PrefixLists"][0]
        self.assertEqual((described["PrefixListName"], described["Version"]), ("renamed", 2))

    def test_unknown_and_aws_managed_lists(self):
        for call, kwargs in (
            (self.ec2.modify_managed_prefix_list, {"AddEntries": [{"Cidr": "10.0.0.3/32"}]}),
            (self.ec2.get_managed_prefix_list_entries, {}),
            (self.ec2.delete_managed_prefix_list, {}),
        ):
            self.assert_error("InvalidPrefixListID.NotFound", call, PrefixListId="pl-00000000000000000", **kwargs)
        aws = self.ec2.describe_managed_prefix_lists(
            Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.us-east-1.s3"]}]
        )["PrefixLists"][0]
        self.assert_error("UnsupportedOperation", self.ec2.delete_managed_prefix_list, PrefixListId=aws["PrefixListId"])
        pl = self.create()
        self.ec2.delete_managed_prefix_list(PrefixListId=pl["PrefixListId"])
        self.assert_error(
            "InvalidPrefixListID.NotFound", self.ec2.get_managed_prefix_list_entries, PrefixListId=pl["PrefixListId"]
        )


class SecurityGroupRulesTest(EmulatorTestCase):
    def setUp(self):
        self.emu.reset()
        self.ec2 = self.emu.client("ec2")
        vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.group = self.ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]

    def ingress(self):
        return self.ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [self.group]}]
        )["SecurityGroupRules"]

    def prefix_list(self, max_entries):
        return self.ec2.create_managed_prefix_list(
            PrefixListName=f"pl{max_entries}", AddressFamily="IPv4", MaxEntries=max_entries
        )["PrefixList"]["PrefixListId"]

    def permission(self, port, cidr="10.1.0.0/16"):
        return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}

    def test_a_failing_authorize_applies_no_permission(self):
        self.ec2.authorize_security_group_ingress(GroupId=self.group, IpPermissions=[self.permission(443)])
        before = len(self.ingress())
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.ec2.authorize_security_group_ingress(
                GroupId=self.group, IpPermissions=[self.permission(80), self.permission(8080), self.permission(443)]
            )
        self.assertEqual(code(caught.exception), "InvalidPermission.Duplicate")
        self.assertEqual(len(self.ingress()), before)

    def test_authorize_answers_every_rule_it_added(self):
        answer = self.ec2.authorize_security_group_ingress(
            GroupId=self.group, IpPermissions=[self.permission(80), self.permission(8080)]
        )
        self.assertEqual(sorted(r["FromPort"] for r in answer["SecurityGroupRules"]), [80, 8080])

    def test_a_failing_revoke_revokes_nothing(self):
        self.ec2.authorize_security_group_ingress(GroupId=self.group, IpPermissions=[self.permission(80)])
        with self.assertRaises(botocore.exceptions.ClientError):
            self.ec2.revoke_security_group_ingress(
                GroupId=self.group, IpPermissions=[self.permission(80), self.permission(81)]
            )
        self.assertEqual([r["FromPort"] for r in self.ingress() if not r["IsEgress"]], [80])

    def test_prefix_list_references_cost_max_entries(self):
        big = self.prefix_list(25)
        for port in (80, 443):
            self.ec2.authorize_security_group_ingress(
                GroupId=self.group,
                IpPermissions=[{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "PrefixListIds": [{"PrefixListId": big}]}],
            )
        # 50 of 60 used: ten CIDR rules fit, the eleventh does not.
        self.ec2.authorize_security_group_ingress(
            GroupId=self.group, IpPermissions=[self.permission(1000 + i) for i in range(10)]
        )
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.ec2.authorize_security_group_ingress(GroupId=self.group, IpPermissions=[self.permission(2000)])
        self.assertEqual(code(caught.exception), "RulesPerSecurityGroupLimitExceeded")

    def test_unknown_prefix_list_is_refused(self):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.ec2.authorize_security_group_ingress(
                GroupId=self.group,
                IpPermissions=[{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1,
                                "PrefixListIds": [{"PrefixListId": "pl-00000000000000000"}]}],
            )
        self.assertEqual(code(caught.exception), "InvalidPrefixListID.NotFound")

    def test_growing_a_referenced_list_past_the_quota_fails_the_modification(self):
        pl = self.prefix_list(20)
        for port in (80, 443):
            self.ec2.authorize_security_group_ingress(
                GroupId=self.group,
                IpPermissions=[{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "PrefixListIds": [{"PrefixListId": pl}]}],
            )
        answer = self.ec2.modify_managed_prefix_list(PrefixListId=pl, MaxEntries=31)["PrefixList"]
        self.assertEqual(answer["State"], "modify-failed")
        self.assertIn(self.group, answer["StateMessage"])
        self.assertEqual(answer["MaxEntries"], 20)
        self.assertEqual(self.ec2.modify_managed_prefix_list(PrefixListId=pl, MaxEntries=30)["PrefixList"]["MaxEntries"], 30)


TEMPLATE = """
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: g, VpcId: {Ref: Vpc}}
  Peers:
    Type: AWS::EC2::PrefixList
    Properties:
      PrefixListName: peers
      AddressFamily: IPv4
      MaxEntries: %(max)d
      Entries: [%(entries)s]
      Tags: [{Key: team, Value: net}]
  Https:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: {"Fn::GetAtt": [Group, GroupId]}
      IpProtocol: tcp
      FromPort: 443
      ToPort: 443
      SourcePrefixListId: {Ref: Peers}
      Description: peers
Outputs:
  Version:
    Value: {"Fn::GetAtt": [Peers, Version]}
"""


class PrefixListTemplateTest(EmulatorTestCase):
    def setUp(self):
        self.emu.reset()
        self.cfn = self.emu.client("cloudformation")
        self.ec2 = self.emu.client("ec2")

    def body(self, max_entries, cidrs):
        return TEMPLATE % {"max": max_entries, "entries": ", ".join(f"{{Cidr: {c}}}" for c in cidrs)}

    def resources(self):
        return {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in self.cfn.describe_stack_resources(StackName="pl")["StackResources"]
        }

    def test_prefix_list_stack_creates_updates_and_deletes(self):
        self.cfn.create_stack(StackName="pl", TemplateBody=self.body(5, ["10.0.0.1/32"]))
        res = self.resources()
        self.assertTrue(res["Peers"].startswith("pl-"), res)
        group = self.ec2.describe_security_groups(GroupIds=[res["Group"]])["SecurityGroups"][0]
        self.assertEqual(
            [[p["PrefixListId"] for p in perm.get("PrefixListIds", [])] for perm in group["IpPermissions"]],
            [[res["Peers"]]],
        )
        self.cfn.update_stack(StackName="pl", TemplateBody=self.body(8, ["10.0.0.2/32", "10.0.0.3/32"]))
        self.assertEqual(self.resources()["Peers"], res["Peers"])  # updated in place
        entries = self.ec2.get_managed_prefix_list_entries(PrefixListId=res["Peers"])["Entries"]
        self.assertEqual(sorted(e["Cidr"] for e in entries), ["10.0.0.2/32", "10.0.0.3/32"])
        described = self.ec2.describe_managed_prefix_lists(PrefixListIds=[res["Peers"]])["PrefixLists"][0]
        self.assertEqual((described["MaxEntries"], described["PrefixListName"]), (8, "peers"))
        self.cfn.delete_stack(StackName="pl")
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.ec2.get_managed_prefix_list_entries(PrefixListId=res["Peers"])
        self.assertEqual(code(caught.exception), "InvalidPrefixListID.NotFound")


if __name__ == "__main__":
    unittest.main()
