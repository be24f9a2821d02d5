/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/archive.c -- containers through libarchive: zip, tar, 7z, cpio,
 * rar, ar, cab, iso9660, xar, lha, and compressed streams (gzip, bzip2, xz,
 * zstd, lz4, lzip, compress). libarchive reads the object through callbacks
 * over its azk_source (streaming; the seek callback only when the source can
 * seek, which lets the zip reader use the central directory). A single
 * compressed stream that is not an archive (libarchive's "raw" format:
 * file.log.gz) is decoded transparently as the same object.
 *
 * Each member is announced to the sink (object_begin with its path,
 * outermost first), decoded by the dispatcher, and closed (object_end).
 * Member streams count every expanded byte against the limits; only the
 * dispatcher side (this file and dispatch.c) enforces them.
 *
 * The formats are enabled one by one on purpose: archive_read_support_
 * format_all() would enable mtree, whose reader opens files named in the
 * archive on the local disk, and filter_all() would enable filters that run
 * external programs (lrzip, lzop, grzip).
 *
 * libarchive's error strings are never copied into our messages: some of
 * them carry member names, and member names can be personal data.
 */
#include "decode/decode_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- client callbacks ------------------------------------------------------- */

static void client_fail(struct azk_archive_client *c, azk_status rc)
{
    if (c->err == AZK_OK) {
        c->err = rc;
        (void)snprintf(c->msg, sizeof(c->msg), "%s", azk_error_last()->message);
    }
}

static la_ssize_t client_read(struct archive *a, void *data, const void **buf)
{
    struct azk_archive_client *c = data;
    size_t got = 0;
    azk_status rc = c->src->read(c->src->ctx, c->buf, AZK_DECODE_CHUNK, &got);
    if (rc != AZK_OK) {
        client_fail(c, rc);
        archive_set_error(a, EIO, "source read failed");
        return -1;
    }
    *buf = c->buf;
    return (la_ssize_t)got;
}

static la_int64_t client_seek(struct archive *a, void *data, la_int64_t offset, int whence)
{
    struct azk_archive_client *c = data;
    int64_t pos = 0;
    azk_status rc = c->src->seek(c->src->ctx, offset, whence, &pos);
    if (rc != AZK_OK) {
        client_fail(c, rc);
        archive_set_error(a, EIO, "source seek failed");
        return ARCHIVE_FATAL;
    }
    return pos;
}

static la_int64_t client_skip(struct archive *a, void *data, la_int64_t request)
{
    struct azk_archive_client *c = data;
    int64_t pos = 0;
    azk_status rc = c->src->seek(c->src->ctx, request, SEEK_CUR, &pos);
    (void)a;
    if (rc != AZK_OK)
        return 0; /* libarchive falls back to reading */
    return request;
}

/* Restore the source's error as the current one; returns its code. */
static azk_status client_error(const struct azk_archive_client *c)
{
    return azk_error_set(c->err, "%s", c->msg);
}

/* ---- member stream ------------------------------------------------------------ */

static azk_status member_read(void *vctx, uint8_t *buf, size_t cap, size_t *got)
{
    struct azk_member_stream *ms = vctx;
    struct azk_decode_ctx *ctx = ms->ctx;
    const azk_decode_options *o = ctx->opts;
    la_ssize_t n;
    int64_t raw;
    uint64_t compressed;

    *got = 0;
    n = archive_read_data(ms->a, buf, cap);
    if (n < 0) {
        ms->archive_error = true;
        if (ms->client->err != AZK_OK)
            return client_error(ms->client);
        return azk_error_set(AZK_ERR_FORMAT, "%s: corrupt or truncated member data", ms->what);
    }
    ms->expanded += (uint64_t)n;
    ctx->total_expanded += (uint64_t)n;
    if (o->max_member_size > 0 && ms->expanded > o->max_member_size) {
        ms->limit_hit = true;
        return azk_error_set(AZK_ERR_LIMIT, "member larger than %llu bytes",
                             (unsigned long long)o->max_member_size);
    }
    if (o->max_total_expanded > 0 && ctx->total_expanded > o->max_total_expanded) {
        ms->limit_hit = true;
        return azk_error_set(AZK_ERR_LIMIT, "expanded size over %llu bytes",
                             (unsigned long long)o->max_total_expanded);
    }
    if (o->max_ratio > 0 && ms->expanded >= AZK_DECODE_RATIO_MIN_BYTES) {
        raw = archive_filter_bytes(ms->a, -1);
        compressed = raw > ms->raw_start ? (uint64_t)(raw - ms->raw_start) : 0;
        if (compressed < AZK_DECODE_RATIO_MIN_COMPRESSED)
            compressed = AZK_DECODE_RATIO_MIN_COMPRESSED;
        if (ms->expanded / compressed > o->max_ratio) {
            ms->limit_hit = true;
            return azk_error_set(AZK_ERR_LIMIT, "zip bomb: expansion ratio over %u",
                                 (unsigned)o->max_ratio);
        }
    }
    *got = (size_t)n;
    return AZK_OK;
}

