/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect.c -- the detect stage (detect.h): one Vectorscan block-mode
 * database with every candidate pattern, scanned once per field; the
 * candidates are validated and scored in C with their context (labels near
 * the value, the column kind from the header, the rest of the row), then
 * overlapping ones are resolved, allow-listed ones counted and the rest
 * reported with a masked rendering.
 *
 * The patterns are triggers, not the grammar: a numeric trigger only says
 * "a digit token starts at a boundary here"; C then reads the whole token
 * (digit groups with their separators) and decides what it is. Triggers
 * are written in bytes (no HS_FLAG_UTF8) with the UTF-8 sequences of
 * full-width digits and hyphen look-alikes spelled out, so a field that is
 * not valid UTF-8 can never reach undefined behaviour inside the matcher.
 * No pattern needs start-of-match: starts are found by bounded backward
 * scanning. See docs/internals/DETECT.md for the rules of every type.
 *
 * This file: the engine (Vectorscan database, allow-list) and per-thread
 * context; the literal patterns are in detect_patterns.c. The rules live in detect_numbers.c,
 * detect_email.c, detect_dates.c, detect_address.c; one field is scanned in
 * detect_field.c and a record resolved in detect_record.c.
 */
#include "detect/detect.h"
#include "detect/detect_int.h"
#include "detect/names.h"
#include "norm/norm.h"
#include "detect/places.h"
#include "norm/digits.h"
#include "norm/datetime.h"

#include <hs/hs.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "detect/detect_scan.h"

/* ---- engine and context ---------------------------------------------------- */

/* Compile the built-in patterns (detect_patterns.c). */
static azk_status compile_builtin(hs_database_t **out)
{
    const char *exprs[N_BUILTIN];
    unsigned ids[N_BUILTIN];
    unsigned flags[N_BUILTIN];
    hs_compile_error_t *err = NULL;
    assert(azk_detect__lits[N_LITS - 1].s != NULL &&
           azk_detect__ascii_lits[N_ASCII_LITS - 1].s != NULL);
    azk_detect__builtin_patterns(exprs, flags, ids);
    if (hs_compile_multi(exprs, flags, ids, N_BUILTIN, HS_MODE_BLOCK, NULL, out, &err) !=
        HS_SUCCESS) {
        hs_free_compile_error(err);
        return azk_error_set(AZK_ERR_FORMAT, "detect: built-in patterns do not compile");
    }
    return AZK_OK;
}

/*
 * The built-in database from the serialized one src (tools/gen_hsdb.c wrote
 * it at build time: detect_hsdb.c), or compiled when Vectorscan refuses it
 * (damaged, another database version) or it was made for another Vectorscan
 * version or other CPU features than this process has: a database for fewer
 * features would be taken by Vectorscan but run slower. The tuning (CPU
 * family) is not compared: it changes no match, and a CPU model Vectorscan
 * does not know (tune generic) or valgrind's (another family) would
 * otherwise compile for nothing. *loaded: it came from src.
 */
azk_status azk_detect__builtin_db(const struct azk_hsdb *src, hs_database_t **out, bool *loaded)
{
    hs_platform_info_t plat;
    *out = NULL;
    *loaded = false;
    if (src->bytes != NULL && src->len > 0 && hs_populate_platform(&plat) == HS_SUCCESS &&
        plat.cpu_features == src->features && src->version != NULL &&
        strcmp(hs_version(), src->version) == 0 &&
        hs_deserialize_database((const char *)src->bytes, src->len, out) == HS_SUCCESS) {
        *loaded = true;
        return AZK_OK;
    }
    *out = NULL;
    return compile_builtin(out);
}

