/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/check.c -- guard decisions over scan results and the checker that
 * scans files, directories and streams with the policy's fingerprints.
 *
 * A decision accumulates every object of one file (members, parts):
 * counts per type, the highest score, entrusted records per dataset and
 * unreadable objects. The verdict is computed once at the end so the same
 * evidence always yields the same verdict under one policy.
 */
#include "util/util.h"
#include "policy/policy_int.h"
#include "guard/guard_int.h"
#include "scan/scan_int.h"
#include "match/fp.h"

#include "azukari/audit.h"
#include "azukari/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct azk_guard {
    azk_guard_policy policy;
    azk_scanner *scanner;
};

void azk_guard_decision_init(azk_guard_decision *d)
{
    memset(d, 0, sizeof(*d));
    d->verdict = AZK_GUARD_ALLOW;
}

static void copy_id(char *dst, size_t cap, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n > 0)
        memcpy(dst, s, n);
    dst[n] = '\0';
}

static void set_code(azk_guard_decision *d, const char *code)
{
    if (d->unreadable_code[0] == '\0')
        copy_id(d->unreadable_code, sizeof(d->unreadable_code), code != NULL ? code : "error");
}

static const char *const class_names[AZK_GUARD_CLASS__COUNT] = {
    "text", "archive", "office", "image", "encrypted", "binary", "limit", "error"};

const char *azk_guard_class_name(azk_guard_class c)
{
    return (unsigned)c < AZK_GUARD_CLASS__COUNT ? class_names[c] : "error";
}

static bool format_is(const char *f, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (strcmp(f, *list) == 0)
            return true;
    }
    return false;
}

/*
 * The class comes from the scan result the decoder gives: its error code
 * and message, and its format field ("png", "zip", "xlsx", "binary"...).
 * An image with data behind its end is a format error (decode/image.c),
 * so it is never of class image.
 */
azk_guard_class azk_guard_content_class_of(const azk_scan_result *r)
{
    static const char *const archives[] = {"zip",  "gzip",     "bzip2", "xz",      "zstd", "lz4",
                                           "lzip", "compress", "7z",    "rar",     "cpio", "ar",
                                           "cab",  "xar",      "tar",   "iso9660", "lha",  NULL};
    static const char *const texts[] = {"text", "csv", "tsv", NULL};
    static const char *const office[] = {"xlsx", "docx", "pptx", "ooxml", NULL};
    static const char *const images[] = {"png", "jpeg", "gif", NULL};
    const char *f = r->format != NULL ? r->format : "";
    if (r->error != AZK_OK) {
        const char *m = r->error_message != NULL ? r->error_message : "";
        if (r->error == AZK_ERR_LIMIT)
            return AZK_GUARD_CLASS_LIMIT;
        if (r->error == AZK_ERR_CRYPTO || strstr(m, "encrypted") != NULL)
            return AZK_GUARD_CLASS_ENCRYPTED;
        if (r->error == AZK_ERR_UNSUPPORTED)
            return AZK_GUARD_CLASS_BINARY; /* pdf, ole2, sqlite...: text not extracted */
        return AZK_GUARD_CLASS_ERROR;
    }
    if (format_is(f, images))
        return AZK_GUARD_CLASS_IMAGE;
    if (format_is(f, office))
        return AZK_GUARD_CLASS_OFFICE;
    if (format_is(f, archives))
        return AZK_GUARD_CLASS_ARCHIVE;
    if (f[0] == '\0' || format_is(f, texts))
        return AZK_GUARD_CLASS_TEXT; /* text, csv, or read whole with nothing in it */
    return AZK_GUARD_CLASS_BINARY;   /* "binary", and any format not known here: fail closed */
}

void azk_guard__decision_unreadable(azk_guard_decision *d, azk_guard_class cls, const char *code)
{
    d->unreadable++;
    d->classes[cls]++;
    set_code(d, code);
}

