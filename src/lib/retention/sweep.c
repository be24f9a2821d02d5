/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/sweep.c -- the last step of a retention run: one scan of the
 * configured locations of both zones with the fingerprints exported
 * before the keys were destroyed, for a group of datasets that share that
 * file. A dataset is clean when no copy of its records is found, no
 * artifact removal was refused and at least one location was swept; the
 * verdict goes to the ledger first, then (with the residual copies found)
 * to the catalog in one store transaction (store/retention_state.h).
 */
#include "retention/run_int.h"
#include "store/retention_state.h"
#include "azukari/scan.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct hit {
    size_t at; /* index in the group */
    char *path, *member;
    uint64_t rows;
};

struct sweep_ctx {
    char **ids; /* the group, sorted */
    uint64_t *residuals;
    size_t n;
    struct hit *hits;
    size_t nhits, cap;
    azk_status rc;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static azk_status add_hit(struct sweep_ctx *c, size_t at, const azk_scan_result *res, uint64_t rows)
{
    azk_buf mem = AZK_BUF_INIT;
    azk_status rc = AZK_OK;
    struct hit *x;
    for (size_t k = 0; rc == AZK_OK && k < res->member_count; k++) {
        rc = azk_buf_puts(&mem, k > 0 ? "/" : "");
        if (rc == AZK_OK)
            rc = azk_buf_puts(&mem, res->member[k]);
    }
    if (rc == AZK_OK)
        rc = azk_array_reserve(&c->hits, &c->cap, c->nhits, sizeof(*c->hits), 16);
    if (rc != AZK_OK)
        goto done;
    x = &c->hits[c->nhits];
    x->at = at;
    x->rows = rows;
    x->path = azk_strdup(res->path);
    x->member = azk_strdup(mem.data != NULL ? (const char *)mem.data : "");
    c->nhits++;
    if (x->path == NULL || x->member == NULL)
        rc = azk_error_nomem();
done:
    azk_buf_dispose(&mem);
    return rc;
}

static azk_status sweep_cb(const azk_scan_result *res, void *payload)
{
    struct sweep_ctx *c = payload;
    for (size_t i = 0; i < res->edm_count; i++) {
        const char *key = res->edm[i].dataset;
        char **hit;
        size_t at;
        if (res->edm[i].row_count == 0)
            continue;
        hit = bsearch(&key, c->ids, c->n, sizeof(*c->ids), cmp_str);
        if (hit == NULL)
            continue;
        at = (size_t)(hit - c->ids);
        c->residuals[at]++;
        if (c->rc == AZK_OK)
            c->rc = add_hit(c, at, res, (uint64_t)res->edm[i].row_count);
    }
    return AZK_OK; /* a failure is kept in c->rc and ends the run after the scan */
}

static azk_status json_paths(json_t *arr, const char *const *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(arr, json_string(p[i])) != 0)
            return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    return AZK_OK;
}

/* One dataset's verdict: the sweep record, in the ledger; *out_json (jansson's text) for the
 * catalog. */
