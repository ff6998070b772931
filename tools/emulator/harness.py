"""Finds or starts the emulator for a test (AWS_ENDPOINT_URL, else tools/emulator/server.py) and hands out
boto3 clients pointed at it."""

import os
import subprocess
import sys
import time
import unittest

import boto3

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


class Emulator:
    """The running emulator named by AWS_ENDPOINT_URL (the standard variable, which the AWS SDKs also
    honour; `cargo xtask ci` sets it to the emulator it started), reset to a clean state, or else a
    private one started for the test and stopped by stop()."""

    def __init__(self) -> None:
        self.proc = None
        shared = os.environ.get(ENDPOINT_VARIABLE)
        if shared:
            self.endpoint = shared
            self.reset()
            return
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "server.py"), "--port", "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith("EMULATOR_READY ") or not line:
                break
        if not line.startswith("EMULATOR_READY "):
            self.stop()
            raise RuntimeError(f"emulator did not start: {line!r}")
        self.endpoint = line.split()[1]

    def client(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def reset(self) -> None:
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")).read()

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class EmulatorTestCase(unittest.TestCase):
    """A test class sharing one emulator (`self.emu`) across its tests, stopped after the last."""

    emu: Emulator

    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
