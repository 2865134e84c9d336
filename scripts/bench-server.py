#!/usr/bin/env python3
"""Load benchmark of the clinic server on loopback, with wrk as the load generator.

Starts `rapport serve` (release build) on a fresh SQLite data directory, fills it with a
caseload (by default 1,000 clients and 20,000 administrations entered through the API),
makes one-time links, then measures with wrk, bounded in time:

- link submissions: clients posting answers, each to its own one-time link
  (`POST /a/<token>`, JSON), the server storing each in a synchronous=FULL transaction;
- the counsellor's dashboard (`GET /`) and alert list (`GET /api/v1/alerts`) over that
  caseload, first one request at a time, then with every connection at once (measured
  before the submissions, so over exactly the seeded caseload).

Prints submissions per second and p50/p99 latency for each. Needs `wrk` (Debian:
`apt-get install wrk`) and a release build (`cargo build --release -p rapport`).

    scripts/bench-server.py [--clients 1000] [--administrations 20000] [--seconds 10]
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

PASSWORD = "benchmark password 1"


class Api:
    """A keep-alive JSON client signed in as one user."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = None
        self.csrf = None

    def call(self, method, path, body=None, expect=(200, 201, 204)):
        headers = {"Content-Type": "application/json"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status not in expect:
            raise SystemExit(f"{method} {path}: {response.status} {data[:200]!r}")
        if response.getheader("Set-Cookie"):
            self.cookie = response.getheader("Set-Cookie").split(";")[0]
        return json.loads(data) if data and data[:1] in (b"{", b"[") else None

    def login(self, email):
        reply = self.call("POST", "/api/v1/login", {"email": email, "password": PASSWORD})
        self.csrf = reply["csrf_token"]


def wrk(url, seconds, connections, script=None, headers=()):
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout

    def latency(percent):
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rate": rate,
        "p50": latency(50),
        "p99": latency(99),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "none",
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
    }


SUBMIT_LUA = """
local tokens = {}
for line in io.lines(os.getenv("RAPPORT_TOKENS")) do tokens[#tokens + 1] = line end
local next_token = 0
local body = '{"answers": {"srs": {"relationship": 9.1, "goals": 8.7, "approach": 9.4, "overall": 9.0}}}'
request = function()
  next_token = next_token + 1
  if next_token > #tokens then next_token = #tokens end
  return wrk.format("POST", "/a/" .. tokens[next_token], {["Content-Type"] = "application/json"}, body)
end
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default="target/release/rapport")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--administrations", type=int, default=20000)
    parser.add_argument("--links", type=int, default=30000, help="one-time links made for the submission run")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} is missing: cargo build --release -p rapport")

    work = tempfile.mkdtemp(prefix="rapport-bench-")
    data = os.path.join(work, "data")
    subprocess.run(
        [args.binary, "admin", "create-user", "--data-dir", data, "--email", "dana@bench.test",
         "--name", "Dana", "--role", "counsellor", "--password-stdin"],
        input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    server = subprocess.Popen([args.binary, "serve", "--data-dir", data, "--bind", "127.0.0.1:0"],
                              stderr=subprocess.PIPE, text=True, env={**os.environ, "RUST_LOG": "warn"})
    try:
        port = int(re.search(r"127\.0\.0\.1:(\d+)", server.stderr.readline()).group(1))
        api = Api(port)
        api.login("dana@bench.test")

        started = time.time()
        rng = random.Random(7)
        clients = [api.call("POST", "/api/v1/clients", {"code": f"B-{n:04d}"})["id"] for n in range(args.clients)]
        per_client = args.administrations // args.clients
        for client in clients:
            level = rng.uniform(30, 38)
            for k in range(per_client):
                session, instrument = k // 2 + 1, ("srs", "ors")[k % 2]
                if instrument == "srs":
                    value = max(0.0, min(10.0, round((level + rng.gauss(0, 1.5)) / 4, 1)))
                    answers = {"relationship": value, "goals": value, "approach": value, "overall": value}
                else:
                    value = max(0.0, min(10.0, round(rng.uniform(3, 9), 1)))
                    answers = {"individual": value, "interpersonal": value, "social": value, "overall": value}
                api.call("POST", f"/api/v1/clients/{client}/responses",
                         {"session": session, "date": "2026-11-02", "instrument": instrument, "answers": answers})
        first_link_session = per_client // 2 + 1
        tokens = []
        for n in range(args.links):
            client = clients[n % len(clients)]
            session = first_link_session + n // len(clients)
            link = api.call("POST", f"/api/v1/clients/{client}/links", {"instruments": ["srs"], "session": session})
            tokens.append(link["url"].rsplit("/", 1)[1])
        seeded = time.time() - started
        token_file = os.path.join(work, "tokens.txt")
        with open(token_file, "w") as f:
            f.write("\n".join(tokens) + "\n")
        script = os.path.join(work, "submit.lua")
        with open(script, "w") as f:
            f.write(SUBMIT_LUA)

        base = f"http://127.0.0.1:{port}"
        os.environ["RAPPORT_TOKENS"] = token_file
        # The reads first, over exactly the seeded caseload. The session would idle out
        # after 30 minutes; sign in afresh for them.
        api.login("dana@bench.test")
        cookie = f"Cookie: {api.cookie}"
        # One counsellor at a time (what each sees), then all connections at once.
        dashboard_one = wrk(base + "/", args.seconds, 1, headers=[cookie])
        alerts_one = wrk(base + "/api/v1/alerts", args.seconds, 1, headers=[cookie])
        dashboard = wrk(base + "/", args.seconds, args.connections, headers=[cookie])
        alerts = wrk(base + "/api/v1/alerts", args.seconds, args.connections, headers=[cookie])
        submit = wrk(base + "/a/x", args.seconds, args.connections, script=script)
        if submit["requests"] > len(tokens):
            print(f"warning: {submit['requests']} submissions but {len(tokens)} links; raise --links", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    cpus = os.cpu_count()
    print(f"caseload: {args.clients} clients, {args.clients * per_client} administrations (seeded in {seeded:.0f} s); "
          f"{cpus} CPUs; wrk -t1 -c{args.connections} -d{args.seconds}s on loopback, SQLite, synchronous=FULL")
    print()
    print("| request | connections | per second | p50 ms | p99 ms | non-2xx/3xx |")
    print("|---|---|---|---|---|---|")
    n = args.connections
    for name, c, r in [("link submission (POST /a/<token>)", n, submit),
                       ("dashboard (GET /)", 1, dashboard_one), ("dashboard (GET /)", n, dashboard),
                       ("alerts (GET /api/v1/alerts)", 1, alerts_one), ("alerts (GET /api/v1/alerts)", n, alerts)]:
        print(f"| {name} | {c} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['non_2xx']} |")


if __name__ == "__main__":
    main()
