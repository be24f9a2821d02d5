/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent/run.c -- one cycle of azukari agent (azk_agent_run): renew the
 * certificate when it nears expiry; fetch the sweep policy and check its
 * Ed25519 signature with the key pinned at enrolment (a bad signature is
 * refused and recorded; the last verified policy, kept in
 * agent/policy.json and checked again when read, is used while the server
 * is unreachable); sweep with the scanner and its incremental cache at
 * the policy's CPU and I/O priority and byte rate; put the changed
 * objects' results in batches into the spool; send the spool oldest
 * first. The scanner delivers only what changed (cache_changed_only): an
 * unchanged path costs a stat and one cache look-up; a known file under a
 * new path (a hard link, a renamed directory) is reported under it with the
 * cached findings, without reading it again. The policy's schedule
 * (every_s since the last sweep, hours of the day) decides whether this
 * cycle sweeps at all; its allow-lists reach the scanner (allow_paths:
 * not read; allow_values: never reported) or are applied here
 * (allow_hashes: a file whose SHA-256 is listed is not a finding and is
 * not uploaded). The sweep's ledger entry says what was applied: the nice
 * value and I/O class read back, the time slept for the byte-rate cap,
 * the files allow-listed by hash.
 * A result holds the path, size, mtime, format, counts per type, up to
 * three masked examples, entrusted-record hits (client, dataset, records)
 * and the risk score: never a clear value. Paths go to the server (it
 * must say where a file is) inside the encrypted spool and TLS, and never
 * into a ledger entry or a message.
 */
#include "agent/agent_int.h"

#include "azukari/scan.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define DEFAULT_BATCH  500
#define RENEW_BEFORE_S (2 * 86400)
#define MAX_EXAMPLES   3

