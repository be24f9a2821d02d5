/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/agents.c -- the agents' catalog tables (store/agents.h): tokens,
 * agents, certificates, policies, batches and per-object results,
 * fingerprint exports and the witness of closed-zone ledgers, in the SQL
 * common to SQLite and PostgreSQL (store/db.h). Objects of a batch go in
 * multi-row INSERTs of up to ROWS_PER_INSERT rows (one round trip per
 * statement on PostgreSQL), inside the batch's one transaction. The steps
 * of a case (request, approve, done) are in store/agents_cases.c.
 */
#include "store/agents.h"

#include <stdio.h>
#include <string.h>

#define OBJ_COLS        13
#define ROWS_PER_INSERT 64

azk_status azk_store__agent_token_insert(azk_home *h, const char *token_hash, const char *grp,
                                         const char *zone, int64_t now, int64_t expires_at,
                                         const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && token_hash != NULL && grp != NULL && zone != NULL && ev != NULL);
    rc = azk_store__tx_prepare(
        h, &st,
        "INSERT INTO agent_tokens(token_hash, grp, zone, created_at, expires_at,"
        " created_by) VALUES(?, ?, ?, ?, ?, ?)",
        "add agent token");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, token_hash);
    azk_db_bind_text(st, 2, grp);
    azk_db_bind_text(st, 3, zone);
    azk_db_bind_int64(st, 4, now);
    azk_db_bind_int64(st, 5, expires_at);
    azk_db_bind_text(st, 6, azk_store__actor(h));
    return azk_store__tx_write(h, st, ev, NULL);
}

