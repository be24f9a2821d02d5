#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""agent_ingest.py -- load generator for azukari serve's agent API: N
simulated agents (each enrolled with its own token and client certificate)
upload batches of object summaries over mutual TLS, from T client threads,
for S seconds, into a PostgreSQL catalog (tools/pgtest.sh) or SQLite
(--sqlite). Prints summaries/s, batch latency p50/p99 and the server's RSS
(first, max, last sampled each second). A bounded loop on loopback; run it
with `nice`. Usage:

  nice python3 bench/agent_ingest.py --bin build-release/src/cli/azukari \\
      [--agents 1000] [--seconds 60] [--objects 500] [--threads 4] [--sqlite] \\
      [--keepalive K]

--keepalive K: a thread sends K batches of one agent over one connection
(HTTP keep-alive, as the agent does while it empties its spool) before it
takes the next agent; 1 (the default) opens a new mTLS connection per batch.
A body is built without compressing the objects again: they are deflated
once, after a full flush, and each batch only deflates its own header
(batch id, time) and computes the Adler-32 of the whole (zlib_body).
"""

import argparse
import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import zlib

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "e2e"))
import serve_client as S  # noqa: E402


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_s(pids):
    """User + system CPU seconds of the processes (those gone count 0)."""
    tck, t = os.sysconf("SC_CLK_TCK"), 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            t += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return t / tck


def pg_pids(pgdir):
    """The PostgreSQL server of tools/pgtest.sh and its children (backends, writers)."""
    try:
        with open(os.path.join(pgdir, "data", "postmaster.pid")) as f:
            top = int(f.readline())
    except (OSError, ValueError):
        return []
    out = [top]
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == top:
                        out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return out


def zlib_parts(tail):
    """The constant end of every batch body, deflated once: (raw deflate, its text)."""
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    return c.compress(tail) + c.flush(zlib.Z_FINISH), tail


def zlib_body(head, parts):
    """A zlib stream (RFC 1950) of head + the constant tail: the head is deflated and
    fully flushed (a byte boundary, no reference across it), then the tail's blocks,
    then the Adler-32 of both texts. Same bytes to inflate as zlib.compress(head + tail)."""
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    z, tail = parts
    adler = zlib.adler32(tail, zlib.adler32(head))
    return b"\x78\x01" + c.compress(head) + c.flush(zlib.Z_FULL_FLUSH) + z + \
        adler.to_bytes(4, "big")


def pg_alone(a, url):
    """PostgreSQL alone: the same rows as the server writes, one COPY and commit per batch."""
    row = ("%s\t%d\tagt-0000000000000000\t/srv/share/dept%d/file_%06d.csv\t%d\t%d\tcsv\t"
           '{"email":%d,"phone":%d}\t["090-****-%04d"]\t[]\t0\t1250\t\\N\n')
    parts = []
    for b in range(a.pg_alone):
        bid = os.urandom(16).hex()
        parts.append("BEGIN;\nCOPY agent_objects(batch_id, seq, agent_id, path, size, mtime,"
                     " format, counts, examples, edm, edm_records, score_milli, error)"
                     " FROM STDIN;\n")
        parts.append("".join(row % (bid, j, j % 50, j, 4096 + j, 1760000000 + j, j % 3, j % 7,
                                    j % 10000) for j in range(a.objects)))
        parts.append("\\.\nCOMMIT;\n")
    script = "".join(parts).encode()
    t0 = time.time()
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url], input=script,
                   stdout=subprocess.DEVNULL, check=True)
    took = time.time() - t0
    n = a.pg_alone * a.objects
    print("PostgreSQL alone (psql, one COPY + COMMIT per batch of %d): %d rows in %.1f s ="
          " %.0f rows/s (wall; the backend's CPU ends with it)" % (a.objects, n, took, n / took))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--agents", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--objects", type=int, default=500)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--sqlite", action="store_true")
    ap.add_argument("--keepalive", type=int, default=1, metavar="K",
                    help="batches per connection (HTTP keep-alive; 1 = a connection per batch)")
    ap.add_argument("--pg-alone", type=int, metavar="BATCHES",
                    help="only PostgreSQL: BATCHES transactions of one COPY of --objects rows"
                         " into the catalog's agent_objects (psql), the database's own ceiling")
    ap.add_argument("--perf", metavar="FILE",
                    help="perf record -g the server during the load phase into FILE")
    a = ap.parse_args()
    top = os.path.abspath(os.path.join(here, ".."))
    d = tempfile.mkdtemp(prefix="azk-ingest-")
    os.chmod(d, 0o755)
    home = os.path.join(d, "srv")
    env = dict(os.environ, AZUKARI_LANG="en")
    pgdir = os.path.join(d, "pg")
    p = None
    try:
        init = [a.bin, "--home", home, "init"]
        if not a.sqlite:
            url = subprocess.run(["sh", os.path.join(top, "tools", "pgtest.sh"), "start", pgdir],
                                 capture_output=True, text=True, check=True).stdout.strip()
            init += ["--catalog", url]
        subprocess.run(init, env=env, check=True, capture_output=True)
        # the admin creates 1,000 tokens in a few seconds: lift the main listener's rate limits
        conf = os.path.join(home, "azukari.conf")
        cfg = json.load(open(conf)) if os.path.exists(conf) else {}
        cfg.setdefault("serve", {}).update({"rate_user_per_min": 1000000,
                                            "rate_source_per_min": 1000000})
        with open(conf, "w") as fh:
            json.dump(cfg, fh)
        if a.pg_alone:
            pg_alone(a, url)
            return
        port, aport = S.free_port(), S.free_port()
        out = open(os.path.join(d, "serve.out"), "w+")
        p = subprocess.Popen([a.bin, "--home", home, "serve", "--port", str(port),
                              "--agent-port", str(aport)], stdout=out, stderr=subprocess.STDOUT,
                             env=env)
        for _ in range(200):
            out.seek(0)
            if "agent API" in out.read():
                break
            time.sleep(0.05)
        ca = os.path.join(home, "serve", "ca.pem")
        # one key and CSR for every simulated agent (the server issues one certificate each)
        key, csr = os.path.join(d, "k.pem"), os.path.join(d, "r.csr")
        subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
                        "-subj", "/CN=bench"], check=True, capture_output=True)
        csr_pem = open(csr).read()
        key_pem = open(key).read()
        # tokens through the CLI would start 1,000 processes: the admin API instead
        cl = S.Client(port, ca)
        m = None
        out.seek(0)
        import re
        m = re.search(r"https://localhost:\d+(/enrol\?token=[0-9a-f]{64})", out.read())
        r = cl.post("/enrol", {"token": m.group(1).split("=")[1], "user": "admin",
                               "password": "bench password 123", "password2":
                               "bench password 123"})
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', r.body).group(1)
        assert cl.login("admin", "bench password 123",
                        S.Codes().code("admin", secret)).status == 303
        tok = cl.csrf("/dashboard")
        idents = []
        ctx0 = ssl.create_default_context(cafile=ca)
        t0 = time.time()
        for i in range(a.agents):
            r = cl.post("/api/v1/agents/tokens", {"csrf": tok, "group": "bench"})
            if r.status != 201:
                sys.exit("token: %d %s" % (r.status, r.body[:300]))
            token = json.loads(r.body)["token"]
            c = http.client.HTTPSConnection("localhost", aport, context=ctx0, timeout=30)
            c.request("POST", "/api/v1/agent/enroll",
                      body=json.dumps({"token": token, "csr": csr_pem, "host": "h%d" % i}),
                      headers={"Content-Type": "application/json"})
            ans = json.loads(c.getresponse().read())
            c.close()
            f = os.path.join(d, "id%d.pem" % i)
            with open(f, "w") as fh:
                fh.write(ans["certificate"] + key_pem)
            ctx = ssl.create_default_context(cafile=ca)
            ctx.load_cert_chain(f)
            idents.append(ctx)
        enrol_s = time.time() - t0
        # bodies: distinct batch ids, realistic objects
        objs = [{"path": "/srv/share/dept%d/file_%06d.csv" % (j % 50, j), "size": 4096 + j,
                 "mtime": 1760000000 + j, "format": "csv",
                 "counts": {"phone": j % 7, "email": j % 3},
                 "examples": ["090-****-%04d" % (j % 10000)], "edm": [], "score": 1.25,
                 "error": None} for j in range(a.objects)]
        # the objects' JSON deflated once: the generator's own cost stays out of the figure
        parts = zlib_parts((json.dumps(objs) + "}").encode())
        assert zlib.decompress(zlib_body(b'{"x": ', parts)) == b'{"x": ' + parts[1]
        lock = threading.Lock()
        stats = {"objects": 0, "batches": 0, "lat": [], "errors": 0, "conns": 0}
        stop = time.time() + a.seconds
        rss = []

        def worker(k):
            n = 0
            c = None
            while time.time() < stop:
                if c is None or n % a.keepalive == 0:
                    if c is not None:
                        c.close()
                    ctx = idents[(k + (n // a.keepalive) * a.threads) % len(idents)]
                    c = http.client.HTTPSConnection("localhost", aport, context=ctx, timeout=60)
                    with lock:
                        stats["conns"] += 1
                n += 1
                body = zlib_body(('{"batch_id": "%s", "created_at": %d, "lost_objects": 0,'
                                  ' "objects": ' % (os.urandom(16).hex(), int(time.time())))
                                 .encode(), parts)
                t = time.time()
                try:
                    c.request("POST", "/api/v1/agent/batches", body=body,
                              headers={"Content-Type": "application/json",
                                       "Content-Encoding": "deflate",
                                       "X-Azukari-Time": str(int(time.time()))})
                    r = c.getresponse()
                    r.read()
                    ok = r.status == 200
                    if r.will_close:
                        c.close()
                        c = None
                except (OSError, http.client.HTTPException):
                    ok = False
                    c.close()
                    c = None
                dt = time.time() - t
                with lock:
                    if ok:
                        stats["objects"] += a.objects
                        stats["batches"] += 1
                        stats["lat"].append(dt)
                    else:
                        stats["errors"] += 1
            if c is not None:
                c.close()

        ths = [threading.Thread(target=worker, args=(k,)) for k in range(a.threads)]
        perf = None
        if a.perf:
            perf = subprocess.Popen(["perf", "record", "-q", "-F", "499", "-g", "-p", str(p.pid),
                                     "-o", a.perf], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        pgp = [] if a.sqlite else pg_pids(pgdir)
        cpu0 = (cpu_s([p.pid]), cpu_s(pgp), sum(os.times()[:2]))
        t0 = time.time()
        for t in ths:
            t.start()
        while any(t.is_alive() for t in ths):
            rss.append(rss_kb(p.pid))
            time.sleep(1)
        took = time.time() - t0
        cpu1 = (cpu_s([p.pid]), cpu_s(pgp), sum(os.times()[:2]))
        if perf is not None:
            perf.send_signal(2)
            perf.wait()
        lat = sorted(stats["lat"])
        pct = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else 0)
        print("catalog: %s" % ("SQLite" if a.sqlite else "PostgreSQL 15 (tools/pgtest.sh)"))
        print("agents enrolled: %d (%.1f s)" % (len(idents), enrol_s))
        print("batches: %d of %d objects, errors %d, %.1f s, %d connections (keep-alive %d)"
              % (stats["batches"], a.objects, stats["errors"], took, stats["conns"],
                 a.keepalive))
        print("summaries/s: %.0f" % (stats["objects"] / took))
        print("batch latency ms: p50 %.1f  p99 %.1f  max %.1f" % (pct(0.5), pct(0.99),
                                                                 pct(1.0)))
        k = stats["objects"] / 1000.0 or 1
        print("CPU ms per 1,000 summaries: serve %.1f  PostgreSQL %.1f  load generator %.1f"
              % tuple((cpu1[i] - cpu0[i]) * 1000 / k for i in range(3)))
        print("serve RSS KiB: first %d  max %d  last %d" % (rss[0], max(rss), rss[-1]))
    finally:
        if p is not None:
            p.terminate()
            p.wait()
        if not a.sqlite:
            subprocess.run(["sh", os.path.join(top, "tools", "pgtest.sh"), "stop", pgdir],
                           capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