struct sweep {
    azk_home *h;
    azk_scanner *s; /* its cache is committed once a batch is in the spool */
    json_t *objs;
    size_t per_batch, spool_max;
    uint64_t bps;
    double t0;
    azk_agent_run_stats *st;
    uint64_t result_bytes; /* sizes of the files read so far (the cap's floor) */
    uint64_t throttled_ns; /* slept for the byte-rate cap */
    json_t *allow_hashes;  /* SHA-256 hex of files known to be fine */
    azk_buf hashed_path;   /* the last file hashed, and its verdict */
    bool hashed_allowed;
    uint64_t hashed_bytes; /* bytes read to hash files with findings */
    uint64_t allowlisted;  /* objects not reported: their file's hash is allowed */
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t renew_before(void)
{
#ifdef AZK_TESTING
    const char *v = getenv("AZK_TEST_AGENT_RENEW_S");
    if (v != NULL)
        return (int64_t)strtoll(v, NULL, 10);
#endif
    return RENEW_BEFORE_S;
}

/* ---- the policy ---------------------------------------------------------- */

/* Check a signed policy {"policy": text, "signature": b64} against the pinned key. */
static azk_status policy_verify(const struct azk_agent_state *st, const char *answer, size_t len,
                                json_t **policy)
{
    json_error_t je;
    json_t *doc = json_loadb(answer, len, 0, &je), *inner = NULL;
    const char *text = json_string_value(json_object_get(doc, "policy"));
    const char *sig64 = json_string_value(json_object_get(doc, "signature"));
    uint8_t sig[64];
    size_t siglen = 0;
    azk_status rc = AZK_OK;
    *policy = NULL;
    if (text == NULL || sig64 == NULL ||
        sodium_base642bin(sig, sizeof(sig), sig64, strlen(sig64), NULL, &siglen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        siglen != sizeof(sig)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "agent: the policy answer is malformed");
        goto done;
    }
    if (crypto_sign_verify_detached(sig, (const uint8_t *)text, strlen(text), st->policy_key) !=
        0) {
        rc = azk_error_set(AZK_ERR_INTEGRITY,
                           "agent: the policy's signature is not the server's; refused");
        goto done;
    }
    inner = json_loads(text, 0, &je);
    if (inner == NULL ||
        strcmp(json_string_value(json_object_get(inner, "agent_id")) != NULL
                   ? json_string_value(json_object_get(inner, "agent_id"))
                   : "",
               st->agent_id) != 0 ||
        !json_is_object(json_object_get(inner, "policy"))) {
        rc = azk_error_set(AZK_ERR_INTEGRITY, "agent: the signed policy is for another agent");
        goto done;
    }
    *policy = json_incref(json_object_get(inner, "policy"));
done:
    json_decref(inner);
    json_decref(doc);
    return rc;
}

/* The policy: from the server (kept when verified), else the last verified one. */
static azk_status policy_get(azk_home *h, const struct azk_agent_state *st,
                             const struct azk_agent_net *n, json_t **policy, bool *reached)
{
    struct azk_agent_answer a = {0};
    azk_buf p = AZK_BUF_INIT;
    char *text = NULL;
    size_t len = 0;
    azk_status rc = azk_agent__call(n, "GET", "/api/v1/agent/policy", NULL, 0, NULL, &a);
    *policy = NULL;
    if (rc == AZK_OK)
        rc = azk_agent__path(&p, h, "policy.json");
    if (rc != AZK_OK)
        goto done;
    if (a.status == 200) {
        *reached = true;
        rc = policy_verify(st, (const char *)a.body.data, a.body.len, policy);
        if (rc == AZK_ERR_INTEGRITY || rc == AZK_ERR_FORMAT) {
            azk_status r2 = azk_agent__ledger(h, "agent.policy", st->agent_id, "refused",
                                              "bad signature", NULL);
            if (r2 != AZK_OK)
                rc = r2;
            goto done;
        }
        if (rc == AZK_OK)
            rc = azk_outfile__write((const char *)p.data, a.body.data, a.body.len, 0600, 0, NULL);
        if (rc == AZK_OK)
            rc = azk_agent__ledger(h, "agent.policy", st->agent_id, NULL, NULL, NULL);
        goto done;
    }
    if (a.status == 401 || a.status == 403) {
        *reached = true;
        rc = azk_agent__ledger(h, "agent.refused", st->agent_id, "refused", a.code, NULL);
        if (rc == AZK_OK)
            rc = azk_error_set(AZK_ERR_PERM, "agent: the server refuses this agent (%s)", a.code);
        goto done;
    }
    if (a.status != 0) {
        *reached = true; /* no policy for the group (404) or another answer: no sweep */
        goto done;
    }
    /* unreachable: the last verified policy, checked again */
    azk_error_clear();
    rc = azk_serve__agent_read_file((const char *)p.data, &text, &len);
    if (rc == AZK_ERR_NOTFOUND) {
        azk_error_clear();
        rc = AZK_OK;
    } else if (rc == AZK_OK) {
        rc = policy_verify(st, text, len, policy);
    }
done:
    azk_free(text);
    azk_buf_dispose(&p);
    azk_agent__answer_dispose(&a);
    return rc;
}

/* ---- batches ------------------------------------------------------------- */

static azk_status flush_batch(struct sweep *sw)
{
    uint8_t rnd[16];
    char id[AZK_AGENT_BATCH_ID_HEXLEN + 1];
    int64_t lost = 0;
    char *text = NULL;
    uint8_t *z = NULL;
    uLongf zlen;
    json_t *doc;
    size_t count = json_array_size(sw->objs);
    bool kept = false;
    azk_status rc;
    if (count == 0) /* nothing to spool: what the cache learnt is kept (allow-listed...) */
        return sw->s != NULL ? azk_scanner_cache_commit(sw->s) : AZK_OK;
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(id, sizeof(id), rnd, sizeof(rnd));
    rc = azk_agent__lost_get(sw->h, &lost);
    if (rc != AZK_OK)
        return rc;
    doc = json_pack("{s:s, s:I, s:I, s:O}", "batch_id", id, "created_at",
                    (json_int_t)azk_agent__now(), "lost_objects", (json_int_t)lost, "objects",
                    sw->objs);
    if (doc != NULL)
        text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (text == NULL)
        return azk_error_nomem();
    zlen = compressBound((uLong)strlen(text));
    z = azk_malloc(zlen);
    if (z == NULL) {
        rc = azk_error_nomem();
    } else if (compress2(z, &zlen, (const Bytef *)text, (uLong)strlen(text), 6) != Z_OK) {
        rc = azk_error_set(AZK_ERR_NOMEM, "agent: cannot compress a batch");
    }
    sodium_memzero(text, strlen(text)); /* paths */
    free(text);                         /* checksrc: ok (jansson allocates with malloc) */
    if (rc == AZK_OK)
        rc = azk_agent__spool_put(sw->h, id, z, zlen, count, sw->spool_max, &kept);
    azk_free(z);
    if (rc == AZK_OK && kept) {
        sw->st->batches_made++;
        if (lost > 0)
            rc = azk_agent__lost_add(sw->h, -lost); /* now carried by the batch */
    }
    if (rc == AZK_OK && !kept)
        sw->st->lost_objects += count;
    json_array_clear(sw->objs);
    /* the scan cache says "answered" only for what is in the spool (or counted lost) */
    if (rc == AZK_OK && sw->s != NULL)
        rc = azk_scanner_cache_commit(sw->s);
    return rc;
}

static json_t *object_json(const azk_scan_result *r)
{
    json_t *o = NULL, *counts = json_object(), *ex = json_array(), *edm = json_array();
    azk_buf path = AZK_BUF_INIT;
    struct stat sb;
    int64_t mtime = 0;
    if (counts == NULL || ex == NULL || edm == NULL)
        goto fail;
    if (azk_buf_puts(&path, r->path) != AZK_OK)
        goto fail;
    for (size_t i = 0; i < r->member_count; i++)
        if (azk_buf_printf(&path, "!%s", r->member[i]) != AZK_OK)
            goto fail;
    if (stat(r->path, &sb) == 0)
        mtime = (int64_t)sb.st_mtime;
    for (int t = 0; t < AZK_PII__COUNT; t++)
        if (r->counts[t] > 0 && json_object_set_new(counts, azk_pii_type_name((azk_pii_type)t),
                                                    json_integer((json_int_t)r->counts[t])) != 0)
            goto fail;
    for (size_t i = 0; i < r->finding_count && json_array_size(ex) < MAX_EXAMPLES; i++)
        if (r->findings[i].masked != NULL &&
            json_array_append_new(ex, json_string(r->findings[i].masked)) != 0)
            goto fail;
    for (size_t i = 0; i < r->edm_count && i < AZK_AGENT_MAX_EDM; i++)
        if (json_array_append_new(edm, json_pack("{s:s, s:s, s:I}", "client", r->edm[i].client,
                                                 "dataset", r->edm[i].dataset, "records",
                                                 (json_int_t)r->edm[i].row_count)) != 0)
            goto fail;
    o = json_pack("{s:s%, s:I, s:I, s:s?, s:o, s:o, s:o, s:f, s:s?}", "path",
                  (const char *)path.data, path.len, "size", (json_int_t)r->size, "mtime",
                  (json_int_t)mtime, "format", r->format, "counts", counts, "examples", ex, "edm",
                  edm, "score", r->score, "error", r->error_code);
    azk_buf_dispose(&path);
    return o;
fail:
    json_decref(counts);
    json_decref(ex);
    json_decref(edm);
    azk_buf_dispose(&path);
    return NULL;
}

/* Is the file at path one the policy's allow_hashes lists (SHA-256 of its bytes)? */
static azk_status hash_allowed(struct sweep *sw, const char *path, bool *yes)
{
    crypto_hash_sha256_state hs;
    uint8_t buf[65536], sum[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    size_t i;
    json_t *v;
    FILE *f;
    *yes = false;
    if (sw->hashed_path.len > 0 && strcmp((const char *)sw->hashed_path.data, path) == 0) {
        *yes = sw->hashed_allowed; /* a container's members, then the container */
        return AZK_OK;
    }
    azk_buf_clear(&sw->hashed_path);
    sw->hashed_allowed = false;
    f = fopen(path, "rb");
    if (f == NULL)
        return AZK_OK; /* gone: reported as the scanner saw it */
    crypto_hash_sha256_init(&hs);
    for (;;) {
        size_t got = fread(buf, 1, sizeof(buf), f);
        if (got > 0) {
            crypto_hash_sha256_update(&hs, buf, got);
            sw->hashed_bytes += got;
        }
        if (got < sizeof(buf))
            break;
    }
    if (ferror(f)) {
        (void)fclose(f);
        return AZK_OK;
    }
    (void)fclose(f);
    crypto_hash_sha256_final(&hs, sum);
    sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
    json_array_foreach(sw->allow_hashes, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), hex) == 0)
            sw->hashed_allowed = true;
    }
    *yes = sw->hashed_allowed;
    return azk_buf_puts(&sw->hashed_path, path);
}

