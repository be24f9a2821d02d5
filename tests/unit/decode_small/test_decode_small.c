/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/decode_small -- the decode stage's shortcuts for small files
 * (issue 16, per-file cost), each against the slow path it replaces:
 * the EUC-JP score bound that spares encoding detection an ICU reading of
 * CP932 text must be at least ICU's own score of every prefix (random,
 * CP932, EUC-JP, UTF-8, cut or whole), and must prune real CP932 text;
 * the tables' score of a clean prefix is ICU's score;
 * a descriptor the scanner has just opened is read to its announced size
 * and no further; the OOXML handlers' element dispatch and one-pass cell
 * attributes read every element they act on, with namespace prefixes;
 * detection's word-wise count of control bytes equals the byte-wise one;
 * detection's shortcuts (counts stopped once the answer is known, scores
 * and bounds by runs) answer as the counts without them;
 * CSV sniffing stopped at a first record without a delimiter answers as
 * the whole sniff; its vector skip of ordinary bytes and memchr over quoted
 * ones answer as the byte loop; CP932/EUC-JP text the tables converted to
 * its end is flushed without ICU, as ICU flushes it (also a lead byte that
 * ICU holds at a read's end); CP932 converted by detection as it scores it
 * is the tables' conversion and score, and the records are those of the
 * converter walking the bytes again.
 * All text is synthetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <unicode/ucnv.h>

#include "decode/decode.h"
#include "decode/decode_int.h"
#include "decode_collect.h"
#include "decode/text_int.h"

/* ICU's reading of p[0..n) as e scored as encoding detection scores it. */
static long icu_score(enum enc e, const uint8_t *p, size_t n, bool at_eof)
{
    UConverter *c = NULL;
    size_t errs = 0;
    UChar u[2048];
    UChar *t = u;
    const char *s = (const char *)p;
    UErrorCode uerr = U_ZERO_ERROR;
    long sc = 0;
    assert_true(n < sizeof(u) / sizeof(u[0]) - 16);
    assert_int_equal(azk_decode__text_open_cnv(&c, e, &errs), AZK_OK);
    ucnv_toUnicode(c, &t, u + sizeof(u) / sizeof(u[0]), &s, (const char *)p + n, NULL,
                   at_eof ? 1 : 0, &uerr);
    assert_false(U_FAILURE(uerr));
    for (UChar *q = u; q < t; q++)
        sc += azk_decode__char_score(*q);
    ucnv_close(c);
    return sc;
}

/*
 * The EUC-JP bound is an upper bound of ICU's score: prefixes made of
 * CP932, EUC-JP (pairs, half-width kana, JIS X 0212 triples), UTF-8,
 * ASCII and random bytes, cut anywhere, with and without flush. A bound
 * from the clean characters only (no floor for undecodable sequences)
 * fails here.
 */
static void test_decode_small__eucjp_bound_holds(void **state)
{
    static const char *const pieces[] = {
        "\x82\xa0\x82\xa2\x93\x8c\x8b\x9e", /* CP932 */
        "\xa4\xa2\xa4\xa4\xc5\xec\xb5\xfe", /* EUC-JP */
        "\x8e\xb1\x8e\xb2",                 /* EUC-JP half-width kana */
        "\x8f\xb0\xa1\x8f\xa2\xc3",         /* EUC-JP JIS X 0212 */
        "\xe3\x81\x82\xe6\x9d\xb1",         /* UTF-8 */
        "abc,def 03-1234-5678\n",           /* ASCII */
        "\x1b\x01\x7f",                     /* control bytes */
        "\xa4",                             /* a lead alone */
        "\x8f\xa2",                         /* a cut triple */
    };
    uint8_t buf[700];
    unsigned seed = 4242;
    size_t pruned = 0, scored[2] = {0, 0};
    (void)state;
    for (int t = 0; t < 4000; t++) {
        size_t n = 0, want;
        long b4;
        bool eof = (t & 1) != 0;
        seed = seed * 1103515245u + 12345u;
        want = 1 + (seed >> 16) % 600;
        while (n < want) {
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 16) % 5 == 0) {
                buf[n++] = (uint8_t)(seed >> 8);
            } else {
                const char *p = pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
                size_t l = strlen(p);
                if (n + l > sizeof(buf))
                    break;
                memcpy(buf + n, p, l);
                n += l;
            }
        }
        assert_true(azk_decode__legacy_score_bound(ENC_EUCJP, buf, n, eof, LONG_MIN, &b4));
        assert_true(b4 >= 4 * icu_score(ENC_EUCJP, buf, n, eof));
        pruned += b4 < 0;
        /* the tables' own score, where they read every character, is ICU's */
        for (int k = 0; k < 2; k++) {
            enum enc e = k == 0 ? ENC_CP932 : ENC_EUCJP;
            long sc;
            if (azk_decode__legacy_score(e, buf, n, eof, &sc)) {
                assert_int_equal(sc, icu_score(e, buf, n, eof));
                scored[k]++;
            }
        }
    }
    assert_true(pruned > 0);
    assert_true(scored[0] > 10 && scored[1] > 10);
    /* ordinary CP932 prose: the bound is below its own CP932 score (EUC-JP is not read) */
    {
        static const char cp932[] = "\x93\x8c\x8b\x9e\x93\x73\x8d\x60\x8b\xe6\x82\xcc"
                                    "\x82\xa8\x8b\x71\x82\xb3\x82\xdc\x82\xc9\x82\xa8"
                                    "\x91\x97\x82\xe8\x82\xb5\x82\xdc\x82\xb7\x81\x42\n";
        const uint8_t *p = (const uint8_t *)cp932;
        long b4, sc = icu_score(ENC_CP932, p, sizeof(cp932) - 1, true);
        assert_true(sc > 0);
        assert_true(
            azk_decode__legacy_score_bound(ENC_EUCJP, p, sizeof(cp932) - 1, true, LONG_MIN, &b4));
        assert_true(b4 <= 4 * sc);
    }
    /* no bound without the tables (the reference path reads every candidate) */
    {
        long b4;
        azk_decode__legacy_tables_off = true;
        assert_false(azk_decode__legacy_score_bound(ENC_EUCJP, buf, 10, true, LONG_MIN, &b4));
        azk_decode__legacy_tables_off = false;
    }
}