void azk_guard_decision_add(azk_guard_decision *d, const azk_scan_result *r)
{
    azk_guard_class cls = azk_guard_content_class_of(r);
    size_t i, j;
    d->objects++;
    if (r->member_count == 0)
        d->bytes += r->size;
    for (i = 0; i < AZK_PII__COUNT; i++)
        d->counts[i] += r->counts[i];
    if (r->score > d->score)
        d->score = r->score;
    for (i = 0; i < r->edm_count; i++) {
        const azk_scan_edm *e = &r->edm[i];
        d->edm_rows += e->row_count;
        for (j = 0; j < d->edm_count; j++) {
            if (strcmp(d->edm[j].client, e->client ? e->client : "") == 0 &&
                strcmp(d->edm[j].dataset, e->dataset ? e->dataset : "") == 0)
                break;
        }
        if (j == d->edm_count) {
            if (d->edm_count == AZK_GUARD_EDM_MAX)
                continue; /* edm_rows stays exact */
            copy_id(d->edm[j].client, sizeof(d->edm[j].client), e->client);
            copy_id(d->edm[j].dataset, sizeof(d->edm[j].dataset), e->dataset);
            d->edm_count++;
        }
        d->edm[j].rows += e->row_count;
    }
    if (cls >= AZK_GUARD_CLASS_ENCRYPTED) {
        /* not read: the policy decides by class */
        azk_guard__decision_unreadable(
            d, cls,
            r->error == AZK_OK
                ? "binary"
                : (r->error_code != NULL ? r->error_code : azk_status_name(r->error)));
    } else {
        d->classes[cls]++;
    }
}

void azk_guard_decision_fail(azk_guard_decision *d, uint32_t reason, const char *code)
{
    d->reasons |= reason;
    set_code(d, code);
}

/* Raise v to what action a asks for. */
static azk_guard_verdict apply_action(azk_guard_verdict v, azk_guard_action a)
{
    if (a == AZK_GUARD_ACT_BLOCK)
        return AZK_GUARD_BLOCK;
    if (a == AZK_GUARD_ACT_WARN && v < AZK_GUARD_WARN)
        return AZK_GUARD_WARN;
    return v;
}

azk_guard_verdict azk_guard_decision_finish(azk_guard_decision *d, const azk_guard_policy *p)
{
    azk_guard_verdict v = AZK_GUARD_ALLOW;
    unsigned k;
    /* failures that are not object results always block: fail closed */
    uint32_t keep = d->reasons & (AZK_GUARD_R_LIMIT | AZK_GUARD_R_INTERNAL | AZK_GUARD_R_PROTOCOL);
    d->reasons = keep;
    if (keep & (AZK_GUARD_R_INTERNAL | AZK_GUARD_R_PROTOCOL))
        v = AZK_GUARD_BLOCK;
    /* a limit hit outside any object (ICAP max_body, ratio) always blocks;
     * objects over a limit follow the policy's class "limit" */
    if ((keep & AZK_GUARD_R_LIMIT) && d->classes[AZK_GUARD_CLASS_LIMIT] == 0)
        v = AZK_GUARD_BLOCK;
    if (d->classes[AZK_GUARD_CLASS_LIMIT] > 0) {
        d->reasons |= AZK_GUARD_R_LIMIT;
        v = apply_action(v, p->content[AZK_GUARD_CLASS_LIMIT]);
    }
    if (d->classes[AZK_GUARD_CLASS_IMAGE] > 0 &&
        p->content[AZK_GUARD_CLASS_IMAGE] != AZK_GUARD_ACT_ALLOW) {
        d->reasons |= AZK_GUARD_R_IMAGE;
        v = apply_action(v, p->content[AZK_GUARD_CLASS_IMAGE]);
    }
    if (d->edm_rows > 0) {
        d->reasons |= AZK_GUARD_R_EDM;
        if (p->block_on_edm)
            v = AZK_GUARD_BLOCK;
        else if (v < AZK_GUARD_WARN)
            v = AZK_GUARD_WARN;
    }
    if (p->pii_block_score >= 0.0 && d->score >= p->pii_block_score && d->score > 0.0) {
        d->reasons |= AZK_GUARD_R_PII_BLOCK;
        v = AZK_GUARD_BLOCK;
    } else if (p->pii_warn_score >= 0.0 && d->score >= p->pii_warn_score && d->score > 0.0) {
        d->reasons |= AZK_GUARD_R_PII_WARN;
        if (v < AZK_GUARD_WARN)
            v = AZK_GUARD_WARN;
    }
    if (d->unreadable > 0) {
        bool any = false;
        d->reasons |= AZK_GUARD_R_UNREADABLE;
        for (k = AZK_GUARD_CLASS_ENCRYPTED; k < AZK_GUARD_CLASS__COUNT; k++) {
            if (d->classes[k] > 0) {
                v = apply_action(v, p->content[k]);
                any = true;
            }
        }
        if (!any) /* counted without a class: the strictest of the unreadable classes */
            v = apply_action(v, p->unreadable_block ? AZK_GUARD_ACT_BLOCK : AZK_GUARD_ACT_WARN);
    }
    d->verdict = v;
    return v;
}

