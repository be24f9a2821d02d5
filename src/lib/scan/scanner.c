/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan/scanner.c -- the scan pipeline: walk -> (queue) -> workers that
 * decode each file (and its members) and run detection on every record,
 * then hand one result per object to the caller.
 *
 * Threads: the calling thread walks and fills a bounded queue; N workers
 * each own a detection context (Vectorscan scratch, MeCab tagger). Results
 * are delivered under one mutex so callers need no locking. Memory per
 * worker is bounded: the decode stage streams, and an object keeps at most
 * max_findings findings (counts stay exact).
 */
#include "azukari/scan.h"
#include "scan/scan_int.h"
#include "scan/walk.h"
#include "decode/decode.h"
#include "detect/detect.h"
#include "scan/edm.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define QUEUE_CAP 1024

struct job {
    char *path;
    struct stat st;
};

struct azk_scanner {
    azk_scan_options opts;
    azk_decode_options dopts;
    azk_detect_engine *eng;
    struct azk_scan_edm_index *fp; /* NULL when no fingerprints loaded */
    struct azk_scan_cache *cache;
    char engine_id[65];
    azk_scan_progress_cb progress;
    void *progress_payload;
    /* closed-zone confirmation (azk_scan__scanner_set_confirm) */
    bool confirm;
    uint8_t confirm_key[32];
    azk_scan_evidence_cb confirm_cb;
    void *confirm_payload;

    /* per run */
    pthread_mutex_t mu; /* queue + output + stats */
    pthread_cond_t not_empty, not_full;
    struct job queue[QUEUE_CAP];
    size_t q_head, q_len;
    bool q_closed;
    azk_scan_result_cb cb;
    void *cb_payload;
    azk_scan_stats stats;
    _Atomic uint64_t bytes_read;
    _Atomic uint64_t last_progress_ns;
    uint64_t start_ns;
    azk_status fatal;
    /* a callback returned non-zero (its status is in fatal): stop reading,
     * deliver nothing more; read without the lock by the workers */
    _Atomic bool stopped;
};

/* ---- per-object state ---------------------------------------------------- */

struct stored_finding {
    azk_pii_type type;
    uint64_t line;
    double confidence;
    uint32_t page;
    char masked[96];
    char sheet[96]; /* "" when none; a longer sheet name is cut at a UTF-8 boundary */
};

struct objstate {
    char **member;
    size_t member_count;
    char format[16];
    char encoding[24];
    bool has_format;
    struct stored_finding *findings;
    size_t finding_count, finding_cap;
    bool truncated;
    size_t counts[AZK_PII__COUNT];
    size_t excluded;
    uint64_t records;
    uint64_t multi_rows; /* records holding 2+ different types */
    uint32_t rec_types;  /* types seen in the current record */
    int64_t size;
    struct azk_scan_edm_obj *edm; /* entrusted-record hits of this object */
};

struct worker {
    azk_scanner *s;
    azk_detect_ctx *det;
    struct azk_scan_edm_ctx *match;
    struct objstate *stack;
    size_t depth, cap;
    const char *path;      /* current top-level file (escaped) */
    json_t *cache_results; /* results of the current file, for the cache */
    bool cacheable;
};

static void obj_dispose(struct objstate *o)
{
    for (size_t i = 0; i < o->member_count; i++)
        azk_free(o->member[i]);
    azk_free(o->member);
    azk_free(o->findings);
    azk_scan__edm_obj_free(o->edm);
    memset(o, 0, sizeof(*o));
}

static azk_status obj_push(struct worker *w, const azk_object_info *info)
{
    struct objstate *o;
    azk_status rc = azk_array_reserve(&w->stack, &w->cap, w->depth, sizeof(*w->stack), 8);
    if (rc != AZK_OK)
        return rc;
    o = &w->stack[w->depth];
    memset(o, 0, sizeof(*o));
    o->size = info != NULL ? info->size : -1;
    if (info != NULL && info->member_count > 0) {
        o->member = azk_calloc(info->member_count, sizeof(char *));
        if (o->member == NULL)
            return azk_error_nomem();
        for (size_t i = 0; i < info->member_count; i++) {
            azk_buf b = AZK_BUF_INIT;
            if (azk_buf_put_escaped_name(&b, info->member[i], strlen(info->member[i])) != AZK_OK) {
                azk_buf_dispose(&b);
                obj_dispose(o);
                return azk_error_nomem();
            }
            o->member[i] = azk_buf_detach(&b);
            o->member_count++;
        }
    }
    if (w->s->fp != NULL) {
        rc = azk_scan__edm_obj_new(&o->edm);
        if (rc != AZK_OK) {
            obj_dispose(o);
            return rc;
        }
    }
    w->depth++;
    return AZK_OK;
}

