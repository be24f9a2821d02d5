/* SPDX-License-Identifier: Apache-2.0 */
/*
 * impact/impact.c -- incident impact analysis (azukari/impact.h).
 *
 * 1. Fingerprints of every active dataset go to a private temporary
 *    directory (mkdtemp, 0700; keyed hashes only, never values) and the
 *    scanner runs over the stolen paths with them: every object's "edm"
 *    hits (client, dataset, rows) are collected, deduplicated in place so
 *    memory stays bounded by the distinct rows found.
 * 2. Each dataset with hits is opened from the vault (ledger "vault.open",
 *    reason "impact analysis"), streamed to the decoder through a socket
 *    pair (xlsx: a wiped memory buffer, zip needs its directory), decoded by
 *    the decode stage exactly as intake read it (same forced encoding, rows
 *    counted the same way, columns by position); the matched rows' personal
 *    fields go to two linkage engines: one per client, one across clients.
 *    A row the fingerprints pointed at is a candidate: it counts only when
 *    the evidence of the scanned window (128-bit hashes of its values under
 *    a key of this run, held in memory) agrees exactly with the decrypted
 *    row's own values by the confirmation rule (match/confirm.c), so the
 *    counts do not depend on the scanning key.
 * 3. Counts per dataset and client come from the engines' person ids (a
 *    record without a usable field counts as its own person: 本人の数 is
 *    never under-counted). Items (項目) are the kinds of the matched rows'
 *    non-empty personal fields (the match module does not say which fields
 *    matched; the rows hold these items, so they are what may have leaked);
 *    kinds_seen narrows them to the kinds whose detector type was found in
 *    the stolen objects that held the dataset's records.
 * 4. Clients with a public key get their notification list (person,
 *    dataset, row, all fields of the row) sealed to that key (seal.c).
 * Nothing here writes a value in clear: plaintext stays in memory buffers
 * that are wiped before they are freed.
 *
 * This file: the scan's hits, the temporary fingerprint directory,
 * catalog facts and the run; reading matched rows back from the vault and
 * counting persons is impact_rows.c (shared: impact_run.h).
 */
#include "impact/impact_int.h"
#include "decode/decode.h"
#include "detect/detect.h"
#include "norm/datetime.h"
#include "match/match.h"
#include "scan/scan_int.h"
#include "azukari/audit.h"
#include "azukari/catalog.h"
#include "azukari/fingerprint.h"
#include "azukari/link.h"
#include "azukari/scan.h"
#include "azukari/vault.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "impact/impact_run.h"

/* ---- hits of the scan ----------------------------------------------------- */

int azk_impact__cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void hitset_unique(struct hitset *s)
{
    size_t o = 0;
    if (s->n == 0)
        return;
    qsort(s->rows, s->n, sizeof(*s->rows), azk_impact__cmp_u64);
    for (size_t i = 0; i < s->n; i++)
        if (o == 0 || s->rows[o - 1] != s->rows[i])
            s->rows[o++] = s->rows[i];
    s->n = o;
    s->uniq = o;
}

static azk_status hitset_add(struct hitset *s, const uint64_t *rows, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (s->n == s->cap) {
            size_t nc;
            uint64_t *g;
            /* fold duplicates first: memory follows the distinct rows */
            hitset_unique(s);
            if (s->n < s->cap / 2 + 1 && s->cap > 0)
                goto put;
            if (azk_mul_overflow(&nc, s->cap < 64 ? 64 : s->cap, 2))
                return azk_error_nomem();
            g = azk_realloc(s->rows, nc * sizeof(*g));
            if (g == NULL)
                return azk_error_nomem();
            s->rows = g;
            s->cap = nc;
        }
put:
        s->rows[s->n++] = rows[i];
    }
    return AZK_OK;
}

static struct hitset *hitset_get(struct collector *c, const char *client, const char *dataset)
{
    struct hitset *s;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->sets[i].dataset, dataset) == 0 && strcmp(c->sets[i].client, client) == 0)
            return &c->sets[i];
    if (c->n == c->cap) {
        size_t nc = c->cap == 0 ? 8 : c->cap * 2;
        struct hitset *g = azk_realloc(c->sets, nc * sizeof(*g));
        if (g == NULL)
            return NULL;
        c->sets = g;
        c->cap = nc;
    }
    s = &c->sets[c->n];
    memset(s, 0, sizeof(*s));
    s->client = azk_strdup(client);
    s->dataset = azk_strdup(dataset);
    if (s->client == NULL || s->dataset == NULL) {
        azk_free(s->client);
        azk_free(s->dataset);
        return NULL;
    }
    c->n++;
    return s;
}

