/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link/input.c -- read a person file for linkage: the decode stage turns
 * the bytes (CSV/TSV/xlsx, any encoding it knows) into UTF-8 rows, the
 * header row is mapped to column kinds by azk_column_classify() (or by the
 * caller's map for headers such as FEBRL's soc_sec_id), and each data row
 * becomes one record. No CSV parsing or normalisation happens here.
 *
 * A file without a header row, or whose header names no person column, is
 * refused at its first row (a 10-million-row file without a header costs
 * one row). On any error the records already added from the file are
 * taken back, so a file counts entirely or not at all.
 */
#include "link/link_int.h"
#include "decode/decode.h"
#include "detect/detect.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_COLS 1024

struct reader {
    azk_link *lk;
    uint32_t file;
    const azk_link_file_options *opts;
    azk_link_file_result *res;
    unsigned depth;
    bool have_header;
    uint8_t kinds[MAX_COLS];
    azk_link_value *vals;
    size_t vals_cap;
};

static azk_column_kind kind_of(const struct reader *rd, const char *h, size_t n)
{
    size_t start = 0;
    while (start < n && (h[start] == ' ' || h[start] == '\t'))
        start++;
    while (n > start && (h[n - 1] == ' ' || h[n - 1] == '\t' || h[n - 1] == '\r'))
        n--;
    for (size_t i = 0; i < rd->opts->map_count; i++) {
        const char *m = rd->opts->map[i].header;
        if (m != NULL && strlen(m) == n - start && strncasecmp(m, h + start, n - start) == 0)
            return rd->opts->map[i].kind;
    }
    return azk_column_classify(h + start, n - start);
}

static azk_status on_begin(void *payload, const azk_object_info *info)
{
    struct reader *rd = payload;
    (void)info;
    rd->depth++;
    if (rd->depth > 1)
        rd->res->skipped_members++;
    return AZK_OK;
}

static void on_format(void *payload, const char *format, const char *encoding)
{
    struct reader *rd = payload;
    if (rd->depth == 1) {
        rd->res->format = format;
        rd->res->encoding = encoding;
    }
}

static void on_end(void *payload, azk_status st, const azk_error *err)
{
    struct reader *rd = payload;
    (void)st;
    (void)err;
    if (rd->depth > 0)
        rd->depth--;
}

static azk_status header(struct reader *rd, const azk_record *rec)
{
    bool any = false;
    memset(rd->kinds, 0, sizeof(rd->kinds));
    for (size_t i = 0; i < rec->field_count; i++) {
        const azk_field *f = &rec->fields[i];
        azk_column_kind k;
        if (f->col >= MAX_COLS)
            continue;
        k = kind_of(rd, f->ptr, f->len);
        if (!azk_column_kind__linked(k))
            continue;
        rd->kinds[f->col] = (uint8_t)k;
        rd->res->kinds |= 1u << k;
        any = true;
    }
    if (!any)
        return azk_error_set(AZK_ERR_FORMAT,
                             "link: the header row names no person column (name, kana, birth "
                             "date, address, postal code, phone, e-mail); see --map");
    rd->have_header = true;
    return AZK_OK;
}

static azk_status on_record(void *payload, const azk_record *rec)
{
    struct reader *rd = payload;
    size_t nv = 0;
    size_t idx;
    azk_status rc;
    if (rd->depth != 1)
        return AZK_OK;
    if (!rec->tabular)
        return azk_error_set(AZK_ERR_FORMAT, "link: not a table (CSV, TSV or xlsx with a "
                                             "header row)");
    if (!rd->have_header) {
        if (!rec->is_header)
            return azk_error_set(AZK_ERR_FORMAT,
                                 "link: no header row (the first row looks like data)");
        return header(rd, rec);
    }
    if (rec->is_header)
        return AZK_OK; /* a repeated header (next sheet) */
    if (rd->vals_cap < rec->field_count) {
        azk_link_value *nvv = azk_realloc(rd->vals, rec->field_count * sizeof(*nvv));
        if (nvv == NULL)
            return azk_error_nomem();
        rd->vals = nvv;
        rd->vals_cap = rec->field_count;
    }
    for (size_t i = 0; i < rec->field_count; i++) {
        const azk_field *f = &rec->fields[i];
        if (f->col >= MAX_COLS || rd->kinds[f->col] == 0 || f->len == 0)
            continue;
        rd->vals[nv].kind = (azk_column_kind)rd->kinds[f->col];
        rd->vals[nv].ptr = f->ptr;
        rd->vals[nv].len = f->len;
        nv++;
    }
    rc = azk_link_add(rd->lk, rd->file, rec->row, rd->vals, nv, &idx);
    if (rc != AZK_OK)
        return rc;
    rd->res->rows++;
    if (rd->lk->recs[idx].flags & LREC_UNUSABLE)
        rd->res->unusable++;
    return AZK_OK;
}