const char *azk_guard_verdict_name(azk_guard_verdict v)
{
    switch (v) {
        case AZK_GUARD_ALLOW:
            return "allow";
        case AZK_GUARD_WARN:
            return "warn";
        case AZK_GUARD_BLOCK:
            return "block";
    }
    return "block";
}

static const struct {
    uint32_t bit;
    const char *name;
} reason_names[] = {
    {AZK_GUARD_R_EDM, "edm"},           {AZK_GUARD_R_PII_BLOCK, "pii_block"},
    {AZK_GUARD_R_PII_WARN, "pii_warn"}, {AZK_GUARD_R_UNREADABLE, "unreadable"},
    {AZK_GUARD_R_LIMIT, "limit"},       {AZK_GUARD_R_INTERNAL, "internal"},
    {AZK_GUARD_R_PROTOCOL, "protocol"}, {AZK_GUARD_R_IMAGE, "image"},
};

const char *azk_guard__reason_name(uint32_t bit)
{
    size_t i;
    for (i = 0; i < sizeof(reason_names) / sizeof(reason_names[0]); i++) {
        if (reason_names[i].bit == bit)
            return reason_names[i].name;
    }
    return NULL;
}

azk_status azk_guard_decision_to_json(const azk_guard_decision *d, const char *name, char **out)
{
    json_t *o = NULL, *a, *c, *e;
    char *s = NULL;
    size_t i;
    int bad = 0;
    azk_status rc;
    AZK_ASSERT_ARG(d != NULL && out != NULL);
    *out = NULL;
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    o = json_object();
    a = json_array();
    c = json_object();
    e = json_array();
    if (o == NULL || a == NULL || c == NULL || e == NULL) {
        json_decref(a);
        json_decref(c);
        json_decref(e);
        goto nomem;
    }
    if (name != NULL) {
        azk_buf nb = AZK_BUF_INIT;
        if (azk_buf_put_escaped_name(&nb, name, strlen(name)) != AZK_OK) {
            azk_buf_dispose(&nb);
            json_decref(a);
            json_decref(c);
            json_decref(e);
            goto nomem;
        }
        bad |= json_object_set_new(o, "path", json_string((const char *)nb.data));
        azk_buf_dispose(&nb);
    }
    bad |= json_object_set_new(o, "decision", json_string(azk_guard_verdict_name(d->verdict)));
    for (i = 0; i < sizeof(reason_names) / sizeof(reason_names[0]); i++) {
        if (d->reasons & reason_names[i].bit)
            bad |= json_array_append_new(a, json_string(reason_names[i].name));
    }
    bad |= json_object_set_new(o, "reasons", a);
    for (i = 0; i < AZK_PII__COUNT; i++) {
        if (d->counts[i] > 0)
            bad |= json_object_set_new(c, azk_pii_type_name((azk_pii_type)i),
                                       json_integer((json_int_t)d->counts[i]));
    }
    bad |= json_object_set_new(o, "counts", c);
    bad |= json_object_set_new(o, "score", json_real((double)(long)(d->score * 10.0) / 10.0));
    for (i = 0; i < d->edm_count; i++) {
        json_t *x = json_pack("{s:s, s:s, s:I}", "client", d->edm[i].client, "dataset",
                              d->edm[i].dataset, "records", (json_int_t)d->edm[i].rows);
        bad |= x == NULL ? -1 : json_array_append_new(e, x);
    }
    bad |= json_object_set_new(o, "edm", e);
    bad |= json_object_set_new(o, "edm_records", json_integer((json_int_t)d->edm_rows));
    bad |= json_object_set_new(o, "objects", json_integer((json_int_t)d->objects));
    bad |= json_object_set_new(o, "unreadable", json_integer((json_int_t)d->unreadable));
    if (d->unreadable_code[0] != '\0')
        bad |= json_object_set_new(o, "unreadable_code", json_string(d->unreadable_code));
    {
        json_t *cl = json_object();
        for (i = 0; cl != NULL && i < AZK_GUARD_CLASS__COUNT; i++) {
            if (d->classes[i] > 0)
                bad |= json_object_set_new(cl, class_names[i],
                                           json_integer((json_int_t)d->classes[i]));
        }
        bad |= cl == NULL ? -1 : json_object_set_new(o, "classes", cl);
    }
    if (bad)
        goto nomem;
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    if (s == NULL)
        goto nomem;
    json_decref(o);
    *out = s;
    return AZK_OK;
nomem:
    json_decref(o);
    return azk_error_nomem();
}

