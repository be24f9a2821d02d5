# SPDX-License-Identifier: Apache-2.0
"""guard_load.py -- measurements of the egress guard (bench/guard_bench.sh).

  check  BIN HOME SECONDS      `guard check` latency on a 1 MB file: p50, p99
  icap   BIN HOME SECONDS CONC ICAP through the real Squid from a local load
                               generator: requests/s, MB/s, latency p50/p99,
                               RSS of the ICAP service sampled every 5 s

Bodies are synthetic: clean Japanese text (passes) and, one request in
twenty, a synthetic roster (blocked), sizes 4 KiB .. 1 MiB. Output: one
line of key=value per figure, and a JSON summary line.
"""

import http.client
import http.server
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import gen_pii  # noqa: E402

CLEAN = "本日の会議は午後三時からです。資料は共有フォルダにあります。\n"


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = min(len(xs) - 1, max(0, int(round(p / 100.0 * (len(xs) - 1)))))
    return xs[k]


def roster_text(rows, seed=11):
    p = gen_pii.Pii(random.Random(seed))
    lines = ["氏名,郵便番号,住所,電話番号"]
    for _ in range(rows):
        lines.append(",".join([p.name_text(), p.postal(), p.address(), p.phone()[0]]))
    return "\n".join(lines) + "\n"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def bench_check(binary, home, seconds):
    tmp = tempfile.mkdtemp(prefix="azk-guard-bench-")
    path = os.path.join(tmp, "1mb.txt")
    text = (CLEAN * 20000 + roster_text(20))
    data = text.encode()[: 1024 * 1024]
    with open(path, "wb") as f:
        f.write(data)
    lat = []
    end = time.monotonic() + seconds
    while time.monotonic() < end or len(lat) < 20:
        t0 = time.monotonic()
        r = subprocess.run([binary, "--home", home, "guard", "check", path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        lat.append(time.monotonic() - t0)
        if r.returncode not in (0, 1):
            raise SystemExit("guard check failed: %d" % r.returncode)
    shutil.rmtree(tmp, ignore_errors=True)
    out = {"check_runs": len(lat), "check_p50_ms": round(pct(lat, 50) * 1000, 1),
           "check_p99_ms": round(pct(lat, 99) * 1000, 1), "check_file_bytes": len(data)}
    for k, v in out.items():
        print("%s=%s" % (k, v))
    return out


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        while n > 0:
            b = self.rfile.read(min(n, 1 << 20))
            if not b:
                break
            n -= len(b)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *a):
        pass


def bench_icap(binary, home, seconds, conc):
    tmp = tempfile.mkdtemp(prefix="azk-guard-load-")
    os.chmod(tmp, 0o777)
    icap = subprocess.Popen([binary, "--home", home, "guard", "icap", "--listen", "127.0.0.1:0",
                             "--threads", str(conc), "--spool", tmp],
                            stdout=subprocess.PIPE, stderr=open(os.path.join(tmp, "icap.log"), "wb"))
    line = icap.stdout.readline().decode()
    icap_port = int(line.rsplit(":", 1)[1].split("/")[0])
    sink_port = free_port()
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", sink_port), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    squid_port = free_port()
    conf = os.path.join(tmp, "squid.conf")
    with open(conf, "w") as f:
        f.write("\n".join([
            "http_port 127.0.0.1:%d" % squid_port, "pid_filename %s/squid.pid" % tmp,
            "cache_effective_user proxy", "access_log none", "cache_log %s/cache.log" % tmp,
            "cache_store_log none", "cache deny all", "cache_mem 8 MB", "coredump_dir %s" % tmp,
            "http_access allow localhost", "http_access deny all", "icap_enable on",
            "icap_service guard reqmod_precache bypass=0 icap://127.0.0.1:%d/guard" % icap_port,
            "adaptation_access guard allow all", "client_request_buffer_max_size 64 MB",
            "pinger_enable off", "shutdown_lifetime 1 seconds", ""]))
    squid = subprocess.Popen(["squid", "-N", "-f", conf], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", squid_port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    sizes = [4096, 16384, 65536, 262144, 1048576]
    clean = {n: (CLEAN * (n // len(CLEAN.encode()) + 1)).encode()[:n] for n in sizes}
    roster = roster_text(200).encode()
    lock = threading.Lock()
    lat, nbytes, status = [], [0], {}
    stop = [False]

    def worker(seed):
        rnd = random.Random(seed)
        i = 0
        while not stop[0]:
            i += 1
            body = roster if i % 20 == 0 else clean[rnd.choice(sizes)]
            t0 = time.monotonic()
            try:
                c = http.client.HTTPConnection("127.0.0.1", squid_port, timeout=120)
                c.request("POST", "http://127.0.0.1:%d/up" % sink_port, body=body,
                          headers={"Content-Type": "text/plain"})
                r = c.getresponse()
                r.read()
                st = r.status
                c.close()
            except OSError as e:
                st = type(e).__name__
            dt = time.monotonic() - t0
            with lock:
                lat.append(dt)
                nbytes[0] += len(body)
                status[st] = status.get(st, 0) + 1

    rss = [(0, rss_kb(icap.pid))]
    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(conc)]
    t_start = time.monotonic()
    for t in threads:
        t.start()
    while time.monotonic() - t_start < seconds:
        time.sleep(5)
        rss.append((round(time.monotonic() - t_start), rss_kb(icap.pid)))
    stop[0] = True
    for t in threads:
        t.join(timeout=130)
    elapsed = time.monotonic() - t_start
    squid.terminate()
    icap.terminate()
    squid.wait(timeout=20)
    icap.wait(timeout=20)
    sink.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)
    out = {"icap_seconds": round(elapsed, 1), "icap_concurrency": conc, "icap_requests": len(lat),
           "icap_req_per_s": round(len(lat) / elapsed, 1),
           "icap_mb_per_s": round(nbytes[0] / elapsed / 1e6, 2),
           "icap_p50_ms": round(pct(lat, 50) * 1000, 1),
           "icap_p99_ms": round(pct(lat, 99) * 1000, 1),
           "icap_status": json.dumps(status, sort_keys=True),
           "icap_rss_kb_first": rss[1][1] if len(rss) > 1 else rss[0][1],
           "icap_rss_kb_last": rss[-1][1], "icap_rss_kb_max": max(r for _, r in rss)}
    for k, v in out.items():
        print("%s=%s" % (k, v))
    print("icap_rss_series=" + " ".join("%ss:%s" % (t, r) for t, r in rss))
    return out


def main():
    mode, binary, home, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    if mode == "check":
        res = bench_check(binary, home, seconds)
    else:
        res = bench_icap(binary, home, seconds, int(sys.argv[5]))
    print("json=" + json.dumps(res, sort_keys=True))


if __name__ == "__main__":
    main()
