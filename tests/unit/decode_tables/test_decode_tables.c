/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/decode_tables -- the CP932 and EUC-JP tables made from ICU's
 * answers compiled in at build time (tools/gen_text_tables.c) against the
 * tables made from ICU's answers now: the answers entry for entry, then
 * every entry, score and per-byte bound of the tables; the built-in answers
 * are taken when the running ICU is theirs, and not for another version or
 * converter; a process that may not take them (as with another ICU) asks
 * ICU and converts and scores as one that took them. Any difference fails.
 * Conversion's run path (ASCII blocks and two-byte characters in one loop)
 * against its character path and ICU on random mixes cut at every byte.
 * The ASCII prefix of an object (azk_decode__text_ascii_prefix: 128- and
 * 32-byte blocks with AVX2) against its word and byte loop and a byte
 * reference.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <unicode/ucnv.h>
#include <unicode/uversion.h>

#include "decode/decode_int.h"
#include "decode/text_int.h"

static const enum enc encs[2] = {ENC_CP932, ENC_EUCJP};

/* 日本語のテキスト、ｶﾀｶﾅ、①, ~ and \ (CP932), and the same in EUC-JP with 0x8F's plane (丨, U+4E28
 * in ICU's ibm-33722). */
static const uint8_t cp932_text[] =
    "\x93\xfa\x96\x7b\x8c\xea\x82\xcc\x83\x65\x83\x4c\x83\x58\x83\x67"
    "\x81\x41\xb6\xc0\xb6\xc5\x81\x41\x87\x40 ~\\\x1a\x7f\r\n";
static const uint8_t eucjp_text[] =
    "\xc6\xfc\xcb\xdc\xb8\xec\xa4\xce\xa5\xc6\xa5\xad\xa5\xb9\xa5\xc8"
    "\xa1\xa2\x8e\xb6\x8e\xc0\x8f\xb0\xa9 ~\\\r\n";

static void running_icu(char *v)
{
    UVersionInfo vi;
    u_getVersion(vi);
    u_versionToString(vi, v);
}

/* The answers compiled in are ICU's answers now, and so are the tables made from them. */
static void test_tables__builtin_equals_icu(void **state)
{
    char v[U_MAX_VERSION_STRING_LENGTH];
    (void)state;
    running_icu(v);
    /* built and run on the same machine: the built-in answers are this ICU's */
    assert_string_equal(v, azk_decode__legacy_builtin.icu_version);
    for (int k = 0; k < 2; k++) {
        long d = azk_decode__legacy_tables_diff(encs[k]);
        if (d != -1)
            fail_msg("%s: built-in and run-time tables differ at %ld", k == 0 ? "cp932" : "euc-jp",
                     d);
        assert_int_equal(azk_decode__legacy_tables_source(encs[k]), 1);
    }
}

/* Taken only for the ICU version and converters they were made with. */
static void test_tables__builtin_only_same_icu(void **state)
{
    char v[U_MAX_VERSION_STRING_LENGTH];
    (void)state;
    running_icu(v);
    for (int k = 0; k < 2; k++) {
        assert_non_null(azk_decode__legacy_builtin_for(encs[k], v));
        assert_null(azk_decode__legacy_builtin_for(encs[k], "0.1"));
        assert_null(azk_decode__legacy_builtin_for(encs[k], ""));
    }
    assert_null(azk_decode__legacy_builtin_for(ENC_UTF8, v));
    assert_null(azk_decode__legacy_builtin_for(ENC_ISO2022JP, v));
    azk_decode__legacy_builtin_off = true;
    assert_null(azk_decode__legacy_builtin_for(ENC_CP932, v));
    azk_decode__legacy_builtin_off = false;
}

/* Conversion and score of both texts: what the child compares with the parent's. */
struct result {
    uint8_t out[2][256];
    size_t n[2], used[2];
    long score[2];
    bool clean[2], scored[2];
};

