/* SPDX-License-Identifier: Apache-2.0 */
/*
 * extract/pdf.c -- PDF text through poppler's GLib API (libpoppler-glib,
 * Debian's maintained PDF library; GPL-2/GPL-3, which is why it is linked
 * only into the separate helper program azukari-extract and never into the
 * Apache-2.0 library or CLI). poppler brings what print data needs: CID
 * fonts with ToUnicode CMaps and the predefined Adobe-Japan1 CMaps
 * (poppler-data), text in reading order (TextOutputDev), vertical writing,
 * AcroForm fields and annotations, the standard security handler (RC4 /
 * AES, empty user password).
 *
 * Text is emitted per page, lines numbered from 1 on every page, with
 * azk_record.page set: a finding names its page. Runs inside the sandbox
 * (src/lib/sandbox/): poppler reads only the bytes it is given and the
 * read-only CMap files.
 */
#include "extract/extract.h"

#include <glib.h>
#include <poppler.h>
#include <string.h>

/* Emit a UTF-8 text (from poppler) split in lines, on the current page. */
static azk_status emit_text(struct azk_decode_ctx *ctx, const char *text, uint64_t *lineno)
{
    const char *p = text;
    azk_status rc = AZK_OK;
    if (text == NULL)
        return AZK_OK;
    while (*p != '\0') {
        const char *e = p;
        size_t n;
        while (*e != '\0' && *e != '\n' && *e != '\r' && *e != '\f')
            e++;
        n = (size_t)(e - p);
        if (n > 0) {
            /* poppler returns valid UTF-8; a copy because emit_line edits NULs */
            uint8_t *copy = azk_malloc(n + 1);
            if (copy == NULL)
                return azk_error_nomem();
            memcpy(copy, p, n);
            if (!azk_utf8_valid(copy, n)) {
                size_t i;
                for (i = 0; i < n; i++)
                    if (copy[i] >= 0x80)
                        copy[i] = '?';
            }
            rc = azk_decode__emit_line(ctx, *lineno, copy, n, false, NULL);
            azk_free(copy);
            if (rc != AZK_OK)
                return rc;
        }
        (*lineno)++;
        if (*e == '\0')
            break;
        if (*e == '\r' && e[1] == '\n')
            e++;
        p = e + 1;
    }
    (*lineno)++; /* a text block ends its last line */
    return AZK_OK;
}

static azk_status emit_fields(struct azk_decode_ctx *ctx, PopplerPage *page, uint64_t *lineno)
{
    GList *map = poppler_page_get_form_field_mapping(page), *l;
    azk_status rc = AZK_OK;
    for (l = map; l != NULL && rc == AZK_OK; l = l->next) {
        PopplerFormFieldMapping *m = l->data;
        PopplerFormField *f = m->field;
        gchar *t = NULL;
        switch (poppler_form_field_get_field_type(f)) {
            case POPPLER_FORM_FIELD_TEXT:
                t = poppler_form_field_text_get_text(f);
                break;
            case POPPLER_FORM_FIELD_CHOICE: {
                gint i, n = poppler_form_field_choice_get_n_items(f);
                GString *s = g_string_new(NULL);
                gchar *edit = poppler_form_field_choice_get_text(f);
                if (edit != NULL)
                    g_string_append(s, edit);
                g_free(edit);
                for (i = 0; i < n && i < 4096; i++) {
                    if (poppler_form_field_choice_is_item_selected(f, i)) {
                        gchar *it = poppler_form_field_choice_get_item(f, i);
                        if (it != NULL) {
                            if (s->len > 0)
                                g_string_append_c(s, '\t');
                            g_string_append(s, it);
                        }
                        g_free(it);
                    }
                }
                t = g_string_free(s, FALSE);
                break;
            }
            default:
                break;
        }
        if (t != NULL)
            rc = emit_text(ctx, t, lineno);
        g_free(t);
    }
    poppler_page_free_form_field_mapping(map);
    return rc;
}