/* Records of an object as "text|text|..." */
static azk_status rec_cb(void *payload, const azk_record *rec)
{
    azk_buf *b = payload;
    for (size_t i = 0; i < rec->field_count; i++) {
        if (azk_buf_put(b, rec->fields[i].ptr, rec->fields[i].len) != AZK_OK ||
            azk_buf_putc(b, '|') != AZK_OK)
            return AZK_ERR_NOMEM;
    }
    return AZK_OK;
}

static azk_status decode_pipe(bool opened, const char *data, azk_buf *text)
{
    int p[2];
    size_t n = strlen(data);
    azk_source src;
    struct azk_fd_source fs;
    azk_decode_sink sink = {NULL, NULL, rec_cb, NULL, text};
    azk_status rc;
    assert_int_equal(pipe(p), 0);
    /* the writer stays open: a read at the end would wait; non-blocking, it fails */
    assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(write(p[1], data, n), (ssize_t)n);
    if (opened)
        azk_decode__source_fd_opened(&src, &fs, p[0], (int64_t)n);
    else
        azk_decode__source_fd(&src, &fs, p[0], (int64_t)n);
    src.seek = NULL; /* a pipe */
    rc = azk_decode__object(&src, NULL, &sink);
    close(p[0]);
    close(p[1]);
    return rc;
}

/*
 * The scanner's source over a file it has just opened: the announced size
 * read, the end is reported without another read() (the plain source
 * reads once more and fails here); the plain source is unchanged.
 */
static void test_decode_small__opened_source_stops_at_size(void **state)
{
    azk_buf t = AZK_BUF_INIT;
    (void)state;
    assert_int_equal(decode_pipe(true, "job start\njob end\n", &t), AZK_OK);
    assert_non_null(t.data);
    assert_non_null(strstr((const char *)t.data, "job end"));
    azk_buf_clear(&t);
    assert_int_equal(decode_pipe(false, "job start\njob end\n", &t), AZK_ERR_IO);
    azk_buf_dispose(&t);
}

/*
 * Encoding detection's count of NULs (by position mod 4) and control bytes,
 * eight bytes at a time where none is below 0x20 or 0x7F, against the
 * byte-by-byte count: buffers of every length to 70 at every alignment,
 * made of NUL, controls (counted and not), 0x7F, 0x20, 0x1F, high bytes
 * (a byte-wise borrow from one would hide its neighbour) and text.
 */
static void test_decode_small__count_ctrl_bytewise(void **state)
{
    static const uint8_t alphabet[] = {0x00, 0x01, 0x1F, 0x20, 0x7F, 0x80, 0xFF, 0x0A,
                                       0x09, 0x1B, 0x0E, 0x21, 0x41, 0xE3, 0x9F, 0x7E};
    uint8_t buf[80];
    unsigned seed = 99;
    (void)state;
    for (int t = 0; t < 20000; t++) {
        size_t n, off, nul4[4], ctrl, want4[4] = {0, 0, 0, 0}, wantc = 0;
        seed = seed * 1103515245u + 12345u;
        n = (seed >> 16) % 71;
        off = (seed >> 8) % 8;
        for (size_t i = 0; i < off + n; i++) {
            seed = seed * 1103515245u + 12345u;
            /* mostly text, now and then one of the interesting bytes */
            buf[i] = (seed >> 16) % 4 == 0 ? alphabet[(seed >> 20) % sizeof(alphabet)]
                                           : (uint8_t)(0x21 + (seed >> 20) % 0x5E);
        }
        for (size_t i = 0; i < n; i++) {
            uint8_t c = buf[off + i];
            if (c == 0)
                want4[i & 3]++;
            else if ((c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D && c != 0x0C && c != 0x0B &&
                      c != 0x1B && c != 0x0E && c != 0x0F) ||
                     c == 0x7F)
                wantc++;
        }
        azk_decode__text_count_ctrl(buf + off, n, nul4, &ctrl);
        assert_memory_equal(nul4, want4, sizeof(want4));
        assert_int_equal(ctrl, wantc);
    }
}