azk_status azk_store__agent_enroll(azk_home *h, const char *token_hash, int64_t now,
                                   const struct azk_store_agent_new *a,
                                   const struct azk_store_event *ev, bool *taken, char grp[64],
                                   char zone[16])
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && token_hash != NULL && a != NULL && ev != NULL && taken != NULL);
    *taken = false;
    grp[0] = zone[0] = '\0';
    rc = azk_store__tx_prepare(h, &st,
                               "UPDATE agent_tokens SET used_at = ? WHERE token_hash = ?"
                               " AND used_at IS NULL AND expires_at > ? RETURNING grp, zone",
                               "use agent token");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_int64(st, 1, now);
    azk_db_bind_text(st, 2, token_hash);
    azk_db_bind_int64(st, 3, now);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        azk_store__col_copy(st, 0, grp, 64);
        azk_store__col_copy(st, 1, zone, 16);
        *taken = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    if (rc != AZK_OK || !*taken) {
        azk_db_rollback(h->cat);
        return rc;
    }
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO agents(id, host, grp, zone, state, enrolled_at, seen_at)"
                        " VALUES(?, ?, ?, ?, 'active', ?, ?)",
                        "add agent");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, a->id);
        azk_db_bind_text(st, 2, a->host);
        azk_db_bind_text(st, 3, grp);
        azk_db_bind_text(st, 4, zone);
        azk_db_bind_int64(st, 5, now);
        azk_db_bind_int64(st, 6, now);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st,
                            "INSERT INTO agent_certs(serial, agent_id, not_before, not_after,"
                            " issued_at) VALUES(?, ?, ?, ?, ?)",
                            "add agent certificate");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, a->serial);
        azk_db_bind_text(st, 2, a->id);
        azk_db_bind_int64(st, 3, a->not_before);
        azk_db_bind_int64(st, 4, a->not_after);
        azk_db_bind_int64(st, 5, now);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    if (rc != AZK_OK)
        *taken = false;
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__agent_cert_get(azk_home *h, const char *serial,
                                     struct azk_store_agent_cert *out, bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && serial != NULL && out != NULL && found != NULL);
    memset(out, 0, sizeof(*out));
    *found = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT a.id, a.host, a.grp, a.zone, a.state, c.not_before, c.not_after,"
                        " COALESCE(c.revoked_at, a.revoked_at, 0) FROM agent_certs c"
                        " JOIN agents a ON a.id = c.agent_id WHERE c.serial = ?",
                        "read agent certificate");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, serial);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        azk_store__col_copy(st, 0, out->agent_id, sizeof(out->agent_id));
        azk_store__col_copy(st, 1, out->host, sizeof(out->host));
        azk_store__col_copy(st, 2, out->grp, sizeof(out->grp));
        azk_store__col_copy(st, 3, out->zone, sizeof(out->zone));
        azk_store__col_copy(st, 4, out->state, sizeof(out->state));
        out->not_before = azk_db_col_int64(st, 5);
        out->not_after = azk_db_col_int64(st, 6);
        out->revoked_at = azk_db_col_int64(st, 7);
        *found = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__agent_cert_add(azk_home *h, const char *agent_id, const char *serial,
                                     int64_t not_before, int64_t not_after, int64_t now,
                                     const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    bool active = false;
    AZK_ASSERT_ARG(h != NULL && agent_id != NULL && serial != NULL && ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    /* re-checked inside the transaction: a revocation between check and renewal wins */
    rc = azk_store__exists(h, "check agent",
                           "SELECT 1 FROM agents WHERE id = ? AND state = 'active'", agent_id,
                           &active);
    if (rc == AZK_OK && !active)
        rc = azk_error_set(AZK_ERR_PERM, "agent %s is revoked", agent_id);
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st,
                            "INSERT INTO agent_certs(serial, agent_id, not_before, not_after,"
                            " issued_at) VALUES(?, ?, ?, ?, ?)",
                            "add agent certificate");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, serial);
        azk_db_bind_text(st, 2, agent_id);
        azk_db_bind_int64(st, 3, not_before);
        azk_db_bind_int64(st, 4, not_after);
        azk_db_bind_int64(st, 5, now);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__agent_revoke(azk_home *h, const char *agent_id, int64_t now,
                                   const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int64_t n = 0;
    AZK_ASSERT_ARG(h != NULL && agent_id != NULL && ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, &st,
                        "UPDATE agents SET state = 'revoked', revoked_at = ? WHERE id = ?",
                        "revoke agent");
    if (rc == AZK_OK) {
        azk_db_bind_int64(st, 1, now);
        azk_db_bind_text(st, 2, agent_id);
        rc = azk_db_run(st);
        n = azk_db_changes(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK && n != 1)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no agent %s", agent_id);
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st,
                            "UPDATE agent_certs SET revoked_at = ? WHERE agent_id = ?"
                            " AND revoked_at IS NULL",
                            "revoke agent certificates");
    if (rc == AZK_OK) {
        azk_db_bind_int64(st, 1, now);
        azk_db_bind_text(st, 2, agent_id);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__agent_seen(azk_home *h, const char *agent_id, int64_t now)
{
    azk_db_stmt *st = NULL;
    /* to the minute: a busy agent's calls do not each commit a write */
    azk_status rc = azk_db_prepare(h->cat, &st,
                                   "UPDATE agents SET seen_at = ? WHERE id = ?"
                                   " AND (seen_at IS NULL OR seen_at < ? - 60 OR seen_at > ?)",
                                   "note agent call");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_int64(st, 1, now);
    azk_db_bind_text(st, 2, agent_id);
    azk_db_bind_int64(st, 3, now);
    azk_db_bind_int64(st, 4, now);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__agent_policy_get(azk_home *h, const char *grp, char **body, bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && grp != NULL && body != NULL && found != NULL);
    *body = NULL;
    *found = false;
    rc = azk_db_prepare(h->cat, &st, "SELECT body FROM agent_policies WHERE grp = ?",
                        "read agent policy");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, grp);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        const char *t = azk_db_col_text(st, 0);
        *body = azk_strdup(t != NULL ? t : "{}");
        if (*body == NULL)
            rc = azk_error_nomem();
        else
            *found = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__agent_policy_set(azk_home *h, const char *grp, const char *body, int64_t now,
                                       const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && grp != NULL && body != NULL && ev != NULL);
    rc = azk_store__tx_prepare(h, &st,
                               "INSERT INTO agent_policies(grp, body, updated_at) VALUES(?, ?, ?)"
                               " ON CONFLICT(grp) DO UPDATE SET body = excluded.body,"
                               " updated_at = excluded.updated_at",
                               "set agent policy");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, grp);
    azk_db_bind_text(st, 2, body);
    azk_db_bind_int64(st, 3, now);
    return azk_store__tx_write(h, st, ev, NULL);
}