static azk_status on_result(const azk_scan_result *r, void *payload)
{
    struct collector *c = payload;
    c->objects++;
    /* the evidence this thread gave for these rows was this object's */
    if (c->ev != NULL)
        azk_impact__evstore_object_done(c->ev, c->objects - 1, r->edm, r->edm_count);
    if (r->error != AZK_OK)
        c->errors++;
    if (c->err != AZK_OK)
        return AZK_OK;
    for (size_t i = 0; i < r->edm_count; i++) {
        const azk_scan_edm *e = &r->edm[i];
        struct hitset *s = hitset_get(c, e->client, e->dataset);
        if (s == NULL) {
            c->err = azk_error_nomem();
            return AZK_OK;
        }
        c->err = hitset_add(s, e->rows, e->row_count);
        if (c->err == AZK_OK && azk_array_reserve(&c->obj_pii, &c->obj_cap, (size_t)c->objects,
                                                  sizeof(*c->obj_pii), 256) != AZK_OK)
            c->err = azk_error_nomem();
        if (c->err != AZK_OK)
            return AZK_OK;
        c->obj_pii[c->objects - 1] = 0;
        for (int t = 0; t < AZK_PII__COUNT; t++)
            if (r->counts[t] > 0)
                c->obj_pii[c->objects - 1] |= 1u << t;
    }
    return AZK_OK;
}

static int cmp_hitset(const void *a, const void *b)
{
    const struct hitset *x = a;
    const struct hitset *y = b;
    int d = strcmp(x->client, y->client);
    return d != 0 ? d : strcmp(x->dataset, y->dataset);
}

static void collector_dispose(struct collector *c)
{
    for (size_t i = 0; i < c->n; i++) {
        azk_free(c->sets[i].client);
        azk_free(c->sets[i].dataset);
        azk_free(c->sets[i].rows);
    }
    azk_free(c->sets);
    azk_free(c->obj_pii);
}

/* ---- temporary fingerprint directory ------------------------------------ */
struct tmpdir {
    azk_buf dir, fp, key;
};

static azk_status tmpdir_make(struct tmpdir *t)
{
    const char *base = getenv("TMPDIR");
    azk_status rc;
    if (base == NULL || base[0] != '/')
        base = "/tmp";
    rc = azk_buf_printf(&t->dir, "%s/azk-impact-XXXXXX", base);
    if (rc != AZK_OK)
        return rc;
    if (mkdtemp((char *)t->dir.data) == NULL) {
        azk_buf_clear(&t->dir);
        return azk_error_errno("impact: create a temporary directory");
    }
    rc = azk_buf_printf(&t->fp, "%s/fingerprints.azf", (const char *)t->dir.data);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&t->key, "%s/fingerprints.key", (const char *)t->dir.data);
    return rc;
}

static void tmpdir_remove(struct tmpdir *t)
{
    if (t->dir.len > 0) {
        if (t->fp.len > 0)
            (void)unlink((const char *)t->fp.data);
        if (t->key.len > 0)
            (void)unlink((const char *)t->key.data);
        (void)rmdir((const char *)t->dir.data);
    }
    azk_buf_dispose(&t->dir);
    azk_buf_dispose(&t->fp);
    azk_buf_dispose(&t->key);
}

/* ---- catalog facts -------------------------------------------------------- */

struct dsinfo {
    azk_impact_dataset *out;
    char *schema_json;
    char *encoding;
    char *format;
};

static azk_status copy_str(char **dst, const char *s)
{
    *dst = azk_strdup(s != NULL ? s : "");
    return *dst == NULL ? azk_error_nomem() : AZK_OK;
}

static azk_status on_dataset(const azk_dataset_info *d, void *payload)
{
    struct dsinfo *di = payload;
    azk_impact_dataset *o = di->out;
    azk_status rc = copy_str(&o->purpose, d->purpose);
    if (rc == AZK_OK)
        rc = copy_str(&o->retain_until, d->retain_until);
    if (rc == AZK_OK)
        rc = copy_str(&o->source_name, d->source_name);
    if (rc == AZK_OK)
        rc = copy_str(&o->created_at, d->created_at);
    if (rc == AZK_OK)
        rc = copy_str(&di->schema_json, d->schema_json);
    if (rc == AZK_OK)
        rc = copy_str(&di->encoding, d->encoding);
    if (rc == AZK_OK)
        rc = copy_str(&di->format, d->format);
    o->total = d->records;
    return rc;
}

