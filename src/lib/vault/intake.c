/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault/intake.c -- azk_intake(): one pass over the entrusted file. Every
 * byte read goes to the vault writer (encrypted, temporary name) and to
 * the decode stage (decode.h), whose records are checked: one table with
 * a header row, every column known (header names via azk_column_classify,
 * or --map), no duplicate headers, no ragged rows, no undecodable bytes,
 * no over-long cell. Only when all is well is the vault file renamed into
 * place, its data key put in the keystore and the catalog row written, in
 * one store transaction with a ledger event; otherwise nothing is left
 * behind (a crash in between leaves an orphan that the next open of the
 * home removes: azk_vault__cleanup_orphans).
 */
#include "vault/vault.h"
#include "store/datasets.h"
#include "store/keystore.h"
#include "azukari/vault.h"
#include "azukari/types.h"
#include "decode/decode.h"
#include "norm/norm.h"
#include "match/fp.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A cell longer than this is refused (decode cuts cells at max_cell). */
#define INTAKE_MAX_CELL ((size_t)1 << 20)
#define INTAKE_MAX_COLS 1024

struct col {
    char *header;
    azk_column_kind kind;
    bool mapped;     /* kind from --map */
    uint64_t values; /* non-empty cells */
    uint64_t valid;  /* cells that normalise as their kind */
};

struct map_entry {
    char *header;
    azk_column_kind kind;
    bool used;
};

struct intake {
    azk_home *h;
    int fd;
    struct azk_vault_writer *w;
    crypto_generichash_state hs;
    uint64_t bytes;
    /* decode sink state */
    azk_status err; /* first error found by the sink (message kept in errmsg) */
    char errmsg[512];
    char format[16];
    char encoding[32];
    char *sheet;
    bool have_header;
    struct col *cols;
    size_t ncols;
    uint64_t records;
    struct map_entry *map;
    size_t nmap;
    /* fingerprints: one uint32 per slot per row (0 = absent) */
    uint8_t scan_key[AZK_FP_KEY_LEN];
    struct azk_fp_hasher hasher;
    azk_buf fp;
    struct azk_vault_fprow rows;
    uint8_t kinds[INTAKE_MAX_COLS]; /* cols[i].kind */
    bool has_name_col;
    size_t fp_fields; /* slots filled at least once */
    uint32_t slot_seen;
};

