#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# evasion_bench.sh -- figures of the egress guard against the evasion suite
# (issue 11): block rate per transformation (goal 100%) and false blocks on
# the clean controls made the same way (goal 0), for `guard check` and
# through real Squid + `guard icap`.
#
#   bench/evasion_bench.sh [--bin PATH] [--dir DIR] [--rows 100] [--seed 1] [--no-icap]
#
# Builds a roster (200 synthetic people), a home with the roster entrusted
# and its fingerprints as the guard policy, the suite (tools/gen_evasion.py:
# every transformation applied to 100 records as CSV and as a log, and to
# five clean controls), then decides every file with `guard check` and
# POSTs every file through Squid to the ICAP service. Prints one line per
# transformation and the totals. Needs python3 and, for ICAP, squid.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
bin=${AZK_BIN:-}
dir=
rows=100
seed=1
icap=1
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) bin=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --rows) rows=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --no-icap) icap=0; shift ;;
        -h|--help) sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "evasion_bench: unknown argument: $1" >&2; exit 64 ;;
    esac
done
if [ -z "$bin" ]; then
    for b in "$src"/build/src/cli/azukari "$src"/build-release/src/cli/azukari \
             "$src"/build-debug/src/cli/azukari; do
        if [ -x "$b" ]; then bin=$b; break; fi
    done
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "evasion_bench: no azukari binary (use --bin or AZK_BIN)" >&2
    exit 64
fi
tmp=
if [ -z "$dir" ]; then
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/azk-evasion.XXXXXX")
    dir=$tmp
    trap 'rm -rf "$tmp"' EXIT INT TERM
fi
mkdir -p "$dir"
chmod 0777 "$dir" 2>/dev/null || true  # squid drops to the proxy user

exec python3 - "$bin" "$src" "$dir" "$rows" "$seed" "$icap" <<'PYEOF'
import collections, http.client, http.server, json, os, shutil, socket, subprocess, sys
import threading, time

bin_, src, d, rows, seed, icap = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], \
    sys.argv[6] == "1"
gen = os.path.join(src, "tools", "gen_evasion.py")
roster = os.path.join(d, "roster.csv")
home = os.path.join(d, "home")
suite = os.path.join(d, "suite")


