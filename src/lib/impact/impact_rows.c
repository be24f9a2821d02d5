/* SPDX-License-Identifier: Apache-2.0 */
/*
 * impact/impact_rows.c -- an impact run's matched rows: each dataset's
 * vault file decoded again (the rows the scan matched, nothing else kept),
 * confirmed against the scan's evidence, their fields written to the
 * client's sealed notification list, and the persons counted by linkage
 * (名寄せ) within and across datasets. Part of the run in impact.c
 * (shared: impact_run.h).
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

#define IMPACT_REASON "impact analysis"

/* ---- reading a dataset's matched rows from the vault --------------------- */

static azk_status json_str(azk_buf *b, const char *s, size_t n)
{
    azk_status rc = azk_buf_putc(b, '"');
    for (size_t i = 0; i < n && rc == AZK_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            rc = azk_buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            rc = azk_buf_printf(b, "\\u%04x", c);
        else
            rc = azk_buf_putc(b, c);
    }
    if (rc == AZK_OK)
        rc = azk_buf_putc(b, '"');
    return rc;
}

static azk_status list_entry(struct reader *rd, const azk_record *rec, size_t link_index)
{
    struct client_run *cr = rd->cr;
    struct entry *e;
    size_t off = cr->list.len;
    azk_status rc;
    if (cr->nents == cr->capents) {
        size_t nc = cr->capents == 0 ? 64 : cr->capents * 2;
        struct entry *g = azk_realloc(cr->ents, nc * sizeof(*g));
        if (g == NULL)
            return azk_error_nomem();
        cr->ents = g;
        cr->capents = nc;
    }
    e = &cr->ents[cr->nents];
    e->link_index = link_index;
    e->ds = rd->ds_index;
    e->row = rd->row;
    e->strict = rd->row_strict;
    e->off = off;
    e->len = 0;
    if (!cr->keep_list) {
        cr->nents++;
        return AZK_OK;
    }
    rc = azk_buf_puts(&cr->list, "\"client\":");
    if (rc == AZK_OK)
        rc = json_str(&cr->list, rd->ds->client, strlen(rd->ds->client));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&cr->list, ",\"dataset\":");
    if (rc == AZK_OK)
        rc = json_str(&cr->list, rd->ds->dataset, strlen(rd->ds->dataset));
    if (rc == AZK_OK)
        rc = azk_buf_printf(&cr->list, ",\"row\":%llu,\"fields\":{", (unsigned long long)rd->row);
    for (size_t i = 0; i < rec->field_count && i < rd->schema->ncols && rc == AZK_OK; i++) {
        const char *h = rd->schema->headers[i];
        if (i > 0)
            rc = azk_buf_putc(&cr->list, ',');
        if (rc == AZK_OK)
            rc = json_str(&cr->list, h, strlen(h));
        if (rc == AZK_OK)
            rc = azk_buf_putc(&cr->list, ':');
        if (rc == AZK_OK)
            rc = json_str(&cr->list, rec->fields[i].ptr, rec->fields[i].len);
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(&cr->list, "}}\n");
    if (rc != AZK_OK)
        return rc;
    e->len = cr->list.len - off;
    cr->nents++;
    return AZK_OK;
}

static azk_status rd_begin(void *payload, const azk_object_info *info)
{
    struct reader *rd = payload;
    (void)info;
    rd->depth++;
    return AZK_OK;
}

static void rd_end(void *payload, azk_status st, const azk_error *err)
{
    struct reader *rd = payload;
    (void)st;
    (void)err;
    if (rd->depth > 0)
        rd->depth--;
}

