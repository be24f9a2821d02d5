/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/dash_summary.c -- the dashboard's figures (store/dash_summary.h),
 * each from an index range as long as what it counts. Before this (session
 * 5) one aggregate read every active dataset and looked its holds up row by
 * row (0.9 s per dashboard at 100k datasets on PostgreSQL, seconds under
 * load). The figures stay exact: they are counted from the tables each
 * time, so no summary kept beside them can disagree with them.
 */
#include "store/dash_summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- datasets per client ----------------------------------------------------- */

/* A count per client of a small set (overdue datasets, datasets on hold), looked up by
 * client (sorted with strcmp: no dependence on the database's collation). */
struct tally {
    char *client;
    int64_t n;
};
struct tallies {
    struct tally *v;
    size_t n, cap;
};

static void tallies_free(struct tallies *t)
{
    for (size_t i = 0; i < t->n; i++)
        azk_free(t->v[i].client);
    azk_free(t->v);
    memset(t, 0, sizeof(*t));
}

static int tally_cmp(const void *a, const void *b)
{
    return strcmp(((const struct tally *)a)->client, ((const struct tally *)b)->client);
}

static int64_t tally_of(const struct tallies *t, const char *client)
{
    size_t lo = 0, hi = t->n; /* binary search in strcmp order */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(t->v[mid].client, client);
        if (c == 0)
            return t->v[mid].n;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Run `sql` (texts bound 1..n; rows: client, count) into `t`, sorted by client. */
static azk_status tally_load(azk_home *h, const char *what, const char *sql,
                             const char *const *texts, size_t n, struct tallies *t)
{
    azk_db_stmt *st = NULL;
    azk_status rc = azk_db_prepare(h->cat, &st, sql, what);
    int step;
    if (rc != AZK_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        azk_db_bind_text(st, (int)i + 1, texts[i]);
    while ((step = azk_db_step(st)) == AZK_DB_ROW) {
        const char *c = azk_db_col_text(st, 0);
        if (t->n == t->cap) {
            size_t cap = t->cap > 0 ? t->cap * 2 : 16;
            struct tally *v = azk_realloc(t->v, cap * sizeof(*v));
            if (v == NULL) {
                rc = azk_error_nomem();
                break;
            }
            t->v = v;
            t->cap = cap;
        }
        t->v[t->n].client = azk_strdup(c != NULL ? c : "");
        if (t->v[t->n].client == NULL) {
            rc = azk_error_nomem();
            break;
        }
        t->v[t->n].n = azk_db_col_int64(st, 1);
        t->n++;
    }
    if (rc == AZK_OK && step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    if (rc == AZK_OK && t->n > 1)
        qsort(t->v, t->n, sizeof(*t->v), tally_cmp);
    return rc;
}

#define GRANTED " AND d.client IN (SELECT g.client FROM user_grants g WHERE g.name = ?)"

azk_status azk_store__dataset_counts(azk_home *h, const char *today, const char *grantee,
                                     azk_store_client_counts_cb cb, void *payload)
{
    /* past the deadline: the range retain_until < today of datasets_state_deadline */
    static const char *const overdue_sql[2] = {
        "SELECT d.client, count(*) FROM datasets d WHERE d.state = 'active'"
        " AND d.retain_until < ? GROUP BY d.client",
        "SELECT d.client, count(*) FROM datasets d WHERE d.state = 'active'"
        " AND d.retain_until < ?" GRANTED " GROUP BY d.client",
    };
    /* on hold: from the holds (a few; one row per dataset, its primary key) */
    static const char *const hold_sql[2] = {
        "SELECT d.client, count(*) FROM ret_holds x JOIN datasets d ON d.id = x.dataset"
        " WHERE d.state = 'active' GROUP BY d.client",
        "SELECT d.client, count(*) FROM ret_holds x JOIN datasets d ON d.id = x.dataset"
        " WHERE d.state = 'active'" GRANTED " GROUP BY d.client",
    };
    /* held: index only (datasets_active_client, schema v6), one row per client, in byte
     * order on both backends (the callers page with strcmp cursors, api_v1.c): SQLite's
     * BINARY is byte order; PostgreSQL's is the database's collation (en_US would put
     * "a_a" before "a-c"), so there COLLATE "C" */
#define HELD_SQL(granted, order)                                                                   \
    "SELECT d.client, count(*) FROM datasets d WHERE d.state = 'active'" granted                   \
    " GROUP BY d.client ORDER BY d.client" order
    static const char *const held_sql[2][2] = {
        {HELD_SQL("", ""), HELD_SQL(GRANTED, "")},
        {HELD_SQL("", " COLLATE \"C\""), HELD_SQL(GRANTED, " COLLATE \"C\"")},
    };
#undef HELD_SQL
    const int g = grantee != NULL ? 1 : 0;
    int pg;
    const char *const t2[2] = {today, grantee};
    struct tallies overdue = {0}, held_back = {0};
    azk_db_stmt *st = NULL;
    azk_status rc;
    int step = AZK_DB_DONE;
    AZK_ASSERT_ARG(h != NULL && today != NULL && cb != NULL);
    pg = azk_db_kind(h->cat) == AZK_DB_POSTGRES ? 1 : 0;
    rc = tally_load(h, "overdue datasets per client", overdue_sql[g], t2, 1 + (size_t)g, &overdue);
    if (rc == AZK_OK)
        rc = tally_load(h, "datasets on hold per client", hold_sql[g], &grantee, (size_t)g,
                        &held_back);
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st, held_sql[pg][g], "datasets held per client");
    if (rc == AZK_OK) {
        if (grantee != NULL)
            azk_db_bind_text(st, 1, grantee);
        while ((step = azk_db_step(st)) == AZK_DB_ROW) {
            struct azk_store_client_counts c;
            c.client = azk_db_col_text(st, 0);
            c.held = azk_db_col_int64(st, 1);
            c.overdue = tally_of(&overdue, c.client != NULL ? c.client : "");
            c.on_hold = tally_of(&held_back, c.client != NULL ? c.client : "");
            rc = cb(&c, payload);
            if (rc != AZK_OK)
                break;
        }
        if (rc == AZK_OK && step != AZK_DB_DONE)
            rc = AZK_ERR_DB;
        azk_db_finalize(st);
    }
    tallies_free(&overdue);
    tallies_free(&held_back);
    return rc;
}

/* ---- the chart's months -------------------------------------------------------- */

/* "YYYY-MM" + k months -> out ("YYYY-MM"); false if `m` is not a month. */
static bool month_add(const char *m, int k, char out[8])
{
    int y, mo;
    char tail;
    if (m == NULL || sscanf(m, "%4d-%2d%c", &y, &mo, &tail) < 2 || mo < 1 || mo > 12 || y < 0 ||
        y > 9999)
        return false;
    mo = mo - 1 + k;
    y += mo / 12;
    mo = mo % 12 + 1;
    if (y > 9999)
        return false;
    (void)snprintf(out, 8, "%04d-%02d", y, mo);
    return true;
}

struct months_walk {
    azk_store_row_cb cb;
    void *payload;
    size_t n;
};

static azk_status month_row(azk_home *h, const char *sql, const char *const *texts, size_t n,
                            struct months_walk *w)
{
    azk_db_stmt *st = NULL;
    azk_status rc = azk_db_prepare(h->cat, &st, sql, "datasets by deadline month");
    int step;
    if (rc != AZK_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        azk_db_bind_text(st, (int)i + 1, texts[i]);
    while ((step = azk_db_step(st)) == AZK_DB_ROW && w->n < 36) {
        const char *cols[2] = {azk_db_col_text(st, 0), azk_db_col_text(st, 1)};
        w->n++;
        rc = w->cb(cols, 2, w->payload);
        if (rc != AZK_OK)
            break;
    }
    if (rc == AZK_OK && step != AZK_DB_DONE && step != AZK_DB_ROW)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__deadline_months(azk_home *h, const char *grantee, azk_store_row_cb cb,
                                      void *payload)
{
    /* the first deadline at or after `from` (an index probe of datasets_state_deadline) */
    static const char *const first_sql[2] = {
        "SELECT min(d.retain_until) FROM datasets d WHERE d.state = 'active'"
        " AND d.retain_until >= ?",
        "SELECT min(d.retain_until) FROM datasets d WHERE d.state = 'active'"
        " AND d.retain_until >= ?" GRANTED,
    };
    /* the months of [from, to): that range of the index only */
    static const char *const range_sql[2] = {
        "SELECT substr(d.retain_until, 1, 7) AS m, count(*) FROM datasets d"
        " WHERE d.state = 'active' AND d.retain_until >= ? AND d.retain_until < ?"
        " GROUP BY substr(d.retain_until, 1, 7) ORDER BY m",
        "SELECT substr(d.retain_until, 1, 7) AS m, count(*) FROM datasets d"
        " WHERE d.state = 'active' AND d.retain_until >= ? AND d.retain_until < ?" GRANTED
        " GROUP BY substr(d.retain_until, 1, 7) ORDER BY m",
    };
    const int g = grantee != NULL ? 1 : 0;
    struct months_walk w = {cb, payload, 0};
    char from[8] = "", to[8];
    azk_status rc = AZK_OK;
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    /* The earliest 36 months having any active dataset: take the first deadline from
     * `from` on, count the months up to 36 - n later, repeat after them while fewer than
     * 36 months were found. Each round finds at least one month: at most 36 rounds, one
     * in the usual case (months without datasets are rare). */
    while (rc == AZK_OK && w.n < 36) {
        azk_db_stmt *st = NULL;
        char first[8] = "";
        rc = azk_db_prepare(h->cat, &st, first_sql[g], "first deadline");
        if (rc != AZK_OK)
            break;
        azk_db_bind_text(st, 1, from);
        if (grantee != NULL)
            azk_db_bind_text(st, 2, grantee);
        if (azk_db_step(st) == AZK_DB_ROW) {
            const char *f = azk_db_col_text(st, 0);
            if (f != NULL)
                (void)snprintf(first, sizeof(first), "%.7s", f);
        } else
            rc = AZK_ERR_DB;
        azk_db_finalize(st);
        if (rc != AZK_OK || first[0] == '\0')
            break; /* no active dataset from `from` on */
        if (!month_add(first, 36 - (int)w.n, to)) {
            /* not a YYYY-MM-DD deadline (never written by azukari): the rest at once */
            (void)snprintf(to, sizeof(to), "%s", "~");
        }
        {
            const char *t3[3] = {first, to, grantee};
            rc = month_row(h, range_sql[g], t3, 2 + (size_t)g, &w);
        }
        if (strcmp(to, "~") == 0)
            break;
        (void)snprintf(from, sizeof(from), "%s", to);
    }
    return rc;
}

/* ---- the agents' cases --------------------------------------------------------- */

azk_status azk_store__case_counts(azk_home *h, struct azk_store_case_counts *out)
{
    /* one range of agent_cases_state(state, opened_at) per state */
    azk_db_stmt *st = NULL;
    azk_status rc;
    int step;
    AZK_ASSERT_ARG(h != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT (SELECT count(*) FROM agent_cases WHERE state = 'open'),"
                        " (SELECT count(*) FROM agent_cases WHERE state = 'requested'),"
                        " (SELECT count(*) FROM agent_cases WHERE state = 'approved'),"
                        " (SELECT count(*) FROM agent_cases WHERE state = 'quarantined'),"
                        " (SELECT count(*) FROM agent_cases WHERE state = 'released'),"
                        " (SELECT count(*) FROM agent_cases WHERE state = 'destroyed')",
                        "count agent cases by state");
    if (rc != AZK_OK)
        return rc;
    step = azk_db_step(st);
    if (step == AZK_DB_ROW) {
        out->open = azk_db_col_int64(st, 0);
        out->waiting = azk_db_col_int64(st, 1) + azk_db_col_int64(st, 2);
        out->quarantined = azk_db_col_int64(st, 3);
        out->released = azk_db_col_int64(st, 4);
        out->destroyed = azk_db_col_int64(st, 5);
        out->total = out->open + out->waiting + out->quarantined + out->released + out->destroyed;
    } else
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__unresolved_case_edm(azk_home *h, azk_store_case_edm_cb cb, void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int step;
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT c.state, o.edm FROM agent_cases c JOIN agent_objects o"
                        " ON o.batch_id = c.batch_id AND o.seq = c.seq"
                        " WHERE c.state IN ('open', 'requested', 'approved', 'quarantined')",
                        "unresolved cases' clients");
    if (rc != AZK_OK)
        return rc;
    while ((step = azk_db_step(st)) == AZK_DB_ROW) {
        rc = cb(azk_db_col_text(st, 0), azk_db_col_text(st, 1), payload);
        if (rc != AZK_OK)
            break;
    }
    if (rc == AZK_OK && step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}