static azk_status verdict(struct azk_ret_run *r, const char *ds, uint64_t residuals,
                          const azk_scan_stats *stats, size_t np, bool *clean, char **out_json)
{
    azk_status rc;
    json_t *sj = NULL;
    char *sjs = NULL;
    char nowiso[32];
    uint64_t refused = 0;
    *out_json = NULL;
    rc = azk_store__ret_refused_count(r->h, ds, &refused);
    if (rc != AZK_OK)
        return rc;
    *clean = residuals == 0 && refused == 0 && np > 0;
    azk_ret__iso((int64_t)time(NULL), nowiso);
    sj = json_pack("{s:s,s:[],s:[],s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:I}", "swept_at", nowiso, "closed",
                   "general", "files", (json_int_t)stats->files, "objects",
                   (json_int_t)stats->objects, "bytes", (json_int_t)stats->bytes, "errors",
                   (json_int_t)stats->errors, "cached", (json_int_t)stats->cached, "residuals",
                   (json_int_t)residuals, "result",
                   *clean ? "clean" : (np == 0 ? "no sweep locations configured" : "residual"),
                   "refused_artifacts", (json_int_t)refused);
    if (sj == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    rc = json_paths(json_object_get(sj, "closed"), r->o->sweep_paths, r->o->sweep_path_count);
    if (rc == AZK_OK)
        rc = json_paths(json_object_get(sj, "general"), r->o->sweep_paths_general,
                        r->o->sweep_path_general_count);
    if (rc != AZK_OK)
        goto done;
    sjs = json_dumps(sj, JSON_COMPACT | JSON_SORT_KEYS);
    if (sjs == NULL) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = azk_ret__audit(r->h, *clean ? "retention.clean" : "retention.incomplete", ds,
                        *clean ? NULL : "incomplete", NULL, sjs, NULL);
    if (rc != AZK_OK)
        goto done;
    if (*clean) {
        r->sum->clean++;
        azk_ret__progress(r, ds, "clean", NULL);
    } else {
        char det[96];
        r->sum->incomplete++;
        (void)snprintf(det, sizeof(det), "%llu residual copies, %llu refused artifacts",
                       (unsigned long long)residuals, (unsigned long long)refused);
        azk_ret__progress(r, ds, "incomplete", np == 0 ? "no sweep locations configured" : det);
    }
    *out_json = sjs;
    sjs = NULL;
done:
    json_decref(sj);
    free(sjs); /* jansson's allocator; checksrc: ok */
    return rc;
}

/* The verdicts of the group, with their residual copies, in one store transaction. */
static azk_status record(struct azk_ret_run *r, struct sweep_ctx *c, char **json, const bool *clean)
{
    azk_status rc = AZK_OK;
    struct azk_store_verdict *v = azk_calloc(c->n, sizeof(*v));
    struct azk_store_residual *res = azk_calloc(c->nhits > 0 ? c->nhits : 1, sizeof(*res));
    size_t k = 0;
    if (v == NULL || res == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (size_t i = 0; i < c->n; i++) {
        v[i].dataset = c->ids[i];
        v[i].state = clean[i] ? "clean" : "incomplete";
        v[i].sweep_json = json[i];
        v[i].residuals = c->residuals[i];
        v[i].res = res + k;
        for (size_t j = 0; j < c->nhits; j++) {
            if (c->hits[j].at != i)
                continue;
            res[k].path = c->hits[j].path;
            res[k].member = c->hits[j].member;
            res[k].rows = c->hits[j].rows;
            k++;
            v[i].res_count++;
        }
    }
    rc = azk_store__ret_record_sweep(r->h, v, c->n);
done:
    azk_free(v);
    azk_free(res);
    return rc;
}

azk_status azk_ret__sweep_group(struct azk_ret_run *r, char **ids, size_t n, const char *batch)
{
    azk_status rc;
    azk_buf fp = AZK_BUF_INIT, key = AZK_BUF_INIT;
    azk_scan_options so = AZK_SCAN_OPTIONS_INIT;
    azk_scanner *sc = NULL;
    azk_scan_stats stats;
    struct sweep_ctx c;
    const char **paths = NULL;
    char **json = NULL;
    bool *clean = NULL;
    size_t np = r->o->sweep_path_count + r->o->sweep_path_general_count;

    memset(&c, 0, sizeof(c));
    memset(&stats, 0, sizeof(stats));
    c.ids = ids;
    c.n = n;
    c.residuals = azk_calloc(n, sizeof(*c.residuals));
    json = azk_calloc(n, sizeof(*json));
    clean = azk_calloc(n, sizeof(*clean));
    if (c.residuals == NULL || json == NULL || clean == NULL) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = azk_ret__fp_paths(r->h, batch, &fp, &key);
    if (rc != AZK_OK)
        goto done;
    if (access((const char *)fp.data, R_OK) != 0) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "the exported fingerprints of the datasets are "
                                             "missing: the sweep cannot run");
        goto done;
    }
    if (np > 0) {
        paths = azk_calloc(np, sizeof(*paths));
        if (paths == NULL) {
            rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < r->o->sweep_path_count; i++)
            paths[i] = r->o->sweep_paths[i];
        for (size_t i = 0; i < r->o->sweep_path_general_count; i++)
            paths[r->o->sweep_path_count + i] = r->o->sweep_paths_general[i];
        so.fingerprints = (const char *)fp.data;
        so.fingerprint_key = (const char *)key.data;
        so.cache_path = r->o->cache_path;
        so.threads = r->o->threads;
        rc = azk_scanner_new(&sc, &so);
        if (rc != AZK_OK)
            goto done;
        rc = azk_scanner_run(sc, paths, np, sweep_cb, &c, &stats);
        if (rc == AZK_OK)
            rc = c.rc;
        if (rc != AZK_OK)
            goto done;
    }
    r->sum->files_swept += stats.files;
    r->sum->bytes_swept += stats.bytes;
    r->sum->sweep_seconds += stats.seconds;
    for (size_t i = 0; rc == AZK_OK && i < n; i++)
        rc = verdict(r, ids[i], c.residuals[i], &stats, np, &clean[i], &json[i]);
    if (rc == AZK_OK)
        rc = record(r, &c, json, clean);
done:
    azk_scanner_free(sc);
    azk_free(paths);
    for (size_t i = 0; json != NULL && i < n; i++)
        free(json[i]); /* jansson's allocator; checksrc: ok */
    azk_free(json);
    azk_free(clean);
    for (size_t i = 0; i < c.nhits; i++) {
        azk_free(c.hits[i].path);
        azk_free(c.hits[i].member);
    }
    azk_free(c.hits);
    azk_free(c.residuals);
    azk_buf_dispose(&fp);
    azk_buf_dispose(&key);
    return rc;
}
