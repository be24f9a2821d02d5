/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan/split.c -- one large text file scanned by several workers at once,
 * with the result a scan in one pass gives, finding for finding.
 *
 * A regular file of at least split_min bytes whose first bytes say text in
 * UTF-8, CP932 or EUC-JP (where '\n' and '"' are never part of a
 * character) -- lines, or CSV/TSV whose first row ends in the first 64 KiB --
 * is cut into ranges that start right after a '\n'. The first range is
 * decoded as any file is (detection, BOM, format sniff); a later one starts
 * in the encoding and format the first bytes said, as a fresh line splitter
 * or, for CSV/TSV, after reading the file's first row again (header,
 * delimiter; detection learns the column kinds from it, its findings are
 * dropped) (decode.h, struct azk_decode_range). Every worker of the run
 * takes ranges (scanner.c queue_pop gives them before new files), the
 * worker that owns the file too, which then waits for the others.
 *
 * A range only equals the part of the one-pass scan it stands for when
 * the one-pass decoder would have been in the state the range started in.
 * So nothing is assumed: the decoder reports how each range ended, and the
 * ranges are joined only when every range but the last ended clean (its
 * last line or row ended, not inside a quoted field; no base64,
 * quoted-printable or hex lines gathered across the boundary), a CSV
 * range's replay ended at a row start, the format and encoding never
 * changed, no undecodable bytes could have made the decoder decide again
 * (UTF-8: fewer than 8 in the file; others: none), no later range decoded
 * hidden content with line numbers of its own, no nested object appeared
 * and nothing failed (azk_decode__range_join_ok). Otherwise the ranges are
 * dropped (nothing was delivered) and the file is scanned in one pass, as
 * before.
 *
 * Join: findings in range order with each range's lines (CSV: rows) shifted
 * by those before it, cut at max_findings (truncated as the one pass would
 * say); counts, allow-listed hits, records and multi-type records summed.
 * Not split: with fingerprints (EDM works per object), one worker.
 */
#include "azukari/scan.h"
#include "scan/scan_int.h"
#include "decode/decode.h"
#include "detect/detect.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "scan/scanner_int.h"

/* Files from this size are split (a test build reads AZK_TEST_SPLIT_MIN). */
#define SPLIT_MIN_DEFAULT ((uint64_t)64 << 20)
/* The first range holds at least what detection and the format sniff read. */
#define FIRST_MIN ((int64_t)256 << 10)
/* Ranges per file: enough for every worker to take a share twice over. */
#define MAX_RANGES 64
/* A range starts after the first '\n' this close after its nominal offset. */
#define NL_SEARCH ((int64_t)1 << 20)
#define PROBE_LEN ((size_t)64 << 10)

struct azk_range_task {
    struct azk_split *sp;
    size_t idx;
    int64_t start, end;
    struct azk_decode_range rep;
    struct objstate obj; /* the range's findings and counts (depth-0 object) */
    bool have_obj;
    azk_status st;
    uint64_t bytes; /* read by this range (given back to the totals on a fallback) */
};

struct azk_split {
    azk_scanner *s;
    struct azk_split *next; /* in s->splits while ranges are not all taken */
    int fd;
    int64_t size;
    struct azk_range_probe probe; /* encoding, format, the first row to replay (CSV) */
    struct azk_range_task *t;
    size_t n, claimed, finished; /* under s->q_mu */
    _Atomic bool abort;          /* a range cannot be joined: the others stop reading */
    pthread_cond_t all_done;
};

/* A worker's view for one range: its detection context, an object stack of its own. */
struct range_worker {
    struct worker w; /* first: the sink's payload is both */
    struct azk_range_task *t;
};

uint64_t azk_scan__split_min(unsigned threads)
{
    uint64_t v = SPLIT_MIN_DEFAULT;
    if (threads < 2)
        return 0;
#ifdef AZK_TESTING
    {
        /* tests split small files; never read in a release build */
        const char *e = getenv("AZK_TEST_SPLIT_MIN");
        if (e != NULL && e[0] != '\0') {
            char *end = NULL;
            unsigned long long x = strtoull(e, &end, 10);
            if (end != NULL && *end == '\0')
                v = x;
        }
    }
#endif
    return v;
}

