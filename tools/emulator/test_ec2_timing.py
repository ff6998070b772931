"""Tests of what EC2 and ELB do over time and at their edges: asynchronous detach (ec2_interfaces),
eventual consistency (ec2_consistency), IP targets' zones (load_balancing), and a named error for the
n-th call of an operation (fault_injection)."""

import json
import time
import unittest
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from harness import EmulatorTestCase


class _Base(EmulatorTestCase):
    def control(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.emu.endpoint}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def client(self, service: str, region: str = "us-east-1"):
        return boto3.client(
            service,
            endpoint_url=self.emu.endpoint,
            region_name=region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}),
        )

    def instance_with_subnet(self, ec2, zone: str):
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        image = ec2.describe_images()["Images"][0]["ImageId"]
        instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]
        return vpc, subnet, instance["InstanceId"]

    def tearDown(self):
        self.emu.reset()


class AsynchronousDetachTest(_Base):
    def test_an_interface_is_detaching_and_in_use_until_the_detach_completes(self):
        status, answer = self.control("POST", "/_iac/ec2/detach", {"seconds": 0.5})
        self.assertEqual((status, answer), (200, {"seconds": 0.5}))
        ec2 = self.client("ec2")
        _, subnet, instance = self.instance_with_subnet(ec2, "us-east-1a")
        eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
        attachment = ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=1)
        with self.assertRaises(ClientError) as attached:
            ec2.delete_network_interface(NetworkInterfaceId=eni)
        self.assertEqual(attached.exception.response["Error"]["Code"], "InvalidNetworkInterface.InUse")

        ec2.detach_network_interface(AttachmentId=attachment["AttachmentId"])
        described = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
        self.assertEqual((described["Status"], described["Attachment"]["Status"]), ("in-use", "detaching"))
        detaching = ec2.describe_network_interfaces(
            Filters=[{"Name": "attachment.status", "Values": ["detaching"]}]
        )["NetworkInterfaces"]
        self.assertEqual([i["NetworkInterfaceId"] for i in detaching], [eni])
        with self.assertRaises(ClientError) as in_use:
            ec2.delete_network_interface(NetworkInterfaceId=eni)
        self.assertEqual(in_use.exception.response["Error"]["Code"], "InvalidNetworkInterface.InUse")
        # Detaching again while it detaches is accepted, as in AWS.
        ec2.detach_network_interface(AttachmentId=attachment["AttachmentId"])

        time.sleep(0.6)
        described = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
        self.assertEqual(described["Status"], "available")
        self.assertNotIn("Attachment", described)
        ec2.delete_network_interface(NetworkInterfaceId=eni)

    def test_a_device_index_in_use_cannot_take_a_second_interface(self):
        ec2 = self.client("ec2")
        _, subnet, instance = self.instance_with_subnet(ec2, "us-east-1a")
        first, second = (
            ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"] for _ in range(2)
        )
        ec2.attach_network_interface(NetworkInterfaceId=first, InstanceId=instance, DeviceIndex=1)
        with self.assertRaises(ClientError) as taken:
            ec2.attach_network_interface(NetworkInterfaceId=second, InstanceId=instance, DeviceIndex=1)
        self.assertEqual(taken.exception.response["Error"]["Code"], "InvalidParameterValue")

    def test_the_control_refuses_a_bad_duration_and_a_reset_restores_the_default(self):
        self.assertEqual(self.control("POST", "/_iac/ec2/detach", {"seconds": -1})[0], 400)
        self.assertEqual(self.control("POST", "/_iac/ec2/detach", {"seconds": 0})[1], {"seconds": 0.0})
        self.emu.reset()
        self.assertEqual(self.control("GET", "/_iac/ec2/detach"), (200, {"seconds": 1.0}))

    def test_a_terminated_instance_takes_the_interface_it_was_detaching(self):
        ec2 = self.client("ec2")
        _, subnet, instance = self.instance_with_subnet(ec2, "us-east-1a")
        eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
        attachment = ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=1)
        ec2.detach_network_interface(AttachmentId=attachment["AttachmentId"])
        ec2.terminate_instances(InstanceIds=[instance])
        described = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
        self.assertEqual(described["Status"], "available")
        ec2.delete_network_interface(NetworkInterfaceId=eni)


