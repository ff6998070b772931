"""Tests of the autoscaling_lifecycle plugin: lifecycle hooks, actions, timeouts, events, templates, ENIs."""

import json
import time
import unittest

from botocore.exceptions import ClientError

from harness import Emulator

LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"

emu = None
image = None


def setUpModule():
    global emu, image
    emu = Emulator()
    image = emu.client("ec2").describe_images()["Images"][0]["ImageId"]  # slow (all of moto's AMIs): once


def tearDownModule():
    emu.stop()


class LifecycleTest(unittest.TestCase):
    def setUp(self):
        emu.reset()
        self.ec2 = emu.client("ec2")
        self.asg = emu.client("autoscaling")
        vpc = self.ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
        self.image = image
        self.template = self.ec2.create_launch_template(
            LaunchTemplateName="fw", LaunchTemplateData={"ImageId": self.image, "InstanceType": "t3.micro"}
        )["LaunchTemplate"]["LaunchTemplateId"]

    def group(self, name="fw", desired=0, hooks=()):
        self.asg.create_auto_scaling_group(
            AutoScalingGroupName=name, MinSize=0, MaxSize=6, DesiredCapacity=desired, VPCZoneIdentifier=self.subnet,
            LaunchTemplate={"LaunchTemplateId": self.template}, LifecycleHookSpecificationList=list(hooks),
        )

    def hook(self, name, transition, timeout=900, result="ABANDON", group="fw", **extra):
        self.asg.put_lifecycle_hook(AutoScalingGroupName=group, LifecycleHookName=name, LifecycleTransition=transition,
                                    HeartbeatTimeout=timeout, DefaultResult=result, **extra)

    def states(self, name="fw"):
        group = self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
        return {i["InstanceId"]: i["LifecycleState"] for i in group["Instances"]}

    def ec2_state(self, instance_id):
        return self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["State"]["Name"]

    def complete(self, result, group="fw", hook="launch", **which):
        self.asg.complete_lifecycle_action(AutoScalingGroupName=group, LifecycleHookName=hook, LifecycleActionResult=result, **which)

    def queue(self, pattern):
        sqs, events = emu.client("sqs"), emu.client("events")
        url = sqs.create_queue(QueueName="lifecycle")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="lifecycle", EventPattern=json.dumps(pattern))
        # A Lambda target naming no function: delivery to the queue must not suffer from it.
        events.put_targets(Rule="lifecycle", Targets=[
            {"Id": "fn", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:appliance-lifecycle"},
            {"Id": "q", "Arn": arn},
        ])

        def receive():
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            for m in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            return [json.loads(m["Body"]) for m in messages]

        return receive

    def assertValidationError(self, call, message):
        with self.assertRaises(ClientError) as e:
            call()
        self.assertEqual(e.exception.response["Error"]["Code"], "ValidationError")
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(e.exception.response["Error"]["Message"], message)


class LaunchHookTest(LifecycleTest):
    def test_launched_instances_wait_until_continued(self):
        receive = self.queue({"source": ["aws.autoscaling"]})
        self.group(desired=1, hooks=[{"LifecycleHookName": "launch", "LifecycleTransition": LAUNCHING, "HeartbeatTimeout": 900}])
        [first] = self.states()
        self.assertEqual(self.states(), {first: "Pending:Wait"}, "CreateAutoScalingGroup with the hook in its spec list")
        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=2)
        self.asg.update_auto_scaling_group(AutoScalingGroupName="fw", DesiredCapacity=3)
        self.assertEqual(sorted(self.states().values()), ["Pending:Wait"] * 3, "SetDesiredCapacity and UpdateAutoScalingGroup")
        described = self.asg.describe_auto_scaling_instances(InstanceIds=[first])["AutoScalingInstances"][0]
        self.assertEqual(described["LifecycleState"], "Pending:Wait")
        self.assertEqual(self.ec2_state(first), "running")

        tokens = {e["detail"]["EC2InstanceId"]: e["detail"]["LifecycleActionToken"] for e in receive()}
        self.assertEqual(set(tokens), set(self.states()))
        second, third = sorted(set(tokens) - {first})
        self.complete("CONTINUE", InstanceId=first)
        self.complete("CONTINUE", LifecycleActionToken=tokens[second])
        self.assertEqual(self.states(), {first: "InService", second: "InService", third: "Pending:Wait"})
        group = self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=["fw"])["AutoScalingGroups"][0]
        self.assertEqual(group["DesiredCapacity"], 3, "waiting instances count toward capacity: nothing more launched")

    def test_completing_an_action_that_is_not_pending_is_a_validation_error(self):
        self.group()
        self.hook("launch", LAUNCHING)
        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=1)
        [instance] = self.states()
        self.asg.record_lifecycle_action_heartbeat(AutoScalingGroupName="fw", LifecycleHookName="launch", InstanceId=instance)
        self.assertValidationError(lambda: self.complete("CONTINUE", hook="other", InstanceId=instance),
                                   f"No active Lifecycle Action found with instance ID {instance}")
        self.complete("CONTINUE", InstanceId=instance)
        self.assertValidationError(lambda: self.complete("CONTINUE", InstanceId=instance),
                                   f"No active Lifecycle Action found with instance ID {instance}")
        self.assertValidationError(
            lambda: self.asg.record_lifecycle_action_heartbeat(AutoScalingGroupName="fw", LifecycleHookName="launch", InstanceId=instance),
            f"No active Lifecycle Action found with instance ID {instance}")
        token = "8e5c7c3e-0000-4000-8000-000000000000"
        self.assertValidationError(lambda: self.complete("ABANDON", LifecycleActionToken=token),
                                   f"No active Lifecycle Action found with token {token}")
        self.assertEqual(self.states(), {instance: "InService"}, "failed calls change nothing")

    def test_abandon_terminates_the_instance_and_the_group_replaces_it(self):
        self.group()
        self.hook("launch", LAUNCHING)
        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=1)
        [abandoned] = self.states()
        self.complete("ABANDON", InstanceId=abandoned)
        self.assertEqual(self.ec2_state(abandoned), "terminated")
        states = self.states()
        self.assertNotIn(abandoned, states)
        self.assertEqual(list(states.values()), ["Pending:Wait"], "the replacement waits for its own action")
        group = self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=["fw"])["AutoScalingGroups"][0]
        self.assertEqual(group["DesiredCapacity"], 1)

    def test_deleting_a_hook_abandons_its_pending_launches(self):
        self.group()
        self.hook("launch", LAUNCHING)
        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=1)
        [waiting] = self.states()
        self.asg.delete_lifecycle_hook(AutoScalingGroupName="fw", LifecycleHookName="launch")
        self.assertEqual(self.ec2_state(waiting), "terminated")
        self.assertEqual(list(self.states().values()), ["InService"], "the replacement has no hook to wait for")


