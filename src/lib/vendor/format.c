/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vendor/format.c -- the questionnaire file formats of docs/vendor.md:
 * templates ("azukari-vendor-template") and answers
 * ("azukari-vendor-answers", plain as the vendor writes them or embedded
 * with evidence content in a signed response). Untrusted input from
 * another organisation: every object's fields are checked against the
 * documented list and an unknown one is refused with its path, so a typo
 * ("wieght") never silently drops a rule. Fuzzed by
 * fuzz/vendor_format_fuzzer.c.
 */
#include "vendor/vendor_int.h"

#include <stdio.h>
#include <string.h>

#define MAX_SECTIONS  64
#define MAX_QUESTIONS 512
#define MAX_EVIDENCE  32

static const char *const categories[] = {
    "organizational",       "human",       "physical", "technical",
    "external-environment", "entrustment", NULL};
static const char *const q_kinds[] = {"yesno", "choice", "text", "date", NULL};
static const char *const ev_levels[] = {"required", "optional", "none", NULL};
static const char *const yesno[] = {"yes", "no", "partial", "n/a", NULL};

static azk_status bad(const char *what, const char *path, const char *msg)
{
    return azk_error_set(AZK_ERR_FORMAT, "%s: %s: %s", what, path, msg);
}

/* Refuse fields not in `allowed`, naming the first (in key order, so the message is stable). */
static azk_status only_fields(json_t *o, const char *what, const char *path,
                              const char *const *allowed)
{
    const char *k;
    json_t *v;
    const char *first = NULL;
    if (!json_is_object(o))
        return bad(what, path, "an object expected");
    json_object_foreach(o, k, v)
    {
        (void)v;
        if (!azk_vendor__one_of(k, allowed) && (first == NULL || strcmp(k, first) < 0))
            first = k;
    }
    if (first != NULL) {
        char name[80];
        size_t n = strlen(first);
        /* the field name is the sender's text: shown printable and short */
        for (size_t i = 0; i < sizeof(name) - 1; i++)
            name[i] = i < n && (unsigned char)first[i] >= 0x20 && first[i] != '"' ? first[i] : '?';
        name[n < sizeof(name) - 1 ? n : sizeof(name) - 1] = '\0';
        return azk_error_set(AZK_ERR_FORMAT, "%s: %s: unknown field \"%s\"", what, path, name);
    }
    return AZK_OK;
}

/* A required (or optional) string of 1..max bytes of valid UTF-8. */
static azk_status str_field(json_t *o, const char *k, bool required, size_t max, const char *what,
                            const char *path, const char **out)
{
    json_t *v = json_object_get(o, k);
    char p[160];
    (void)snprintf(p, sizeof(p), "%s.%s", path, k);
    *out = NULL;
    if (v == NULL)
        return required ? bad(what, p, "missing") : AZK_OK;
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v))
        return bad(what, p, "a non-empty string expected (of limited length)");
    *out = json_string_value(v);
    return AZK_OK;
}

static bool id_ok(const char *s)
{
    return azk_store__valid_id(s);
}