void azk_decode__member_stream_init(struct azk_member_stream *ms, struct azk_decode_ctx *ctx,
                                    struct archive *a, struct azk_archive_client *client,
                                    const char *what)
{
    memset(ms, 0, sizeof(*ms));
    ms->ctx = ctx;
    ms->a = a;
    ms->client = client;
    ms->what = what;
    ms->raw_start = archive_filter_bytes(a, -1);
    ms->as_source.read = member_read;
    ms->as_source.ctx = ms;
    ms->as_source.size = -1;
    ms->as_source.seek = NULL;
}

/* ---- container ------------------------------------------------------------------ */

static const char *format_name(int fmt, const char *sniffed)
{
    switch (fmt & ARCHIVE_FORMAT_BASE_MASK) {
        case ARCHIVE_FORMAT_ZIP:
            return "zip";
        case ARCHIVE_FORMAT_TAR:
            return "tar";
        case ARCHIVE_FORMAT_CPIO:
            return "cpio";
        case ARCHIVE_FORMAT_7ZIP:
            return "7z";
        case ARCHIVE_FORMAT_RAR:
        case ARCHIVE_FORMAT_RAR_V5:
            return "rar";
        case ARCHIVE_FORMAT_AR:
            return "ar";
        case ARCHIVE_FORMAT_CAB:
            return "cab";
        case ARCHIVE_FORMAT_ISO9660:
            return "iso9660";
        case ARCHIVE_FORMAT_XAR:
            return "xar";
        case ARCHIVE_FORMAT_LHA:
            return "lha";
        default:
            return sniffed;
    }
}

static void enable_formats(struct archive *a, const char *name, bool compressed)
{
    /* return codes ignored: a format missing from this libarchive build
     * just never bids */
    (void)archive_read_support_filter_gzip(a);
    (void)archive_read_support_filter_bzip2(a);
    (void)archive_read_support_filter_xz(a);
    (void)archive_read_support_filter_lzma(a);
    (void)archive_read_support_filter_lzip(a);
    (void)archive_read_support_filter_zstd(a);
    (void)archive_read_support_filter_lz4(a);
    (void)archive_read_support_filter_compress(a);
    if (strcmp(name, "zip") == 0) {
        (void)archive_read_support_format_zip(a);
        return;
    }
    (void)archive_read_support_format_tar(a);
    (void)archive_read_support_format_cpio(a);
    (void)archive_read_support_format_ar(a);
    (void)archive_read_support_format_7zip(a);
    (void)archive_read_support_format_zip(a);
    (void)archive_read_support_format_empty(a);
    if (compressed) {
        (void)archive_read_support_format_raw(a);
        return;
    }
    (void)archive_read_support_format_rar(a);
    (void)archive_read_support_format_rar5(a);
    (void)archive_read_support_format_cab(a);
    (void)archive_read_support_format_iso9660(a);
    (void)archive_read_support_format_xar(a);
    (void)archive_read_support_format_lha(a);
}

static azk_status push_member(struct azk_decode_ctx *ctx, const char *name)
{
    char *copy;
    if (ctx->member_count >= AZK_DECODE_DEPTH_HARD)
        return azk_error_set(AZK_ERR_LIMIT, "nesting deeper than %u", AZK_DECODE_DEPTH_HARD);
    copy = azk_strdup(name != NULL ? name : "?");
    if (copy == NULL)
        return azk_error_nomem();
    ctx->member[ctx->member_count++] = copy;
    return AZK_OK;
}