class TimeoutTest(LifecycleTest):
    def test_heartbeat_restarts_the_timeout(self):
        self.group()
        self.hook("launch", LAUNCHING, timeout=2)
        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=1)
        [instance] = self.states()
        time.sleep(1.2)
        self.asg.record_lifecycle_action_heartbeat(AutoScalingGroupName="fw", LifecycleHookName="launch", InstanceId=instance)
        time.sleep(1.2)  # past the first deadline, within the second
        self.assertEqual(self.states(), {instance: "Pending:Wait"})
        self.complete("CONTINUE", InstanceId=instance)
        self.assertEqual(self.states(), {instance: "InService"})

    def test_expired_actions_get_the_default_result(self):
        self.group("continues")
        self.hook("launch", LAUNCHING, timeout=1, result="CONTINUE", group="continues")
        self.asg.set_desired_capacity(AutoScalingGroupName="continues", DesiredCapacity=1)
        [continued] = self.states("continues")
        self.group("abandons")
        self.hook("launch", LAUNCHING, timeout=1, result="ABANDON", group="abandons")
        self.asg.set_desired_capacity(AutoScalingGroupName="abandons", DesiredCapacity=1)
        [abandoned] = self.states("abandons")
        self.group("leaves", desired=1)
        self.hook("drain", TERMINATING, timeout=1, result="ABANDON", group="leaves")
        [leaving] = self.states("leaves")
        self.asg.set_desired_capacity(AutoScalingGroupName="leaves", DesiredCapacity=0)
        self.assertEqual(self.states("leaves"), {leaving: "Terminating:Wait"})
        time.sleep(1.5)
        self.assertEqual(self.states("continues"), {continued: "InService"})
        replacement = self.states("abandons")
        self.assertNotIn(abandoned, replacement)
        self.assertEqual(list(replacement.values()), ["Pending:Wait"])
        self.assertEqual(self.ec2_state(abandoned), "terminated")
        self.assertEqual(self.states("leaves"), {})
        self.assertEqual(self.ec2_state(leaving), "terminated")
        self.assertValidationError(lambda: self.complete("CONTINUE", group="continues", InstanceId=continued),
                                   f"No active Lifecycle Action found with instance ID {continued}")


