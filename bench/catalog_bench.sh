#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# catalog_bench.sh -- figures of the catalog on each backend (SQLite, and a
# PostgreSQL 15 on the same machine started by tools/pgtest.sh):
#  intake     `azukari intake` of one generated CSV of RECORDS rows (1M);
#  retention  RET_N small intakes (deadline 2090-01-01), then one
#             `azukari retention run` under a faked clock (2090-01-05);
#  queries    the catalog queries the server asks, on DATASETS datasets of
#             CLIENTS clients with ARTIFACTS_PER registered artifacts each
#             (100k / 1,000 / 100 = 10M artifacts), rows generated in bulk
#             by SQL in the catalog's own schema (src/lib/store/schema.c):
#             bench/catalog_bench.c times the store's functions
#             (datasets of a client with deadlines, overdue list,
#             certificates of a month), p50/p99 over REPS calls, first
#             without the schema-3 indexes ("v2"), then after
#             `azukari db migrate` from schema 2 to 3 (timed); with PROBE=1
#             (default) once more with an index on datasets(retain_until, id)
#             added, the one schema 3 leaves out (it slows the overdue list).
# Usage: bench/catalog_bench.sh [BUILD_DIR]   (a release build: cmake --preset release)
#   env: PARTS="intake retention queries" BACKENDS="sqlite pg" RECORDS RET_N
#        DATASETS CLIENTS ARTIFACTS_PER REPS KEEP=1 (keep the temporary dir)
#        EXPLAIN=1: print the plans of the three queries (as store/*.c writes them)
#        PG_FSYNC=on|off: tools/pgtest.sh runs PostgreSQL with fsync=off (tests);
#        the bench turns fsync and full_page_writes back on (default on) so
#        that commits are as durable as SQLite's
# Synthetic data only. Prints one line per figure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd)
AZK=$BUILD/src/cli/azukari
PARTS=${PARTS:-intake retention queries}
BACKENDS=${BACKENDS:-sqlite pg}
RECORDS=${RECORDS:-1000000}
RET_N=${RET_N:-1000}
DATASETS=${DATASETS:-100000}
CLIENTS=${CLIENTS:-1000}
ARTIFACTS_PER=${ARTIFACTS_PER:-100}
REPS=${REPS:-200}
TODAY=2026-12-06
[ -x "$AZK" ] || { echo "no $AZK (cmake --preset release && cmake --build build -j2)" >&2; exit 2; }
command -v faketime >/dev/null || { echo "faketime missing (tools/install-deps.sh --test)" >&2; exit 2; }
T=$(mktemp -d /tmp/azk-cat-bench-XXXXXX)
chmod 755 "$T"
PGDIR=$T/pg
cleanup() {
    sh "$top/tools/pgtest.sh" stop "$PGDIR" 2>/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export AZUKARI_LANG=en
unset AZUKARI_HOME
now() { date +%s.%N; }
el() { echo "$2 - $1" | bc -l | xargs printf '%.2f'; }
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(git -C "$top" rev-parse --short HEAD) $(uname -m) $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "sqlite: $(sqlite3 --version | cut -d' ' -f1), journal WAL (the catalog's own pragmas)"

PGURL=
case " $BACKENDS " in
*" pg "*)
    PGURL=$(sh "$top/tools/pgtest.sh" start "$PGDIR")
    PGPASSWORD=$(cat "$PGDIR/admin.pw") psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -U azk_admin \
        -d postgres -c "ALTER SYSTEM SET fsync = ${PG_FSYNC:-on}" \
        -c "ALTER SYSTEM SET full_page_writes = ${PG_FSYNC:-on}" -c "SELECT pg_reload_conf()" >/dev/null
    sleep 1
    echo "pg: $(psql -X -At "$PGURL" -c "SELECT 'PostgreSQL ' || current_setting('server_version') || ', fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit') || ', shared_buffers=' || current_setting('shared_buffers')")"
    ;;
esac
# a fresh PostgreSQL database for one home: its URL
pg_db() {
    psql -X -q -v ON_ERROR_STOP=1 "$PGURL" -c "CREATE DATABASE $1" >/dev/null
    printf '%s\n' "$PGURL" | sed "s|:///azk?|:///$1?|"
}
# new_home BACKEND NAME: an initialised home with one client; prints its path
new_home() {
    home=$T/$2-$1
    if [ "$1" = pg ]; then
        "$AZK" --home "$home" init --catalog "$(pg_db "$2")" >/dev/null
    else
        "$AZK" --home "$home" init >/dev/null
    fi
    "$AZK" --home "$home" client add bench-client >/dev/null
    printf '%s\n' "$home"
}
catalog_url() { sed -n 's/.*"catalog": *"\([^"]*\)".*/\1/p' "$1/azukari.conf"; }
# sql BACKEND HOME: run the SQL of stdin on the home's catalog
sql() {
    if [ "$1" = pg ]; then
        psql -X -q -v ON_ERROR_STOP=1 "$(catalog_url "$2")" >/dev/null
    else
        sqlite3 -bail "$2/catalog.db" >/dev/null
    fi
}

