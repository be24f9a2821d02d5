/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/upload.c -- file uploads of azukari serve's pages: a
 * multipart/form-data body streamed through libmicrohttpd's own post
 * processor (MHD_create_post_processor; azukari parses no multipart
 * itself). http.c checks the session and the role when the headers
 * arrive (a refusal is answered before the body is read); here the form's
 * CSRF field must have come, and be right, before a single byte of the
 * file is kept (forms put it first), the file is held up to the route's
 * limit (routes.c big_bodies; more: 413) and the small fields up to
 * 16 KiB, each UTF-8 text without NUL. One file per request. Also the
 * temporary file the library's path-taking functions read an upload from.
 */
#include "serve/serve_int.h"

#include <microhttpd.h>
#include <sodium.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

struct azk_serve_upload {
    struct MHD_PostProcessor *pp;
    unsigned fail; /* 0, or the answer: 400 malformed, 403 no CSRF first, 413 too large */
    bool expect_set;
    char csrf_want[72];
    char *names[AZK_SERVE_MAX_FIELDS];
    azk_buf values[AZK_SERVE_MAX_FIELDS];
    size_t count, small_bytes;
    bool in_file, has_file;
    char file_field[64];
    azk_buf file;
};

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    struct azk_serve_upload *u = cls;
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    if (u->fail != 0)
        return MHD_NO;
    if (key == NULL) {
        u->fail = 400;
        return MHD_NO;
    }
    if (filename != NULL) {
        /* the file: only after the form's CSRF field, and only one */
        if (off == 0) {
            const char *tok = NULL;
            for (size_t i = 0; i < u->count; i++)
                if (strcmp(u->names[i], "csrf") == 0 && u->values[i].data != NULL)
                    tok = (const char *)u->values[i].data; /* an azk_buf ends with a NUL */
            if (!u->expect_set || tok == NULL || !azk_serve__same(tok, u->csrf_want)) {
                u->fail = 403;
                return MHD_NO;
            }
            if (u->has_file || strlen(key) >= sizeof(u->file_field)) {
                u->fail = 400;
                return MHD_NO;
            }
            (void)snprintf(u->file_field, sizeof(u->file_field), "%s", key);
            u->has_file = u->in_file = true;
        }
        if (size > 0 && azk_buf_put(&u->file, data, size) != AZK_OK) {
            azk_error_clear();
            u->fail = 413;
            return MHD_NO;
        }
        return MHD_YES;
    }
    /* a small field: a new one at offset 0, else more of the last one */
    if (off == 0) {
        if (u->count == AZK_SERVE_MAX_FIELDS) {
            u->fail = 400;
            return MHD_NO;
        }
        u->names[u->count] = azk_strdup(key);
        if (u->names[u->count] == NULL) {
            u->fail = 413;
            return MHD_NO;
        }
        u->values[u->count].max = AZK_SERVE_BODY_MAX;
        u->count++;
    }
    u->small_bytes += size + (off == 0 ? strlen(key) : 0);
    if (u->count == 0 || strcmp(u->names[u->count - 1], key) != 0 ||
        u->small_bytes > AZK_SERVE_BODY_MAX) {
        u->fail = u->small_bytes > AZK_SERVE_BODY_MAX ? 413 : 400;
        return MHD_NO;
    }
    if (size > 0 && azk_buf_put(&u->values[u->count - 1], data, size) != AZK_OK) {
        azk_error_clear();
        u->fail = 413;
        return MHD_NO;
    }
    return MHD_YES;
}

struct azk_serve_upload *azk_serve__upload_new(void *conn, size_t max)
{
    struct azk_serve_upload *u = azk_calloc(1, sizeof(*u));
    if (u == NULL)
        return NULL;
    u->file.max = max;
    u->pp = MHD_create_post_processor(conn, 16384, on_part, u);
    if (u->pp == NULL)
        u->fail = 400; /* no boundary: answered when the body has come */
    return u;
}