/* ---- encoding detection's shortcuts ----------------------------------------------------- */

/* Pieces of text in every encoding detection weighs, and bytes that break them. */
static const char *const det_pieces[] = {
    "\x82\xa0\x82\xa2\x93\x8c\x8b\x9e",                 /* CP932 kana, kanji */
    "\x83\x4a\x83\x5e\x83\x4a\x83\x69",                 /* CP932 katakana (ASCII trail bytes) */
    "\xb1\xb2\xb3",                                     /* CP932 half-width kana */
    "\x87\x40\xed\x40\xfa\x40",                         /* CP932 NEC / IBM rows */
    "\xa4\xa2\xa4\xa4\xc5\xec\xb5\xfe",                 /* EUC-JP */
    "\x8e\xb1\x8f\xb0\xa1",                             /* EUC-JP half-width kana, JIS X 0212 */
    "\xe3\x81\x82\xe6\x9d\xb1",                         /* UTF-8 */
    "\xc2\xa9\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf",         /* UTF-8 two and four bytes */
    "2024-03-07 16:01:14.805 INFO  [job=DM2412-3772] ", /* a log line's ASCII */
    "abc,def 03-1234-5678\n",
    "\x1b$B$\"\x1b(B", /* ISO-2022-JP */
    "\x1a\x1c\x7f\t\r\n",
    "\x01",
    "\x30\x42\x6c\x34", /* UTF-16BE of Japanese (no NUL) */
    "\x42\x30\x34\x6c", /* and LE */
    "\xff",
    "\x82",
    "\xa4",
    "\x8f\xa2",
    "\xc3",
    "\xe3\x81",
    "\xfd\xfe",
};

/* A random mix of det_pieces (and random bytes) of about `want` bytes into buf. */
static size_t det_mix(uint8_t *buf, size_t cap, size_t want, unsigned *seed, unsigned only)
{
    size_t n = 0, np = sizeof(det_pieces) / sizeof(det_pieces[0]);
    /* UTF-16 (pieces 13, 14) alone, with a little noise: near its 95% */
    bool u16 = only == 13 || only == 14;
    unsigned other = u16 ? only : (only + 8) % (unsigned)np, noise = u16 ? 61 : 23;
    while (n < want) {
        const char *p;
        size_t l;
        *seed = *seed * 1103515245u + 12345u;
        if ((*seed >> 16) % noise == 0) {
            if (n + 1 > cap)
                break;
            buf[n++] = (uint8_t)(*seed >> 8);
            continue;
        }
        /* mostly one or two pieces (a text of one encoding), now and then any */
        p = det_pieces[(*seed >> 16) % (u16 ? 61 : 7) != 0 ? ((*seed >> 20) & 1 ? other : only)
                                                           : (*seed >> 20) % np];
        l = strlen(p);
        if (n + l > cap)
            break;
        memcpy(buf + n, p, l);
        n += l;
    }
    return n;
}

struct det_answers {
    struct detect_result r;
    enum enc legacy, u16;
    bool binary, scored[2];
    size_t errs;
    long score[2], bound;
    azk_status rc;
};

static void det_answer(const uint8_t *p, size_t n, bool eof, struct det_answers *a)
{
    memset(a, 0, sizeof(*a));
    a->rc = azk_decode__text_detect(p, n, eof, &a->r);
    if (n > 0)
        assert_int_equal(azk_decode__text_guess_legacy(p, n, eof, &a->legacy, &a->binary, &a->errs),
                         AZK_OK);
    a->u16 = azk_decode__text_utf16_by_high_bytes(p, n);
    for (int k = 0; k < 2; k++)
        a->scored[k] =
            azk_decode__legacy_score(k == 0 ? ENC_CP932 : ENC_EUCJP, p, n, eof, &a->score[k]);
    assert_true(azk_decode__legacy_score_bound(ENC_EUCJP, p, n, eof, LONG_MIN, &a->bound));
}

/*
 * Encoding detection with its shortcuts and without
 * (azk_decode__detect_shortcuts_off): the UTF-8 plausibility count's
 * bytes no sequence starts with, the UTF-16 high-byte count stopped once
 * neither byte order can reach 95%, the tables' score by runs (printable
 * ASCII words and bytes, two-byte characters by their scores alone) and
 * the EUC-JP bound by words and stopped at its limit, must give what the
 * byte-by-byte counts give: the detection, the legacy guess, the UTF-16
 * verdict, the scores, the bound (the same with no limit; with a limit,
 * at most the limit exactly when the full one is, and never below it).
 * Mixes of CP932, EUC-JP, UTF-8, UTF-16 without NULs, ISO-2022-JP, log
 * ASCII, control and broken bytes, 0..1500 bytes, cut or whole.
 */
