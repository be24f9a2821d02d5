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
 *
 * This file: the queue, the threads and the public API; one file's scan
 * (decode sink, detection, result delivery) is scanner_file.c (shared:
 * scanner_int.h).
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "scan/scanner_int.h"

/* ---- queue and threads ------------------------------------------------------------ */

/*
 * The next work: a range of a large file being split (*rt, first: it holds
 * up a worker waiting for it), else a file (*out); false at the end (the
 * queue closed and empty, and no worker still on a file: it may yet split
 * it, and an idle worker stays to help). *holding: the caller was on a
 * file (done now); set when a file is handed out.
 */
static bool queue_pop(azk_scanner *s, struct job *out, struct azk_range_task **rt, bool *holding)
{
    pthread_mutex_lock(&s->q_mu);
    if (*holding) {
        *holding = false;
        s->busy--;
        if (s->busy == 0 && s->q_closed && s->q_pop_waiters > 0)
            pthread_cond_broadcast(&s->not_empty); /* the last file is done: all may leave */
    }
    for (;;) {
        *rt = azk_scan__split_claim(s);
        if (*rt != NULL) {
            pthread_mutex_unlock(&s->q_mu);
            return true;
        }
        if (s->q_len > 0)
            break;
        if (s->q_closed && s->busy == 0) {
            pthread_mutex_unlock(&s->q_mu);
            return false;
        }
        s->q_pop_waiters++;
        pthread_cond_wait(&s->not_empty, &s->q_mu);
        s->q_pop_waiters--;
    }
    *out = s->queue[s->q_head];
    s->busy++;
    *holding = true;
    s->q_head = (s->q_head + 1) % QUEUE_CAP;
    s->q_len--;
    if (s->q_push_waiting && s->q_len <= QUEUE_CAP / 2) {
        s->q_push_waiting = false;
        pthread_cond_signal(&s->not_full);
    }
    pthread_mutex_unlock(&s->q_mu);
    return true;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    azk_scanner *s = w->s;
    struct job job;
    struct azk_range_task *rt;
    bool holding = false;
    while (queue_pop(s, &job, &rt, &holding)) {
        azk_status rc = AZK_OK;
        if (rt != NULL) {
            azk_scan__split_run(w, rt);
            continue;
        }
        if (s->fatal == AZK_OK)
            rc = azk_scan__scan_file(w, &job);
        azk_walk__dir_release(job.dir);
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

/*
 * How many directories the walk may keep open for queued files: DIR_HANDLE_CAP, less
 * when the descriptor limit is low. What is left after a reserve (the walk's open
 * ancestors, up to WALK_FD_DEPTH, each worker's file and its containers' temporary
 * files, the caller's own descriptors) is shared half and half; nothing is held when
 * the limit leaves no room, as before handles existed. Without this, 64 handles under
 * a soft limit of 64 made the walk's opendir fail: whole directories unscanned.
 */
static unsigned dir_handle_cap(unsigned threads)
{
    struct rlimit rl;
    rlim_t reserve = 96 + (rlim_t)8 * threads;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur == RLIM_INFINITY)
        return DIR_HANDLE_CAP;
    if (rl.rlim_cur <= reserve)
        return 0;
    if ((rl.rlim_cur - reserve) / 2 < DIR_HANDLE_CAP)
        return (unsigned)((rl.rlim_cur - reserve) / 2);
    return DIR_HANDLE_CAP;
}

static azk_status walk_file(void *payload, char *path, const struct stat *st,
                            struct azk_walk_dir *dir, size_t name_off)
{
    azk_scanner *s = payload;
    struct job *j;
    if (s->stopped) { /* a callback stopped the run: end the walk */
        azk_walk__dir_release(dir);
        azk_free(path);
        return s->fatal;
    }
    pthread_mutex_lock(&s->q_mu);
    while (s->q_len == QUEUE_CAP) {
        s->q_push_waiting = true;
        pthread_cond_wait(&s->not_full, &s->q_mu);
    }
    j = &s->queue[(s->q_head + s->q_len) % QUEUE_CAP];
    j->path = path;
    j->have_st = st != NULL;
    if (st != NULL)
        j->st = *st;
    j->dir = dir;
    j->name_off = name_off;
    s->q_len++;
    if (s->q_pop_waiters > 0)
        pthread_cond_signal(&s->not_empty);
    pthread_mutex_unlock(&s->q_mu);
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
    azk_scan__callback_result(s, s->stopped ? AZK_OK : s->cb(&r, s->cb_payload));
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
        if (opts->cache_changed_only)
            azk_scan__cache_set_manual(s->cache);
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
    s->q_pop_waiters = 0;
    s->q_push_waiting = false;
    s->cb = cb;
    s->cb_payload = payload;
    s->fatal = AZK_OK;
    s->stopped = false;
    s->splits = NULL;
    s->busy = 0;
    s->dir_handles = 0;
    s->split_min = 0; /* azk_scanner_run sets it when it has workers to split with */
    s->threads = 1;
    s->start_ns = azk_now_ns();
    s->last_progress_ns = s->start_ns;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->q_mu, NULL);
    pthread_cond_init(&s->not_empty, NULL);
    pthread_cond_init(&s->not_full, NULL);
}

static void run_state_dispose(azk_scanner *s)
{
    pthread_cond_destroy(&s->not_full);
    pthread_cond_destroy(&s->not_empty);
    pthread_mutex_destroy(&s->q_mu);
    pthread_mutex_destroy(&s->mu);
}

static azk_status worker_init(struct worker *w, azk_scanner *s)
{
    azk_status rc;
    memset(w, 0, sizeof(*w));
    w->s = s;
    w->euid = geteuid();
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
        azk_scan__obj_dispose(&w->stack[d]);
    azk_free(w->stack);
    azk_buf_dispose(&w->pathbuf);
    azk_decode__spare_dispose(&w->spare);
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
    rc = azk_scan__obj_push(&w, &info);
    if (rc != AZK_OK)
        goto done;
    st_obj = azk_scan__decode_top(&w, fd, info.size, false);
    if (st_obj != AZK_OK)
        snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
    if (st_obj == AZK_ERR_NOMEM)
        rc = st_obj;
    while (w.depth > 1)
        azk_scan__sink_end(&w, AZK_ERR_FORMAT, azk_error_last());
    {
        azk_error e = {st_obj, msg};
        azk_scan__sink_end(&w, st_obj, &e);
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
    wo.dir_handles = &s->dir_handles;
    wo.dir_handle_cap = dir_handle_cap(n);
    wo.lazy_regular = s->cache == NULL; /* the cache keys on the walk's stat */
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
    s->threads = n;
    s->split_min = azk_scan__split_min(n);

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
    pthread_mutex_lock(&s->q_mu);
    s->q_closed = true;
    pthread_cond_broadcast(&s->not_empty);
    pthread_mutex_unlock(&s->q_mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    /* the queue may hold paths if the walk failed before any worker ran */
    while (s->q_len > 0) {
        azk_walk__dir_release(s->queue[s->q_head].dir);
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

azk_status azk_scanner_cache_commit(azk_scanner *s)
{
    AZK_ASSERT_ARG(s != NULL);
    return s->cache != NULL && s->opts.cache_changed_only ? azk_scan__cache_commit(s->cache)
                                                          : AZK_OK;
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