class EventualConsistencyTest(_Base):
    REGION = "eu-west-1"

    def test_new_interfaces_attachments_and_addresses_are_missing_from_the_next_describes(self):
        status, answer = self.control("POST", "/_iac/consistency", {"region": self.REGION, "describes": 2})
        self.assertEqual((status, answer), (200, {"regions": {self.REGION: 2}}))
        ec2 = self.client("ec2", self.REGION)
        _, subnet, instance = self.instance_with_subnet(ec2, "eu-west-1a")
        eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
        for _ in range(2):
            with self.assertRaises(ClientError) as missing:
                ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])
            self.assertEqual(missing.exception.response["Error"]["Code"], "InvalidNetworkInterfaceID.NotFound")
        self.assertEqual(len(ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"]), 1)

        attachment = ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=1)
        self.assertTrue(attachment["AttachmentId"], "the id is in the answer at once")
        shown = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
        self.assertNotIn("Attachment", shown, "the attachment is not visible yet")
        by_instance = ec2.describe_network_interfaces(
            Filters=[{"Name": "attachment.instance-id", "Values": [instance]}]
        )["NetworkInterfaces"]
        self.assertNotIn(eni, [i["NetworkInterfaceId"] for i in by_instance])
        shown = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
        self.assertEqual(shown["Attachment"]["AttachmentId"], attachment["AttachmentId"])

        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        self.assertEqual(ec2.describe_addresses()["Addresses"], [])
        with self.assertRaises(ClientError):
            ec2.describe_addresses(AllocationIds=[allocation])
        self.assertEqual(len(ec2.describe_addresses(AllocationIds=[allocation])["Addresses"]), 1)

    def test_other_regions_and_switched_off_regions_are_consistent(self):
        self.control("POST", "/_iac/consistency", {"region": self.REGION, "describes": 1})
        ec2 = self.client("ec2", "us-east-1")
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        self.assertEqual(len(ec2.describe_addresses(AllocationIds=[allocation])["Addresses"]), 1)
        self.assertEqual(self.control("DELETE", "/_iac/consistency"), (200, {"regions": {}}))
        ec2 = self.client("ec2", self.REGION)
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        self.assertEqual(len(ec2.describe_addresses(AllocationIds=[allocation])["Addresses"]), 1)
        self.assertEqual(self.control("POST", "/_iac/consistency", {"region": self.REGION, "describes": 0})[0], 400)


class IpTargetZoneTest(_Base):
    def test_ip_targets_keep_their_zone_and_outside_addresses_need_zone_all(self):
        ec2, elbv2 = self.client("ec2"), self.client("elbv2")
        vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
        group = elbv2.create_target_group(
            Name="ips", Protocol="TCP", Port=443, VpcId=vpc, TargetType="ip"
        )["TargetGroups"][0]["TargetGroupArn"]
        elbv2.register_targets(
            TargetGroupArn=group,
            Targets=[{"Id": "10.8.0.5", "Port": 443}, {"Id": "192.168.0.5", "Port": 443, "AvailabilityZone": "all"}],
        )
        with self.assertRaises(ClientError) as outside:
            elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": "192.168.0.6", "Port": 443}])
        self.assertEqual(outside.exception.response["Error"]["Code"], "ValidationError")
        health = elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
        zones = {h["Target"]["Id"]: h["Target"].get("AvailabilityZone") for h in health}
        self.assertEqual(zones, {"10.8.0.5": None, "192.168.0.5": "all"})
        with self.assertRaises(ClientError) as no_zone:
            elbv2.deregister_targets(TargetGroupArn=group, Targets=[{"Id": "192.168.0.5", "Port": 443}])
        self.assertEqual(no_zone.exception.response["Error"]["Code"], "ValidationError")
        elbv2.deregister_targets(
            TargetGroupArn=group, Targets=[{"Id": "192.168.0.5", "Port": 443, "AvailabilityZone": "all"}]
        )


class DrainingTest(_Base):
    def test_a_deregistered_ip_target_drains_for_the_deregistration_delay(self):
        ec2, elbv2 = self.client("ec2"), self.client("elbv2")
        vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
        group = elbv2.create_target_group(
            Name="drains", Protocol="TCP", Port=443, VpcId=vpc, TargetType="ip"
        )["TargetGroups"][0]["TargetGroupArn"]
        elbv2.modify_target_group_attributes(
            TargetGroupArn=group, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "1"}]
        )
        elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": "10.7.0.5", "Port": 443}])
        elbv2.deregister_targets(TargetGroupArn=group, Targets=[{"Id": "10.7.0.5", "Port": 443}])
        health = elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
        self.assertEqual([(h["Target"]["Id"], h["TargetHealth"]["State"]) for h in health], [("10.7.0.5", "draining")])
        time.sleep(1.1)
        self.assertEqual(elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"], [])
        elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": "10.7.0.5", "Port": 443}])
        elbv2.deregister_targets(TargetGroupArn=group, Targets=[{"Id": "10.7.0.5", "Port": 443}])
        elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": "10.7.0.5", "Port": 443}])
        health = elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
        self.assertEqual([h["TargetHealth"]["State"] for h in health], ["healthy"], "registered again")


class NthCallFaultTest(_Base):
    def test_a_named_error_fails_exactly_the_nth_call_of_an_operation(self):
        status, _ = self.control(
            "POST", "/_iac/faults",
            {"service": "ec2", "operation": "AllocateAddress", "code": "AddressLimitExceeded", "skip": 2, "count": 1},
        )
        self.assertEqual(status, 201)
        ec2 = self.client("ec2")
        ec2.allocate_address(Domain="vpc")
        ec2.allocate_address(Domain="vpc")
        with self.assertRaises(ClientError) as third:
            ec2.allocate_address(Domain="vpc")
        self.assertEqual(third.exception.response["Error"]["Code"], "AddressLimitExceeded")
        ec2.allocate_address(Domain="vpc")


if __name__ == "__main__":
    unittest.main()
