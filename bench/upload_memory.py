#!/usr/bin/env python3
"""Server memory while receiving large uploads (issue: a 1 GB upload keeps the server under 250 MB).

Starts the real intake server (demo mode, fresh folder), seals envelopes with the browser module through Node
(tests/js/interop-cli.js), uploads each through the resumable API in 4 MiB chunks, and reads the server's peak
resident memory (VmHWM) after each. Prints one line per size and the ratio to the small baseline upload done in
the same run.   usage: python3 bench/upload_memory.py [size_mb ...]   (default: 10 1024)
"""
import base64, hashlib, http.client, json, os, socket, struct, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DLL = os.path.join(ROOT, "src/Intake.Web/bin/Release/net10.0/SafeIntake.Intake.Web.dll")


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def request(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse(); data = r.read(); c.close()
    return r.status, dict(r.getheaders()), data


def solve(token, difficulty, iterations):
    # docs/spec/intake-api.md, "Proof of work" (pbkdf2-sha256)
    password = b"SafeIntake/v2 pow\x00" + token.encode()
    n = 0
    while True:
        h = hashlib.pbkdf2_hmac("sha256", password, struct.pack(">Q", n), iterations, 32)
        if int.from_bytes(h, "big") >> (256 - difficulty) == 0:
            return str(n)
        n += 1


def peak_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"): return int(line.split()[1]) * 1024


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [10, 1024]
    subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src/Intake.Web")], check=True, capture_output=True)
    work = tempfile.mkdtemp(prefix="safeintake-bench-")
    port = free_port()
    env = dict(os.environ, Intake__Mode="Demo", Intake__DemoPath=os.path.join(work, "demo"), Intake__PowDifficulty="8", Intake__RateLimitPerMinute="1000")
    server = subprocess.Popen(["dotnet", DLL, "--contentRoot", os.path.join(ROOT, "src/Intake.Web"), "--urls", f"http://127.0.0.1:{port}"],
                              env=env, stdout=open("/tmp/bench-server.log","w"), stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            try:
                if request(port, "GET", "/healthz")[0] == 200: break
            except OSError: time.sleep(0.1)
        bundle = json.loads(request(port, "GET", "/api/v1/bundle")[2])
        body = json.loads(base64.b64decode(bundle["body"]))
        bundle_hash = hashlib.blake2b(base64.b64decode(bundle["body"]) + base64.b64decode(bundle["signature"]), digest_size=32).hexdigest()
        recipient = base64.b64decode(body["reviewers"][0]["x25519"]).hex()
        baseline = None
        print(f"server idle peak RSS: {peak_rss(server.pid) / 2**20:.0f} MiB")
        for mb in sizes:
            attachment = os.path.join(work, f"a{mb}.bin")
            with open(attachment, "wb") as f:
                for _ in range(mb): f.write(os.urandom(1 << 20))
            manifest = os.path.join(work, "m.json")
            with open(manifest, "w") as f: json.dump({"kind": "report"}, f)
            envelope = os.path.join(work, f"e{mb}.sie")
            subprocess.run(["node", os.path.join(ROOT, "tests/js/interop-cli.js"), "seal", "--recipient", recipient, "--bundle-hash", bundle_hash,
                            "--manifest", manifest, "--attach", attachment, "--out", envelope], check=True, capture_output=True)
            os.remove(attachment)
            size = os.path.getsize(envelope)
            pow_ = json.loads(request(port, "POST", "/api/v1/pow")[2])
            status, _, data = request(port, "POST", "/api/v1/uploads", json.dumps({"kind": "report", "size": size,
                "pow": {"token": pow_["token"], "nonce": solve(pow_["token"], pow_["difficulty"], pow_["iterations"])}, "website": ""}), {"Content-Type": "application/json"})
            assert status == 201, data
            upload = json.loads(data)
            started = time.time()
            with open(envelope, "rb") as f:
                offset = 0
                while offset < size:
                    chunk = f.read(upload["chunkBytes"])
                    status, headers, data = request(port, "PATCH", f"/api/v1/uploads/{upload['id']}", chunk,
                                                    {"Content-Type": "application/offset+octet-stream", "Upload-Offset": str(offset)})
                    assert status == 204, data
                    offset += len(chunk)
            status, _, data = request(port, "POST", f"/api/v1/uploads/{upload['id']}/finalize", "{}", {"Content-Type": "application/json"})
            assert status == 201, data
            seconds = time.time() - started
            os.remove(envelope)
            peak = peak_rss(server.pid)
            baseline = baseline or peak
            print(f"{mb:>6} MB upload: server peak RSS {peak / 2**20:.0f} MiB ({peak / baseline:.2f}x the {sizes[0]} MB run), "
                  f"{size / 2**20 / seconds:.0f} MiB/s upload+finalize")
    finally:
        server.kill()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