# ---- intake of RECORDS rows --------------------------------------------------
gen_csv() { # gen_csv FILE ROWS [SEED]
    python3 - "$@" <<'PY'
import sys
path, rows = sys.argv[1], int(sys.argv[2])
x = int(sys.argv[3]) if len(sys.argv) > 3 else 12345
fam = ["試験", "見本", "仮名", "架空", "例示", "模擬", "検査", "標本", "佐藤", "鈴木", "高橋", "田中"]
giv = ["一郎", "花子", "次郎", "桜子", "三郎", "梅子", "四郎", "菊子", "太郎", "陽子"]
with open(path, "w", encoding="utf-8") as f:
    f.write("顧客番号,氏名,電話番号,住所,メール\n")
    for i in range(rows):
        x = (x * 1103515245 + 12345) % (1 << 31)
        f.write("K%08d,%s %s,090-%04d-%04d,東京都試験区見本町%d-%d,u%d@example.jp\n" % (
            i, fam[x % 12], giv[(x >> 5) % 10], (x >> 3) % 10000, (x >> 9) % 10000,
            1 + x % 30, 1 + (x >> 4) % 40, x % 100000))
PY
}
case " $PARTS " in
*" intake "*)
    gen_csv "$T/big.csv" "$RECORDS"
    echo "generated $RECORDS rows: $(du -h "$T/big.csv" | cut -f1)"
    for b in $BACKENDS; do
        home=$(new_home "$b" intake)
        t0=$(now)
        /usr/bin/time -f '%e s wall, %U s user, %S s sys, %M KiB' -o "$T/time" \
            "$AZK" --home "$home" intake --client bench-client --dataset big --purpose bench \
            --retain-until 2090-01-01 "$T/big.csv" >/dev/null
        t1=$(now)
        echo "$b: intake of $RECORDS records: $(el "$t0" "$t1") s ($(cat "$T/time"))"
    done
    ;;
esac

# ---- retention run of RET_N due datasets -------------------------------------------
case " $PARTS " in
*" retention "*)
    mkdir -p "$T/small" "$T/closed" "$T/general"
    python3 - "$T/small" "$RET_N" <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
x = 777
for k in range(n):
    with open("%s/ds%05d.csv" % (d, k), "w", encoding="utf-8") as f:
        f.write("顧客番号,氏名,電話番号\n")
        for i in range(20):
            x = (x * 1103515245 + 12345) % (1 << 31)
            f.write("K%05d%04d,試験 花子,090-%04d-%04d\n" % (k, i, (x >> 3) % 10000, (x >> 9) % 10000))
PY
    echo "some unrelated closed-zone file" >"$T/closed/readme.txt"
    echo "general zone log line without entrusted data" >"$T/general/app.log"
    for b in $BACKENDS; do
        home=$(new_home "$b" ret)
        python3 - "$home/azukari.conf" "$T/closed" "$T/general" "$T/sweep-$b.db" <<'PY'
import json, sys
p = sys.argv[1]
try:
    with open(p) as f:
        c = json.load(f)
except FileNotFoundError:
    c = {}
c["retention"] = {"sweep_paths": [sys.argv[2]], "sweep_paths_general": [sys.argv[3]],
                  "overwrite": True, "cache": sys.argv[4]}
with open(p, "w") as f:
    json.dump(c, f)
