/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/decode/test_decode_evasion.c -- evasions (issue 11): sniffing
 * behind junk, carving, UTF-16/32 and steered legacy encodings, literal
 * reads, reveal (escapes, base64, quoted-printable, normalising, hex
 * dumps), and the Excel serial date. Run by main() in test_decode.c
 * (shared: decode_test.h). All text is synthetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "azk_oom.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <unicode/ucnv.h>

#include "decode/decode.h"
#include "decode/decode_int.h"
#include "decode/text_int.h"
#include "decode_test.h"

/* ---- evasions (issue 11): sniffing behind junk, carving, reveal ------------------------ */

static const char ev_csv[] = "氏名,電話番号\n試験 太郎,090-0000-0000\n見本 花子,03-1111-2222\n";

/* Decode data and require the synthetic name and phone in the records. */
static void expect_names(const void *data, size_t len, const char *want_format)
{
    struct collect c;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, data, len, NULL), AZK_OK);
    if (strstr(text_of(&c), "試験 太郎") == NULL || strstr(text_of(&c), "090-0000-0000") == NULL)
        fail_msg("not revealed (format %s): %s | %s", c.format ? c.format : "-", text_of(&c),
                 log_of(&c));
    if (want_format != NULL)
        assert_string_equal(c.format, want_format);
    collect_dispose(&c);
}

static size_t cat2(uint8_t *out, size_t cap, const void *a, size_t an, const void *b, size_t bn)
{
    assert_true(an + bn <= cap);
    memcpy(out, a, an);
    memcpy(out + an, b, bn);
    return an + bn;
}

void test_decode__evasion_junk_prefix(void **state)
{
    static uint8_t buf[200000];
    uint8_t zip[4096];
    struct member m[] = {{"a.csv", ev_csv, sizeof(ev_csv) - 1}};
    size_t zn = write_archive("zip", NULL, NULL, NULL, m, 1, zip, sizeof(zip));
    size_t n;
    (void)state;
    /* 4,096 NULs, 100,000 NULs (past the sniffing window), 0xFF padding: still a CSV */
    memset(buf, 0, 4096);
    n = cat2(buf, sizeof(buf), buf, 4096, ev_csv, sizeof(ev_csv) - 1);
    expect_names(buf, n, "csv");
    memset(buf, 0, 100000);
    n = cat2(buf, sizeof(buf), buf, 100000, ev_csv, sizeof(ev_csv) - 1);
    expect_names(buf, n, "csv");
    memset(buf, 0xFF, 5000);
    n = cat2(buf, sizeof(buf), buf, 5000, ev_csv, sizeof(ev_csv) - 1);
    expect_names(buf, n, "csv");
    /* a UTF-16 byte-order mark before UTF-8 text: the text wins */
    n = cat2(buf, sizeof(buf), "\xFF\xFE", 2, ev_csv, sizeof(ev_csv) - 1);
    expect_names(buf, n, "csv");
    n = cat2(buf, sizeof(buf), "\xEF\xBB\xBF\xFE\xFF\xFF\xFE", 7, ev_csv, sizeof(ev_csv) - 1);
    expect_names(buf, n, NULL);
    /* byte-order marks and NULs before a zip */
    n = cat2(buf, sizeof(buf), "\xEF\xBB\xBF\xFF\xFE", 5, zip, zn);
    expect_names(buf, n, "zip");
    memset(buf, 0, 4096);
    n = cat2(buf, sizeof(buf), buf, 4096, zip, zn);
    expect_names(buf, n, "zip");
}

void test_decode__evasion_magic_then_text(void **state)
{
    static const char *const magics[] = {"\x89PNG\r\n\x1a\n", "\xFF\xD8\xFF\xE0", "GIF89a",
                                         "\x7f"
                                         "ELF\x02\x01\x01"};
    uint8_t buf[8192];
    size_t i, n;
    (void)state;
    for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
        n = cat2(buf, sizeof(buf), magics[i], strlen(magics[i]), ev_csv, sizeof(ev_csv) - 1);
        expect_names(buf, n, "csv");
    }
}

