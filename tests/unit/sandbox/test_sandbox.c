/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/sandbox/test_sandbox.c -- the extraction helper and its
 * sandbox: the frame protocol (round trip, every kind of malformed reply),
 * the parent's handling of helpers that crash, are killed mid-file, hang,
 * or reply garbage (fake helpers written as shell scripts), the real
 * helper on PDF / RTF / OLE2 input, and its confinement (--selftest: a
 * socket, an open for writing, an exec must kill it; a read outside the
 * allowed trees must fail; memory and CPU limits must stop it). The real
 * helper is found in the build tree (AZK_BUILDDIR/src/cli/azukari-extract).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decode/decode_int.h"

static char helper[4096];
static char tmpdir[256];

/* ---- collecting sink ------------------------------------------------------------ */

struct collect {
    azk_buf text; /* "p<page>:<line>[:<sheet>]:<fields joined by |>\n" per record */
    const char *format;
    size_t records;
};

static void c_format(void *p, const char *format, const char *encoding)
{
    struct collect *c = p;
    (void)encoding;
    c->format = format;
}

static azk_status c_record(void *p, const azk_record *rec)
{
    struct collect *c = p;
    size_t i;
    c->records++;
    assert_int_equal(azk_buf_printf(&c->text, "p%u:%llu%s%s:", (unsigned)rec->page,
                                    (unsigned long long)rec->line, rec->sheet ? ":" : "",
                                    rec->sheet ? rec->sheet : ""),
                     AZK_OK);
    for (i = 0; i < rec->field_count; i++) {
        assert_true(azk_utf8_valid((const uint8_t *)rec->fields[i].ptr, rec->fields[i].len));
        if (i > 0)
            assert_int_equal(azk_buf_putc(&c->text, '|'), AZK_OK);
        assert_int_equal(azk_buf_put(&c->text, rec->fields[i].ptr, rec->fields[i].len), AZK_OK);
    }
    assert_int_equal(azk_buf_putc(&c->text, '\n'), AZK_OK);
    return AZK_OK;
}

static const char *text_of(struct collect *c)
{
    return c->text.data != NULL ? (const char *)c->text.data : "";
}

static azk_status decode_mem(struct collect *c, const void *p, size_t n)
{
    struct azk_mem_source st;
    azk_source src;
    azk_decode_sink sink;
    memset(c, 0, sizeof(*c));
    memset(&sink, 0, sizeof(sink));
    sink.object_format = c_format;
    sink.record = c_record;
    sink.payload = c;
    azk_status rc;
    azk_decode__source_mem(&src, &st, p, n);
    rc = azk_decode__object(&src, NULL, &sink);
    if (rc != AZK_OK)
        print_message("decode: %s\n", azk_error_last()->message);
    return rc;
}

static void use_helper(const char *path)
{
    assert_int_equal(setenv("AZUKARI_EXTRACT_HELPER", path, 1), 0);
}

/* Write an executable fake helper script. */
static const char *fake(const char *name, const char *body)
{
    static char path[512];
    FILE *f;
    (void)snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    (void)fprintf(f, "#!/bin/sh\n%s\n", body);
    (void)fclose(f);
    assert_int_equal(chmod(path, 0700), 0);
    return path;
}

/* A small PDF, without a cross-reference table (poppler rebuilds it). */
static const char pdf_two_pages[] =
    "%PDF-1.4\n"
    "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    "2 0 obj << /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >> endobj\n"
    "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
    "/Resources << /Font << /F1 7 0 R >> >> >> endobj\n"
    "4 0 obj << /Length 88 >> stream\n"
    "BT /F1 12 Tf 72 760 Td (Yamada Taro) Tj 0 -20 Td (TEL 03-1234-5678) Tj ET\n"
    "endstream endobj\n"
    "5 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R "
    "/Resources << /Font << /F1 7 0 R >> >> >> endobj\n"
    "6 0 obj << /Length 60 >> stream\n"
    "BT /F1 12 Tf 72 760 Td (second page mail@example.com) Tj ET\n"
    "endstream endobj\n"
    "7 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n"
    "trailer << /Root 1 0 R >>\n%%EOF\n";

