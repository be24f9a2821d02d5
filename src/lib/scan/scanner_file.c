/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan/scanner_file.c -- one file in a scanner worker: opened without
 * following a replaced path, replayed from the incremental cache or
 * decoded (with progress counted on the read side), each record run
 * through detection and the fingerprints, and one result per object
 * delivered to the caller under the scanner's mutex. Part of the scanner
 * in scanner.c (shared: scanner_int.h).
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
#include "scan/scanner_int.h"

void azk_scan__obj_dispose(struct objstate *o)
{
    for (size_t i = 0; i < o->member_count; i++)
        azk_free(o->member[i]);
    azk_free(o->member);
    azk_free(o->findings);
    azk_scan__edm_obj_free(o->edm);
    memset(o, 0, sizeof(*o));
}

azk_status azk_scan__obj_push(struct worker *w, const azk_object_info *info)
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
                azk_scan__obj_dispose(o);
                return azk_error_nomem();
            }
            o->member[i] = azk_buf_detach(&b);
            o->member_count++;
        }
    }
    if (w->s->fp != NULL) {
        rc = azk_scan__edm_obj_new(&o->edm);
        if (rc != AZK_OK) {
            azk_scan__obj_dispose(o);
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
void azk_scan__callback_result(azk_scanner *s, azk_status rc)
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
    azk_scan__callback_result(s, s->stopped ? AZK_OK : s->cb(r, s->cb_payload));
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
    return azk_scan__obj_push(payload, info);
}

/* src into dst[cap] as snprintf("%s") would (cut to cap - 1 bytes), without printf */
static void copy_cut(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void azk_scan__sink_format(void *payload, const char *format, const char *encoding)
{
    struct worker *w = payload;
    struct objstate *o = &w->stack[w->depth - 1];
    copy_cut(o->format, sizeof(o->format), format != NULL ? format : "binary");
    copy_cut(o->encoding, sizeof(o->encoding), encoding != NULL ? encoding : "");
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

azk_status azk_scan__sink_record(void *payload, const azk_record *rec)
{
    struct worker *w = payload;
    struct objstate *o = &w->stack[w->depth - 1];
    azk_status rc;
    o->records++;
    o->rec_types = 0;
    if (w->match != NULL) {
        rc = azk_scan__edm_record_begin(w->match, rec);
        if (rc != AZK_OK)
            return rc;
    }
    rc = azk_detect__record(w->det, rec, on_finding, w, &w->rec_excluded);
    if (rc != AZK_OK)
        return rc;
    o->excluded += w->rec_excluded;
    if (o->rec_types != 0 && (o->rec_types & (o->rec_types - 1)) != 0)
        o->multi_rows++;
    if (w->match != NULL) {
        rc = azk_scan__edm_record_end(w->match, o->edm);
        if (rc != AZK_OK)
            return rc;
    }
    return AZK_OK;
}

void azk_scan__sink_end(void *payload, azk_status st, const azk_error *err)
{
    struct worker *w = payload;
    struct objstate *o = &w->stack[w->depth - 1];
    if (w->match != NULL && o->edm != NULL &&
        azk_scan__edm_object_end(w->match, o->edm) != AZK_OK && st == AZK_OK) {
        st = azk_error_last()->code;
        err = azk_error_last();
    }
    emit_object(w, o, st, err != NULL ? err->message : NULL);
    azk_scan__obj_dispose(o);
    w->depth--;
}

/* ---- sources with progress -------------------------------------------------- */

struct counting_source {
    azk_source inner;
    struct azk_fd_source fd;
    struct worker *w;
};

void azk_scan__maybe_progress(azk_scanner *s)
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
        azk_scan__callback_result(s, s->progress(&s->stats, s->progress_payload));
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
        azk_scan__maybe_progress(cs->w->s);
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

/* changed_only: the path (hash ph) was answered with the version st (a failure only warns). */
static void path_put(azk_scanner *s, const uint8_t ph[32], const struct stat *st)
{
    struct azk_file_key k;
    file_key(&k, st);
    if (azk_scan__cache_path_put(s->cache, ph, &k) != AZK_OK)
        azk_log(AZK_LOG_WARN, "scan cache: %s", azk_error_last()->message);
}

#ifdef AZK_TESTING
void (*azk_scan__test_before_open)(const char *path);
void (*azk_scan__test_after_read)(const char *path);
#endif

/* The file of job, opened: by its name in the directory the walk listed when the walk
 * kept that open, else by its path. */
static int open_job(const struct job *job, int flags)
{
    if (job->dir != NULL)
        return openat(azk_walk__dir_fd(job->dir), job->path + job->name_off, flags | O_NOFOLLOW);
    return open(job->path, flags);
}

static azk_status open_checked(struct worker *w, const struct job *job, int *out_fd,
                               struct stat *st)
{
    /* By path, no O_NOFOLLOW: the walk only hands over a symbolic link it chose
     * to follow (a command-line path, -L), and the (device, inode) check below
     * refuses whatever else a link swapped in between listing and opening. By
     * name in the listed directory: that directory, even if it was moved or a
     * link took its place since, and never a link in place of the file. */
    const struct stat *walk_st = &job->st;
    int fd;
#ifdef AZK_TESTING
    if (azk_scan__test_before_open != NULL)
        azk_scan__test_before_open(job->path);
#endif
    if (!w->noatime_refused) {
        fd = open_job(job, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOATIME);
        if (fd < 0 && errno == EPERM) {
            w->noatime_refused = true;
            fd = open_job(job, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        }
    } else {
        fd = open_job(job, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    }
    if (fd < 0 && errno == ELOOP && job->dir != NULL)
        return azk_error_set(AZK_ERR_IO, "file was replaced between listing and opening");
    if (fd < 0) {
        int e = errno;
        azk_status rc = azk_error_errno("open");
        struct stat lst;
        /* not stat'ed by the walk: the error record's size from the entry, if it has one */
        if (!job->have_st && e != ENOENT &&
            fstatat(azk_walk__dir_fd(job->dir), job->path + job->name_off, &lst,
                    AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(lst.st_mode))
            st->st_size = lst.st_size;
        return rc;
    }
    if (azk_scan__fstat(fd, st) != 0) {
        azk_status rc = azk_error_errno("fstat");
        close(fd);
        st->st_size = -1;
        return rc;
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        st->st_size = -1;
        return azk_error_set(AZK_ERR_UNSUPPORTED, "not a regular file when opened");
    }
    /* (not stat'ed by the walk: opened by name in the listed directory with O_NOFOLLOW, a
     * regular file: whatever regular file has that name now is the one scanned) */
    if (job->have_st && (st->st_dev != walk_st->st_dev || st->st_ino != walk_st->st_ino)) {
        close(fd);
        return azk_error_set(AZK_ERR_IO, "file was replaced between listing and opening");
    }
    /* opened without O_NOATIME (refused before): ours, it is permitted (before any read) */
    if (w->noatime_refused && st->st_uid == w->euid)
        (void)fcntl(fd, F_SETFL, O_NONBLOCK | O_NOATIME);
    /* O_NONBLOCK stays: it kept open() from hanging on a FIFO swapped in,
     * and reads of a regular file ignore it (two fcntl calls per file saved) */
    *out_fd = fd;
    return AZK_OK;
}

/* Decode one top-level object from fd (object already pushed); opened: fd was just
 * opened by scan_file, which checks its size again afterwards
 * (azk_decode__source_fd_opened). */
azk_status azk_scan__decode_top(struct worker *w, int fd, int64_t size, bool opened)
{
    struct counting_source cs;
    azk_source src;
    azk_decode_sink sink = {sink_begin, azk_scan__sink_format, azk_scan__sink_record,
                            azk_scan__sink_end, w};
    if (opened)
        azk_decode__source_fd_opened(&cs.inner, &cs.fd, fd, size);
    else
        azk_decode__source_fd(&cs.inner, &cs.fd, fd, size);
    cs.w = w;
    src.read = counting_read;
    src.seek = cs.inner.seek != NULL ? counting_seek : NULL;
    src.ctx = &cs;
    src.size = size;
    return azk_decode__object_spare(&src, &w->s->dopts, &sink, &w->spare);
}

azk_status azk_scan__scan_file(struct worker *w, struct job *job)
{
    azk_scanner *s = w->s;
    azk_status rc, st_obj;
    azk_buf *pathbuf = &w->pathbuf;
    int fd = -1;
    struct stat st, st2;
    azk_object_info info = {NULL, 0, job->have_st ? (int64_t)job->st.st_size : -1};
    char msg[512] = "";
    uint8_t ph[32];
    bool track = s->cache != NULL && s->opts.cache_changed_only;

    azk_buf_clear(pathbuf);
    rc = azk_buf_put_escaped_name(pathbuf, job->path, strlen(job->path));
    if (rc != AZK_OK)
        goto done;
    w->path = (const char *)pathbuf->data;
    w->cacheable = false;

    if (track) {
        /* changed_only: a path answered before with this very version is not delivered */
        struct azk_file_key k;
        bool same = false;
        file_key(&k, &job->st);
        if (azk_scan__cache_path_same(s->cache, job->path, &k, ph, &same) != AZK_OK) {
            azk_log(AZK_LOG_WARN, "scan cache: %s", azk_error_last()->message);
            track = false; /* delivered, as without the option */
        } else if (same) {
            pthread_mutex_lock(&s->mu);
            s->stats.cached++;
            pthread_mutex_unlock(&s->mu);
            goto done;
        }
    }
    if (s->cache != NULL && replay_cached(w, &job->st)) {
        /* a version known under another name (a hard link, a renamed directory) */
        if (track)
            path_put(s, ph, &job->st);
        goto done;
    }
    if (s->cache != NULL) {
        w->cache_results = json_array();
        w->cacheable = w->cache_results != NULL;
    }

    pthread_mutex_lock(&s->mu);
    s->stats.files++;
    pthread_mutex_unlock(&s->mu);

    rc = azk_scan__obj_push(w, &info);
    if (rc != AZK_OK)
        goto done;

    azk_error_clear();
    st.st_size = -1;
    st_obj = open_checked(w, job, &fd, &st);
    if (!job->have_st) /* the size from the descriptor (or the entry, on an open error) */
        w->stack[w->depth - 1].size = (int64_t)st.st_size;
    if (st_obj == AZK_OK && s->opts.max_file_size > 0 &&
        (uint64_t)st.st_size > s->opts.max_file_size) {
        st_obj = azk_error_set(AZK_ERR_LIMIT, "file of %lld bytes is over the size limit",
                               (long long)st.st_size);
    }
    if (st_obj == AZK_OK) {
        bool split = false;
        /* a large text file: in ranges on several workers (split.c), else in one pass
         * (split.c reads by pread: the descriptor is still at offset 0) */
        st_obj = azk_scan__split(w, fd, (int64_t)st.st_size, &split);
        if (!split)
            st_obj = azk_scan__decode_top(w, fd, (int64_t)st.st_size, true);
        if (st_obj == AZK_ERR_NOMEM)
            rc = st_obj;
#ifdef AZK_TESTING
        if (azk_scan__test_after_read != NULL)
            azk_scan__test_after_read(job->path);
#endif
        if (st_obj == AZK_OK && azk_scan__fstat(fd, &st2) == 0 &&
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
        azk_scan__sink_end(w, AZK_ERR_FORMAT, azk_error_last());
    {
        azk_error e = {st_obj, msg};
        azk_scan__sink_end(w, st_obj, &e);
    }
    if (s->cache != NULL && w->cacheable && st_obj != AZK_ERR_IO) {
        struct azk_file_key k;
        file_key(&k, &st);
        if (azk_scan__cache_put(s->cache, &k, w->cache_results) != AZK_OK)
            azk_log(AZK_LOG_WARN, "scan cache: %s", azk_error_last()->message);
        else if (track)
            path_put(s, ph, &st);
        w->cache_results = NULL; /* stolen */
    }
done:
    if (fd >= 0)
        close(fd);
    if (w->cache_results != NULL) {
        json_decref(w->cache_results);
        w->cache_results = NULL;
    }
    w->path = NULL;
    return rc;
}