/* Test builds: with AZK_TEST_SPLIT_TRACE set, say on stderr what became of a split (no path). */
static void trace(const char *what, size_t n)
{
#ifdef AZK_TESTING
    if (getenv("AZK_TEST_SPLIT_TRACE") != NULL)
        fprintf(stderr, "azk-test: split %s %zu ranges\n", what, n);
#else
    (void)what;
    (void)n;
#endif
}

/* Test builds, AZK_TEST_SPLIT_TRACE=2: what each range reported. */
static void trace_range(size_t k, azk_status st, const struct azk_decode_range *r)
{
#ifdef AZK_TESTING
    const char *e = getenv("AZK_TEST_SPLIT_TRACE");
    if (e != NULL && strcmp(e, "2") == 0)
        fprintf(stderr,
                "azk-test: range %zu st %d format %s enc %s switched %d bad %llu lines %llu "
                "clean %d replay %d/%d/%llu transparent %llu\n",
                k, (int)st, r->format_out != NULL ? r->format_out : "-",
                r->encoding_out != NULL ? r->encoding_out : "-", (int)r->switched,
                (unsigned long long)r->bad, (unsigned long long)r->lines, (int)r->clean_end,
                (int)r->replay_done, (int)r->replay_clean, (unsigned long long)r->replay_lines,
                (unsigned long long)r->transparent);
#else
    (void)k;
    (void)st;
    (void)r;
#endif
}

/* ---- the queue side (called under s->q_mu) ------------------------------------ */

static void unlink_split(azk_scanner *s, struct azk_split *sp)
{
    struct azk_split **pp = &s->splits;
    while (*pp != NULL && *pp != sp)
        pp = &(*pp)->next;
    if (*pp == sp)
        *pp = sp->next;
    sp->next = NULL;
}

static struct azk_range_task *claim_from(azk_scanner *s, struct azk_split *sp)
{
    struct azk_range_task *t;
    if (sp->claimed >= sp->n)
        return NULL;
    t = &sp->t[sp->claimed++];
    if (sp->claimed == sp->n)
        unlink_split(s, sp);
    return t;
}

struct azk_range_task *azk_scan__split_claim(azk_scanner *s)
{
    return s->splits != NULL ? claim_from(s, s->splits) : NULL;
}

/* ---- one range ------------------------------------------------------------------- */

struct range_src {
    struct azk_range_task *t;
    int64_t pos;    /* next byte of the range */
    int64_t replay; /* CSV, later ranges: next byte of the file's first row (replay: done) */
};