/* ---- checker ------------------------------------------------------------- */

azk_status azk_guard__scanner_new(azk_scanner **out, const azk_guard_policy *p, unsigned threads)
{
    return azk_guard__scanner_new_sharing(out, p, threads, NULL);
}

azk_status azk_guard__scanner_new_sharing(azk_scanner **out, const azk_guard_policy *p,
                                          unsigned threads, const azk_scanner *share)
{
    azk_scan_options so = AZK_SCAN_OPTIONS_INIT;
    so.threads = threads;
    so.fingerprints = p->fingerprints;
    so.fingerprint_key = p->fingerprint_key;
    if (p->fingerprints != NULL && p->retired_keys != NULL) {
        /* an export made before a key rotation: its key no longer matches the home's records */
        azk_buf kp = AZK_BUF_INIT;
        bool retired = false;
        azk_status rc = p->fingerprint_key != NULL ? azk_buf_puts(&kp, p->fingerprint_key)
                                                   : azk_buf_printf(&kp, "%s.key", p->fingerprints);
        if (rc == AZK_OK)
            rc = azk_fp__key_retired(p->retired_keys, (const char *)kp.data, &retired);
        azk_buf_dispose(&kp);
        if (rc == AZK_ERR_NOMEM)
            return rc;
        if (retired)
            return azk_error_set(AZK_ERR_PERM,
                                 "the fingerprint export was made with a retired scanning key "
                                 "(fingerprints rotate): export it again");
        azk_error_clear(); /* a key that cannot be read is the scanner's error to report */
    }
    if (share != NULL)
        return azk_scan__scanner_new_sharing(out, &so, share);
    return azk_scanner_new(out, &so);
}

azk_status azk_guard_new(azk_guard **out, const azk_guard_policy *p)
{
    azk_guard *g;
    azk_status rc;
    AZK_ASSERT_ARG(out != NULL && p != NULL);
    azk_error_clear();
    *out = NULL;
    g = azk_calloc(1, sizeof(*g));
    if (g == NULL)
        return azk_error_nomem();
    rc = azk_policy__copy(&g->policy, p);
    if (rc != AZK_OK) {
        azk_free(g);
        return rc;
    }
    rc = azk_guard__scanner_new(&g->scanner, &g->policy, 0);
    if (rc != AZK_OK) {
        azk_guard_free(g);
        return rc;
    }
    *out = g;
    return AZK_OK;
}

const azk_guard_policy *azk_guard_policy_of(const azk_guard *g)
{
    return &g->policy;
}

void azk_guard_free(azk_guard *g)
{
    if (g == NULL)
        return;
    azk_scanner_free(g->scanner);
    azk_guard_policy_dispose(&g->policy);
    azk_free(g);
}