static void pop_member(struct azk_decode_ctx *ctx)
{
    ctx->member_count--;
    azk_free(ctx->member[ctx->member_count]);
    ctx->member[ctx->member_count] = NULL;
}

/*
 * Decode one member: begin, decode, end. *stop is set when the container
 * cannot go on (the archive is broken, a limit makes going on unsafe, the
 * sink failed, or memory ran out); *container_rc then says why.
 */
static void one_member(struct azk_decode_ctx *ctx, struct archive *a,
                       struct azk_archive_client *client, struct archive_entry *e, unsigned depth,
                       const char *what, bool solid, bool *stop, azk_status *container_rc)
{
    struct azk_member_stream ms;
    azk_object_info info;
    azk_status mrc, rc;
    const azk_error *err;

    rc = push_member(ctx, archive_entry_pathname(e));
    if (rc != AZK_OK) {
        *stop = true;
        *container_rc = rc;
        return;
    }
    memset(&info, 0, sizeof(info));
    info.member = (const char *const *)ctx->member;
    info.member_count = ctx->member_count;
    info.size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
    if (ctx->sink->object_begin != NULL) {
        rc = ctx->sink->object_begin(ctx->sink->payload, &info);
        if (rc != AZK_OK) {
            ctx->sink_failed = true;
            *stop = true;
            *container_rc = rc;
            pop_member(ctx);
            return;
        }
    }
    azk_decode__member_stream_init(&ms, ctx, a, client, what);
    if (archive_entry_is_encrypted(e)) {
        mrc = azk_error_set(AZK_ERR_UNSUPPORTED, "encrypted member, not scannable");
    } else if (info.size >= 0 && ctx->opts->max_member_size > 0 &&
               (uint64_t)info.size > ctx->opts->max_member_size) {
        mrc = azk_error_set(AZK_ERR_LIMIT, "member larger than %llu bytes",
                            (unsigned long long)ctx->opts->max_member_size);
    } else {
        mrc = azk_decode__any(ctx, &ms.as_source, depth + 1);
    }
    err = azk_error_last();
    if (ctx->sink->object_end != NULL)
        ctx->sink->object_end(ctx->sink->payload, mrc, mrc != AZK_OK ? err : NULL);
    pop_member(ctx);

    if (ctx->sink_failed) {
        *stop = true;
        *container_rc = mrc != AZK_OK ? mrc : AZK_ERR_ARG;
    } else if (mrc == AZK_ERR_NOMEM) {
        *stop = true;
        *container_rc = azk_error_nomem();
    } else if (ms.archive_error) {
        *stop = true;
        *container_rc =
            client->err != AZK_OK
                ? client_error(client)
                : azk_error_set(AZK_ERR_FORMAT, "%s: truncated or corrupt archive", what);
    } else if (ms.limit_hit && (solid || (ctx->opts->max_total_expanded > 0 &&
                                          ctx->total_expanded > ctx->opts->max_total_expanded))) {
        /* the rest of a solid stream would have to be expanded to be skipped */
        *stop = true;
        *container_rc =
            azk_error_set(AZK_ERR_LIMIT, "%s: stopped after a member hit a limit", what);
    }
}

/*
 * A zip ends with its central directory and the end-of-central-directory
 * record "PK\5\6" within the last 64 KiB + 22 bytes (APPNOTE 4.3.16).
 * libarchive's streaming zip reader stops quietly where the local headers
 * end, so a zip cut before its central directory would look complete:
 * probe the tail first when the source can seek. Leaves the source at 0.
 * *found is true when the record is there or the question cannot be asked.
 */
static azk_status zip_probe_eocd(azk_source *src, bool *found)
{
    uint8_t *tail = NULL;
    int64_t size = src->size, from, pos = 0;
    size_t want, got = 0;
    azk_status rc;
    *found = true;
    if (src->seek == NULL || size < 22)
        return AZK_OK;
    from = size > 65557 ? size - 65557 : 0;
    want = (size_t)(size - from);
    tail = azk_malloc(want);
    if (tail == NULL)
        return azk_error_nomem();
    rc = src->seek(src->ctx, from, SEEK_SET, &pos);
    while (rc == AZK_OK && got < want) {
        size_t n = 0;
        rc = src->read(src->ctx, tail + got, want - got, &n);
        if (n == 0)
            break;
        got += n;
    }
    if (rc == AZK_OK) {
        *found = false;
        for (size_t i = got >= 22 ? got - 22 + 1 : 0; i-- > 0;) {
            if (tail[i] == 'P' && tail[i + 1] == 'K' && tail[i + 2] == 5 && tail[i + 3] == 6) {
                *found = true;
                break;
            }
        }
        rc = src->seek(src->ctx, 0, SEEK_SET, &pos);
    }
    azk_free(tail);
    return rc;
}