static int setup(void **state)
{
    const char *b = getenv("AZK_BUILDDIR");
    (void)state;
    (void)snprintf(helper, sizeof(helper), "%s/src/cli/azukari-extract", b ? b : ".");
    (void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/azk-sandbox-test-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    return access(helper, X_OK) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[512];
    (void)state;
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- protocol -------------------------------------------------------------------- */

/* Frames written by the helper's writer read back into the same records. */
static void test_sandbox__frames_round_trip(void **state)
{
    struct azk_frame_writer w;
    azk_decode_sink sink;
    struct azk_decode_ctx ctx;
    struct azk_frames fr;
    struct collect c;
    azk_decode_sink csink;
    azk_field f[2];
    azk_record rec;
    int fds[2];
    uint8_t buf[65536];
    ssize_t k;
    (void)state;
    assert_int_equal(pipe(fds), 0);
    azk_decode__frame_writer_init(&w, fds[1], &sink);
    sink.object_format(sink.payload, "xls", NULL);
    memset(f, 0, sizeof(f));
    f[0].ptr = "山田 太郎";
    f[0].len = strlen(f[0].ptr);
    f[0].header = "氏名";
    f[0].header_len = strlen("氏名");
    f[1].ptr = "03-1234-5678";
    f[1].len = 12;
    f[1].col = 3;
    memset(&rec, 0, sizeof(rec));
    rec.line = 7;
    rec.row = 6;
    rec.tabular = 1;
    rec.sheet = "宛名";
    rec.fields = f;
    rec.field_count = 2;
    assert_int_equal(sink.record(sink.payload, &rec), AZK_OK);
    assert_int_equal(azk_decode__frame_finish(&w), AZK_OK);
    azk_decode__frame_writer_dispose(&w);
    (void)close(fds[1]);
    k = read(fds[0], buf, sizeof(buf));
    (void)close(fds[0]);
    assert_true(k > 0);

    memset(&c, 0, sizeof(c));
    memset(&csink, 0, sizeof(csink));
    csink.object_format = c_format;
    csink.record = c_record;
    csink.payload = &c;
    memset(&ctx, 0, sizeof(ctx));
    ctx.sink = &csink;
    assert_int_equal(azk_decode__frames_init(&fr, &ctx), AZK_OK);
    /* byte by byte: frames cut anywhere */
    for (ssize_t i = 0; i < k; i++)
        assert_int_equal(azk_decode__frames_feed(&fr, buf + i, 1), AZK_OK);
    assert_true(fr.done);
    azk_decode__frames_dispose(&fr);
    assert_string_equal(c.format, "xls");
    assert_string_equal(text_of(&c), "p0:7:宛名:山田 太郎|03-1234-5678\n");
    azk_buf_dispose(&c.text);
}

static azk_status feed_bytes(const void *p, size_t n)
{
    struct azk_decode_ctx ctx;
    struct azk_frames fr;
    struct collect c;
    azk_decode_sink sink;
    azk_status rc;
    memset(&c, 0, sizeof(c));
    memset(&sink, 0, sizeof(sink));
    sink.object_format = c_format;
    sink.record = c_record;
    sink.payload = &c;
    memset(&ctx, 0, sizeof(ctx));
    ctx.sink = &sink;
    assert_int_equal(azk_decode__frames_init(&fr, &ctx), AZK_OK);
    rc = azk_decode__frames_feed(&fr, p, n);
    azk_decode__frames_dispose(&fr);
    azk_buf_dispose(&c.text);
    return rc;
}

/* A hostile helper: every malformed frame is an error, nothing reaches detect. */
static void test_sandbox__frames_malformed(void **state)
{
    (void)state;
    /* unknown frame type */
    assert_int_equal(feed_bytes("X\0\0\0\0", 5), AZK_ERR_FORMAT);
    /* unknown format name */
    assert_int_equal(feed_bytes("F\4\0\0\0evil", 9), AZK_ERR_FORMAT);
    /* frame longer than the limit */
    assert_int_equal(feed_bytes("R\xff\xff\xff\x7f", 5), AZK_ERR_FORMAT);
    /* record with invalid UTF-8 in a field */
    {
        static const uint8_t r[] = {'R', 42, 0, 0, 0,   1, 0, 0, 0, 0, 0, 0, 0, /* line */
                                    0,   0,  0, 0, 0,   0, 0, 0,                /* row */
                                    1,   0,  0, 0,                              /* page */
                                    0,                                          /* flags */
                                    0,   0,  0, 0,                              /* sheet */
                                    1,   0,  0, 0,                              /* count */
                                    0,   0,  0, 0,                              /* col */
                                    0,   0,  0, 0,                              /* header */
                                    1,   0,  0, 0, 0xff};                       /* value: invalid */
        assert_int_equal(feed_bytes(r, sizeof(r)), AZK_ERR_FORMAT);
    }
    /* field count over the limit */
    {
        static const uint8_t r[] = {'R', 29, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,    0, 0,
                                    0,   0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0, 0};
        assert_int_equal(feed_bytes(r, sizeof(r)), AZK_ERR_FORMAT);
    }
    /* error frame with a status code out of range */
    assert_int_equal(feed_bytes("E\5\0\0\0\x63\0\0\0x", 10), AZK_ERR_FORMAT);
    /* data after the done frame */
    assert_int_equal(feed_bytes("D\0\0\0\0F\3\0\0\0pdf", 13), AZK_ERR_FORMAT);
}

/* ---- the parent with fake helpers -------------------------------------------------- */

/* A helper killed in the middle of the file: an error of that object only. */
static void test_sandbox__helper_killed_mid_file(void **state)
{
    struct collect c;
    azk_status rc;
    (void)state;
    use_helper(fake("killed.sh", "head -c 10 >/dev/null; kill -9 $$"));
    rc = decode_mem(&c, pdf_two_pages, sizeof(pdf_two_pages) - 1);
    assert_int_equal(rc, AZK_ERR_LIMIT);
    assert_non_null(strstr(azk_error_last()->message, "killed"));
    assert_string_equal(c.format, "pdf");
    azk_buf_dispose(&c.text);
    /* the next object still decodes (and SIGPIPE did not kill us) */
    use_helper(helper);
    rc = decode_mem(&c, pdf_two_pages, sizeof(pdf_two_pages) - 1);
    assert_int_equal(rc, AZK_OK);
    azk_buf_dispose(&c.text);
}

static void test_sandbox__helper_crash_and_garbage(void **state)
{
    struct collect c;
    azk_status rc;
    (void)state;
    use_helper(fake("segv.sh", "kill -SEGV $$"));
    rc = decode_mem(&c, pdf_two_pages, sizeof(pdf_two_pages) - 1);
    assert_int_equal(rc, AZK_ERR_FORMAT);
    assert_non_null(strstr(azk_error_last()->message, "crashed"));
    azk_buf_dispose(&c.text);

    use_helper(fake("garbage.sh", "cat >/dev/null; printf 'hello world'"));
    rc = decode_mem(&c, pdf_two_pages, sizeof(pdf_two_pages) - 1);
    assert_int_equal(rc, AZK_ERR_FORMAT);
    assert_int_equal(c.records, 0);
    azk_buf_dispose(&c.text);

    /* exits 0 without the done frame: the reply ended early */
    use_helper(fake("early.sh", "cat >/dev/null; printf 'F\\003\\000\\000\\000pdf'"));
    rc = decode_mem(&c, pdf_two_pages, sizeof(pdf_two_pages) - 1);
    assert_int_equal(rc, AZK_ERR_FORMAT);
    assert_non_null(strstr(azk_error_last()->message, "ended early"));
    azk_buf_dispose(&c.text);

    /* not installed: unsupported, as before the helper existed */
    use_helper("/nonexistent/azukari-extract");
    rc = decode_mem(&c, pdf_two_pages, sizeof(pdf_two_pages) - 1);
    assert_int_equal(rc, AZK_ERR_UNSUPPORTED);
    azk_buf_dispose(&c.text);
    use_helper(helper);
}

/* A helper that never answers is killed at the deadline. */
static void test_sandbox__helper_timeout(void **state)
{
    struct collect c;
    azk_status rc;
    (void)state;
    use_helper(fake("hang.sh", "exec sleep 30"));
    assert_int_equal(setenv("AZUKARI_EXTRACT_TIMEOUT", "1", 1), 0);
    rc = decode_mem(&c, pdf_two_pages, sizeof(pdf_two_pages) - 1);
    assert_int_equal(rc, AZK_ERR_LIMIT);
    assert_non_null(strstr(azk_error_last()->message, "no answer within 1 s"));
    azk_buf_dispose(&c.text);
    assert_int_equal(unsetenv("AZUKARI_EXTRACT_TIMEOUT"), 0);
    use_helper(helper);
}

/* ---- the real helper ------------------------------------------------------------------- */

static void test_sandbox__pdf_pages(void **state)
{
    struct collect c;
    (void)state;
    use_helper(helper);
    assert_int_equal(decode_mem(&c, pdf_two_pages, sizeof(pdf_two_pages) - 1), AZK_OK);
    assert_string_equal(c.format, "pdf");
    assert_non_null(strstr(text_of(&c), "p1:1:Yamada Taro\n"));
    assert_non_null(strstr(text_of(&c), "p1:2:TEL 03-1234-5678\n"));
    assert_non_null(strstr(text_of(&c), "p2:1:second page mail@example.com\n"));
    azk_buf_dispose(&c.text);
}

static void test_sandbox__pdf_damaged(void **state)
{
    struct collect c;
    static const char bad[] = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\n"
                              "trailer << /Root 1 0 R >>\n%%EOF\n";
    (void)state;
    use_helper(helper);
    assert_int_equal(decode_mem(&c, bad, sizeof(bad) - 1), AZK_ERR_FORMAT);
    assert_string_equal(c.format, "pdf");
    azk_buf_dispose(&c.text);
    assert_int_equal(decode_mem(&c, "%PDF-", 5), AZK_ERR_FORMAT);
    azk_buf_dispose(&c.text);
}

static void test_sandbox__rtf(void **state)
{
    struct collect c;
    static const char rtf[] =
        "{\\rtf1\\ansi\\ansicpg932\\deff0{\\fonttbl{\\f0\\fcharset128 MS Mincho;}}"
        "{\\*\\generator Test;}\\f0 \\'8e\\'52\\'93\\'63 \\'91\\'be\\'98\\'59\\par "
        "\\u23665?\\u30000? \\u33457?\\u23376?\\tab TEL 03-1234-5678\\par "
        "{\\field{\\*\\fldinst HYPERLINK secret}{\\fldrslt mail@example.com}}}";
    (void)state;
    use_helper(helper);
    assert_int_equal(decode_mem(&c, rtf, sizeof(rtf) - 1), AZK_OK);
    assert_string_equal(c.format, "rtf");
    /* the font table, the generator and the field instruction are lines of their own */
    assert_string_equal(text_of(&c), "p0:1:MS Mincho;\np0:1:Test;\np0:1:山田 太郎\n"
                                     "p0:2:山田 花子\tTEL 03-1234-5678\np0:3:HYPERLINK secret\n"
                                     "p0:3:mail@example.com\n");
    azk_buf_dispose(&c.text);
}

static void test_sandbox__rtf_deep_groups(void **state)
{
    struct collect c;
    char *deep = malloc(5000);
    (void)state;
    assert_non_null(deep);
    memcpy(deep, "{\\rtf1 ", 7);
    memset(deep + 7, '{', 4993);
    /* in-process: the nesting bound is the decoder's own */
    {
        struct azk_decode_ctx ctx;
        azk_decode_sink sink;
        static const azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
        memset(&c, 0, sizeof(c));
        memset(&sink, 0, sizeof(sink));
        sink.record = c_record;
        sink.payload = &c;
        memset(&ctx, 0, sizeof(ctx));
        ctx.sink = &sink;
        ctx.opts = &o;
        assert_int_equal(azk_decode__rtf(&ctx, (const uint8_t *)deep, 5000), AZK_ERR_LIMIT);
    }
    free(deep);
    azk_buf_dispose(&c.text);
}

/* A line without \par longer than the line buffer: emitted in pieces, not an error. */
static void test_sandbox__rtf_long_line(void **state)
{
    struct collect c;
    azk_buf in = AZK_BUF_INIT;
    struct azk_decode_ctx ctx;
    azk_decode_sink sink;
    static const azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    int i;
    (void)state;
    assert_int_equal(azk_buf_puts(&in, "{\\rtf1 "), AZK_OK);
    for (i = 0; i < 100000; i++)
        assert_int_equal(azk_buf_puts(&in, "\\u23665?"), AZK_OK); /* 300 KB of 山 */
    assert_int_equal(azk_buf_puts(&in, " mail@example.com}"), AZK_OK);
    memset(&c, 0, sizeof(c));
    memset(&sink, 0, sizeof(sink));
    sink.record = c_record;
    sink.payload = &c;
    memset(&ctx, 0, sizeof(ctx));
    ctx.sink = &sink;
    ctx.opts = &o;
    assert_int_equal(azk_decode__rtf(&ctx, in.data, in.len), AZK_OK);
    assert_true(c.records >= 2);
    assert_non_null(strstr(text_of(&c), "mail@example.com"));
    azk_buf_dispose(&in);
    azk_buf_dispose(&c.text);
}

static void test_sandbox__ole2_damaged(void **state)
{
    struct collect c;
    uint8_t buf[2048];
    (void)state;
    use_helper(helper);
    memset(buf, 0xff, sizeof(buf));
    memcpy(buf, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
    assert_int_equal(decode_mem(&c, buf, sizeof(buf)), AZK_ERR_FORMAT);
    assert_string_equal(c.format, "ole2");
    azk_buf_dispose(&c.text);
}

/* ---- confinement ---------------------------------------------------------------------- */

static int run_selftest(const char *what, const char *extra1, const char *extra2)
{
    pid_t pid = fork();
    int st = 0;
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        (void)dup2(null, 0);
        (void)dup2(null, 1);
        (void)dup2(null, 2);
        /* as the library spawns it: LeakSanitizer's exit check (ptrace) is off */
        (void)unsetenv("ASAN_OPTIONS");
        (void)unsetenv("LSAN_OPTIONS");
        if (extra1 != NULL)
            execl(helper, "azukari-extract", "--selftest", what, extra1, extra2, (char *)NULL);
        else
            execl(helper, "azukari-extract", "--selftest", what, (char *)NULL);
        _exit(127);
    }
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

static void test_sandbox__forbidden_calls_kill(void **state)
{
    int st;
    (void)state;
    st = run_selftest("socket", NULL, NULL);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
    st = run_selftest("write", NULL, NULL);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
    st = run_selftest("exec", NULL, NULL);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
    assert_int_equal(access("/tmp/azukari-extract-selftest", F_OK), -1);
}

/* The helper refuses more input than --max-input with a LIMIT error frame. */
static void test_sandbox__input_limit(void **state)
{
    int in[2], out[2], st = 0;
    pid_t pid;
    uint8_t buf[4096];
    size_t got = 0;
    ssize_t k;
    struct azk_decode_ctx ctx;
    struct azk_frames fr;
    struct collect c;
    azk_decode_sink sink;
    (void)state;
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    pid = fork();
    if (pid == 0) {
        (void)dup2(in[0], 0);
        (void)dup2(out[1], 1);
        execl(helper, "azukari-extract", "--max-input", "100", (char *)NULL);
        _exit(127);
    }
    assert_true(pid > 0);
    (void)close(in[0]);
    (void)close(out[1]);
    /* the helper stops reading at its limit: a failed write is fine */
    signal(SIGPIPE, SIG_IGN);
    k = write(in[1], pdf_two_pages, sizeof(pdf_two_pages) - 1);
    assert_true(k > 0 || k < 0);
    (void)close(in[1]);
    while ((k = read(out[0], buf + got, sizeof(buf) - got)) > 0)
        got += (size_t)k;
    (void)close(out[0]);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    signal(SIGPIPE, SIG_DFL);
    memset(&c, 0, sizeof(c));
    memset(&sink, 0, sizeof(sink));
    sink.record = c_record;
    sink.payload = &c;
    memset(&ctx, 0, sizeof(ctx));
    ctx.sink = &sink;
    assert_int_equal(azk_decode__frames_init(&fr, &ctx), AZK_OK);
    assert_int_equal(azk_decode__frames_feed(&fr, buf, got), AZK_OK);
    assert_true(fr.have_error);
    assert_int_equal(fr.error_code, AZK_ERR_LIMIT);
    assert_non_null(strstr(fr.error_msg, "too large"));
    assert_int_equal(c.records, 0);
    azk_decode__frames_dispose(&fr);
    azk_buf_dispose(&c.text);
}

/* Started as root, the helper parses as nobody. */
static void test_sandbox__drops_root(void **state)
{
    int st;
    (void)state;
    if (geteuid() != 0) {
        skip();
        return;
    }
    st = run_selftest("uid", NULL, NULL);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_sandbox__landlock_read(void **state)
{
    int st;
    (void)state;
    if (syscall(SYS_landlock_create_ruleset, NULL, 0, 1U) <= 0) {
        skip(); /* the kernel has no landlock: seccomp alone confines */
        return;
    }
    st = run_selftest("read", NULL, NULL);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0); /* open() of /etc/hostname refused (EACCES) */
}

static void test_sandbox__limits(void **state)
{
    int st;
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    skip(); /* RLIMIT_AS is not applied under ASan */
    return;
#endif
    /* memory: allocation fails at the limit (256 MiB), the helper sees it */
    st = run_selftest("mem", "--mem", "268435456");
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    /* CPU: SIGXCPU after 1 s */
    st = run_selftest("cpu", "--cpu", "1");
    assert_true(WIFSIGNALED(st));
    assert_true(WTERMSIG(st) == SIGXCPU || WTERMSIG(st) == SIGKILL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sandbox__frames_round_trip),
        cmocka_unit_test(test_sandbox__frames_malformed),
        cmocka_unit_test(test_sandbox__helper_killed_mid_file),
        cmocka_unit_test(test_sandbox__helper_crash_and_garbage),
        cmocka_unit_test(test_sandbox__helper_timeout),
        cmocka_unit_test(test_sandbox__pdf_pages),
        cmocka_unit_test(test_sandbox__pdf_damaged),
        cmocka_unit_test(test_sandbox__rtf),
        cmocka_unit_test(test_sandbox__rtf_deep_groups),
        cmocka_unit_test(test_sandbox__rtf_long_line),
        cmocka_unit_test(test_sandbox__ole2_damaged),
        cmocka_unit_test(test_sandbox__forbidden_calls_kill),
        cmocka_unit_test(test_sandbox__input_limit),
        cmocka_unit_test(test_sandbox__drops_root),
        cmocka_unit_test(test_sandbox__landlock_read),
        cmocka_unit_test(test_sandbox__limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