void azk_guard_mem_free(void *p)
{
    azk_free(p);
}

struct file_acc {
    char *path;
    azk_guard_decision d;
};

struct path_ctx {
    struct file_acc *files;
    size_t count, cap;
    bool nomem;
};

static azk_status path_cb(const azk_scan_result *r, void *payload)
{
    struct path_ctx *c = payload;
    const char *path = r->path != NULL ? r->path : "";
    size_t i;
    /* results of one file arrive together in practice: search from the end */
    for (i = c->count; i > 0; i--) {
        if (strcmp(c->files[i - 1].path, path) == 0) {
            azk_guard_decision_add(&c->files[i - 1].d, r);
            return AZK_OK;
        }
    }
    if (azk_array_reserve(&c->files, &c->cap, c->count, sizeof(*c->files), 16) != AZK_OK) {
        c->nomem = true;
        return AZK_OK;
    }
    c->files[c->count].path = azk_strdup(path);
    if (c->files[c->count].path == NULL) {
        c->nomem = true;
        return AZK_OK;
    }
    azk_guard_decision_init(&c->files[c->count].d);
    azk_guard_decision_add(&c->files[c->count].d, r);
    c->count++;
    return AZK_OK;
}

static int cmp_acc(const void *a, const void *b)
{
    return strcmp(((const struct file_acc *)a)->path, ((const struct file_acc *)b)->path);
}

/* A file callback's non-OK status ends azk_guard_check_path with it. */
static azk_status cb_status(azk_status rc)
{
    if (rc != AZK_OK)
        return azk_error_set(rc, "guard: check stopped: the file callback returned %s",
                             azk_status_name(rc));
    return AZK_OK;
}

azk_status azk_guard_check_path(azk_guard *g, const char *path, azk_guard_file_cb cb, void *payload)
{
    struct path_ctx c = {NULL, 0, 0, false};
    struct stat st;
    azk_status rc;
    size_t i;
    AZK_ASSERT_ARG(g != NULL && path != NULL && cb != NULL);
    azk_error_clear();
    if (stat(path, &st) != 0) {
        azk_guard_decision d;
        azk_guard_decision_init(&d);
        d.objects = 1;
        azk_guard__decision_unreadable(&d, AZK_GUARD_CLASS_ERROR,
                                       errno == ENOENT ? "notfound"
                                                       : (errno == EACCES ? "perm" : "io"));
        azk_guard_decision_finish(&d, &g->policy);
        return cb_status(cb(path, &d, payload));
    }
    rc = azk_scanner_run(g->scanner, &path, 1, path_cb, &c, NULL);
    if (rc == AZK_OK && c.nomem)
        rc = azk_error_nomem();
    if (rc == AZK_OK && c.count == 0 && !S_ISDIR(st.st_mode)) {
        /* a file that yielded no result (a FIFO, a device): it was not read */
        azk_guard_decision d;
        azk_guard_decision_init(&d);
        d.objects = 1;
        azk_guard__decision_unreadable(&d, AZK_GUARD_CLASS_BINARY, "skipped");
        azk_guard_decision_finish(&d, &g->policy);
        rc = cb_status(cb(path, &d, payload));
    }
    if (rc == AZK_OK) {
        qsort(c.files, c.count, sizeof(*c.files), cmp_acc);
        for (i = 0; i < c.count && rc == AZK_OK; i++) {
            azk_guard_decision_finish(&c.files[i].d, &g->policy);
            rc = cb_status(cb(c.files[i].path, &c.files[i].d, payload));
        }
    }
    for (i = 0; i < c.count; i++)
        azk_free(c.files[i].path);
    azk_free(c.files);
    return rc;
}

static azk_status fd_cb(const azk_scan_result *r, void *payload)
{
    azk_guard_decision_add(payload, r);
    return AZK_OK;
}