azk_status azk_decode__archive(struct azk_decode_ctx *ctx, struct azk_peek *pk, unsigned depth,
                               const char *name, bool compressed)
{
    struct archive *a = NULL;
    struct archive_entry *e = NULL;
    struct azk_archive_client client;
    azk_status rc = AZK_OK;
    bool first = true, formatted = false, stop = false, solid, eocd = true;
    const char *what = name;
    int r;

    memset(&client, 0, sizeof(client));
    if (strcmp(name, "zip") == 0) {
        rc = zip_probe_eocd(&pk->as_source, &eocd);
        if (rc != AZK_OK)
            return rc;
    }
    client.src = &pk->as_source;
    client.buf = azk_malloc(AZK_DECODE_CHUNK);
    a = archive_read_new();
    if (client.buf == NULL || a == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    enable_formats(a, name, compressed);
    (void)archive_read_set_read_callback(a, client_read);
    (void)archive_read_set_callback_data(a, &client);
    if (pk->as_source.seek != NULL) {
        (void)archive_read_set_seek_callback(a, client_seek);
        (void)archive_read_set_skip_callback(a, client_skip);
    }
    if (archive_read_open1(a) != ARCHIVE_OK) {
        azk_decode__format(ctx, name, NULL);
        rc = client.err != AZK_OK
                 ? client_error(&client)
                 : azk_error_set(AZK_ERR_FORMAT, "%s: not a readable archive", name);
        goto done;
    }
    for (;;) {
        r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            if (!formatted)
                azk_decode__format(ctx, what, NULL);
            formatted = true;
            if (client.err != AZK_OK)
                rc = client_error(&client);
            else if (first)
                rc = azk_error_set(AZK_ERR_FORMAT, "%s: corrupt archive", what);
            else
                rc = azk_error_set(AZK_ERR_FORMAT,
                                   "%s: truncated or corrupt archive after %llu members", what,
                                   (unsigned long long)ctx->entries);
            break;
        }
        if (first) {
            int fmt = archive_format(a);
            first = false;
            if ((fmt & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW) {
                /* one compressed stream: decode what it holds as this object */
                struct azk_member_stream ms;
                azk_decode__member_stream_init(&ms, ctx, a, &client, name);
                rc = azk_decode__any(ctx, &ms.as_source, depth + 1);
                goto done;
            }
            what = format_name(fmt, name);
            if ((fmt & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP &&
                azk_decode__ooxml_first_name(archive_entry_pathname(e))) {
                rc = azk_decode__ooxml(ctx, a, &client, e);
                goto done;
            }
            azk_decode__format(ctx, what, NULL);
            formatted = true;
        }
        ctx->entries++;
        if (ctx->opts->max_entries > 0 && ctx->entries > ctx->opts->max_entries) {
            rc = azk_error_set(AZK_ERR_LIMIT, "more than %llu members",
                               (unsigned long long)ctx->opts->max_entries);
            break;
        }
        if (archive_entry_filetype(e) != AE_IFREG && archive_entry_filetype(e) != 0)
            continue; /* directories, links, devices: nothing to read */
        /* skipping the rest of a member is cheap unless members share one
         * compressed stream (tar.gz, 7z, rar) */
        solid = archive_filter_count(a) > 1 ||
                (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_7ZIP ||
                (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAR ||
                (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAR_V5;
        one_member(ctx, a, &client, e, depth, what, solid, &stop, &rc);
        if (stop)
            break;
    }
    if (!formatted && first)
        azk_decode__format(ctx, what, NULL);
    if (rc == AZK_OK && !eocd)
        rc = azk_error_set(AZK_ERR_FORMAT,
                           "zip: no central directory (truncated or damaged) after %llu members",
                           (unsigned long long)ctx->entries);
done:
    if (a != NULL)
        archive_read_free(a);
    azk_free(client.buf);
    return rc;
}