static azk_status emit_annots(struct azk_decode_ctx *ctx, PopplerPage *page, uint64_t *lineno)
{
    GList *map = poppler_page_get_annot_mapping(page), *l;
    azk_status rc = AZK_OK;
    for (l = map; l != NULL && rc == AZK_OK; l = l->next) {
        PopplerAnnotMapping *m = l->data;
        PopplerAnnotType t = poppler_annot_get_annot_type(m->annot);
        gchar *c;
        if (t == POPPLER_ANNOT_WIDGET)
            continue; /* form fields: their values were read above */
        c = poppler_annot_get_contents(m->annot);
        if (c != NULL)
            rc = emit_text(ctx, c, lineno);
        g_free(c);
    }
    poppler_page_free_annot_mapping(map);
    return rc;
}

static azk_status emit_info(struct azk_decode_ctx *ctx, PopplerDocument *doc)
{
    gchar *v[4];
    uint64_t lineno = 1;
    azk_status rc = AZK_OK;
    int i;
    v[0] = poppler_document_get_title(doc);
    v[1] = poppler_document_get_author(doc);
    v[2] = poppler_document_get_subject(doc);
    v[3] = poppler_document_get_keywords(doc);
    ctx->page = 0;
    for (i = 0; i < 4; i++) {
        if (rc == AZK_OK && v[i] != NULL)
            rc = emit_text(ctx, v[i], &lineno);
        g_free(v[i]);
    }
    return rc;
}

azk_status azk_extract__pdf(struct azk_decode_ctx *ctx, const uint8_t *p, size_t n)
{
    GBytes *bytes = g_bytes_new_static(p, n);
    GError *err = NULL;
    PopplerDocument *doc;
    azk_status rc = AZK_OK;
    int i, pages;

    azk_decode__format(ctx, "pdf", NULL);
    /*
     * No password: poppler then tries the empty user password itself, so
     * documents that open without asking are read. (poppler 22.12 crashes in
     * PDFDoc's constructor when new_from_bytes gets a non-NULL password that
     * does not fit: tests/e2e/test_formats_legacy.py, encrypted_pdf.)
     */
    doc = poppler_document_new_from_bytes(bytes, NULL, &err);
    if (doc == NULL) {
        if (err != NULL && err->domain == POPPLER_ERROR && err->code == POPPLER_ERROR_ENCRYPTED)
            rc =
                azk_error_set(AZK_ERR_UNSUPPORTED, "pdf: encrypted with a password, not scannable");
        else
            rc = azk_error_set(AZK_ERR_FORMAT, "pdf: damaged or not a PDF document");
        goto done;
    }
    pages = poppler_document_get_n_pages(doc);
    if (pages <= 0) {
        /* a page tree that loops or points nowhere: nothing was read, say so */
        rc = azk_error_set(AZK_ERR_FORMAT, "pdf: no readable page (damaged page tree)");
        goto done;
    }
    for (i = 0; i < pages && rc == AZK_OK; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        uint64_t lineno = 1;
        char *text;
        if (page == NULL) {
            rc = azk_error_set(AZK_ERR_FORMAT, "pdf: page %d cannot be read", i + 1);
            break;
        }
        ctx->page = (uint32_t)i + 1;
        text = poppler_page_get_text(page);
        rc = emit_text(ctx, text, &lineno);
        g_free(text);
        if (rc == AZK_OK)
            rc = emit_fields(ctx, page, &lineno);
        if (rc == AZK_OK)
            rc = emit_annots(ctx, page, &lineno);
        g_object_unref(page);
    }
    if (rc == AZK_OK)
        rc = emit_info(ctx, doc);
    ctx->page = 0;
done:
    if (err != NULL)
        g_error_free(err);
    if (doc != NULL)
        g_object_unref(doc);
    g_bytes_unref(bytes);
    return rc;
}
