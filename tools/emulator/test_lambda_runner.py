"""Tests of lambda_runner: functions run their deployed bootstrap under the Runtime API.

The function under test is a small Python `bootstrap` (this interpreter, so it has boto3): it polls
the Runtime API once, logs a line, marks each attempt in an SQS queue through the emulator named by
AWS_ENDPOINT_URL, then answers with what it saw, fails, sleeps or exits as the event asks.
"""

import base64
import io
import json
import sys
import time
import unittest
import urllib.request
import zipfile

from botocore.exceptions import ClientError

from harness import EmulatorTestCase

BOOTSTRAP = f"""#!{sys.executable}
import json, os, sys, time, urllib.request
import boto3
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
with urllib.request.urlopen(api + "/invocation/next") as r:
    request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
    event = json.loads(r.read() or b"null")
print("handling", json.dumps(event), flush=True)
sqs = boto3.client("sqs", region_name=os.environ["AWS_REGION"])
sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="marks")["QueueUrl"], MessageBody=json.dumps(event))
if isinstance(event, dict) and event.get("sleep"):
    time.sleep(event["sleep"])
if isinstance(event, dict) and event.get("exit"):
    sys.exit(3)
if isinstance(event, dict) and event.get("fail"):
    body, path = {{"errorType": "Boom", "errorMessage": "asked to fail"}}, "/error"
else:
    body = {{"event": event, "colour": os.environ.get("COLOUR"), "endpoint": os.environ.get("AWS_ENDPOINT_URL"),
             "group": os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]}}
    path = "/response"
req = urllib.request.Request(api + "/invocation/" + request_id + path, data=json.dumps(body).encode(), method="POST")
urllib.request.urlopen(req).read()
"""


def package(bootstrap: str = BOOTSTRAP) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        z.writestr(info, bootstrap)
    return buffer.getvalue()