/* A PNG-like image: signature, a binary IHDR, random data; then what the test appends. */
static size_t fake_image(uint8_t *out, size_t cap, size_t random_len)
{
    static const uint8_t ihdr[] = {0, 0, 0,  13, 'I', 'H', 'D', 'R', 0,    0,    0,    32,  0,
                                   0, 0, 16, 8,  2,   0,   0,   0,   0x12, 0x34, 0x56, 0x78};
    uint32_t x = 12345;
    size_t n = 0, i;
    assert_true(8 + sizeof(ihdr) + random_len <= cap);
    memcpy(out, "\x89PNG\r\n\x1a\n", 8);
    n = 8;
    memcpy(out + n, ihdr, sizeof(ihdr));
    n += sizeof(ihdr);
    for (i = 0; i < random_len; i++) {
        x = x * 1103515245u + 12345u;
        out[n++] = (uint8_t)(x >> 16);
    }
    return n;
}

/* Intake and link read entrusted data as written: no evasion reading. */
void test_decode__literal_reads_as_written(void **state)
{
    static const char csv[] = "name,note\n"
                              "&#x8A66;&#x9A13;,dGVzdCB2YWx1ZSBiYXNlNjQgZGF0YSBoZXJlIG9rPQ==\n"
                              "\\u8a66\\u9a13,a=3D=E8=A9=A6=\n"
                              "x,y\n";
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    struct collect c;
    (void)state;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, csv, sizeof(csv) - 1, NULL), AZK_OK);
    assert_non_null(strstr(text_of(&c), "試験"));
    collect_dispose(&c);
    o.literal = true;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, csv, sizeof(csv) - 1, &o), AZK_OK);
    assert_null(strstr(text_of(&c), "試験"));
    assert_non_null(strstr(text_of(&c), "&#x8A66;&#x9A13;"));
    assert_non_null(strstr(text_of(&c), "\\u8a66\\u9a13"));
    assert_non_null(strstr(text_of(&c), "a=3D=E8=A9=A6="));
    assert_non_null(strstr(text_of(&c), "dGVzdCB2YWx1ZSBiYXNlNjQgZGF0YSBoZXJlIG9rPQ=="));
    collect_dispose(&c);
}

void test_decode__evasion_carve(void **state)
{
    static uint8_t buf[300000];
    uint8_t zip[4096];
    struct member m[] = {{"a.csv", ev_csv, sizeof(ev_csv) - 1}};
    size_t zn = write_archive("zip", NULL, NULL, NULL, m, 1, zip, sizeof(zip));
    size_t n, i;
    struct collect c;
    (void)state;
    /* text after an image, an image after text, a zip after an image (polyglot) */
    n = fake_image(buf, sizeof(buf), 20000);
    memcpy(buf + n, ev_csv, sizeof(ev_csv) - 1);
    expect_names(buf, n + sizeof(ev_csv) - 1, "binary");
    memcpy(buf, ev_csv, sizeof(ev_csv) - 1);
    n = fake_image(buf + sizeof(ev_csv) - 1, sizeof(buf) - sizeof(ev_csv), 200000);
    expect_names(buf, n + sizeof(ev_csv) - 1, NULL);
    n = fake_image(buf, sizeof(buf), 70000);
    memcpy(buf + n, zip, zn);
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n + zn, NULL), AZK_OK);
    assert_non_null(strstr(log_of(&c), "begin:a.csv"));
    assert_non_null(strstr(text_of(&c), "試験 太郎"));
    collect_dispose(&c);
    /* text sprinkled with control bytes */
    n = 0;
    for (i = 0; i < 20; i++) {
        memcpy(buf + n, ev_csv, sizeof(ev_csv) - 1);
        n += sizeof(ev_csv) - 1;
        memcpy(buf + n, "\x01\x02\x00\x03", 4);
        n += 4;
    }
    expect_names(buf, n, NULL);
    /* clean control: random bytes give no long record and no error */
    n = fake_image(buf, sizeof(buf), 250000);
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.format, "binary");
    assert_true(c.max_field < 40);
    assert_true(c.records < 20);
    collect_dispose(&c);
}

