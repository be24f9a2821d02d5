/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/event.c -- ledger events appended by store operations inside their
 * transaction, the begin/end pair of those operations, a one-statement
 * write helper, and the race tests' gate (store/event.h).
 */
#include "store/event.h"
#include "azukari/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

azk_status azk_store__event(azk_home *h, const struct azk_store_event *ev, uint64_t *out_index)
{
    azk_status rc;
    azk_audit_event e = AZK_AUDIT_EVENT_INIT;
    const char *objs[1];
    AZK_ASSERT_ARG(h != NULL && ev != NULL && ev->action != NULL);
    objs[0] = ev->object;
    e.actor = azk_store__actor(h);
    e.action = ev->action;
    e.objects = objs;
    e.object_count = ev->object != NULL ? 1 : 0;
    e.outcome = ev->outcome;
    e.reason = ev->reason;
    e.extra_json = ev->extra_json;
    /* the home's handle, kept open while its files stay the same (azk_audit_keep) */
    rc = azk_audit_keep(&h->ledger, h->path);
    if (rc != AZK_OK)
        return rc;
    return azk_audit_append(h->ledger, &e, out_index);
}

azk_status azk_store__tx_begin(azk_home *h)
{
    AZK_ASSERT_ARG(h != NULL && h->cat != NULL);
    return azk_db_begin(h->cat);
}

azk_status azk_store__tx_end(azk_home *h, azk_status rc)
{
    if (rc == AZK_OK)
        return azk_db_commit(h->cat); /* rolls back itself on failure */
    azk_db_rollback(h->cat);
    return rc;
}

azk_status azk_store__tx_prepare(azk_home *h, azk_db_stmt **st, const char *sql, const char *what)
{
    azk_status rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, st, sql, what);
    if (rc != AZK_OK)
        return azk_store__tx_end(h, rc);
    return AZK_OK;
}

azk_status azk_store__tx_write(azk_home *h, azk_db_stmt *st, const struct azk_store_event *ev,
                               const char *if_none)
{
    azk_status rc = azk_db_run(st);
    if (rc == AZK_OK && if_none != NULL && azk_db_changes(st) == 0)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "%s", if_none);
    azk_db_finalize(st);
    if (rc == AZK_OK && ev != NULL)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__run_texts(azk_home *h, const char *what, const char *sql,
                                const char *const *texts, size_t n, int64_t *changes)
{
    azk_db_stmt *st = NULL;
    azk_status rc = azk_db_prepare(h->cat, &st, sql, what);
    if (rc != AZK_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        azk_db_bind_text(st, (int)i + 1, texts[i]);
    rc = azk_db_run(st);
    if (rc == AZK_OK && changes != NULL)
        *changes = azk_db_changes(st);
    azk_db_finalize(st);
    return rc;
}

void azk_store__col_copy(azk_db_stmt *st, int col, char *dst, size_t cap)
{
    const char *v = azk_db_col_text(st, col);
    (void)snprintf(dst, cap, "%s", v != NULL ? v : "");
}

azk_status azk_store__exists(azk_home *h, const char *what, const char *sql, const char *v,
                             bool *yes)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int step;
    *yes = false;
    rc = azk_db_prepare(h->cat, &st, sql, what);
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, v);
    step = azk_db_step(st);
    if (step == AZK_DB_ROW)
        *yes = true;
    else if (step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

void azk_store__test_gate(const char *step)
{
#ifndef AZK_TESTING
    (void)step;
#else
    const char *g = getenv("AZK_TEST_GATE");
    const char *f = getenv("AZK_TEST_GATE_FILE");
    struct timespec ts = {0, 10 * 1000 * 1000};
    int fd;
    if (g == NULL || f == NULL || step == NULL || strcmp(g, step) != 0)
        return;
    fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    close(fd);
    while (access(f, F_OK) == 0)
        (void)nanosleep(&ts, NULL);
#endif
}