azk_status azk_vendor__template_check(json_t *t)
{
    static const char *const top[] = {"format",   "format_version", "id",       "revision", "title",
                                      "language", "description",    "sections", NULL};
    static const char *const sec_f[] = {"id", "category", "title", "questions", NULL};
    static const char *const q_f[] = {"id",     "text",     "kind",     "choices",
                                      "weight", "evidence", "guidance", NULL};
    const char *W = "template", *s;
    azk_status rc;
    json_t *secs, *sec, *qs, *q, *seen;
    size_t i, k, nq = 0;
    char path[96];
    json_int_t rev;

    rc = only_fields(t, W, "$", top);
    if (rc != AZK_OK)
        return rc;
    rc = str_field(t, "format", true, 64, W, "$", &s);
    if (rc == AZK_OK && strcmp(s, "azukari-vendor-template") != 0)
        return bad(W, "$.format", "not \"azukari-vendor-template\"");
    if (rc != AZK_OK)
        return rc;
    if (json_integer_value(json_object_get(t, "format_version")) != 1 ||
        !json_is_integer(json_object_get(t, "format_version")))
        return bad(W, "$.format_version", "1 expected (the only version this azukari reads)");
    rc = str_field(t, "id", true, 64, W, "$", &s);
    if (rc == AZK_OK && !id_ok(s))
        return bad(W, "$.id", "1-64 of [A-Za-z0-9._-] expected");
    if (rc != AZK_OK)
        return rc;
    rev = json_integer_value(json_object_get(t, "revision"));
    if (!json_is_integer(json_object_get(t, "revision")) || rev < 1 || rev > 1000000)
        return bad(W, "$.revision", "an integer 1.. expected");
    rc = str_field(t, "title", true, 300, W, "$", &s);
    if (rc == AZK_OK)
        rc = str_field(t, "language", false, 16, W, "$", &s);
    if (rc == AZK_OK)
        rc = str_field(t, "description", false, 8000, W, "$", &s);
    if (rc != AZK_OK)
        return rc;
    secs = json_object_get(t, "sections");
    if (!json_is_array(secs) || json_array_size(secs) == 0 || json_array_size(secs) > MAX_SECTIONS)
        return bad(W, "$.sections", "an array of 1-64 sections expected");
    seen = json_object();
    if (seen == NULL)
        return azk_error_nomem();
    json_array_foreach(secs, i, sec)
    {
        (void)snprintf(path, sizeof(path), "$.sections[%zu]", i);
        rc = only_fields(sec, W, path, sec_f);
        if (rc == AZK_OK)
            rc = str_field(sec, "id", true, 64, W, path, &s);
        if (rc == AZK_OK && !id_ok(s))
            rc = bad(W, path, "section id: 1-64 of [A-Za-z0-9._-] expected");
        if (rc == AZK_OK)
            rc = str_field(sec, "category", true, 32, W, path, &s);
        if (rc == AZK_OK && !azk_vendor__one_of(s, categories))
            rc = bad(W, path,
                     "category must be organizational, human, physical, technical, "
                     "external-environment or entrustment");
        if (rc == AZK_OK)
            rc = str_field(sec, "title", true, 300, W, path, &s);
        qs = json_object_get(sec, "questions");
        if (rc == AZK_OK && (!json_is_array(qs) || json_array_size(qs) == 0))
            rc = bad(W, path, "questions: a non-empty array expected");
        json_array_foreach(qs, k, q)
        {
            json_t *w, *ch;
            if (rc != AZK_OK)
                break;
            if (++nq > MAX_QUESTIONS) {
                rc = bad(W, path, "more than 512 questions");
                break;
            }
            (void)snprintf(path, sizeof(path), "$.sections[%zu].questions[%zu]", i, k);
            rc = only_fields(q, W, path, q_f);
            if (rc == AZK_OK)
                rc = str_field(q, "id", true, 64, W, path, &s);
            if (rc == AZK_OK && !id_ok(s))
                rc = bad(W, path, "question id: 1-64 of [A-Za-z0-9._-] expected");
            if (rc == AZK_OK && json_object_get(seen, s) != NULL)
                rc = bad(W, path, "question id used twice");
            if (rc == AZK_OK && json_object_set_new(seen, s, json_true()) != 0)
                rc = azk_error_nomem();
            if (rc == AZK_OK)
                rc = str_field(q, "text", true, 4000, W, path, &s);
            if (rc == AZK_OK)
                rc = str_field(q, "guidance", false, 4000, W, path, &s);
            if (rc == AZK_OK)
                rc = str_field(q, "kind", true, 16, W, path, &s);
            if (rc == AZK_OK && !azk_vendor__one_of(s, q_kinds))
                rc = bad(W, path, "kind must be yesno, choice, text or date");
            ch = json_object_get(q, "choices");
            if (rc == AZK_OK && strcmp(s, "choice") == 0) {
                size_t c;
                json_t *cv;
                if (!json_is_array(ch) || json_array_size(ch) < 2 || json_array_size(ch) > 32)
                    rc = bad(W, path, "choices: an array of 2-32 strings expected");
                json_array_foreach(ch, c, cv)
                {
                    if (rc == AZK_OK && (!json_is_string(cv) || json_string_length(cv) == 0 ||
                                         json_string_length(cv) > 200))
                        rc = bad(W, path, "choices: an array of 2-32 strings expected");
                }
            } else if (rc == AZK_OK && ch != NULL) {
                rc = bad(W, path, "choices belong to kind choice only");
            }
            w = json_object_get(q, "weight");
            if (rc == AZK_OK && w != NULL &&
                (!json_is_integer(w) || json_integer_value(w) < 0 || json_integer_value(w) > 10))
                rc = bad(W, path, "weight: an integer 0-10 expected");
            if (rc == AZK_OK)
                rc = str_field(q, "evidence", false, 16, W, path, &s);
            if (rc == AZK_OK && s != NULL && !azk_vendor__one_of(s, ev_levels))
                rc = bad(W, path, "evidence must be required, optional or none");
        }
        if (rc != AZK_OK)
            break;
    }
    json_decref(seen);
    return rc;
}

