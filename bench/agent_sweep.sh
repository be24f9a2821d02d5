#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# agent_sweep.sh -- an agent's own overhead on a share: the first sweep and an
# incremental re-sweep of the unchanged share (seconds, bytes the scanner read,
# objects uploaded, peak RSS), against a real `azukari serve --agent-port` on
# SQLite. The share is generated (tools/gen_corpus.py --profile bench).
#   nice sh bench/agent_sweep.sh BIN [SIZE] [COPIES]   (SIZE default 1G)
# COPIES > 1: the generated share plus COPIES-1 hard-linked copies of it
# (cp -al): a share of COPIES x SIZE and COPIES x the files for the price of
# SIZE on disk. The scanner's cache is keyed by (device, inode, size, mtime,
# ctime), so the first sweep reads SIZE once and reports the other links
# under their own paths from the cache (not read again); the unchanged
# re-sweep stats every file, which is what its figure measures.
set -eu
bin=$(realpath "$1")
size=${2:-1G}
copies=${3:-1}
top=$(cd "$(dirname "$0")/.." && pwd)
d=$(mktemp -d /tmp/azk-sweep-XXXXXX)
trap 'kill "$spid" 2>/dev/null || true; rm -rf "$d"' EXIT
export AZUKARI_LANG=en
python3 "$top/tools/gen_corpus.py" --profile bench --size "$size" --out "$d/share/c1" >/dev/null
i=2
while [ "$i" -le "$copies" ]; do
    cp -al "$d/share/c1" "$d/share/c$i"
    i=$((i + 1))
done
"$bin" --home "$d/srv" init >/dev/null
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free)
"$bin" --home "$d/srv" serve --port "$(free)" --agent-port "$port" >"$d/serve.out" 2>&1 &
spid=$!
sleep 1.5
tok=$("$bin" --home "$d/srv" agent token create --group bench)
printf '{"paths":["%s"],"batch_objects":1000}\n' "$d/share" >"$d/policy.json"
"$bin" --home "$d/srv" agent policy set --group bench "$d/policy.json" >/dev/null
"$bin" --home "$d/agent" init >/dev/null
"$bin" --home "$d/agent" agent enroll --server "https://localhost:$port" --token "$tok" \
    --ca "$d/srv/serve/ca.pem" >/dev/null
echo "share: $(du -sh --apparent-size -l "$d/share" | cut -f1) apparent ($(du -sh "$d/share" | cut -f1) on disk), $(find "$d/share" -type f | wc -l) files"
for run in first incremental; do
    /usr/bin/time -f "%e s wall, %U s user + %S s sys CPU, %M KiB peak RSS" -o "$d/time" \
        "$bin" --home "$d/agent" agent run --once >"$d/out"
    echo "$run: $(cat "$d/out") | $(cat "$d/time")"
done
# BPS=N: the byte-rate cap, measured. A second agent (fresh cache) sweeps the
# first copy under a policy with "bytes_per_second": N; compare its read rate
# (bytes / wall seconds) with the uncapped first sweep above.
if [ -n "${BPS:-}" ]; then
    tok=$("$bin" --home "$d/srv" agent token create --group capped)
    printf '{"paths":["%s"],"batch_objects":1000,"bytes_per_second":%s}\n' "$d/share/c1" \
        "$BPS" >"$d/capped.json"
    "$bin" --home "$d/srv" agent policy set --group capped "$d/capped.json" >/dev/null
    "$bin" --home "$d/agent2" init >/dev/null
    "$bin" --home "$d/agent2" agent enroll --server "https://localhost:$port" --token "$tok" \
        --ca "$d/srv/serve/ca.pem" >/dev/null
    /usr/bin/time -f "%e s wall, %U s user + %S s sys CPU, %M KiB peak RSS" -o "$d/time" \
        "$bin" --home "$d/agent2" agent run --once >"$d/out"
    echo "capped at $BPS B/s: $(cat "$d/out") | $(cat "$d/time")"
    "$bin" --home "$d/agent2" audit log --action agent.sweep --format json | tail -1
fi