static azk_status on_client(const azk_client_info *c, void *payload)
{
    azk_impact_result *r = payload;
    for (size_t i = 0; i < r->client_count; i++)
        if (strcmp(r->clients[i].client, c->id) == 0)
            return copy_str(&r->clients[i].name, c->name);
    return AZK_OK;
}

/* ---- dates ------------------------------------------------------------------ */

static void today(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    if (strftime(out, 11, "%Y-%m-%d", &tm) != 10)
        out[0] = '\0';
}

/* ---- the run ---------------------------------------------------------------- */

static azk_status add_client(azk_impact_result *r, const char *client)
{
    azk_impact_client *g;
    if (r->client_count > 0 && strcmp(r->clients[r->client_count - 1].client, client) == 0)
        return AZK_OK;
    g = azk_realloc(r->clients, (r->client_count + 1) * sizeof(*g));
    if (g == NULL)
        return azk_error_nomem();
    r->clients = g;
    memset(&g[r->client_count], 0, sizeof(*g));
    g[r->client_count].client = azk_strdup(client);
    if (g[r->client_count].client == NULL)
        return azk_error_nomem();
    r->client_count++;
    return AZK_OK;
}

static azk_status record_event(azk_home *h, const azk_impact_result *r)
{
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    const char **objs = NULL;
    char extra[512];
    azk_status rc;
    size_t n = r->dataset_count < 1000 ? r->dataset_count : 1000;
    if (n > 0) {
        objs = azk_calloc(n, sizeof(*objs));
        if (objs == NULL)
            return azk_error_nomem();
        for (size_t i = 0; i < n; i++)
            objs[i] = r->datasets[i].dataset;
    }
    snprintf(extra, sizeof(extra),
             "{\"clients\":%zu,\"datasets\":%zu,\"records\":%llu,\"persons\":%llu,"
             "\"persons_by_client\":%llu,\"objects\":%llu,\"objects_hit\":%llu,"
             "\"errors\":%llu,\"as_of\":\"%s\",\"strict\":%llu,\"name_birth\":%llu,"
             "\"household\":%llu}",
             r->client_count, r->dataset_count, (unsigned long long)r->records,
             (unsigned long long)r->persons, (unsigned long long)r->persons_by_client,
             (unsigned long long)r->objects, (unsigned long long)r->objects_hit,
             (unsigned long long)r->errors, r->as_of, (unsigned long long)r->strict,
             (unsigned long long)r->name_birth, (unsigned long long)r->household);
    ev.action = "impact";
    ev.objects = objs;
    ev.object_count = n;
    ev.extra_json = extra;
    rc = azk_audit_record(azk_home_path(h), &ev);
    azk_free(objs);
    return rc;
}