/* "INSERT INTO agent_objects(...) VALUES(?,...),(?,...)" for n rows. */
static azk_status objects_sql(azk_buf *b, size_t n)
{
    azk_status rc = azk_buf_puts(b, "INSERT INTO agent_objects(batch_id, seq, agent_id, path, size,"
                                    " mtime, format, counts, examples, edm, edm_records,"
                                    " score_milli, error) VALUES");
    for (size_t i = 0; rc == AZK_OK && i < n; i++)
        rc = azk_buf_puts(b,
                          i == 0 ? "(?,?,?,?,?,?,?,?,?,?,?,?,?)" : ",(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    return rc;
}

static azk_status insert_objects(azk_home *h, const char *batch_id, const char *agent_id,
                                 const struct azk_store_agent_object *objs, size_t from, size_t n)
{
    azk_buf sql = AZK_BUF_INIT;
    azk_db_stmt *st = NULL;
    azk_status rc = objects_sql(&sql, n);
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st, (const char *)sql.data, "add agent objects");
    for (size_t i = 0; rc == AZK_OK && i < n; i++) {
        const struct azk_store_agent_object *o = &objs[from + i];
        int b = (int)(i * OBJ_COLS);
        azk_db_bind_text(st, b + 1, batch_id);
        azk_db_bind_int64(st, b + 2, (int64_t)(from + i));
        azk_db_bind_text(st, b + 3, agent_id);
        azk_db_bind_text(st, b + 4, o->path);
        azk_db_bind_int64(st, b + 5, o->size);
        azk_db_bind_int64(st, b + 6, o->mtime);
        azk_db_bind_text(st, b + 7, o->format);
        azk_db_bind_text(st, b + 8, o->counts);
        azk_db_bind_text(st, b + 9, o->examples);
        azk_db_bind_text(st, b + 10, o->edm);
        azk_db_bind_int64(st, b + 11, o->edm_records);
        azk_db_bind_int64(st, b + 12, o->score_milli);
        azk_db_bind_text(st, b + 13, o->error);
    }
    if (rc == AZK_OK)
        rc = azk_db_run(st);
    azk_db_finalize(st);
    azk_buf_dispose(&sql);
    return rc;
}

/* A value into COPY's text format: backslash, tab, newline and carriage return escaped. */
static azk_status copy_text(azk_buf *b, const char *v)
{
    azk_status rc = AZK_OK;
    const char *p = v, *run = v;
    if (v == NULL)
        return azk_buf_puts(b, "\\N\t");
    for (; rc == AZK_OK && *p != '\0'; p++) {
        const char *esc = *p == '\\'   ? "\\\\"
                          : *p == '\t' ? "\\t"
                          : *p == '\n' ? "\\n"
                          : *p == '\r' ? "\\r"
                                       : NULL;
        if (esc == NULL)
            continue;
        rc = azk_buf_put(b, run, (size_t)(p - run));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, esc);
        run = p + 1;
    }
    if (rc == AZK_OK)
        rc = azk_buf_put(b, run, (size_t)(p - run));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "\t");
    return rc;
}

bool azk_store__agent_ingest_parallel(azk_home *h)
{
    return azk_db_can_copy(h->cat);
}

/* Two integer columns, each with its tab. */
static azk_status put_2i64(azk_buf *b, int64_t x, int64_t y)
{
    azk_status rc = azk_buf_put_i64(b, x);
    if (rc == AZK_OK)
        rc = azk_buf_putc(b, '\t');
    if (rc == AZK_OK)
        rc = azk_buf_put_i64(b, y);
    return rc == AZK_OK ? azk_buf_putc(b, '\t') : rc;
}

