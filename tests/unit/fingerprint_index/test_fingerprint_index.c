/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/fingerprint_index/test_fingerprint_index.c -- the in-memory
 * layout of a loaded fingerprint file (match/fp.h: bit-packed row table
 * whose slots exist only when the file uses them, CSR of 3- or 4-byte row
 * ids) against a model built here, the version 2 file (those tables as
 * they are) written and read back, and the loader's refusals of malformed
 * files of both versions. Files are written here byte by byte (format in match/fp.h) with a
 * correct checksum, so what refuses a malformed file is the structural
 * check, not the checksum. Values are random numbers; nothing personal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "match/fp.h"
#include "azukari/fingerprint.h"

static char dir[64];
static char fpfile[128];
static char keyfile[128];

/* ---- a model of the index and a writer of its file ---------------------------- */

struct model {
    uint64_t rows;
    /* per kind: sorted (bucket << 32 | row) entries */
    uint64_t *e[AZK_FP__COUNT];
    size_t n[AZK_FP__COUNT];
};

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static int cmp64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void model_add(struct model *m, unsigned k, uint32_t bucket, uint32_t row)
{
    if ((m->n[k] & (m->n[k] - 1)) == 0) /* 0, 1, 2, 4 ...: double (ASan copies every realloc) */
        m->e[k] = realloc(m->e[k], (m->n[k] ? 2 * m->n[k] : 1) * sizeof(uint64_t));
    assert_non_null(m->e[k]);
    m->e[k][m->n[k]++] = ((uint64_t)bucket << 32) | row;
}

/* Sort v[0..n) ascending: least significant digit first, 16 bits a pass (qsort's comparator
 * calls were a third of four_byte_row_ids' 2.1 M entries). */
static void sort64(uint64_t *v, size_t n)
{
    uint64_t *t = malloc(n * sizeof(*t));
    size_t *cnt = malloc(65537 * sizeof(*cnt));
    assert_non_null(t);
    assert_non_null(cnt);
    for (unsigned sh = 0; sh < 64; sh += 16) {
        uint64_t *x;
        memset(cnt, 0, 65537 * sizeof(*cnt));
        for (size_t i = 0; i < n; i++)
            cnt[((v[i] >> sh) & 0xFFFF) + 1]++;
        for (size_t d = 1; d <= 65536; d++)
            cnt[d] += cnt[d - 1];
        for (size_t i = 0; i < n; i++)
            t[cnt[(v[i] >> sh) & 0xFFFF]++] = v[i];
        x = v; /* four passes: the result ends in v */
        v = t;
        t = x;
    }
    free(t);
    free(cnt);
}

static void model_sort(struct model *m)
{
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        size_t o = 0;
        if (m->n[k] == 0)
            continue;
        sort64(m->e[k], m->n[k]);
        for (size_t i = 0; i < m->n[k]; i++)
            if (o == 0 || m->e[k][o - 1] != m->e[k][i])
                m->e[k][o++] = m->e[k][i];
        m->n[k] = o;
    }
}

static void model_free(struct model *m)
{
    for (unsigned k = 0; k < AZK_FP__COUNT; k++)
        free(m->e[k]);
    memset(m, 0, sizeof(*m));
}

struct wbuf {
    uint8_t *p;
    size_t n;
};

static void w(struct wbuf *b, const void *p, size_t n)
{
    /* capacity: the next power of two at or above the size (a file of 17 MB is written 8 bytes
     * at a time) */
    size_t cap = 64;
    while (cap < b->n)
        cap *= 2;
    if (b->n + n > cap || b->n == 0) {
        while (cap < b->n + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
    }
    assert_non_null(b->p);
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void w32(struct wbuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    w(b, x, 4);
}

static void w64(struct wbuf *b, uint64_t v)
{
    w32(b, (uint32_t)v);
    w32(b, (uint32_t)(v >> 32));
}

/* The file of m (one dataset holding every row), without its checksum. */
static struct wbuf model_file(const struct model *m)
{
    struct wbuf b = {NULL, 0};
    uint16_t len;
    w(&b, AZK_FP_MAGIC, 8);
    w32(&b, AZK_FP__COUNT);
    w(&b, azk_fp__bits, AZK_FP__COUNT);
    w32(&b, 1);
    len = 1;
    w(&b, &len, 2);
    w(&b, "c", 1);
    w(&b, &len, 2);
    w(&b, "d", 1);
    w32(&b, 0);
    w32(&b, (uint32_t)m->rows);
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        w64(&b, m->n[k]);
        for (size_t i = 0; i < m->n[k]; i++)
            w64(&b, m->e[k][i]);
    }
    return b;
}

/* Write p (checksum appended) to fpfile and load it. */
static azk_status load_bytes(const uint8_t *p, size_t n, azk_fp_index **out)
{
    uint8_t sum[32];
    FILE *f = fopen(fpfile, "wb");
    assert_non_null(f);
    crypto_generichash(sum, sizeof(sum), p, n, NULL, 0);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fwrite(sum, 1, sizeof(sum), f), sizeof(sum));
    fclose(f);
    return azk_fp_index_load(out, fpfile, keyfile);
}

/* Offset of kind k's entry count in the file of m. */
static size_t kind_offset(const struct model *m, unsigned k)
{
    size_t o = 8 + 4 + AZK_FP__COUNT + 4 + 2 + 1 + 2 + 1 + 4 + 4;
    for (unsigned j = 0; j < k; j++)
        o += 8 + 8 * m->n[j];
    return o;
}

/* Every seed kind's buckets hold exactly the model's rows, in order. */
static void check_csr(const azk_fp_index *idx, const struct model *m)
{
    assert_int_equal(idx->total_rows, m->rows);
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        assert_int_equal(idx->entry_count[k], m->n[k]);
        if (!azk_fp__is_seed(k) || m->n[k] == 0)
            assert_null(idx->off[k]);
        if (azk_fp__is_seed(k) && m->n[k] > 0) {
            size_t nb = (size_t)1 << azk_fp__bits[k];
            size_t i = 0;
            assert_non_null(idx->off[k]);
            assert_int_equal(idx->off[k][0], 0);
            for (size_t bk = 0; bk < nb; bk++)
                for (uint32_t e = idx->off[k][bk]; e < idx->off[k][bk + 1]; e++, i++) {
                    assert_true(i < m->n[k]);
                    assert_int_equal(m->e[k][i] >> 32, bk);
                    assert_int_equal(azk_fp__seed_row(idx, k, e), (uint32_t)m->e[k][i]);
                }
            assert_int_equal(i, m->n[k]);
        }
    }
}

