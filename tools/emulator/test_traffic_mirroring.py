"""Tests of the traffic_mirroring and ecs_tasks plugins, through the server as the project runs it."""

import unittest

from botocore.exceptions import ClientError

from harness import EmulatorTestCase


class MirrorWorld:
    """A VPC with DNS hostnames (moto's RunTask needs them), a subnet, a group, a target and a filter."""

    def __init__(self, emu):
        self.ec2 = emu.client("ec2")
        self.ecs = emu.client("ecs")
        vpc = self.ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        self.ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        self.subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
        self.group = self.ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
        sink = self.eni()
        self.target = self.ec2.create_traffic_mirror_target(NetworkInterfaceId=sink)["TrafficMirrorTarget"]["TrafficMirrorTargetId"]
        self.filter = self.ec2.create_traffic_mirror_filter()["TrafficMirrorFilter"]["TrafficMirrorFilterId"]

    def eni(self, tags=None):
        kwargs = {"SubnetId": self.subnet}
        if tags:
            kwargs["TagSpecifications"] = [{"ResourceType": "network-interface", "Tags": tags}]
        return self.ec2.create_network_interface(**kwargs)["NetworkInterface"]["NetworkInterfaceId"]

    def session(self, eni, number, token=None, tags=None):
        kwargs = {"NetworkInterfaceId": eni, "TrafficMirrorTargetId": self.target,
                  "TrafficMirrorFilterId": self.filter, "SessionNumber": number}
        if token:
            kwargs["ClientToken"] = token
        if tags:
            kwargs["TagSpecifications"] = [{"ResourceType": "traffic-mirror-session", "Tags": tags}]
        return self.ec2.create_traffic_mirror_session(**kwargs)["TrafficMirrorSession"]["TrafficMirrorSessionId"]

    def sessions(self, **filters):
        f = [{"Name": k.replace("_", "-"), "Values": v} for k, v in filters.items()]
        return self.ec2.describe_traffic_mirror_sessions(Filters=f)["TrafficMirrorSessions"]


class TrafficMirrorSessionTest(EmulatorTestCase):
    def setUp(self):
        self.emu.reset()
        self.w = MirrorWorld(self.emu)

    def code(self, call):
        with self.assertRaises(ClientError) as caught:
            call()
        return caught.exception.response["Error"]["Code"]

    def test_ids_are_aws_shaped(self):
        self.assertTrue(self.w.target.startswith("tmt-"), self.w.target)
        self.assertTrue(self.w.filter.startswith("tmf-"), self.w.filter)

    def test_an_interface_takes_three_sessions_with_unique_numbers(self):
        eni = self.w.eni()
        self.w.session(eni, 1)
        self.assertEqual(self.code(lambda: self.w.session(eni, 1)), "InvalidParameterValue")
        self.w.session(eni, 2)
        self.w.session(eni, 3)
        self.assertEqual(self.code(lambda: self.w.session(eni, 4)), "TrafficMirrorSessionsPerInterfaceLimitExceeded")
        self.assertEqual(self.code(lambda: self.w.session(self.w.eni(), 0)), "InvalidParameterValue")
        self.assertEqual(self.code(lambda: self.w.session(self.w.eni(), 32767)), "InvalidParameterValue")

    def test_a_client_token_returns_the_first_session_or_refuses_other_parameters(self):
        eni = self.w.eni()
        first = self.w.session(eni, 5, token="t1")
        self.assertEqual(self.w.session(eni, 5, token="t1"), first)
        self.assertEqual(len(self.w.sessions(network_interface_id=[eni])), 1)
        self.assertEqual(self.code(lambda: self.w.session(eni, 6, token="t1")), "IdempotentParameterMismatch")

    def test_unknown_interface_target_filter_and_session_are_not_found(self):
        ec2 = self.w.ec2
        self.assertEqual(self.code(lambda: self.w.session("eni-0123456789abcdef0", 1)), "InvalidNetworkInterfaceID.NotFound")
        eni = self.w.eni()
        self.assertEqual(
            self.code(lambda: ec2.create_traffic_mirror_session(NetworkInterfaceId=eni, TrafficMirrorTargetId="tmt-0123456789abcdef0",
                                                               TrafficMirrorFilterId=self.w.filter, SessionNumber=1)),
            "InvalidTrafficMirrorTargetId.NotFound")
        self.assertEqual(
            self.code(lambda: ec2.delete_traffic_mirror_session(TrafficMirrorSessionId="tms-0123456789abcdef0")),
            "InvalidTrafficMirrorSessionId.NotFound")

    def test_an_interface_tagged_not_mirrorable_is_not_supported(self):
        eni = self.w.eni(tags=[{"Key": "emulator:not-mirrorable", "Value": "true"}])
        self.assertEqual(self.code(lambda: self.w.session(eni, 1)), "NetworkInterfaceNotSupported")
        self.assertEqual(self.w.sessions(network_interface_id=[eni]), [])

    def test_tag_and_number_filters_select(self):
        a, b = self.w.eni(), self.w.eni()
        mine = self.w.session(a, 1, tags=[{"Key": "stack", "Value": "s1"}])
        self.w.session(b, 2, tags=[{"Key": "stack", "Value": "s2"}])
        self.assertEqual([s["TrafficMirrorSessionId"] for s in self.w.sessions(**{"tag:stack": ["s1"]})], [mine])
        self.assertEqual([s["TrafficMirrorSessionId"] for s in self.w.sessions(session_number=["1"])], [mine])
        self.assertEqual(len(self.w.sessions(tag_key=["stack"])), 2)
        self.assertEqual(self.w.sessions(**{"tag:stack": ["nope"]}), [])

    def test_deleting_an_interface_deletes_its_sessions(self):
        eni = self.w.eni()
        self.w.session(eni, 1)
        self.w.ec2.delete_network_interface(NetworkInterfaceId=eni)
        self.assertEqual(self.w.sessions(network_interface_id=[eni]), [])


