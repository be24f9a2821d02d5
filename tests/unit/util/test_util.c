/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/util -- buffers, readers, UTF-8, errors, allocation faults. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "util/util.h"

#include <jansson.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_util__buf_grow_and_limit(void **state)
{
    azk_buf b = AZK_BUF_INIT;
    (void)state;
    b.max = 8;
    assert_int_equal(azk_buf_puts(&b, "abcd"), AZK_OK);
    assert_int_equal(azk_buf_printf(&b, "%d", 123), AZK_OK);
    assert_string_equal((char *)b.data, "abcd123");
    assert_int_equal(azk_buf_puts(&b, "xy"), AZK_ERR_LIMIT);
    assert_string_equal((char *)b.data, "abcd123"); /* unchanged on failure */
    azk_buf_consume(&b, 2);
    assert_string_equal((char *)b.data, "cd123");
    azk_buf_dispose(&b);
}

static void test_util__buf_put_i64(void **state)
{
    azk_buf b = AZK_BUF_INIT;
    (void)state;
    assert_int_equal(azk_buf_put_i64(&b, 0), AZK_OK);
    assert_int_equal(azk_buf_put_i64(&b, -7), AZK_OK);
    assert_int_equal(azk_buf_put_i64(&b, 1234567890123), AZK_OK);
    assert_int_equal(azk_buf_put_i64(&b, INT64_MIN), AZK_OK);
    assert_int_equal(azk_buf_put_i64(&b, INT64_MAX), AZK_OK);
    assert_string_equal((char *)b.data, "0-71234567890123-92233720368547758089223372036854775807");
    b.max = b.len + 2;
    assert_int_equal(azk_buf_put_i64(&b, 100), AZK_ERR_LIMIT);
    azk_buf_dispose(&b);
}

static void test_util__reader_bounds(void **state)
{
    const uint8_t d[] = {1, 2, 3, 4, 5};
    azk_reader r;
    uint32_t v;
    uint16_t s;
    (void)state;
    azk_reader_init(&r, d, sizeof(d));
    assert_int_equal(azk_reader_u32be(&r, &v), AZK_OK);
    assert_int_equal(v, 0x01020304u);
    assert_int_equal(azk_reader_u16le(&r, &s), AZK_ERR_FORMAT);
    assert_int_equal(r.pos, 4);
}

static void test_util__utf8(void **state)
{
    uint32_t cp;
    const uint8_t ok[] = "\xe5\xb1\xb1"; /* 山 */
    const uint8_t bad[] = "\x82\xa0";    /* CP932 あ, invalid UTF-8 */
    azk_buf b = AZK_BUF_INIT;
    (void)state;
    assert_int_equal(azk_utf8_decode(ok, 3, &cp), 3);
    assert_int_equal(cp, 0x5C71);
    assert_true(azk_utf8_valid(ok, 3));
    assert_false(azk_utf8_valid(bad, 2));
    assert_int_equal(azk_buf_put_escaped_name(&b, (const char *)bad, 2), AZK_OK);
    assert_string_equal((char *)b.data, "\\x82\\xA0");
    /* ASCII runs around a backslash, a character, invalid bytes and a NUL */
    azk_buf_clear(&b);
    assert_int_equal(azk_buf_put_escaped_name(&b,
                                              "a/b\\c\xe5\xb1\xb1"
                                              "d\x82\\\\e\xe5\xb1/z\0y",
                                              19),
                     AZK_OK);
    assert_int_equal(b.len, 31);
    assert_memory_equal(b.data,
                        "a/b\\\\c\xe5\xb1\xb1"
                        "d\\x82\\\\\\\\e\\xE5\\xB1/z\0y",
                        31);
    azk_buf_dispose(&b);
}

static void test_util__error_last(void **state)
{
    (void)state;
    azk_error_clear();
    assert_int_equal(azk_error_last()->code, AZK_OK);
    assert_int_equal(azk_error_set(AZK_ERR_FORMAT, "zip: bad offset %zu\nx", (size_t)7),
                     AZK_ERR_FORMAT);
    assert_string_equal(azk_error_last()->message, "zip: bad offset 7 x");
    assert_string_equal(azk_status_name(AZK_ERR_LIMIT), "limit");
}

static void test_util__alloc_fault(void **state)
{
    azk_buf b = AZK_BUF_INIT;
    (void)state;
    azk__alloc_fail_after(0);
    assert_int_equal(azk_buf_puts(&b, "x"), AZK_ERR_NOMEM);
    azk__alloc_fail_after(-1);
    assert_int_equal(azk_buf_puts(&b, "x"), AZK_OK);
    azk_buf_dispose(&b);
}