/* The objects as one COPY (PostgreSQL): one round trip for the whole batch. */
static azk_status copy_objects(azk_home *h, const char *batch_id, const char *agent_id,
                               const struct azk_store_agent_object *objs, size_t count)
{
    azk_buf d = AZK_BUF_INIT;
    azk_status rc = AZK_OK;
    for (size_t i = 0; rc == AZK_OK && i < count; i++) {
        const struct azk_store_agent_object *o = &objs[i];
        rc = copy_text(&d, batch_id);
        if (rc == AZK_OK)
            rc = azk_buf_put_i64(&d, (int64_t)i);
        if (rc == AZK_OK)
            rc = azk_buf_putc(&d, '\t');
        if (rc == AZK_OK)
            rc = copy_text(&d, agent_id);
        if (rc == AZK_OK)
            rc = copy_text(&d, o->path);
        if (rc == AZK_OK)
            rc = put_2i64(&d, o->size, o->mtime);
        if (rc == AZK_OK)
            rc = copy_text(&d, o->format);
        if (rc == AZK_OK)
            rc = copy_text(&d, o->counts);
        if (rc == AZK_OK)
            rc = copy_text(&d, o->examples);
        if (rc == AZK_OK)
            rc = copy_text(&d, o->edm);
        if (rc == AZK_OK)
            rc = put_2i64(&d, o->edm_records, o->score_milli);
        if (rc == AZK_OK)
            rc = copy_text(&d, o->error);
        if (rc == AZK_OK)
            d.data[d.len - 1] = '\n'; /* the last column's tab ends the row */
    }
    if (rc == AZK_OK)
        rc = azk_db_copy(h->cat,
                         "agent_objects(batch_id, seq, agent_id, path, size, mtime, format,"
                         " counts, examples, edm, edm_records, score_milli, error)",
                         (const char *)d.data, d.len);
    azk_buf_dispose(&d);
    return rc;
}