class EcsTaskTest(EmulatorTestCase):
    def setUp(self):
        self.emu.reset()
        self.w = MirrorWorld(self.emu)
        ecs = self.w.ecs
        ecs.create_cluster(clusterName="app")
        ecs.register_task_definition(family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                                     cpu="256", memory="512",
                                     containerDefinitions=[{"name": "web", "image": "nginx", "memory": 512}])

    def run_task(self):
        return self.w.ecs.run_task(cluster="app", taskDefinition="web", launchType="FARGATE", networkConfiguration={
            "awsvpcConfiguration": {"subnets": [self.w.subnet], "securityGroups": [self.w.group]}})["tasks"][0]

    def describe(self, arn):
        return self.w.ecs.describe_tasks(cluster="app", tasks=[arn])["tasks"][0]

    def test_describing_a_task_does_not_move_it(self):
        arn = self.run_task()["taskArn"]
        self.assertEqual([self.describe(arn)["lastStatus"] for _ in range(6)], ["RUNNING"] * 6)

    def test_stopping_a_task_deletes_its_interface_and_sessions(self):
        task = self.run_task()
        eni = next(d["value"] for d in task["attachments"][0]["details"] if d["name"] == "networkInterfaceId")
        self.w.session(eni, 1)
        self.w.ecs.stop_task(cluster="app", task=task["taskArn"], reason="test")
        stopped = self.describe(task["taskArn"])
        self.assertEqual((stopped["lastStatus"], stopped["attachments"][0]["status"]), ("STOPPED", "DELETED"))
        self.assertEqual(self.w.ec2.describe_network_interfaces(Filters=[{"Name": "network-interface-id", "Values": [eni]}])["NetworkInterfaces"], [])
        self.assertEqual(self.w.sessions(network_interface_id=[eni]), [])

    def test_stopping_an_unknown_task_is_invalid_parameter(self):
        self.run_task()
        with self.assertRaises(ClientError) as caught:
            self.w.ecs.stop_task(cluster="app", task="0123456789abcdef", reason="x")
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidParameterException")