static void convert_both(struct result *r)
{
    const uint8_t *t[2] = {cp932_text, eucjp_text};
    size_t tn[2] = {sizeof(cp932_text) - 1, sizeof(eucjp_text) - 1};
    memset(r, 0, sizeof(*r));
    for (int k = 0; k < 2; k++) {
        r->n[k] = azk_decode__legacy_prefix(encs[k], t[k], tn[k], true, r->out[k], &r->used[k],
                                            &r->clean[k]);
        r->scored[k] = azk_decode__legacy_score(encs[k], t[k], tn[k], true, &r->score[k]);
    }
}

/* The child (this program with --child, a fresh process: the tables are made once per process):
 * as if ICU differed, the tables must come from ICU; its result on stdout. */
static int child_main(void)
{
    struct result r;
    azk_decode__legacy_builtin_off = true;
    convert_both(&r);
    if (azk_decode__legacy_tables_source(ENC_CP932) != 0 ||
        azk_decode__legacy_tables_source(ENC_EUCJP) != 0)
        return 3;
    return write(1, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 4;
}

/* A process whose ICU is not the built-in answers' asks ICU, with the same result. */
static void test_tables__fallback_asks_icu(void **state)
{
    static const char want0[] = "日本語のテキスト、ｶﾀｶﾅ、① ~\\";
    static const char want1[] = "日本語のテキスト、ｶﾀ丨 ~\\";
    struct result mine, theirs;
    int fd[2], st;
    pid_t pid;
    (void)state;
    convert_both(&mine);
    for (int k = 0; k < 2; k++) {
        if (!mine.clean[k])
            fail_msg("%d: unclean at %zu", k, mine.used[k]);
        assert_true(mine.scored[k]);
        assert_int_equal(mine.used[k], k == 0 ? sizeof(cp932_text) - 1 : sizeof(eucjp_text) - 1);
    }
    assert_memory_equal(mine.out[0], want0, sizeof(want0) - 1);
    assert_memory_equal(mine.out[1], want1, sizeof(want1) - 1);
    assert_int_equal(azk_decode__legacy_tables_source(ENC_CP932), 1);
    assert_int_equal(pipe(fd), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        if (dup2(fd[1], 1) < 0)
            _exit(5);
        execl("/proc/self/exe", "test_decode_tables", "--child", (char *)NULL);
        _exit(6);
    }
    close(fd[1]);
    assert_int_equal(read(fd[0], &theirs, sizeof(theirs)), (ssize_t)sizeof(theirs));
    close(fd[0]);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_memory_equal(&mine, &theirs, sizeof(mine));
}

/* ---- the run path against the character path ----------------------------------------- */

static unsigned rnd_state = 12345u;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

/* legacy_prefix of in[0..n) with the runs (ASCII blocks and two-byte characters in one loop,
 * the pair entry asked first) and by the character path alone (azk_decode__simd_off): the
 * same output, bytes used and cleanliness; and the clean prefix is what ICU makes of it. */
static void runs_same(enum enc e, const uint8_t *in, size_t n, bool at_eof, uint8_t *a, uint8_t *b)
{
    size_t ua, ub, ma, mb;
    bool ca, cb;
    ma = azk_decode__legacy_prefix(e, in, n, at_eof, a, &ua, &ca);
    azk_decode__simd_off = true;
    mb = azk_decode__legacy_prefix(e, in, n, at_eof, b, &ub, &cb);
    azk_decode__simd_off = false;
    if (ma != mb || ua != ub || ca != cb || memcmp(a, b, ma) != 0) {
        fprintf(stderr, "%s n=%zu eof=%d: runs %zu/%zu/%d, characters %zu/%zu/%d:",
                e == ENC_CP932 ? "cp932" : "euc-jp", n, at_eof, ma, ua, ca, mb, ub, cb);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %02x", in[i]);
        fprintf(stderr, "\n");
        fail();
    }
}

/* ICU's conversion of in[0..n) to UTF-8 equals out[0..m). */
static void icu_same(enum enc e, const uint8_t *in, size_t n, const uint8_t *out, size_t m)
{
    UErrorCode err = U_ZERO_ERROR;
    char *t = malloc(3 * n + 16);
    int32_t k;
    assert_non_null(t);
    k = ucnv_convert("UTF-8", azk_decode__legacy_icu_name(e), t, (int32_t)(3 * n + 16),
                     (const char *)in, (int32_t)n, &err);
    assert_true(U_SUCCESS(err));
    assert_int_equal((size_t)k, m);
    assert_memory_equal(t, out, m);
    free(t);
}

/*
 * Random mixes of ASCII runs of 0..40 bytes (across the sixteen-byte
 * blocks; CP932's swapped control bytes 0x1A 0x1C 0x7F, NUL, line ends in
 * them), lone ASCII bytes between two-byte characters, kana and kanji,
 * half-width kana (CP932 single bytes; EUC-JP's 0x8E pairs), EUC-JP's
 * three-byte 0x8F characters, NEC/IBM rows, and bytes the tables refuse
 * (lone lead bytes, unmapped pairs, a lead byte before ASCII), every
 * prefix length, with and without the end of the object: the runs give
 * what the character path gives. The clean prefixes are ICU's.
 */
static void test_tables__runs_same_as_characters(void **state)
{
    static const char *const sjis[] = {
        "\x82\xa0",
        "\x93\x8c\x8b\x9e",
        "\xb1",
        "\xb1\xb2\xdf",
        "\x87\x40",
        "\xed\x40",
        "\xfa\x40",
        "\x81\x40",
        "\x83\x65\x83\x4c",
        "\x88\x9f",
        "\xe0\x40",
        "\x9f\xfc",
        /* refused: the last five */
        "\xff",
        "\x82",
        "\x85\x40",
        "\x82\x0a",
        "\xa0",
    };
    static const char *const euc[] = {
        "\xa4\xa2\xa4\xa4",
        "\xc5\xec\xb5\xfe",
        "\x8e\xb1",
        "\x8f\xa2\xc3",
        "\xa1\xa1",
        "\xb0\xa1",
        "\xf4\xa6",
        "\x8e\xdf",
        "\xa5\xc6\xa5\xad",
        "\xad\xa1",
        "\x8f\xb0\xa9",
        "\xa3\xb0",
        /* refused: the last five */
        "\xff",
        "\xa4",
        "\x8f\xa2",
        "\x8e",
        "\x80",
    };
    static const uint8_t ascii[] = "abcXYZ0189 ,-:/=_\t\n\r\x1a\x1c\x7f";
    size_t cap = 400, t;
    uint8_t *in = malloc(cap + 64), *a = malloc(3 * cap + 64), *b = malloc(3 * cap + 64);
    (void)state;
    assert_true(in != NULL && a != NULL && b != NULL);
    for (t = 0; t < 3000; t++) {
        enum enc e = t % 2 == 0 ? ENC_CP932 : ENC_EUCJP;
        const char *const *pc = e == ENC_CP932 ? sjis : euc;
        size_t np = e == ENC_CP932 ? sizeof(sjis) / sizeof(sjis[0]) : sizeof(euc) / sizeof(euc[0]);
        /* some mixes without control bytes or refused bytes: longer runs */
        size_t nasc = t % 3 == 0 ? sizeof(ascii) - 1 : sizeof(ascii) - 7;
        unsigned bad = t % 5 == 0 ? 0 : 1 + t % 40, lmax = t % 4 == 0 ? 41 : 6;
        size_t n = 0, m, used;
        bool clean;
        while (n < cap) {
            unsigned r = rnd();
            if (r % 3 == 0) {
                size_t run = (r >> 4) % lmax;
                for (size_t j = 0; j < run; j++)
                    in[n++] = ascii[rnd() % nasc];
            } else {
                const char *p = bad != 0 && (r >> 4) % bad == 0 ? pc[np - 1 - (r >> 10) % 5]
                                                                : pc[(r >> 10) % (np - 5)];
                memcpy(in + n, p, strlen(p));
                n += strlen(p);
            }
        }
        for (size_t k = 0; k <= n; k++) {
            runs_same(e, in, k, true, a, b);
            runs_same(e, in, k, false, a, b);
        }
        /* runs start anywhere (offsets within a block) */
        for (size_t k = 1; k < 20; k++)
            runs_same(e, in + k, n - k, true, a, b);
        m = azk_decode__legacy_prefix(e, in, n, true, a, &used, &clean);
        icu_same(e, in, used, a, m);
    }
    free(in);
    free(a);
    free(b);
}

/* The first byte >= 0x80 of p[0..n), byte by byte. */
static size_t ascii_ref(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] < 0x80)
        i++;
    return i;
}

