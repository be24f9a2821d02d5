/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/detect_hsdb/test_detect_hsdb.c -- the detect stage's built-in
 * Vectorscan database serialized at build time (tools/gen_hsdb.c,
 * detect_hsdb.c) against the one compiled from the pattern list
 * (detect_patterns.c): on the machine it was built on it is the one taken,
 * it is byte for byte what hs_compile_multi gives here, and both report the
 * same matches (literal id, end offset) on many fields: every literal alone
 * and between other bytes, at the ends of a field, cut in the middle,
 * overlapping ones, invalid UTF-8 and random bytes. A blob Vectorscan
 * refuses (bad magic, version, length, CRC) or one made for another
 * Vectorscan or other CPU features is not taken: the database is compiled,
 * and matches the same. All inputs are generated here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "detect/detect_scan.h"

struct matches {
    size_t n;
    uint64_t m[4096]; /* id << 32 | end offset */
};

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    struct matches *r = ctx;
    (void)from;
    (void)flags;
    if (r->n < sizeof(r->m) / sizeof(r->m[0]))
        r->m[r->n++] = ((uint64_t)id << 32) | (uint32_t)to;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void scan(const hs_database_t *db, hs_scratch_t *s, const char *p, size_t n,
                 struct matches *r)
{
    r->n = 0;
    assert_int_equal(hs_scan(db, n ? p : "", (unsigned)n, 0, s, on_match, r), HS_SUCCESS);
    qsort(r->m, r->n, sizeof(r->m[0]), cmp_u64);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *lit(size_t i)
{
    return i < N_LITS ? azk_detect__lits[i].s : azk_detect__prefs[i - N_LITS];
}

/* The fields both databases scan: every literal alone, with bytes around,
 * cut short; pairs run together; random mixes of literals, ASCII, digits,
 * CP932-like and invalid bytes. Calls f(p, n) for each. */
static void each_field(void (*f)(const char *p, size_t n, void *arg), void *arg)
{
    char buf[512];
    size_t i, j, n;
    for (i = 0; i < N_BUILTIN; i++) {
        const char *L = lit(i);
        size_t l = strlen(L);
        f(L, l, arg);
        f(L, l - 1, arg); /* cut in the middle of its last character */
        n = (size_t)snprintf(buf, sizeof(buf), "x%sy", L);
        f(buf, n, arg);
        n = (size_t)snprintf(buf, sizeof(buf), "\xff\x80%s\xe3", L);
        f(buf, n, arg);
        for (j = 0; j < N_BUILTIN; j += 7) {
            n = (size_t)snprintf(buf, sizeof(buf), "%s%s", L, lit(j));
            f(buf, n, arg);
        }
    }
    for (int r = 0; r < 3000; r++) {
        n = 0;
        while (n < 400) {
            uint64_t x = next();
            switch (x % 6) {
                case 0:
                case 1: {
                    const char *L = lit((size_t)(x >> 8) % N_BUILTIN);
                    size_t l = strlen(L);
                    memcpy(buf + n, L, l);
                    n += l;
                    break;
                }
                case 2:
                    buf[n++] = (char)('0' + (x >> 8) % 10);
                    break;
                case 3:
                    buf[n++] = "abc @-tel.\t東"[(x >> 8) % 12];
                    break;
                default:
                    buf[n++] = (char)(x >> 8); /* any byte, NUL and invalid UTF-8 included */
                    break;
            }
        }
        f(buf, n, arg);
    }
}

struct pair {
    const hs_database_t *a, *b;
    hs_scratch_t *sa, *sb;
    struct matches ra, rb;
    size_t fields, hits;
};

static void compare_one(const char *p, size_t n, void *arg)
{
    struct pair *q = arg;
    scan(q->a, q->sa, p, n, &q->ra);
    scan(q->b, q->sb, p, n, &q->rb);
    q->fields++;
    q->hits += q->ra.n;
    if (q->ra.n != q->rb.n || memcmp(q->ra.m, q->rb.m, q->ra.n * sizeof(q->ra.m[0])) != 0)
        fail_msg("field %zu (%zu bytes): %zu matches against %zu", q->fields, n, q->ra.n, q->rb.n);
}

/* Both databases give the same matches on every field of each_field. */
static void same_matches(const hs_database_t *a, const hs_database_t *b)
{
    struct pair *q = calloc(1, sizeof(*q));
    assert_non_null(q);
    q->a = a;
    q->b = b;
    assert_int_equal(hs_alloc_scratch(a, &q->sa), HS_SUCCESS);
    assert_int_equal(hs_alloc_scratch(b, &q->sb), HS_SUCCESS);
    each_field(compare_one, q);
    assert_true(q->hits > 10000); /* the fields do hold literals */
    hs_free_scratch(q->sa);
    hs_free_scratch(q->sb);
    free(q);
}

static hs_database_t *compiled(void)
{
    const char *exprs[N_BUILTIN];
    unsigned flags[N_BUILTIN], ids[N_BUILTIN];
    hs_database_t *db = NULL;
    hs_compile_error_t *err = NULL;
    azk_detect__builtin_patterns(exprs, flags, ids);
    assert_int_equal(hs_compile_multi(exprs, flags, ids, N_BUILTIN, HS_MODE_BLOCK, NULL, &db, &err),
                     HS_SUCCESS);
    return db;
}

static bool same_platform(void)
{
    hs_platform_info_t p;
    return hs_populate_platform(&p) == HS_SUCCESS && p.cpu_features == azk_detect__hsdb.features &&
           strcmp(hs_version(), azk_detect__hsdb.version) == 0;
}

static bool same_tune(void)
{
    hs_platform_info_t p;
    return hs_populate_platform(&p) == HS_SUCCESS && p.tune == azk_detect__hsdb.tune;
}

/* The blob of this build is taken here, is what hs_compile_multi gives from
 * the pattern list, and matches as the compiled database does. */
static void test_detect_hsdb__blob_is_the_compiled_db(void **state)
{
    hs_database_t *db = NULL, *c = compiled();
    char *bytes = NULL;
    size_t len = 0;
    bool loaded = false;
    (void)state;
    assert_int_equal(azk_detect__builtin_db(&azk_detect__hsdb, &db, &loaded), AZK_OK);
    assert_non_null(db);
    if (same_platform())
        assert_true(loaded); /* tests run where the library was built */
    assert_int_equal(hs_serialize_database(c, &bytes, &len), HS_SUCCESS);
    if (same_platform() && same_tune()) {
        /* compiled here for the same CPU: the same bytes */
        assert_int_equal(len, azk_detect__hsdb.len);
        assert_memory_equal(bytes, azk_detect__hsdb.bytes, len);
    }
    free(bytes);
    same_matches(db, c);
    hs_free_database(db);
    hs_free_database(c);
}

/* Take src (a damaged copy of the blob): *loaded as expected, and the
 * database it gives matches as the compiled one. */
static void try_blob(const struct azk_hsdb *src, bool want_loaded, const char *what)
{
    hs_database_t *db = NULL, *c = compiled();
    bool loaded = !want_loaded;
    assert_int_equal(azk_detect__builtin_db(src, &db, &loaded), AZK_OK);
    assert_non_null(db);
    if (loaded != want_loaded)
        fail_msg("%s: loaded %d", what, loaded);
    same_matches(db, c);
    hs_free_database(db);
    hs_free_database(c);
}

/* Damaged blobs and blobs of another Vectorscan or CPU are compiled instead. */
static void test_detect_hsdb__refused_blob_compiles(void **state)
{
    size_t len = azk_detect__hsdb.len;
    unsigned char *copy;
    struct azk_hsdb s;
    static const size_t offsets[] = {0, 4, 8, 12, 16};
    (void)state;
    if (!same_platform())
        skip(); /* the blob is refused as a whole: the first test saw it compiled */
    copy = malloc(len);
    assert_non_null(copy);
    /* the header: magic, version, length, platform, CRC */
    for (size_t k = 0; k < sizeof(offsets) / sizeof(offsets[0]); k++) {
        memcpy(copy, azk_detect__hsdb.bytes, len);
        copy[offsets[k]] ^= 0x5a;
        s = azk_detect__hsdb;
        s.bytes = copy;
        try_blob(&s, false, "header byte");
    }
    /* the bytecode (the CRC of the header covers it) */
    memcpy(copy, azk_detect__hsdb.bytes, len);
    copy[len / 2] ^= 0x01;
    s = azk_detect__hsdb;
    s.bytes = copy;
    try_blob(&s, false, "bytecode byte");
    /* short, empty, none */
    memcpy(copy, azk_detect__hsdb.bytes, len);
    s = azk_detect__hsdb;
    s.bytes = copy;
    s.len = len - 1;
    try_blob(&s, false, "one byte short");
    s.len = 16;
    try_blob(&s, false, "header only");
    s.len = 0;
    try_blob(&s, false, "empty");
    s.bytes = NULL;
    s.len = len;
    try_blob(&s, false, "none");
    /* made for another CPU or Vectorscan: good bytes, not taken */
    s = azk_detect__hsdb;
    s.features ^= HS_CPU_FEATURES_AVX2;
    try_blob(&s, false, "other cpu features");
    s = azk_detect__hsdb;
    s.tune ^= 1; /* another CPU family of the same features: taken (no match changes) */
    try_blob(&s, true, "other tuning");
    s = azk_detect__hsdb;
    s.version = "0.0.0";
    try_blob(&s, false, "other version");
    s.version = NULL;
    try_blob(&s, false, "no version");
    /* and the good copy is taken */
    s = azk_detect__hsdb;
    s.bytes = copy;
    try_blob(&s, true, "good copy");
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_hsdb__blob_is_the_compiled_db),
        cmocka_unit_test(test_detect_hsdb__refused_blob_compiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