/* azk_fp__seed_has agrees with the model: every entry found, its neighbour rows and the
 * next bucket only when the model has them, a bucket past the kind's range never */
static void check_seed_has(const azk_fp_index *idx, const struct model *m)
{
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        if (!azk_fp__is_seed(k) || m->n[k] == 0)
            continue;
        for (size_t i = 0; i < m->n[k]; i++) {
            uint32_t bk = (uint32_t)(m->e[k][i] >> 32);
            uint32_t row = (uint32_t)m->e[k][i];
            assert_true(azk_fp__seed_has(idx, k, bk, row));
            for (int d = -1; d <= 1; d++) {
                for (uint32_t db = 0; db < 2; db++) {
                    uint64_t r = (uint64_t)row + m->rows + (uint64_t)(int64_t)d;
                    uint32_t b2 = (bk + db) & ((1u << azk_fp__bits[k]) - 1);
                    uint64_t key;
                    bool want;
                    r %= m->rows;
                    key = (uint64_t)b2 << 32 | r;
                    want = bsearch(&key, m->e[k], m->n[k], sizeof(uint64_t), cmp64) != NULL;
                    if (azk_fp__seed_has(idx, k, b2, (uint32_t)r) != want)
                        fail_msg("kind %u bucket %u row %llu: want %d", k, b2,
                                 (unsigned long long)r, want);
                }
            }
            assert_false(azk_fp__seed_has(idx, k, 1u << azk_fp__bits[k], row));
        }
    }
}

/* The model's row table: per row and slot the bucket + 1 (0 = none). */
static uint32_t *model_cells(const struct model *m)
{
    uint32_t *want = calloc((size_t)m->rows * AZK_FPS__COUNT, sizeof(uint32_t));
    assert_non_null(want);
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        unsigned first;
        unsigned slots;
        azk_fp__kind_slots(k, &first, &slots);
        /* in file order: a row's first value to its first slot, the second to the next */
        for (size_t i = 0; i < m->n[k]; i++) {
            uint32_t row = (uint32_t)m->e[k][i];
            uint32_t *c = want + (size_t)row * AZK_FPS__COUNT + first;
            if (c[0] == 0)
                c[0] = (uint32_t)(m->e[k][i] >> 32) + 1;
            else if (slots > 1 && c[1] == 0)
                c[1] = (uint32_t)(m->e[k][i] >> 32) + 1;
        }
    }
    return want;
}

/* What the row table holds for a model cell: bucket + 1, a seed kind's code. */
static uint32_t cell_of(unsigned slot, uint32_t cell)
{
    unsigned k = azk_fp__slot_kind[slot];
    return cell != 0 && azk_fp__is_seed(k) ? azk_fp__code(k, cell - 1) : cell;
}

/* Everything the index says equals the model: every row's every slot (codes for the
 * seed kinds), every bucket's rows. */
static void check_index(const azk_fp_index *idx, const struct model *m)
{
    uint32_t *want = model_cells(m);
    check_csr(idx, m);
    check_seed_has(idx, m);
    for (uint64_t r = 0; r < m->rows; r++)
        for (unsigned s = 0; s < AZK_FPS__COUNT; s++) {
            uint32_t c = cell_of(s, want[r * AZK_FPS__COUNT + s]);
            if (azk_fp__row_slot(idx, r, s) != c)
                fail_msg("row %llu slot %u: %u, want %u", (unsigned long long)r, s,
                         azk_fp__row_slot(idx, r, s), c);
        }
    free(want);
}

/* rows with random values: every slot present with probability pct % (0: slot never used) */
static void model_random(struct model *m, uint64_t rows, const unsigned pct[AZK_FPS__COUNT])
{
    memset(m, 0, sizeof(*m));
    m->rows = rows;
    for (uint64_t r = 0; r < rows; r++)
        for (unsigned s = 0; s < AZK_FPS__COUNT; s++) {
            unsigned k = azk_fp__slot_kind[s];
            uint32_t bucket;
            if (rnd() % 100 >= pct[s])
                continue;
            /* the edges of the bucket range often */
            switch (rnd() % 8) {
                case 0:
                    bucket = 0;
                    break;
                case 1:
                    bucket = (1u << azk_fp__bits[k]) - 1u;
                    break;
                default:
                    bucket = rnd() & ((1u << azk_fp__bits[k]) - 1u);
            }
            model_add(m, k, bucket, (uint32_t)r);
        }
    model_sort(m);
}

/* Write the version 3 file of a loaded index as the file load_bytes loads (fpfile, with
 * the checksum the library writes), and return its bytes without the checksum. */
static struct wbuf v3_bytes(const azk_fp_index *idx)
{
    struct wbuf b = {NULL, 0};
    FILE *f;
    long n;
    f = fopen(fpfile, "w+b");
    assert_non_null(f);
    assert_int_equal(azk_fp__index_write(idx, f), AZK_OK);
    n = ftell(f);
    assert_true(n > 32);
    b.n = (size_t)n - 32;
    b.p = malloc(b.n);
    assert_non_null(b.p);
    rewind(f);
    assert_int_equal(fread(b.p, 1, b.n, f), b.n);
    fclose(f);
    assert_memory_equal(b.p, AZK_FP_MAGIC3, 8);
    return b;
}

/* Offset of the layout (slot widths) in a version 2 or 3 file of m: after the dataset
 * table and the key's id. */
static size_t layout_offset(const struct model *m)
{
    return kind_offset(m, 0) + 8;
}

/*
 * The version 2 file (as session 7's export wrote it) of m, from its version 3
 * file v3 (without checksum): the same header, every slot's cell (bucket + 1)
 * in the row table, the same CSR.
 */