static bool has_findings(const azk_scan_result *r)
{
    for (int t = 0; t < AZK_PII__COUNT; t++)
        if (r->counts[t] > 0)
            return true;
    return r->edm_count > 0;
}

static azk_status throttle(struct sweep *sw, uint64_t bytes);

static azk_status on_result(const azk_scan_result *r, void *payload)
{
    struct sweep *sw = payload;
    json_t *o;
    azk_status rc;
    /* cache_changed_only: a path the server already has at this version is not
     * delivered at all; a result from the cache is a known file under a new name
     * (another hard link, a renamed directory): reported under that name, not read */
    if (r->member_count == 0 && !r->from_cache) {
        sw->result_bytes += r->size;
        rc = throttle(sw, sw->result_bytes);
        if (rc != AZK_OK)
            return rc;
    }
    if (json_array_size(sw->allow_hashes) > 0 && has_findings(r)) {
        bool yes = false;
        rc = hash_allowed(sw, r->path, &yes);
        if (rc != AZK_OK)
            return rc;
        if (yes) {
            sw->allowlisted++;
            return AZK_OK;
        }
    }
    o = object_json(r);
    if (o == NULL || json_array_append_new(sw->objs, o) != 0)
        return azk_error_set(AZK_ERR_NOMEM, "agent: out of memory building a batch");
    sw->st->objects++;
    if (json_array_size(sw->objs) >= sw->per_batch)
        return flush_batch(sw);
    return AZK_OK;
}