void test_decode__evasion_utf16_utf32(void **state)
{
    static const char jp_only[] =
        "試験太郎様のご住所は見本県見本市です。ご連絡をお待ちしております。"
        "見本花子様のご住所は試験県試験市です。";
    char buf[4096];
    size_t n;
    struct collect c;
    (void)state;
    /* UTF-16 without BOM and without any ASCII (no NUL bytes to go by) */
    n = to_enc("UTF-16LE", jp_only, buf, sizeof(buf));
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.encoding, "utf-16le");
    assert_non_null(strstr(text_of(&c), "試験太郎様"));
    collect_dispose(&c);
    n = to_enc("UTF-16BE", jp_only, buf, sizeof(buf));
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.encoding, "utf-16be");
    collect_dispose(&c);
    /* UTF-32 with and without BOM */
    n = to_enc("UTF-32LE", ev_csv, buf, sizeof(buf));
    expect_names(buf, n, "csv");
    n = to_enc("UTF-32", ev_csv, buf, sizeof(buf));
    expect_names(buf, n, "csv");
    n = to_enc("UTF-32BE", ev_csv, buf, sizeof(buf));
    expect_names(buf, n, "csv");
}

/* An ASCII prefix sized so a few EUC-JP-only bytes decide (issue 11, section 3). */
void test_decode__evasion_steered_cp932(void **state)
{
    static char buf[200000];
    char sj[4096];
    size_t n = 0, sjn = to_enc("ibm-943_P15A-2003", jp_text, sj, sizeof(sj)), i;
    struct collect c;
    (void)state;
    memset(buf, '#', 65530);
    n = 65530;
    memcpy(buf + n, "\n\xA4\xA2\xA4\xA4\n", 6);
    n += 6;
    for (i = 0; i < 30; i++) {
        memcpy(buf + n, sj, sjn);
        n += sjn;
    }
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.encoding, "cp932");
    assert_non_null(strstr(text_of(&c), "いつもご利用いただきありがとうございます。"));
    collect_dispose(&c);
    /* a UTF-8 start, then CP932 for the rest: decided again when decoding fails badly */
    n = 0;
    for (i = 0; i < 3000; i++) {
        memcpy(buf + n, "日本語のテキスト\n", 25);
        n += 25;
    }
    for (i = 0; i < 60; i++) {
        memcpy(buf + n, sj, sjn);
        n += sjn;
    }
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_non_null(strstr(text_of(&c), "いつもご利用いただきありがとうございます。"));
    collect_dispose(&c);
}

/* Decode one UTF-8 line and compare the records' text. */
static void expect_revealed(const char *in, const char *want)
{
    struct collect c;
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    o.force_encoding = "utf-8";
    collect_init(&c);
    assert_int_equal(decode_mem(&c, in, strlen(in), &o), AZK_OK);
    if (strcmp(text_of(&c), want) != 0)
        fail_msg("reveal of [%s]: got [%s] want [%s]", in, text_of(&c), want);
    collect_dispose(&c);
}

void test_decode__reveal_escapes(void **state)
{
    (void)state;
    expect_revealed("{\"n\": \"\\u8a66\\u9a13 \\u592a\\u90ce\", \"e\": \"\\ud83d\\ude00\"}\n",
                    "{\"n\": \"試験 太郎\", \"e\": \"\xF0\x9F\x98\x80\"}@1\n");
    expect_revealed("\"\\\\u8a66\\\\u9a13\"\n", "\"試験\"@1\n"); /* escaped twice */
    expect_revealed("&#x8A66;&#39443; &amp;#x592A;&#x90CE; &lt;b&gt;\n", "試験 太郎 <b>@1\n");
    expect_revealed("q=%E8%A9%A6%E9%A8%93&r=%8E%8E%8C%B1 taro%40example.com\n",
                    "q=試験&r=試験 taro@example.com@1\n");
    expect_revealed("s = \"\\xe8\\xa9\\xa6\\xe9\\xa8\\x93\" t = \"\\350\\251\\246\"\n",
                    "s = \"試験\" t = \"試\"@1\n");
    /* bench-corpus finds: one escaped-looking byte is no text (EUC-JP reads 0x84 as
     * U+0084), a full-width value is folded whole */
    expect_revealed("住所不備 法人番号=8440610773528\n", "住所不備 法人番号=8440610773528@1\n");
    expect_revealed("zip=\xEF\xBC\x95\xEF\xBC\x95\xEF\xBC\x93\xEF\xBC\x8D\xEF\xBC\x90\n",
                    "zip=553-0@1\n");
    /* a JSON string holding a whole file: one record per line */
    expect_revealed("{\"f\": \"a,\\u8a66\\u9a13\\nb,\\u592a\\u90ce\\n\"}\n",
                    "{\"f\": \"a,試験@1\nb,太郎@1\n\"}@1\n");
    /* clean: what only looks like an escape stays as it is */
    expect_revealed("a=10 b=FF 50%OFF 100% c:\\temp x&y &#xZZ; \\u12\n",
                    "a=10 b=FF 50%OFF 100% c:\\temp x&y &#xZZ; \\u12@1\n");
}

