"""Runs the local AWS emulator (moto, pinned in tools/requirements.txt) with the project's plugins.

Usage: python tools/emulator/server.py [--host 127.0.0.1] [--port 0]

Port 0 picks a free port. When the server is ready (plugins applied, moto configured and warmed up),
it prints exactly one line, `EMULATOR_READY http://<host>:<port>`, and serves until stdin closes or
the process is killed, so a parent that dies takes the emulator with it.
"""

import argparse
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import moto_plugins  # noqa: E402  (applies the project's patches before any backend exists)
from moto.server import ThreadedMotoServer  # noqa: E402


def post(url: str, body: dict) -> None:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=30) as res:
        res.read()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()

    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # Rust functions run in-process in tests; moto must never try to start docker for Lambda.
    post(f"{endpoint}/moto-api/config", {"lambda": {"use_docker": False}})
    # moto builds its default VPC lazily on the first EC2 call (~3 s); pay that before "ready".
    import boto3

    boto3.client(
        "ec2",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).describe_vpcs()
    print(f"EMULATOR_READY {endpoint}", flush=True)
    moto_plugins.log_applied(sys.stderr)
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