/* ---- result delivery ------------------------------------------------------- */

static double obj_score(const struct objstate *o)
{
    return azk_detect__score(o->counts, o->multi_rows, o->records);
}

/*
 * A result or progress callback returned `rc` (called with s->mu held): a
 * non-zero status stops the run -- the output it writes to is gone, a long
 * scan must not go on for nothing -- and becomes the run's status.
 */
static void callback_result(azk_scanner *s, azk_status rc)
{
    if (rc == AZK_OK || s->stopped)
        return;
    s->stopped = true;
    if (s->fatal == AZK_OK)
        s->fatal = rc;
}

static void deliver(struct worker *w, const azk_scan_result *r)
{
    azk_scanner *s = w->s;
    size_t n = 0;
    if (w->cache_results != NULL) {
        json_t *j = azk_scan__result_to_json(r, false);
        if (j == NULL || json_array_append_new(w->cache_results, j) != 0)
            w->cacheable = false;
    }
    for (int t = 0; t < AZK_PII__COUNT; t++)
        n += r->counts[t];
    pthread_mutex_lock(&s->mu);
    s->stats.objects++;
    s->stats.findings += n;
    if (n > 0)
        s->stats.with_findings++;
    if (r->error != AZK_OK)
        s->stats.errors++;
    for (size_t i = 0; i < r->edm_count; i++)
        s->stats.edm_records += r->edm[i].row_count;
    callback_result(s, s->stopped ? AZK_OK : s->cb(r, s->cb_payload));
    pthread_mutex_unlock(&s->mu);
}

static void emit_object(struct worker *w, struct objstate *o, azk_status st, const char *msg)
{
    azk_scan_result r;
    azk_scan_finding *fs = NULL;
    azk_scan_edm *edm = NULL;
    memset(&r, 0, sizeof(r));
    r.path = w->path;
    r.member = (const char *const *)o->member;
    r.member_count = o->member_count;
    r.format = o->has_format ? o->format : NULL;
    r.encoding = o->has_format && o->encoding[0] ? o->encoding : NULL;
    if (o->finding_count > 0) {
        fs = azk_calloc(o->finding_count, sizeof(*fs));
        if (fs == NULL) {
            /* keep counts; drop the list rather than the object */
            o->finding_count = 0;
            o->truncated = true;
        }
    }
    for (size_t i = 0; i < o->finding_count; i++) {
        fs[i].type = o->findings[i].type;
        fs[i].line = o->findings[i].line;
        fs[i].masked = o->findings[i].masked;
        fs[i].confidence = o->findings[i].confidence;
        fs[i].page = o->findings[i].page;
        fs[i].sheet = o->findings[i].sheet[0] != '\0' ? o->findings[i].sheet : NULL;
    }
    r.findings = fs;
    r.finding_count = o->finding_count;
    r.truncated = o->truncated;
    memcpy(r.counts, o->counts, sizeof(r.counts));
    r.excluded = o->excluded;
    r.score = obj_score(o);
    if (o->edm != NULL && azk_scan__edm_results(o->edm, &edm, &r.edm_count) == AZK_OK)
        r.edm = edm;
    r.error = st;
    if (st != AZK_OK) {
        r.error_code = azk_status_name(st);
        r.error_message = msg != NULL && msg[0] ? msg : azk_status_name(st);
    }
    r.size = o->size > 0 ? (uint64_t)o->size : 0;
    deliver(w, &r);
    azk_free(fs);
    azk_scan__edm_results_free(edm, r.edm_count);
}

/* ---- decode sink ------------------------------------------------------------ */

static azk_status sink_begin(void *payload, const azk_object_info *info)
{
    return obj_push(payload, info);
}

static void sink_format(void *payload, const char *format, const char *encoding)
{
    struct worker *w = payload;
    struct objstate *o = &w->stack[w->depth - 1];
    snprintf(o->format, sizeof(o->format), "%s", format != NULL ? format : "binary");
    snprintf(o->encoding, sizeof(o->encoding), "%s", encoding != NULL ? encoding : "");
    o->has_format = true;
    azk_detect__object_begin(w->det, o->format);
    if (w->match != NULL)
        azk_scan__edm_object_begin(w->match);
}