static struct wbuf v2_from_v3(const struct model *m, const struct wbuf *v3)
{
    size_t h = layout_offset(m);
    size_t tab = h + AZK_FPS__COUNT + 4 + 4 + 8 * AZK_FP__COUNT;
    uint32_t frow_w = v3->p[h + AZK_FPS__COUNT] | (uint32_t)v3->p[h + AZK_FPS__COUNT + 1] << 8;
    size_t csr = tab + (size_t)((m->rows * frow_w + 7) / 8);
    uint8_t w2[AZK_FPS__COUNT];
    uint32_t row_w = 0;
    uint32_t *cells = model_cells(m);
    size_t tbytes;
    uint8_t *t;
    uint64_t pos = 0;
    struct wbuf b = {NULL, 0};
    for (unsigned s = 0; s < AZK_FPS__COUNT; s++) {
        w2[s] = (uint8_t)(v3->p[h + s] ? azk_fp__bits[azk_fp__slot_kind[s]] + 1 : 0);
        row_w += w2[s];
    }
    tbytes = (size_t)((m->rows * row_w + 7) / 8);
    t = calloc(1, tbytes + 8);
    assert_non_null(t);
    for (uint64_t r = 0; r < m->rows; r++)
        for (unsigned s = 0; s < AZK_FPS__COUNT; s++) {
            uint64_t x;
            if (w2[s] == 0)
                continue;
            memcpy(&x, t + (pos >> 3), 8);
            x |= (uint64_t)cells[r * AZK_FPS__COUNT + s] << (pos & 7);
            memcpy(t + (pos >> 3), &x, 8);
            pos += w2[s];
        }
    w(&b, AZK_FP_MAGIC2, 8);
    w(&b, v3->p + 8, h - 8);
    w(&b, w2, AZK_FPS__COUNT);
    w32(&b, row_w);
    w(&b, v3->p + h + AZK_FPS__COUNT + 4, tab - (h + AZK_FPS__COUNT + 4));
    w(&b, t, tbytes);
    w(&b, v3->p + csr, v3->n - csr);
    free(t);
    free(cells);
    return b;
}

/* idx: m's version 1 file loaded. Write it as version 3, load that, and the version 2 file
 * of the same tables: the same index each time. */
static void roundtrip_v3(const struct model *m, const azk_fp_index *idx)
{
    struct wbuf b3 = v3_bytes(idx);
    struct wbuf b2 = {NULL, 0};
    for (int v = 3; v >= 2; v--) {
        azk_fp_index *idx2 = NULL;
        if (v == 3) {
            /* the file the library wrote, as it is */
            assert_int_equal(azk_fp_index_load(&idx2, fpfile, keyfile), AZK_OK);
        } else {
            b2 = v2_from_v3(m, &b3);
            assert_int_equal(load_bytes(b2.p, b2.n, &idx2), AZK_OK);
        }
        assert_int_equal(idx2->row_w, idx->row_w);
        assert_int_equal(idx2->row_bytes, idx->row_bytes);
        assert_memory_equal(idx2->slot_w, idx->slot_w, sizeof(idx->slot_w));
        assert_memory_equal(idx2->slot_sh, idx->slot_sh, sizeof(idx->slot_sh));
        assert_memory_equal(idx2->rowtab, idx->rowtab, (idx->total_rows * idx->row_w + 7) / 8);
        check_index(idx2, m);
        azk_fp_index_free(idx2);
    }
    free(b2.p);
    free(b3.p);
}

static int setup(void **state)
{
    uint8_t k[32];
    int fd;
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/azk-fpidx-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(fpfile, sizeof(fpfile), "%s/fp.azf", dir);
    snprintf(keyfile, sizeof(keyfile), "%s/fp.key", dir);
    memset(k, 3, sizeof(k));
    fd = open(keyfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, k, sizeof(k)) != (ssize_t)sizeof(k))
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    (void)unlink(fpfile);
    (void)unlink(keyfile);
    (void)rmdir(dir);
    return 0;
}

/* ---- the layout ------------------------------------------------------------------- */

/* Every slot used (two names, two phones, customer ids at 16 bits, my number at 24). */
static void test_fingerprint_index__every_slot(void **state)
{
    static const unsigned pct[AZK_FPS__COUNT] = {90, 70, 80, 85, 30, 60, 75, 80, 40, 35, 50};
    struct model m;
    struct wbuf b;
    azk_fp_index *idx = NULL;
    (void)state;
    model_random(&m, 5000, pct);
    b = model_file(&m);
    assert_int_equal(load_bytes(b.p, b.n, &idx), AZK_OK);
    assert_int_equal(idx->row_bytes, 3);
    for (unsigned s = 0; s < AZK_FPS__COUNT; s++) {
        unsigned k = azk_fp__slot_kind[s];
        assert_int_equal(idx->slot_w[s],
                         azk_fp__is_seed(k) ? azk_fp__code_w(k) : azk_fp__bits[k] + 1u);
    }
    check_index(idx, &m);
    roundtrip_v3(&m, idx);
    azk_fp_index_free(idx);
    free(b.p);
    model_free(&m);
}

/* Slots no row uses take no bits: no kana readings, no second phones, no ids. */
static void test_fingerprint_index__unused_slots_cost_nothing(void **state)
{
    static const unsigned pct[AZK_FPS__COUNT] = {100, 0, 100, 100, 0, 100, 100, 100, 0, 0, 0};
    struct model m;
    struct wbuf b;
    azk_fp_index *idx = NULL;
    (void)state;
    model_random(&m, 3000, pct);
    b = model_file(&m);
    assert_int_equal(load_bytes(b.p, b.n, &idx), AZK_OK);
    /* name code 8 + birth 12 + phone code 4 + email code 4 + postal 11 + address code 4
     * bits (with whole seed buckets, session 7: 105) */
    assert_int_equal(idx->row_w, 43);
    assert_int_equal(idx->slot_w[AZK_FPS_KANA], 0);
    assert_int_equal(idx->slot_w[AZK_FPS_PHONE2], 0);
    assert_int_equal(idx->slot_w[AZK_FPS_MYNUMBER], 0);
    assert_null(idx->off[AZK_FP_MYNUMBER]);
    check_index(idx, &m);
    roundtrip_v3(&m, idx);
    azk_fp_index_free(idx);
    free(b.p);
    model_free(&m);
}

/* More than 2^24 rows: row ids take 4 bytes and the top ones come back whole. */
static void expect_refused(const uint8_t *p, size_t n, azk_status want);

