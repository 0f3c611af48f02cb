#!/usr/bin/python3
"""Soak test of servebench-torchscript and servebench (docs/performance.md, "Soak").

Starts the C++ server on the TorchScript server's test repository, measures its capacity on one
model (closed loop, --capacity-seconds), then drives open-loop Poisson load at --fraction of it
for --minutes minutes, as consecutive one-minute `servebench load` runs against the one server
process (each minute's p99 is its own run's). Every --sample-seconds it samples the resident
memory of the server and of the running load generator. Prints, and writes as JSON to --out:
the capacity, the rate, each minute's p99, p50, throughput and errors, the server's RSS samples
and their least-squares slope (MiB per minute, over the whole soak), the generator's peak RSS per
minute, and the p99 drift (median p99 of the last three minutes over that of the first three).

Not in CI: it runs 10 minutes by default. Loopback only; one server, one generator.

usage: bench/soak.py [--build build] [--minutes 10] [--fraction 0.8] [--out soak.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)


def rss_mib(pid):
    """The resident memory of `pid` in MiB, or None once it has gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def slope_per_minute(samples):
    """Least-squares slope of [(seconds, mib)] in MiB per minute."""
    if len(samples) < 2:
        return 0.0
    xs = [t for t, _ in samples]
    ys = [m for _, m in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return 0.0
    return 60.0 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def start_server(build, repository, work):
    port_file = os.path.join(work, "ports.json")
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen(
        [os.path.join(build, "servebench-torchscript"), "--model-repository", repository,
         "--http-port", "0", "--grpc-port", "0", "--metrics-port", "0",
         "--port-file", port_file],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit(f"soak: the server exited ({server.returncode}); see {log.name}")
        try:
            with open(port_file) as f:
                return server, json.load(f)["http"]
        except (OSError, ValueError):
            time.sleep(0.1)
    server.kill()
    sys.exit("soak: the server did not start within 60 s")


def run_load(build, url, body_file, args, sample=None):
    """Runs `servebench load ARGS --json -` and returns its JSON; `sample(pid)` is called every
    few seconds while it runs."""
    command = [os.path.join(build, "servebench"), "load", "-q", "-m", "POST", "-b",
               "@" + body_file, "-H", "Content-Type: application/json", "--json", "-"] + args + [url]
    load = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    result = {}

    def read():
        out, err = load.communicate()
        result["out"], result["err"] = out, err

    reader = threading.Thread(target=read)
    reader.start()
    while reader.is_alive():
        if sample:
            sample(load.pid)
        reader.join(timeout=sample.interval if sample else 1.0)
    if load.returncode != 0:
        sys.exit(f"soak: servebench load failed ({load.returncode}): {result['err'].strip()}")
    return json.loads(result["out"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(SOURCE, "build"))
    parser.add_argument("--model", default="mlp")
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--fraction", type=float, default=0.8)
    parser.add_argument("--capacity-seconds", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sample-seconds", type=float, default=5.0)
    parser.add_argument("--out", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="servebench-soak-") as work:
        subprocess.run([sys.executable, os.path.join(SOURCE, "tests", "torchscript_server",
                                                     "make_test_models.py"), work],
                       check=True, stdout=subprocess.DEVNULL)
        body_file = os.path.join(work, "body.json")
        with open(body_file, "w") as f:
            json.dump({"inputs": [{"name": "INPUT__0", "datatype": "FP32", "shape": [1, 64],
                                   "data": [0.25] * 64}]}, f)
        server, port = start_server(args.build, os.path.join(work, "repository"), work)
        url = f"http://127.0.0.1:{port}/v2/models/{args.model}/infer"
        try:
            capacity = run_load(args.build, url, body_file,
                                ["-c", str(args.concurrency), "-d", f"{args.capacity_seconds}s",
                                 "-w", "5s"])["throughput_rps"]
            rate = args.fraction * capacity
            print(f"capacity {capacity:.0f} req/s (closed loop, {args.concurrency} outstanding); "
                  f"soak at {rate:.0f} req/s for {args.minutes} min", flush=True)

            t0 = time.time()
            server_rss = []
            minutes = []

            def sample(load_pid):
                server_rss.append((time.time() - t0, rss_mib(server.pid)))
                mib = rss_mib(load_pid)
                if mib is not None:
                    sample.load_peak = max(sample.load_peak, mib)

            sample.interval = args.sample_seconds
            for minute in range(args.minutes):
                sample.load_peak = 0.0
                r = run_load(args.build, url, body_file,
                             ["-r", f"{rate:.1f}", "-d", "60s", "-w", "0s",
                              "--seed", str(minute + 1)], sample)
                req = r["requests"]
                row = {"minute": minute + 1, "p50_us": r["latency_us"]["p50"],
                       "p99_us": r["latency_us"]["p99"], "throughput_rps": r["throughput_rps"],
                       "ok": req.get("ok"), "errors": req.get("errors"),
                       "server_rss_mib": server_rss[-1][1], "generator_peak_rss_mib":
                       sample.load_peak}
                minutes.append(row)
                print(f"minute {minute + 1:2d}: p50 {row['p50_us'] / 1e3:7.2f} ms  p99 "
                      f"{row['p99_us'] / 1e3:7.2f} ms  {row['throughput_rps']:8.0f} req/s  "
                      f"server RSS {row['server_rss_mib']:7.1f} MiB  generator peak "
                      f"{row['generator_peak_rss_mib']:6.1f} MiB", flush=True)
            if server.poll() is not None:
                sys.exit(f"soak: the server died during the soak ({server.returncode})")
        finally:
            server.terminate()
            server.wait(timeout=30)

    p99s = [m["p99_us"] for m in minutes]
    k = min(3, len(p99s))
    drift = statistics.median(p99s[-k:]) / statistics.median(p99s[:k]) - 1 if p99s else 0.0
    # The first minute includes the server's warm-up (allocator pools, first batches): the slope
    # is also given from the second minute on.
    settled = [(t, m) for t, m in server_rss if t >= 60.0]
    summary = {
        "capacity_rps": capacity, "rate_rps": rate, "minutes": minutes,
        "server_rss_samples": server_rss,
        "server_rss_slope_mib_per_min": slope_per_minute(server_rss),
        "server_rss_slope_after_first_minute_mib_per_min": slope_per_minute(settled),
        "generator_peak_rss_mib": [m["generator_peak_rss_mib"] for m in minutes],
        "p99_drift": drift, "loadavg": os.getloadavg(),
    }
    print(f"server RSS slope {summary['server_rss_slope_mib_per_min']:+.2f} MiB/min "
          f"({summary['server_rss_slope_after_first_minute_mib_per_min']:+.2f} after the first "
          f"minute); p99 drift {100 * drift:+.1f}% (median of the last {k} minutes over the "
          f"first {k}); load average {summary['loadavg'][0]:.1f}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