class LambdaRunnerTest(EmulatorTestCase):
    def setUp(self):
        self.emu.reset()
        self.lam, self.sqs, self.events = self.emu.client("lambda"), self.emu.client("sqs"), self.emu.client("events")
        self.marks = self.sqs.create_queue(QueueName="marks")["QueueUrl"]
        self.dlq = self.sqs.create_queue(QueueName="dlq")["QueueUrl"]
        self.dlq_arn = self.sqs.get_queue_attributes(QueueUrl=self.dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        role = self.emu.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        self.fn = self.lam.create_function(
            FunctionName="fn", Runtime="provided.al2023", Role=role, Handler="bootstrap", Timeout=5,
            Code={"ZipFile": package()}, Environment={"Variables": {"COLOUR": "green"}},
            DeadLetterConfig={"TargetArn": self.dlq_arn},
            LoggingConfig={"LogFormat": "Text", "LogGroup": "/custom/fn"},
        )["FunctionArn"]

    def control(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.emu.endpoint}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())

    def drain(self, url, want, timeout=30):
        got, deadline = [], time.monotonic() + timeout
        while len(got) < want and time.monotonic() < deadline:
            for m in self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", []):
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                got.append(m)
            time.sleep(0.2)
        return got

    def test_invoke_runs_the_bootstrap_with_the_functions_environment(self):
        out = self.lam.invoke(FunctionName="fn", Payload=b'{"n": 1}', LogType="Tail")
        self.assertNotIn("FunctionError", out)
        body = json.loads(out["Payload"].read())
        self.assertEqual(body["event"], {"n": 1})
        self.assertEqual(body["colour"], "green")
        self.assertEqual(body["endpoint"], self.emu.endpoint)
        self.assertEqual(body["group"], "/custom/fn")
        tail = base64.b64decode(out["LogResult"]).decode()
        self.assertIn('handling {"n": 1}', tail)
        self.assertIn("REPORT RequestId:", tail)
        config = self.lam.get_function_configuration(FunctionName="fn")
        self.assertEqual(config["DeadLetterConfig"], {"TargetArn": self.dlq_arn})
        self.assertEqual(config["LoggingConfig"]["LogGroup"], "/custom/fn")

    def test_function_errors_and_timeouts_are_unhandled_errors(self):
        out = self.lam.invoke(FunctionName="fn", Payload=b'{"fail": true}')
        self.assertEqual(out["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(out["Payload"].read())["errorType"], "Boom")
        self.lam.update_function_configuration(FunctionName="fn", Timeout=1)
        out = self.lam.invoke(FunctionName="fn", Payload=b'{"sleep": 5}')
        self.assertEqual(out["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(out["Payload"].read())["errorType"], "Sandbox.Timedout")
        self.lam.update_function_configuration(FunctionName="fn", Timeout=10)
        out = self.lam.invoke(FunctionName="fn", Payload=b'{"exit": true}')
        self.assertEqual(json.loads(out["Payload"].read())["errorType"], "Runtime.ExitError")

    def test_logs_reach_the_functions_log_group(self):
        self.lam.invoke(FunctionName="fn", Payload=b'{"n": 2}')
        logs = self.emu.client("logs")
        messages = [e["message"] for e in logs.filter_log_events(logGroupName="/custom/fn")["events"]]
        self.assertTrue(messages[0].startswith("START RequestId:"), messages)
        self.assertIn('handling {"n": 2}', messages)
        self.assertTrue(messages[-1].startswith("REPORT RequestId:"), messages)

    def test_reserved_concurrency_throttles_synchronous_invokes(self):
        self.lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=0)
        with self.assertRaises(ClientError) as e:
            self.lam.invoke(FunctionName="fn", Payload=b"{}")
        self.assertEqual(e.exception.response["Error"]["Code"], "TooManyRequestsException")
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 429)

    def test_async_failures_are_retried_twice_then_dead_lettered(self):
        self.control("POST", "/_iac/clock", {"speedup": 600})
        out = self.lam.invoke(FunctionName="fn", InvocationType="Event", Payload=b'{"fail": true, "k": 7}')
        self.assertEqual(out["StatusCode"], 202)
        [dead] = self.drain(self.dlq, 1)
        self.assertEqual(json.loads(dead["Body"]), {"fail": True, "k": 7})
        self.assertEqual(dead["MessageAttributes"]["ErrorMessage"]["StringValue"], "asked to fail")
        self.assertEqual(len(self.drain(self.marks, 3, timeout=5)), 3, "one attempt and two retries")
        attempts = [i["attempt"] for i in self.control("GET", "/_iac/lambda/invocations")["invocations"]]
        self.assertEqual(attempts, [1, 2, 3])

    def test_async_events_wait_for_a_reserved_slot(self):
        self.lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=1)
        for n in range(3):
            self.lam.invoke(FunctionName="fn", InvocationType="Event", Payload=json.dumps({"sleep": 0.3, "n": n}).encode())
        self.assertEqual(len(self.drain(self.marks, 3)), 3)
        deadline = time.monotonic() + 10
        while len(self.control("GET", "/_iac/lambda/invocations")["invocations"]) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        records = self.control("GET", "/_iac/lambda/invocations")["invocations"]
        self.assertEqual([r["succeeded"] for r in records], [True] * 3)

    def test_rules_deliver_matching_events_to_lambda_and_other_targets(self):
        self.events.put_rule(Name="r", EventPattern=json.dumps({"source": ["app"]}))
        q = self.sqs.create_queue(QueueName="copy")["QueueUrl"]
        q_arn = self.sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.events.put_targets(Rule="r", Targets=[{"Id": "fn", "Arn": self.fn}, {"Id": "q", "Arn": q_arn}])
        out = self.events.put_events(Entries=[{"Source": "app", "DetailType": "t", "Detail": '{"x": 1}'},
                                              {"Source": "other", "DetailType": "t", "Detail": "{}"}])
        self.assertEqual(out["FailedEntryCount"], 0)
        [mark] = self.drain(self.marks, 1)
        event = json.loads(mark["Body"])
        self.assertEqual((event["source"], event["detail"]), ("app", {"x": 1}))
        self.assertRegex(event["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(len(self.drain(q, 1)), 1)

    def test_schedules_fire_on_their_own(self):
        self.control("POST", "/_iac/clock", {"speedup": 60})
        self.events.put_rule(Name="tick", ScheduleExpression="rate(1 minute)")
        self.events.put_targets(Rule="tick", Targets=[{"Id": "fn", "Arn": self.fn}])
        started = time.monotonic()
        marks = self.drain(self.marks, 2, timeout=10)
        self.assertEqual(len(marks), 2, "a one-minute rate fires every second at 60x")
        first = json.loads(marks[0]["Body"])
        self.assertEqual((first["source"], first["detail-type"]), ("aws.events", "Scheduled Event"))
        self.assertTrue(first["resources"][0].endswith(":rule/tick"))
        self.assertGreater(time.monotonic() - started, 0.9, "not before one (scaled) period")

    def test_cron_schedules_follow_the_sped_up_clock(self):
        self.control("POST", "/_iac/clock", {"speedup": 600})
        self.events.put_rule(Name="every-ten", ScheduleExpression="cron(0/10 * * * ? *)")
        self.events.put_targets(Rule="every-ten", Targets=[{"Id": "fn", "Arn": self.fn}])
        marks = self.drain(self.marks, 2, timeout=10)
        self.assertEqual(len(marks), 2, "ten emulated minutes pass every second at 600x")
        self.assertTrue(json.loads(marks[0]["Body"])["resources"][0].endswith(":rule/every-ten"))
        # Runs already started would mark the next test's queue: stop the rule and let them finish.
        self.events.remove_targets(Rule="every-ten", Ids=["fn"])
        self.events.delete_rule(Name="every-ten")
        while self.drain(self.marks, 1, timeout=3):
            pass

    def test_schedule_rules_receive_no_bus_events(self):
        self.events.put_rule(Name="tick", ScheduleExpression="rate(1 hour)")
        self.events.put_targets(Rule="tick", Targets=[{"Id": "fn", "Arn": self.fn}])
        self.events.put_events(Entries=[{"Source": "app", "DetailType": "t", "Detail": "{}"}])
        time.sleep(2)
        self.assertEqual(self.drain(self.marks, 1, timeout=1), [])

    def test_dynamodb_stream_and_sqs_mappings_run_the_function(self):
        ddb = self.emu.client("dynamodb")
        table = ddb.create_table(
            TableName="t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )["TableDescription"]
        self.lam.create_event_source_mapping(EventSourceArn=table["LatestStreamArn"], FunctionName="fn",
                                             StartingPosition="LATEST")
        ddb.put_item(TableName="t", Item={"pk": {"S": "a"}})
        [mark] = self.drain(self.marks, 1)
        self.assertEqual(json.loads(mark["Body"])["Records"][0]["dynamodb"]["NewImage"], {"pk": {"S": "a"}})
        source = self.sqs.create_queue(QueueName="source")["QueueUrl"]
        source_arn = self.sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.lam.create_event_source_mapping(EventSourceArn=source_arn, FunctionName="fn", BatchSize=1)
        self.sqs.send_message(QueueUrl=source, MessageBody="hello")
        [mark] = self.drain(self.marks, 1)
        self.assertEqual(json.loads(mark["Body"])["Records"][0]["body"], "hello")

    def test_clock_control_rejects_bad_values(self):
        for bad in ({"speedup": 0}, {"speedup": "x"}, {"speed": 2}):
            with self.assertRaises(urllib.error.HTTPError) as e:
                self.control("POST", "/_iac/clock", bad)
            self.assertEqual(e.exception.code, 400)


class CronTest(unittest.TestCase):
    def test_cron_fields(self):
        from datetime import datetime, timezone

        from moto_plugins.lambda_runner import cron_matches, rate_seconds

        when = datetime(2026, 12, 2, 14, 30, tzinfo=timezone.utc)  # a Wednesday
        self.assertTrue(cron_matches("cron(30 14 * * ? *)", when))
        self.assertTrue(cron_matches("cron(0/15 * * * ? *)", when))
        self.assertTrue(cron_matches("cron(30 14 ? * WED *)", when))
        self.assertFalse(cron_matches("cron(30 14 ? * MON-FRI/2 *)", when.replace(day=3)))
        self.assertFalse(cron_matches("cron(31 14 * * ? *)", when))
        self.assertEqual(rate_seconds("rate(5 minutes)"), 300)
        self.assertIsNone(rate_seconds("rate(5 fortnights)"))

    def test_a_cron_looks_at_every_minute_it_has_not_seen_within_a_week(self):
        from datetime import datetime, timedelta, timezone

        from moto_plugins.lambda_runner import CRON_LOOKBACK_MINUTES, _minutes_since

        now = datetime(2026, 12, 2, 14, 30, tzinfo=timezone.utc)
        self.assertEqual(_minutes_since(None, now), [now], "a new rule looks at the current minute")
        self.assertEqual(_minutes_since(now.timestamp(), now), [], "a minute is looked at once")
        seen = _minutes_since((now - timedelta(minutes=3)).timestamp(), now)
        self.assertEqual(seen, [now, now - timedelta(minutes=1), now - timedelta(minutes=2)])
        self.assertEqual(len(_minutes_since(0.0, now)), CRON_LOOKBACK_MINUTES)

    def test_the_emulated_wall_clock_runs_faster_and_never_back(self):
        from moto_plugins import _clock

        try:
            _clock.set_speedup(100)
            start = _clock.wall()
            time.sleep(0.2)
            self.assertGreaterEqual((_clock.wall() - start).total_seconds(), 19)
            ahead = _clock.wall()
            _clock.set_speedup(10)
            self.assertGreaterEqual(_clock.wall(), ahead, "a new speed goes on from the emulated time")
        finally:
            _clock.set_speedup(1)


if __name__ == "__main__":
    unittest.main()