/*
 * The entries of one e-mail bucket of the version 3 file of idx (4-byte row ids), changed by
 * set (the first or the last id), refused for their row ids, not only by the code check.
 */
static void expect_ids_refused(const struct model *m, const azk_fp_index *idx, bool last,
                               uint32_t id)
{
    struct wbuf good = v3_bytes(idx);
    size_t h = kind_offset(m, 0) + 8;
    size_t tab = h + AZK_FPS__COUNT + 4 + 4 + 8 * AZK_FP__COUNT;
    size_t csr = tab + (size_t)((m->rows * (uint64_t)good.p[h + AZK_FPS__COUNT] + 7) / 8);
    size_t nb = (size_t)1 << azk_fp__bits[AZK_FP_EMAIL];
    const uint32_t *off = idx->off[AZK_FP_EMAIL];
    size_t bk = 0;
    size_t at;
    while (bk < nb && off[bk + 1] - off[bk] < 3)
        bk++;
    assert_true(bk < nb);
    at = csr + 4 * (nb + 1) + 4 * (size_t)(last ? off[bk + 1] - 1 : off[bk]);
    for (unsigned i = 0; i < 4; i++)
        good.p[at + i] = (uint8_t)(id >> (8 * i));
    expect_refused(good.p, good.n, AZK_ERR_FORMAT);
    assert_non_null(strstr(azk_error_last()->message, "row out of range"));
    free(good.p);
}

static void test_fingerprint_index__four_byte_row_ids(void **state)
{
    struct model m;
    struct wbuf b;
    azk_fp_index *idx = NULL;
    uint64_t rows = (1u << 24) + 77;
    (void)state;
    memset(&m, 0, sizeof(m));
    m.rows = rows;
    /* the file must hold at least a byte per row: 2.1 M e-mail entries */
    for (uint64_t r = 0; r < rows; r += 8)
        model_add(&m, AZK_FP_EMAIL, rnd() & 0xFFFFF, (uint32_t)r);
    model_add(&m, AZK_FP_EMAIL, 5, (uint32_t)(rows - 1));
    for (uint32_t r = 1; r < 4; r++) /* a bucket of three or more */
        model_add(&m, AZK_FP_EMAIL, 6, r);
    model_add(&m, AZK_FP_BIRTH, 2047, (uint32_t)(rows - 1));
    model_add(&m, AZK_FP_BIRTH, 3, (uint32_t)(1u << 24));
    model_sort(&m);
    b = model_file(&m);
    assert_int_equal(load_bytes(b.p, b.n, &idx), AZK_OK);
    assert_int_equal(idx->row_bytes, 4);
    assert_int_equal(azk_fp__row_slot(idx, rows - 1, AZK_FPS_BIRTH), 2048);
    assert_int_equal(azk_fp__row_slot(idx, 1u << 24, AZK_FPS_BIRTH), 4);
    assert_int_equal(azk_fp__row_slot(idx, rows - 2, AZK_FPS_BIRTH), 0);
    /* too many rows for a dense model: the CSR whole, the row table through the entries */
    check_csr(idx, &m);
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        unsigned first;
        unsigned slots;
        azk_fp__kind_slots(k, &first, &slots);
        for (size_t i = 0; i < m.n[k]; i++)
            assert_int_equal(azk_fp__row_slot(idx, (uint32_t)m.e[k][i], first),
                             cell_of(first, (uint32_t)(m.e[k][i] >> 32) + 1));
    }
    /* version 3 with 4-byte ids: a bucket's first id 2^32 - 1 (the lowest id the next
     * entry may have must not wrap to 0), its last id the row count (rising, out of range) */
    expect_ids_refused(&m, idx, false, UINT32_MAX);
    expect_ids_refused(&m, idx, true, (uint32_t)rows);
    /* rows without a value read 0 (every 97th row: a full pass is slow under ASan) */
    for (uint64_t r = 0; r < rows; r += 97) {
        assert_int_equal(azk_fp__row_slot(idx, r, AZK_FPS_EMAIL) != 0, r % 8 == 0);
        assert_int_equal(azk_fp__row_slot(idx, r, AZK_FPS_BIRTH), 0);
        assert_int_equal(azk_fp__row_slot(idx, r, AZK_FPS_NAME), 0);
    }
    azk_fp_index_free(idx);
    free(b.p);
    model_free(&m);
}

/* ---- malformed files (each with a correct checksum) ------------------------------ */

static void small_model(struct model *m)
{
    /* no my number: its 2^24 bucket offsets (64 MB) would make every load slow */
    static const unsigned pct[AZK_FPS__COUNT] = {100, 50, 100, 100, 50, 100, 100, 100, 50, 50, 0};
    model_random(m, 40, pct);
}

/*
 * small_model with names as the only seed kind: a version 3 file holds every
 * seed kind's 2^bits + 1 offsets, and each load walks them (checks, codes vs
 * CSR), so the many loads of truncated and v3_malformed take a quarter of the
 * time (their cuts and mutations are of the layout, the name CSR and non-seed
 * cells; out_of_bounds keeps the other seed kinds).
 */
static void small_model_names(struct model *m)
{
    static const unsigned pct[AZK_FPS__COUNT] = {100, 50, 100, 0, 0, 0, 100, 0, 50, 50, 0};
    model_random(m, 40, pct);
}

static void expect_refused(const uint8_t *p, size_t n, azk_status want)
{
    azk_fp_index *idx = NULL;
    azk_status rc = load_bytes(p, n, &idx);
    assert_int_equal(rc, want);
    assert_null(idx);
}

/*
 * Every non-seed cell of the row table is at most 2^bits (a bucket + 1): a
 * cell changed to each value around that bound, in each non-seed slot, in
 * the first, second, a middle and the last row, of narrow rows (one 8-byte
 * load a row: the check takes all non-seed cells of a row at once) and wide
 * ones: refused exactly when it is over the bound, by the row check.
 */