static void test_decode_small__detect_shortcuts_as_counting(void **state)
{
    static uint8_t buf[1600];
    unsigned seed = 1616, legacy_seen = 0, u16_seen = 0, scored_seen = 0;
    (void)state;
    for (int t = 0; t < 6000; t++) {
        struct det_answers on, off;
        bool eof = (t & 1) != 0;
        size_t n;
        seed = seed * 1103515245u + 12345u;
        n = det_mix(buf, sizeof(buf), (seed >> 16) % 1500, &seed, (unsigned)t % 17);
        det_answer(buf, n, eof, &on);
        azk_decode__detect_shortcuts_off = true;
        det_answer(buf, n, eof, &off);
        azk_decode__detect_shortcuts_off = false;
        if (memcmp(&on.r, &off.r, sizeof(on.r)) != 0 || on.legacy != off.legacy ||
            on.binary != off.binary || on.errs != off.errs || on.u16 != off.u16 ||
            on.scored[0] != off.scored[0] || on.scored[1] != off.scored[1] ||
            (on.scored[0] && on.score[0] != off.score[0]) ||
            (on.scored[1] && on.score[1] != off.score[1]) || on.bound != off.bound)
            fail_msg("round %d (%zu bytes, eof %d): enc %d/%d legacy %d/%d errs %zu/%zu u16 %d/%d "
                     "score %ld/%ld %ld/%ld bound %ld/%ld",
                     t, n, eof, on.r.enc, off.r.enc, on.legacy, off.legacy, on.errs, off.errs,
                     on.u16, off.u16, on.score[0], off.score[0], on.score[1], off.score[1],
                     on.bound, off.bound);
        assert_int_equal(on.rc, off.rc);
        legacy_seen += on.r.enc == ENC_CP932 || on.r.enc == ENC_EUCJP;
        u16_seen += on.u16 != ENC_UTF8;
        scored_seen += on.scored[0] && on.scored[1];
        /* the bound stopped at a limit: at most the limit exactly when the full one is */
        for (int k = 0; k < 4; k++) {
            long lim, b;
            seed = seed * 1103515245u + 12345u;
            lim = off.bound + (long)((seed >> 16) % 2001) - 1000;
            assert_true(azk_decode__legacy_score_bound(ENC_EUCJP, buf, n, eof, lim, &b));
            assert_true(b >= off.bound);
            assert_int_equal(b <= lim, off.bound <= lim);
        }
    }
    /* each answer was met: legacy texts, UTF-16 verdicts, texts both tables read */
    assert_true(legacy_seen > 100);
    assert_true(u16_seen > 10);
    assert_true(scored_seen > 100);
}

/* ---- OOXML -------------------------------------------------------------------------------- */

struct part {
    const char *name;
    const char *xml;
};

static size_t zip_of(const struct part *m, size_t count, uint8_t *out, size_t cap)
{
    struct archive *a = archive_write_new();
    size_t used = 0;
    assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
    assert_int_equal(archive_write_open_memory(a, out, cap, &used), ARCHIVE_OK);
    for (size_t i = 0; i < count; i++) {
        struct archive_entry *e = archive_entry_new();
        size_t len = strlen(m[i].xml);
        archive_entry_set_pathname(e, m[i].name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)len);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, m[i].xml, len), (la_ssize_t)len);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    return used;
}

/* Records as "[sheet]col=text|...\n" (tabular) or "text\n". */
static azk_status row_cb(void *payload, const azk_record *rec)
{
    azk_buf *b = payload;
    azk_status rc = AZK_OK;
    if (rec->tabular && rec->sheet != NULL)
        rc = azk_buf_printf(b, "[%s]", rec->sheet);
    for (size_t i = 0; rc == AZK_OK && i < rec->field_count; i++) {
        if (rec->tabular)
            rc = azk_buf_printf(b, "%s%u=", i > 0 ? "|" : "", (unsigned)rec->fields[i].col);
        if (rc == AZK_OK)
            rc = azk_buf_put(b, rec->fields[i].ptr, rec->fields[i].len);
    }
    return rc == AZK_OK ? azk_buf_putc(b, '\n') : rc;
}

static void decode_zip(const struct part *m, size_t count, const char *want)
{
    static uint8_t zip[16384];
    size_t n = zip_of(m, count, zip, sizeof(zip));
    azk_buf t = AZK_BUF_INIT;
    azk_source src;
    struct azk_mem_source ms;
    azk_decode_sink sink = {NULL, NULL, row_cb, NULL, &t};
    azk_decode__source_mem(&src, &ms, zip, n);
    assert_int_equal(azk_decode__object(&src, NULL, &sink), AZK_OK);
    assert_int_equal(azk_buf_putc(&t, '\0'), AZK_OK);
    assert_string_equal((const char *)t.data, want);
    azk_buf_dispose(&t);
}

/*
 * Every element and attribute the handlers act on, with namespace
 * prefixes: content types (Override), workbook (workbookPr date1904,
 * sheet), its relationships, styles (numFmt, cellXfs, xf), shared strings
 * (si, t, rPh left out; entries of several lengths, the last one too),
 * rows and cells (r/s/t in any order; the first attribute of a local
 * name counts, whatever its namespace: C1 is a number), inline strings), and a
 * document (t, delText, tab, br, cr, p). A wrong name in the dispatch
 * loses or adds text here.
 */