static azk_status fail(struct intake *in, azk_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static azk_status fail(struct intake *in, azk_status code, const char *fmt, ...)
{
    va_list ap;
    if (in->err == AZK_OK) {
        va_start(ap, fmt);
        vsnprintf(in->errmsg, sizeof(in->errmsg), fmt, ap);
        va_end(ap);
        in->err = code;
    }
    return code;
}

/* A header or a map key for messages: at most 60 bytes, control chars as '?'. */
static void printable(char *out, size_t cap, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap && o < 60; i++)
        out[o++] = ((unsigned char)s[i] < 0x20 || s[i] == '"') ? '?' : s[i];
    /* never cut inside a UTF-8 sequence: drop an incomplete last one */
    {
        size_t start = o;
        while (start > 0 && ((unsigned char)out[start - 1] & 0xC0) == 0x80)
            start--;
        if (start > 0) {
            unsigned char lead = (unsigned char)out[start - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            if (o - (start - 1) < need)
                o = start - 1;
        }
    }
    out[o] = '\0';
}

/* ---- source: read, encrypt into the vault, hash ------------------------- */

static azk_status tee_read(void *ctx, uint8_t *buf, size_t cap, size_t *got)
{
    struct intake *in = ctx;
    ssize_t r;
    azk_status rc;
    *got = 0;
    do {
        r = read(in->fd, buf, cap);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return azk_error_errno("read input");
    if (r == 0)
        return AZK_OK;
    rc = azk_vault__writer_write(in->w, buf, (size_t)r);
    if (rc != AZK_OK)
        return rc;
    crypto_generichash_update(&in->hs, buf, (size_t)r);
    in->bytes += (uint64_t)r;
    *got = (size_t)r;
    return AZK_OK;
}

/* ---- sink ------------------------------------------------------------------ */

static azk_status sink_begin(void *payload, const azk_object_info *info)
{
    struct intake *in = payload;
    if (info->member_count > 0)
        return fail(in, AZK_ERR_UNSUPPORTED,
                    "intake takes one CSV, TSV or xlsx file, not an archive: unpack it first");
    return AZK_OK;
}

static void sink_format(void *payload, const char *format, const char *encoding)
{
    struct intake *in = payload;
    snprintf(in->format, sizeof(in->format), "%s", format != NULL ? format : "");
    snprintf(in->encoding, sizeof(in->encoding), "%s", encoding != NULL ? encoding : "");
}

static azk_status kind_from_name(const char *s, size_t n, azk_column_kind *out)
{
    for (int k = 0; k < AZK_COL__COUNT; k++) {
        const char *kn = azk_column_kind_name((azk_column_kind)k);
        if (kn != NULL && strlen(kn) == n && memcmp(kn, s, n) == 0) {
            *out = k == AZK_COL_NONE ? AZK_COL_OTHER : (azk_column_kind)k;
            return AZK_OK;
        }
    }
    if (n == 6 && memcmp(s, "ignore", 6) == 0) {
        *out = AZK_COL_OTHER;
        return AZK_OK;
    }
    return AZK_ERR_ARG;
}

static bool same_header(const char *a, const char *b, azk_buf *t1, azk_buf *t2)
{
    if (azk_norm_text(t1, a, strlen(a), AZK_NORM_NFKC | AZK_NORM_SPACES_REMOVE | AZK_NORM_CASE) !=
            AZK_OK ||
        azk_norm_text(t2, b, strlen(b), AZK_NORM_NFKC | AZK_NORM_SPACES_REMOVE | AZK_NORM_CASE) !=
            AZK_OK)
        return strcmp(a, b) == 0;
    return t1->len == t2->len && memcmp(t1->data, t2->data, t1->len) == 0;
}

static azk_status take_header(struct intake *in, const azk_record *rec)
{
    azk_buf t1 = AZK_BUF_INIT;
    azk_buf t2 = AZK_BUF_INIT;
    azk_status rc = AZK_OK;
    char hp[64];
    if (rec->field_count == 0 || rec->field_count > INTAKE_MAX_COLS)
        return fail(in, AZK_ERR_FORMAT, "header row has %zu columns (1 to %d accepted)",
                    rec->field_count, INTAKE_MAX_COLS);
    in->cols = azk_calloc(rec->field_count, sizeof(*in->cols));
    if (in->cols == NULL)
        return azk_error_nomem();
    in->ncols = rec->field_count;
    for (size_t i = 0; i < rec->field_count; i++) {
        const azk_field *f = &rec->fields[i];
        struct col *c = &in->cols[i];
        c->header = azk_strndup(f->ptr, f->len);
        if (c->header == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        printable(hp, sizeof(hp), f->ptr, f->len);
        if (f->len == 0) {
            rc = fail(in, AZK_ERR_FORMAT, "column %zu has an empty header", i + 1);
            goto done;
        }
        for (size_t j = 0; j < i; j++) {
            if (same_header(in->cols[j].header, c->header, &t1, &t2)) {
                rc = fail(in, AZK_ERR_FORMAT, "columns %zu and %zu have the same header \"%s\"",
                          j + 1, i + 1, hp);
                goto done;
            }
        }
        c->kind = AZK_COL_NONE;
        for (size_t m = 0; m < in->nmap; m++) {
            if (same_header(in->map[m].header, c->header, &t1, &t2)) {
                c->kind = in->map[m].kind;
                c->mapped = true;
                in->map[m].used = true;
            }
        }
        if (!c->mapped)
            c->kind = azk_column_classify(f->ptr, f->len);
        if (c->kind == AZK_COL_NONE) {
            rc = fail(in, AZK_ERR_FORMAT,
                      "column %zu (header \"%s\") is not recognised: map it with --map "
                      "'%s=KIND' (KIND other when it holds nothing personal)",
                      i + 1, hp, hp);
            goto done;
        }
    }
    for (size_t m = 0; m < in->nmap; m++) {
        if (!in->map[m].used) {
            printable(hp, sizeof(hp), in->map[m].header, strlen(in->map[m].header));
            rc = fail(in, AZK_ERR_FORMAT, "--map names header \"%s\", which the file does not have",
                      hp);
            goto done;
        }
    }
    for (size_t i = 0; i < in->ncols; i++) {
        in->kinds[i] = (uint8_t)in->cols[i].kind;
        if (in->cols[i].kind == AZK_COL_NAME)
            in->has_name_col = true;
    }
    in->have_header = true;
done:
    azk_buf_dispose(&t1);
    azk_buf_dispose(&t2);
    return rc;
}

static azk_status fingerprint_row(struct intake *in, const azk_record *rec)
{
    uint32_t h[AZK_FPS__COUNT];
    int8_t col_slot[INTAKE_MAX_COLS];
    azk_status rc = azk_vault__fp_row(&in->rows, &in->hasher, in->kinds, in->ncols,
                                      in->has_name_col, rec, h, col_slot);
    if (rc != AZK_OK)
        return rc;
    for (size_t s = 0; s < AZK_FPS__COUNT; s++)
        if (h[s] != 0)
            in->slot_seen |= 1u << s;
    /* schema statistics: cells that gave a usable value of their kind */
    for (size_t i = 0; i < rec->field_count && i < in->ncols; i++)
        if (col_slot[i] >= 0 && h[col_slot[i]] != 0)
            in->cols[i].valid++;
    return azk_buf_put(&in->fp, h, sizeof(h));
}

static azk_status sink_record(void *payload, const azk_record *rec)
{
    struct intake *in = payload;
    uint64_t row;
    if (in->err != AZK_OK)
        return in->err;
    if (!rec->tabular)
        return fail(in, AZK_ERR_FORMAT,
                    "not a table (decoded as %s): intake takes CSV, TSV or xlsx with a header row",
                    in->format[0] ? in->format : "text");
    if (rec->sheet != NULL) {
        if (in->sheet == NULL) {
            in->sheet = azk_strdup(rec->sheet);
            if (in->sheet == NULL)
                return azk_error_nomem();
        } else if (strcmp(in->sheet, rec->sheet) != 0) {
            return fail(in, AZK_ERR_FORMAT,
                        "the workbook has data on more than one sheet: entrust one sheet per "
                        "dataset");
        }
    }
    if (!in->have_header) {
        if (!rec->is_header)
            return fail(in, AZK_ERR_FORMAT,
                        "line %llu: no header row (the first row must name the columns)",
                        (unsigned long long)rec->line);
        return take_header(in, rec);
    }
    row = ++in->records;
    if (rec->continued)
        return fail(in, AZK_ERR_LIMIT,
                    "data row %llu is longer than %u MiB or has more than %u "
                    "cells",
                    (unsigned long long)in->records, 4u, 4096u);
    /* decode cuts a cell at max_cell on a UTF-8 boundary (up to 3 bytes short) */
    for (size_t i = 0; i < rec->field_count; i++)
        if (rec->fields[i].len + 4 > INTAKE_MAX_CELL)
            return fail(in, AZK_ERR_LIMIT, "data row %llu column %zu: cell of 1 MiB or more",
                        (unsigned long long)row, i + 1);
    if (rec->field_count > in->ncols ||
        (rec->field_count < in->ncols && strcmp(in->format, "xlsx") != 0))
        return fail(in, AZK_ERR_FORMAT, "data row %llu (line %llu) has %zu fields, the header %zu",
                    (unsigned long long)row, (unsigned long long)rec->line, rec->field_count,
                    in->ncols);
    for (size_t i = 0; i < rec->field_count; i++) {
        const azk_field *f = &rec->fields[i];
        struct col *c = &in->cols[i];
        if (f->len >= 3 && memmem(f->ptr, f->len, "\xEF\xBF\xBD", 3) != NULL)
            return fail(in, AZK_ERR_FORMAT,
                        "data row %llu column %zu: bytes that are not %s (wrong or mixed "
                        "encoding? force one with --encoding)",
                        (unsigned long long)row, i + 1, in->encoding[0] ? in->encoding : "text");
        if (f->len == 0)
            continue;
        c->values++;
    }
    return fingerprint_row(in, rec);
}

static void sink_end(void *payload, azk_status st, const azk_error *err)
{
    (void)payload;
    (void)st;
    (void)err;
}

/* ---- options ------------------------------------------------------------- */

static azk_status parse_map(struct intake *in, const char *map)
{
    const char *p = map;
    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ',');
        const char *eq;
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        struct map_entry *me;
        void *grown;
        eq = memchr(p, '=', n);
        if (eq == NULL || eq == p)
            return azk_error_set(AZK_ERR_ARG,
                                 "--map: expected HEADER=KIND, got an entry without '='");
        grown = azk_realloc(in->map, (in->nmap + 1) * sizeof(*in->map));
        if (grown == NULL)
            return azk_error_nomem();
        in->map = grown;
        me = &in->map[in->nmap];
        memset(me, 0, sizeof(*me));
        me->header = azk_strndup(p, (size_t)(eq - p));
        if (me->header == NULL)
            return azk_error_nomem();
        in->nmap++;
        if (kind_from_name(eq + 1, n - (size_t)(eq - p) - 1, &me->kind) != AZK_OK)
            return azk_error_set(AZK_ERR_ARG,
                                 "--map: unknown kind (use name, name_kana, family_name, "
                                 "given_name, birth_date, postal_code, address, phone, email, "
                                 "customer_id, bank_account, my_number, other)");
        p = end != NULL ? end + 1 : NULL;
    }
    return AZK_OK;
}

/* --map syntax and kinds, without building the table (parse_map does) */
static azk_status check_map(const char *map)
{
    const char *p = map;
    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ',');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        azk_column_kind k;
        if (eq == NULL || eq == p)
            return azk_error_set(AZK_ERR_ARG,
                                 "--map: expected HEADER=KIND, got an entry without '='");
        if (kind_from_name(eq + 1, n - (size_t)(eq - p) - 1, &k) != AZK_OK)
            return azk_error_set(AZK_ERR_ARG,
                                 "--map: unknown kind (use name, name_kana, family_name, "
                                 "given_name, birth_date, postal_code, address, phone, email, "
                                 "customer_id, bank_account, my_number, other)");
        p = end != NULL ? end + 1 : NULL;
    }
    return AZK_OK;
}