static void cells_bounded(const unsigned pct[AZK_FPS__COUNT], bool narrow)
{
    struct model m;
    struct wbuf b;
    struct wbuf good;
    azk_fp_index *idx = NULL;
    size_t h;
    size_t tab;
    uint32_t row_w;
    uint8_t sh[AZK_FPS__COUNT];
    uint8_t sw[AZK_FPS__COUNT];
    unsigned tried = 0;
    model_random(&m, 3000, pct);
    b = model_file(&m);
    assert_int_equal(load_bytes(b.p, b.n, &idx), AZK_OK);
    free(b.p);
    assert_true((idx->row_w <= 57) == narrow);
    row_w = idx->row_w;
    memcpy(sh, idx->slot_sh, sizeof(sh));
    memcpy(sw, idx->slot_w, sizeof(sw));
    good = v3_bytes(idx);
    azk_fp_index_free(idx);
    h = layout_offset(&m);
    tab = h + AZK_FPS__COUNT + 4 + 4 + 8 * AZK_FP__COUNT;
    for (unsigned s = 0; s < AZK_FPS__COUNT; s++) {
        unsigned k = azk_fp__slot_kind[s];
        uint32_t top = 1u << azk_fp__bits[k];
        const uint32_t vals[] = {0, 1, top - 1, top, top + 1, top | top >> 1, 2 * top - 1};
        const uint64_t rows[] = {0, 1, m.rows / 2 + 1, m.rows - 1};
        if (azk_fp__is_seed(k) || sw[s] == 0)
            continue;
        assert_int_equal(sw[s], azk_fp__bits[k] + 1u);
        for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
            for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
                uint64_t pos = rows[r] * row_w + sh[s];
                b.n = good.n;
                b.p = malloc(b.n);
                assert_non_null(b.p);
                memcpy(b.p, good.p, b.n);
                for (unsigned i = 0; i < sw[s]; i++, pos++) {
                    uint8_t bit = (uint8_t)(1u << (pos % 8));
                    if (vals[v] >> i & 1)
                        b.p[tab + pos / 8] |= bit;
                    else
                        b.p[tab + pos / 8] &= (uint8_t)~bit;
                }
                if (vals[v] > top) {
                    expect_refused(b.p, b.n, AZK_ERR_FORMAT);
                    assert_non_null(strstr(azk_error_last()->message, "bad row table"));
                } else {
                    assert_int_equal(load_bytes(b.p, b.n, &idx), AZK_OK);
                    assert_int_equal(azk_fp__row_slot(idx, rows[r], s), vals[v]);
                    azk_fp_index_free(idx);
                    idx = NULL;
                }
                free(b.p);
                tried++;
            }
    }
    assert_true(tried >= 2 * 4 * 7);
    free(good.p);
    model_free(&m);
}

static void test_fingerprint_index__cells_bounded(void **state)
{
    /* name, birth, phone, postal, customer id: 52 bits; name, birth, customer id, account:
     * 54 (cells across bytes); every slot (wide rows) */
    static const unsigned a[AZK_FPS__COUNT] = {100, 0, 100, 100, 0, 0, 100, 0, 100, 0, 0};
    static const unsigned b[AZK_FPS__COUNT] = {100, 0, 100, 0, 0, 0, 0, 0, 100, 100, 0};
    static const unsigned c[AZK_FPS__COUNT] = {90, 70, 80, 85, 30, 60, 75, 80, 40, 35, 50};
    (void)state;
    cells_bounded(a, true);
    cells_bounded(b, true);
    cells_bounded(c, false);
}

/*
 * A version 2 file's cell (row, slot) set to v: the table's widths are in the file (at
 * layout_offset), its rows from tab on.
 */
static void v2_set_cell(struct wbuf *b, const struct model *m, uint64_t row, unsigned slot,
                        uint32_t v)
{
    size_t h = layout_offset(m);
    size_t tab = h + AZK_FPS__COUNT + 4 + 4 + 8 * AZK_FP__COUNT;
    uint32_t row_w = b->p[h + AZK_FPS__COUNT] | (uint32_t)b->p[h + AZK_FPS__COUNT + 1] << 8;
    uint64_t pos = row * row_w;
    for (unsigned s = 0; s < slot; s++)
        pos += b->p[h + s];
    assert_true(b->p[h + slot] != 0);
    for (unsigned i = 0; i < b->p[h + slot]; i++, pos++) {
        uint8_t bit = (uint8_t)(1u << (pos % 8));
        if (v >> i & 1)
            b->p[tab + pos / 8] |= bit;
        else
            b->p[tab + pos / 8] &= (uint8_t)~bit;
    }
}

/*
 * Version 2's row table is read and converted in chunks of 8192 rows: with two whole
 * chunks and a part, narrow and wide rows, the index is version 1's (roundtrip_v3: the
 * row table byte for byte, every cell and bucket); a name (seed) cell and a postal code
 * cell over 2^bits in the first and last row of a chunk, the last chunk's first row and
 * the last row: refused by the cell check ("bad row table": the name's code alone
 * would pass or fail the code check); a postal cell at the bound loads.
 */
static void v2_chunks(const unsigned pct[AZK_FPS__COUNT], bool narrow)
{
    const uint64_t rows[] = {0, 8191, 8192, 16383, 16384, 2 * 8192 + 12};
    struct model m;
    struct wbuf b;
    struct wbuf v2;
    azk_fp_index *idx = NULL;
    model_random(&m, 2 * 8192 + 13, pct);
    b = model_file(&m);
    assert_int_equal(load_bytes(b.p, b.n, &idx), AZK_OK);
    free(b.p);
    assert_true((idx->row_w <= 57) == narrow);
    roundtrip_v3(&m, idx);
    b = v3_bytes(idx);
    v2 = v2_from_v3(&m, &b);
    free(b.p);
    azk_fp_index_free(idx);
    idx = NULL;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        static const unsigned slots[] = {AZK_FPS_NAME, AZK_FPS_POSTAL};
        for (size_t j = 0; j < 2; j++) {
            uint32_t top = 1u << azk_fp__bits[azk_fp__slot_kind[slots[j]]];
            b.n = v2.n;
            b.p = malloc(b.n);
            assert_non_null(b.p);
            memcpy(b.p, v2.p, b.n);
            v2_set_cell(&b, &m, rows[r], slots[j], top + 1);
            expect_refused(b.p, b.n, AZK_ERR_FORMAT);
            assert_non_null(strstr(azk_error_last()->message, "bad row table"));
            if (slots[j] == AZK_FPS_POSTAL) {
                v2_set_cell(&b, &m, rows[r], slots[j], top);
                assert_int_equal(load_bytes(b.p, b.n, &idx), AZK_OK);
                assert_int_equal(azk_fp__row_slot(idx, rows[r], slots[j]), top);
                azk_fp_index_free(idx);
                idx = NULL;
            }
            free(b.p);
        }
    }
    free(v2.p);
    model_free(&m);
}