static void test_decode_small__ooxml_elements(void **state)
{
    static const struct part xlsx[] = {
        {"[Content_Types].xml", "<Types><Override PartName=\"/xl/workbook.xml\"/>"
                                "<Override PartName=\"/xl/sharedStrings.xml\"/>"
                                "<Override PartName=\"/xl/styles.xml\"/></Types>"},
        {"xl/workbook.xml", "<x:workbook xmlns:x=\"u\" xmlns:r=\"v\"><x:workbookPr date1904=\"1\"/>"
                            "<x:sheets><x:sheet name=\"名簿\" r:id=\"rId1\"/></x:sheets>"
                            "</x:workbook>"},
        {"xl/_rels/workbook.xml.rels",
         "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/>"
         "</Relationships>"},
        {"xl/worksheets/sheet1.xml",
         "<x:worksheet xmlns:x=\"u\" xmlns:q=\"w\"><x:sheetData>"
         "<x:row r=\"1\"><x:c t=\"s\" r=\"B1\"><x:v>2</x:v></x:c>"
         "<x:c r=\"C1\" q:t=\"n\" t=\"s\"><x:v>0</x:v></x:c></x:row>"
         "<x:row r=\"3\"><x:c s=\"1\" r=\"A3\"><x:v>1</x:v></x:c>"
         "<x:c r=\"B3\" t=\"inlineStr\"><x:is><x:t>見本</x:t><x:rPh><x:t>ミホン</x:t>"
         "</x:rPh></x:is></x:c><x:c r=\"D3\" t=\"s\"><x:v>1</x:v></x:c></x:row>"
         "</x:sheetData></x:worksheet>"},
        {"xl/sharedStrings.xml",
         "<x:sst xmlns:x=\"u\"><x:si><x:t>氏名</x:t></x:si><x:si><x:t>試験</x:t>"
         "<x:rPh><x:t>シケン</x:t></x:rPh><x:r><x:t> 太郎</x:t></x:r></x:si>"
         "<x:si><x:t>電話</x:t></x:si></x:sst>"},
        {"xl/styles.xml", "<x:styleSheet xmlns:x=\"u\"><x:cellXfs><x:xf numFmtId=\"0\"/>"
                          "<x:xf numFmtId=\"14\"/></x:cellXfs></x:styleSheet>"},
    };
    static const struct part docx[] = {
        {"[Content_Types].xml", "<Types><Override PartName=\"/word/document.xml\"/></Types>"},
        {"word/document.xml",
         "<w:document xmlns:w=\"u\"><w:body><w:p><w:r><w:t>一行目</w:t><w:tab/>"
         "<w:delText>削除</w:delText><w:br/><w:t>二</w:t><w:cr/><w:t>三</w:t></w:r></w:p>"
         "<w:p><w:r><w:t>次</w:t></w:r></w:p></w:body></w:document>"},
    };
    (void)state;
    decode_zip(xlsx, sizeof(xlsx) / sizeof(xlsx[0]),
               "[名簿]1=電話|2=0\n[名簿]0=1904-01-02|1=見本|3=試験 太郎\n");
    decode_zip(docx, sizeof(docx) / sizeof(docx[0]), "一行目\t削除\n二\n三\n次\n");
}

/*
 * CSV sniffing stops at a first record without a delimiter (the answer is
 * then "not CSV" whatever follows). Blank lines before it, a quoted line
 * break in it, a tab as the delimiter, ragged later rows and a last row
 * without its line end must still be read as before; stopping at the
 * first record without a comma only, or at any record without one, fails
 * here.
 */