void test_decode__reveal_base64(void **state)
{
    static char text[65536];
    uint8_t zip[4096];
    struct member m[] = {{"a.csv", ev_csv, sizeof(ev_csv) - 1}};
    size_t zn = write_archive("zip", NULL, NULL, NULL, m, 1, zip, sizeof(zip));
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o, col;
    struct collect c;
    (void)state;
    /* inline, in JSON: "試験 太郎 090-0000-0000" */
    expect_revealed("{\"v\": \"6Kmm6aiTIOWkqumDjiAwOTAtMDAwMC0wMDAw\"}\n",
                    "{\"v\": \"試験 太郎 090-0000-0000\"}@1\n");
    /* hex */
    expect_revealed("e8a9a6e9a893e5a4aae9838e\n", "試験太郎@1\n");
    /* a zip in base64, wrapped at 76 columns (MIME): its member is decoded */
    o = 0;
    col = 0;
    for (i = 0; i < zn; i += 3) {
        uint32_t v = (uint32_t)zip[i] << 16 | (i + 1 < zn ? (uint32_t)zip[i + 1] << 8 : 0) |
                     (i + 2 < zn ? zip[i + 2] : 0);
        text[o++] = b64[(v >> 18) & 63];
        text[o++] = b64[(v >> 12) & 63];
        text[o++] = i + 1 < zn ? b64[(v >> 6) & 63] : '=';
        text[o++] = i + 2 < zn ? b64[v & 63] : '=';
        if ((col += 4) == 76) {
            text[o++] = '\n';
            col = 0;
        }
    }
    text[o++] = '\n';
    collect_init(&c);
    assert_int_equal(decode_mem(&c, text, o, NULL), AZK_OK);
    assert_non_null(strstr(log_of(&c), "begin:a.csv"));
    assert_non_null(strstr(text_of(&c), "試験 太郎"));
    collect_dispose(&c);
    /* clean control: base64 of random bytes stays as it is, no error */
    expect_revealed("key: q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=\n",
                    "key: q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=@1\n");
    expect_revealed("InternationalizationConfiguration\n", "InternationalizationConfiguration@1\n");
}

/* base64 of p[0..n) appended at out + *o (no line breaks) */
static void b64_put(char *out, size_t *o, const void *data, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const uint8_t *p = data;
    size_t i;
    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        out[(*o)++] = b64[(v >> 18) & 63];
        out[(*o)++] = b64[(v >> 12) & 63];
        out[(*o)++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[(*o)++] = i + 2 < n ? b64[v & 63] : '=';
    }
}

static azk_status decode_spare(struct collect *c, const void *data, size_t len,
                               const azk_decode_options *opts, struct azk_decode_spare *sp)
{
    azk_source src;
    struct azk_mem_source ms;
    azk_decode_sink sink = {c_begin, c_format, c_record, c_end, c};
    azk_status rc;
    azk_decode__source_mem(&src, &ms, data, len);
    rc = azk_decode__object_spare(&src, opts, &sink, sp);
    if (c->text.data == NULL)
        assert_int_equal(azk_buf_puts(&c->text, ""), AZK_OK);
    if (c->log.data == NULL)
        assert_int_equal(azk_buf_puts(&c->log, ""), AZK_OK);
    return rc;
}