/* The byte-rate cap: sleep so that bytes read / time stays under bps (counted). */
static azk_status throttle(struct sweep *sw, uint64_t bytes)
{
    double should, took;
    if (sw->bps == 0)
        return AZK_OK;
    should = (double)bytes / (double)sw->bps;
    took = mono() - sw->t0;
    if (should > took) {
        double d = should - took;
        struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
        (void)nanosleep(&ts, NULL);
        sw->throttled_ns += (uint64_t)(d * 1e9);
    }
    return AZK_OK;
}

/* From the scanner's reads (about 4 times a second) and after each file (on_result). */
static azk_status on_progress(const azk_scan_stats *s, void *payload)
{
    struct sweep *sw = payload;
    return throttle(sw, s->bytes > sw->result_bytes ? s->bytes : sw->result_bytes);
}

static size_t strings_of(json_t *a, const char **out, size_t cap)
{
    size_t i, n = 0;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (n < cap && json_is_string(v))
            out[n++] = json_string_value(v);
    }
    return n;
}

static azk_status sweep(azk_home *h, json_t *pol, const azk_agent_run_options *o,
                        azk_agent_run_stats *st, const struct azk_agent_state *as,
                        const struct azk_agent_net *n, bool *fp_refused)
{
    azk_scan_options so = AZK_SCAN_OPTIONS_INIT;
    const char *paths[256], *inc[256], *exc[256], *apaths[256], *avals[256];
    size_t np, ni, ne;
    int applied_nice, applied_io;
    azk_scanner *s = NULL;
    azk_scan_stats ss;
    azk_buf cache = AZK_BUF_INIT, fpf = AZK_BUF_INIT, fpk = AZK_BUF_INIT;
    bool fp_ok = false;
    struct sweep sw;
    json_t *v;
    azk_status rc;
    char extra[512];

    memset(&sw, 0, sizeof(sw));
    memset(&ss, 0, sizeof(ss));
    np = strings_of(json_object_get(pol, "paths"), paths, 256);
    ni = strings_of(json_object_get(pol, "include"), inc, 256);
    ne = strings_of(json_object_get(pol, "exclude"), exc, 256);
    so.allow_path_count = strings_of(json_object_get(pol, "allow_paths"), apaths, 256);
    so.allow_paths = apaths;
    so.allow_value_count = strings_of(json_object_get(pol, "allow_values"), avals, 256);
    so.allow_values = avals;
    if (np == 0)
        return AZK_OK;
    v = json_object_get(pol, "nice");
    errno = 0;
    applied_nice = getpriority(PRIO_PROCESS, 0);
    if (json_is_integer(v) && errno == 0 && applied_nice < (int)json_integer_value(v))
        (void)setpriority(PRIO_PROCESS, 0, (int)json_integer_value(v)); /* never less nice */
    if (json_is_true(json_object_get(pol, "ionice_idle")))
        (void)syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, 3 << 13 /* IDLE */);
    /* what the process really runs at, for the sweep's ledger entry */
    errno = 0;
    applied_nice = getpriority(PRIO_PROCESS, 0);
    if (errno != 0)
        applied_nice = 0;
    applied_io = (int)syscall(SYS_ioprio_get, 1, 0);
    applied_io = applied_io < 0 ? -1 : applied_io >> 13;
    rc = azk_agent__path(&cache, h, "scancache.db");
    if (rc != AZK_OK)
        return rc;
    so.threads = 1; /* a sweep must not take the host's cores */
    so.cache_path = (const char *)cache.data;
    so.cache_changed_only = true;
    so.include = inc;
    so.include_count = ni;
    so.exclude = exc;
    so.exclude_count = ne;
    so.max_file_size = (uint64_t)json_integer_value(json_object_get(pol, "max_file_size"));
    so.types = (uint32_t)json_integer_value(json_object_get(pol, "types"));
    if (json_is_true(json_object_get(pol, "fingerprints"))) {
        rc = azk_agent__fp_fetch(h, as, n, &fp_ok, fp_refused);
        if (rc == AZK_OK)
            rc = azk_agent__path(&fpf, h, "fp.bin");
        if (rc == AZK_OK)
            rc = azk_agent__path(&fpk, h, "fp.key");
        if (rc != AZK_OK)
            goto done;
        if (fp_ok) {
            so.fingerprints = (const char *)fpf.data;
            so.fingerprint_key = (const char *)fpk.data;
        }
    }
    sw.h = h;
    sw.st = st;
    sw.objs = json_array();
    sw.per_batch = json_is_integer(json_object_get(pol, "batch_objects"))
                       ? (size_t)json_integer_value(json_object_get(pol, "batch_objects"))
                       : DEFAULT_BATCH;
    sw.spool_max = o->spool_max != 0 ? o->spool_max : 1000;
    sw.bps = (uint64_t)json_integer_value(json_object_get(pol, "bytes_per_second"));
    sw.allow_hashes = json_object_get(pol, "allow_hashes");
    sw.t0 = mono();
    if (sw.objs == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    rc = azk_scanner_new(&s, &so);
    if (rc != AZK_OK)
        goto done;
    sw.s = s;
    azk_scanner_set_progress(s, on_progress, &sw);
    rc = azk_scanner_run(s, paths, np, on_result, &sw, &ss);
    if (rc == AZK_OK)
        rc = flush_batch(&sw);
    st->cached = ss.cached;
    st->bytes_read = ss.bytes;
    (void)snprintf(extra, sizeof(extra),
                   "{\"files\":%llu,\"objects\":%llu,\"cached\":%llu,\"bytes\":%llu,"
                   "\"entrusted_records\":%llu,\"batches\":%llu,\"lost\":%llu,"
                   "\"skipped\":%llu,\"allowlisted\":%llu,\"hashed_bytes\":%llu,"
                   "\"throttled_ms\":%llu,\"nice\":%d,\"io_class\":%d}",
                   (unsigned long long)ss.files, (unsigned long long)st->objects,
                   (unsigned long long)ss.cached, (unsigned long long)ss.bytes,
                   (unsigned long long)ss.edm_records, (unsigned long long)st->batches_made,
                   (unsigned long long)st->lost_objects, (unsigned long long)ss.skipped,
                   (unsigned long long)sw.allowlisted, (unsigned long long)sw.hashed_bytes,
                   (unsigned long long)(sw.throttled_ns / 1000000u), applied_nice, applied_io);
    if (rc == AZK_OK)
        rc = azk_agent__ledger(h, "agent.sweep", NULL, NULL, NULL, extra);
done:
    azk_scanner_free(s);
    json_decref(sw.objs);
    azk_buf_dispose(&sw.hashed_path);
    azk_buf_dispose(&cache);
    azk_buf_dispose(&fpf);
    azk_buf_dispose(&fpk);
    return rc;
}