static void test_decode_small__sniff_first_record(void **state)
{
    static const struct {
        const char *in;
        bool at_eof;
        int want;
    } cases[] = {
        {"2026-12-06 INFO start\na,b\nc,d\ne,f\n", true, 0},
        {"no delimiter here\n", true, 0},
        {"\"a,b\"\nc,d\ne,f\n", true, 0},
        {"\n\r\n\na,b\nc,d\ne,f\n", true, ','},
        {"\"x\ny\",z\nc,d\ne,f\n", true, ','},
        {"a\tb\nc\td\ne\tf\n", true, '\t'},
        {"a\tb,c\nd\te\nf\tg\n", true, '\t'},
        {"a,b\nc,d\ne,f\ng,h\ni,j\nk,l\nm,n\no,p\nq,r\ns,t\n", true, ','},
        {"a,b\nc,d\ne,f\ng,h\ni,j\nk,l\nm,n\no,p\nq,r\nragged\n", true, ','},
        {"a,b\nc,d\ne,f", true, ','},
        {"a,b\nc,d\ne,f", false, ','},
        {"a,b\r\nc,d\r\n", true, ','},
        {"a,b\rc,d\r", true, ','},
        {"ab\rc,d\re,f\r", true, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = azk_decode__csv_sniff((const uint8_t *)cases[i].in, strlen(cases[i].in),
                                        cases[i].at_eof);
        if (got != cases[i].want)
            fail_msg("case %zu: sniff %d, want %d", i, got, cases[i].want);
    }
}

/* The sniffer as it was before it skipped ordinary bytes sixteen at a time and
 * quoted bytes with memchr, and before it compared only the first record's
 * count (session 8): one byte at a time and every count's frequency, the model. */
#define REF_RECORDS 20
static const bool ref_special[256] = {
    ['"'] = true, ['\n'] = true, ['\r'] = true, ['\t'] = true, [','] = true};

static int ref_sniff(const uint8_t *p, size_t n, bool at_eof)
{
    static const int delims[2] = {'\t', ','};
    size_t counts[2][REF_RECORDS];
    size_t rec = 0, i, d;
    bool quoted = false, field_start = true, blank = true;
    size_t cur[2] = {0, 0};

    for (i = 0; i < n && rec < REF_RECORDS; i++) {
        uint8_t c = p[i];
        if (!quoted && !ref_special[c]) {
            /* a run of ordinary bytes: only ends a field start / blank line */
            while (i + 1 < n && !ref_special[p[i + 1]])
                i++;
            field_start = false;
            blank = false;
            continue;
        }
        if (quoted) {
            if (c == '"') {
                if (i + 1 < n && p[i + 1] == '"')
                    i++;
                else
                    quoted = false;
            }
            continue;
        }
        if (c == '"' && field_start) {
            quoted = true;
            field_start = false;
            blank = false;
            continue;
        }
        if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < n && p[i + 1] == '\n')
                i++;
            if (field_start && cur[0] == 0 && cur[1] == 0 && (i == 0 || blank)) {
                blank = true; /* blank line: not a record */
                continue;
            }
            if (rec == 0 && cur[0] == 0 && cur[1] == 0)
                return 0; /* the first record decides (counts[d][0] == best >= 1): none */
            blank = true;
            counts[0][rec] = cur[0];
            counts[1][rec] = cur[1];
            rec++;
            cur[0] = cur[1] = 0;
            field_start = true;
            continue;
        }
        field_start = false;
        blank = false;
        for (d = 0; d < 2; d++) {
            if (c == delims[d]) {
                cur[d]++;
                field_start = true;
            }
        }
    }
    if (at_eof && i >= n && rec < REF_RECORDS && !quoted && (cur[0] > 0 || cur[1] > 0)) {
        counts[0][rec] = cur[0];
        counts[1][rec] = cur[1];
        rec++;
    }
    if (rec < 2)
        return 0;
    for (d = 0; d < 2; d++) {
        /* nearly every record has the delimiter and the first record's count
         * is the most frequent one (ragged rows are fine) */
        size_t best = 0, best_freq = 0, with = 0, j, k;
        for (j = 0; j < rec; j++) {
            if (counts[d][j] > 0)
                with++;
            size_t f = 0;
            if (counts[d][j] == 0)
                continue;
            for (k = 0; k < rec; k++)
                f += counts[d][k] == counts[d][j];
            if (f > best_freq) {
                best_freq = f;
                best = counts[d][j];
            }
        }
        if (best >= 1 && best_freq >= 2 && best_freq * 2 >= rec && with * 10 >= rec * 9 &&
            counts[d][0] == best)
            return delims[d];
    }
    return 0;
}

/*
 * CSV sniffing skips ordinary bytes sixteen at a time and quoted bytes with
 * memchr, and decides from the first record's count alone: the same answer
 * as the byte loop on 40,000 random buffers (runs
 * shorter and longer than 16 bytes, quotes, doubled quotes, CR/LF, tabs,
 * commas, multibyte text, blank lines), with the vector path and without.
 * Mutations caught: a missed tab in the vector compare, memchr's index off by
 * one, "at least half" made "more than half", "f0 >= 2" made "f0 >= 1".
 */
static void test_decode_small__sniff_skip_as_bytes(void **state)
{
    static const char *const pieces[] = {
        "a",  "bc",   "\xe6\x97\xa5\xe6\x9c\xac", " ",      ",", "\t", "\n", "\r", "\r\n",
        "\"", "\"\"", "0123456789abcdefghij",     "x,y,z\n"};
    uint8_t buf[600];
    unsigned seed = 12345;
    (void)state;
    for (int round = 0; round < 40000; round++) {
        size_t n = 0;
        size_t want_len;
        seed = seed * 1103515245u + 12345u;
        want_len = (seed >> 8) % 500;
        while (n < want_len) {
            const char *pc;
            size_t l;
            seed = seed * 1103515245u + 12345u;
            /* ordinary pieces most of the time: runs of every length */
            pc = pieces[((seed >> 9) % 4 == 0) ? (seed >> 12) % 13 : (seed >> 12) % 4];
            if ((seed >> 20) % 3 == 0 && round % 2 == 0)
                pc = pieces[11];
            l = strlen(pc);
            if (n + l > sizeof(buf))
                break;
            memcpy(buf + n, pc, l);
            n += l;
        }
        for (int eof = 0; eof < 2; eof++) {
            int want = ref_sniff(buf, n, eof != 0);
            int got = azk_decode__csv_sniff(buf, n, eof != 0);
            azk_decode__simd_off = true;
            int scalar = azk_decode__csv_sniff(buf, n, eof != 0);
            azk_decode__simd_off = false;
            if (got != want || scalar != want)
                fail_msg("round %d (%zu bytes, eof %d): sniff %d / %d, byte loop %d", round, n, eof,
                         got, scalar, want);
        }
    }
}