static void test_fingerprint_index__v2_chunks(void **state)
{
    /* name, birth, phone, postal: 8 + 12 + 4 + 11 = 35 bits; every slot but my number
     * (its 2^24 offsets would make each load slow): 89 bits, wide */
    static const unsigned a[AZK_FPS__COUNT] = {100, 0, 80, 90, 0, 0, 100, 0, 0, 0, 0};
    static const unsigned b[AZK_FPS__COUNT] = {100, 70, 80, 85, 30, 60, 100, 80, 40, 35, 0};
    (void)state;
    v2_chunks(a, true);
    v2_chunks(b, false);
}

static void test_fingerprint_index__truncated(void **state)
{
    struct model m;
    struct wbuf b;
    (void)state;
    small_model_names(&m);
    b = model_file(&m);
    /* every prefix through the header and the first entries, then around
     * every kind's start and the file's end, checksummed as if it were the
     * whole file (every prefix would load the 64 MB my-number offsets often) */
    for (size_t n = 0; n < b.n; n++) {
        azk_fp_index *idx = NULL;
        bool near = n < kind_offset(&m, 0) + 24 || n + 24 > b.n;
        for (unsigned k = 1; k < AZK_FP__COUNT && !near; k++)
            near = n + 9 >= kind_offset(&m, k) && n <= kind_offset(&m, k) + 9;
        if (!near)
            continue;
        assert_int_not_equal(load_bytes(b.p, n, &idx), AZK_OK);
        assert_null(idx);
    }
    free(b.p);
    model_free(&m);
}

static void test_fingerprint_index__out_of_bounds(void **state)
{
    struct model m;
    struct wbuf b;
    size_t o;
    (void)state;
    small_model(&m);
    b = model_file(&m);
    /* the last name entry's row = total rows (one past the end) */
    o = kind_offset(&m, AZK_FP_NAME) + 8 + 8 * (m.n[AZK_FP_NAME] - 1);
    b.p[o] = (uint8_t)m.rows;
    b.p[o + 1] = b.p[o + 2] = b.p[o + 3] = 0;
    expect_refused(b.p, b.n, AZK_ERR_FORMAT);
    free(b.p);
    /* a non-seed kind's row far out */
    b = model_file(&m);
    o = kind_offset(&m, AZK_FP_BIRTH) + 8 + 8 * (m.n[AZK_FP_BIRTH] - 1);
    b.p[o + 3] = 0x80;
    expect_refused(b.p, b.n, AZK_ERR_FORMAT);
    free(b.p);
    /* the last phone entry's bucket = 2^bits (one past the last bucket) */
    b = model_file(&m);
    o = kind_offset(&m, AZK_FP_PHONE) + 8 + 8 * (m.n[AZK_FP_PHONE] - 1) + 4;
    b.p[o] = 0;
    b.p[o + 1] = 0;
    b.p[o + 2] = (uint8_t)(1u << (azk_fp__bits[AZK_FP_PHONE] - 16));
    b.p[o + 3] = 0;
    expect_refused(b.p, b.n, AZK_ERR_FORMAT);
    free(b.p);
    /* a postal code bucket of 2^bits: the scratch and the row table must not take it */
    b = model_file(&m);
    o = kind_offset(&m, AZK_FP_POSTAL) + 8 + 8 * (m.n[AZK_FP_POSTAL] - 1) + 4;
    b.p[o] = 0;
    b.p[o + 1] = (uint8_t)(1u << (azk_fp__bits[AZK_FP_POSTAL] - 8));
    expect_refused(b.p, b.n, AZK_ERR_FORMAT);
    free(b.p);
    /* entries out of order: the first two e-mail entries swapped */
    b = model_file(&m);
    o = kind_offset(&m, AZK_FP_EMAIL) + 8;
    {
        uint8_t t[8];
        memcpy(t, b.p + o, 8);
        memcpy(b.p + o, b.p + o + 8, 8);
        memcpy(b.p + o + 8, t, 8);
    }
    expect_refused(b.p, b.n, AZK_ERR_FORMAT);
    free(b.p);
    /* an entry count beyond the file */
    b = model_file(&m);
    o = kind_offset(&m, AZK_FP_ADDRESS);
    b.p[o + 4] = 1;
    expect_refused(b.p, b.n, AZK_ERR_FORMAT);
    free(b.p);
    /* a dataset claiming more rows than the file has bytes */
    b = model_file(&m);
    o = kind_offset(&m, 0) - 4;
    b.p[o + 3] = 0x10;
    expect_refused(b.p, b.n, AZK_ERR_FORMAT);
    free(b.p);
    model_free(&m);
}

static void test_fingerprint_index__wrong_version_and_damage(void **state)
{
    struct model m;
    struct wbuf b;
    azk_fp_index *idx = NULL;
    uint8_t sum[32];
    FILE *f;
    (void)state;
    small_model(&m);
    b = model_file(&m);
    b.p[7] = '4'; /* AZKFP004 */
    expect_refused(b.p, b.n, AZK_ERR_FORMAT);
    assert_non_null(strstr(azk_error_last()->message, "version"));
    b.p[7] = '1';
    b.p[12] ^= 1; /* the name kind's bucket width */
    expect_refused(b.p, b.n, AZK_ERR_FORMAT);
    b.p[12] ^= 1;
    /* valid, then a byte after the checksum */
    assert_int_equal(load_bytes(b.p, b.n, &idx), AZK_OK);
    azk_fp_index_free(idx);
    idx = NULL;
    f = fopen(fpfile, "ab");
    assert_non_null(f);
    fputc(0, f);
    fclose(f);
    assert_int_equal(azk_fp_index_load(&idx, fpfile, keyfile), AZK_ERR_INTEGRITY);
    assert_null(idx);
    /* a changed byte that the structure allows (the client's name), the checksum unchanged */
    crypto_generichash(sum, sizeof(sum), b.p, b.n, NULL, 0);
    assert_int_equal(b.p[8 + 4 + AZK_FP__COUNT + 4 + 2], 'c');
    b.p[8 + 4 + AZK_FP__COUNT + 4 + 2] = 'e';
    f = fopen(fpfile, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b.p, 1, b.n, f), b.n);
    assert_int_equal(fwrite(sum, 1, sizeof(sum), f), sizeof(sum));
    fclose(f);
    assert_int_equal(azk_fp_index_load(&idx, fpfile, keyfile), AZK_ERR_INTEGRITY);
    assert_null(idx);
    free(b.p);
    model_free(&m);
}