class EcsTaskEventTest(EmulatorTestCase):
    """ECS Task State Change events reach an SQS-target rule as ECS sends them."""

    def setUp(self):
        self.emu.reset()
        self.w = MirrorWorld(self.emu)
        ecs = self.w.ecs
        self.cluster = ecs.create_cluster(clusterName="app")["cluster"]["clusterArn"]
        ecs.create_cluster(clusterName="other")
        ecs.register_task_definition(family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                                     cpu="256", memory="512",
                                     containerDefinitions=[{"name": "web", "image": "nginx", "memory": 512}])
        self.sqs, self.events = self.emu.client("sqs"), self.emu.client("events")
        url = self.sqs.create_queue(QueueName="task-events")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.queue = url
        import json
        self.events.put_rule(Name="tasks", EventPattern=json.dumps({
            "source": ["aws.ecs"], "detail-type": ["ECS Task State Change"], "detail": {"clusterArn": [self.cluster]}}))
        self.events.put_targets(Rule="tasks", Targets=[{"Id": "q", "Arn": arn}])

    def run_task(self, cluster="app", **kwargs):
        return self.w.ecs.run_task(cluster=cluster, taskDefinition="web", launchType="FARGATE", networkConfiguration={
            "awsvpcConfiguration": {"subnets": [self.w.subnet], "securityGroups": [self.w.group]}}, **kwargs)["tasks"][0]

    def received(self):
        import json
        out = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                return out
            for m in got:
                out.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=m["ReceiptHandle"])

    @staticmethod
    def enis(detail):
        return [d["value"] for a in detail["attachments"] for d in a["details"] if d["name"] == "networkInterfaceId"]

    def test_run_task_sends_provisioning_pending_running_with_the_interface(self):
        task = self.run_task(group="service:web", startedBy="ecs-svc/1")
        events = self.received()
        self.assertEqual([e["detail"]["lastStatus"] for e in events], ["PROVISIONING", "PENDING", "RUNNING"])
        eni = next(d["value"] for d in task["attachments"][0]["details"] if d["name"] == "networkInterfaceId")
        for e in events:
            self.assertEqual((e["source"], e["detail-type"], e["resources"]), ("aws.ecs", "ECS Task State Change", [task["taskArn"]]))
            d = e["detail"]
            self.assertEqual((d["taskArn"], d["clusterArn"], d["taskDefinitionArn"], d["group"], d["desiredStatus"], d["launchType"]),
                             (task["taskArn"], self.cluster, task["taskDefinitionArn"], "service:web", "RUNNING", "FARGATE"))
            self.assertEqual(self.enis(d), [eni])
            self.assertEqual(d["attachments"][0]["type"], "eni")
            self.assertNotIn("stoppedReason", d)
        self.assertEqual([e["detail"]["attachments"][0]["status"] for e in events], ["PRECREATED", "ATTACHED", "ATTACHED"])
        self.assertEqual([e["detail"]["version"] for e in events], [1, 2, 3])
        self.assertIn("startedAt", events[2]["detail"])

    def test_stop_task_sends_stopped_once_with_the_reason(self):
        task = self.run_task()
        self.received()
        self.w.ecs.stop_task(cluster="app", task=task["taskArn"], reason="scaled in")
        self.w.ecs.stop_task(cluster="app", task=task["taskArn"], reason="again")
        events = self.received()
        self.assertEqual(len(events), 1, events)
        d = events[0]["detail"]
        self.assertEqual((d["lastStatus"], d["desiredStatus"], d["stoppedReason"], d["stopCode"]),
                         ("STOPPED", "STOPPED", "scaled in", "UserInitiated"))
        self.assertEqual(d["attachments"][0]["status"], "DELETED")
        self.assertIn("stoppedAt", d)
        self.assertEqual(d["group"], "family:web")

    def test_a_rule_for_another_cluster_receives_nothing(self):
        self.run_task(cluster="other")
        self.assertEqual(self.received(), [])

    def test_the_interfaces_tag_gives_a_task_several_attachments(self):
        task = self.run_task(tags=[{"key": "iac-emulator:interfaces", "value": "2"}])
        enis = self.enis(task)
        self.assertEqual(len(set(enis)), 2)
        found = self.w.ec2.describe_network_interfaces(NetworkInterfaceIds=enis)["NetworkInterfaces"]
        self.assertEqual({(n["SubnetId"], n["Status"]) for n in found}, {(self.w.subnet, "in-use")})
        self.assertEqual(self.enis(self.received()[-1]["detail"]), enis)
        self.w.ecs.stop_task(cluster="app", task=task["taskArn"], reason="done")
        self.assertEqual(self.w.ec2.describe_network_interfaces(Filters=[{"Name": "network-interface-id", "Values": enis}])["NetworkInterfaces"], [])

    def test_a_bad_interfaces_tag_is_refused_and_leaves_nothing(self):
        before = len(self.w.ec2.describe_network_interfaces()["NetworkInterfaces"])
        with self.assertRaises(ClientError) as caught:
            self.run_task(tags=[{"key": "iac-emulator:interfaces", "value": "9"}])
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidParameterException")
        self.assertEqual(len(self.w.ec2.describe_network_interfaces()["NetworkInterfaces"]), before)
        self.assertEqual(self.w.ecs.list_tasks(cluster="app")["taskArns"], [])
        self.assertEqual(self.received(), [])