/* ---- the schedule -------------------------------------------------------- */

/*
 * Is a sweep due? The policy's schedule: every_s seconds at least since the
 * last sweep (agent/last_sweep, the agent's clock), and the local hour of
 * the day in [from, to) (from > to spans midnight). No schedule: every cycle.
 */
static azk_status sweep_due(azk_home *h, const json_t *pol, bool *due)
{
    const json_t *sch = json_object_get(pol, "schedule");
    const json_t *hours = json_object_get(sch, "hours");
    int64_t every = json_integer_value(json_object_get(sch, "every_s")), now = azk_agent__now();
    azk_buf p = AZK_BUF_INIT;
    char *last = NULL;
    azk_status rc = AZK_OK;
    *due = true;
    if (json_array_size(hours) == 2) {
        time_t t = (time_t)now;
        struct tm tm;
        int from = (int)json_integer_value(json_array_get(hours, 0));
        int to = (int)json_integer_value(json_array_get(hours, 1));
        if (localtime_r(&t, &tm) != NULL)
            *due = from < to ? (tm.tm_hour >= from && tm.tm_hour < to)
                             : (tm.tm_hour >= from || tm.tm_hour < to);
    }
    if (*due && every > 0) {
        rc = azk_agent__path(&p, h, "last_sweep");
        if (rc == AZK_OK && azk_serve__agent_read_file((const char *)p.data, &last, NULL) == AZK_OK)
            *due = now - (int64_t)strtoll(last, NULL, 10) >= every;
        azk_error_clear();
    }
    azk_free(last);
    azk_buf_dispose(&p);
    return rc;
}