/* ---- version 3 (and 2) files: every offset and value a look-up follows is checked -- */

static void test_fingerprint_index__v3_malformed(void **state)
{
    struct model m;
    struct wbuf b;
    struct wbuf good;
    azk_fp_index *idx = NULL;
    size_t h;
    size_t tab;
    size_t csr;
    size_t nb = (size_t)1 << azk_fp__bits[AZK_FP_NAME];
    uint32_t sh;
    uint8_t idx_id[8];
    (void)state;
    small_model_names(&m);
    b = model_file(&m);
    assert_int_equal(load_bytes(b.p, b.n, &idx), AZK_OK);
    free(b.p);
    good = v3_bytes(idx);
    sh = idx->slot_sh[AZK_FPS_BIRTH];
    {
        char hex[AZK_FP_KEY_ID_HEX];
        azk_fp__key_id(idx->key, hex);
        assert_int_equal(sodium_hex2bin(idx_id, 8, hex, 16, NULL, NULL, NULL), 0);
    }
    assert_true(idx->slot_w[AZK_FPS_BIRTH] == 12);
    azk_fp_index_free(idx);
    idx = NULL;
    h = kind_offset(&m, 0);                     /* the dataset table ends here, as in version 1 */
    assert_memory_equal(good.p + h, idx_id, 8); /* the key's id, then the layout */
    h += 8;
    tab = h + AZK_FPS__COUNT + 4 + 4 + 8 * AZK_FP__COUNT;
    csr = tab + (size_t)((m.rows * (uint64_t)good.p[h + AZK_FPS__COUNT] + 7) / 8); /* name's */
#define MUTATE(stmt, want)                                                                         \
    do {                                                                                           \
        b.n = good.n;                                                                              \
        b.p = malloc(b.n);                                                                         \
        assert_non_null(b.p);                                                                      \
        memcpy(b.p, good.p, b.n);                                                                  \
        stmt;                                                                                      \
        expect_refused(b.p, b.n, want);                                                            \
        free(b.p);                                                                                 \
    } while (0)
    assert_int_equal(load_bytes(good.p, good.n, &idx), AZK_OK);
    azk_fp_index_free(idx);
    /* another version */
    MUTATE(b.p[7] = '4', AZK_ERR_FORMAT);
    /* a slot width that is not bits + 1, a name slot as wide as version 2's cell (not a
     * code), a code width of 4 for names, a missing kana slot the row width still counts */
    MUTATE(b.p[h + AZK_FPS_BIRTH] = 13, AZK_ERR_FORMAT);
    MUTATE(b.p[h + AZK_FPS_NAME] = 21, AZK_ERR_FORMAT);
    MUTATE(b.p[h + AZK_FPS_NAME] = 4, AZK_ERR_FORMAT);
    MUTATE(b.p[h + AZK_FPS_KANA] = 0, AZK_ERR_FORMAT);
    /* codes that disagree with the CSR: row 0's name code changed (low bit, high bit),
     * row 1's cells copied over row 0's (valid codes, but not the CSR's for row 0) */
    MUTATE(b.p[tab] ^= 1, AZK_ERR_FORMAT);
    assert_non_null(strstr(azk_error_last()->message, "codes"));
    MUTATE(b.p[tab] ^= 0x80, AZK_ERR_FORMAT);
    MUTATE(
        {
            for (uint32_t i = 0; i < (uint32_t)good.p[h + AZK_FPS__COUNT]; i++) {
                uint32_t from = (uint32_t)good.p[h + AZK_FPS__COUNT] + i;
                uint8_t bit = (uint8_t)((b.p[tab + from / 8] >> (from % 8)) & 1);
                b.p[tab + i / 8] =
                    (uint8_t)((b.p[tab + i / 8] & ~(1u << (i % 8))) | bit << (i % 8));
            }
        },
        AZK_ERR_FORMAT);
    /* a row width beside the slots', 4-byte row ids in a small file */
    MUTATE(b.p[h + AZK_FPS__COUNT] ^= 1, AZK_ERR_FORMAT);
    MUTATE(b.p[h + AZK_FPS__COUNT + 4] = 4, AZK_ERR_FORMAT);
    /* an entry count that the file does not hold */
    MUTATE(b.p[h + AZK_FPS__COUNT + 8] ^= 1, AZK_ERR_FORMAT);
    MUTATE(b.p[h + AZK_FPS__COUNT + 8 + 7] = 0x40, AZK_ERR_FORMAT);
    /* row 0's birth date cell = all ones (4095 > 2^11 buckets) */
    MUTATE(
        {
            for (uint32_t i = sh; i < sh + 12; i++)
                b.p[tab + i / 8] |= (uint8_t)(1u << (i % 8));
        },
        AZK_ERR_FORMAT);
    /* name offsets: off[0] != 0, falling, the last != the entry count */
    MUTATE(b.p[csr] = 1, AZK_ERR_FORMAT);
    MUTATE(
        {
            size_t b1 = (size_t)(m.e[AZK_FP_NAME][0] >> 32) + 1; /* first non-empty bucket */
            b.p[csr + 4 * b1] = 0xFF;
            b.p[csr + 4 * b1 + 1] = 0xFF;
        },
        AZK_ERR_FORMAT);
    MUTATE(b.p[csr + 4 * nb] ^= 1, AZK_ERR_FORMAT);
    /* a row id out of range (3-byte ids) */
    MUTATE(
        {
            b.p[csr + 4 * (nb + 1)] = 0xFF;
            b.p[csr + 4 * (nb + 1) + 1] = 0xFF;
            b.p[csr + 4 * (nb + 1) + 2] = 0xFF;
        },
        AZK_ERR_FORMAT);
    MUTATE(b.p[csr + 4 * (nb + 1)] = (uint8_t)m.rows, AZK_ERR_FORMAT);
    /* two name rows of one bucket (bucket 0 is common in the model) swapped or made equal:
     * refused (azk_fp__seed_has searches rising rows) */
    {
        size_t i = 0;
        size_t ids = csr + 4 * (nb + 1);
        while (i + 1 < m.n[AZK_FP_NAME] &&
               m.e[AZK_FP_NAME][i] >> 32 != m.e[AZK_FP_NAME][i + 1] >> 32)
            i++;
        assert_true(i + 1 < m.n[AZK_FP_NAME]);
        MUTATE(
            {
                uint8_t t[3];
                memcpy(t, b.p + ids + 3 * i, 3);
                memcpy(b.p + ids + 3 * i, b.p + ids + 3 * (i + 1), 3);
                memcpy(b.p + ids + 3 * (i + 1), t, 3);
            },
            AZK_ERR_FORMAT);
        MUTATE(memcpy(b.p + ids + 3 * (i + 1), b.p + ids + 3 * i, 3), AZK_ERR_FORMAT);
    }
#undef MUTATE
    /* the right file with another scanning key: refused by name, not an index that finds nothing */
    {
        uint8_t k2[32];
        FILE *kf = fopen(keyfile, "r+b");
        assert_non_null(kf);
        memset(k2, 4, sizeof(k2));
        assert_int_equal(fwrite(k2, 1, sizeof(k2), kf), sizeof(k2));
        fclose(kf);
        expect_refused(good.p, good.n, AZK_ERR_CRYPTO);
        assert_non_null(strstr(azk_error_last()->message, "key"));
        kf = fopen(keyfile, "r+b");
        assert_non_null(kf);
        memset(k2, 3, sizeof(k2));
        assert_int_equal(fwrite(k2, 1, sizeof(k2), kf), sizeof(k2));
        fclose(kf);
        assert_int_equal(load_bytes(good.p, good.n, &idx), AZK_OK);
        azk_fp_index_free(idx);
        idx = NULL;
    }
    /* truncated: around every section and at the end */
    for (size_t n = h; n < good.n; n++) {
        bool near = n < tab + 24 || n + 24 > good.n || (n + 9 >= csr && n <= csr + 9);
        if (!near)
            continue;
        assert_int_not_equal(load_bytes(good.p, n, &idx), AZK_OK);
        assert_null(idx);
    }
    /* a changed byte the structure allows, with the old checksum: refused (INTEGRITY) */
    {
        uint8_t sum[32];
        FILE *f;
        crypto_generichash(sum, sizeof(sum), good.p, good.n, NULL, 0);
        b.n = good.n;
        b.p = malloc(b.n);
        assert_non_null(b.p);
        memcpy(b.p, good.p, b.n);
        b.p[8 + 4 + AZK_FP__COUNT + 4 + 2] = 'e'; /* the client's name */
        f = fopen(fpfile, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(b.p, 1, b.n, f), b.n);
        assert_int_equal(fwrite(sum, 1, sizeof(sum), f), sizeof(sum));
        fclose(f);
        assert_int_equal(azk_fp_index_load(&idx, fpfile, keyfile), AZK_ERR_INTEGRITY);
        assert_null(idx);
        free(b.p);
    }
    /* version 2 (session 7's export): loads; a name cell past its buckets, a row table
     * one byte short, an offset changed: refused */
    {
        struct wbuf v2 = v2_from_v3(&m, &good);
        size_t tab2 = tab;
        assert_int_equal(load_bytes(v2.p, v2.n, &idx), AZK_OK);
        check_index(idx, &m);
        azk_fp_index_free(idx);
        idx = NULL;
        b.n = v2.n;
        b.p = malloc(b.n);
        assert_non_null(b.p);
        memcpy(b.p, v2.p, b.n);
        for (uint32_t i = 0; i < 21; i++) /* row 0's name cell (the first) = 2^21 - 1 */
            b.p[tab2 + i / 8] |= (uint8_t)(1u << (i % 8));
        expect_refused(b.p, b.n, AZK_ERR_FORMAT);
        expect_refused(v2.p, v2.n - 1, AZK_ERR_FORMAT);
        memcpy(b.p, v2.p, b.n);
        b.p[b.n - 1] ^= 1; /* the last row id */
        assert_int_not_equal(load_bytes(b.p, b.n, &idx), AZK_OK);
        assert_null(idx);
        free(b.p);
        free(v2.p);
    }
    free(good.p);
    model_free(&m);
}

