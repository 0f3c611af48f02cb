"""One cold start of each installed real serving system, for docs/servers.md.

    SERVEBENCH_ZOO=build/zoo-quick /usr/bin/python3 tests/real_servers/cold_start.py [MODEL] [--repeat N]

Starts each system as the tests do (servers/SYSTEM/prepare.py, one instance, no batching, free
127.0.0.1 ports) with MODEL (default digits-mlp) and prints, in seconds from spawn on the
monotonic clock: ready (the server's readiness endpoint answers 200), model ready (KServe v2
model readiness; TorchServe has none that means loaded) and first inference (the first 200 of
an inference). File preparation (derived repository, model archive, settings) is not counted.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone

from real_server import QUICK_ZOO, RealServer, not_installed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", nargs="?", default="digits-mlp")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if not QUICK_ZOO.is_dir():
        sys.exit("SERVEBENCH_ZOO must name a prepared zoo")
    print(f"# {datetime.now(timezone.utc).isoformat(timespec='seconds')}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}, model {args.model}")
    print(f"{'system':<12} {'ready':>7} {'model':>7} {'first':>7}")
    for system in ("triton", "torchserve", "mlserver"):
        if why := not_installed(system):
            print(f"{system:<12} skipped: {why}")
            continue
        for _ in range(args.repeat):
            server = RealServer(system, QUICK_ZOO, args.model)
            server.prepare()  # not part of the cold start
            with server:
                t = server.timings
            model = f"{t['model_ready']:7.2f}" if "model_ready" in t else f"{'-':>7}"
            print(f"{system:<12} {t['ready']:7.2f} {model} {t['first_inference']:7.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