static azk_status sweep_done(azk_home *h)
{
    azk_buf p = AZK_BUF_INIT;
    char num[32];
    azk_status rc = azk_agent__path(&p, h, "last_sweep");
    (void)snprintf(num, sizeof(num), "%lld\n", (long long)azk_agent__now());
    if (rc == AZK_OK)
        rc = azk_outfile__write((const char *)p.data, num, strlen(num), 0600, 0, NULL);
    azk_buf_dispose(&p);
    return rc;
}

/* ---- sending the spool -------------------------------------------------- */

static azk_status send_spool(azk_home *h, const struct azk_agent_state *st,
                             const struct azk_agent_net *n, azk_agent_run_stats *out, bool *reached)
{
    char **names = NULL;
    size_t count = 0, i;
    azk_buf z = AZK_BUF_INIT;
    azk_status rc = azk_agent__spool_list(h, &names, &count);
    for (i = 0; rc == AZK_OK && i < count; i++) {
        struct azk_agent_answer a = {0};
        char tm[64], bid[AZK_AGENT_BATCH_ID_HEXLEN + 1];
        const char *hdr[] = {"Content-Type: application/json", "Content-Encoding: deflate", tm,
                             NULL};
        (void)snprintf(bid, sizeof(bid), "%.32s", names[i] + 17);
        (void)snprintf(tm, sizeof(tm), "X-Azukari-Time: %lld", (long long)azk_agent__now());
        rc = azk_agent__spool_read(h, names[i], &z);
        if (rc == AZK_ERR_INTEGRITY || rc == AZK_ERR_FORMAT) {
            /* damaged on disk: kept aside for the operator, recorded */
            azk_error_clear();
            rc = azk_agent__ledger(h, "agent.batch", bid, "damaged", "spool file damaged", NULL);
            continue;
        }
        if (rc != AZK_OK)
            break;
        azk_store__test_gate("agent.send");
        rc = azk_agent__call(n, "POST", "/api/v1/agent/batches", z.data, z.len, hdr, &a);
        if (rc == AZK_OK && a.status == 200) {
            const char *dup = strstr((const char *)a.body.data, "\"duplicate\":true");
            *reached = true;
            rc = azk_agent__ledger(h, "agent.batch.sent", bid, NULL,
                                   dup != NULL ? "duplicate (already ingested)" : NULL, NULL);
            if (rc == AZK_OK)
                rc = azk_agent__spool_remove(h, names[i]);
            if (rc == AZK_OK)
                out->batches_sent++;
        } else if (rc == AZK_OK && (a.status == 400 || a.status == 413 || a.status == 415) &&
                   strcmp(a.code, "clock_skew") != 0) {
            /* the server cannot take this batch: never resent, recorded on both sides */
            *reached = true;
            rc = azk_agent__ledger(h, "agent.batch.refused", bid, "refused", a.code, NULL);
            if (rc == AZK_OK)
                rc = azk_agent__spool_remove(h, names[i]);
        } else if (rc == AZK_OK && a.status != 0) {
            *reached = true;
            rc = azk_agent__ledger(h, "agent.refused", st->agent_id, "refused", a.code, NULL);
            if (rc == AZK_OK)
                rc = azk_error_set(AZK_ERR_PERM, "agent: the server refused a batch (%s)",
                                   a.code[0] != '\0' ? a.code : "error");
        } else if (rc == AZK_OK) {
            azk_agent__answer_dispose(&a);
            break; /* unreachable: the rest waits in the spool */
        }
        azk_agent__answer_dispose(&a);
    }
    out->batches_queued = 0;
    for (size_t j = 0; j < count; j++)
        azk_free(names[j]);
    azk_free(names);
    azk_buf_dispose(&z);
    if (rc == AZK_OK) {
        rc = azk_agent__spool_list(h, &names, &count);
        if (rc == AZK_OK) {
            out->batches_queued = count;
            for (size_t j = 0; j < count; j++)
                azk_free(names[j]);
            azk_free(names);
        }
    }
    return rc;
}