azk_status azk_link__add_source(azk_link *lk, azk_source *src, uint32_t file,
                                const azk_link_file_options *opts, azk_link_file_result *res)
{
    azk_status rc;
    azk_link_file_options defo = AZK_LINK_FILE_OPTIONS_INIT;
    azk_link_file_result dummy;
    azk_decode_options dopts = AZK_DECODE_OPTIONS_INIT;
    azk_decode_sink sink;
    struct reader rd;
    azk_object_info info;
    size_t rec_start;
    size_t arena_start;

    AZK_ASSERT_ARG(lk != NULL && src != NULL);
    if (res == NULL)
        res = &dummy;
    memset(res, 0, sizeof(*res));
    if (lk->ran)
        return azk_error_set(AZK_ERR_ARG, "link: file added after run");
    rec_start = lk->rec_count;
    arena_start = lk->arena_len;
    memset(&rd, 0, sizeof(rd));
    rd.lk = lk;
    rd.file = file;
    rd.opts = opts != NULL ? opts : &defo;
    rd.res = res;
    dopts.force_encoding = rd.opts->encoding;
    dopts.literal = true; /* person records as written: no evasion reading */
    sink.object_begin = on_begin;
    sink.object_format = on_format;
    sink.record = on_record;
    sink.object_end = on_end;
    sink.payload = &rd;
    memset(&info, 0, sizeof(info));
    info.size = src->size;
    rc = on_begin(&rd, &info);
    if (rc == AZK_OK)
        rc = azk_decode__object(src, &dopts, &sink);
    on_end(&rd, rc, azk_error_last());
    if (rc == AZK_OK && !rd.have_header)
        rc = azk_error_set(AZK_ERR_FORMAT, "link: empty file or no table in it");
    if (rc != AZK_OK) {
        /* the file counts entirely or not at all */
        lk->rec_count = rec_start;
        lk->arena_len = arena_start;
        res->rows = 0;
        res->unusable = 0;
    }
    azk_free(rd.vals);
    return rc;
}

azk_status azk_link_add_file(azk_link *lk, const char *path, uint32_t file,
                             const azk_link_file_options *opts_in, azk_link_file_result *res)
{
    static const azk_link_file_options opts_def = AZK_LINK_FILE_OPTIONS_INIT;
    azk_link_file_options opts_v;
    const azk_link_file_options *opts = &opts_v;
    azk_status rc;
    azk_source src;
    struct azk_fd_source fds;
    struct stat st;
    int fd = -1;

    if (azk__options_in(&opts_v, sizeof(opts_v), &opts_def, opts_in, false, "azk_link_add_file") !=
        AZK_OK)
        return azk_error_last()->code;
    AZK_ASSERT_ARG(lk != NULL && path != NULL);
    azk_error_clear();
    if (res != NULL)
        memset(res, 0, sizeof(*res));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = azk_error_errno("link: open");
        goto done;
    }
    if (fstat(fd, &st) != 0) {
        rc = azk_error_errno("link: stat");
        goto done;
    }
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
        rc = azk_error_set(AZK_ERR_IO, "link: not a regular file");
        goto done;
    }
    azk_decode__source_fd(&src, &fds, fd, S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1);
    rc = azk_link__add_source(lk, &src, file, opts, res);
done:
    if (fd >= 0)
        close(fd);
    return rc;
}