/*
 * azk_decode__text_ascii_prefix with its AVX2 blocks (azk_decode__ascii_fast:
 * 128 bytes, then 32) and without (azk_decode__simd_off: words and bytes):
 * ASCII of every kind (NUL, ESC, control bytes, 0x7F) of every length
 * 0..140 and every 4th to 300, at every start offset 0..15, with one
 * non-ASCII byte (0x80, 0x81, 0xA0, 0xB1, 0xE3, 0xFF: CP932 lead bytes,
 * half-width kana, UTF-8 leads) at every position, sometimes a second one
 * after it, or none: the index of the first non-ASCII byte both ways and
 * by a byte reference. (Without AVX2 both ways are the words.)
 */
static void test_tables__ascii_prefix_same_as_bytes(void **state)
{
    static const uint8_t high[] = {0x80, 0x81, 0xA0, 0xB1, 0xE3, 0xFF};
    uint8_t *buf = malloc(320);
    size_t checked = 0;
    (void)state;
    assert_non_null(buf);
    for (size_t i = 0; i < 320; i++)
        buf[i] = (uint8_t)(rnd() % 0x80);
    buf[3] = 0;
    buf[70] = 0x1B;
    buf[130] = 0x7F;
    for (size_t off = 0; off < 16; off++) {
        for (size_t n = 0; off + n <= 300; n += 1 + (n > 140 ? 3 : 0)) {
            for (size_t at = 0; at <= n; at++) {
                uint8_t *p = buf + off;
                uint8_t keep = at < n ? p[at] : 0, keep2 = at + 7 < n ? p[at + 7] : 0;
                size_t a, b, r;
                if (at < n)
                    p[at] = high[(at + n) % sizeof(high)];
                if (at + 7 < n && at % 3 == 0)
                    p[at + 7] = 0x82;
                r = ascii_ref(p, n);
                a = azk_decode__text_ascii_prefix(p, n);
                azk_decode__simd_off = true;
                b = azk_decode__text_ascii_prefix(p, n);
                azk_decode__simd_off = false;
                if (a != r || b != r) {
                    fprintf(stderr,
                            "ascii prefix off=%zu n=%zu at=%zu: blocks %zu, words %zu, bytes %zu\n",
                            off, n, at, a, b, r);
                    fail();
                }
                if (at < n)
                    p[at] = keep;
                if (at + 7 < n)
                    p[at + 7] = keep2;
                checked++;
            }
        }
    }
    assert_true(checked > 100000);
    free(buf);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables__builtin_equals_icu),
        cmocka_unit_test(test_tables__builtin_only_same_icu),
        cmocka_unit_test(test_tables__fallback_asks_icu),
        cmocka_unit_test(test_tables__runs_same_as_characters),
        cmocka_unit_test(test_tables__ascii_prefix_same_as_bytes),
    };
    if (argc == 2 && strcmp(argv[1], "--child") == 0)
        return child_main();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