static const azk_agent_run_options run_defaults = AZK_AGENT_RUN_OPTIONS_INIT;

azk_status azk_agent_run(azk_home *h, const azk_agent_run_options *opts, azk_agent_run_stats *stats)
{
    azk_agent_run_options o;
    struct azk_agent_state st;
    struct azk_agent_net n = {0};
    azk_buf ca = AZK_BUF_INIT, ident = AZK_BUF_INIT;
    json_t *pol = NULL;
    azk_status rc, prc = AZK_OK;
    bool fp_refused = false;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && stats != NULL);
    memset(stats, 0, sizeof(*stats));
    rc = azk__lib_init();
    if (rc == AZK_OK)
        rc = azk__options_in(&o, sizeof(o), &run_defaults, opts, false, "azk_agent_run");
    if (rc == AZK_OK)
        rc = azk_agent__state_load(h, &st);
    if (rc == AZK_OK)
        rc = azk_agent__path(&ca, h, "ca.pem");
    if (rc == AZK_OK)
        rc = azk_agent__path(&ident, h, "identity.pem");
    if (rc != AZK_OK)
        goto done;
    n.base = st.server;
    n.ca_file = (const char *)ca.data;
    n.identity = (const char *)ident.data;
    n.retries = o.retries;
    n.retry_base_ms = o.retry_base_ms;
    rc = azk_agent__renew_if_due(h, &st, &n, renew_before(), &stats->renewed);
    if (rc == AZK_OK) /* after a renewal: the kept connection presents the new certificate */
        rc = azk_agent__net_keep(&n);
    if (rc != AZK_OK)
        goto done;
    if (strcmp(st.zone, "closed") == 0) {
        rc = azk_agent__fp_publish(h, &st, &n);
        if (rc == AZK_OK)
            rc = azk_agent__meta_report(h, &st, &n); /* before the checkpoint that covers it */
        if (rc == AZK_OK)
            rc = azk_agent__witness_report(h, &st, &n);
        if (rc != AZK_OK)
            goto done;
    }
    if (!o.no_sweep) {
        prc = policy_get(h, &st, &n, &pol, &stats->server_reached);
        if (prc == AZK_ERR_PERM) {
            rc = prc;
            goto done;
        }
        bool due = false;
        if (prc == AZK_OK && pol != NULL)
            rc = sweep_due(h, pol, &due);
        if (rc == AZK_OK && prc == AZK_OK && pol != NULL && due) {
            rc = sweep(h, pol, &o, stats, &st, &n, &fp_refused);
            if (rc == AZK_OK)
                rc = sweep_done(h);
        } else if (prc != AZK_OK && prc != AZK_ERR_INTEGRITY && prc != AZK_ERR_FORMAT)
            rc = prc;
        if (rc != AZK_OK)
            goto done;
    }
    rc = send_spool(h, &st, &n, stats, &stats->server_reached);
    if (rc == AZK_OK)
        rc = azk_agent__actions(h, &st, &n, &stats->actions);
    if (rc == AZK_OK && prc != AZK_OK)
        rc = azk_error_set(prc, "agent: the policy's signature is not the server's; refused");
    else if (rc == AZK_OK && fp_refused)
        rc = azk_error_set(AZK_ERR_INTEGRITY, "agent: the fingerprint file fails its check "
                                              "(id or signature); refused, not used");
done:
    azk_agent__net_drop(&n);
    json_decref(pol);
    azk_buf_dispose(&ca);
    azk_buf_dispose(&ident);
    return rc;
}