/* Does the evidence of one of the row's candidate windows agree with its own values? */
static azk_status row_confirmed(struct reader *rd, const azk_record *rec,
                                struct azk_match_verdict *out)
{
    const struct azk_impact_evset *ev = rd->ev;
    size_t lo = 0;
    size_t hi;
    struct azk_match_verdict ok = {AZK_CONFIRM_NO, AZK_BASIS_STRICT, 0};
    azk_status rc;
    *out = ok;
    if (ev == NULL || ev->n == 0)
        return AZK_OK;
    hi = ev->n;
    while (lo < hi) { /* first evidence of the row */
        size_t m = lo + (hi - lo) / 2;
        if (ev->recs[m].row < rd->row)
            lo = m + 1;
        else
            hi = m;
    }
    if (lo == ev->n || ev->recs[lo].row != rd->row)
        return AZK_OK;
    rc = azk_match__row_values(&rd->mrow, rd->confirm_key, rd->schema->kinds, rd->schema->ncols,
                               rec, &rd->tmp, &rd->norm);
    if (rc != AZK_OK)
        return rc; /* never a count from a row that could not be compared */
    rd->mrow.people = rd->people;
    rd->mrow.q_name = azk_match__namefreq_q(rd->nf, rd->confirm_key, rd->schema->kinds,
                                            rd->schema->ncols, rec, &rd->tmp, &rd->norm);
    rc = azk_match__namefreq_twins(rd->nf, rd->confirm_key, rd->schema->kinds, rd->schema->ncols,
                                   rec, &rd->tmp, &rd->norm, &rd->mrow.twins);
    if (rc != AZK_OK) {
        sodium_memzero(&rd->mrow, sizeof(rd->mrow));
        return rc;
    }
    /* every window: the objects that hold the record are those whose own evidence
     * confirms it (an object that only proposed the row holds a near collision) */
    for (size_t i = lo; i < ev->n && ev->recs[i].row == rd->row; i++) {
        struct azk_match_verdict v;
        azk_match__confirm_verdict(&rd->mrow, ev->items + ev->recs[i].off, ev->recs[i].n,
                                   rd->ds->total, &v);
        /* the strongest window decides the row's basis */
        if (v.c > ok.c || (v.c == AZK_CONFIRM_YES && v.other < ok.other))
            ok = v;
        if (v.c != AZK_CONFIRM_YES || ev->recs[i].obj == AZK_IMPACT_OBJ_UNKNOWN)
            continue;
        if (azk_array_reserve(&rd->cobj, &rd->capcobj, rd->ncobj, sizeof(*rd->cobj), 64) !=
            AZK_OK) {
            sodium_memzero(&rd->mrow, sizeof(rd->mrow));
            return azk_error_nomem();
        }
        rd->cobj[rd->ncobj].row = rd->row;
        rd->cobj[rd->ncobj].obj = ev->recs[i].obj;
        rd->ncobj++;
    }
    sodium_memzero(&rd->mrow, sizeof(rd->mrow));
    *out = ok;
    return AZK_OK;
}

static azk_status push_row(struct reader *rd, uint64_t row)
{
    if (azk_array_reserve(&rd->conf, &rd->capconf, rd->nconf, sizeof(*rd->conf), 64) != AZK_OK)
        return azk_error_nomem();
    rd->conf[rd->nconf++] = row;
    return AZK_OK;
}

/*
 * The objects holding a confirmed row of this dataset, by their own
 * evidence (mark[obj] = stamp): their count and the types found in them;
 * hit[obj] for the run's total.
 */
void azk_impact__confirmed_objects(const struct reader *rd, uint32_t *mark, uint32_t stamp,
                                   bool *hit, const uint32_t *obj_pii, uint64_t nobj,
                                   uint64_t *objects, uint32_t *pii)
{
    *objects = 0;
    *pii = 0;
    for (size_t i = 0; i < rd->ncobj; i++) {
        const struct objrow *o = &rd->cobj[i];
        if (o->obj >= nobj)
            continue;
        hit[o->obj] = true;
        if (mark[o->obj] == stamp)
            continue;
        mark[o->obj] = stamp;
        (*objects)++;
        *pii |= obj_pii[o->obj];
    }
}