void azk_serve__upload_expect(struct azk_serve_upload *u, const char *csrf)
{
    (void)snprintf(u->csrf_want, sizeof(u->csrf_want), "%s", csrf);
    u->expect_set = csrf[0] != '\0';
}

/* What a refused body held so far: dropped at once (its answer needs none of it). */
static void release(struct azk_serve_upload *u)
{
    for (size_t i = 0; i < u->count; i++) {
        azk_free(u->names[i]);
        u->names[i] = NULL;
        azk_buf_dispose_secret(&u->values[i]);
    }
    u->count = 0;
    azk_buf_dispose_secret(&u->file);
}

bool azk_serve__upload_feed(struct azk_serve_upload *u, const char *data, size_t size)
{
    /* after a refusal the rest is read and dropped: nothing more is held */
    if (u->fail == 0 && u->pp != NULL && MHD_post_process(u->pp, data, size) != MHD_YES &&
        u->fail == 0)
        u->fail = 400;
    if (u->fail != 0 || u->pp == NULL) {
        if (u->fail == 0)
            u->fail = 400;
        release(u);
        return false;
    }
    return true;
}

void azk_serve__upload_free(struct azk_serve_upload *u)
{
    if (u == NULL)
        return;
    if (u->pp != NULL)
        (void)MHD_destroy_post_processor(u->pp);
    for (size_t i = 0; i < u->count; i++) {
        azk_free(u->names[i]);
        azk_buf_dispose_secret(&u->values[i]);
    }
    azk_buf_dispose_secret(&u->file);
    azk_free(u);
}

azk_status azk_serve__upload_finish(struct azk_serve_upload *u, struct azk_serve_req *rq,
                                    struct azk_serve_resp *rs, bool *ok)
{
    *ok = false;
    if (u->fail == 0 && u->pp != NULL) {
        if (MHD_destroy_post_processor(u->pp) != MHD_YES)
            u->fail = 400; /* the body ended inside a part */
        u->pp = NULL;
    }
    if (u->fail == 413)
        return azk_serve__fail(rq, rs, 413, "too_large", T_("The uploaded file is too large."));
    if (u->fail == 403) {
        /* the file came before a right CSRF field: the form goes on with no field at all,
         * and http.c's CSRF check refuses it as any form without a token (ledger serve.csrf) */
        *ok = true;
        return AZK_OK;
    }
    /* every small field: UTF-8 text without NUL, as a urlencoded form's */
    for (size_t i = 0; u->fail == 0 && i < u->count; i++) {
        azk_buf *v = &u->values[i];
        if ((v->data == NULL && azk_buf_puts(v, "") != AZK_OK) ||
            memchr(v->data, '\0', v->len) != NULL || !azk_utf8_valid(v->data, v->len))
            u->fail = 400;
    }
    if (u->fail != 0) {
        azk_error_clear();
        return azk_serve__fail(rq, rs, 400, "bad_form", T_("The form could not be read."));
    }
    for (size_t i = 0; i < u->count; i++) {
        rq->form_names[i] = u->names[i];
        rq->form_values[i] = (char *)u->values[i].data;
        u->names[i] = NULL;
        u->values[i] = (azk_buf)AZK_BUF_INIT;
    }
    rq->form_count = u->count;
    u->count = 0;
    rq->upload = u;
    *ok = true;
    return AZK_OK;
}

const uint8_t *azk_serve__upload_file(const struct azk_serve_req *rq, const char *field,
                                      size_t *len)
{
    const struct azk_serve_upload *u = rq->upload;
    if (u == NULL || !u->has_file || strcmp(u->file_field, field) != 0 || u->file.len == 0)
        return NULL;
    *len = u->file.len;
    return u->file.data;
}

