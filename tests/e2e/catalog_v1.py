# SPDX-License-Identifier: Apache-2.0
"""catalog_v1.py -- fixture generator for the catalog migration tests: turn
a home made by this azukari (schema 2, keys in keys/keystore.db) into the
home an earlier release (schema 1) would have left, with raw sqlite3 and
the DDL those releases ran (store/home.c schema_sql, the tables retention
and guard created lazily). Each wrapped data key goes back into
datasets.wrapped_key and the keystore is removed, as before it existed.

early=True gives the catalog of the first retention release: ret_artifacts
without its identity columns, ret_state without fp_file, users without
state/approved_by, and no totp_used, auth_failures or guard_items table.
"""

import os
import sqlite3

# store/home.c schema_sql of every release before schema 2 (verbatim)
V1_CORE = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE clients(id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '',
 created_at TEXT NOT NULL, created_by TEXT NOT NULL);
CREATE TABLE datasets(id TEXT PRIMARY KEY, client TEXT NOT NULL REFERENCES clients(id),
 uuid TEXT NOT NULL UNIQUE, purpose TEXT NOT NULL, retain_until TEXT NOT NULL,
 schema_json TEXT NOT NULL, source_name TEXT NOT NULL, format TEXT NOT NULL,
 encoding TEXT NOT NULL, records INTEGER NOT NULL, bytes INTEGER NOT NULL,
 wrapped_key BLOB, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
 state TEXT NOT NULL DEFAULT 'active');