def run(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode not in (0, 1):
        sys.exit("evasion_bench: %s failed (%d): %s" % (argv[:4], r.returncode, r.stderr[-500:]))
    return r


if not os.path.exists(os.path.join(home, "fp.azf")):
    run([sys.executable, gen, "--make-roster", roster, "--rows", "200", "--seed", "7"])
    for argv in (["init"], ["client", "add", "shinkin-a"],
                 ["intake", "--client", "shinkin-a", "--dataset", "dm-2023", "--purpose", "dm",
                  "--retain-until", "2030-01-01", roster],
                 ["fingerprints", "export", "--out", os.path.join(home, "fp.azf")],
                 ["guard", "policy", "set", "fingerprints",
                  json.dumps(os.path.join(home, "fp.azf"))]):
        r = run([bin_, "--home", home] + argv)
        if r.returncode != 0:
            sys.exit("evasion_bench: %s: %s" % (argv[0], r.stderr))
shutil.rmtree(suite, ignore_errors=True)
run([sys.executable, gen, "--roster", roster, "--out", suite, "--rows", rows, "--seed", seed])
with open(os.path.join(suite, "manifest.json")) as f:
    manifest = json.load(f)

# guard check
t0 = time.monotonic()
r = run([bin_, "--home", home, "guard", "check", "--format", "jsonl"] +
        [os.path.join(suite, x["file"]) for x in manifest])
check_s = time.monotonic() - t0
check = {os.path.basename(json.loads(l)["path"]): json.loads(l)["decision"] == "block"
         for l in r.stdout.splitlines()}

icap_res = {}
squid = shutil.which("squid") or ("/usr/sbin/squid" if os.path.exists("/usr/sbin/squid") else None)
if icap and squid:
    procs = []

    class Sink(http.server.BaseHTTPRequestHandler):
        got = {}

        def do_POST(self):
            Sink.got[self.path] = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    try:
        ic = subprocess.Popen([bin_, "--home", home, "guard", "icap", "--listen", "127.0.0.1:0",
                               "--threads", "2", "--timeout", "10", "--spool", d],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        procs.append(ic)
        line = ic.stdout.readline().decode()
        iport = int(line.rsplit(":", 1)[1].split("/")[0])
        sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
        threading.Thread(target=sink.serve_forever, daemon=True).start()
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sport = s.getsockname()[1]
        s.close()
        sd = os.path.join(d, "squid")
        shutil.rmtree(sd, ignore_errors=True)
        os.makedirs(sd)
        os.chmod(sd, 0o777)
        conf = os.path.join(sd, "squid.conf")
        with open(conf, "w") as f:
            f.write("\n".join([
                "http_port 127.0.0.1:%d" % sport, "pid_filename %s/squid.pid" % sd,
                "cache_effective_user proxy", "access_log none", "cache_log %s/cache.log" % sd,
                "cache_store_log none", "cache deny all", "cache_mem 8 MB",
                "coredump_dir %s" % sd, "http_access allow localhost", "http_access deny all",
                "icap_enable on",
                "icap_service guard reqmod_precache bypass=0 icap://127.0.0.1:%d/guard" % iport,
                "adaptation_access guard allow all", "client_request_buffer_max_size 64 MB",
                "shutdown_lifetime 1 seconds", "pinger_enable off", ""]))
        procs.append(subprocess.Popen([squid, "-N", "-f", conf], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        end = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", sport), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > end:
                    sys.exit("evasion_bench: squid did not start")
                time.sleep(0.1)
        t0 = time.monotonic()
        for x in manifest:
            with open(os.path.join(suite, x["file"]), "rb") as f:
                body = f.read()
            path = "/" + x["file"]
            c = http.client.HTTPConnection("127.0.0.1", sport, timeout=120)
            c.request("POST", "http://127.0.0.1:%d%s" % (sink.server_address[1], path), body=body,
                      headers={"Content-Type": "application/octet-stream"})
            resp = c.getresponse()
            resp.read()
            c.close()
            icap_res[x["file"]] = resp.status == 403 and path not in Sink.got
        icap_s = time.monotonic() - t0
        sink.shutdown()
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def tally(res):
    per = collections.OrderedDict()
    for x in manifest:
        p = per.setdefault(x["transform"], [0, 0, 0, 0])
        b = res.get(x["file"], False)
        if x["kind"] == "leak":
            p[0] += b
            p[1] += 1
        else:
            p[2] += b
            p[3] += 1
    return per


pc = tally(check)
pi = tally(icap_res) if icap_res else None
print("evasion suite: %d files, %d transformations, %s records per leak, binary %s" %
      (len(manifest), len(pc), rows, bin_))
print("%-26s %-22s %s" % ("transformation", "guard check", "Squid + guard icap" if pi else ""))
print("%-26s %-22s %s" % ("", "leaks blocked / clean blocked", ""))
tot = [0, 0, 0, 0, 0, 0, 0, 0]
for t, p in pc.items():
    q = pi[t] if pi else None
    line = "%-26s %3d/%-3d %5.1f%%  %d/%-3d" % (t, p[0], p[1], 100.0 * p[0] / max(p[1], 1),
                                             p[2], p[3])
    if q:
        line += "   %3d/%-3d %5.1f%%  %d/%-3d" % (q[0], q[1], 100.0 * q[0] / max(q[1], 1), q[2],
                                                q[3])
        for i in range(4):
            tot[4 + i] += q[i]
    for i in range(4):
        tot[i] += p[i]
    print(line)
print("TOTAL guard check: leaks blocked %d/%d (%.1f%%), clean controls blocked %d/%d; %.1f s" %
      (tot[0], tot[1], 100.0 * tot[0] / max(tot[1], 1), tot[2], tot[3], check_s))
if pi:
    print("TOTAL Squid+ICAP:  leaks blocked %d/%d (%.1f%%), clean controls blocked %d/%d; %.1f s" %
          (tot[4], tot[5], 100.0 * tot[4] / max(tot[5], 1), tot[6], tot[7], icap_s))
elif icap:
    print("Squid + ICAP: squid not installed, skipped")
PYEOF