/* Pages of [p, p + n) (whole pages within it) that are not resident. */
static size_t pages_absent(const uint8_t *p, size_t n)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t e = ((uintptr_t)p + n) & ~(page - 1);
    size_t absent = 0;
    unsigned char *v;
    if (e <= a)
        return 0;
    v = malloc((e - a) / page);
    assert_non_null(v);
    assert_int_equal(mincore((void *)a, e - a, v), 0);
    for (size_t i = 0; i < (e - a) / page; i++)
        absent += !(v[i] & 1);
    free(v);
    return absent;
}

/*
 * azk_malloc_whole / azk_calloc_whole: blocks of every size as azk_malloc's (calloc's
 * zeroed, an overflowing count refused), failing under fault injection; a block of
 * 1 MiB or more resident at once where the kernel has MADV_POPULATE_WRITE (Linux 5.14).
 */
static void test_util__alloc_whole(void **state)
{
    static const size_t sizes[] = {
        0, 1, 4095, 4097, ((size_t)1 << 20) - 1, (size_t)1 << 20, ((size_t)3 << 20) + 17};
    bool populates = false;
    (void)state;
#ifdef MADV_POPULATE_WRITE
    {
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        void *m = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assert_true(m != MAP_FAILED);
        populates = madvise(m, page, MADV_POPULATE_WRITE) == 0;
        munmap(m, page);
    }
#endif
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i];
        uint8_t *c = azk_calloc_whole(n, 1);
        uint8_t *m = azk_malloc_whole(n);
        assert_non_null(c);
        assert_non_null(m);
        if (populates && n >= ((size_t)1 << 20)) { /* before reading c faults it in */
            assert_int_equal(pages_absent(c, n), 0);
            assert_int_equal(pages_absent(m, n), 0);
        }
        for (size_t j = 0; j < n; j++)
            assert_int_equal(c[j], 0);
        memset(c, 0xA5, n);
        memset(m, 0x5A, n);
        azk_free(c);
        azk_free(m);
    }
    assert_null(azk_calloc_whole(SIZE_MAX / 2, 3));
    azk__alloc_fail_after(0);
    assert_null(azk_malloc_whole((size_t)2 << 20));
    assert_null(azk_calloc_whole((size_t)2 << 20, 1));
    azk__alloc_fail_after(-1);
}

static void test_util__array_reserve(void **state)
{
    int *a = NULL;
    size_t cap = 0, n = 0;
    (void)state;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(azk_array_reserve(&a, &cap, n, sizeof(*a), 4), AZK_OK);
        assert_true(cap > n);
        a[n++] = i;
    }
    assert_int_equal(cap, 128);
    azk__alloc_fail_after(0);
    n = cap; /* full: the next reserve must allocate, and fails */
    assert_int_equal(azk_array_reserve(&a, &cap, n, sizeof(*a), 4), AZK_ERR_NOMEM);
    azk__alloc_fail_after(-1);
    assert_int_equal(cap, 128); /* unchanged on failure */
    assert_int_equal(a[99], 99);
    azk_free(a);
}

/* ---- output files ---------------------------------------------------------- */