/* The checks that need no home: front ends call them (as
 * azk_intake_check_options) before touching the file or the home. */
static azk_status check_syntax(const azk_intake_options *o, char deadline[16])
{
    azk_status rc;
    azk_buf d = AZK_BUF_INIT;
    char today[16];
    if (o->client == NULL || o->dataset == NULL || o->purpose == NULL || o->retain_until == NULL)
        return azk_error_set(AZK_ERR_ARG, "intake needs client, dataset, purpose and deadline");
    if (!azk_store__valid_id(o->dataset))
        return azk_error_set(AZK_ERR_ARG, "dataset id must be 1-64 of [A-Za-z0-9._-], starting "
                                          "with a letter or digit");
    if (o->purpose[strspn(o->purpose, " \t")] == '\0')
        return azk_error_set(AZK_ERR_ARG, "the purpose must not be empty");
    rc = azk_norm_date(&d, o->retain_until, strlen(o->retain_until));
    if (rc != AZK_OK) {
        azk_buf_dispose(&d);
        if (rc == AZK_ERR_NOMEM)
            return rc;
        return azk_error_set(AZK_ERR_ARG, "--retain-until: not a date (YYYY-MM-DD)");
    }
    snprintf(deadline, 16, "%s", (const char *)d.data);
    azk_buf_dispose(&d);
    azk_store__today(today);
    if (strcmp(deadline, today) < 0)
        return azk_error_set(AZK_ERR_ARG, "--retain-until %s is in the past (today is %s)",
                             deadline, today);
    if (o->encoding != NULL && azk_decode__encoding_canonical(o->encoding) == NULL)
        return azk_error_set(AZK_ERR_ARG, "unknown encoding: %s", o->encoding);
    return check_map(o->map);
}