class TerminateHookTest(LifecycleTest):
    def test_removed_instances_wait_until_completed(self):
        receive = self.queue({"source": ["aws.autoscaling"], "detail-type": ["EC2 Instance-terminate Lifecycle Action"]})
        self.group(desired=3)
        self.hook("drain", TERMINATING, NotificationMetadata='{"role": "firewall"}')
        first, second, third = sorted(self.states())
        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=2)
        [leaving] = [i for i, s in self.states().items() if s == "Terminating:Wait"]
        self.assertEqual(len(self.states()), 3, "a terminating instance is still listed")
        self.assertEqual(self.ec2_state(leaving), "running")
        [event] = receive()
        self.assertEqual(event["detail"]["EC2InstanceId"], leaving)
        self.assertEqual(event["detail"]["LifecycleTransition"], TERMINATING)
        self.assertEqual((event["detail"]["Origin"], event["detail"]["Destination"]), ("AutoScalingGroup", "EC2"))
        self.assertEqual(event["detail"]["NotificationMetadata"], '{"role": "firewall"}')
        self.complete("CONTINUE", hook="drain", LifecycleActionToken=event["detail"]["LifecycleActionToken"])
        self.assertEqual(self.ec2_state(leaving), "terminated")
        self.assertEqual(sorted(self.states().values()), ["InService", "InService"])

        [kept, other] = sorted(self.states())
        self.asg.terminate_instance_in_auto_scaling_group(InstanceId=kept, ShouldDecrementDesiredCapacity=False)
        states = self.states()
        self.assertEqual(states[kept], "Terminating:Wait")
        self.assertEqual(sorted(states.values()), ["InService", "InService", "Terminating:Wait"], "and a replacement launches")
        self.complete("ABANDON", hook="drain", InstanceId=kept)  # both results let a terminating instance go
        self.assertEqual(self.ec2_state(kept), "terminated")
        self.assertNotIn(kept, self.states())
        self.asg.terminate_instance_in_auto_scaling_group(InstanceId=other, ShouldDecrementDesiredCapacity=True)
        self.complete("CONTINUE", hook="drain", InstanceId=other)
        group = self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=["fw"])["AutoScalingGroups"][0]
        self.assertEqual((group["DesiredCapacity"], len(group["Instances"])), (1, 1))

    def test_deleting_a_group_does_not_wait_for_its_hooks(self):
        self.group(desired=1)
        self.hook("drain", TERMINATING)
        self.hook("launch", LAUNCHING)
        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=2)
        instances = list(self.states())
        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=1)
        self.asg.delete_auto_scaling_group(AutoScalingGroupName="fw", ForceDelete=True)
        self.assertEqual({self.ec2_state(i) for i in instances}, {"terminated"})
        self.assertEqual(self.asg.describe_lifecycle_hooks(AutoScalingGroupName="fw")["LifecycleHooks"], [])


class EventTest(LifecycleTest):
    def test_launch_action_event_reaches_a_queue_through_a_rule(self):
        receive = self.queue({"source": ["aws.autoscaling"], "detail-type": ["EC2 Instance-launch Lifecycle Action"],
                              "detail": {"AutoScalingGroupName": ["fw"]}})
        self.group()
        self.hook("launch", LAUNCHING, NotificationMetadata="primary")
        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=1)
        [instance] = self.states()
        [event] = receive()
        group = self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=["fw"])["AutoScalingGroups"][0]
        self.assertEqual(event["source"], "aws.autoscaling")
        self.assertEqual(event["detail-type"], "EC2 Instance-launch Lifecycle Action")
        self.assertEqual(event["resources"], [group["AutoScalingGroupARN"]])
        detail = event["detail"]
        self.assertEqual(
            {k: v for k, v in detail.items() if k != "LifecycleActionToken"},
            {"AutoScalingGroupName": "fw", "LifecycleHookName": "launch", "EC2InstanceId": instance,
             "LifecycleTransition": LAUNCHING, "NotificationMetadata": "primary", "Origin": "EC2", "Destination": "AutoScalingGroup"},
        )
        self.complete("CONTINUE", LifecycleActionToken=detail["LifecycleActionToken"])
        self.assertEqual(self.states(), {instance: "InService"})
        self.assertEqual(receive(), [], "no event for a group without hooks or for a completion")

    def test_launch_and_terminate_results_are_announced(self):
        receive = self.queue({"source": ["aws.autoscaling"], "detail-type": [
            "EC2 Instance Launch Successful", "EC2 Instance Launch Unsuccessful", "EC2 Instance Terminate Successful"]})
        self.group()
        self.hook("launch", LAUNCHING)
        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=1)
        [first] = self.states()
        self.assertEqual(receive(), [], "nothing while the launch waits")
        self.complete("ABANDON", InstanceId=first)
        [cancelled] = receive()
        self.assertEqual((cancelled["detail-type"], cancelled["detail"]["StatusCode"], cancelled["detail"]["EC2InstanceId"]),
                         ("EC2 Instance Launch Unsuccessful", "Cancelled", first))
        [second] = self.states()
        self.complete("CONTINUE", InstanceId=second)
        [launched] = receive()
        self.assertEqual(launched["detail-type"], "EC2 Instance Launch Successful")
        self.assertEqual(launched["detail"]["Details"], {"Availability Zone": "us-east-1a", "Subnet ID": self.subnet})
        self.assertTrue(launched["resources"][1].endswith(f":instance/{second}"))
        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=0)
        [terminated] = receive()
        self.assertEqual((terminated["detail-type"], terminated["detail"]["EC2InstanceId"]),
                         ("EC2 Instance Terminate Successful", second))