bool azk_serve__upload_text(const struct azk_serve_req *rq, const char *field, const uint8_t **data,
                            size_t *len)
{
    const char *s;
    *data = azk_serve__upload_file(rq, field, len);
    if (*data != NULL)
        return true;
    s = azk_serve__form(rq, field); /* /api/v1: the JSON body's string member */
    if (s == NULL || s[0] == '\0')
        return false;
    *data = (const uint8_t *)s;
    *len = strlen(s);
    return true;
}

azk_status azk_serve__upload_form_head(azk_buf *b, const struct azk_serve_req *rq,
                                       const char *action)
{
    /* the CSRF field first: upload.c takes no file before it */
    return azk_buf_printf(b,
                          "<form method=\"post\" action=\"%s\" enctype=\"multipart/form-data\">"
                          "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
                          action, rq->who.csrf);
}

/* ---- the library reads files: an upload as a private temporary one ------------------ */

azk_status azk_serve__upload_tmp(struct azk_server *srv, const uint8_t *data, size_t len,
                                 azk_buf *path)
{
    azk_status rc = azk_store__path(path, srv->h, "serve");
    int fd = -1;
    size_t off = 0;
    if (rc == AZK_OK && mkdir((const char *)path->data, 0700) != 0 && errno != EEXIST)
        rc = azk_error_errno("create serve directory");
    if (rc == AZK_OK)
        rc = azk_buf_puts(path, "/upload-XXXXXX");
    if (rc == AZK_OK && mkdtemp((char *)path->data) == NULL)
        rc = azk_error_errno("create upload directory");
    if (rc != AZK_OK) {
        azk_buf_dispose(path); /* the callers return at once: nothing to remove */
        return rc;
    }
    rc = azk_buf_puts(path, "/upload"); /* never the sender's file name */
    if (rc == AZK_OK) {
        fd = open((const char *)path->data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                  0600);
        if (fd < 0)
            rc = azk_error_errno("create upload file");
    }
    while (rc == AZK_OK && off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n <= 0)
            rc = azk_error_errno("write upload file");
        else
            off += (size_t)n;
    }
    if (fd >= 0 && close(fd) != 0 && rc == AZK_OK)
        rc = azk_error_errno("close upload file");
    if (rc != AZK_OK)
        azk_serve__upload_tmp_done(path);
    return rc;
}

void azk_serve__upload_tmp_done(azk_buf *path)
{
    char *p = (char *)path->data, *slash;
    if (p == NULL || p[0] == '\0')
        return;
    (void)unlink(p);
    slash = strrchr(p, '/');
    if (slash != NULL && strncmp(slash, "/upload", 8) == 0) {
        *slash = '\0';
        (void)rmdir(p);
    }
    azk_buf_dispose(path);
}

/* Upload directories a server killed inside a handler left behind (their file holds what a
 * user sent): removed at start when older than an hour. A younger one may be another
 * server's on the same home, in the middle of its handler (which takes seconds). */
void azk_serve__upload_sweep(struct azk_server *srv)
{
    azk_buf dir = AZK_BUF_INIT, p = AZK_BUF_INIT;
    DIR *d;
    struct dirent *e;
    time_t old = time(NULL) - 3600;
    if (azk_store__path(&dir, srv->h, "serve") != AZK_OK) {
        azk_error_clear();
        return;
    }
    d = opendir((const char *)dir.data);
    while (d != NULL && (e = readdir(d)) != NULL) {
        struct stat st;
        if (strncmp(e->d_name, "upload-", 7) != 0 || strlen(e->d_name) != 13)
            continue;
        p.len = 0;
        if (azk_buf_printf(&p, "%s/%s", (const char *)dir.data, e->d_name) != AZK_OK)
            break;
        if (lstat((const char *)p.data, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_mtime > old)
            continue;
        if (azk_buf_puts(&p, "/upload") != AZK_OK)
            break;
        azk_serve__upload_tmp_done(&p); /* the file, then its directory */
    }
    if (d != NULL)
        (void)closedir(d);
    azk_error_clear();
    azk_buf_dispose(&p);
    azk_buf_dispose(&dir);
}
