"""
Local AWS for engine runs: moto's ThreadedMotoServer on 127.0.0.1 with the IoT extension.

Run with the tool virtualenv's python (`npm run tools:terraform` creates it):
    $IOT_TOOLS_VENV/bin/python tools/local-aws/launcher.py [--port N] [--account-id 111111111111]

It binds 127.0.0.1 only (never 0.0.0.0), on the given port or, by default, on a free port the
kernel picks (port 0). When it is ready it prints one JSON line on stdout:
    {"ready": true, "host": "127.0.0.1", "port": 45678, "endpoint": "http://127.0.0.1:45678", ...}
It stops on SIGTERM or SIGINT, or when its stdin is closed (the parent went away), and prints
{"stopped": true} before it exits 0. Logs go to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import signal
import sys
import threading

HOST = "127.0.0.1"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="moto on 127.0.0.1 with the IoT extension")
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 (default): a free port")
    parser.add_argument(
        "--account-id",
        default=None,
        help="account id every request runs in (MOTO_ACCOUNT_ID); default: moto's 123456789012",
    )
    parser.add_argument("--no-stdin", action="store_true", help="do not stop when stdin closes")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port {args.port}: must be 0..65535")
    if args.account_id is not None and not re.fullmatch(r"\d{12}", args.account_id):
        parser.error(f"--account-id {args.account_id!r}: must be 12 digits")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.account_id:
        # moto reads it at every request (BaseResponse.get_current_account, priority 1).
        os.environ["MOTO_ACCOUNT_ID"] = args.account_id

    # AWS managed policies (AdministratorAccess, ReadOnlyAccess, AWSIoTThingsRegistration, ...) exist
    # in every AWS account; moto loads them only when asked, and our roles attach them.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import iot_extension  # noqa: E402  (after sys.path)
    import s3_extension  # noqa: E402
    import cloudwatch_cbor  # noqa: E402
    import lambda_extension  # noqa: E402
    import sqs_extension  # noqa: E402
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    added = iot_extension.install()
    mended = s3_extension.install() + cloudwatch_cbor.install() + lambda_extension.install() + sqs_extension.install()
    server = ThreadedMotoServer(ip_address=HOST, port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    if host != HOST:
        server.stop()
        print(f"local-aws: bound {host}, not {HOST}; refusing to serve", file=sys.stderr, flush=True)
        return 1

    stop = threading.Event()
    reason = {"value": ""}

    def request_stop(why: str) -> None:
        reason["value"] = reason["value"] or why
        stop.set()

    signal.signal(signal.SIGTERM, lambda *_: request_stop("SIGTERM"))
    signal.signal(signal.SIGINT, lambda *_: request_stop("SIGINT"))

    ready = {
        "ready": True,
        "host": host,
        "port": port,
        "endpoint": f"http://{host}:{port}",
        "pid": os.getpid(),
        "accountId": os.environ.get("MOTO_ACCOUNT_ID", "123456789012"),
        "iotExtension": added,
        "s3Extension": mended,
    }
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()

    # The main thread waits for a signal or for stdin to close (select, not a reader thread: a
    # thread blocked in read() makes the interpreter abort at exit). Signals interrupt the wait.
    stdin_fd = None if args.no_stdin else sys.stdin.fileno()
    while not stop.is_set():
        if stdin_fd is None:
            stop.wait(0.5)
            continue
        readable, _, _ = select.select([stdin_fd], [], [], 0.5)
        if readable:
            try:
                data = os.read(stdin_fd, 4096)
            except OSError:
                data = b""
            if not data:
                request_stop("stdin closed")
    print(f"local-aws: stopping ({reason['value']})", file=sys.stderr, flush=True)
    server.stop()
    try:
        sys.stdout.write(json.dumps({"stopped": True, "reason": reason["value"]}) + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