/*
 * Reveal's scratch kept in the spare buffers (a scanner worker's, from
 * record to record and object to object) gives what a scratch of its own
 * per record gives: objects decoded one after another, twice, with the same
 * spare buffers and each alone without them. The first is a log with base64
 * and hex runs, a run of 72 KiB of text (the scratch grows past the 64 KiB
 * kept: freed after its record), and a zip in base64 whose member has a
 * base64 run (the nested reveal uses the scratch while the outer one's run
 * bytes are being read) followed by more runs; then CSV rows with base64
 * cells and text with no run.
 */
void test_decode__reveal_scratch_spare(void **state)
{
    static const char name[] = "試験 太郎 090-0000-0000";
    static char objs[3][140000];
    size_t lens[3], o, i, zn;
    char member[256], *big;
    uint8_t zip[4096];
    struct member m[1];
    struct azk_decode_spare sp;
    azk_decode_options opts = AZK_DECODE_OPTIONS_INIT;
    (void)state;
    opts.max_line = 256 * 1024; /* the 72 KiB run in one line */
    o = (size_t)snprintf(member, sizeof(member), "memo\nid: ");
    b64_put(member, &o, "見本 花子 03-1111-2222", strlen("見本 花子 03-1111-2222"));
    member[o++] = '\n';
    m[0].name = "a.txt";
    m[0].data = member;
    m[0].len = o;
    zn = write_archive("zip", NULL, NULL, NULL, m, 1, zip, sizeof(zip));
    /* the log */
    o = 0;
    memcpy(objs[0] + o, "a: ", 3), o += 3;
    b64_put(objs[0], &o, name, strlen(name));
    memcpy(objs[0] + o, "\nzip ", 5), o += 5;
    b64_put(objs[0], &o, zip, zn);
    memcpy(objs[0] + o, "\nb: e8a9a6e9a893e5a4aae9838e\nc: ", 32), o += 32;
    big = malloc(72 * 1024);
    assert_non_null(big);
    for (i = 0; i + strlen(name) + 1 <= 72 * 1024; i += strlen(name) + 1) {
        memcpy(big + i, name, strlen(name));
        big[i + strlen(name)] = ' ';
    }
    b64_put(objs[0], &o, big, i);
    free(big);
    memcpy(objs[0] + o, "\nd: ", 4), o += 4;
    b64_put(objs[0], &o, name, strlen(name));
    objs[0][o++] = '\n';
    lens[0] = o;
    /* CSV rows with base64 cells */
    o = (size_t)snprintf(objs[1], sizeof(objs[1]), "id,v,w\n");
    for (i = 0; i < 20; i++) {
        o += (size_t)snprintf(objs[1] + o, sizeof(objs[1]) - o, "%zu,", i);
        b64_put(objs[1], &o, name, strlen(name) - i % 3);
        objs[1][o++] = ',';
        b64_put(objs[1], &o, name + 3 * (i % 4), strlen(name) - 3 * (i % 4));
        objs[1][o++] = '\n';
    }
    lens[1] = o;
    lens[2] = (size_t)snprintf(objs[2], sizeof(objs[2]), "job start\njob end id=42\n");
    memset(&sp, 0, sizeof(sp));
    for (int round = 0; round < 2; round++) {
        for (i = 0; i < 3; i++) {
            struct collect a, b;
            collect_init(&a);
            collect_init(&b);
            assert_int_equal(decode_mem(&a, objs[i], lens[i], &opts), AZK_OK);
            assert_int_equal(decode_spare(&b, objs[i], lens[i], &opts, &sp), AZK_OK);
            assert_string_equal(text_of(&a), text_of(&b));
            assert_string_equal(log_of(&a), log_of(&b));
            if (i == 0) {
                assert_non_null(strstr(text_of(&b), "a: 試験 太郎 090-0000-0000"));
                assert_non_null(strstr(text_of(&b), "見本 花子 03-1111-2222"));
                assert_non_null(strstr(text_of(&b), "b: 試験太郎"));
                assert_non_null(strstr(text_of(&b), "d: 試験 太郎 090-0000-0000"));
                assert_non_null(strstr(log_of(&b), "a.txt"));
            }
            if (i < 2) /* kept for the next record, and never past 64 KiB */
                assert_true(sp.reveal_bytes.data != NULL && sp.reveal_text.data != NULL);
            assert_true(sp.reveal_bytes.cap <= 64 * 1024 && sp.reveal_text.cap <= 64 * 1024);
            collect_dispose(&a);
            collect_dispose(&b);
        }
    }
    azk_decode__spare_dispose(&sp);
    assert_null(sp.reveal_bytes.data);
    assert_null(sp.reveal_text.data);
}