static azk_status compile_allow(hs_database_t **out, const azk_detect_options *o)
{
    azk_status rc = AZK_OK;
    char **exprs = NULL;
    unsigned *flags = NULL, *ids = NULL;
    hs_compile_error_t *err = NULL;
    size_t i;
    *out = NULL;
    if (o->allow_pattern_count == 0)
        return AZK_OK;
    if (o->allow_pattern_count > 100000)
        return azk_error_set(AZK_ERR_LIMIT, "detect: too many allow patterns");
    exprs = azk_calloc(o->allow_pattern_count, sizeof(*exprs));
    flags = azk_calloc(o->allow_pattern_count, sizeof(*flags));
    ids = azk_calloc(o->allow_pattern_count, sizeof(*ids));
    if (exprs == NULL || flags == NULL || ids == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (i = 0; i < o->allow_pattern_count; i++) {
        azk_buf b = AZK_BUF_INIT;
        /* the whole value must match */
        rc = azk_buf_printf(&b, "^(?:%s)$", o->allow_patterns[i] ? o->allow_patterns[i] : "");
        if (rc != AZK_OK) {
            azk_buf_dispose(&b);
            goto done;
        }
        exprs[i] = azk_buf_detach(&b);
        flags[i] = HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH;
        ids[i] = (unsigned)i;
    }
    if (hs_compile_multi((const char *const *)exprs, flags, ids, (unsigned)o->allow_pattern_count,
                         HS_MODE_BLOCK, NULL, out, &err) != HS_SUCCESS) {
        int bad = err != NULL ? err->expression : -1;
        hs_free_compile_error(err);
        rc = azk_error_set(AZK_ERR_ARG, "detect: allow pattern %d does not compile", bad);
        *out = NULL;
        goto done;
    }
done:
    if (exprs != NULL) {
        for (i = 0; i < o->allow_pattern_count; i++)
            azk_free(exprs[i]);
    }
    azk_free(exprs);
    azk_free(flags);
    azk_free(ids);
    return rc;
}

int azk_detect__cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

azk_status azk_detect__allow_key(azk_buf *b, const char *s, size_t len)
{
    azk_buf_clear(b);
    return azk_digits__fold(b, s, len, true, true);
}

azk_status azk_detect__engine_new(azk_detect_engine **out, const azk_detect_options *opts)
{
    azk_status rc;
    azk_detect_engine *e = NULL;
    azk_detect_options defaults = AZK_DETECT_OPTIONS_INIT;
    azk_buf b = AZK_BUF_INIT;
    bool loaded;
    size_t i;
    AZK_ASSERT_ARG(out != NULL);
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    e = azk_calloc(1, sizeof(*e));
    if (e == NULL)
        return azk_error_nomem();
    e->types = opts->types == 0 ? (1u << AZK_PII__COUNT) - 1 : opts->types;
    e->min_conf = opts->min_confidence;
    for (size_t k = 0; k < N_ASCII_LITS; k++) {
        /* every ASCII label (detect_patterns.c) ends in two letters */
        const unsigned char *L = (const unsigned char *)azk_detect__ascii_lits[k].s;
        size_t n = azk_detect__ascii_lits[k].len;
        assert(n >= 2 && (unsigned)((L[n - 1] | 0x20) - 'a') < 26u &&
               (unsigned)((L[n - 2] | 0x20) - 'a') < 26u);
        e->ascii_ends |= 1u << ((L[n - 1] | 0x20) - 'a');
        e->ascii_pairs[(L[n - 1] | 0x20) - 'a'] |= 1u << ((L[n - 2] | 0x20) - 'a');
    }
    azk_detect__lit_screen_build(&e->lits);
    azk_detect__run_screen_build(&e->runs);
#if AZK_FIELD_MASKS
    e->masks_vec = azk_detect__field_masks_usable(e->mask_kv);
#endif
    rc = azk_detect__builtin_db(&azk_detect__hsdb, &e->db, &loaded);
    if (rc != AZK_OK)
        goto done;
    rc = compile_allow(&e->allow_db, opts);
    if (rc != AZK_OK)
        goto done;
    if (opts->allow_value_count > 0) {
        e->allow_keys = azk_calloc(opts->allow_value_count, sizeof(char *));
        if (e->allow_keys == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        for (i = 0; i < opts->allow_value_count; i++) {
            const char *v = opts->allow_values[i] ? opts->allow_values[i] : "";
            rc = azk_detect__allow_key(&b, v, strlen(v));
            if (rc != AZK_OK)
                goto done;
            e->allow_keys[e->allow_key_count++] = azk_buf_detach(&b);
        }
        qsort(e->allow_keys, e->allow_key_count, sizeof(char *), azk_detect__cmp_str);
    }
    if (e->types & (1u << AZK_PII_PERSON_NAME)) {
        rc = azk_names__new(&e->names, opts->mecab_dicdir);
        if (rc != AZK_OK)
            goto done;
    }
    *out = e;
    e = NULL;
    rc = AZK_OK;
done:
    azk_buf_dispose(&b);
    azk_detect__engine_free(e);
    return rc;
}

void azk_detect__engine_free(azk_detect_engine *e)
{
    size_t i;
    if (e == NULL)
        return;
    hs_free_database(e->db);
    hs_free_database(e->allow_db);
    for (i = 0; i < e->allow_key_count; i++)
        azk_free(e->allow_keys[i]);
    azk_free(e->allow_keys);
    azk_names__free(e->names);
    azk_free(e);
}

azk_status azk_detect__ctx_new(azk_detect_ctx **out, const azk_detect_engine *eng)
{
    azk_status rc = AZK_OK;
    azk_detect_ctx *c;
    AZK_ASSERT_ARG(out != NULL && eng != NULL);
    *out = NULL;
    c = azk_calloc(1, sizeof(*c));
    if (c == NULL)
        return azk_error_nomem();
    c->eng = eng;
    if (hs_alloc_scratch(eng->db, &c->scratch) != HS_SUCCESS) {
        rc = azk_error_set(AZK_ERR_NOMEM, "detect: cannot allocate matcher scratch");
        goto done;
    }
    if (eng->allow_db != NULL && hs_alloc_scratch(eng->allow_db, &c->allow_scratch) != HS_SUCCESS) {
        rc = azk_error_set(AZK_ERR_NOMEM, "detect: cannot allocate matcher scratch");
        goto done;
    }
    if (eng->names != NULL) {
        rc = azk_names__ctx_new(&c->names_ctx, eng->names);
        if (rc != AZK_OK)
            goto done;
    }
    *out = c;
    c = NULL;
done:
    azk_detect__ctx_free(c);
    return rc;
}

void azk_detect__ctx_free(azk_detect_ctx *c)
{
    if (c == NULL)
        return;
    hs_free_scratch(c->scratch);
    hs_free_scratch(c->allow_scratch);
    azk_names__ctx_free(c->names_ctx);
    azk_free(c->cols);
    azk_free(c->hits);
    azk_free(c->labels);
    azk_free(c->cands);
    azk_buf_dispose(&c->tmp);
    azk_free(c);
}

void azk_detect__object_begin(azk_detect_ctx *c, const char *format)
{
    (void)format;
    azk_free(c->cols);
    c->cols = NULL;
    c->col_count = 0;
    c->header_seen = false;
    c->tab_rows = 0;
    c->sheet[0] = '\0';
}

const azk_column_kind *azk_detect__columns(const azk_detect_ctx *c, size_t *count)
{
    *count = c->header_seen ? c->col_count : 0;
    return c->header_seen ? c->cols : NULL;
}
