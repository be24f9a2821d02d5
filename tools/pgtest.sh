#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# pgtest.sh -- a throw-away PostgreSQL 15 (Debian's postgresql-15) for the
# tests: initdb + pg_ctl in a directory of its own, run as an unprivileged
# user (we run as root: `nobody`), listening only on a Unix socket in that
# directory (listen_addresses=''), password (scram-sha-256) authentication
# for every connection, one login role `azk` (CREATEDB, so the e2e helper can
# give each home its own database) owning the database `azk`.
#
#   pgtest.sh start DIR    start a server in DIR (emptied first; a server
#                          left running there is stopped); prints the URL
#                          postgresql:///azk?host=DIR&user=azk&password=...
#                          and writes it to DIR/url (mode 0600)
#   pgtest.sh stop DIR     stop it and remove DIR (quiet if nothing runs)
#   pgtest.sh kill DIR     stop it the hard way (pg_ctl stop -m immediate: no
#                          checkpoint, as a crash); DIR is kept
#   pgtest.sh restart DIR  start a server killed with `kill` again
#   pgtest.sh run CMD...   start one in a temporary directory, run CMD with
#                          AZK_TEST_PG_URL set, stop it whatever CMD does
#                          (trap); exits with CMD's status
#
# The password is AZK_PGTEST_PASSWORD, else random. PG_BINDIR overrides
# /usr/lib/postgresql/15/bin; AZK_PGTEST_USER overrides `nobody`.
# Test use only: fsync is off (a stopped server keeps every commit; only an
# OS crash could lose one).
set -eu

bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
pguser=${AZK_PGTEST_USER:-nobody}

die() {
    echo "pgtest: $*" >&2
    exit 1
}

as_user() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid="$pguser" --regid="$(id -g "$pguser")" --clear-groups -- "$@"
    else
        "$@"
    fi
}

stop_server() {
    dir=$1
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_user "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            as_user "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
}

start_server() {
    dir=$1
    [ -x "$bindir/initdb" ] || die "no $bindir/initdb (install postgresql-15: tools/install-deps.sh --test)"
    case $dir in
    /*) ;;
    *) die "DIR must be absolute" ;;
    esac
    # a Unix socket path holds at most 107 bytes
    [ ${#dir} -le 80 ] || die "DIR is too long for a Unix socket path: $dir"
    stop_server "$dir"
    rm -rf "$dir"
    mkdir -m 0700 "$dir"
    pw=${AZK_PGTEST_PASSWORD:-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')}
    admin_pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    umask 077
    printf '%s\n' "$admin_pw" >"$dir/admin.pw"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R "$pguser" "$dir"
    fi
    as_user "$bindir/initdb" -D "$dir/data" -U azk_admin --pwfile="$dir/admin.pw" \
        --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$dir'
unix_socket_permissions = 0700
fsync = off
full_page_writes = off
shared_buffers = 16MB
max_connections = 60
log_min_messages = warning
EOF
    as_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
        { cat "$dir/server.log" >&2; die "the server did not start"; }
    PGPASSWORD=$admin_pw "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -U azk_admin \
        -d postgres >/dev/null <<EOF || die "cannot create the test role"
CREATE ROLE azk LOGIN CREATEDB PASSWORD '$pw';
CREATE DATABASE azk OWNER azk;
EOF
    url="postgresql:///azk?host=$dir&user=azk&password=$pw"
    printf '%s\n' "$url" >"$dir/url"
    printf '%s\n' "$url"
}

cmd=${1:-}
[ $# -ge 1 ] && shift
case $cmd in
start)
    [ $# -eq 1 ] || die "usage: pgtest.sh start DIR"
    start_server "$1"
    ;;
stop)
    [ $# -eq 1 ] || die "usage: pgtest.sh stop DIR"
    # the data directory is removed next: no shutdown checkpoint needed (a fast
    # stop wrote out ~1 GB of test databases, 27 s of the e2e run)
    if [ -f "$1/data/postmaster.pid" ]; then
        as_user "$bindir/pg_ctl" -D "$1/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$1"
    ;;
kill)
    [ $# -eq 1 ] || die "usage: pgtest.sh kill DIR"
    as_user "$bindir/pg_ctl" -D "$1/data" -m immediate -w -t 30 stop >/dev/null
    ;;
restart)
    [ $# -eq 1 ] || die "usage: pgtest.sh restart DIR"
    as_user "$bindir/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 start >/dev/null ||
        { cat "$1/server.log" >&2; die "the server did not start"; }
    ;;
run)
    [ $# -ge 1 ] || die "usage: pgtest.sh run CMD..."
    d=$(mktemp -d /tmp/azk-pg.XXXXXX)
    rmdir "$d"
    trap 'stop_server "$d"; rm -rf "$d"' EXIT
    trap 'exit 130' INT TERM
    AZK_TEST_PG_URL=$(start_server "$d")
    export AZK_TEST_PG_URL
    set +e
    "$@"
    rc=$?
    set -e
    exit $rc
    ;;
*)
    die "usage: pgtest.sh start DIR | stop DIR | kill DIR | restart DIR | run CMD..."
    ;;
esac