CREATE TABLE opens(dataset TEXT NOT NULL REFERENCES datasets(id), at TEXT NOT NULL,
 by TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE fingerprints(dataset TEXT PRIMARY KEY REFERENCES datasets(id),
 fields TEXT NOT NULL, nonce BLOB NOT NULL, data BLOB NOT NULL);
"""

# retention/retention.c ret_schema_sql + guard/watch.c schema, last release of schema 1
V1_LAZY = """
CREATE TABLE IF NOT EXISTS ret_artifacts(dataset TEXT NOT NULL, path TEXT NOT NULL,
 dev INTEGER NOT NULL, ino INTEGER NOT NULL, deadline TEXT NOT NULL,
 added_at TEXT NOT NULL, added_by TEXT NOT NULL, disposition TEXT,
 size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, hash TEXT,
 PRIMARY KEY(dataset, path));
CREATE TABLE IF NOT EXISTS ret_state(dataset TEXT PRIMARY KEY, state TEXT NOT NULL,
 key_id TEXT, key_commit TEXT, shred_index INTEGER, shred_at TEXT, operator TEXT,
 drill INTEGER NOT NULL DEFAULT 0, vault_disp TEXT, sweep_json TEXT,
 residuals INTEGER NOT NULL DEFAULT 0, updated_at TEXT, fp_file TEXT);
CREATE TABLE IF NOT EXISTS ret_holds(dataset TEXT PRIMARY KEY, reason TEXT NOT NULL,
 by TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ret_requests(id TEXT PRIMARY KEY, kind TEXT NOT NULL,
 dataset TEXT NOT NULL, until TEXT, reason TEXT NOT NULL, requested_by TEXT NOT NULL,
 requested_at TEXT NOT NULL, approved_by TEXT, approved_at TEXT,
 state TEXT NOT NULL DEFAULT 'pending');
CREATE TABLE IF NOT EXISTS ret_early(dataset TEXT PRIMARY KEY, request TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ret_residuals(dataset TEXT NOT NULL, path TEXT NOT NULL,
 member TEXT NOT NULL, rows INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ret_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, nonce BLOB NOT NULL,
 secret BLOB NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
 state TEXT, approved_by TEXT);
CREATE TABLE IF NOT EXISTS totp_used(name TEXT NOT NULL, step INTEGER NOT NULL,
 PRIMARY KEY(name, step));
CREATE TABLE IF NOT EXISTS auth_failures(name TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS guard_items(id TEXT PRIMARY KEY, rel_path TEXT NOT NULL,
 state TEXT NOT NULL, outbox TEXT NOT NULL, release_dir TEXT NOT NULL, dest TEXT,
 uuid TEXT, wrapped BLOB, size INTEGER, decision TEXT, requested_by TEXT,
 request_reason TEXT, approved_by TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
"""

# the first retention release (af3ccfe): before artifact identity, fp_file, enrolment
V1_LAZY_EARLY = """
CREATE TABLE IF NOT EXISTS ret_artifacts(dataset TEXT NOT NULL, path TEXT NOT NULL,
 dev INTEGER NOT NULL, ino INTEGER NOT NULL, deadline TEXT NOT NULL,
 added_at TEXT NOT NULL, added_by TEXT NOT NULL, disposition TEXT,
 PRIMARY KEY(dataset, path));
CREATE TABLE IF NOT EXISTS ret_state(dataset TEXT PRIMARY KEY, state TEXT NOT NULL,
 key_id TEXT, key_commit TEXT, shred_index INTEGER, shred_at TEXT, operator TEXT,
 drill INTEGER NOT NULL DEFAULT 0, vault_disp TEXT, sweep_json TEXT,
 residuals INTEGER NOT NULL DEFAULT 0, updated_at TEXT);
CREATE TABLE IF NOT EXISTS ret_holds(dataset TEXT PRIMARY KEY, reason TEXT NOT NULL,
 by TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ret_requests(id TEXT PRIMARY KEY, kind TEXT NOT NULL,
 dataset TEXT NOT NULL, until TEXT, reason TEXT NOT NULL, requested_by TEXT NOT NULL,
 requested_at TEXT NOT NULL, approved_by TEXT, approved_at TEXT,
 state TEXT NOT NULL DEFAULT 'pending');
CREATE TABLE IF NOT EXISTS ret_early(dataset TEXT PRIMARY KEY, request TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ret_residuals(dataset TEXT NOT NULL, path TEXT NOT NULL,
 member TEXT NOT NULL, rows INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ret_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, nonce BLOB NOT NULL,
 secret BLOB NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL);
"""

CORE_COPY = {
    "meta": ["key", "value"],
    "clients": ["id", "name", "created_at", "created_by"],
    "datasets": ["id", "client", "uuid", "purpose", "retain_until", "schema_json",
                 "source_name", "format", "encoding", "records", "bytes", "created_at",
                 "created_by", "state"],
    "opens": ["dataset", "at", "by", "reason"],
    "fingerprints": ["dataset", "fields", "nonce", "data"],
}


def _rm(p):
    try:
        os.unlink(p)
    except FileNotFoundError:
        pass


def downgrade_to_v1(home, early=False, guard_items=()):
    """Rewrite <home>/catalog.db as schema 1 and remove the keystore.
    guard_items: (id, wrapped bytes) rows to add to guard_items (not with early).
    Returns {dataset uuid: wrapped key bytes}."""
    cat = os.path.join(home, "catalog.db")
    ks = os.path.join(home, "keys", "keystore.db")
    keys = {}
    if os.path.exists(ks):
        k = sqlite3.connect(ks)
        try:
            keys = {i: bytes(w) for i, w in
                    k.execute("SELECT id, wrapped FROM wrapped_keys WHERE kind='dataset'")}
        finally:
            k.close()
    src = sqlite3.connect(cat)
    rows = {t: src.execute("SELECT %s FROM %s" % (", ".join(c), t)).fetchall()
            for t, c in CORE_COPY.items()}
    src.close()
    tmp = cat + ".v1-tmp"
    _rm(tmp)
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    db = sqlite3.connect(tmp)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(V1_CORE + (V1_LAZY_EARLY if early else V1_LAZY))
    for t, c in CORE_COPY.items():
        for r in rows[t]:
            db.execute("INSERT INTO %s(%s) VALUES(%s)" % (t, ", ".join(c), ", ".join("?" * len(c))),
                       r)
    db.execute("UPDATE meta SET value='1' WHERE key='schema'")
    for uuid, w in keys.items():
        db.execute("UPDATE datasets SET wrapped_key=? WHERE uuid=?", (w, uuid))
    for gid, w in guard_items:
        db.execute("INSERT INTO guard_items(id, rel_path, state, outbox, release_dir, uuid,"
                   " wrapped, size, created_at, updated_at) VALUES(?, 'f.csv', 'quarantined',"
                   " '/nonexistent/out', '/nonexistent/rel', ?, ?, 1, '2026-01-01T00:00:00Z',"
                   " '2026-01-01T00:00:00Z')", (gid, gid, w))
    db.commit()
    db.close()
    for suffix in ("", "-wal", "-shm"):
        _rm(cat + suffix)
        _rm(ks + suffix)
    os.rename(tmp, cat)
    _rm(tmp + "-wal")
    _rm(tmp + "-shm")
    return keys