azk_status azk_intake_check_options(const azk_intake_options *o_in)
{
    static const azk_intake_options o_def = AZK_INTAKE_OPTIONS_INIT;
    azk_intake_options o_v;
    const azk_intake_options *o = &o_v;
    char deadline[16];

    if (azk__options_in(&o_v, sizeof(o_v), &o_def, o_in, true, "azk_intake_check_options") !=
        AZK_OK)
        return azk_error_last()->code;
    azk_error_clear();
    AZK_ASSERT_ARG(o != NULL);
    return check_syntax(o, deadline);
}

static azk_status check_options(azk_home *h, const azk_intake_options *o, char deadline[16])
{
    azk_status rc;
    if (o->source_name == NULL)
        return azk_error_set(AZK_ERR_ARG, "intake needs client, dataset, purpose and deadline");
    rc = check_syntax(o, deadline);
    if (rc != AZK_OK)
        return rc;
    return azk_store__intake_check(h, o->client, o->dataset);
}

static azk_status schema_json(struct intake *in, char **out)
{
    json_t *arr = json_array();
    char *s;
    if (arr == NULL)
        return azk_error_nomem();
    for (size_t i = 0; i < in->ncols; i++) {
        json_t *o = json_pack(
            "{s:I, s:s, s:s, s:b, s:I, s:I}", "col", (json_int_t)i, "header", in->cols[i].header,
            "kind", azk_column_kind_name(in->cols[i].kind), "mapped", in->cols[i].mapped, "values",
            (json_int_t)in->cols[i].values, "valid", (json_int_t)in->cols[i].valid);
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return azk_error_nomem();
        }
    }
    s = json_dumps(arr, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(arr);
    if (s == NULL)
        return azk_error_nomem();
    *out = s;
    return AZK_OK;
}

