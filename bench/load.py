#!/usr/bin/env python3
"""Abuse-control load check (issue 9), loopback only, bounded in count and time, stops by itself.

Starts the built intake server (src/Intake.Web/bin/Debug/net10.0) in demo mode on a temporary folder with its
default budgets, runs a /pow drain (an attacker asking for challenges as fast as it can) and meanwhile 200
concurrent witnesses that each get a challenge, solve it (difficulty 16, the default) and create an upload,
honouring Retry-After. Prints how many were served and when. Not done yet: the per-phase reports/s and p50/p99
against a bare ASP.NET Core baseline that the brief asks for (see the report)."""
import hashlib, http.client, json, os, shutil, socket, struct, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DLL = os.path.join(ROOT, "src", "Intake.Web", "bin", "Debug", "net10.0", "SafeIntake.Intake.Web.dll")
WITNESSES, DRAIN_THREADS, DEADLINE = 200, 4, 90.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = None if body is None else json.dumps(body).encode()
        c.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        r = c.getresponse()
        return r.status, r.getheader("Retry-After"), r.read()
    finally:
        c.close()


def solve(token, difficulty, iterations):
    # docs/spec/intake-api.md, "Proof of work" (pbkdf2-sha256)
    password = b"SafeIntake/v2 pow\x00" + token.encode()
    n = 0
    while True:
        h = hashlib.pbkdf2_hmac("sha256", password, struct.pack(">Q", n), iterations, 32)
        if int.from_bytes(h, "big") >> (256 - difficulty) == 0:
            return str(n)
        n += 1


def main():
    if not os.path.exists(DLL):
        sys.exit("build the server first: dotnet build src/Intake.Web")
    port, folder = free_port(), tempfile.mkdtemp(prefix="si-bench-")
    env = dict(os.environ, Intake__Mode="Demo", Intake__DemoPath=folder)
    server = subprocess.Popen(["dotnet", DLL, "--urls", f"http://127.0.0.1:{port}"], env=env, cwd=folder,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop = threading.Event()
    try:
        for _ in range(120):
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        drained = [0]

        def drain():
            while not stop.is_set():
                try:
                    request(port, "POST", "/api/v1/pow")
                    drained[0] += 1
                except OSError:
                    pass

        start = time.monotonic()
        served, refusals = [], [0]
        lock = threading.Lock()

        def witness():
            status, _, body = request(port, "POST", "/api/v1/pow")
            pow_ = json.loads(body)
            nonce = solve(pow_["token"], pow_["difficulty"], pow_["iterations"])
            while time.monotonic() - start < DEADLINE:
                status, retry, _ = request(port, "POST", "/api/v1/uploads",
                                           {"kind": "report", "size": 20000, "pow": {"token": pow_["token"], "nonce": nonce}, "website": ""})
                if status == 201:
                    with lock:
                        served.append(time.monotonic() - start)
                    return
                if status != 429:
                    return
                with lock:
                    refusals[0] += 1
                time.sleep(int(retry or "1"))

        drains = [threading.Thread(target=drain, daemon=True) for _ in range(DRAIN_THREADS)]
        for t in drains:
            t.start()
        crowd = [threading.Thread(target=witness, daemon=True) for _ in range(WITNESSES)]
        for t in crowd:
            t.start()
        for t in crowd:
            t.join(max(0.1, DEADLINE - (time.monotonic() - start)))
        stop.set()
        served.sort()
        print(f"200 concurrent witnesses at default config during a /pow drain ({drained[0]} challenges issued to the attacker):")
        print(f"  served {len(served)}/{WITNESSES}; last served at {served[-1]:.1f} s; p50 {served[len(served)//2]:.1f} s; "
              f"429s answered {refusals[0]}; all within 60 s: {len(served) == WITNESSES and served[-1] <= 60}")
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
