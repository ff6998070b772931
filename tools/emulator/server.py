"""Runs the local AWS emulator: moto (pinned in tools/requirements.txt) with the project's plugins.

Usage: python tools/emulator/server.py [--host 127.0.0.1] [--port 0] [--ignore-stdin]

Port 0 picks a free port. Once the server is ready (plugins applied, moto configured, warmed up) it
prints exactly one line to stdout, `EMULATOR_READY http://<host>:<port>`, and serves until stdin
closes (so a parent that dies takes the emulator with it), or with --ignore-stdin until it is killed.
Its log goes to stderr. If a plugin no longer fits the installed moto (an attribute it replaces is
gone, see moto_plugins/_patching.py), it prints `emulator: refusing to start: <why>` to stderr and
exits with status 3, printing nothing on stdout.

Besides moto's APIs and /moto-api, the server answers the fault-injection and call-count control API
under /_iac/ (moto_plugins/fault_injection.py).

moto configuration (in-process, before the first request):
- lambda.use_docker = false: Invoke echoes the payload instead of trying to start docker (the Rust
  functions are tested in-process, never inside moto).
- iam.load_aws_managed_policies stays off: it works, but rebuilds ~1,400 AWS-managed policies on the
  first IAM call and on every /moto-api/reset (about 1 s each), and the project's templates attach
  no AWS-managed policy. Set MOTO_IAM_LOAD_MANAGED_POLICIES=true in the environment to turn it on.
  (Note: moto 5.2.5's POST /moto-api/config silently ignores the "iam" key; only the environment
  variable or the in-process config reach it.)
"""

import argparse
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import moto_plugins  # noqa: E402
from moto.core.config import default_user_config  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

READY = "EMULATOR_READY"


def configure() -> None:
    default_user_config["lambda"] = {"use_docker": False}


def warm_up(endpoint: str) -> None:
    """moto builds its EC2 backend and default VPC lazily on the first EC2 call (~3 s): pay it now."""
    import boto3

    boto3.client(
        "ec2",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).describe_vpcs()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--ignore-stdin", action="store_true", help="serve until killed, not until stdin closes")
    args = ap.parse_args()

    try:
        moto_plugins.apply_all()  # the project's patches, before any backend exists
    except moto_plugins.PatchError as e:
        print(f"emulator: refusing to start: {e}", file=sys.stderr, flush=True)
        return 3
    configure()
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    moto_plugins.serving(endpoint)
    warm_up(endpoint)
    moto_plugins.log_applied(sys.stderr)
    print(f"{READY} {endpoint}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if not args.ignore_stdin:
        def wait_for_eof() -> None:
            try:
                sys.stdin.buffer.read()
            finally:
                stop.set()

        threading.Thread(target=wait_for_eof, daemon=True).start()
    try:
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