azk_status azk_guard_check_fd(azk_guard *g, int fd, const char *name, azk_guard_decision *d)
{
    azk_status rc;
    AZK_ASSERT_ARG(g != NULL && d != NULL && fd >= 0);
    azk_error_clear();
    azk_guard_decision_init(d);
    rc = azk_scanner_scan_fd(g->scanner, fd, name != NULL ? name : "-", fd_cb, d, NULL);
    if (rc != AZK_OK)
        azk_guard_decision_fail(d, AZK_GUARD_R_INTERNAL, azk_status_name(rc));
    azk_guard_decision_finish(d, &g->policy);
    return rc;
}

/* ---- ledger events of a block ------------------------------------------------ */

#define NAME_KEY_LEN 32

/* Read <home>/keys/names.key, creating it (exclusively, 0600) when absent. */
static azk_status name_key(const char *home, uint8_t key[NAME_KEY_LEN])
{
    azk_status rc;
    azk_buf p = AZK_BUF_INIT;
    azk_outfile *of = NULL;
    struct stat sb;
    ssize_t n = -1;
    int fd = -1;
    rc = azk_buf_printf(&p, "%s/keys/names.key", home);
    if (rc != AZK_OK)
        return rc;
    fd = open((const char *)p.data, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        uint8_t fresh[NAME_KEY_LEN];
        randombytes_buf(fresh, sizeof(fresh));
        rc = azk_outfile_open(&of, (const char *)p.data, 0600, AZK_OUTFILE_EXCL);
        if (rc == AZK_OK) {
            if (fwrite(fresh, 1, sizeof(fresh), azk_outfile_stream(of)) != sizeof(fresh)) {
                azk_outfile_abort(of);
                rc = azk_error_errno("write name key");
            } else {
                rc = azk_outfile_commit(of);
            }
        }
        sodium_memzero(fresh, sizeof(fresh));
        /* AZK_ERR_ARG: another process created it first; read theirs */
        if (rc != AZK_OK && rc != AZK_ERR_ARG)
            goto done;
        fd = open((const char *)p.data, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
        rc = azk_error_errno("open name key");
        goto done;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077) != 0 ||
        (n = read(fd, key, NAME_KEY_LEN)) != NAME_KEY_LEN) {
        rc = azk_error_set(AZK_ERR_PERM, "name key: not a private 32-byte key file");
        goto done;
    }
    rc = AZK_OK;
done:
    if (fd >= 0)
        close(fd);
    azk_buf_dispose(&p);
    return rc;
}

azk_status azk_guard_name_id(const char *home, const char *path, char out[38])
{
    static const char label[] = "azukari file name v1";
    uint8_t key[NAME_KEY_LEN];
    uint8_t h[16];
    crypto_generichash_state st;
    azk_status rc;
    AZK_ASSERT_ARG(home != NULL && path != NULL && out != NULL);
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    rc = name_key(home, key);
    if (rc != AZK_OK)
        return rc;
    crypto_generichash_init(&st, key, sizeof(key), sizeof(h));
    crypto_generichash_update(&st, (const uint8_t *)label, sizeof(label));
    crypto_generichash_update(&st, (const uint8_t *)path, strlen(path));
    crypto_generichash_final(&st, h, sizeof(h));
    sodium_memzero(key, sizeof(key));
    memcpy(out, "name:", 5);
    sodium_bin2hex(out + 5, 33, h, sizeof(h));
    return AZK_OK;
}

azk_status azk_guard_record_block(const char *home, const char *path, const azk_guard_decision *d,
                                  const char *channel)
{
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    char id[38];
    const char *objs[1] = {id};
    char *j = NULL;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(home != NULL && path != NULL && d != NULL);
    rc = azk_guard_name_id(home, path, id);
    if (rc != AZK_OK)
        return rc;
    if (azk_guard_decision_to_json(d, NULL, &j) != AZK_OK)
        j = NULL; /* the event is still recorded, without the counts */
    ev.action = "guard.block";
    ev.objects = objs;
    ev.object_count = 1;
    ev.outcome = "blocked";
    ev.reason = channel;
    ev.extra_json = j;
    rc = azk_audit_record(home, &ev);
    azk_free(j);
    return rc;
}
