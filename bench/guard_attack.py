#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/guard_attack.py -- figures of the egress guard under hostile input
(issue 11), all on 127.0.0.1 and bounded in time:

  slow BIN SECONDS SLOW   ICAP latency of normal requests (raw ICAP, 4 KiB
                          clean bodies, one in ten a synthetic roster that is
                          blocked) alone, then while SLOW clients trickle one
                          body byte every 2 s (each reconnects after its 408):
                          p50/p99 of both phases and their ratio.
  rss BIN SECONDS         RSS of `guard icap` (4 scanners) sampled every 5 s
                          while clean, leaking and hostile clients (trickling
                          bodies, malformed heads, a deflate bomb, the hostile
                          xlsx) run together: after warm-up, at the end, max.
  xlsx BIN                peak RSS with the hostile xlsx (130M empty shared
                          strings) in scan, scan -j 2, intake, link (wait4) and
                          through ICAP (VmHWM of the service, which has the
                          fingerprints of a 200-row roster loaded).

Every value is generated (tests/e2e/guard_fixtures.py); nothing real.
Results go to stdout; bench/guard_attack.sh appends them to
bench/results/guard_attack.txt.
"""

import os
import random
import socket
import subprocess
import sys
import threading
import time
import zlib

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


HTTP_HDR = b"POST http://upload.example/x HTTP/1.1\r\nHost: upload.example\r\n\r\n"


def reqmod_head(extra=b""):
    return (b"REQMOD icap://127.0.0.1/guard ICAP/1.0\r\nHost: x\r\nAllow: 204\r\n" + extra
            + b"Encapsulated: req-hdr=0, req-body=%d\r\n\r\n" % len(HTTP_HDR) + HTTP_HDR)


def reqmod(body, http_hdr=None):
    return reqmod_head() + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)


def answer(s, limit=120):
    s.settimeout(limit)
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            return out
        out += b
        if out.startswith(b"ICAP/1.0 204") and out.endswith(b"\r\n\r\n"):
            return out
        if b"0\r\n\r\n" in out or out.startswith(b"ICAP/1.0 4") or out.startswith(b"ICAP/1.0 5"):
            return out


class Service:
    def __init__(self, bin_, home, conf, threads=4, extra=()):
        self.log = open(os.path.join(home, "icap-bench.log"), "wb")
        self.p = subprocess.Popen(
            [bin_, "--home", home, "guard", "icap", "--listen", "127.0.0.1:0", "--threads",
             str(threads), "--no-ledger", "--config", conf, "--spool", home] + list(extra),
            stdout=subprocess.PIPE, stderr=self.log)
        line = self.p.stdout.readline().decode()
        self.port = int(line.rsplit(":", 1)[1].split("/")[0])

    def status(self, key):
        with open("/proc/%d/status" % self.p.pid) as f:
            for ln in f:
                if ln.startswith(key + ":"):
                    return int(ln.split()[1]) / 1024.0  # MB
        return float("nan")

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(15)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.log.close()


def setup(bin_):
    os.environ["AZK_BIN"] = bin_
    import guard_fixtures as G
    tmp = "/tmp/azk-guard-attack-%d" % os.getpid()
    os.makedirs(tmp)
    roster = os.path.join(tmp, "roster.csv")
    rows = G.gen_roster(roster)
    home, fp = G.make_home(tmp, roster)
    conf = os.path.join(home, "azukari.conf")
    with open(conf, "w") as f:
        f.write('{"guard": {"fingerprints": "%s"}}' % fp)
    with open(roster, "rb") as f:
        roster_bytes = f.read()
    return G, tmp, home, conf, roster_bytes, rows


class SlowClient(threading.Thread):
    """Trickles one body byte every `gap` seconds; reconnects after an answer."""

    def __init__(self, port, stop, gap=2.0):
        super().__init__(daemon=True)
        self.port, self.stop, self.gap = port, stop, gap
        self.answers = 0

    def run(self):
        while not self.stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                s.sendall(reqmod_head() + b"100000\r\n")
                s.settimeout(self.gap)
                while not self.stop.is_set():
                    s.sendall(b"a")
                    try:
                        if s.recv(4096) == b"":
                            break
                        self.answers += 1
                        break
                    except socket.timeout:
                        pass
                s.close()
            except OSError:
                time.sleep(0.2)


def normal_loop(port, seconds, bodies, lat):
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        body = bodies[i % len(bodies)]
        i += 1
        t0 = time.monotonic()
        s = socket.create_connection(("127.0.0.1", port), timeout=120)
        s.sendall(reqmod(body))
        out = answer(s)
        s.close()
        if not (out.startswith(b"ICAP/1.0 204") or b"403 Forbidden" in out):
            raise SystemExit("unexpected answer: %r" % out[:80])
        lat.append((time.monotonic() - t0) * 1000.0)


def cmd_slow(bin_, seconds, nslow):
    G, tmp, home, conf, roster, _ = setup(bin_)
    svc = Service(bin_, home, conf, threads=4)
    clean = (G.CLEAN_LINE * 60).encode()[:4096]
    bodies = [clean] * 9 + [roster]
    try:
        base = []
        normal_loop(svc.port, seconds, bodies, base)
        stop = threading.Event()
        slow = [SlowClient(svc.port, stop) for _ in range(nslow)]
        for c in slow:
            c.start()
        time.sleep(3)
        attack = []
        normal_loop(svc.port, seconds, bodies, attack)
        stop.set()
        for c in slow:
            c.join(5)
        print("icap normal requests alone: n=%d p50 %.1f ms p99 %.1f ms"
              % (len(base), pct(base, 50), pct(base, 99)))
        print("icap normal requests with %d slow clients (1 byte / 2 s): n=%d p50 %.1f ms "
              "p99 %.1f ms (p99 ratio %.2f); slow requests ended by the deadline meanwhile: %d"
              % (nslow, len(attack), pct(attack, 50), pct(attack, 99),
                 pct(attack, 99) / pct(base, 99), sum(c.answers for c in slow)))
    finally:
        svc.stop()
        subprocess.run(["rm", "-rf", tmp])


def cmd_rss(bin_, seconds):
    G, tmp, home, conf, roster, _ = setup(bin_)
    xlsx = os.path.join(tmp, "hostile.xlsx")
    G.write_hostile_xlsx(xlsx, strings=130_000_000)
    with open(xlsx, "rb") as f:
        xlsx_bytes = f.read()
    svc = Service(bin_, home, conf, threads=4, extra=["--request-timeout", "20"])
    stop = threading.Event()
    errors = []
    counts = {"clean": 0, "leak": 0, "hostile": 0}
    lock = threading.Lock()
    rnd = random.Random(11)
    clean = (G.CLEAN_LINE * 2000).encode()
    bomb = zlib.compress(b"\0" * (64 << 20), 9)

    def one(body, kind):
        s = socket.create_connection(("127.0.0.1", svc.port), timeout=120)
        s.sendall(body)
        out = answer(s)
        s.close()
        with lock:
            counts[kind] += 1
        return out

    def clean_client():
        while not stop.is_set():
            n = rnd.choice((4096, 65536, 1 << 20))
            if not one(reqmod(clean[:n]), "clean").startswith(b"ICAP/1.0 204"):
                errors.append("clean not passed")

    def leak_client():
        while not stop.is_set():
            if b"403 Forbidden" not in one(reqmod(b"log line\n" * 100 + roster), "leak"):
                errors.append("leak not blocked")
            time.sleep(0.2)

    def hostile_client():
        k = 0
        while not stop.is_set():
            k += 1
            try:
                if k % 3 == 0:
                    one(b"REQMOD icap://x/guard ICAP/1.0\r\nX: " + b"a" * 70000 + b"\r\n\r\n",
                        "hostile")
                elif k % 3 == 1:
                    hdr = (b"POST http://u.example/ HTTP/1.1\r\nHost: u.example\r\n"
                           b"Content-Encoding: deflate\r\n\r\n")
                    body = (b"REQMOD icap://127.0.0.1/guard ICAP/1.0\r\nHost: x\r\nAllow: 204\r\n"
                            b"Encapsulated: req-hdr=0, req-body=%d\r\n\r\n" % len(hdr) + hdr
                            + b"%x\r\n%s\r\n0\r\n\r\n" % (len(bomb), bomb))
                    if b"403 Forbidden" not in one(body, "hostile"):
                        errors.append("bomb not blocked")
                else:
                    if b"403 Forbidden" not in one(reqmod(xlsx_bytes), "hostile"):
                        errors.append("hostile xlsx not blocked")
            except OSError as e:
                errors.append("hostile: %s" % e)

    threads = [threading.Thread(target=f, daemon=True)
               for f in (clean_client, clean_client, leak_client, hostile_client)]
    threads += [SlowClient(svc.port, stop) for _ in range(8)]
    samples = []
    try:
        for t in threads:
            t.start()
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            time.sleep(5)
            samples.append((time.monotonic() - t0, svc.status("VmRSS")))
        stop.set()
        for t in threads:
            t.join(30)
        warm = [r for (t, r) in samples if t >= 30] or [r for (_, r) in samples]
        print("icap RSS over %d s, 4 scanners, 2 clean + 1 leaking + 1 hostile (header flood, "
              "deflate bomb, hostile xlsx) + 8 trickling clients: after 30 s %.1f MB, end %.1f MB,"
              " max %.1f MB, peak (VmHWM) %.1f MB; requests clean %d leak %d hostile %d; "
              "errors %d" % (seconds, warm[0], samples[-1][1], max(r for _, r in samples),
                             svc.status("VmHWM"), counts["clean"], counts["leak"],
                             counts["hostile"], len(errors)))
        print("icap RSS samples (s, MB): " + " ".join("%d:%.0f" % (t, r) for t, r in samples))
        if errors:
            print("errors: %s" % sorted(set(errors)))
    finally:
        stop.set()
        svc.stop()
        subprocess.run(["rm", "-rf", tmp])


def cmd_xlsx(bin_):
    import azk_testlib as T
    G, tmp, home, conf, roster, _ = setup(bin_)
    xlsx = os.path.join(tmp, "hostile.xlsx")
    G.write_hostile_xlsx(xlsx, strings=130_000_000)
    try:
        for name, argv in (
                ("scan", [bin_, "scan", xlsx]),
                ("scan -j 2 (two copies)", [bin_, "scan", "-j", "2", xlsx, xlsx]),
                ("intake", [bin_, "--home", home, "intake", "--client", "shinkin-a", "--dataset",
                            "x1", "--purpose", "bench", "--retain-until", "2030-01-01", xlsx]),
                ("link", [bin_, "link", xlsx]),
                ("guard check", [bin_, "--home", home, "guard", "check", xlsx])):
            r = T.run(argv, timeout=900)
            print("hostile xlsx (130M empty shared strings, %d bytes) %s: peak RSS %.1f MB, "
                  "%.1f s, rc %d" % (os.path.getsize(xlsx), name, r.maxrss_kb / 1024.0,
                                     r.seconds, r.rc))
        svc = Service(bin_, home, conf, threads=4)
        try:
            before = svc.status("VmHWM")
            with open(xlsx, "rb") as f:
                data = f.read()
            for _ in range(2):
                s = socket.create_connection(("127.0.0.1", svc.port), timeout=600)
                s.sendall(reqmod(data))
                out = answer(s, 600)
                s.close()
                blocked = b"403 Forbidden" in out
            print("hostile xlsx through ICAP, two uploads: service peak (VmHWM) %.1f MB (%.1f MB "
                  "before), blocked %s" % (svc.status("VmHWM"), before, blocked))
        finally:
            svc.stop()
    finally:
        subprocess.run(["rm", "-rf", tmp])


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    cmd, bin_ = sys.argv[1], sys.argv[2]
    if cmd == "slow":
        cmd_slow(bin_, float(sys.argv[3]) if len(sys.argv) > 3 else 30,
                 int(sys.argv[4]) if len(sys.argv) > 4 else 16)
    elif cmd == "rss":
        cmd_rss(bin_, float(sys.argv[3]) if len(sys.argv) > 3 else 600)
    elif cmd == "xlsx":
        cmd_xlsx(bin_)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