azk_status azk_vendor__template_parse(const char *text, size_t len, json_t **out)
{
    json_error_t jerr;
    json_t *t;
    azk_status rc;
    *out = NULL;
    if (len > AZK_VENDOR_DOC_MAX)
        return azk_error_set(AZK_ERR_LIMIT, "template: larger than %u bytes", AZK_VENDOR_DOC_MAX);
    t = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (t == NULL)
        return azk_error_set(AZK_ERR_FORMAT, "template: line %d column %d: not JSON", jerr.line,
                             jerr.column);
    rc = azk_vendor__template_check(t);
    if (rc != AZK_OK) {
        json_decref(t);
        return rc;
    }
    *out = t;
    return AZK_OK;
}

/* The question `qid` of the template, or NULL. */
static json_t *find_question(json_t *tmpl, const char *qid)
{
    json_t *sec, *q;
    size_t i, k;
    json_array_foreach(json_object_get(tmpl, "sections"), i, sec)
    {
        json_array_foreach(json_object_get(sec, "questions"), k, q)
        {
            if (strcmp(json_string_value(json_object_get(q, "id")), qid) == 0)
                return q;
        }
    }
    return NULL;
}

azk_status azk_vendor__answers_check(json_t *a, json_t *tmpl, bool embedded)
{
    static const char *const top[] = {"format", "format_version", "questionnaire", "answers", NULL};
    static const char *const ans_f[] = {"question", "answer", "comment", "evidence", NULL};
    static const char *const ev_plain[] = {"file", "effective", "expires", NULL};
    static const char *const ev_emb[] = {"file", "effective", "expires", "sha256",
                                         "size", "content",   NULL};
    const char *W = "answers", *s;
    azk_status rc;
    json_t *arr, *x, *seen;
    size_t i, k;
    char path[96];

    rc = only_fields(a, W, "$", top);
    if (rc == AZK_OK)
        rc = str_field(a, "format", true, 64, W, "$", &s);
    if (rc == AZK_OK && strcmp(s, "azukari-vendor-answers") != 0)
        rc = bad(W, "$.format", "not \"azukari-vendor-answers\"");
    if (rc == AZK_OK && (!json_is_integer(json_object_get(a, "format_version")) ||
                         json_integer_value(json_object_get(a, "format_version")) != 1))
        rc = bad(W, "$.format_version", "1 expected");
    if (rc == AZK_OK)
        rc = str_field(a, "questionnaire", true, 36, W, "$", &s);
    if (rc != AZK_OK)
        return rc;
    arr = json_object_get(a, "answers");
    if (!json_is_array(arr) || json_array_size(arr) > MAX_QUESTIONS)
        return bad(W, "$.answers", "an array of at most 512 answers expected");
    seen = json_object();
    if (seen == NULL)
        return azk_error_nomem();
    json_array_foreach(arr, i, x)
    {
        const char *qid, *kind, *ans, *evl;
        json_t *q, *evs, *e;
        (void)snprintf(path, sizeof(path), "$.answers[%zu]", i);
        rc = only_fields(x, W, path, ans_f);
        if (rc == AZK_OK)
            rc = str_field(x, "question", true, 64, W, path, &qid);
        if (rc != AZK_OK)
            break;
        q = find_question(tmpl, qid);
        if (q == NULL) {
            rc = bad(W, path, "no such question in the template");
            break;
        }
        if (json_object_get(seen, qid) != NULL) {
            rc = bad(W, path, "question answered twice");
            break;
        }
        if (json_object_set_new(seen, qid, json_true()) != 0) {
            rc = azk_error_nomem();
            break;
        }
        rc = str_field(x, "answer", true, 8000, W, path, &ans);
        if (rc == AZK_OK)
            rc = str_field(x, "comment", false, 8000, W, path, &s);
        if (rc != AZK_OK)
            break;
        kind = json_string_value(json_object_get(q, "kind"));
        if (strcmp(kind, "yesno") == 0 && !azk_vendor__one_of(ans, yesno)) {
            rc = bad(W, path, "answer must be yes, no, partial or n/a");
        } else if (strcmp(kind, "date") == 0 && strcmp(ans, "n/a") != 0 &&
                   !azk_vendor__date_ok(ans)) {
            rc = bad(W, path, "answer must be a date YYYY-MM-DD or n/a");
        } else if (strcmp(kind, "choice") == 0 && strcmp(ans, "n/a") != 0) {
            bool ok = false;
            json_t *c;
            size_t j;
            json_array_foreach(json_object_get(q, "choices"), j, c)
            {
                ok |= strcmp(json_string_value(c), ans) == 0;
            }
            if (!ok)
                rc = bad(W, path, "answer is not one of the question's choices");
        }
        if (rc != AZK_OK)
            break;
        evs = json_object_get(x, "evidence");
        evl = json_string_value(json_object_get(q, "evidence"));
        if (evs != NULL && (!json_is_array(evs) || json_array_size(evs) > MAX_EVIDENCE)) {
            rc = bad(W, path, "evidence: an array of at most 32 files expected");
            break;
        }
        if (evl != NULL && strcmp(evl, "required") == 0 && strcmp(ans, "yes") == 0 &&
            json_array_size(evs) == 0) {
            rc = bad(W, path, "the question requires evidence for a \"yes\"");
            break;
        }
        if (evl != NULL && strcmp(evl, "none") == 0 && json_array_size(evs) > 0) {
            rc = bad(W, path, "the question takes no evidence");
            break;
        }
        json_array_foreach(evs, k, e)
        {
            const char *eff = NULL, *exp = NULL, *file = NULL;
            char ep[128];
            (void)snprintf(ep, sizeof(ep), "%s.evidence[%zu]", path, k);
            rc = only_fields(e, W, ep, embedded ? ev_emb : ev_plain);
            if (rc == AZK_OK)
                rc = str_field(e, "file", true, 255, W, ep, &file);
            if (rc == AZK_OK && (strchr(file, '/') != NULL && embedded))
                rc = bad(W, ep, "file: a name without directories expected");
            if (rc == AZK_OK && (strcmp(file, "..") == 0 || strcmp(file, ".") == 0 ||
                                 strstr(file, "../") != NULL || file[0] == '/'))
                rc = bad(W, ep, "file: a path below the answers file expected");
            if (rc == AZK_OK)
                rc = str_field(e, "effective", true, 10, W, ep, &eff);
            if (rc == AZK_OK && !azk_vendor__date_ok(eff))
                rc = bad(W, ep, "effective: a date YYYY-MM-DD expected");
            if (rc == AZK_OK)
                rc = str_field(e, "expires", false, 10, W, ep, &exp);
            if (rc == AZK_OK && exp != NULL && (!azk_vendor__date_ok(exp) || strcmp(exp, eff) < 0))
                rc = bad(W, ep, "expires: a date YYYY-MM-DD not before effective expected");
            if (rc == AZK_OK && embedded) {
                const char *sha, *content;
                json_t *sz = json_object_get(e, "size");
                rc = str_field(e, "sha256", true, 64, W, ep, &sha);
                if (rc == AZK_OK && strlen(sha) != 64)
                    rc = bad(W, ep, "sha256: 64 hex digits expected");
                if (rc == AZK_OK && (!json_is_integer(sz) || json_integer_value(sz) < 0 ||
                                     json_integer_value(sz) > AZK_VENDOR_FILE_MAX))
                    rc = bad(W, ep, "size: an integer expected");
                if (rc == AZK_OK && json_object_get(e, "content") != NULL &&
                    !json_is_string(json_object_get(e, "content")))
                    rc = bad(W, ep, "content: base64 text expected");
                content = json_string_value(json_object_get(e, "content"));
                if (rc == AZK_OK && content == NULL)
                    rc = bad(W, ep, "content: missing");
            }
            if (rc != AZK_OK)
                break;
        }
        if (rc != AZK_OK)
            break;
    }
    json_decref(seen);
    return rc;
}

azk_status azk_vendor__answers_parse(const char *text, size_t len, json_t *tmpl, json_t **out)
{
    json_error_t jerr;
    json_t *a;
    azk_status rc;
    *out = NULL;
    if (len > AZK_VENDOR_DOC_MAX)
        return azk_error_set(AZK_ERR_LIMIT, "answers: larger than %u bytes", AZK_VENDOR_DOC_MAX);
    a = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (a == NULL)
        return azk_error_set(AZK_ERR_FORMAT, "answers: line %d column %d: not JSON", jerr.line,
                             jerr.column);
    rc = azk_vendor__answers_check(a, tmpl, false);
    if (rc != AZK_OK) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return AZK_OK;
}