static azk_status rd_record(void *payload, const azk_record *rec)
{
    struct reader *rd = payload;
    size_t nv = 0;
    size_t ci = 0;
    struct azk_match_verdict verdict;
    azk_status rc;
    if (rd->depth != 1)
        return AZK_OK;
    if (!rd->have_header) {
        /* intake took the first record as the header */
        rd->have_header = true;
        return AZK_OK;
    }
    if (rd->counting)
        return azk_match__namefreq_add(rd->nf, rd->confirm_key, rd->schema->kinds,
                                       rd->schema->ncols, rec, &rd->tmp, &rd->norm);
    rd->row++; /* as intake counts: every record after the header */
    if (bsearch(&rd->row, rd->hits->rows, rd->hits->n, sizeof(uint64_t), azk_impact__cmp_u64) ==
        NULL)
        return AZK_OK;
    rd->seen++;
    rc = row_confirmed(rd, rec, &verdict);
    if (rc != AZK_OK)
        return rc;
    switch (verdict.c) {
        case AZK_CONFIRM_YES:
            rc = push_row(rd, rd->row);
            if (rc != AZK_OK)
                return rc;
            /* what the confirmation rests on (azukari/impact.h: strict, or beside it) */
            if (verdict.basis == AZK_BASIS_NAME_BIRTH) {
                rd->ds->name_birth++;
                rd->ds->name_birth_other += verdict.other;
            } else if (verdict.basis == AZK_BASIS_HOUSEHOLD) {
                rd->ds->household++;
                rd->ds->household_other += verdict.other;
            } else {
                rd->ds->strict++;
            }
            rd->row_strict = verdict.basis == AZK_BASIS_STRICT;
            break;
        case AZK_CONFIRM_PROBABLE:
            rd->ds->probable++; /* reported apart, not counted */
            return AZK_OK;
        default:
            return AZK_OK; /* a candidate whose values are not those of the scanned text */
    }
    if (rd->vals_cap < rec->field_count) {
        azk_link_value *g = azk_realloc(rd->vals, rec->field_count * sizeof(*g));
        if (g == NULL)
            return azk_error_nomem();
        rd->vals = g;
        rd->vals_cap = rec->field_count;
    }
    for (size_t i = 0; i < rec->field_count && i < rd->schema->ncols; i++) {
        azk_column_kind k = (azk_column_kind)rd->schema->kinds[i];
        const azk_field *f = &rec->fields[i];
        if (f->len == 0)
            continue;
        if (k >= AZK_COL_CUSTOMER_ID && k < AZK_COL__COUNT)
            rd->ds->kinds |= 1u << k;
        if (!azk_column_kind__linked(k))
            continue;
        rd->vals[nv].kind = k;
        rd->vals[nv].ptr = f->ptr;
        rd->vals[nv].len = f->len;
        nv++;
    }
    rc = azk_link_add(rd->cr->lk, rd->file_local, rd->row, rd->vals, nv, &ci);
    if (rc == AZK_OK)
        rc = azk_link_add(rd->all, rd->ds_index, rd->row, rd->vals, nv, NULL);
    if (rc == AZK_OK)
        rc = list_entry(rd, rec, ci);
    if (rc == AZK_OK)
        rd->matched++;
    return rc;
}

static azk_status collect_plain(const uint8_t *p, size_t n, void *payload)
{
    return azk_buf_put(payload, p, n);
}

/*
 * CSV/TSV datasets stream from the vault to the decoder through a socket
 * pair (kernel memory only, never a file): a feeder thread decrypts, this
 * thread decodes, so memory stays bounded whatever the dataset's size. The
 * error of the feeder (its thread-local message) is copied back.
 */
struct feeder {
    azk_home *h;
    const char *dataset;
    int fd;
    azk_status rc;
    char msg[256];
};

static azk_status feed_cb(const uint8_t *p, size_t n, void *payload)
{
    struct feeder *f = payload;
    while (n > 0) {
        ssize_t w = send(f->fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return azk_error_errno("impact: pass the dataset to the decoder");
        }
        p += w;
        n -= (size_t)w;
    }
    return AZK_OK;
}

static void *feeder_main(void *arg)
{
    struct feeder *f = arg;
    f->rc = azk_vault_open(f->h, f->dataset, IMPACT_REASON, feed_cb, f);
    if (f->rc != AZK_OK)
        snprintf(f->msg, sizeof(f->msg), "%s", azk_error_last()->message);
    (void)shutdown(f->fd, SHUT_WR);
    return NULL;
}

static azk_status decode_dataset(struct reader *rd, azk_source *src, const char *encoding)
{
    azk_decode_options dopts = AZK_DECODE_OPTIONS_INIT;
    azk_decode_sink sink;
    azk_object_info info;
    struct azk_decode_spare spare; /* reveal's scratch kept from one record to the next */
    azk_status rc;
    /* intake refused containers and read cells up to 1 MiB; read the same way */
    dopts.max_depth = 1;
    dopts.max_cell = (size_t)1 << 20;
    dopts.max_line = (size_t)4 << 20;
    if (encoding != NULL && encoding[0] != '\0' && azk_decode__encoding_canonical(encoding))
        dopts.force_encoding = azk_decode__encoding_canonical(encoding);
    memset(&sink, 0, sizeof(sink));
    sink.object_begin = rd_begin;
    sink.record = rd_record;
    sink.object_end = rd_end;
    sink.payload = rd;
    memset(&info, 0, sizeof(info));
    info.size = src->size;
    memset(&spare, 0, sizeof(spare));
    rc = rd_begin(rd, &info);
    if (rc == AZK_OK)
        rc = azk_decode__object_spare(src, &dopts, &sink, &spare);
    azk_decode__spare_dispose(&spare);
    rd_end(rd, rc, azk_error_last());
    return rc;
}