class NetworkInterfaceTest(LifecycleTest):
    def test_delete_on_termination_is_honoured_when_an_instance_terminates(self):
        self.group(desired=1)
        [instance] = self.states()
        keep, drop = (self.ec2.create_network_interface(SubnetId=self.subnet)["NetworkInterface"]["NetworkInterfaceId"] for _ in range(2))
        attachments = {eni: self.ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=index)["AttachmentId"]
                       for index, eni in ((1, keep), (2, drop))}
        self.ec2.modify_network_interface_attribute(
            NetworkInterfaceId=drop, Attachment={"AttachmentId": attachments[drop], "DeleteOnTermination": True})
        with self.assertRaises(ClientError) as e:
            self.ec2.modify_network_interface_attribute(
                NetworkInterfaceId=keep, Attachment={"AttachmentId": attachments[drop], "DeleteOnTermination": True})
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidAttachmentID.NotFound")
        enis = {e["NetworkInterfaceId"]: e for e in self.ec2.describe_network_interfaces(
            Filters=[{"Name": "attachment.instance-id", "Values": [instance]}])["NetworkInterfaces"]}
        primary = next(i for i, e in enis.items() if e["Attachment"]["DeviceIndex"] == 0)
        self.assertEqual({i: e["Attachment"]["DeleteOnTermination"] for i, e in enis.items()},
                         {primary: True, keep: False, drop: True}, "interfaces created with the instance go with it")
        address = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        self.ec2.associate_address(AllocationId=address, NetworkInterfaceId=drop)

        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=0)  # no hooks: terminated at once
        self.assertEqual(self.ec2_state(instance), "terminated")
        remaining = {e["NetworkInterfaceId"]: e for e in self.ec2.describe_network_interfaces()["NetworkInterfaces"]}
        self.assertNotIn(drop, remaining)
        self.assertNotIn(primary, remaining)
        self.assertEqual(remaining[keep]["Status"], "available")
        self.assertNotIn("Attachment", remaining[keep])
        [eip] = self.ec2.describe_addresses(AllocationIds=[address])["Addresses"]
        self.assertNotIn("AssociationId", eip, "the address of a deleted interface stays allocated, unassociated")
        self.ec2.terminate_instances(InstanceIds=[instance])  # terminating again is a no-op

    def test_attachment_filters(self):
        self.group(desired=1)
        [instance] = self.states()
        second = self.ec2.create_network_interface(SubnetId=self.subnet)["NetworkInterface"]["NetworkInterfaceId"]
        spare = self.ec2.create_network_interface(SubnetId=self.subnet)["NetworkInterface"]["NetworkInterfaceId"]
        self.ec2.attach_network_interface(NetworkInterfaceId=second, InstanceId=instance, DeviceIndex=1)

        def ids(*filters):
            found = self.ec2.describe_network_interfaces(Filters=[{"Name": n, "Values": v} for n, v in filters])
            return {e["NetworkInterfaceId"] for e in found["NetworkInterfaces"]}

        on_instance = ("attachment.instance-id", [instance])
        self.assertEqual(ids(on_instance, ("attachment.device-index", ["1"])), {second})
        self.assertEqual(len(ids(on_instance, ("attachment.device-index", ["0"]))), 1)
        self.assertEqual(len(ids(on_instance, ("attachment.device-index", ["0", "1"]))), 2)
        attached = ids(("attachment.status", ["attached"]))
        self.assertIn(second, attached)
        self.assertNotIn(spare, attached)
        self.assertEqual(ids(("attachment.status", ["detached"])), set())
        self.assertEqual(ids(on_instance, ("attachment.delete-on-termination", ["false"])), {second})


