#!/usr/bin/python3
"""Start servebench's FastAPI KServe v2 server with uvicorn.

    serve.py --model-repository DIR [--http-port 8000] [--http-address 127.0.0.1]
             [--workers 1] [--torch-threads 1] [--port-file FILE] [--log-level warning]
             [--access-log]

Flag names follow tritonserver and servebench's C++ server where they apply. The listening
socket is bound here, before any model loads, so `--http-port 0` picks a free port; the line
"servebench-fastapi: listening on http://ADDRESS:PORT" on stdout tells which. The server
answers /v2/health/ready once every worker has loaded the repository (connections made
earlier wait in the listen backlog).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def bind(address: str, port: int) -> socket.socket:
    """A listening-ready socket for uvicorn, IPv6 when the address says so.

    The protocol must be named: asyncio disables Nagle's algorithm (TCP_NODELAY) only on
    sockets whose proto is IPPROTO_TCP, and with proto 0 every keep-alive response waited for
    the client's delayed ACK, 40 ms a request.
    """
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    sock.set_inheritable(True)
    return sock


def supervise(config, target, sock) -> int:
    """uvicorn's multi-process supervisor, plus what it lacks: if a worker dies (say, a model
    failed to load), stop the others and exit non-zero instead of waiting forever."""
    from uvicorn.supervisors import Multiprocess

    supervisor = Multiprocess(config, target=target, sockets=[sock])
    supervisor.startup()
    failed = 0
    while not supervisor.should_exit.wait(0.2):
        dead = [p for p in supervisor.processes if not p.is_alive()]
        if dead:
            failed = dead[0].exitcode or 1
            print(f"servebench-fastapi: worker {dead[0].pid} exited with {dead[0].exitcode}; stopping",
                  file=sys.stderr, flush=True)
            break
    supervisor.shutdown()
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-repository", required=True, type=Path, help="Triton-style model repository")
    parser.add_argument("--http-port", type=int, default=8000, help="port (0: any free port, printed on stdout)")
    parser.add_argument("--http-address", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes, each with its own models")
    parser.add_argument("--torch-threads", type=int, default=1, help="torch intra-op threads per worker")
    parser.add_argument("--port-file", type=Path, help='write {"http": PORT} here once the models are loaded')
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug", "trace"])
    parser.add_argument("--access-log", action="store_true", help="log every request (slow; off by default)")
    args = parser.parse_args(argv)
    if args.workers < 1 or args.torch_threads < 1:
        parser.error("--workers and --torch-threads must be at least 1")
    repository = args.model_repository.expanduser().resolve()
    if not repository.is_dir():
        parser.error(f"--model-repository {repository}: not a directory")

    import uvicorn

    # Workers are separate processes that build the app from these variables.
    os.environ["SERVEBENCH_FASTAPI_MODEL_REPOSITORY"] = str(repository)
    os.environ["SERVEBENCH_FASTAPI_TORCH_THREADS"] = str(args.torch_threads)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))

    sock = bind(args.http_address, args.http_port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"servebench-fastapi: listening on http://{shown}:{port}", flush=True)
    os.environ["SERVEBENCH_FASTAPI_PORT"] = str(port)
    if args.port_file:
        os.environ["SERVEBENCH_FASTAPI_PORT_FILE"] = str(args.port_file.expanduser().resolve())

    config = uvicorn.Config(
        "kserve_app:app_from_environment",
        factory=True,
        host=args.http_address,
        port=port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=args.access_log,
        lifespan="off",
        timeout_keep_alive=30,
    )
    server = uvicorn.Server(config)
    if args.workers > 1:
        return supervise(config, server.run, sock)
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