azk_status azk_impact__read_dataset(azk_home *h, struct reader *rd, const char *format,
                                    const char *encoding)
{
    azk_buf plain = AZK_BUF_INIT;
    azk_source src;
    azk_status rc;

    if (format != NULL && strcmp(format, "xlsx") == 0) {
        /* a zip is read through its central directory: from memory (wiped) */
        struct azk_mem_source ms;
        rc = azk_vault_open(h, rd->ds->dataset, IMPACT_REASON, collect_plain, &plain);
        if (rc != AZK_OK)
            goto done;
        azk_decode__source_mem(&src, &ms, plain.data, plain.len);
        rc = decode_dataset(rd, &src, encoding);
    } else {
        struct azk_fd_source fds;
        struct feeder f;
        pthread_t th;
        int sv[2];
        memset(&f, 0, sizeof(f));
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
            rc = azk_error_errno("impact: socketpair");
            goto done;
        }
        f.h = h;
        f.dataset = rd->ds->dataset;
        f.fd = sv[1];
        if (pthread_create(&th, NULL, feeder_main, &f) != 0) {
            close(sv[0]);
            close(sv[1]);
            rc = azk_error_set(AZK_ERR_NOMEM, "impact: cannot start a thread");
            goto done;
        }
        azk_decode__source_fd(&src, &fds, sv[0], -1);
        rc = decode_dataset(rd, &src, encoding);
        /* a decoder that stopped early makes the feeder's send fail: no hang */
        close(sv[0]);
        pthread_join(th, NULL);
        close(sv[1]);
        /* a vault failure makes the bytes void and wins; else the decoder's
         * own error (the feeder then only saw the socket closed) */
        if (f.rc != AZK_OK && (rc == AZK_OK || f.rc == AZK_ERR_CRYPTO || f.rc == AZK_ERR_INTEGRITY))
            rc = azk_error_set(f.rc, "%s", f.msg[0] ? f.msg : "impact: vault read failed");
    }
    if (rc == AZK_OK && !rd->counting && rd->seen != rd->hits->n)
        rc = azk_error_set(AZK_ERR_INTEGRITY,
                           "impact: dataset %s: %llu of %zu matched rows found in the vault file",
                           rd->ds->dataset, (unsigned long long)rd->seen, rd->hits->n);
done:
    azk_buf_dispose_secret(&plain);
    return rc;
}

/* ---- counting persons ------------------------------------------------------ */

struct pair {
    uint64_t a, b;
};

static int cmp_pair(const void *x, const void *y)
{
    const struct pair *p = x;
    const struct pair *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return p->b < q->b ? -1 : p->b > q->b;
}

/* Person of record i; unusable records get ids after the engine's persons. */
static uint64_t person_of(const azk_link *lk, size_t i, uint64_t *next_unusable)
{
    uint64_t p = azk_link_person(lk, i);
    if (p != 0)
        return p;
    return ++*next_unusable;
}

struct sort_ent {
    uint64_t person;
    size_t i;
};

static int cmp_sort_ent(const void *x, const void *y)
{
    const struct sort_ent *p = x;
    const struct sort_ent *q = y;
    if (p->person != q->person)
        return p->person < q->person ? -1 : 1;
    return p->i < q->i ? -1 : p->i > q->i;
}

static azk_status write_list(struct client_run *cr, const uint64_t *persons, const char *path,
                             const uint8_t pk[32])
{
    struct azk_impact_sealer *s = NULL;
    struct sort_ent *order = NULL;
    azk_buf line = AZK_BUF_INIT;
    azk_status rc;
    order = azk_calloc(cr->nents ? cr->nents : 1, sizeof(*order));
    if (order == NULL)
        return azk_error_nomem();
    for (size_t i = 0; i < cr->nents; i++) {
        order[i].person = persons[i];
        order[i].i = i;
    }
    qsort(order, cr->nents, sizeof(*order), cmp_sort_ent);
    rc = azk_impact__sealer_new(&s, path, pk);
    for (size_t k = 0; k < cr->nents && rc == AZK_OK; k++) {
        const struct entry *e = &cr->ents[order[k].i];
        azk_buf_clear(&line);
        rc = azk_buf_printf(&line, "{\"person\":%llu,", (unsigned long long)order[k].person);
        if (rc == AZK_OK)
            rc = azk_buf_put(&line, cr->list.data + e->off, e->len);
        if (rc == AZK_OK)
            rc = azk_impact__sealer_write(s, line.data, line.len);
    }
    if (rc == AZK_OK) {
        rc = azk_impact__sealer_finish(s);
        s = NULL;
    }
    azk_impact__sealer_abort(s);
    azk_buf_dispose_secret(&line);
    azk_free(order);
    return rc;
}