/* The records of data as enc (NULL: detected), tables on and off (ICU alone): the same. */
static void legacy_same_as_icu(const uint8_t *data, size_t len, const char *enc)
{
    struct collect a, b;
    decode_to(&a, data, len, enc);
    azk_decode__legacy_tables_off = true;
    decode_to(&b, data, len, enc);
    azk_decode__legacy_tables_off = false;
    if (strcmp((const char *)a.text.data, (const char *)b.text.data) != 0)
        print_error("%s, %zu bytes\ntables: %.300s\nICU: %.300s\n", enc != NULL ? enc : "detected",
                    len, (const char *)a.text.data, (const char *)b.text.data);
    assert_int_equal(a.records, b.records);
    assert_string_equal((const char *)a.text.data, (const char *)b.text.data);
    azk_buf_dispose(&a.text);
    azk_buf_dispose(&b.text);
}

/*
 * The end of CP932 and EUC-JP text: the tables convert to the end and the
 * text ends without ICU (never opened) as ICU ends it. Every length 0..48 of
 * texts of clean characters, ASCII, refused bytes and lead bytes (so the
 * end falls after a whole character, inside one, on a refused byte), whole
 * and with each ending; and texts whose first read ends on a lead byte that
 * ICU then holds when the next read finds the end (AZK_DECODE_CHUNK +- 2):
 * its U+FFFD comes from ICU's flush.
 */
static void test_decode_small__legacy_end_without_icu(void **state)
{
    static const char *const sjis[] = {
        "\x82\xa0", "\x93\x8c\x8b\x9e", "ab,", "\xb1", "\n", "\x87\x40", "\x82",
        "\xff",     "\x85\x40",         "\x81"};
    static const char *const euc[] = {
        "\xa4\xa2", "\xc5\xec\xb5\xfe", "ab,", "\x8e\xb1", "\n", "\x8f\xa2\xc3", "\xa4",
        "\xff",     "\x8f\xa2",         "\x8e"};
    static const char *const ends[] = {"", "\x82", "\xa4", "\x8f", "\x8f\xa2", "\xff", "\x82\xa0"};
    size_t cap = AZK_DECODE_CHUNK + 64;
    uint8_t *buf = malloc(cap);
    unsigned seed = 77;
    (void)state;
    assert_non_null(buf);
    for (int t = 0; t < 2; t++) {
        const char *const *pc = t == 0 ? sjis : euc;
        const char *enc = t == 0 ? "cp932" : "euc-jp";
        for (size_t len = 0; len <= 48; len++) {
            for (int v = 0; v < 6; v++) {
                size_t n = 0;
                while (n < len) {
                    /* clean pieces mostly; v == 0: clean only */
                    seed = seed * 1103515245u + 12345u;
                    const char *p = pc[(seed >> 16) % (v == 0 ? 5 : 10)];
                    size_t l = strlen(p);
                    if (l > len - n)
                        l = len - n;
                    memcpy(buf + n, p, l);
                    n += l;
                }
                for (size_t e = 0; e < sizeof(ends) / sizeof(ends[0]); e++) {
                    size_t m = n + strlen(ends[e]);
                    memcpy(buf + n, ends[e], strlen(ends[e]));
                    legacy_same_as_icu(buf, m, enc);
                    if (v == 0)
                        legacy_same_as_icu(buf, m, NULL);
                }
            }
        }
        /* a first read of AZK_DECODE_CHUNK bytes ending on a lead byte, then the end */
        for (size_t k = AZK_DECODE_CHUNK - 2; k <= AZK_DECODE_CHUNK + 2; k++) {
            for (size_t e = 0; e < sizeof(ends) / sizeof(ends[0]); e++) {
                size_t n = 0, el = strlen(ends[e]);
                while (n < k) {
                    const char *p = pc[n % 3 == 0 ? 0 : 1];
                    size_t l = strlen(p);
                    if (l > k - n)
                        l = k - n;
                    memcpy(buf + n, p, l);
                    n += l;
                }
                if (n >= el) {
                    memcpy(buf + n - el, ends[e], el); /* the end at the chunk's end */
                    legacy_same_as_icu(buf, n, enc);
                }
            }
        }
    }
    free(buf);
}

/* Pieces of CP932 text: kana, kanji, NEC row 13, half-width kana, ASCII, control bytes
 * (CP932's swapped 0x1A/0x1C/0x7F too), EUC-JP, refused bytes, lone lead bytes. */
static const char *const cp932_mix[] = {
    "\x82\xa0\x82\xa2",
    "\x93\x8c\x8b\x9e\x93\x73",
    "\x83\x4a\x83\x5e",
    "ID=12345 ok ",
    "\n",
    "2024-03-07 20:36:10.782 INFO  [job=DM2405-5178] ",
    "\x87\x40\x87\x8a",
    "\xb1\xb2\xb3",
    "abc,def\r\n",
    "\t",
    "\x01",
    "\x1a",
    "\x1c",
    "\x7f",
    "\x81\x40",
    "\xed\x40\xfa\x40",
    "\xa4\xa2\xa4\xa4",
    "\xff",
    "\x80",
    "\xa0",
    "\x82",
    "\x85\x40",
    "0120-123-456",
};