azk_status azk_store__agent_batch_ingest(azk_home *h, const char *batch_id, const char *agent_id,
                                         int64_t now, int64_t sent_at, int64_t lost_objects,
                                         const struct azk_store_agent_object *objs, size_t count,
                                         const struct azk_store_event *ev, bool open_cases,
                                         int64_t *cases, bool *duplicate)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int64_t n = 0;
    bool with_records = false;
    AZK_ASSERT_ARG(h != NULL && batch_id != NULL && agent_id != NULL && ev != NULL &&
                   duplicate != NULL && (objs != NULL || count == 0));
    *duplicate = false;
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO agent_batches(batch_id, agent_id, received_at, sent_at,"
                        " object_count, lost_objects) VALUES(?, ?, ?, ?, ?, ?)"
                        " ON CONFLICT(batch_id) DO NOTHING",
                        "add agent batch");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, batch_id);
        azk_db_bind_text(st, 2, agent_id);
        azk_db_bind_int64(st, 3, now);
        azk_db_bind_int64(st, 4, sent_at);
        azk_db_bind_int64(st, 5, (int64_t)count);
        azk_db_bind_int64(st, 6, lost_objects);
        rc = azk_db_run(st);
        n = azk_db_changes(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK && n == 0) {
        *duplicate = true;
        azk_db_rollback(h->cat);
        return AZK_OK;
    }
    if (rc == AZK_OK && count > 0 && azk_db_can_copy(h->cat))
        rc = copy_objects(h, batch_id, agent_id, objs, count);
    else
        for (size_t i = 0; rc == AZK_OK && i < count; i += ROWS_PER_INSERT)
            rc = insert_objects(h, batch_id, agent_id, objs, i,
                                count - i < ROWS_PER_INSERT ? count - i : ROWS_PER_INSERT);
    *cases = 0;
    for (size_t i = 0; i < count && !with_records; i++)
        with_records = objs[i].edm_records > 0;
    if (rc == AZK_OK && open_cases && with_records)
        rc = azk_db_prepare(h->cat, &st,
                            /* a path of this agent that already has an unresolved case
                             * (a re-read after a new hard link, an upgraded agent's
                             * cache) adds no second one; a quarantined one does: the
                             * file found there now is another copy */
                            "INSERT INTO agent_cases(id, agent_id, batch_id, seq, records, state,"
                            " opened_at) SELECT 'case-' || o.batch_id || '-' || o.seq,"
                            " o.agent_id, o.batch_id, o.seq, o.edm_records, 'open', ?"
                            " FROM agent_objects o WHERE o.batch_id = ? AND o.edm_records > 0"
                            " AND NOT EXISTS(SELECT 1 FROM agent_cases c JOIN agent_objects p"
                            " ON p.batch_id = c.batch_id AND p.seq = c.seq"
                            " WHERE c.state IN ('open', 'requested', 'approved')"
                            " AND c.agent_id = o.agent_id AND p.path = o.path)",
                            "open agent cases");
    if (rc == AZK_OK && open_cases && with_records) {
        azk_db_bind_int64(st, 1, now);
        azk_db_bind_text(st, 2, batch_id);
        rc = azk_db_run(st);
        if (rc == AZK_OK)
            *cases = azk_db_changes(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK && *cases > 0)
        rc = azk_db_prepare(h->cat, &st,
                            "INSERT INTO agent_case_steps(case_id, n, at, actor, step, detail)"
                            " SELECT id, 1, ?, ?, 'found', NULL FROM agent_cases"
                            " WHERE batch_id = ?",
                            "add case steps");
    if (rc == AZK_OK && *cases > 0) {
        char actor[96];
        (void)snprintf(actor, sizeof(actor), "agent:%s", agent_id);
        azk_db_bind_int64(st, 1, now);
        azk_db_bind_text(st, 2, actor);
        azk_db_bind_text(st, 3, batch_id);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    azk_store__test_gate("agent.ingest");
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    if (rc == AZK_OK && *cases > 0) {
        char extra[64];
        struct azk_store_event ce = {0};
        (void)snprintf(extra, sizeof(extra), "{\"cases\":%lld}", (long long)*cases);
        ce.action = "agent.case.open";
        ce.object = batch_id;
        ce.extra_json = extra;
        rc = azk_store__event(h, &ce, NULL);
    }
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__agents_each(azk_home *h, const char *after, size_t limit,
                                  azk_store_agent_cb cb, void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s = AZK_DB_DONE;
    AZK_ASSERT_ARG(h != NULL && after != NULL && cb != NULL);
    /* per agent, two index reads: its objects are the sum of its batches' object_count (a
     * batch's objects are inserted with it and never removed; agent_batches_agent), the ones
     * with entrusted records a count over agent_objects_edm (a partial index: only those) */
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT a.id, a.host, a.grp, a.zone, a.state, a.enrolled_at,"
                        " COALESCE(a.seen_at, 0),"
                        " (SELECT COALESCE(sum(b.object_count), 0) FROM agent_batches b"
                        " WHERE b.agent_id = a.id),"
                        " (SELECT count(*) FROM agent_objects o WHERE o.agent_id = a.id"
                        " AND o.edm_records > 0)"
                        " FROM agents a WHERE a.id > ? ORDER BY a.id LIMIT ?",
                        "list agents");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, after);
    azk_db_bind_int64(st, 2, (int64_t)limit);
    while (rc == AZK_OK && (s = azk_db_step(st)) == AZK_DB_ROW) {
        struct azk_store_agent_row r;
        memset(&r, 0, sizeof(r));
        azk_store__col_copy(st, 0, r.id, sizeof(r.id));
        azk_store__col_copy(st, 1, r.host, sizeof(r.host));
        azk_store__col_copy(st, 2, r.grp, sizeof(r.grp));
        azk_store__col_copy(st, 3, r.zone, sizeof(r.zone));
        azk_store__col_copy(st, 4, r.state, sizeof(r.state));
        r.enrolled_at = azk_db_col_int64(st, 5);
        r.seen_at = azk_db_col_int64(st, 6);
        r.objects = azk_db_col_int64(st, 7);
        r.edm_objects = azk_db_col_int64(st, 8);
        rc = cb(&r, payload);
    }
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__agent_findings_each(azk_home *h, const char *after_batch, int64_t after_seq,
                                          bool edm_only, size_t limit, azk_store_finding_cb cb,
                                          void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s = AZK_DB_DONE;
    AZK_ASSERT_ARG(h != NULL && after_batch != NULL && cb != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT o.batch_id, o.seq, o.agent_id, a.host, o.path, o.size, o.mtime,"
                        " o.format, o.counts, o.examples, o.edm, o.edm_records, o.score_milli"
                        " FROM agent_objects o JOIN agents a ON a.id = o.agent_id"
                        /* batch_id >= ?: the primary key's range starts at the cursor
                         * (without it PostgreSQL filters every row before it: 20 s at
                         * 10M findings; bench/README.md) */
                        " WHERE o.batch_id >= ? AND (o.batch_id > ? OR (o.batch_id = ?"
                        " AND o.seq > ?)) AND o.score_milli > 0 AND (? = 0 OR o.edm_records > 0)"
                        " ORDER BY o.batch_id, o.seq LIMIT ?",
                        "list agent findings");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, after_batch);
    azk_db_bind_text(st, 2, after_batch);
    azk_db_bind_text(st, 3, after_batch);
    azk_db_bind_int64(st, 4, after_seq);
    azk_db_bind_int64(st, 5, edm_only ? 1 : 0);
    azk_db_bind_int64(st, 6, (int64_t)limit);
    while (rc == AZK_OK && (s = azk_db_step(st)) == AZK_DB_ROW) {
        struct azk_store_agent_finding f;
        memset(&f, 0, sizeof(f));
        azk_store__col_copy(st, 0, f.batch_id, sizeof(f.batch_id));
        f.seq = azk_db_col_int64(st, 1);
        azk_store__col_copy(st, 2, f.agent_id, sizeof(f.agent_id));
        azk_store__col_copy(st, 3, f.host, sizeof(f.host));
        f.path = azk_db_col_text(st, 4);
        f.size = azk_db_col_int64(st, 5);
        f.mtime = azk_db_col_int64(st, 6);
        f.format = azk_db_col_text(st, 7);
        f.counts = azk_db_col_text(st, 8);
        f.examples = azk_db_col_text(st, 9);
        f.edm = azk_db_col_text(st, 10);
        f.edm_records = azk_db_col_int64(st, 11);
        f.score_milli = azk_db_col_int64(st, 12);
        rc = cb(&f, payload);
    }
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__agent_fp_put(azk_home *h, const char *id, const char *agent_id,
                                   int64_t created_at, const void *file, size_t file_len,
                                   const void *key, size_t key_len,
                                   const struct azk_store_event *ev, bool *existed)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && agent_id != NULL && ev != NULL && existed != NULL);
    *existed = false;
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO agent_fingerprints(id, agent_id, created_at, file, fkey)"
                        " VALUES(?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
                        "add fingerprint export");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, id);
        azk_db_bind_text(st, 2, agent_id);
        azk_db_bind_int64(st, 3, created_at);
        azk_db_bind_blob(st, 4, file, file_len);
        azk_db_bind_blob(st, 5, key, key_len);
        rc = azk_db_run(st);
        if (rc == AZK_OK)
            *existed = azk_db_changes(st) == 0;
        azk_db_finalize(st);
    }
    if (rc == AZK_OK && !*existed)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__agent_fp_latest(azk_home *h, char id[65], int64_t *created_at, azk_buf *file,
                                      azk_buf *key, bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && file != NULL && key != NULL && found != NULL);
    *found = false;
    id[0] = '\0';
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT id, created_at, file, fkey FROM agent_fingerprints"
                        " ORDER BY created_at DESC, id LIMIT 1",
                        "read fingerprint export");
    if (rc != AZK_OK)
        return rc;
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        size_t fl = 0, kl = 0;
        const void *f = azk_db_col_blob(st, 2, &fl), *k = azk_db_col_blob(st, 3, &kl);
        azk_store__col_copy(st, 0, id, 65);
        *created_at = azk_db_col_int64(st, 1);
        rc = azk_buf_put(file, f != NULL ? f : "", fl);
        if (rc == AZK_OK)
            rc = azk_buf_put(key, k != NULL ? k : "", kl);
        *found = rc == AZK_OK;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__witness_get(azk_home *h, const char *agent_id, struct azk_store_witness *out,
                                  bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    memset(out, 0, sizeof(*out));
    *found = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT vkey, size, root, COALESCE(alarm, ''),"
                        " (SELECT count(*) FROM agent_checkpoints c WHERE c.agent_id = w.agent_id)"
                        " FROM agent_witness w WHERE agent_id = ?",
                        "read witness");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, agent_id);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        azk_store__col_copy(st, 0, out->vkey, sizeof(out->vkey));
        out->size = azk_db_col_int64(st, 1);
        azk_store__col_copy(st, 2, out->root, sizeof(out->root));
        azk_store__col_copy(st, 3, out->alarm, sizeof(out->alarm));
        out->checkpoints = azk_db_col_int64(st, 4);
        *found = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__witness_record(azk_home *h, const char *agent_id, const char *vkey,
                                     int64_t size, const char *root, const char *note,
                                     const char *alarm, int64_t now,
                                     const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && agent_id != NULL && vkey != NULL && root != NULL && note != NULL &&
                   ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO agent_checkpoints(agent_id, size, root, note, received_at,"
                        " consistent) VALUES(?, ?, ?, ?, ?, ?)"
                        " ON CONFLICT(agent_id, size, root) DO NOTHING",
                        "keep checkpoint");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, agent_id);
        azk_db_bind_int64(st, 2, size);
        azk_db_bind_text(st, 3, root);
        azk_db_bind_text(st, 4, note);
        azk_db_bind_int64(st, 5, now);
        azk_db_bind_int64(st, 6, alarm == NULL ? 1 : 0);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        rc = azk_db_prepare(
            h->cat, &st,
            alarm == NULL
                ? "INSERT INTO agent_witness(agent_id, vkey, size, root, alarm, updated_at)"
                  " VALUES(?, ?, ?, ?, NULL, ?) ON CONFLICT(agent_id) DO UPDATE SET"
                  " size = excluded.size, root = excluded.root, updated_at = excluded.updated_at"
                : "INSERT INTO agent_witness(agent_id, vkey, size, root, alarm, updated_at)"
                  " VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(agent_id) DO UPDATE SET"
                  " alarm = excluded.alarm, updated_at = excluded.updated_at",
            "update witness");
    if (rc == AZK_OK) {
        int i = 1;
        azk_db_bind_text(st, i++, agent_id);
        azk_db_bind_text(st, i++, vkey);
        azk_db_bind_int64(st, i++, size);
        azk_db_bind_text(st, i++, root);
        if (alarm != NULL)
            azk_db_bind_text(st, i++, alarm);
        azk_db_bind_int64(st, i, now);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__witness_page(azk_home *h, const char *after, size_t limit,
                                   azk_store_witness_cb cb, void *payload, bool *more)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s = AZK_DB_DONE;
    size_t n = 0;
    AZK_ASSERT_ARG(h != NULL && after != NULL && cb != NULL && more != NULL && limit > 0);
    *more = false;
    /* keyset on the primary key: one page costs the same however many hosts there are */
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT w.agent_id, a.host, w.vkey, w.size, w.root, COALESCE(w.alarm, ''),"
                        " (SELECT count(*) FROM agent_checkpoints c WHERE c.agent_id = w.agent_id)"
                        " FROM agent_witness w JOIN agents a ON a.id = w.agent_id"
                        " WHERE w.agent_id > ? ORDER BY w.agent_id LIMIT ?",
                        "list witness");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, after);
    azk_db_bind_int64(st, 2, (int64_t)limit + 1);
    while (rc == AZK_OK && (s = azk_db_step(st)) == AZK_DB_ROW) {
        struct azk_store_witness w;
        if (++n > limit) {
            *more = true;
            s = AZK_DB_DONE;
            break;
        }
        memset(&w, 0, sizeof(w));
        azk_store__col_copy(st, 2, w.vkey, sizeof(w.vkey));
        w.size = azk_db_col_int64(st, 3);
        azk_store__col_copy(st, 4, w.root, sizeof(w.root));
        azk_store__col_copy(st, 5, w.alarm, sizeof(w.alarm));
        w.checkpoints = azk_db_col_int64(st, 6);
        rc = cb(azk_db_col_text(st, 0), azk_db_col_text(st, 1), &w, payload);
    }
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}
