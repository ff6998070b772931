"""Tests of tools/emulator/server.py itself: the ready line, configuration, reset and shutdown.

Always starts its own server (never the shared one named by AWS_ENDPOINT_URL). Run with
    .venv/bin/python -m unittest discover -s tools/emulator
"""

import json
import os
import re
import subprocess
import sys
import time
import unittest
import urllib.request

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
READY = re.compile(r"^EMULATOR_READY (http://127\.0\.0\.1:(\d+))\n$")


def client(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        started = time.monotonic()
        cls.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "server.py"), "--port", "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # readline blocks; the server either prints the line or exits (EOF), well within the CI limit.
        cls.ready_line = cls.proc.stdout.readline()
        cls.startup_seconds = time.monotonic() - started
        match = READY.match(cls.ready_line)
        if not match:
            cls.proc.kill()
            _, err = cls.proc.communicate(timeout=30)
            raise AssertionError(f"no ready line, got {cls.ready_line!r}; stderr:\n{err[-4000:]}")
        cls.endpoint = match.group(1)

    @classmethod
    def tearDownClass(cls):
        if cls.proc.poll() is None:
            cls.proc.kill()
            cls.proc.communicate(timeout=30)

    def test_1_ready_line_names_a_real_port(self):
        port = int(READY.match(self.ready_line).group(2))
        self.assertGreater(port, 0)
        print(f"\nemulator ready in {self.startup_seconds:.1f}s at {self.endpoint}", file=sys.stderr)

    def test_2_serves_aws_apis_and_is_configured(self):
        vpcs = client("ec2", self.endpoint).describe_vpcs()["Vpcs"]
        self.assertTrue(any(v["IsDefault"] for v in vpcs), vpcs)
        with urllib.request.urlopen(f"{self.endpoint}/moto-api/config", timeout=30) as res:
            config = json.load(res)
        self.assertEqual(config["lambda"], {"use_docker": False})

    def test_3_reset_wipes_state(self):
        s3 = client("s3", self.endpoint)
        s3.create_bucket(Bucket="test-server-bucket")
        self.assertEqual([b["Name"] for b in s3.list_buckets()["Buckets"]], ["test-server-bucket"])
        req = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(req, timeout=30) as res:
            self.assertEqual(res.status, 200)
        self.assertEqual(s3.list_buckets()["Buckets"], [])

    def test_4_closing_stdin_stops_the_server_and_nothing_else_was_printed(self):
        out, _ = self.proc.communicate(timeout=30)  # closes stdin, reads the rest of stdout
        self.assertEqual(self.proc.returncode, 0)
        self.assertEqual(out, "", "the ready line must be the only line on stdout")


if __name__ == "__main__":
    unittest.main()