/* The key file: 32 bytes, mode 0600 (a wrong 32-byte key loads: it only finds nothing). */
static void test_fingerprint_index__key_file(void **state)
{
    struct model m;
    struct wbuf b;
    azk_fp_index *idx = NULL;
    FILE *f;
    (void)state;
    small_model(&m);
    b = model_file(&m);
    f = fopen(keyfile, "ab");
    assert_non_null(f);
    fputc(9, f);
    fclose(f);
    expect_refused(b.p, b.n, AZK_ERR_FORMAT);
    assert_int_equal(truncate(keyfile, 32), 0);
    assert_int_equal(chmod(keyfile, 0644), 0);
    expect_refused(b.p, b.n, AZK_ERR_PERM);
    assert_int_equal(chmod(keyfile, 0600), 0);
    assert_int_equal(load_bytes(b.p, b.n, &idx), AZK_OK);
    azk_fp_index_free(idx);
    free(b.p);
    model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fingerprint_index__every_slot),
        cmocka_unit_test(test_fingerprint_index__unused_slots_cost_nothing),
        cmocka_unit_test(test_fingerprint_index__four_byte_row_ids),
        cmocka_unit_test(test_fingerprint_index__cells_bounded),
        cmocka_unit_test(test_fingerprint_index__v2_chunks),
        cmocka_unit_test(test_fingerprint_index__truncated),
        cmocka_unit_test(test_fingerprint_index__out_of_bounds),
        cmocka_unit_test(test_fingerprint_index__wrong_version_and_damage),
        cmocka_unit_test(test_fingerprint_index__v3_malformed),
        cmocka_unit_test(test_fingerprint_index__key_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
