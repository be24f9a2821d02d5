# SPDX-License-Identifier: Apache-2.0
"""azk_testlib.py -- small shared helpers for azukari's end-to-end tests
(stdlib unittest): locate the binary and the source tree, run a command
with a timeout and its own resource usage, scan paths and parse the JSON
Lines output, compute the exit status the scan contract implies.

CTest passes AZK_BIN, AZK_SRCDIR and AZK_BUILDDIR in the environment.

PostgreSQL catalogs: with AZK_TEST_CATALOG=postgresql://... (the `pg`
CTest label sets it to the tools/pgtest.sh server), every `azukari ... init`
run through run() gets `--catalog URL` of a fresh database of its own
(created on that server), so the home keeps its catalog in PostgreSQL and
the rest of the test runs unchanged. The role in the URL needs CREATEDB.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))


def srcdir():
    return os.environ.get("AZK_SRCDIR") or os.path.normpath(os.path.join(HERE, "..", ".."))


def azk_bin():
    """Path of the azukari binary; skips the calling test when unknown."""
    b = os.environ.get("AZK_BIN")
    if not b or not os.access(b, os.X_OK):
        raise unittest.SkipTest("AZK_BIN not set or not executable (run through ctest)")
    return b


def tool(name):
    """Path of a script under tools/."""
    return os.path.join(srcdir(), "tools", name)


def test_catalog():
    """The PostgreSQL server URL the e2e homes use (AZK_TEST_CATALOG), or None."""
    u = os.environ.get("AZK_TEST_CATALOG")
    return u if u and u.startswith(("postgresql://", "postgres://")) else None


def psql():
    """Path of psql (PostgreSQL 15 from Debian)."""
    for d in (os.environ.get("PG_BINDIR"), "/usr/lib/postgresql/15/bin"):
        if d and os.access(os.path.join(d, "psql"), os.X_OK):
            return os.path.join(d, "psql")
    return shutil.which("psql") or "psql"


def fresh_catalog_url(base=None):
    """Create an empty database on the server of `base` (default AZK_TEST_CATALOG) and
    return the URL of it (same host, user and password)."""
    base = base or test_catalog()
    name = "azk_" + uuid.uuid4().hex[:16]
    r = subprocess.run([psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", base, "-c",
                        "CREATE DATABASE " + name], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("cannot create a test database: %s" % r.stderr.strip())
    u = urllib.parse.urlsplit(base)
    return "%s://%s/%s%s" % (u.scheme, u.netloc, name, "?" + u.query if u.query else "")


_GLOBAL_WITH_VALUE = ("--home", "--lang", "--catalog")


def with_test_catalog(argv):
    """argv with `--catalog <fresh database>` added to an `azukari init` when
    AZK_TEST_CATALOG is set (and argv names no catalog yet)."""
    if not test_catalog() or not argv or "--catalog" in argv or any(
            a.startswith("--catalog=") for a in argv):
        return argv
    if os.path.basename(str(argv[0])) != "azukari":
        return argv
    i = 1
    while i < len(argv) and str(argv[i]).startswith("-"):
        i += 2 if argv[i] in _GLOBAL_WITH_VALUE else 1
    if i >= len(argv) or argv[i] != "init" or "--help" in argv[i:] or "-h" in argv[i:]:
        return argv
    return list(argv[:i + 1]) + ["--catalog", fresh_catalog_url()] + list(argv[i + 1:])


def _sql_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (bytes, bytearray)):
        return "'\\x%s'" % bytes(v).hex() + "::bytea"
    return "'%s'" % str(v).replace("'", "''")


def home_catalog(home):
    """The "catalog" URL of <home>/azukari.conf, or None (the home's catalog.db)."""
    conf = os.path.join(home, "azukari.conf")
    if not os.path.exists(conf):
        return None
    with open(conf) as f:
        return (json.load(f) or {}).get("catalog")


def write_conf(home, conf):
    """Write <home>/azukari.conf as the JSON `conf`, keeping the home's "catalog" (the
    PostgreSQL URL that `init --catalog` recorded) and the file's mode."""
    path = os.path.join(home, "azukari.conf")
    conf = dict(conf)
    url = home_catalog(home)
    if url and "catalog" not in conf:
        conf["catalog"] = url
    mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o600
    with open(path, "w") as f:
        json.dump(conf, f)
    os.chmod(path, mode)


def pg_dump(url):
    """A plain-SQL dump (schema and data) of the PostgreSQL database of `url`, as bytes."""
    d = os.path.dirname(psql())
    exe = os.path.join(d, "pg_dump") if os.access(os.path.join(d, "pg_dump"), os.X_OK) \
        else "pg_dump"
    r = subprocess.run([exe, "--no-owner", "--no-privileges", "-d", url], capture_output=True,
                       timeout=120)
    if r.returncode != 0:
        raise AssertionError("pg_dump failed: %s" % r.stderr.decode(errors="replace").strip())
    return r.stdout


def pg_dump_holds(url, needle):
    """Whether a dump of the database holds `needle` (bytes) raw, as hex (bytea's text
    form, either case) or as base64."""
    import base64
    dump = pg_dump(url)
    forms = [needle, needle.hex().encode(), needle.hex().upper().encode(),
             base64.b64encode(needle).rstrip(b"=")]
    return any(f in dump for f in forms)


def catalog_query(home, sql, params=()):
    """Rows of `sql` ('?' parameters) on the home's catalog, whichever it is:
    the "catalog" URL of <home>/azukari.conf (through psql), else
    <home>/catalog.db (sqlite3). Values come back as sqlite3 gives them:
    None, int for integer columns, bytes for blobs (bytea), else str."""
    url = None
    conf = os.path.join(home, "azukari.conf")
    if os.path.exists(conf):
        with open(conf) as f:
            url = (json.load(f) or {}).get("catalog")
    if not url:
        import sqlite3
        db = sqlite3.connect(os.path.join(home, "catalog.db"))
        try:
            return db.execute(sql, tuple(params)).fetchall()
        finally:
            db.close()
    parts = sql.split("?")
    if len(parts) - 1 != len(params):
        raise ValueError("catalog_query: %d placeholders, %d parameters"
                         % (len(parts) - 1, len(params)))
    text = parts[0] + "".join(_sql_literal(p) + rest for p, rest in zip(params, parts[1:]))
    null, mark = "\x1eNULL\x1e", "\x1eEND-OF-TYPES\x1e"
    script = "%s \\gdesc\n\\echo %s\n%s;\n" % (text, mark, text)
    r = subprocess.run([psql(), "-X", "-At", "-F", "\x1f", "-R", "\x1d", "-P", "null=" + null,
                        "-v", "ON_ERROR_STOP=1", url], input=script,
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("catalog query failed: %s" % r.stderr.strip())
    desc, _, data = r.stdout.partition(mark + "\n")
    types = [rec.split("\x1f")[1] for rec in desc.rstrip("\n").split("\x1d") if rec]
    rows = []
    for rec in data.rstrip("\n").split("\x1d"):
        if rec == "":
            continue
        row = []
        for t, v in zip(types, rec.split("\x1f")):
            if v == null:
                row.append(None)
            elif t in ("bigint", "integer", "smallint"):
                row.append(int(v))
            elif t == "bytea":
                row.append(bytes.fromhex(v[2:]))
            else:
                row.append(v)
        rows.append(tuple(row))
    return rows


class TempDir:
    """Context manager: a fresh directory, removed afterwards unless
    AZK_KEEP_TMP is set (then its path is printed)."""

    def __init__(self, prefix="azk-e2e-"):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        if os.environ.get("AZK_KEEP_TMP"):
            print("kept temp dir: " + self.path)
            return
        for root, dirs, _files in os.walk(self.path):  # undo chmod 000 from tests
            for d in dirs:
                try:
                    os.chmod(os.path.join(root, d), 0o755)
                except OSError:
                    pass
        shutil.rmtree(self.path, ignore_errors=True)


class Result:
    """rc; stdout/stderr as bytes (out/err: decoded text); seconds; peak RSS."""

    def __init__(self, rc, stdout, stderr, seconds, maxrss_kb, timed_out):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.out = stdout.decode("utf-8", "replace")
        self.err = stderr.decode("utf-8", "replace")
        self.seconds = seconds
        self.maxrss_kb = maxrss_kb  # peak RSS of the child (KiB)
        self.timed_out = timed_out


def run(argv, timeout=120, cwd=None, env=None, stdin=subprocess.DEVNULL):
    """Run argv; stdout/stderr go through temp files (no pipe deadlock on big
    output). The child's own rusage comes from wait4. On timeout the
    process group is killed and timed_out is set."""
    argv = with_test_catalog(argv)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=out, stderr=err, stdin=stdin, cwd=cwd, env=env,
                             start_new_session=True)
        timed_out = False
        status, ru = None, None
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid == p.pid:
                break
            if time.monotonic() - t0 > timeout:
                timed_out = True
                os.killpg(p.pid, 9)
                _, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
        p.returncode = os.waitstatus_to_exitcode(status)
        secs = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        return Result(p.returncode, out.read(), err.read(), secs, ru.ru_maxrss, timed_out)


def parse_jsonl(text):
    """Parse JSON Lines; raises AssertionError naming the bad line number."""
    recs = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except ValueError as e:
            raise AssertionError("scan output line %d is not JSON: %s" % (i, e)) from None
        if not isinstance(r, dict) or "path" not in r:
            raise AssertionError("scan output line %d has no path" % i)
        r.setdefault("member", [])
        r.setdefault("findings", [])
        recs.append(r)
    return recs


def scan(paths, args=(), timeout=300, cwd=None, env=None, wrapper=()):
    """Run `azukari scan --format jsonl [args] PATHS`; returns (Result, records).
    wrapper: argv prefix (e.g. setpriv ...) to run the binary under."""
    argv = list(wrapper) + [azk_bin(), "scan", "--format", "jsonl"] + list(args) + list(paths)
    res = run(argv, timeout=timeout, cwd=cwd, env=env)
    recs = parse_jsonl(res.out) if not res.timed_out else []
    return res, recs


def rel_path(path, root):
    """A record's path relative to the scanned root (accepts absolute or
    root-prefixed paths as the scanner printed them)."""
    p = os.path.normpath(path)
    r = os.path.normpath(root)
    if os.path.isabs(p) and os.path.isabs(r):
        return os.path.relpath(p, r)
    if p == r:
        return "."
    if p.startswith(r + os.sep):
        return p[len(r) + 1:]
    ra = os.path.normpath(os.path.abspath(r))
    pa = os.path.normpath(os.path.abspath(p))
    if pa.startswith(ra + os.sep):
        return pa[len(ra) + 1:]
    return p


def contract_exit(records):
    """Exit status the scan contract implies for these records: 1 if
    anything was found, else 2 if anything could not be scanned, else 0."""
    if any(r.get("findings") for r in records):
        return 1
    if any(r.get("error") for r in records):
        return 2
    return 0


def describe(records, root=None, limit=20):
    """Short, value-free summary of records for failure messages."""
    out = []
    for r in records[:limit]:
        p = rel_path(r["path"], root) if root else r["path"]
        e = r.get("error") or {}
        out.append("%s %s fmt=%s enc=%s findings=%d%s" % (
            p, r.get("member"), r.get("format"), r.get("encoding"), len(r.get("findings") or []),
            " error=%s" % e.get("code") if e else ""))
    if len(records) > limit:
        out.append("... %d more" % (len(records) - limit))
    return "\n".join(out)