class CloudFormationTest(LifecycleTest):
    def test_template_hooks_are_real_hooks(self):
        body = f"""
Resources:
  Template:
    Type: AWS::EC2::LaunchTemplate
    Properties: {{LaunchTemplateData: {{ImageId: {self.image}, InstanceType: t3.micro}}}}
  Group:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      AutoScalingGroupName: appliances
      MinSize: "0"
      MaxSize: "3"
      DesiredCapacity: "1"
      VPCZoneIdentifier: [{self.subnet}]
      LaunchTemplate: {{LaunchTemplateId: {{Ref: Template}}, Version: {{"Fn::GetAtt": [Template, LatestVersionNumber]}}}}
      LifecycleHookSpecificationList:
        - {{LifecycleHookName: launch, LifecycleTransition: "{LAUNCHING}", DefaultResult: ABANDON, HeartbeatTimeout: 600}}
  Drain:
    Type: AWS::AutoScaling::LifecycleHook
    Properties:
      AutoScalingGroupName: {{Ref: Group}}
      LifecycleTransition: "{TERMINATING}"
      HeartbeatTimeout: 300
      DefaultResult: CONTINUE
      NotificationMetadata: drain
  Late:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      AutoScalingGroupName: late
      MinSize: "0"
      MaxSize: "3"
      DesiredCapacity: "1"
      VPCZoneIdentifier: [{self.subnet}]
      LaunchTemplate: {{LaunchTemplateId: {{Ref: Template}}, Version: {{"Fn::GetAtt": [Template, LatestVersionNumber]}}}}
  LateLaunch:
    Type: AWS::AutoScaling::LifecycleHook
    Properties:
      LifecycleHookName: launch
      AutoScalingGroupName: {{Ref: Late}}
      LifecycleTransition: "{LAUNCHING}"
Outputs:
  Drain: {{Value: {{Ref: Drain}}}}
"""
        cfn = emu.client("cloudformation")
        cfn.create_stack(StackName="appliances", TemplateBody=body)
        drain = cfn.describe_stacks(StackName="appliances")["Stacks"][0]["Outputs"][0]["OutputValue"]
        self.assertTrue(drain.startswith("appliances-Drain-"), drain)
        resources = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cfn.list_stack_resources(StackName="appliances")["StackResourceSummaries"]}
        self.assertEqual((resources["Drain"], resources["LateLaunch"]), (drain, "launch"))
        hooks = {h["LifecycleHookName"]: h for h in self.asg.describe_lifecycle_hooks(AutoScalingGroupName="appliances")["LifecycleHooks"]}
        self.assertEqual({n: (h["LifecycleTransition"], h["HeartbeatTimeout"], h["DefaultResult"]) for n, h in hooks.items()},
                         {"launch": (LAUNCHING, 600, "ABANDON"), drain: (TERMINATING, 300, "CONTINUE")})
        self.assertEqual(hooks[drain]["NotificationMetadata"], "drain")
        [first] = self.states("appliances")
        self.assertEqual(self.states("appliances"), {first: "Pending:Wait"}, "the spec list holds the group's first instance")
        self.complete("CONTINUE", group="appliances", InstanceId=first)
        self.asg.set_desired_capacity(AutoScalingGroupName="appliances", DesiredCapacity=0)
        self.assertEqual(self.states("appliances"), {first: "Terminating:Wait"}, "the hook resource applies to terminations")

        # A hook resource is created after its group, so (as in AWS) the group's first instances
        # launched without it; later launches wait.
        self.assertEqual(list(self.states("late").values()), ["InService"])
        self.asg.set_desired_capacity(AutoScalingGroupName="late", DesiredCapacity=2)
        self.assertEqual(sorted(self.states("late").values()), ["InService", "Pending:Wait"])

        cfn.delete_stack(StackName="appliances")
        self.assertEqual(self.ec2_state(first), "terminated", "stack deletion does not wait for the terminate hook")
        self.assertEqual(self.asg.describe_auto_scaling_groups()["AutoScalingGroups"], [])
        self.assertEqual(self.asg.describe_lifecycle_hooks(AutoScalingGroupName="appliances")["LifecycleHooks"], [])


if __name__ == "__main__":
    unittest.main()