/*
 * The wrapped data key into the keystore, then the catalog row, the
 * fingerprints (encrypted with the dataset's data key: shredding the key
 * shreds them) and the ledger event: one store transaction
 * (store/datasets.h), all or nothing.
 */
static azk_status insert_dataset(struct intake *in, const azk_intake_options *o,
                                 const char *deadline, const char *uuid, const uint8_t *wrapped,
                                 const char *schema, bool *key_left)
{
    azk_status rc;
    struct azk_store_intake rec;
    uint8_t dk[32];
    uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
    uint8_t *ct = NULL;
    unsigned long long cl = 0;
    char fields[256];
    char extra[160];
    size_t fl = 0;
    size_t ctlen;
    if (azk_add_overflow(&ctlen, in->fp.len, crypto_aead_xchacha20poly1305_ietf_ABYTES))
        return azk_error_set(AZK_ERR_LIMIT, "fingerprints too large");
    rc = azk_vault__unwrap(in->h, uuid, wrapped, AZK_VAULT_WRAPPED_LEN, dk);
    if (rc != AZK_OK)
        return rc;
    ct = azk_malloc(ctlen);
    if (ct == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    randombytes_buf(nonce, sizeof(nonce));
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        ct, &cl, in->fp.data, in->fp.len, (const uint8_t *)uuid, strlen(uuid), NULL, nonce, dk);
    fields[0] = '\0';
    for (size_t s = 0; s < AZK_FPS__COUNT; s++) {
        if (in->slot_seen & (1u << s)) {
            int n = snprintf(fields + fl, sizeof(fields) - fl, "%s%s", fl ? "," : "",
                             azk_fp__kind_name(azk_fp__slot_kind[s]));
            if (n > 0 && (size_t)n < sizeof(fields) - fl)
                fl += (size_t)n;
        }
    }
    snprintf(extra, sizeof(extra),
             "{\"records\":%llu,\"bytes\":%llu,\"retain_until\":\"%s\",\"vault\":\"%s\"}",
             (unsigned long long)in->records, (unsigned long long)in->bytes, deadline, uuid);
    memset(&rec, 0, sizeof(rec));
    rec.dataset = o->dataset;
    rec.client = o->client;
    rec.uuid = uuid;
    rec.purpose = o->purpose;
    rec.retain_until = deadline;
    rec.schema_json = schema;
    rec.source_name = o->source_name;
    rec.format = in->format;
    rec.encoding = in->encoding;
    rec.records = in->records;
    rec.bytes = in->bytes;
    rec.fp_fields = fields;
    rec.fp_nonce = nonce;
    rec.fp_nonce_len = sizeof(nonce);
    rec.fp_data = ct;
    rec.fp_data_len = (size_t)cl;
    rec.ledger_extra = extra;
    rec.scan_key = in->scan_key;
    /* the key in the keystore first, then the catalog; a key whose catalog
     * row did not commit is destroyed again (after a crash, the orphan
     * cleanup at the next open does it: azk_vault__cleanup_orphans) */
    rc = azk_store__key_put(in->h, AZK_KEY_DATASET, uuid, wrapped, AZK_VAULT_WRAPPED_LEN);
    if (rc != AZK_OK)
        goto done;
    azk_store__test_pause("intake");
    rc = azk_store__dataset_intake(in->h, &rec);
    if (rc != AZK_OK) {
        azk_error saved = *azk_error_last();
        char msg[256];
        (void)snprintf(msg, sizeof(msg), "%s", saved.message != NULL ? saved.message : "");
        if (azk_store__key_destroy(in->h, AZK_KEY_DATASET, uuid, NULL) != AZK_OK) {
            *key_left = true;
            azk_log(AZK_LOG_WARN, "intake: the data key of a failed intake could not be destroyed "
                                  "now; the next open removes it");
        }
        (void)azk_error_set(saved.code, "%s", msg);
    }
done:
    sodium_memzero(dk, sizeof(dk));
    azk_free(ct);
    return rc;
}