static char *read_all(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "rb");
    size_t n;
    if (f == NULL)
        return NULL;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static size_t count_entries(const char *dir)
{
    size_t n = 0;
    struct dirent *e;
    DIR *d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_util__outfile_commit_abort(void **state)
{
    char dir[] = "/tmp/azk-outfile-XXXXXX";
    char path[256];
    azk_outfile *o = NULL;
    struct stat sb;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/out.txt", dir);
    /* commit: the file appears whole, with the mode asked for */
    assert_int_equal(azk_outfile_open(&o, path, 0640, 0), AZK_OK);
    assert_int_equal(lstat(path, &sb), -1); /* nothing at the name before commit */
    fputs("first", azk_outfile_stream(o));
    assert_int_equal(azk_outfile_commit(o), AZK_OK);
    assert_string_equal(read_all(path), "first");
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    /* replace an existing regular file */
    assert_int_equal(azk_outfile_open(&o, path, 0600, 0), AZK_OK);
    fputs("second", azk_outfile_stream(o));
    assert_int_equal(azk_outfile_commit(o), AZK_OK);
    assert_string_equal(read_all(path), "second");
    /* abort leaves the old file and no temporary */
    assert_int_equal(azk_outfile_open(&o, path, 0600, 0), AZK_OK);
    fputs("third", azk_outfile_stream(o));
    azk_outfile_abort(o);
    assert_string_equal(read_all(path), "second");
    assert_int_equal(count_entries(dir), 1);
    /* exclusive: an existing name is refused at open */
    assert_int_equal(azk_outfile_open(&o, path, 0600, AZK_OUTFILE_EXCL), AZK_ERR_ARG);
    unlink(path);
    rmdir(dir);
}

/* A symlink planted at the target: refused, and its target never written. */
static void test_util__outfile_symlink_refused(void **state)
{
    char dir[] = "/tmp/azk-outfile-XXXXXX";
    char path[256], victim[256];
    azk_outfile *o = NULL;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/report.md", dir);
    snprintf(victim, sizeof(victim), "%s/victim", dir);
    write_file(victim, "precious");
    assert_int_equal(symlink(victim, path), 0);
    assert_int_equal(azk_outfile_open(&o, path, 0600, 0), AZK_ERR_PERM);
    assert_int_equal(azk_outfile_open(&o, path, 0600, AZK_OUTFILE_EXCL), AZK_ERR_ARG);
    /* a link planted after open is replaced at commit, never followed */
    unlink(path);
    assert_int_equal(azk_outfile_open(&o, path, 0600, 0), AZK_OK);
    fputs("report", azk_outfile_stream(o));
    assert_int_equal(symlink(victim, path), 0);
    assert_int_equal(azk_outfile_commit(o), AZK_OK);
    assert_string_equal(read_all(victim), "precious");
    assert_string_equal(read_all(path), "report");
    /* exclusive commit with a link planted after open: fails, victim intact */
    unlink(path);
    assert_int_equal(azk_outfile_open(&o, path, 0600, AZK_OUTFILE_EXCL), AZK_OK);
    fputs("plain", azk_outfile_stream(o));
    assert_int_equal(symlink(victim, path), 0);
    assert_int_equal(azk_outfile_commit(o), AZK_ERR_ARG);
    assert_string_equal(read_all(victim), "precious");
    assert_int_equal(count_entries(dir), 2); /* victim + link, no temporary */
    /* a directory is refused; a device is written in place */
    assert_int_equal(azk_outfile_open(&o, dir, 0600, 0), AZK_ERR_PERM);
    assert_int_equal(azk_outfile_open(&o, "/dev/null", 0600, 0), AZK_OK);
    fputs("x", azk_outfile_stream(o));
    assert_int_equal(azk_outfile_commit(o), AZK_OK);
    /* "-" is stdout only when asked */
    assert_int_equal(azk_outfile_open(&o, "-", 0600, AZK_OUTFILE_STDOUT), AZK_OK);
    assert_ptr_equal(azk_outfile_stream(o), stdout);
    azk_outfile_abort(o);
    unlink(path);
    unlink(victim);
    rmdir(dir);
}

static void test_util__printable(void **state)
{
    azk_buf b = AZK_BUF_INIT;
    const char in[] = "a\x1b[2Jb\rc\nd\\e\xc2\x85\xe2\x80\xa8\xff\xe5\xb1\xb1";
    (void)state;
    assert_int_equal(azk_buf_put_printable(&b, in, sizeof(in) - 1), AZK_OK);
    assert_string_equal((char *)b.data,
                        "a\\x1B[2Jb\\x0Dc\\x0Ad\\\\e\\u{0085}\\u{2028}\\xFF\xe5\xb1\xb1");
    azk_buf_dispose(&b);
}

static void test_util__strerror(void **state)
{
    char buf[64];
    (void)state;
    assert_string_equal(azk_strerror(ENOENT, buf, sizeof(buf)), "No such file or directory");
    assert_non_null(azk_strerror(12345, buf, sizeof(buf)));
}

/* Two versions of one options struct: v2 added `b` (default 0.5) at the end. */
struct opt_v1 {
    size_t struct_size;
    int a;
};
struct opt_v2 {
    size_t struct_size;
    int a;
    double b;
};

static void test_util__options_versions(void **state)
{
    static const struct opt_v2 def = {sizeof(struct opt_v2), 7, 0.5};
    static const struct opt_v1 def1 = {sizeof(struct opt_v1), 7};
    struct opt_v1 old = {sizeof(struct opt_v1), 3};
    struct opt_v1 o1;
    struct opt_v2 o, newer = {sizeof(struct opt_v2), 4, 0.0};
    struct opt_v2 unset = {0, 4, 0.25};
    (void)state;
    /* an older caller: its fields, this library's defaults for the rest */
    assert_int_equal(azk__options_in(&o, sizeof(o), &def, &old, true, "t"), AZK_OK);
    assert_int_equal(o.a, 3);
    assert_true(o.b == 0.5);
    assert_int_equal(o.struct_size, sizeof(struct opt_v2));
    /* no options: defaults, or an error when they are required */
    assert_int_equal(azk__options_in(&o, sizeof(o), &def, NULL, false, "t"), AZK_OK);
    assert_int_equal(o.a, 7);
    assert_int_equal(azk__options_in(&o, sizeof(o), &def, NULL, true, "t"), AZK_ERR_ARG);
    /* not made with the _INIT macro */
    assert_int_equal(azk__options_in(&o, sizeof(o), &def, &unset, false, "t"), AZK_ERR_ARG);
    assert_non_null(strstr(azk_error_last()->message, "_OPTIONS_INIT"));
    /* a newer caller on an older library: fine while the new field is unused */
    assert_int_equal(azk__options_in(&o1, sizeof(o1), &def1, &newer, true, "t"), AZK_OK);
    assert_int_equal(o1.a, 4);
    newer.b = 1.0;
    assert_int_equal(azk__options_in(&o1, sizeof(o1), &def1, &newer, true, "t"),
                     AZK_ERR_UNSUPPORTED);
}

/* A host application's jansson allocator, which the library must leave alone. */
static int host_allocs;

static void *host_malloc(size_t n)
{
    host_allocs++;
    return malloc(n);
}

static void host_free(void *p)
{
    free(p);
}

static void test_util__host_json_allocator_kept(void **state)
{
    json_malloc_t m = NULL;
    json_free_t f = NULL;
    json_t *j;
    (void)state;
    json_set_alloc_funcs(host_malloc, host_free);
    assert_int_equal(azk__lib_init(), AZK_OK);
    json_get_alloc_funcs(&m, &f);
    assert_ptr_equal(m, host_malloc);
    assert_ptr_equal(f, host_free);
    j = json_string("host");
    assert_non_null(j);
    json_decref(j);
    assert_true(host_allocs > 0);
    json_set_alloc_funcs(malloc, free);
}

/* The one JSON string escaping writes what jansson's dump writes (the
 * ledger's entries were written by jansson once), for every byte and for
 * UTF-8; the FILE variant for front ends writes the same bytes. */
/* The one HTML escaping (certificates, serve's pages). */
static void test_util__html(void **state)
{
    azk_buf b = AZK_BUF_INIT;
    (void)state;
    assert_int_equal(azk_buf_put_html(&b, "<a href=\"x\">&'氏名'</a>"), AZK_OK);
    assert_int_equal(azk_buf_putc(&b, '\0'), AZK_OK);
    assert_string_equal((const char *)b.data,
                        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;氏名&#39;&lt;/a&gt;");
    azk_buf_dispose(&b);
}

static void test_util__json_string(void **state)
{
    char s[260];
    size_t n = 0;
    json_t *j;
    char *want;
    azk_buf b = AZK_BUF_INIT;
    char *got = NULL;
    size_t got_len = 0;
    FILE *f;
    (void)state;
    for (int c = 1; c < 0x80; c++)
        s[n++] = (char)c;
    memcpy(s + n, "\xe5\xb1\xb1\xe7\x94\xb0 \xe2\x80\xa8", 10); /* 山田 U+2028 */
    n += 10;
    s[n] = '\0';
    j = json_string(s);
    assert_non_null(j);
    want = json_dumps(j, JSON_ENCODE_ANY);
    assert_non_null(want);
    assert_int_equal(azk_buf_put_json_string(&b, s, n), AZK_OK);
    assert_string_equal((const char *)b.data, want);
    f = open_memstream(&got, &got_len);
    assert_non_null(f);
    assert_int_equal(azk_json_fputs(s, f), 0);
    fclose(f);
    assert_string_equal(got, want);
    free(got);
    free(want);
    json_decref(j);
    azk_buf_dispose(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* first: azk__lib_init runs once per process */
        cmocka_unit_test(test_util__host_json_allocator_kept),
        cmocka_unit_test(test_util__buf_grow_and_limit),
        cmocka_unit_test(test_util__buf_put_i64),
        cmocka_unit_test(test_util__reader_bounds),
        cmocka_unit_test(test_util__utf8),
        cmocka_unit_test(test_util__error_last),
        cmocka_unit_test(test_util__alloc_fault),
        cmocka_unit_test(test_util__alloc_whole),
        cmocka_unit_test(test_util__array_reserve),
        cmocka_unit_test(test_util__outfile_commit_abort),
        cmocka_unit_test(test_util__outfile_symlink_refused),
        cmocka_unit_test(test_util__printable),
        cmocka_unit_test(test_util__strerror),
        cmocka_unit_test(test_util__options_versions),
        cmocka_unit_test(test_util__json_string),
        cmocka_unit_test(test_util__html),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
