#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# retention_bench.sh -- figures for docs/retention.md:
#  1. time of one `retention run` over N due datasets (default 1000, each a
#     generated CSV of ROWS rows), with a small sweep location, and of the
#     certificate issue for all of them;
#  2. sweep throughput: one run over a generated tree of SWEEP_MB megabytes
#     (text, CSV and log files of synthetic data, no entrusted record), cold
#     and then warm (incremental cache);
#  3. artifact registration of one ART_MB file (the streaming content hash).
# Usage: bench/retention_bench.sh [BUILD_DIR]   env: N ROWS SWEEP_MB ART_MB KEEP=1
# Synthetic data only. Prints one line per figure. Deadlines pass for real:
# runs go under a faked system clock (Debian's faketime; `run --now` is a
# drill that deletes nothing), and each certificate issue gets its own
# 30-second TOTP step (a code is good once).
set -eu
BUILD=${1:-build}
AZK=$(cd "$BUILD" && pwd)/src/cli/azukari
N=${N:-1000}
ROWS=${ROWS:-20}
SWEEP_MB=${SWEEP_MB:-1024}
T=$(mktemp -d /tmp/azk-ret-bench-XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
export AZUKARI_HOME="$T/home" AZUKARI_LANG=en
now() { date +%s.%N; }
command -v faketime >/dev/null || { echo "faketime missing (tools/install-deps.sh --test)" >&2; exit 2; }
# at EPOCH CMD...: run with the system clock starting at EPOCH (file times stay real)
at() { e=$1; shift; TZ=UTC NO_FAKE_STAT=1 faketime "$(date -u -d "@$e" '+%Y-%m-%d %H:%M:%S')" "$@"; }
T2090=$(date -u -d 2090-01-05 +%s)
T2091=$(date -u -d 2091-01-05 +%s)
el() { echo "$2 - $1" | bc -l | xargs printf '%.2f'; }

"$AZK" init >/dev/null
"$AZK" client add bench-client >/dev/null
mkdir -p "$T/closed" "$T/general" "$T/csv"
python3 - "$T/csv" "$N" "$ROWS" <<'PY'
import sys
d, n, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fam = ["試験", "見本", "仮名", "架空", "例示", "模擬", "検査", "標本"]
giv = ["一郎", "花子", "次郎", "桜子", "三郎", "梅子", "四郎", "菊子"]
x = 12345
for k in range(n):
    with open("%s/ds%05d.csv" % (d, k), "w", encoding="utf-8") as f:
        f.write("顧客番号,氏名,電話番号,住所\n")
        for i in range(rows):
            x = (x * 1103515245 + 12345) % (1 << 31)
            f.write("K%05d%04d,%s %s,090-%04d-%04d,東京都試験区見本町%d-%d\n" % (
                k, i, fam[x % 8], giv[(x >> 5) % 8], (x >> 3) % 10000, (x >> 9) % 10000,
                1 + x % 30, 1 + (x >> 4) % 40))
PY
echo "some unrelated closed-zone file" > "$T/closed/readme.txt"
echo "general zone log line without entrusted data" > "$T/general/app.log"
printf '{"retention":{"sweep_paths":["%s"],"sweep_paths_general":["%s"],"overwrite":true,"cache":"%s"}}\n' \
    "$T/closed" "$T/general" "$T/sweep-cache.db" > "$AZUKARI_HOME/azukari.conf"
t0=$(now)
for f in "$T"/csv/*.csv; do
    b=$(basename "$f" .csv)
    "$AZK" intake --client bench-client --dataset "$b" --purpose bench --retain-until 2090-01-01 "$f" >/dev/null
done
t1=$(now)
echo "intake of $N datasets x $ROWS rows: $(el "$t0" "$t1") s"
t0=$(now)
at "$T2090" "$AZK" --quiet retention run || true
t1=$(now)
clean=$("$AZK" retention status --now 2090-01-05 | grep -c "	clean" || true)
echo "retention run, $N due datasets (crypto-shred + overwrite + one sweep of 2 small locations): $(el "$t0" "$t1") s, $clean clean"
"$AZK" user add verifier > "$T/secret" 2>/dev/null
SECRET=$(cat "$T/secret")
t0=$(now)
TC=$((T2090 + 3600))
for f in "$T"/csv/*.csv; do
    b=$(basename "$f" .csv)
    TC=$((TC + 31))
    CODE=$(python3 -c "
import base64,hmac,hashlib,struct
k=base64.b32decode('$SECRET'+'='*(-len('$SECRET')%8))
m=hmac.new(k,struct.pack('>Q',$TC//30),hashlib.sha1).digest()
o=m[-1]&15;print('%06d'%((struct.unpack('>I',m[o:o+4])[0]&0x7fffffff)%1000000))")
    at "$TC" "$AZK" --quiet certificate issue "$b" --user verifier --totp "$CODE" >/dev/null
done
t1=$(now)
echo "certificate issue x $N (incl. one python TOTP and one faketime per call): $(el "$t0" "$t1") s"

# ---- artifact registration: the streaming content hash (BLAKE2b-256) --------
ART_MB=${ART_MB:-256}
if [ "$ART_MB" -gt 0 ]; then
    "$AZK" intake --client bench-client --dataset art1 --purpose bench --retain-until 2099-01-01 "$T/csv/ds00000.csv" >/dev/null
    head -c $((ART_MB * 1048576)) /dev/urandom > "$T/big.prn"
    cat "$T/big.prn" > /dev/null # in the page cache: the hash, not the disk, is measured
    t0=$(now)
    "$AZK" --quiet artifact add --dataset art1 "$T/big.prn"
    t1=$(now)
    echo "artifact add of a $ART_MB MiB file (content hash): $(el "$t0" "$t1") s ($(echo "$ART_MB / ($t1 - $t0)" | bc -l | xargs printf '%.0f') MiB/s)"
    rm -f "$T/big.prn"
fi

# ---- sweep throughput -------------------------------------------------------
if [ "$SWEEP_MB" -gt 0 ]; then
    python3 - "$T/tree" "$SWEEP_MB" <<'PY'
import os, sys
root, mb = sys.argv[1], int(sys.argv[2])
os.makedirs(root, exist_ok=True)
line = ("2026-01-01 12:00:%02d INFO job=%d step=print page=%d status=ok bytes=%d\n")
target = mb * 1024 * 1024
written, k = 0, 0
while written < target:
    sub = os.path.join(root, "d%03d" % (k // 200))
    os.makedirs(sub, exist_ok=True)
    ext = (".log", ".csv", ".txt")[k % 3]
    with open(os.path.join(sub, "f%06d%s" % (k, ext)), "w") as f:
        buf = []
        for i in range(5000):
            if ext == ".csv":
                buf.append("%d,item%d,%d,部品%d,%d円\n" % (i, i % 97, i * 7 % 1000, i % 13, i * 3))
            else:
                buf.append(line % (i % 60, k, i, i * 13))
        s = "".join(buf)
        f.write(s)
        written += len(s.encode())
    k += 1
print(k, "files")
PY
    sz=$(du -sb "$T/tree" | cut -f1)
    printf '{"retention":{"sweep_paths":["%s"],"sweep_paths_general":[],"cache":"%s"}}\n' \
        "$T/tree" "$T/tree-cache.db" > "$AZUKARI_HOME/azukari.conf"
    # one fresh dataset due, swept over the tree: cold cache, then a second
    # dataset: the cache is per fingerprint file, so it is cold again; then
    # the same dataset's incomplete retry is warm
    "$AZK" intake --client bench-client --dataset sweep1 --purpose bench --retain-until 2091-01-01 "$T/csv/ds00000.csv" >/dev/null
    cp "$T/csv/ds00000.csv" "$T/tree/residual.csv"
    t0=$(now)
    at "$T2091" "$AZK" --quiet retention run || true
    t1=$(now)
    s1=$(el "$t0" "$t1")
    "$AZK" retention status --now 2091-01-05 | grep sweep1 || true
    rm "$T/tree/residual.csv"
    t0=$(now)
    at "$((T2091 + 600))" "$AZK" --quiet retention run || true
    t1=$(now)
    s2=$(el "$t0" "$t1")
    echo "sweep over $sz bytes: cold $s1 s ($(echo "$sz / 1048576 / $s1" | bc -l | xargs printf '%.1f') MiB/s), retry with the incremental cache $s2 s"
    "$AZK" retention status --now 2091-01-05 | grep sweep1
fi