void test_decode__reveal_quoted_printable(void **state)
{
    struct collect c;
    static const char qp[] = "name: =E8=A9=A6=E9=A8=93 =E5=A4=AA=E9=83=\n=8E tel: 090-0000-0000\n";
    (void)state;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, qp, sizeof(qp) - 1, NULL), AZK_OK);
    assert_non_null(strstr(text_of(&c), "name: 試験 太郎 tel: 090-0000-0000"));
    collect_dispose(&c);
}

void test_decode__reveal_normalise(void **state)
{
    (void)state;
    /* a line of nothing but invisible characters reveals to nothing (fuzzer find) */
    expect_revealed("\xE2\x80\x8B\xE2\x80\x8B\nab\n", "ab@2\n");
    expect_revealed("試\xE2\x80\x8B験\xE2\x80\x8D太\xC2\xAD郎\xEF\xBB\xBF\n", "試験太郎@1\n");
    expect_revealed("\xEF\xBC\x90\xEF\xBC\x99\xEF\xBC\x90-0000-0000 \xEF\xBD\x94\xEF\xBD\x81\n",
                    "090-0000-0000 ta@1\n");
    expect_revealed("氏名: 試 験 太 郎 電話: 0 9 0 - 0 0 0 0\n",
                    "氏名: 試験太郎 電話: 090-0000@1\n");
    expect_revealed("<p><r>試</r><r>験</r><r>太</r><r>郎</r></p>\n", "試験太郎@1\n");
    expect_revealed("氏名 試\xE3\x80\x80験\xE3\x80\x80太\xE3\x80\x80郎\xE3\x80\x80様\n",
                    "氏名 試験太郎様@1\n");
    /* clean: ordinary spacing and markup stay */
    expect_revealed("This is a pen and a b c.\n", "This is a pen and a b c.@1\n");
    expect_revealed("<td>試験太郎</td><td>090</td>\n", "<td>試験太郎</td><td>090</td>@1\n");
}

void test_decode__reveal_more(void **state)
{
    static uint8_t buf[200000];
    char u16[1024];
    size_t n, u16n;
    (void)state;
    /* \u{...} (JavaScript), \x{...} (Perl), lower-case quoted-printable */
    expect_revealed("\\u{8a66}\\u{9a13} \\x{592a}\\x{90ce}\n", "試験 太郎@1\n");
    expect_revealed("=e8=a9=a6=e9=a8=93\n", "試験@1\n");
    /* decomposed kana (NFD) and diacritics on Japanese / ASCII characters */
    expect_revealed("\xE3\x82\xAB\xE3\x82\x99\xE3\x83\x8F\xE3\x82\x9A \xE3\x81\x8B\xE3\x82\x99\n",
                    "ガパ が@1\n");
    expect_revealed("試\xCC\x81験\xCC\x81 0\xCC\x81"
                    "9\xCC\x81"
                    "0\xCC\x81\n",
                    "試験 090@1\n");
    /* ISO-2022-JP in base64 (a MIME encoded word) */
    expect_revealed("=?ISO-2022-JP?B?GyRCO244MyEhQkBPOhsoQg==?=\n",
                    "=?ISO-2022-JP?B?試験　太郎?=@1\n");
    /* UTF-16LE appended to an image at an odd offset, carved */
    u16n = to_enc("UTF-16LE", ev_csv, u16, sizeof(u16));
    n = fake_image(buf, sizeof(buf), 70001);
    memcpy(buf + n, u16, u16n);
    expect_names(buf, n + u16n, NULL);
    /* UTF-16LE behind an odd number of junk bytes (read as BE by the NULs' parity) */
    memcpy(buf, "\x01\x02\x03", 3);
    memcpy(buf + 3, u16, u16n);
    expect_names(buf, 3 + u16n, NULL);
}