azk_status azk_intake(azk_home *h, int fd, const azk_intake_options *o_in, azk_intake_result *res)
{
    static const azk_intake_options o_def = AZK_INTAKE_OPTIONS_INIT;
    azk_intake_options o_v;
    const azk_intake_options *o = &o_v;
    azk_status rc = AZK_OK;
    struct intake in;
    azk_source src;
    azk_decode_options dopts = AZK_DECODE_OPTIONS_INIT;
    azk_decode_sink sink;
    uint8_t wrapped[AZK_VAULT_WRAPPED_LEN];
    uint8_t drain[65536];
    char uuid[37];
    char deadline[16];
    char *schema = NULL;
    azk_buf vpath = AZK_BUF_INIT;
    bool placed = false;
    bool key_left = false;
    int marker = -1;
    size_t got;

    if (azk__options_in(&o_v, sizeof(o_v), &o_def, o_in, true, "azk_intake") != AZK_OK)
        return azk_error_last()->code;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && o != NULL && fd >= 0);
    memset(&in, 0, sizeof(in));
    in.h = h;
    in.fd = fd;
    rc = check_options(h, o, deadline);
    if (rc != AZK_OK)
        return rc;
    rc = parse_map(&in, o->map);
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__scan_key(h, in.scan_key);
    if (rc != AZK_OK)
        goto done;
    azk_fp__hasher_init(&in.hasher, in.scan_key);
    azk_store__uuid(uuid);
    rc = azk_vault__writer_new(&in.w, h, uuid, wrapped);
    if (rc != AZK_OK)
        goto done;
    crypto_generichash_init(&in.hs, NULL, 0, 32);

    src.read = tee_read;
    src.ctx = &in;
    src.size = -1;
    src.seek = NULL; /* the tee must see every byte in order */
    dopts.max_cell = INTAKE_MAX_CELL;
    dopts.max_line = 4 * INTAKE_MAX_CELL;
    dopts.max_depth = 1;
    dopts.force_encoding = o->encoding;
    dopts.literal = true; /* entrusted data as the client wrote it: no evasion reading */
    sink.object_begin = sink_begin;
    sink.object_format = sink_format;
    sink.record = sink_record;
    sink.object_end = sink_end;
    sink.payload = &in;
    rc = azk_decode__object(&src, &dopts, &sink);
    if (in.err != AZK_OK) {
        rc = azk_error_set(in.err, "%s", in.errmsg);
        goto done;
    }
    if (rc != AZK_OK)
        goto done;
    /* decoders may stop before the end (zip directory): the vault keeps every byte */
    do {
        rc = tee_read(&in, drain, sizeof(drain), &got);
    } while (rc == AZK_OK && got > 0);
    if (rc != AZK_OK)
        goto done;
    if (in.bytes == 0) {
        rc = azk_error_set(AZK_ERR_FORMAT, "the file is empty");
        goto done;
    }
    if (strcmp(in.format, "csv") != 0 && strcmp(in.format, "tsv") != 0 &&
        strcmp(in.format, "xlsx") != 0) {
        rc = azk_error_set(AZK_ERR_FORMAT,
                           "not a table (decoded as %s): intake takes CSV, TSV or xlsx",
                           in.format[0] ? in.format : "unknown");
        goto done;
    }
    if (!in.have_header) {
        rc = azk_error_set(AZK_ERR_FORMAT, "no header row");
        goto done;
    }
    if (in.records == 0) {
        rc = azk_error_set(AZK_ERR_FORMAT, "the file has a header but no data rows");
        goto done;
    }
    if (__builtin_popcount(in.slot_seen & ~(1u << AZK_FPS_KANA)) +
            ((in.slot_seen & (1u << AZK_FPS_KANA)) && !(in.slot_seen & (1u << AZK_FPS_NAME))) <
        2) {
        rc = azk_error_set(AZK_ERR_FORMAT,
                           "fewer than two personal fields could be read: a record could never "
                           "be recognised (check the column mapping)");
        goto done;
    }
    rc = schema_json(&in, &schema);
    if (rc != AZK_OK)
        goto done;
    /* from the name of the file to the commit of its row: marked and locked */
    rc = azk_vault__pending_begin(h, uuid, &marker);
    if (rc != AZK_OK)
        goto done;
    rc = azk_vault__writer_finish(in.w);
    in.w = NULL;
    if (rc != AZK_OK)
        goto done;
    placed = true;
    rc = insert_dataset(&in, o, deadline, uuid, wrapped, schema, &key_left);
    if (rc != AZK_OK)
        goto done;
    placed = false; /* committed: the file stays */
    if (res != NULL) {
        memset(res, 0, sizeof(*res));
        res->records = in.records;
        res->bytes = in.bytes;
        res->columns = in.ncols;
        for (size_t i = 0; i < in.ncols; i++)
            if (in.cols[i].kind != AZK_COL_OTHER)
                res->personal++;
        snprintf(res->format, sizeof(res->format), "%s", in.format);
        snprintf(res->encoding, sizeof(res->encoding), "%s", in.encoding);
        snprintf(res->uuid, sizeof(res->uuid), "%s", uuid);
    }
done:
    if (in.w != NULL)
        azk_vault__writer_abort(in.w);
    /* a file whose key could not be destroyed stays, with its marker, for the next open */
    if (placed && !key_left && azk_vault__path(&vpath, h, uuid) == AZK_OK)
        (void)unlink((const char *)vpath.data);
    azk_vault__pending_end(h, uuid, marker, !key_left);
    azk_buf_dispose(&vpath);
    sodium_memzero(wrapped, sizeof(wrapped));
    azk_free(schema); /* from jansson, whose allocator is azk_malloc (util/init.c) */
    for (size_t i = 0; i < in.ncols; i++)
        azk_free(in.cols[i].header);
    azk_free(in.cols);
    for (size_t i = 0; i < in.nmap; i++)
        azk_free(in.map[i].header);
    azk_free(in.map);
    azk_free(in.sheet);
    azk_buf_dispose_secret(&in.fp);
    azk_vault__fp_row_dispose(&in.rows);
    sodium_memzero(in.scan_key, sizeof(in.scan_key));
    sodium_memzero(&in.hasher, sizeof(in.hasher));
    return rc;
}