class ClusterStandInTest(EmulatorTestCase):
    def post(self, body):
        import json
        import urllib.error
        import urllib.request

        request = urllib.request.Request(f"{self.emu.endpoint}/_iac/stand-ins/ecs-clusters", data=json.dumps(body).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request) as response:
                return response.status
        except urllib.error.HTTPError as e:
            return e.code

    def test_a_cluster_stand_in_is_created_once_in_the_chosen_region(self):
        self.emu.reset()
        arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/app"
        self.assertEqual(self.post({"arn": arn, "region": "us-east-1"}), 201)
        self.assertEqual(self.post({"arn": arn, "region": "us-east-1"}), 200)
        self.assertEqual(self.post({"arn": "arn:aws:ecs:eu-west-1:123456789012:service/app"}), 400)
        found = [(c["clusterName"], c["clusterArn"]) for c in self.emu.client("ecs").describe_clusters(clusters=["app"])["clusters"]]
        self.assertEqual(found, [("app", arn)])


class MirrorTargetTest(EmulatorTestCase):
    """CreateTrafficMirrorTarget refuses what does not exist, as AWS does."""

    NLB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/ids/4f1e2d3c4b5a6978"

    def setUp(self):
        self.emu.reset()
        self.w = MirrorWorld(self.emu)
        self.elb = self.emu.client("elbv2")

    def code(self, **kwargs):
        with self.assertRaises(ClientError) as caught:
            self.w.ec2.create_traffic_mirror_target(**kwargs)
        return caught.exception.response["Error"]["Code"]

    def post(self, body):
        import json
        import urllib.error
        import urllib.request
        req = urllib.request.Request(self.emu.endpoint + "/_iac/stand-ins/network-load-balancers",
                                     data=json.dumps(body).encode(), method="POST")
        try:
            with urllib.request.urlopen(req) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def test_unknown_interface_load_balancer_and_endpoint_are_refused(self):
        self.assertEqual(self.code(NetworkInterfaceId="eni-0123456789abcdef0"), "InvalidNetworkInterfaceID.NotFound")
        self.assertEqual(self.code(NetworkLoadBalancerArn=self.NLB), "LoadBalancerNotFound")
        self.assertEqual(self.code(GatewayLoadBalancerEndpointId="vpce-0123456789abcdef0"), "InvalidVpcEndpointId.NotFound")
        self.assertEqual(self.code(), "MissingParameter")
        self.assertEqual(self.code(NetworkInterfaceId=self.w.eni(), NetworkLoadBalancerArn=self.NLB), "InvalidParameterCombination")

    def test_an_existing_network_load_balancer_is_a_target_and_an_application_one_is_not(self):
        subnet_b = self.w.ec2.create_subnet(VpcId=self.w.ec2.describe_subnets(SubnetIds=[self.w.subnet])["Subnets"][0]["VpcId"],
                                            CidrBlock="10.9.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
        nlb = self.elb.create_load_balancer(Name="nlb", Subnets=[self.w.subnet], Type="network", Scheme="internal")["LoadBalancers"][0]["LoadBalancerArn"]
        alb = self.elb.create_load_balancer(Name="alb", Subnets=[self.w.subnet, subnet_b], Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
        target = self.w.ec2.create_traffic_mirror_target(NetworkLoadBalancerArn=nlb)["TrafficMirrorTarget"]
        self.assertEqual(target["NetworkLoadBalancerArn"], nlb)
        self.assertEqual(self.code(NetworkLoadBalancerArn=alb), "InvalidParameterValue")

    def test_a_gateway_load_balancer_endpoint_is_a_target_and_an_interface_endpoint_is_not(self):
        vpc = self.w.ec2.describe_subnets(SubnetIds=[self.w.subnet])["Subnets"][0]["VpcId"]
        gwlbe = self.w.ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
                                               VpcEndpointType="GatewayLoadBalancer", SubnetIds=[self.w.subnet])["VpcEndpoint"]["VpcEndpointId"]
        iface = self.w.ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3",
                                               VpcEndpointType="Interface", SubnetIds=[self.w.subnet])["VpcEndpoint"]["VpcEndpointId"]
        target = self.w.ec2.create_traffic_mirror_target(GatewayLoadBalancerEndpointId=gwlbe)["TrafficMirrorTarget"]
        self.assertEqual(target["GatewayLoadBalancerEndpointId"], gwlbe)
        self.assertEqual(self.code(GatewayLoadBalancerEndpointId=iface), "InvalidParameterValue")

    def test_a_network_load_balancer_stand_in_has_the_blueprint_arn_once(self):
        self.assertEqual(self.post({"arn": self.NLB}), 201)
        self.assertEqual(self.post({"arn": self.NLB}), 200)
        self.assertEqual(self.post({"arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/a/4f1e2d3c4b5a6978"}), 400)
        lb = self.elb.describe_load_balancers(LoadBalancerArns=[self.NLB])["LoadBalancers"][0]
        self.assertEqual((lb["Type"], lb["Scheme"]), ("network", "internal"))
        target = self.w.ec2.create_traffic_mirror_target(NetworkLoadBalancerArn=self.NLB)["TrafficMirrorTarget"]
        self.assertEqual(target["NetworkLoadBalancerArn"], self.NLB)