static azk_status range_read(void *ctx, uint8_t *buf, size_t cap, size_t *got)
{
    struct range_src *rs = ctx;
    struct azk_range_task *t = rs->t;
    azk_scanner *s = t->sp->s;
    ssize_t r;
    *got = 0;
    if (t->sp->abort || s->stopped)
        return azk_error_set(AZK_ERR_IO, "range abandoned");
    if (t->idx > 0 && rs->replay < (int64_t)t->rep.replay) {
        /* the first row again (never more in one read: the decoder notes where it ends) */
        if ((int64_t)cap > (int64_t)t->rep.replay - rs->replay)
            cap = (size_t)((int64_t)t->rep.replay - rs->replay);
        do {
            r = pread(t->sp->fd, buf, cap, rs->replay);
        } while (r < 0 && errno == EINTR);
        if (r < 0)
            return azk_error_errno("read");
        if (r == 0)
            return azk_error_set(AZK_ERR_IO, "file changed while it was read");
        rs->replay += r;
        *got = (size_t)r;
        return AZK_OK;
    }
    if (rs->pos >= t->end) {
        /* the file's end: a file that grew fails here, as the one-pass read
         * would (the one pass then reads it again and says so itself) */
        uint8_t extra;
        if (t->end == t->sp->size) {
            do {
                r = pread(t->sp->fd, &extra, 1, rs->pos);
            } while (r < 0 && errno == EINTR);
            if (r > 0)
                return azk_error_set(AZK_ERR_IO, "file grew while read (beyond %lld bytes)",
                                     (long long)t->sp->size);
        }
        return AZK_OK;
    }
    if ((int64_t)cap > t->end - rs->pos)
        cap = (size_t)(t->end - rs->pos);
    do {
        r = pread(t->sp->fd, buf, cap, rs->pos);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return azk_error_errno("read");
    if (r == 0)
        return azk_error_set(AZK_ERR_IO, "file changed while it was read");
    rs->pos += r;
    *got = (size_t)r;
    t->bytes += (uint64_t)r;
    s->bytes_read += (uint64_t)r;
    azk_scan__maybe_progress(s);
    return AZK_OK;
}

static azk_status range_begin(void *payload, const azk_object_info *info)
{
    struct range_worker *rw = payload;
    (void)info;
    /* a nested object would be delivered on its own: not in a range */
    rw->t->sp->abort = true;
    return azk_error_set(AZK_ERR_UNSUPPORTED, "range: nested object");
}

static void range_format(void *payload, const char *format, const char *encoding)
{
    struct range_worker *rw = payload;
    azk_scan__sink_format(payload, format, encoding);
    if (strcmp(format != NULL ? format : "", rw->t->sp->probe.format) != 0 || encoding == NULL ||
        strcmp(encoding, rw->t->sp->probe.encoding) != 0)
        rw->t->sp->abort = true; /* not what the ranges were cut for */
}

static azk_status drop_finding(const azk_finding *f, void *payload)
{
    (void)f;
    (void)payload;
    return AZK_OK;
}

static azk_status range_record(void *payload, const azk_record *rec)
{
    struct range_worker *rw = payload;
    struct azk_range_task *t = rw->t;
    if (t->idx > 0 && t->rep.replay > 0 && !t->rep.replay_done) {
        /* the file's first row, replayed: detection learns the column kinds
         * from it as in the one pass; nothing is counted, nothing kept */
        size_t excluded = 0;
        return azk_detect__record(rw->w.det, rec, drop_finding, NULL, &excluded);
    }
    return azk_scan__sink_record(payload, rec);
}

static void range_end(void *payload, azk_status st, const azk_error *err)
{
    struct range_worker *rw = payload;
    (void)st;
    (void)err;
    if (rw->w.depth > 1) { /* not reached: nested objects are refused at their begin */
        azk_scan__obj_dispose(&rw->w.stack[rw->w.depth - 1]);
        rw->w.depth--;
    }
}

void azk_scan__split_run(struct worker *w, struct azk_range_task *t)
{
    struct azk_split *sp = t->sp;
    azk_scanner *s = sp->s;
    struct range_worker rw;
    azk_object_info info = {NULL, 0, sp->size};
    azk_decode_options dopts = s->dopts;
    azk_decode_sink sink = {range_begin, range_format, range_record, range_end, &rw};
    struct range_src rs = {t, t->start, 0};
    azk_source src = {range_read, &rs, t->end - t->start, NULL};
    azk_status st;

    memset(&rw, 0, sizeof(rw));
    rw.w.s = s;
    rw.w.det = w->det; /* this worker's, idle while it runs the range */
    rw.t = t;
    t->rep.cont = t->idx > 0;
    t->rep.encoding = sp->probe.encoding;
    t->rep.ascii_only = sp->probe.ascii_only;
    t->rep.format = sp->probe.format;
    t->rep.replay = t->idx > 0 ? sp->probe.replay : 0;
    t->rep.bom = sp->probe.bom;
    src.size += (int64_t)t->rep.replay;
    dopts.range = &t->rep;
    st = azk_scan__obj_push(&rw.w, &info);
    if (st == AZK_OK) {
        /* the worker's spare buffers are idle while it runs a range (it runs one from its
         * loop or from azk_scan__split before decoding anything): no malloc / free per
         * flagged record in reveal, nor for the range's peek, text and CSV buffers */
        st = sp->abort ? AZK_ERR_IO : azk_decode__object_spare(&src, &dopts, &sink, &w->spare);
        while (rw.w.depth > 1) {
            azk_scan__obj_dispose(&rw.w.stack[rw.w.depth - 1]);
            rw.w.depth--;
        }
        t->obj = rw.w.stack[0];
        t->have_obj = true;
    }
    azk_free(rw.w.stack);
    t->st = st;
    if (st != AZK_OK)
        sp->abort = true;
    pthread_mutex_lock(&s->q_mu);
    if (++sp->finished == sp->n)
        pthread_cond_signal(&sp->all_done);
    pthread_mutex_unlock(&s->q_mu);
}

/* ---- cutting and joining ---------------------------------------------------------- */

/* Read what there is of fd[off..off+len) into buf; bytes read, or -1. */
static ssize_t pread_full(int fd, uint8_t *buf, size_t len, int64_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, buf + got, len - got, off + (int64_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* The offset after the first '\n' in fd[from..limit), or -1. */
static int64_t line_start_after(int fd, uint8_t *buf, int64_t from, int64_t limit)
{
    while (from < limit) {
        size_t want =
            (size_t)(limit - from < (int64_t)PROBE_LEN ? limit - from : (int64_t)PROBE_LEN);
        ssize_t got = pread_full(fd, buf, want, from);
        const uint8_t *nl;
        if (got <= 0)
            return -1;
        nl = memchr(buf, '\n', (size_t)got);
        if (nl != NULL)
            return from + (nl - buf) + 1;
        from += got;
    }
    return -1;
}

/* Cut fd into ranges: sp->t and sp->n set (n < 2: not worth it). */
static azk_status cut(struct azk_split *sp, uint8_t *buf)
{
    azk_scanner *s = sp->s;
    int64_t min_range = (int64_t)(s->split_min / 4);
    size_t want = (size_t)s->threads * 2;
    int64_t prev = 0;
    if (min_range < FIRST_MIN)
        min_range = FIRST_MIN;
    if (want > MAX_RANGES)
        want = MAX_RANGES;
    if ((int64_t)want > sp->size / min_range)
        want = (size_t)(sp->size / min_range);
    sp->n = 0;
    if (want < 2)
        return AZK_OK;
    sp->t = azk_calloc(want, sizeof(*sp->t));
    if (sp->t == NULL)
        return azk_error_nomem();
    for (size_t i = 0; i < want; i++) {
        int64_t start = 0;
        if (i > 0) {
            int64_t nominal = (int64_t)((double)sp->size * (double)i / (double)want);
            int64_t lim = nominal + NL_SEARCH < sp->size ? nominal + NL_SEARCH : sp->size;
            if (nominal < prev + FIRST_MIN)
                nominal = prev + FIRST_MIN;
            start = nominal < lim ? line_start_after(sp->fd, buf, nominal, lim) : -1;
            if (start < 0 || start >= sp->size)
                continue; /* no line end near: this range joins the one before */
        }
        sp->t[sp->n].sp = sp;
        sp->t[sp->n].idx = sp->n;
        sp->t[sp->n].start = start;
        if (sp->n > 0)
            sp->t[sp->n - 1].end = start;
        sp->n++;
        prev = start;
    }
    sp->t[sp->n - 1].end = sp->size;
    return AZK_OK;
}

/* The ranges as one object into o (the file's object, still empty). */
static azk_status join(struct azk_split *sp, struct objstate *o)
{
    size_t max = sp->s->opts.max_findings, kept = 0, total = 0;
    uint64_t rows_before = 0; /* lines (CSV: rows) of the ranges before */
    bool truncated = false;
    for (size_t k = 0; k < sp->n; k++) {
        total += sp->t[k].obj.finding_count;
        truncated = truncated || sp->t[k].obj.truncated;
    }
    if (total > max) {
        truncated = true;
        total = max;
    }
    if (total > 0) {
        o->findings = azk_calloc(total, sizeof(*o->findings));
        if (o->findings == NULL)
            return azk_error_nomem();
        o->finding_cap = total;
    }
    snprintf(o->format, sizeof(o->format), "%s", sp->t[0].obj.format);
    snprintf(o->encoding, sizeof(o->encoding), "%s", sp->t[0].obj.encoding);
    o->has_format = true;
    for (size_t k = 0; k < sp->n; k++) {
        const struct objstate *r = &sp->t[k].obj;
        for (size_t i = 0; i < r->finding_count && kept < total; i++) {
            /* a later CSV range numbered its rows after the replayed first row */
            o->findings[kept] = r->findings[i];
            o->findings[kept].line = r->findings[i].line + rows_before - sp->t[k].rep.replay_lines;
            kept++;
        }
        for (int ty = 0; ty < AZK_PII__COUNT; ty++)
            o->counts[ty] += r->counts[ty];
        o->excluded += r->excluded;
        o->records += r->records;
        o->multi_rows += r->multi_rows;
        rows_before += sp->t[k].rep.lines - sp->t[k].rep.replay_lines;
    }
    o->finding_count = kept;
    o->truncated = truncated;
    return AZK_OK;
}

static bool joinable(struct azk_split *sp)
{
    const struct azk_decode_range *reps[MAX_RANGES];
    for (size_t k = 0; k < sp->n; k++) {
        const struct azk_decode_range *r = &sp->t[k].rep;
        trace_range(k, sp->t[k].st, r);
        if (sp->t[k].st != AZK_OK || !sp->t[k].have_obj || !sp->t[k].obj.has_format)
            return false;
        reps[k] = r;
    }
    if (sp->abort)
        return false;
    return azk_decode__range_join_ok(reps, sp->n);
}

azk_status azk_scan__split(struct worker *w, int fd, int64_t size, bool *split)
{
    azk_scanner *s = w->s;
    struct azk_split sp;
    uint8_t *buf = NULL;
    ssize_t got;
    azk_status rc = AZK_OK;
    struct azk_range_task *t;

    *split = false;
    if (s->split_min == 0 || s->fp != NULL || w->depth != 1 || size < 0 ||
        (uint64_t)size < s->split_min)
        return AZK_OK;
    memset(&sp, 0, sizeof(sp));
    sp.s = s;
    sp.fd = fd;
    sp.size = size;
    buf = azk_malloc(PROBE_LEN);
    if (buf == NULL)
        return AZK_OK; /* one pass then */
    got = pread_full(fd, buf, PROBE_LEN, 0);
    if (got <= 0 || !azk_decode__range_probe(buf, (size_t)got, (size_t)got < PROBE_LEN,
                                             s->dopts.force_encoding, &sp.probe))
        goto out;
    if (cut(&sp, buf) != AZK_OK || sp.n < 2)
        goto out;
    pthread_cond_init(&sp.all_done, NULL);
    pthread_mutex_lock(&s->q_mu);
    sp.next = s->splits;
    s->splits = &sp;
    if (s->q_pop_waiters > 0)
        pthread_cond_broadcast(&s->not_empty);
    pthread_mutex_unlock(&s->q_mu);
    /* take ranges of this file until none is left, then wait for the helpers' */
    for (;;) {
        pthread_mutex_lock(&s->q_mu);
        t = claim_from(s, &sp);
        pthread_mutex_unlock(&s->q_mu);
        if (t == NULL)
            break;
        azk_scan__split_run(w, t);
    }
    pthread_mutex_lock(&s->q_mu);
    while (sp.finished < sp.n)
        pthread_cond_wait(&sp.all_done, &s->q_mu);
    pthread_mutex_unlock(&s->q_mu);
    pthread_cond_destroy(&sp.all_done);

    if (joinable(&sp)) {
        rc = join(&sp, &w->stack[0]);
        *split = true;
        trace("joined", sp.n);
    } else {
        /* the one pass reads it all again: count its bytes once */
        for (size_t k = 0; k < sp.n; k++)
            s->bytes_read -= sp.t[k].bytes;
        azk_log(AZK_LOG_DEBUG, "scan: ranges of a file not joinable; scanned in one pass");
        trace("fallback", sp.n);
    }
out:
    for (size_t k = 0; k < sp.n; k++) {
        if (sp.t[k].have_obj)
            azk_scan__obj_dispose(&sp.t[k].obj);
    }
    azk_free(sp.t);
    azk_free(buf);
    return rc;
}
