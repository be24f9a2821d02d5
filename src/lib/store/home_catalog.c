/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/home_catalog.c -- which catalog a home uses (store/home_catalog.h):
 * the "catalog" key of <home>/azukari.conf (JSON, top level, beside the
 * "guard" and "retention" sections), a caller's override, or the home's
 * own SQLite file; recording the choice at `init`; and, until
 * store/schema.c takes over, the PostgreSQL tables of a new catalog.
 */
#include "store/home_catalog.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

azk_status azk_store__catalog_target(const char *home, const char *override, char **out)
{
    azk_status rc = AZK_OK;
    azk_buf p = AZK_BUF_INIT;
    json_t *root = NULL;
    json_error_t jerr;
    struct stat sb;
    const char *t = NULL;

    *out = NULL;
    if (override != NULL) {
        if (!azk_db_is_url(override))
            return azk_error_set(AZK_ERR_ARG,
                                 "catalog: not a PostgreSQL URL (postgresql://...); the home's "
                                 "own SQLite catalog needs no option");
        t = override;
        goto found;
    }
    rc = azk_buf_printf(&p, "%s/azukari.conf", home);
    if (rc != AZK_OK)
        goto done;
    if (stat((const char *)p.data, &sb) == 0) {
        json_t *c;
        root = json_load_file((const char *)p.data, JSON_REJECT_DUPLICATES, &jerr);
        if (root == NULL || !json_is_object(root)) {
            rc = azk_error_set(AZK_ERR_FORMAT, "config: azukari.conf: line %d: not a JSON object",
                               root == NULL ? jerr.line : 1);
            goto done;
        }
        c = json_object_get(root, "catalog");
        if (c != NULL) {
            if (!json_is_string(c) || !azk_db_is_url(json_string_value(c))) {
                rc = azk_error_set(AZK_ERR_FORMAT,
                                   "config: azukari.conf: \"catalog\" must be a PostgreSQL URL "
                                   "string (postgresql://...)");
                goto done;
            }
            t = json_string_value(c);
        }
    }
    if (t == NULL) {
        azk_buf_clear(&p);
        rc = azk_buf_printf(&p, "%s/catalog.db", home);
        if (rc != AZK_OK)
            goto done;
        t = (const char *)p.data;
    }
found:
    *out = azk_strdup(t);
    if (*out == NULL)
        rc = azk_error_nomem();
done:
    json_decref(root);
    azk_buf_dispose(&p);
    return rc;
}

azk_status azk_store__catalog_record(const char *home, const char *url)
{
    azk_status rc = AZK_OK;
    azk_buf p = AZK_BUF_INIT;
    azk_buf tmp = AZK_BUF_INIT;
    json_t *root = NULL;
    json_error_t jerr;
    struct stat sb;
    char *text = NULL;
    int fd = -1;
    size_t n, off = 0;

    rc = azk_buf_printf(&p, "%s/azukari.conf", home);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&tmp, "%s/azukari.conf.tmp.%ld", home, (long)getpid());
    if (rc != AZK_OK)
        goto done;
    if (stat((const char *)p.data, &sb) == 0) {
        root = json_load_file((const char *)p.data, JSON_REJECT_DUPLICATES, &jerr);
        if (root == NULL || !json_is_object(root)) {
            rc = azk_error_set(AZK_ERR_FORMAT, "config: azukari.conf: not a JSON object");
            goto done;
        }
    } else {
        root = json_object();
    }
    if (root == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    if (url == NULL)
        (void)json_object_del(root, "catalog");
    else if (json_object_set_new(root, "catalog", json_string(url)) != 0) {
        rc = azk_error_nomem();
        goto done;
    }
    text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (text == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    fd = open((const char *)tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = azk_error_errno("config: create azukari.conf");
        goto done;
    }
    n = strlen(text);
    while (off < n) {
        ssize_t w = write(fd, text + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = azk_error_errno("config: write azukari.conf");
            goto done;
        }
        off += (size_t)w;
    }
    if (write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
        rc = azk_error_errno("config: write azukari.conf");
        goto done;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = azk_error_errno("config: write azukari.conf");
        goto done;
    }
    fd = -1;
    if (rename((const char *)tmp.data, (const char *)p.data) != 0)
        rc = azk_error_errno("config: replace azukari.conf");
done:
    if (fd >= 0)
        close(fd);
    if (rc != AZK_OK && tmp.data != NULL)
        (void)unlink((const char *)tmp.data);
    azk_free(text); /* jansson allocates through azk_malloc (util/init.c) */
    json_decref(root);
    azk_buf_dispose(&p);
    azk_buf_dispose(&tmp);
    return rc;
}

azk_status azk_store__catalog_exists(azk_db *db, bool *exists)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int r;
    *exists = false;
    rc = azk_db_prepare(db, &st,
                        azk_db_kind(db) == AZK_DB_POSTGRES
                            ? "SELECT 1 FROM information_schema.tables"
                              " WHERE table_schema = current_schema() AND table_name = 'meta'"
                            : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                        "look for a catalog");
    if (rc != AZK_OK)
        return rc;
    r = azk_db_step(st);
    if (r == AZK_DB_ROW)
        *exists = true;
    else if (r != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}