const char *azk_impact__key_of(const azk_impact_options *o, const char *client)
{
    for (size_t i = 0; i < o->key_count; i++)
        if (o->keys[i].client != NULL && strcmp(o->keys[i].client, client) == 0)
            return o->keys[i].public_key_path;
    return NULL;
}

/* Link one client's records; fill its and its datasets' counts; write its list. */
azk_status azk_impact__finish_client(struct client_run *cr, azk_impact_result *r,
                                     azk_impact_client *c, size_t ds_first, size_t ds_end,
                                     const azk_impact_options *o)
{
    azk_status rc;
    azk_link_stats st;
    uint64_t *persons = NULL;
    struct pair *pairs = NULL;
    uint64_t next = 0;
    size_t n = azk_link_record_count(cr->lk);
    const char *keyp;

    rc = azk_link_run(cr->lk);
    if (rc != AZK_OK)
        return rc;
    azk_link_get_stats(cr->lk, &st);
    next = st.persons;
    persons = azk_calloc(n ? n : 1, sizeof(*persons));
    pairs = azk_calloc(n ? n : 1, sizeof(*pairs));
    if (persons == NULL || pairs == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t file;
        uint64_t row;
        azk_link_record_source(cr->lk, i, &file, &row);
        persons[i] = person_of(cr->lk, i, &next);
        pairs[i].a = file;
        pairs[i].b = persons[i];
    }
    c->persons = next; /* engine persons + unusable records */
    qsort(pairs, n, sizeof(*pairs), cmp_pair);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && pairs[i].a == pairs[i - 1].a && pairs[i].b == pairs[i - 1].b)
            continue;
        if (ds_first + pairs[i].a < ds_end)
            r->datasets[ds_first + pairs[i].a].persons++;
    }
    /* persons with at least one strictly confirmed record (the headline's persons) */
    {
        size_t ns = 0;
        for (size_t i = 0; i < cr->nents; i++)
            if (cr->ents[i].strict && cr->ents[i].link_index < n)
                pairs[ns++] = (struct pair){persons[cr->ents[i].link_index], 0};
        qsort(pairs, ns, sizeof(*pairs), cmp_pair);
        c->persons_strict = 0;
        for (size_t i = 0; i < ns; i++)
            c->persons_strict += i == 0 || pairs[i].a != pairs[i - 1].a;
    }
    keyp = azk_impact__key_of(o, c->client);
    if (o->list_dir != NULL && keyp != NULL && cr->nents > 0) {
        uint8_t pk[32];
        azk_buf path = AZK_BUF_INIT;
        uint64_t *by_entry = azk_calloc(cr->nents ? cr->nents : 1, sizeof(*by_entry));
        if (by_entry == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        for (size_t i = 0; i < cr->nents; i++)
            by_entry[i] = persons[cr->ents[i].link_index];
        rc = azk_impact__read_key(keyp, pk);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&path, "%s/notification-list-%s.azkn", o->list_dir, c->client);
        if (rc == AZK_OK)
            rc = write_list(cr, by_entry, (const char *)path.data, pk);
        if (rc == AZK_OK) {
            c->list_path = azk_buf_detach(&path);
            if (c->list_path == NULL)
                rc = azk_error_nomem();
            c->list_rows = cr->nents;
        }
        azk_buf_dispose(&path);
        azk_free(by_entry);
    }
done:
    azk_free(persons);
    azk_free(pairs);
    return rc;
}

void azk_impact__client_run_dispose(struct client_run *cr)
{
    azk_link_free(cr->lk);
    azk_free(cr->ents);
    azk_buf_dispose_secret(&cr->list);
    memset(cr, 0, sizeof(*cr));
}
