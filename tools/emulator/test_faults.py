"""Tests of fault injection and call counts (moto_plugins/fault_injection.py), through boto3: botocore
must parse the injected error of every protocol and retry throttling as the AWS SDKs do.

Run with  .venv/bin/python -m unittest discover -s tools/emulator
"""

import json
import unittest
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from harness import EmulatorTestCase

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


class FaultTest(EmulatorTestCase):
    def setUp(self):
        self.emu.reset()

    # --- helpers ---------------------------------------------------------------------------------

    def control(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.emu.endpoint}{path}", data=data, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return res.status, json.load(res)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def fault(self, **rule) -> dict:
        status, answer = self.control("POST", "/_iac/faults", rule)
        self.assertEqual(status, 201, answer)
        return answer

    def rules(self) -> dict:
        return {r["id"]: r for r in self.control("GET", "/_iac/faults")[1]["faults"]}

    def calls(self, **filters) -> list:
        query = "&".join(f"{k}={v}" for k, v in filters.items())
        return self.control("GET", f"/_iac/calls?{query}")[1]["calls"]

    def client(self, service: str, config: Config = NO_RETRIES, region: str = "us-east-1"):
        return boto3.client(
            service,
            endpoint_url=self.emu.endpoint,
            region_name=region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=config,
        )

    def assertError(self, call, code: str, message: str, status: int):
        with self.assertRaises(ClientError) as ctx:
            call()
        error = ctx.exception.response
        self.assertEqual(error["Error"]["Code"], code, error)
        if message:
            self.assertEqual(error["Error"]["Message"], message, error)
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], status, error)
        self.assertTrue(error["ResponseMetadata"].get("RequestId"), error)
        return error

    # --- protocols -------------------------------------------------------------------------------

    def test_query_protocol_throttling_then_moto(self):
        elb = self.client("elbv2")
        vpc = self.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        arn = elb.create_target_group(Name="t", Protocol="TCP", Port=443, VpcId=vpc, TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        rule = self.fault(service="elasticloadbalancing", operation="RegisterTargets", code="Throttling", message="Rate exceeded", count=2)
        self.assertEqual((rule["matched"], rule["fired"], rule["count"], rule["status"]), (0, 0, 2, 400))
        register = lambda: elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.0.1.1"}])  # noqa: E731
        error = self.assertError(register, "Throttling", "Rate exceeded", 400)
        self.assertEqual(error["Error"]["Type"], "Sender")
        self.assertError(register, "Throttling", "Rate exceeded", 400)
        register()  # the third reaches moto
        self.assertEqual(len(elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]), 1)
        got = self.rules()[rule["id"]]
        self.assertEqual((got["matched"], got["fired"]), (3, 2))
        self.assertEqual(
            self.calls(service="elasticloadbalancing", operation="RegisterTargets"),
            [{"service": "elasticloadbalancing", "operation": "RegisterTargets", "region": "us-east-1", "count": 3}],
        )

    def test_throttling_is_retried_by_the_sdk(self):
        autoscaling = self.client("autoscaling", Config(retries={"total_max_attempts": 3, "mode": "standard"}))
        self.fault(service="autoscaling", operation="DescribeAutoScalingGroups", code="Throttling", message="Rate exceeded", count=2)
        answer = autoscaling.describe_auto_scaling_groups()
        self.assertEqual(answer["ResponseMetadata"]["RetryAttempts"], 2)
        self.assertEqual(self.calls(operation="DescribeAutoScalingGroups")[0]["count"], 3)

    def test_a_non_retryable_error_is_not_retried(self):
        sts = self.client("sts", Config(retries={"total_max_attempts": 3, "mode": "standard"}))
        self.fault(service="sts", operation="GetCallerIdentity", code="AccessDenied", message="no", count=5)
        self.assertError(sts.get_caller_identity, "AccessDenied", "no", 400)
        self.assertEqual(self.calls(service="sts")[0]["count"], 1)

    def test_ec2_protocol(self):
        ec2 = self.client("ec2")
        self.fault(service="ec2", operation="DescribeVpcs", status=503, code="RequestLimitExceeded", message="Request limit exceeded.")
        self.assertError(ec2.describe_vpcs, "RequestLimitExceeded", "Request limit exceeded.", 503)
        ec2.describe_vpcs()
        ec2.describe_subnets()  # another operation of the service: not matched
        self.assertEqual(list(self.rules().values())[0]["matched"], 2)

    def test_json_protocols(self):
        dynamodb = self.client("dynamodb")  # awsJson1_0
        self.fault(service="dynamodb", operation="ListTables", code="ProvisionedThroughputExceededException", message="slow down")
        self.assertError(dynamodb.list_tables, "ProvisionedThroughputExceededException", "slow down", 400)
        ssm = self.client("ssm")  # awsJson1_1
        self.fault(service="ssm", operation="GetParameter", status=500, code="InternalServerError", message="oops")
        self.assertError(lambda: ssm.get_parameter(Name="x"), "InternalServerError", "oops", 500)
        secrets = self.client("secretsmanager")
        self.fault(service="secretsmanager", code="ThrottlingException", message="Rate exceeded")  # any operation
        self.assertError(secrets.list_secrets, "ThrottlingException", "Rate exceeded", 400)

    def test_a_region_down_fails_every_service_signed_for_it(self):
        self.fault(region="eu-west-3", status=503, code="ServiceUnavailable", message="region down", count=None)
        for service, call in [
            ("dynamodb", lambda c: c.list_tables()),
            ("ec2", lambda c: c.describe_vpcs()),
            ("autoscaling", lambda c: c.describe_auto_scaling_groups()),
        ]:
            down = self.client(service, region="eu-west-3")
            self.assertError(lambda: call(down), "ServiceUnavailable", "region down", 503)
            call(self.client(service, region="eu-west-2"))  # other regions are up
        self.assertEqual(list(self.rules().values())[0]["fired"], 3)
        status, answer = self.control("POST", "/_iac/faults", {"code": "ServiceUnavailable", "count": None})
        self.assertEqual(status, 400, answer)
        self.assertIn("must name its 'region'", json.dumps(answer))

    def test_query_compatible_json_service(self):
        sqs = self.client("sqs")
        self.fault(service="sqs", operation="ListQueues", code="AWS.SimpleQueueService.NonExistentQueue", message="gone")
        self.assertError(sqs.list_queues, "AWS.SimpleQueueService.NonExistentQueue", "gone", 400)

    def test_cbor_protocol(self):
        cloudwatch = self.client("cloudwatch")
        self.assertEqual(cloudwatch.meta.service_model.protocol, "smithy-rpc-v2-cbor")
        self.fault(service="monitoring", operation="ListMetrics", code="LimitExceededException", message="too many")
        self.assertError(cloudwatch.list_metrics, "LimitExceededException", "too many", 400)

    def test_rest_protocols(self):
        lam = self.client("lambda")
        self.fault(service="lambda", operation="ListFunctions", status=429, code="TooManyRequestsException", message="Rate exceeded")
        self.assertError(lam.list_functions, "TooManyRequestsException", "Rate exceeded", 429)
        s3 = self.client("s3", Config(retries={"total_max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket="fault-bucket")
        s3.put_object(Bucket="fault-bucket", Key="k/x", Body=b"1")
        self.fault(service="s3", operation="GetObject", status=503, code="SlowDown", message="Please reduce your request rate.")
        self.assertError(lambda: s3.get_object(Bucket="fault-bucket", Key="k/x"), "SlowDown", "Please reduce your request rate.", 503)
        self.assertEqual(s3.get_object(Bucket="fault-bucket", Key="k/x")["Body"].read(), b"1")
        operations = {c["operation"] for c in self.calls(service="s3")}
        self.assertTrue({"CreateBucket", "PutObject", "GetObject"} <= operations, operations)

    # --- matchers and the control API ------------------------------------------------------------

    def test_region_skip_and_unlimited(self):
        east, west = self.client("sts"), self.client("sts", region="us-west-2")
        self.fault(service="sts", region="us-west-2", code="ServiceUnavailable", status=503, skip=1, count=None)
        west.get_caller_identity()  # skipped
        for _ in range(3):
            self.assertError(west.get_caller_identity, "ServiceUnavailable", "", 503)
        east.get_caller_identity()
        rule = list(self.rules().values())[0]
        self.assertEqual((rule["matched"], rule["fired"], rule["count"]), (4, 3, None))

    def test_count_zero_only_counts(self):
        ec2 = self.client("ec2")
        rule = self.fault(service="ec2", operation="DescribeRegions", code="Unused", count=0)
        ec2.describe_regions()
        ec2.describe_regions()
        self.assertEqual(self.rules()[rule["id"]]["matched"], 2)
        self.assertEqual(self.rules()[rule["id"]]["fired"], 0)

    def test_first_matching_rule_fires(self):
        sts = self.client("sts")
        first = self.fault(service="sts", code="First")
        second = self.fault(service="sts", operation="GetCallerIdentity", code="Second")
        self.assertError(sts.get_caller_identity, "First", "", 400)
        self.assertError(sts.get_caller_identity, "Second", "", 400)
        sts.get_caller_identity()
        rules = self.rules()
        self.assertEqual((rules[first["id"]]["fired"], rules[second["id"]]["fired"]), (1, 1))
        self.assertEqual((rules[first["id"]]["matched"], rules[second["id"]]["matched"]), (3, 3))

    def test_rules_are_validated(self):
        for bad in (
            {"service": "sts"},  # no code
            {"code": "X"},  # no service
            {"service": "sts", "code": "X", "status": 200},
            {"service": "sts", "code": "X", "count": -1},
            {"service": "sts", "code": "X", "colour": "red"},
            {"service": "sts", "code": "X", "type": "Client"},
            ["not", "an", "object"],
        ):
            status, answer = self.control("POST", "/_iac/faults", bad)
            self.assertEqual(status, 400, (bad, answer))
            self.assertIn("error", answer)
        self.assertEqual(self.rules(), {})

    def test_delete_and_reset_clear_rules_and_calls(self):
        sts = self.client("sts")
        one = self.fault(service="sts", code="X", count=None)
        self.fault(service="ec2", code="Y")
        self.assertEqual(self.control("DELETE", f"/_iac/faults/{one['id']}"), (200, {"deleted": 1}))
        self.assertEqual(self.control("DELETE", f"/_iac/faults/{one['id']}")[0], 404)
        sts.get_caller_identity()
        self.assertEqual(self.control("DELETE", "/_iac/faults"), (200, {"deleted": 1}))
        self.assertEqual(len(self.calls(service="sts")), 1)
        self.assertEqual(self.control("DELETE", "/_iac/calls")[0], 200)
        self.assertEqual(self.calls(), [])
        self.fault(service="sts", code="X")
        self.emu.reset()
        self.assertEqual(self.rules(), {})
        sts.get_caller_identity()  # the rule went with the reset
        self.assertEqual(self.calls(service="sts")[0]["count"], 1)

    def test_unknown_control_paths(self):
        self.assertEqual(self.control("GET", "/_iac/nothing")[0], 404)
        self.assertEqual(self.control("PUT", "/_iac/faults", {})[0], 405)
        self.assertEqual(self.control("GET", "/_iac/calls?colour=red")[0], 400)


if __name__ == "__main__":
    unittest.main()