PY
        t0=$(now)
        for f in "$T"/small/*.csv; do
            "$AZK" --home "$home" intake --client bench-client --dataset "$(basename "$f" .csv)" \
                --purpose bench --retain-until 2090-01-01 "$f" >/dev/null
        done
        t1=$(now)
        echo "$b: $RET_N intakes of 20 rows (one process each): $(el "$t0" "$t1") s"
        t0=$(now)
        /usr/bin/time -f '%e s wall, %U s user, %S s sys, %M KiB' -o "$T/time" \
            sh -c 'TZ=UTC NO_FAKE_STAT=1 faketime "2090-01-05 00:00:00" "$@" || true' sh \
            "$AZK" --home "$home" --quiet retention run
        t1=$(now)
        clean=$("$AZK" --home "$home" retention status --now 2090-01-05 | grep -c "	clean" || true)
        echo "$b: retention run of $RET_N due datasets: $(el "$t0" "$t1") s ($(cat "$T/time")), $clean clean"
    done
    ;;
esac

# ---- queries on DATASETS datasets / DATASETS*ARTIFACTS_PER artifacts ----------------------
# the queries' generated rows, per dataset i (0 .. DATASETS-1):
#   retain_until R(i) = 2020-01-01 + (i*7919 mod 3650) days; certified (shredded, ret_state
#   'certified', shred_at R(i)+3 days) when R(i) < TODAY-30 days, except 1 in 200 left stuck
#   (overdue); artifacts: ARTIFACTS_PER per dataset, deadline R(i), 'removed' when certified.
populate() { # populate BACKEND HOME
    b=$1
    if [ "$b" = pg ]; then
        DAYS="(DATE '2020-01-01' + (i * 7919 % 3650))"
        SHRED="to_char($DAYS + 3, 'YYYY-MM-DD') || 'T03:00:00Z'"
        RU="to_char($DAYS, 'YYYY-MM-DD')"
        SEQ="generate_series(0, $DATASETS - 1) AS g(i)"
        PAD6="lpad(i::text, 6, '0')"
        PAD4="lpad((i % $CLIENTS)::text, 4, '0')"
        HEAD=""
        KSEQ="generate_series(0, $ARTIFACTS_PER - 1) AS g(k)"
        PADK="lpad(k::text, 3, '0')"
        NUM="substr(d.id, 3)::bigint"
    else
        DAYS="date('2020-01-01', '+' || (i * 7919 % 3650) || ' days')"
        SHRED="date('2020-01-01', '+' || (i * 7919 % 3650 + 3) || ' days') || 'T03:00:00Z'"
        RU="$DAYS"
        SEQ="n"
        PAD6="printf('%06d', i)"
        PAD4="printf('%04d', i % $CLIENTS)"
        HEAD="WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $DATASETS - 1)"
        KSEQ="kk"
        PADK="printf('%03d', k)"
        NUM="CAST(substr(d.id, 3) AS INTEGER)"
    fi
    CERT="($RU < '2026-11-06' AND i % 200 <> 7)"
    sql "$b" "$2" <<EOF
BEGIN;
INSERT INTO clients(id, name, created_at, created_by)
  $( [ "$b" = pg ] && echo "SELECT 'c' || $PAD4, 'bench', '2020-01-01T00:00:00Z', 'bench' FROM generate_series(0, $CLIENTS - 1) AS g(i);" ||
     echo "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $CLIENTS - 1) SELECT 'c' || $PAD4, 'bench', '2020-01-01T00:00:00Z', 'bench' FROM n;" )
$HEAD
INSERT INTO datasets(id, client, uuid, purpose, retain_until, schema_json, source_name, format,
                     encoding, records, bytes, created_at, created_by, state)
  SELECT 'ds' || $PAD6, 'c' || $PAD4, '00000000-0000-4000-8000-' || $PAD6 || '000000', 'bench', $RU,
         '{}', 'bench.csv', 'csv', 'UTF-8', 1000, 100000, '2020-01-01T00:00:00Z', 'bench',
         CASE WHEN $CERT THEN 'shredded' ELSE 'active' END FROM $SEQ;
$HEAD
INSERT INTO ret_state(dataset, state, key_id, key_commit, shred_index, shred_at, operator, drill,
                      residuals, updated_at)
  SELECT 'ds' || $PAD6, 'certified', 'k' || $PAD6, 'commit', i, $SHRED, 'bench', 0, 0, $SHRED
  FROM $SEQ WHERE $CERT;
$( [ "$b" = pg ] || echo "WITH RECURSIVE kk(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM kk WHERE k < $ARTIFACTS_PER - 1)" )
INSERT INTO ret_artifacts(dataset, path, dev, ino, deadline, added_at, added_by, disposition,
                          size, mtime_ns, ctime_ns)
  SELECT d.id, '/srv/share/' || d.client || '/' || d.id || '/part' || $PADK || '.csv', 2049,
         $NUM * $ARTIFACTS_PER + k, d.retain_until, '2020-01-02T00:00:00Z', 'bench',
         CASE WHEN d.state = 'shredded' THEN 'removed' END, 4096, 0, 0
  FROM datasets d, $KSEQ ORDER BY d.id, k;
COMMIT;
EOF
    if [ "$b" = pg ]; then echo "VACUUM ANALYZE clients, datasets, ret_state, ret_artifacts;" | sql "$b" "$2"; fi
}
INDEXES="datasets_client_deadline ret_state_certified"
# the store's query texts (src/lib/store/datasets.c, retention_state.c), for EXPLAIN only
DL="SELECT d.id, d.client, d.retain_until, d.state, s.state, (SELECT count(*) FROM ret_holds x WHERE x.dataset = d.id) FROM datasets d LEFT JOIN ret_state s ON s.dataset = d.id"
explain() { # explain BACKEND HOME
    [ "${EXPLAIN:-}" = 1 ] || return 0
    if [ "$1" = pg ]; then ex="EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF)"; else ex="EXPLAIN QUERY PLAN"; fi
    for q in "$DL WHERE d.client = 'c0042' ORDER BY d.retain_until, d.id" \
        "$DL WHERE d.retain_until < '$TODAY' AND (s.state IS NULL OR s.state NOT IN ('clean', 'certified')) ORDER BY d.retain_until, d.id" \
        "SELECT s.dataset, d.client, s.shred_at, s.operator, s.shred_index FROM ret_state s JOIN datasets d ON d.id = s.dataset WHERE s.state = 'certified' AND s.shred_at >= '2024-03' AND s.shred_at < '2024-04' ORDER BY s.shred_at, s.dataset"; do
        if [ "$1" = pg ]; then
            psql -X -At "$(catalog_url "$2")" -c "$ex $q" | sed 's/^/    /'
        else
            sqlite3 "$2/catalog.db" "$ex $q" | sed 's/^/    /'
        fi
    done
}
case " $PARTS " in
*" queries "*)
    out=$T/catalog_bench
    # the release build's static library (the store functions are internal) and the
    # libraries its shared sibling links
    libs=$(tr ' ' '\n' <"$BUILD/src/lib/CMakeFiles/azukari_shared.dir/link.txt" |
        grep -E '^(/.*\.so|-l.*)$' | tr '\n' ' ')
    ${CC:-cc} -std=c11 -O2 -DNDEBUG -D_GNU_SOURCE -DAZK_BUILDING_LIBRARY \
        -I"$top/include" -I"$top/src/lib" -I"$BUILD/src/lib" "$top/bench/catalog_bench.c" \
        -o "$out" "$BUILD/src/lib/libazukari.a" $libs -lpthread
    for b in $BACKENDS; do
        home=$(new_home "$b" q)
        for i in $INDEXES; do echo "DROP INDEX $i;"; done | sql "$b" "$home"
        t0=$(now)
        populate "$b" "$home"
        t1=$(now)
        if [ "$b" = pg ]; then
            size=$(psql -X -At "$(catalog_url "$home")" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
        else
            size=$(du -h "$home/catalog.db" | cut -f1)
        fi
        echo "$b: generated $DATASETS datasets, $((DATASETS * ARTIFACTS_PER)) artifacts by SQL: $(el "$t0" "$t1") s, catalog $size"
        echo "$b: without the schema-3 indexes (v2):"
        "$out" "$home" "$REPS" "$CLIENTS" "$TODAY" | sed 's/^/  /'
        explain "$b" "$home"
        echo "UPDATE meta SET value = '2' WHERE key = 'schema';" | sql "$b" "$home"
        t0=$(now)
        "$AZK" --home "$home" db migrate >"$T/migrate.out"
        t1=$(now)
        grep -q "from schema 2 to 3" "$T/migrate.out" || { cat "$T/migrate.out" >&2; exit 1; }
        echo "$b: azukari db migrate 2 -> 3 ($([ "$b" = sqlite ] && echo "backup + ")2 indexes): $(el "$t0" "$t1") s"
        if [ "$b" = pg ]; then echo "ANALYZE datasets, ret_state;" | sql "$b" "$home"; fi
        echo "$b: with the schema-3 indexes:"
        "$out" "$home" "$REPS" "$CLIENTS" "$TODAY" | sed 's/^/  /'
        explain "$b" "$home"
        if [ "${PROBE:-1}" = 1 ]; then
            echo "CREATE INDEX probe_deadline ON datasets(retain_until, id);" | sql "$b" "$home"
            if [ "$b" = pg ]; then echo "ANALYZE datasets;" | sql "$b" "$home"; fi
            echo "$b: schema 3 + datasets(retain_until, id) (left out of schema 3):"
            "$out" "$home" "$REPS" "$CLIENTS" "$TODAY" | sed 's/^/  /'
        fi
        [ -n "${KEEP:-}" ] || rm -rf "$home"
    done
    ;;
esac