/* A mix of cp932_mix's pieces, bad_every: one in that many from the last nine. */
static size_t cp932_text(uint8_t *buf, size_t want, unsigned *seed, unsigned bad_every)
{
    size_t n = 0, np = sizeof(cp932_mix) / sizeof(cp932_mix[0]);
    while (n < want) {
        const char *p;
        size_t l;
        *seed = *seed * 1103515245u + 12345u;
        p = (*seed >> 16) % bad_every == 0 ? cp932_mix[np - 1 - (*seed >> 8) % 9]
                                           : cp932_mix[(*seed >> 8) % (np - 9)];
        l = strlen(p);
        memcpy(buf + n, p, l);
        n += l;
    }
    return n;
}

/*
 * Detection converting CP932 as it scores it: azk_decode__legacy_score_conv
 * gives azk_decode__legacy_score's score and azk_decode__legacy_prefix's
 * output, use and cleanness (both encodings' tables, cut anywhere, with and
 * without the end, with detection's shortcuts and without); and the records
 * of text detected as CP932 (and of text that is not) are the same when the
 * converter takes detection's conversion and when it converts again: 0..3000
 * bytes, with a UTF-8 BOM, and past the 64 KiB detection sees.
 */
static void test_decode_small__detect_converts_cp932(void **state)
{
    size_t cap = AZK_DECODE_PEEK + 4096;
    uint8_t *buf = malloc(cap), *o1 = malloc(3 * cap + 4), *o2 = malloc(3 * cap + 4);
    unsigned seed = 4711;
    (void)state;
    assert_non_null(buf);
    assert_non_null(o1);
    assert_non_null(o2);
    for (int t = 0; t < 4000; t++) {
        size_t n = cp932_text(buf, (size_t)(seed >> 9) % 1500, &seed, t % 3 == 0 ? 4 : 60);
        enum enc e = t % 4 == 3 ? ENC_EUCJP : ENC_CP932;
        bool eof = t % 2 == 0;
        size_t cut = n > 0 ? (size_t)(seed >> 7) % (n + 1) : 0;
        long s1 = 1, s2 = 2;
        size_t l1, u1, l2, u2;
        bool c1, c2;
        azk_decode__detect_shortcuts_off = t % 5 == 4;
        c1 = azk_decode__legacy_score_conv(e, buf, cut, eof, &s1, o1, &l1, &u1);
        c2 = azk_decode__legacy_score(e, buf, cut, eof, &s2);
        azk_decode__detect_shortcuts_off = false;
        assert_int_equal(c1, c2);
        if (c1)
            assert_int_equal(s1, s2);
        l2 = azk_decode__legacy_prefix(e, buf, cut, eof, o2, &u2, &c2);
        assert_int_equal(c1, c2);
        assert_int_equal(u1, u2);
        assert_int_equal(l1, l2);
        assert_memory_equal(o1, o2, l1);
    }
    for (int t = 0; t < 1200; t++) {
        size_t n, off = t % 7 == 0 ? 3 : 0;
        struct collect a, b;
        if (off > 0)
            memcpy(buf, "\xEF\xBB\xBF", 3);
        if (t % 100 == 99) /* past the peek: detection sees its first 64 KiB */
            n = off + cp932_text(buf + off, AZK_DECODE_PEEK - 40 + (size_t)t % 80, &seed, 400);
        else
            n = off + cp932_text(buf + off, (size_t)(seed >> 9) % 3000, &seed,
                                 t % 3 == 0   ? 5
                                 : t % 3 == 1 ? 200
                                              : 100000);
        if (t % 5 == 0 && n > 0)
            n -= (size_t)(seed >> 10) % (n < 3 ? n : 3); /* cut inside a character, maybe */
        decode_to(&a, buf, n, NULL);
        azk_decode__detect_conv_off = true;
        decode_to(&b, buf, n, NULL);
        azk_decode__detect_conv_off = false;
        if (strcmp((const char *)a.text.data, (const char *)b.text.data) != 0)
            print_error("%zu bytes\ndetection's: %.300s\nconverter's: %.300s\n", n,
                        (const char *)a.text.data, (const char *)b.text.data);
        assert_int_equal(a.records, b.records);
        assert_string_equal((const char *)a.text.data, (const char *)b.text.data);
        azk_buf_dispose(&a.text);
        azk_buf_dispose(&b.text);
    }
    free(buf);
    free(o1);
    free(o2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_small__eucjp_bound_holds),
        cmocka_unit_test(test_decode_small__opened_source_stops_at_size),
        cmocka_unit_test(test_decode_small__ooxml_elements),
        cmocka_unit_test(test_decode_small__count_ctrl_bytewise),
        cmocka_unit_test(test_decode_small__detect_shortcuts_as_counting),
        cmocka_unit_test(test_decode_small__sniff_first_record),
        cmocka_unit_test(test_decode_small__sniff_skip_as_bytes),
        cmocka_unit_test(test_decode_small__legacy_end_without_icu),
        cmocka_unit_test(test_decode_small__detect_converts_cp932),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