azk_status azk_impact_run(azk_home *h, const char *const *paths, size_t path_count,
                          const azk_impact_options *o_in, azk_impact_result *out)
{
    static const azk_impact_options o_def = AZK_IMPACT_OPTIONS_INIT;
    azk_impact_options o_v;
    const azk_impact_options *o = &o_v;
    azk_status rc;
    azk_impact_options defo = AZK_IMPACT_OPTIONS_INIT;
    struct collector col;
    struct tmpdir td = {AZK_BUF_INIT, AZK_BUF_INIT, AZK_BUF_INIT};
    azk_fp_export_info fpi;
    azk_scan_options so = AZK_SCAN_OPTIONS_INIT;
    azk_scanner *sc = NULL;
    azk_scan_stats stats;
    azk_link_options lo = AZK_LINK_OPTIONS_INIT;
    azk_link *all = NULL;
    struct client_run cr;
    struct azk_vault_schema sch;
    int64_t asof_days = 0;
    size_t ds_first = 0;
    struct azk_impact_evstore ev;
    uint8_t ckey[32];
    uint32_t *obj_mark = NULL; /* per object: last dataset (index + 1) it held a row of */
    bool *obj_hit = NULL;      /* per object: holds a confirmed row */

    if (azk__options_in(&o_v, sizeof(o_v), &o_def, o_in, false, "azk_impact_run") != AZK_OK)
        return azk_error_last()->code;
    AZK_ASSERT_ARG(h != NULL && out != NULL && (paths != NULL || path_count == 0));
    azk_error_clear();
    memset(out, 0, sizeof(*out));
    memset(&col, 0, sizeof(col));
    memset(&cr, 0, sizeof(cr));
    memset(&sch, 0, sizeof(sch));
    memset(&ev, 0, sizeof(ev));
    pthread_mutex_init(&ev.mu, NULL);
    /* the confirmation key of this run: in memory only, never written */
    randombytes_buf(ckey, sizeof(ckey));
    if (o == NULL)
        o = &defo;
    if (path_count == 0) {
        rc = azk_error_set(AZK_ERR_ARG, "impact: no path to analyse");
        goto done;
    }
    if (o->population != 0 && !(o->population >= AZK_MATCH_PEOPLE && o->population <= 1e10)) {
        rc = azk_error_set(AZK_ERR_ARG, "impact: the population must be from 1,000,000 to "
                                        "10,000,000,000 people (or 0: the default)");
        goto done;
    }
    if (o->as_of != NULL) {
        if (!azk_date__parse_day(o->as_of, &asof_days)) {
            rc = azk_error_set(AZK_ERR_ARG, "impact: --as-of is not a date YYYY-MM-DD");
            goto done;
        }
        azk_date__format_day(asof_days, out->as_of);
    } else {
        today(out->as_of);
        (void)azk_date__parse_day(out->as_of, &asof_days);
    }
    if (o->link_threshold <= 0 || o->link_threshold >= 1) {
        rc = azk_error_set(AZK_ERR_ARG, "impact: link threshold must be between 0 and 1");
        goto done;
    }
    lo.threshold = o->link_threshold;
    lo.threads = o->threads ? o->threads : 2;

    /* 1. fingerprints of every active dataset, privately */
    rc = tmpdir_make(&td);
    if (rc != AZK_OK)
        goto done;
    rc =
        azk_fingerprints_export(h, (const char *)td.fp.data, (const char *)td.key.data, NULL, &fpi);
    if (rc == AZK_ERR_NOTFOUND) {
        azk_error_clear();
        rc = record_event(h, out);
        goto done; /* nothing entrusted: nothing can be in the files */
    }
    if (rc != AZK_OK)
        goto done;
    out->datasets_all = fpi.datasets;

    /* 2. scan */
    so.threads = o->threads ? o->threads : 2;
    so.fingerprints = (const char *)td.fp.data;
    so.fingerprint_key = (const char *)td.key.data;
    so.encoding = o->encoding;
    rc = azk_scanner_new(&sc, &so);
    if (rc == AZK_OK)
        rc = azk_scan__scanner_set_confirm(sc, ckey, azk_impact__on_evidence, &ev);
    if (rc != AZK_OK)
        goto done;
    memset(&stats, 0, sizeof(stats));
    col.ev = &ev;
    rc = azk_scanner_run(sc, paths, path_count, on_result, &col, &stats);
    if (rc == AZK_OK)
        rc = col.err;
    if (rc == AZK_OK && ev.err != AZK_OK)
        rc = azk_error_set(ev.err, "%s", ev.msg);
    if (rc != AZK_OK)
        goto done;
    out->objects = col.objects;
    /* objects holding a confirmed row (counted after confirmation) */
    out->objects_hit = 0;
    if (col.objects > 0) {
        obj_mark = azk_calloc((size_t)col.objects, sizeof(*obj_mark));
        obj_hit = azk_calloc((size_t)col.objects, sizeof(*obj_hit));
        if (obj_mark == NULL || obj_hit == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
    }
    out->errors = col.errors;
    out->files = stats.files;
    tmpdir_remove(&td);
    for (size_t i = 0; i < col.n; i++)
        hitset_unique(&col.sets[i]);
    azk_impact__evstore_sort(&ev);
    if (col.n > 0)
        qsort(col.sets, col.n, sizeof(*col.sets), cmp_hitset);

    /* 3. the matched rows, client by client */
    out->datasets = azk_calloc(col.n ? col.n : 1, sizeof(*out->datasets));
    if (out->datasets == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    rc = azk_link_new(&all, &lo);
    if (rc != AZK_OK)
        goto done;
    for (size_t i = 0; i < col.n; i++) {
        struct hitset *hs = &col.sets[i];
        azk_impact_dataset *d = &out->datasets[i];
        struct dsinfo di = {d, NULL, NULL, NULL};
        struct reader rd;
        int64_t until;
        uint32_t pii;
        out->dataset_count = i + 1;
        rc = copy_str(&d->client, hs->client);
        if (rc == AZK_OK)
            rc = copy_str(&d->dataset, hs->dataset);
        if (rc == AZK_OK)
            rc = azk_dataset_get(h, hs->dataset, on_dataset, &di);
        if (rc == AZK_OK)
            rc = azk_vault__schema_parse(&sch, di.schema_json, d->dataset);
        if (rc != AZK_OK) {
            azk_free(di.schema_json);
            azk_free(di.encoding);
            azk_free(di.format);
            goto done;
        }
        d->candidates = hs->n;
        if (azk_date__parse_day(d->retain_until, &until) && until < asof_days) {
            d->past_deadline = true;
            d->days_overdue = (uint64_t)(asof_days - until);
        }
        if (cr.lk == NULL) {
            /* first dataset of a new client */
            ds_first = i;
            rc = add_client(out, d->client);
            if (rc == AZK_OK)
                rc = azk_link_new(&cr.lk, &lo);
            if (rc != AZK_OK) {
                azk_free(di.schema_json);
                azk_free(di.encoding);
                azk_free(di.format);
                goto done;
            }
            cr.keep_list = o->list_dir != NULL && azk_impact__key_of(o, d->client) != NULL;
        }
        memset(&rd, 0, sizeof(rd));
        rd.hits = hs;
        rd.schema = &sch;
        rd.cr = &cr;
        rd.all = all;
        rd.ds_index = (uint32_t)i;
        rd.file_local = (uint32_t)(i - ds_first);
        rd.ds = d;
        rd.ev = azk_impact__evstore_find(&ev, hs->client, hs->dataset);
        rd.confirm_key = ckey;
        rd.people = o->population;
        /* first pass: the dataset's family and given names counted (how rare a name is) */
        rc = azk_match__namefreq_new(&rd.nf);
        if (rc == AZK_OK) {
            rd.counting = true;
            rc = azk_impact__read_dataset(h, &rd, di.format, di.encoding);
            rd.counting = false;
            rd.have_header = false;
            rd.row = 0;
            rd.depth = 0;
        }
        if (rc == AZK_OK)
            rc = azk_impact__read_dataset(h, &rd, di.format, di.encoding);
        azk_match__namefreq_free(rd.nf);
        rd.nf = NULL;
        d->records = rd.matched;
        /* objects and the types seen in them: those holding a confirmed row */
        azk_impact__confirmed_objects(&rd, obj_mark, (uint32_t)i + 1, obj_hit, col.obj_pii,
                                      col.objects, &d->objects, &pii);
        azk_free(rd.conf);
        azk_free(rd.cobj);
        azk_buf_dispose_secret(&rd.tmp);
        azk_buf_dispose_secret(&rd.norm);
        for (int k = 0; k < AZK_COL__COUNT; k++) {
            int t = azk_column_kind__pii((azk_column_kind)k);
            if ((d->kinds & (1u << k)) && t >= 0 && (pii & (1u << t)))
                d->kinds_seen |= 1u << k;
        }
        azk_free(rd.vals);
        azk_free(di.schema_json);
        azk_free(di.encoding);
        azk_free(di.format);
        azk_vault__schema_dispose(&sch);
        if (rc != AZK_OK)
            goto done;
        if (i + 1 == col.n || strcmp(col.sets[i + 1].client, d->client) != 0) {
            azk_impact_client *c = &out->clients[out->client_count - 1];
            rc = azk_impact__finish_client(&cr, out, c, ds_first, i + 1, o);
            azk_impact__client_run_dispose(&cr);
            if (rc != AZK_OK)
                goto done;
        }
    }
    for (uint64_t k = 0; k < col.objects; k++)
        out->objects_hit += obj_hit[k];
    /* datasets and clients without a confirmed record are not in the result: the
     * fingerprints pointed at rows whose values are not those of the files */
    {
        size_t kept = 0;
        for (size_t i = 0; i < out->dataset_count; i++) {
            azk_impact_dataset *d = &out->datasets[i];
            out->candidates += d->candidates;
            out->probable += d->probable;
            out->strict += d->strict;
            out->name_birth += d->name_birth;
            out->household += d->household;
            out->name_birth_other += d->name_birth_other;
            out->household_other += d->household_other;
            if (d->records > 0) {
                out->datasets[kept++] = *d;
                continue;
            }
            azk_free(d->client);
            azk_free(d->dataset);
            azk_free(d->purpose);
            azk_free(d->retain_until);
            azk_free(d->source_name);
            azk_free(d->created_at);
        }
        out->dataset_count = kept;
        kept = 0;
        for (size_t c = 0; c < out->client_count; c++) {
            azk_impact_client *cl = &out->clients[c];
            bool any = false;
            for (size_t i = 0; i < out->dataset_count && !any; i++)
                any = strcmp(out->datasets[i].client, cl->client) == 0;
            if (any) {
                out->clients[kept++] = *cl;
                continue;
            }
            azk_free(cl->client);
            azk_free(cl->name);
            azk_free(cl->list_path);
        }
        out->client_count = kept;
    }
    /* 4. totals and across clients */
    for (size_t i = 0; i < out->dataset_count; i++) {
        azk_impact_dataset *d = &out->datasets[i];
        for (size_t c = 0; c < out->client_count; c++) {
            azk_impact_client *cl = &out->clients[c];
            if (strcmp(cl->client, d->client) != 0)
                continue;
            cl->records += d->records;
            cl->kinds |= d->kinds;
            cl->kinds_seen |= d->kinds_seen;
            cl->datasets++;
            if (d->past_deadline)
                cl->past_deadline++;
        }
        out->records += d->records;
        out->kinds |= d->kinds;
        out->kinds_seen |= d->kinds_seen;
    }
    for (size_t c = 0; c < out->client_count; c++) {
        out->persons_by_client += out->clients[c].persons;
        out->persons_strict_by_client += out->clients[c].persons_strict;
    }
    rc = azk_link_run(all);
    if (rc != AZK_OK)
        goto done;
    {
        azk_link_stats st;
        azk_link_get_stats(all, &st);
        out->persons = st.persons + st.unusable;
        out->unusable = st.unusable;
    }
    rc = azk_client_list(h, on_client, out);
    if (rc != AZK_OK)
        goto done;
    for (size_t c = 0; c < out->client_count; c++) {
        if (out->clients[c].name == NULL) {
            rc = copy_str(&out->clients[c].name, "");
            if (rc != AZK_OK)
                goto done;
        }
    }
    rc = record_event(h, out);
done:
    azk_impact__client_run_dispose(&cr);
    azk_vault__schema_dispose(&sch);
    azk_link_free(all);
    azk_scanner_free(sc);
    tmpdir_remove(&td);
    collector_dispose(&col);
    azk_impact__evstore_dispose(&ev);
    pthread_mutex_destroy(&ev.mu);
    azk_free(obj_mark);
    azk_free(obj_hit);
    sodium_memzero(ckey, sizeof(ckey));
    return rc;
}

void azk_impact_result_dispose(azk_impact_result *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->dataset_count; i++) {
        azk_impact_dataset *d = &r->datasets[i];
        azk_free(d->client);
        azk_free(d->dataset);
        azk_free(d->purpose);
        azk_free(d->retain_until);
        azk_free(d->source_name);
        azk_free(d->created_at);
    }
    azk_free(r->datasets);
    for (size_t i = 0; i < r->client_count; i++) {
        azk_free(r->clients[i].client);
        azk_free(r->clients[i].name);
        azk_free(r->clients[i].list_path);
    }
    azk_free(r->clients);
    memset(r, 0, sizeof(*r));
}

bool azk_impact_cause_parse(const char *s, azk_impact_cause *out)
{
    static const struct {
        const char *name;
        azk_impact_cause c;
    } t[] = {{"unauthorized-access", AZK_IMPACT_CAUSE_UNAUTHORIZED_ACCESS},
             {"theft", AZK_IMPACT_CAUSE_THEFT},
             {"error", AZK_IMPACT_CAUSE_ERROR},
             {"other", AZK_IMPACT_CAUSE_OTHER},
             {"unknown", AZK_IMPACT_CAUSE_UNKNOWN}};
    if (s == NULL || out == NULL)
        return false;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (strcmp(s, t[i].name) == 0) {
            *out = t[i].c;
            return true;
        }
    }
    return false;
}
