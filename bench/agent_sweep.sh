#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# agent_sweep.sh -- an agent's own overhead on a share: the first sweep and an
# incremental re-sweep of the unchanged share (seconds, bytes the scanner read,
# objects uploaded, peak RSS), against a real `azukari serve --agent-port` on
# SQLite. The share is generated (tools/gen_corpus.py --profile bench).
#   nice sh bench/agent_sweep.sh BIN [SIZE]      (SIZE default 1G)
set -eu
bin=$(realpath "$1")
size=${2:-1G}
top=$(cd "$(dirname "$0")/.." && pwd)
d=$(mktemp -d /tmp/azk-sweep-XXXXXX)
trap 'kill "$spid" 2>/dev/null || true; rm -rf "$d"' EXIT
export AZUKARI_LANG=en
python3 "$top/tools/gen_corpus.py" --profile bench --size "$size" --out "$d/share" >/dev/null
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
echo "share: $(du -sh "$d/share" | cut -f1), $(find "$d/share" -type f | wc -l) files"
for run in first incremental; do
    /usr/bin/time -f "%e s wall, %M KiB peak RSS" -o "$d/time" \
        "$bin" --home "$d/agent" agent run --once >"$d/out"
    echo "$run: $(cat "$d/out") | $(cat "$d/time")"
done