static azk_status on_finding(const azk_finding *f, void *payload)
{
    struct worker *w = payload;
    struct objstate *o = &w->stack[w->depth - 1];
    azk_scanner *s = w->s;
    if ((unsigned)f->type >= AZK_PII__COUNT)
        return AZK_OK;
    o->counts[f->type]++;
    o->rec_types |= 1u << f->type;
    if (w->match != NULL) {
        azk_status rc = azk_scan__edm_finding(w->match, f);
        if (rc != AZK_OK)
            return rc;
    }
    if (o->finding_count >= s->opts.max_findings) {
        o->truncated = true;
        return AZK_OK;
    }
    if (o->finding_count == o->finding_cap) {
        size_t ncap = o->finding_cap == 0 ? 16 : o->finding_cap * 2, bytes;
        struct stored_finding *nf;
        if (ncap > s->opts.max_findings)
            ncap = s->opts.max_findings;
        if (azk_mul_overflow(&bytes, ncap, sizeof(*nf)))
            return azk_error_nomem();
        nf = azk_realloc(o->findings, bytes);
        if (nf == NULL)
            return azk_error_nomem();
        o->findings = nf;
        o->finding_cap = ncap;
    }
    {
        struct stored_finding *d = &o->findings[o->finding_count++];
        d->type = f->type;
        d->line = f->line;
        d->confidence = f->confidence;
        memcpy(d->masked, f->masked, sizeof(d->masked));
        d->masked[sizeof(d->masked) - 1] = '\0';
        d->page = f->page;
        d->sheet[0] = '\0';
        if (f->sheet != NULL) {
            size_t sl = strlen(f->sheet);
            if (sl >= sizeof(d->sheet)) {
                sl = sizeof(d->sheet) - 1;
                while (sl > 0 && ((unsigned char)f->sheet[sl] & 0xC0) == 0x80)
                    sl--; /* cut before the character that does not fit */
            }
            memcpy(d->sheet, f->sheet, sl);
            d->sheet[sl] = '\0';
        }
    }
    return AZK_OK;
}

static azk_status sink_record(void *payload, const azk_record *rec)
{
    struct worker *w = payload;
    struct objstate *o = &w->stack[w->depth - 1];
    azk_status rc;
    size_t excluded = 0;
    o->records++;
    o->rec_types = 0;
    if (w->match != NULL) {
        rc = azk_scan__edm_record_begin(w->match, rec);
        if (rc != AZK_OK)
            return rc;
    }
    rc = azk_detect__record(w->det, rec, on_finding, w, &excluded);
    if (rc != AZK_OK)
        return rc;
    o->excluded += excluded;
    if (o->rec_types != 0 && (o->rec_types & (o->rec_types - 1)) != 0)
        o->multi_rows++;
    if (w->match != NULL) {
        rc = azk_scan__edm_record_end(w->match, o->edm);
        if (rc != AZK_OK)
            return rc;
    }
    return AZK_OK;
}

static void sink_end(void *payload, azk_status st, const azk_error *err)
{
    struct worker *w = payload;
    struct objstate *o = &w->stack[w->depth - 1];
    if (w->match != NULL && o->edm != NULL &&
        azk_scan__edm_object_end(w->match, o->edm) != AZK_OK && st == AZK_OK) {
        st = azk_error_last()->code;
        err = azk_error_last();
    }
    emit_object(w, o, st, err != NULL ? err->message : NULL);
    obj_dispose(o);
    w->depth--;
}

/* ---- sources with progress -------------------------------------------------- */

struct counting_source {
    azk_source inner;
    struct azk_fd_source fd;
    struct worker *w;
};

static void maybe_progress(azk_scanner *s)
{
    uint64_t now, last;
    if (s->progress == NULL)
        return;
    now = azk_now_ns();
    last = s->last_progress_ns;
    if (now - last < 250000000u)
        return;
    if (!atomic_compare_exchange_strong(&s->last_progress_ns, &last, now))
        return;
    pthread_mutex_lock(&s->mu);
    s->stats.bytes = s->bytes_read;
    s->stats.seconds = (double)(now - s->start_ns) / 1e9;
    if (!s->stopped)
        callback_result(s, s->progress(&s->stats, s->progress_payload));
    pthread_mutex_unlock(&s->mu);
}

static azk_status counting_read(void *ctx, uint8_t *buf, size_t cap, size_t *got)
{
    struct counting_source *cs = ctx;
    azk_status rc;
    if (cs->w->s->stopped) /* a callback stopped the run: read no further */
        return azk_error_set(AZK_ERR_IO, "scan stopped by the caller");
    rc = cs->inner.read(cs->inner.ctx, buf, cap, got);
    if (rc == AZK_OK) {
        cs->w->s->bytes_read += *got;
        maybe_progress(cs->w->s);
    }
    return rc;
}

static azk_status counting_seek(void *ctx, int64_t offset, int whence, int64_t *pos)
{
    struct counting_source *cs = ctx;
    return cs->inner.seek(cs->inner.ctx, offset, whence, pos);
}