void test_decode__reveal_hex_dumps(void **state)
{
    /* "試験 太郎,090-0000-0000" as xxd, hexdump -C and a C array */
    static const char xxd[] =
        "00000000: e8a9 a6e9 a893 20e5 a4aa e983 8e2c 3039  ...... ......,09\n"
        "00000010: 302d 3030 3030 2d30 3030 300a            0-0000-0000.\n";
    static const char hd[] =
        "00000000  e8 a9 a6 e9 a8 93 20 e5  a4 aa e9 83 8e 2c 30 39  |...... ......,09|\n"
        "00000010  30 2d 30 30 30 30 2d 30  30 30 30 0a              |0-0000-0000.|\n";
    static const char carr[] =
        "unsigned char d[] = {\n"
        "  0xe8, 0xa9, 0xa6, 0xe9, 0xa8, 0x93, 0x20, 0xe5, 0xa4, 0xaa, 0xe9, 0x83,\n"
        "  0x8e, 0x2c, 0x30, 0x39, 0x30, 0x2d, 0x30, 0x30, 0x30, 0x30, 0x2d, 0x30,\n"
        "  0x30, 0x30, 0x30, 0x0a\n};\n";
    const char *const dumps[] = {xxd, hd, carr};
    size_t i;
    struct collect c;
    (void)state;
    for (i = 0; i < 3; i++) {
        collect_init(&c);
        assert_int_equal(decode_mem(&c, dumps[i], strlen(dumps[i]), NULL), AZK_OK);
        if (strstr(text_of(&c), "試験 太郎,090-0000-0000") == NULL)
            fail_msg("hex dump %zu not read: %s", i, text_of(&c));
        collect_dispose(&c);
    }
    {
        /* an xxd line whose ASCII column starts with a hex digit, a short last line
         * (e2e find) */
        static const char x2[] =
            "00000000: 3930 2d30 3030 302d 3030 3030 2ce8 a9a6  90-0000-0000,...\n"
            "00000010: e9a8 930a                                ....\n";
        collect_init(&c);
        assert_int_equal(decode_mem(&c, x2, strlen(x2), NULL), AZK_OK);
        assert_non_null(strstr(text_of(&c), "90-0000-0000,試験"));
        collect_dispose(&c);
    }
    /* numbers are not a hex dump, and stay */
    expect_revealed("03 1234 5678 2024 06 02\n", "03 1234 5678 2024 06 02@1\n");
}

/* The one Excel serial date conversion of xlsx and xls. */
void test_decode__excel_date(void **state)
{
    char s[32];
    (void)state;
    assert_int_equal(azk_decode__excel_date(1, false, s, sizeof(s)), 10);
    assert_string_equal(s, "1900-01-01");
    assert_int_equal(azk_decode__excel_date(59, false, s, sizeof(s)), 10);
    assert_string_equal(s, "1900-02-28");
    assert_int_equal(azk_decode__excel_date(60, false, s, sizeof(s)), 0); /* 1900-02-29 */
    assert_int_equal(azk_decode__excel_date(61, false, s, sizeof(s)), 10);
    assert_string_equal(s, "1900-03-01");
    assert_int_equal(azk_decode__excel_date(25569, false, s, sizeof(s)), 10);
    assert_string_equal(s, "1970-01-01");
    assert_int_equal(azk_decode__excel_date(45000.5, false, s, sizeof(s)), 16);
    assert_string_equal(s, "2023-03-15 12:00");
    assert_int_equal(azk_decode__excel_date(45000 - 1462, true, s, sizeof(s)), 10);
    assert_string_equal(s, "2023-03-15");
    assert_int_equal(azk_decode__excel_date(0.5, false, s, sizeof(s)), 0);
    assert_int_equal(azk_decode__excel_date(2958466, false, s, sizeof(s)), 0);
    assert_int_equal(azk_decode__excel_date(2958465, false, s, sizeof(s)), 10);
    assert_string_equal(s, "9999-12-31");
    assert_int_equal(azk_decode__excel_date(45000, false, s, 8), 0); /* no room */
}
