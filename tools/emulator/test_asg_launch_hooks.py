"""Tests of the Auto Scaling lifecycle plugin: launch hooks, completion, heartbeats, DeleteOnTermination."""

import unittest

from harness import Emulator


class LaunchLifecycleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def setUp(self):
        self.emu.reset()
        self.ec2 = self.emu.client("ec2")
        self.asg = self.emu.client("autoscaling")
        vpc = self.ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.5.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
        image = self.ec2.describe_images()["Images"][0]["ImageId"]
        lt = self.ec2.create_launch_template(LaunchTemplateName="lt", LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"})
        self.asg.create_auto_scaling_group(
            AutoScalingGroupName="fw", MinSize=0, MaxSize=5, DesiredCapacity=0, VPCZoneIdentifier=self.subnet,
            LaunchTemplate={"LaunchTemplateId": lt["LaunchTemplate"]["LaunchTemplateId"]},
        )
        self.asg.put_lifecycle_hook(AutoScalingGroupName="fw", LifecycleHookName="launch",
                                    LifecycleTransition="autoscaling:EC2_INSTANCE_LAUNCHING", HeartbeatTimeout=900, DefaultResult="ABANDON")

    def states(self):
        group = self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=["fw"])["AutoScalingGroups"][0]
        return {i["InstanceId"]: i["LifecycleState"] for i in group["Instances"]}

    def test_instances_wait_for_their_launch_action(self):
        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=2)
        states = self.states()
        self.assertEqual(sorted(states.values()), ["Pending:Wait", "Pending:Wait"])
        first, second = sorted(states)
        self.asg.record_lifecycle_action_heartbeat(AutoScalingGroupName="fw", LifecycleHookName="launch", InstanceId=first)
        self.asg.complete_lifecycle_action(AutoScalingGroupName="fw", LifecycleHookName="launch", InstanceId=first, LifecycleActionResult="CONTINUE")
        self.assertEqual(self.states()[first], "InService")
        self.assertEqual(len(self.states()), 2, "waiting instances count toward capacity")
        with self.assertRaises(Exception) as e:
            self.asg.complete_lifecycle_action(AutoScalingGroupName="fw", LifecycleHookName="launch", InstanceId=first, LifecycleActionResult="CONTINUE")
        self.assertIn(f"No active Lifecycle Action found with instance ID {first}", str(e.exception))
        self.asg.complete_lifecycle_action(AutoScalingGroupName="fw", LifecycleHookName="launch", InstanceId=second, LifecycleActionResult="ABANDON")
        states = self.states()
        self.assertNotIn(second, states, "abandoned instances leave the group")
        self.assertEqual(sorted(states.values()), ["InService", "Pending:Wait"], "and a replacement waits")
        described = self.asg.describe_auto_scaling_instances(InstanceIds=[first])["AutoScalingInstances"]
        self.assertEqual(described[0]["LifecycleState"], "InService")

    def test_launch_actions_are_announced_on_the_event_bus(self):
        sqs = self.emu.client("sqs")
        events = self.emu.client("events")
        queue = sqs.create_queue(QueueName="actions")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="actions", EventPattern='{"source": ["aws.autoscaling"], "detail-type": ["EC2 Instance-launch Lifecycle Action"], "detail": {"AutoScalingGroupName": ["fw"]}}')
        events.put_targets(Rule="actions", Targets=[{"Id": "q", "Arn": arn}])
        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=1)
        [instance] = self.states()
        import json
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
        event = json.loads(messages[0]["Body"])
        self.assertEqual(event["detail"]["EC2InstanceId"], instance)
        self.asg.complete_lifecycle_action(AutoScalingGroupName="fw", LifecycleHookName="launch",
                                           LifecycleActionToken=event["detail"]["LifecycleActionToken"], LifecycleActionResult="CONTINUE")
        self.assertEqual(self.states()[instance], "InService")

    def test_hooks_of_a_group_from_a_template_hold_its_first_instances(self):
        image = self.ec2.describe_images()["Images"][0]["ImageId"]
        body = f"""
Resources:
  Template:
    Type: AWS::EC2::LaunchTemplate
    Properties: {{LaunchTemplateData: {{ImageId: {image}, InstanceType: t3.micro}}}}
  Group:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      AutoScalingGroupName: from-template
      MinSize: "1"
      MaxSize: "2"
      DesiredCapacity: "1"
      VPCZoneIdentifier: [{self.subnet}]
      LaunchTemplate: {{LaunchTemplateId: {{Ref: Template}}, Version: {{"Fn::GetAtt": [Template, LatestVersionNumber]}}}}
      LifecycleHookSpecificationList:
        - {{LifecycleHookName: launch, LifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING", DefaultResult: ABANDON, HeartbeatTimeout: 900}}
"""
        self.emu.client("cloudformation").create_stack(StackName="asg", TemplateBody=body)
        hooks = self.asg.describe_lifecycle_hooks(AutoScalingGroupName="from-template")["LifecycleHooks"]
        self.assertEqual([(h["LifecycleHookName"], h["HeartbeatTimeout"]) for h in hooks], [("launch", 900)])
        group = self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=["from-template"])["AutoScalingGroups"][0]
        self.assertEqual([i["LifecycleState"] for i in group["Instances"]], ["Pending:Wait"])

    def test_interfaces_marked_delete_on_termination_go_with_the_instance(self):
        self.asg.set_desired_capacity(AutoScalingGroupName="fw", DesiredCapacity=1)
        [instance] = self.states()
        keep, drop = (self.ec2.create_network_interface(SubnetId=self.subnet)["NetworkInterface"]["NetworkInterfaceId"] for _ in range(2))
        for index, eni in ((1, keep), (2, drop)):
            self.ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=index)
        attachment = self.ec2.describe_network_interfaces(NetworkInterfaceIds=[drop])["NetworkInterfaces"][0]["Attachment"]
        self.ec2.modify_network_interface_attribute(
            NetworkInterfaceId=drop, Attachment={"AttachmentId": attachment["AttachmentId"], "DeleteOnTermination": True}
        )
        described = self.ec2.describe_network_interfaces(NetworkInterfaceIds=[drop])["NetworkInterfaces"][0]
        self.assertTrue(described["Attachment"]["DeleteOnTermination"])
        self.ec2.terminate_instances(InstanceIds=[instance])
        remaining = {e["NetworkInterfaceId"] for e in self.ec2.describe_network_interfaces()["NetworkInterfaces"]}
        self.assertIn(keep, remaining)
        self.assertNotIn(drop, remaining)


if __name__ == "__main__":
    unittest.main()