/* ---- one file ------------------------------------------------------------------ */

static void file_key(struct azk_file_key *k, const struct stat *st)
{
    k->dev = (uint64_t)st->st_dev;
    k->ino = (uint64_t)st->st_ino;
    k->size = (uint64_t)st->st_size;
    k->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    k->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

static bool replay_cached(struct worker *w, const struct stat *st)
{
    azk_scanner *s = w->s;
    struct azk_file_key k;
    json_t *arr = NULL;
    size_t i;
    json_t *item;
    file_key(&k, st);
    if (azk_scan__cache_get(s->cache, &k, &arr) != AZK_OK || arr == NULL)
        return false;
    json_array_foreach(arr, i, item)
    {
        struct azk_owned_result o;
        if (azk_scan__result_from_json(&o, item) != AZK_OK)
            continue;
        o.r.path = w->path;
        o.r.from_cache = true;
        deliver(w, &o.r);
        azk_scan__owned_dispose(&o);
    }
    json_decref(arr);
    pthread_mutex_lock(&s->mu);
    s->stats.cached++;
    s->stats.bytes += 0;
    pthread_mutex_unlock(&s->mu);
    return true;
}

static azk_status open_checked(const char *path, const struct stat *walk_st, int *out_fd,
                               struct stat *st)
{
    /* No O_NOFOLLOW: the walk only hands over a symbolic link it chose to
     * follow (a command-line path, -L), and the (device, inode) check below
     * refuses whatever else a link swapped in between listing and opening. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return azk_error_errno("open");
    if (fstat(fd, st) != 0) {
        azk_status rc = azk_error_errno("fstat");
        close(fd);
        return rc;
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        return azk_error_set(AZK_ERR_UNSUPPORTED, "not a regular file when opened");
    }
    if (st->st_dev != walk_st->st_dev || st->st_ino != walk_st->st_ino) {
        close(fd);
        return azk_error_set(AZK_ERR_IO, "file was replaced between listing and opening");
    }
    /* back to blocking reads */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    *out_fd = fd;
    return AZK_OK;
}

/* Decode one top-level object from fd (object already pushed). */
static azk_status decode_top(struct worker *w, int fd, int64_t size)
{
    struct counting_source cs;
    azk_source src;
    azk_decode_sink sink = {sink_begin, sink_format, sink_record, sink_end, w};
    azk_decode__source_fd(&cs.inner, &cs.fd, fd, size);
    cs.w = w;
    src.read = counting_read;
    src.seek = cs.inner.seek != NULL ? counting_seek : NULL;
    src.ctx = &cs;
    src.size = size;
    return azk_decode__object(&src, &w->s->dopts, &sink);
}

static azk_status scan_file(struct worker *w, struct job *job)
{
    azk_scanner *s = w->s;
    azk_status rc, st_obj;
    azk_buf pathbuf = AZK_BUF_INIT;
    int fd = -1;
    struct stat st, st2;
    azk_object_info info = {NULL, 0, job->st.st_size};
    char msg[512] = "";

    rc = azk_buf_put_escaped_name(&pathbuf, job->path, strlen(job->path));
    if (rc != AZK_OK)
        goto done;
    w->path = (const char *)pathbuf.data;
    w->cacheable = false;

    if (s->cache != NULL && replay_cached(w, &job->st))
        goto done;
    if (s->cache != NULL) {
        w->cache_results = json_array();
        w->cacheable = w->cache_results != NULL;
    }

    pthread_mutex_lock(&s->mu);
    s->stats.files++;
    pthread_mutex_unlock(&s->mu);

    rc = obj_push(w, &info);
    if (rc != AZK_OK)
        goto done;

    azk_error_clear();
    st_obj = open_checked(job->path, &job->st, &fd, &st);
    if (st_obj == AZK_OK && s->opts.max_file_size > 0 &&
        (uint64_t)st.st_size > s->opts.max_file_size) {
        st_obj = azk_error_set(AZK_ERR_LIMIT, "file of %lld bytes is over the size limit",
                               (long long)st.st_size);
    }
    if (st_obj == AZK_OK) {
        st_obj = decode_top(w, fd, (int64_t)st.st_size);
        if (st_obj == AZK_ERR_NOMEM)
            rc = st_obj;
        if (st_obj == AZK_OK && fstat(fd, &st2) == 0 &&
            (st2.st_size != st.st_size || st2.st_mtim.tv_sec != st.st_mtim.tv_sec ||
             st2.st_mtim.tv_nsec != st.st_mtim.tv_nsec)) {
            st_obj = azk_error_set(AZK_ERR_IO, "file changed while it was read");
        }
    }
    if (st_obj != AZK_OK) {
        snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
        /* transient conditions are not cached */
        if (st_obj == AZK_ERR_IO || st_obj == AZK_ERR_PERM || st_obj == AZK_ERR_NOMEM ||
            st_obj == AZK_ERR_NOTFOUND)
            w->cacheable = false;
    }
    /* unwind members the decoder left open after a fatal callback error */
    while (w->depth > 1)
        sink_end(w, AZK_ERR_FORMAT, azk_error_last());
    {
        azk_error e = {st_obj, msg};
        sink_end(w, st_obj, &e);
    }
    if (s->cache != NULL && w->cacheable && st_obj != AZK_ERR_IO) {
        struct azk_file_key k;
        file_key(&k, &st);
        if (azk_scan__cache_put(s->cache, &k, w->cache_results) != AZK_OK)
            azk_log(AZK_LOG_WARN, "scan cache: %s", azk_error_last()->message);
        w->cache_results = NULL; /* stolen */
    }
done:
    if (fd >= 0)
        close(fd);
    if (w->cache_results != NULL) {
        json_decref(w->cache_results);
        w->cache_results = NULL;
    }
    azk_buf_dispose(&pathbuf);
    w->path = NULL;
    return rc;
}

/* ---- queue and threads ------------------------------------------------------------ */

static bool queue_pop(azk_scanner *s, struct job *out)
{
    pthread_mutex_lock(&s->mu);
    while (s->q_len == 0 && !s->q_closed)
        pthread_cond_wait(&s->not_empty, &s->mu);
    if (s->q_len == 0) {
        pthread_mutex_unlock(&s->mu);
        return false;
    }
    *out = s->queue[s->q_head];
    s->q_head = (s->q_head + 1) % QUEUE_CAP;
    s->q_len--;
    pthread_cond_signal(&s->not_full);
    pthread_mutex_unlock(&s->mu);
    return true;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    azk_scanner *s = w->s;
    struct job job;
    while (queue_pop(s, &job)) {
        azk_status rc = AZK_OK;
        if (s->fatal == AZK_OK)
            rc = scan_file(w, &job);
        azk_free(job.path);
        if (rc != AZK_OK) {
            pthread_mutex_lock(&s->mu);
            if (s->fatal == AZK_OK)
                s->fatal = rc;
            pthread_mutex_unlock(&s->mu);
        }
    }
    return NULL;
}

static azk_status walk_file(void *payload, char *path, const struct stat *st)
{
    azk_scanner *s = payload;
    if (s->stopped) { /* a callback stopped the run: end the walk */
        azk_free(path);
        return s->fatal;
    }
    pthread_mutex_lock(&s->mu);
    while (s->q_len == QUEUE_CAP)
        pthread_cond_wait(&s->not_full, &s->mu);
    s->queue[(s->q_head + s->q_len) % QUEUE_CAP].path = path;
    s->queue[(s->q_head + s->q_len) % QUEUE_CAP].st = *st;
    s->q_len++;
    pthread_cond_signal(&s->not_empty);
    pthread_mutex_unlock(&s->mu);
    return AZK_OK;
}

static void walk_error(void *payload, const char *path, azk_status st, const char *msg)
{
    azk_scanner *s = payload;
    azk_scan_result r;
    azk_buf pb = AZK_BUF_INIT;
    memset(&r, 0, sizeof(r));
    if (azk_buf_put_escaped_name(&pb, path, strlen(path)) != AZK_OK)
        return;
    r.path = (const char *)pb.data;
    r.error = st;
    r.error_code = azk_status_name(st);
    r.error_message = msg;
    pthread_mutex_lock(&s->mu);
    s->stats.objects++;
    s->stats.errors++;
    callback_result(s, s->stopped ? AZK_OK : s->cb(&r, s->cb_payload));
    pthread_mutex_unlock(&s->mu);
    azk_buf_dispose(&pb);
}

static void walk_skipped(void *payload, const char *path, const char *why)
{
    azk_scanner *s = payload;
    (void)path;
    (void)why;
    pthread_mutex_lock(&s->mu);
    s->stats.skipped++;
    pthread_mutex_unlock(&s->mu);
}

/* ---- public API ------------------------------------------------------------------ */

/* The run's failure, with a message on the calling thread (the workers' are lost). */
static azk_status stopped_error(azk_scanner *s)
{
    if (s->stopped)
        return azk_error_set(s->fatal, "scan stopped: a callback returned %s",
                             azk_status_name(s->fatal));
    return azk_error_set(s->fatal, "scan failed: %s", azk_status_name(s->fatal));
}

static void hash_str(crypto_generichash_state *h, const char *v)
{
    if (v == NULL)
        v = "";
    crypto_generichash_update(h, (const uint8_t *)v, strlen(v) + 1);
}

static azk_status compute_engine_id(azk_scanner *s)
{
    crypto_generichash_state h;
    uint8_t out[32];
    const azk_scan_options *o = &s->opts;
    char tmp[256];
    crypto_generichash_init(&h, NULL, 0, sizeof(out));
#define H_STR(x) hash_str(&h, (x))
    H_STR(azk_version());
    H_STR(AZK_ENGINE_REVISION);
    snprintf(tmp, sizeof(tmp), "%u|%.6f|%u|%llu|%u|%llu|%zu|%llu", o->types, o->min_confidence,
             o->max_depth, (unsigned long long)o->max_expanded, o->max_ratio,
             (unsigned long long)o->max_entries, o->max_findings,
             (unsigned long long)o->max_file_size);
    H_STR(tmp);
    H_STR(o->encoding);
    for (size_t i = 0; i < o->allow_value_count; i++)
        H_STR(o->allow_values[i]);
    H_STR("|");
    for (size_t i = 0; i < o->allow_pattern_count; i++)
        H_STR(o->allow_patterns[i]);
    H_STR("|");
    if (s->fp != NULL) {
        uint8_t fid[32];
        azk_scan__edm_index_id(s->fp, fid);
        crypto_generichash_update(&h, fid, sizeof(fid));
    }
#undef H_STR
    crypto_generichash_final(&h, out, sizeof(out));
    sodium_bin2hex(s->engine_id, sizeof(s->engine_id), out, sizeof(out));
    return AZK_OK;
}

azk_status azk_scanner_new(azk_scanner **out, const azk_scan_options *opts_in)
{
    static const azk_scan_options opts_def = AZK_SCAN_OPTIONS_INIT;
    azk_scan_options opts_v;
    const azk_scan_options *opts = &opts_v;
    azk_status rc = AZK_OK;
    azk_scanner *s = NULL;
    azk_detect_options dop = AZK_DETECT_OPTIONS_INIT;
    azk_decode_options deo = AZK_DECODE_OPTIONS_INIT;

    if (out != NULL)
        *out = NULL; /* also when the options are refused */
    if (azk__options_in(&opts_v, sizeof(opts_v), &opts_def, opts_in, true, "azk_scanner_new") !=
        AZK_OK)
        return azk_error_last()->code;
    AZK_ASSERT_ARG(out != NULL);
    AZK_ASSERT_ARG(opts != NULL);
    azk_error_clear();
    *out = NULL;
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    s = azk_calloc(1, sizeof(*s));
    if (s == NULL)
        return azk_error_nomem();
    s->opts = *opts;
    if (s->opts.max_findings == 0)
        s->opts.max_findings = 10000;
    if (opts->encoding != NULL && azk_decode__encoding_canonical(opts->encoding) == NULL) {
        rc = azk_error_set(AZK_ERR_ARG, "unknown encoding: %s", opts->encoding);
        goto done;
    }
    deo.force_encoding =
        opts->encoding != NULL ? azk_decode__encoding_canonical(opts->encoding) : NULL;
    if (opts->max_depth > 0)
        deo.max_depth = opts->max_depth;
    if (opts->max_expanded > 0)
        deo.max_total_expanded = opts->max_expanded;
    if (opts->max_ratio > 0)
        deo.max_ratio = opts->max_ratio;
    if (opts->max_entries > 0)
        deo.max_entries = opts->max_entries;
    s->dopts = deo;

    dop.allow_values = opts->allow_values;
    dop.allow_value_count = opts->allow_value_count;
    dop.allow_patterns = opts->allow_patterns;
    dop.allow_pattern_count = opts->allow_pattern_count;
    dop.types = opts->types;
    dop.min_confidence = opts->min_confidence > 0 ? opts->min_confidence : 0.5;
    rc = azk_detect__engine_new(&s->eng, &dop);
    if (rc != AZK_OK)
        goto done;
    if (opts->fingerprints != NULL) {
        azk_buf kp = AZK_BUF_INIT;
        /* the key is written beside the export as FILE.key by default */
        if (opts->fingerprint_key == NULL)
            rc = azk_buf_printf(&kp, "%s.key", opts->fingerprints);
        if (rc == AZK_OK)
            rc = azk_scan__edm_index_load(&s->fp, opts->fingerprints,
                                          opts->fingerprint_key != NULL ? opts->fingerprint_key
                                                                        : (const char *)kp.data);
        azk_buf_dispose(&kp);
        if (rc != AZK_OK)
            goto done;
    }
    rc = compute_engine_id(s);
    if (rc != AZK_OK)
        goto done;
    if (opts->cache_path != NULL) {
        rc = azk_scan__cache_open(&s->cache, opts->cache_path, s->engine_id);
        if (rc != AZK_OK)
            goto done;
    }
    *out = s;
    s = NULL;
done:
    azk_scanner_free(s);
    return rc;
}

azk_status azk_scan__scanner_new_sharing(azk_scanner **out, const azk_scan_options *opts,
                                         const azk_scanner *donor)
{
    azk_scan_options o;
    azk_status rc;
    AZK_ASSERT_ARG(out != NULL && opts != NULL && donor != NULL);
    o = *opts;
    o.fingerprints = NULL; /* not loaded again: the donor's index is shared */
    o.fingerprint_key = NULL;
    o.cache_path = NULL;
    rc = azk_scanner_new(out, &o);
    if (rc != AZK_OK)
        return rc;
    (*out)->fp = azk_scan__edm_index_ref(donor->fp);
    return compute_engine_id(*out);
}

azk_status azk_scan__scanner_set_confirm(azk_scanner *s, const uint8_t key[32],
                                         azk_scan_evidence_cb cb, void *payload)
{
    AZK_ASSERT_ARG(s != NULL && key != NULL && cb != NULL);
    if (s->fp == NULL)
        return azk_error_set(AZK_ERR_ARG, "confirmation needs fingerprints");
    if (s->cache != NULL)
        return azk_error_set(AZK_ERR_ARG, "confirmation cannot use the incremental cache");
    memcpy(s->confirm_key, key, sizeof(s->confirm_key));
    s->confirm = true;
    s->confirm_cb = cb;
    s->confirm_payload = payload;
    return AZK_OK;
}

void azk_scanner_set_progress(azk_scanner *s, azk_scan_progress_cb cb, void *payload)
{
    s->progress = cb;
    s->progress_payload = payload;
}

static void run_state_init(azk_scanner *s, azk_scan_result_cb cb, void *payload)
{
    memset(&s->stats, 0, sizeof(s->stats));
    s->bytes_read = 0;
    s->q_head = s->q_len = 0;
    s->q_closed = false;
    s->cb = cb;
    s->cb_payload = payload;
    s->fatal = AZK_OK;
    s->stopped = false;
    s->start_ns = azk_now_ns();
    s->last_progress_ns = s->start_ns;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->not_empty, NULL);
    pthread_cond_init(&s->not_full, NULL);
}