class MirrorTemplateTest(EmulatorTestCase):
    def test_target_filter_and_rules_come_from_a_template(self):
        self.emu.reset()
        w = MirrorWorld(self.emu)
        eni = w.eni()
        cfn = self.emu.client("cloudformation")
        cfn.create_stack(StackName="mirror", TemplateBody=f"""
Resources:
  Target:
    Type: AWS::EC2::TrafficMirrorTarget
    Properties: {{NetworkInterfaceId: {eni}, Tags: [{{Key: a, Value: b}}]}}
  Filter:
    Type: AWS::EC2::TrafficMirrorFilter
    Properties: {{NetworkServices: [amazon-dns]}}
  Rule:
    Type: AWS::EC2::TrafficMirrorFilterRule
    Properties:
      TrafficMirrorFilterId: {{Ref: Filter}}
      TrafficDirection: ingress
      RuleNumber: 100
      RuleAction: accept
      SourceCidrBlock: 0.0.0.0/0
      DestinationCidrBlock: 0.0.0.0/0
Outputs:
  Target: {{Value: {{Ref: Target}}}}
""")
        res = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cfn.describe_stack_resources(StackName="mirror")["StackResources"]}
        self.assertTrue(res["Target"].startswith("tmt-"))
        f = w.ec2.describe_traffic_mirror_filters(TrafficMirrorFilterIds=[res["Filter"]])["TrafficMirrorFilters"][0]
        self.assertEqual([r["RuleNumber"] for r in f["IngressFilterRules"]], [100])
        self.assertEqual(f["NetworkServices"], ["amazon-dns"])
        cfn.delete_stack(StackName="mirror")
        self.assertEqual(w.ec2.describe_traffic_mirror_filters(TrafficMirrorFilterIds=[res["Filter"]])["TrafficMirrorFilters"], [])


if __name__ == "__main__":
    unittest.main()
