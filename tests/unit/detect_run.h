/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/detect_run.h -- what the detect unit tests (tests/unit/detect,
 * detect_lits, detect_digits) share to run the detector: a finding
 * collector (struct got: the first MAXF findings; a file may define MAXF
 * before including this), detect_run_text(), the findings of one line of
 * free text on an engine, detect_run_field(), the same for a table cell
 * under a header, detect_run_row() for a row of cells, and detect_same_got().
 */
#ifndef AZK_TEST_DETECT_RUN_H
#define AZK_TEST_DETECT_RUN_H

#include <string.h>

#include "detect/detect.h"

#ifndef MAXF
#define MAXF 16
#endif

struct got {
    size_t n;
    azk_finding f[MAXF];
};

static inline azk_status collect(const azk_finding *f, void *payload)
{
    struct got *g = payload;
    if (g->n < MAXF)
        g->f[g->n++] = *f;
    return AZK_OK;
}

/*
 * The findings of one field (len bytes: not NUL-terminated in the scan):
 * free text when hdr is NULL, else the one cell of a table row under the
 * column header hdr.
 */
static inline struct got detect_run_field(azk_detect_engine *eng, const char *hdr, const char *text,
                                          size_t len)
{
    struct got g;
    azk_detect_ctx *ctx = NULL;
    azk_field fd;
    azk_record rec;
    memset(&g, 0, sizeof(g));
    memset(&fd, 0, sizeof(fd));
    memset(&rec, 0, sizeof(rec));
    fd.ptr = text;
    fd.len = len;
    rec.line = 1;
    if (hdr) {
        fd.header = hdr;
        fd.header_len = strlen(hdr);
        rec.line = 2;
        rec.tabular = true;
    }
    rec.fields = &fd;
    rec.field_count = 1;
    assert_int_equal(azk_detect__ctx_new(&ctx, eng), AZK_OK);
    azk_detect__object_begin(ctx, hdr ? "t.csv" : "text");
    assert_int_equal(azk_detect__record(ctx, &rec, collect, &g, NULL), AZK_OK);
    azk_detect__ctx_free(ctx);
    return g;
}

/* The findings of one line of free text. */
static inline struct got detect_run_text(azk_detect_engine *eng, const char *text, size_t len)
{
    return detect_run_field(eng, NULL, text, len);
}

/* Two runs gave the same findings (type, field, place, confidence, mask). */
static inline void detect_same_got(const struct got *a, const struct got *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_int_equal(a->f[i].type, b->f[i].type);
        assert_int_equal(a->f[i].field, b->f[i].field);
        assert_int_equal(a->f[i].start, b->f[i].start);
        assert_int_equal(a->f[i].len, b->f[i].len);
        assert_true(a->f[i].confidence == b->f[i].confidence);
        assert_string_equal(a->f[i].masked, b->f[i].masked);
    }
}

/*
 * The findings of a row of nf (<= 4) fields without header (nf == 1: a line
 * of free text); a row of plain cells goes first, so that it is no header.
 */
static inline struct got detect_run_row(azk_detect_engine *eng, char **cells, const size_t *lens,
                                        size_t nf)
{
    struct got g;
    azk_detect_ctx *ctx = NULL;
    azk_field fd[4];
    azk_record rec;
    assert_true(nf >= 1 && nf <= 4);
    memset(&g, 0, sizeof(g));
    memset(fd, 0, sizeof(fd));
    memset(&rec, 0, sizeof(rec));
    rec.line = 1;
    rec.tabular = nf > 1;
    rec.fields = fd;
    rec.field_count = nf;
    assert_int_equal(azk_detect__ctx_new(&ctx, eng), AZK_OK);
    azk_detect__object_begin(ctx, nf > 1 ? "t.csv" : "text");
    if (nf > 1) {
        for (size_t i = 0; i < nf; i++) {
            fd[i].ptr = "x";
            fd[i].len = 1;
            fd[i].col = (uint32_t)i;
        }
        assert_int_equal(azk_detect__record(ctx, &rec, collect, &g, NULL), AZK_OK);
        rec.line = 2;
    }
    for (size_t i = 0; i < nf; i++) {
        fd[i].ptr = cells[i];
        fd[i].len = lens[i];
        fd[i].col = (uint32_t)i;
    }
    assert_int_equal(azk_detect__record(ctx, &rec, collect, &g, NULL), AZK_OK);
    azk_detect__ctx_free(ctx);
    return g;
}

#endif