static void run_state_dispose(azk_scanner *s)
{
    pthread_cond_destroy(&s->not_full);
    pthread_cond_destroy(&s->not_empty);
    pthread_mutex_destroy(&s->mu);
}

static azk_status worker_init(struct worker *w, azk_scanner *s)
{
    azk_status rc;
    memset(w, 0, sizeof(*w));
    w->s = s;
    rc = azk_detect__ctx_new(&w->det, s->eng);
    if (rc == AZK_OK && s->fp != NULL)
        rc = azk_scan__edm_ctx_new(&w->match, s->fp);
    if (rc == AZK_OK && w->match != NULL && s->confirm)
        azk_scan__edm_ctx_confirm(w->match, s->confirm_key, s->confirm_cb, s->confirm_payload);
    return rc;
}

static void worker_dispose(struct worker *w)
{
    azk_detect__ctx_free(w->det);
    azk_scan__edm_ctx_free(w->match);
    for (size_t d = 0; d < w->depth; d++)
        obj_dispose(&w->stack[d]);
    azk_free(w->stack);
    memset(w, 0, sizeof(*w));
}

azk_status azk_scanner_scan_fd(azk_scanner *s, int fd, const char *name, azk_scan_result_cb cb,
                               void *payload, azk_scan_stats *stats)
{
    azk_status rc, st_obj;
    struct worker w;
    azk_buf namebuf = AZK_BUF_INIT;
    azk_object_info info = {NULL, 0, -1};
    char msg[512] = "";
    struct stat st;

    AZK_ASSERT_ARG(s != NULL);
    AZK_ASSERT_ARG(cb != NULL);
    AZK_ASSERT_ARG(name != NULL);
    azk_error_clear();
    run_state_init(s, cb, payload);
    rc = worker_init(&w, s);
    if (rc != AZK_OK)
        goto done;
    rc = azk_buf_put_escaped_name(&namebuf, name, strlen(name));
    if (rc != AZK_OK)
        goto done;
    w.path = (const char *)namebuf.data;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        info.size = (int64_t)st.st_size;
    s->stats.files = 1;
    rc = obj_push(&w, &info);
    if (rc != AZK_OK)
        goto done;
    st_obj = decode_top(&w, fd, info.size);
    if (st_obj != AZK_OK)
        snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
    if (st_obj == AZK_ERR_NOMEM)
        rc = st_obj;
    while (w.depth > 1)
        sink_end(&w, AZK_ERR_FORMAT, azk_error_last());
    {
        azk_error e = {st_obj, msg};
        sink_end(&w, st_obj, &e);
    }
    s->stats.bytes = s->bytes_read;
    s->stats.seconds = (double)(azk_now_ns() - s->start_ns) / 1e9;
    if (stats != NULL)
        *stats = s->stats;
    if (rc == AZK_OK && s->fatal != AZK_OK)
        rc = stopped_error(s);
done:
    worker_dispose(&w);
    azk_buf_dispose(&namebuf);
    run_state_dispose(s);
    return rc;
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

azk_status azk_scanner_run(azk_scanner *s, const char *const *paths, size_t path_count,
                           azk_scan_result_cb cb, void *payload, azk_scan_stats *stats)
{
    azk_status rc = AZK_OK;
    unsigned n = s->opts.threads > 0 ? s->opts.threads : default_threads();
    struct worker *ws = NULL;
    pthread_t *tids = NULL;
    unsigned started = 0;
    struct azk_walk_opts wo;
    struct azk_walk_cb wcb = {walk_file, walk_error, walk_skipped, s};
    const char **ex = NULL;

    AZK_ASSERT_ARG(cb != NULL);
    azk_error_clear();
    memset(&wo, 0, sizeof(wo));
    wo.follow_symlinks = s->opts.follow_symlinks;
    wo.one_file_system = s->opts.one_file_system;
    wo.include = s->opts.include;
    wo.include_count = s->opts.include_count;
    /* allow-listed paths are not walked at all; they join the excludes */
    {
        size_t total = s->opts.exclude_count + s->opts.allow_path_count;
        if (total > 0) {
            ex = azk_calloc(total, sizeof(char *));
            if (ex == NULL)
                return azk_error_nomem();
            for (size_t i = 0; i < s->opts.exclude_count; i++)
                ex[i] = s->opts.exclude[i];
            for (size_t i = 0; i < s->opts.allow_path_count; i++)
                ex[s->opts.exclude_count + i] = s->opts.allow_paths[i];
        }
        wo.exclude = ex;
        wo.exclude_count = total;
    }

    run_state_init(s, cb, payload);

    ws = azk_calloc(n, sizeof(*ws));
    tids = azk_calloc(n, sizeof(*tids));
    if (ws == NULL || tids == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (unsigned i = 0; i < n; i++) {
        rc = worker_init(&ws[i], s);
        if (rc != AZK_OK)
            goto done;
    }
    for (; started < n; started++) {
        if (pthread_create(&tids[started], NULL, worker_main, &ws[started]) != 0) {
            rc = azk_error_set(AZK_ERR_NOMEM, "cannot start worker thread");
            break;
        }
    }
    if (started > 0) {
        for (size_t i = 0; i < path_count && rc == AZK_OK; i++)
            rc = azk_walk__path(paths[i], &wo, &wcb);
    }
    pthread_mutex_lock(&s->mu);
    s->q_closed = true;
    pthread_cond_broadcast(&s->not_empty);
    pthread_mutex_unlock(&s->mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    /* the queue may hold paths if the walk failed before any worker ran */
    while (s->q_len > 0) {
        azk_free(s->queue[s->q_head].path);
        s->q_head = (s->q_head + 1) % QUEUE_CAP;
        s->q_len--;
    }
    if (s->stopped || (rc == AZK_OK && s->fatal != AZK_OK))
        rc = stopped_error(s);
    s->stats.bytes = s->bytes_read;
    s->stats.seconds = (double)(azk_now_ns() - s->start_ns) / 1e9;
    if (stats != NULL)
        *stats = s->stats;
done:
    if (ws != NULL) {
        for (unsigned i = 0; i < n; i++)
            worker_dispose(&ws[i]);
    }
    azk_free(ws);
    azk_free(tids);
    azk_free(ex);
    run_state_dispose(s);
    return rc;
}

void azk_scanner_free(azk_scanner *s)
{
    if (s == NULL)
        return;
    azk_scan__cache_close(s->cache);
    azk_scan__edm_index_free(s->fp);
    azk_detect__engine_free(s->eng);
    sodium_memzero(s->confirm_key, sizeof(s->confirm_key));
    azk_free(s);
}
