/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy/policy.c -- the zone policy of the egress guard: defaults that
 * fail closed, the "guard" section of <home>/azukari.conf (JSON), setting
 * one key by atomic replace, and closed-zone host/path membership.
 *
 * Unknown keys and wrongly typed values are errors, not ignored: a typo in
 * a policy must never silently weaken it.
 */
#include "util/util.h"
#include "policy/policy_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_BLOCK_SCORE 50.0
#define DEFAULT_WARN_SCORE  20.0
#define DEFAULT_MAX_RATIO   200u

/* The content table a zone starts from (closed: block everything not read). */
static void set_zone_content(azk_guard_policy *p)
{
    bool closed = p->zone == AZK_GUARD_ZONE_CLOSED;
    unsigned k;
    p->content[AZK_GUARD_CLASS_TEXT] = AZK_GUARD_ACT_SCAN;
    p->content[AZK_GUARD_CLASS_ARCHIVE] = AZK_GUARD_ACT_SCAN;
    p->content[AZK_GUARD_CLASS_OFFICE] = AZK_GUARD_ACT_SCAN;
    p->content[AZK_GUARD_CLASS_IMAGE] = closed ? AZK_GUARD_ACT_BLOCK : AZK_GUARD_ACT_ALLOW;
    for (k = AZK_GUARD_CLASS_ENCRYPTED; k < AZK_GUARD_CLASS__COUNT; k++)
        p->content[k] = closed ? AZK_GUARD_ACT_BLOCK : AZK_GUARD_ACT_WARN;
    p->unreadable_block = closed;
}

void azk_guard_policy_init(azk_guard_policy *p)
{
    memset(p, 0, sizeof(*p));
    p->zone = AZK_GUARD_ZONE_CLOSED;
    p->block_on_edm = true;
    p->pii_block_score = DEFAULT_BLOCK_SCORE;
    p->pii_warn_score = DEFAULT_WARN_SCORE;
    p->unreadable_block = true;
    p->max_body = 0;
    p->max_ratio = DEFAULT_MAX_RATIO;
    set_zone_content(p);
}

static void free_list(char **l, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        azk_free(l[i]);
    azk_free(l);
}

void azk_guard_policy_dispose(azk_guard_policy *p)
{
    if (p == NULL)
        return;
    azk_free(p->fingerprints);
    azk_free(p->fingerprint_key);
    azk_free(p->retired_keys);
    free_list(p->closed_paths, p->closed_path_count);
    free_list(p->closed_hosts, p->closed_host_count);
    azk_guard_policy_init(p);
}

static azk_status get_list(json_t *v, const char *key, char ***out, size_t *out_count)
{
    size_t i, n;
    char **l = NULL;
    if (!json_is_array(v))
        return azk_error_set(AZK_ERR_FORMAT, "config: guard.%s must be a list of strings", key);
    n = json_array_size(v);
    if (n > 4096)
        return azk_error_set(AZK_ERR_LIMIT, "config: guard.%s has more than 4096 items", key);
    if (n > 0) {
        l = azk_calloc(n, sizeof(*l));
        if (l == NULL)
            return azk_error_nomem();
    }
    for (i = 0; i < n; i++) {
        json_t *s = json_array_get(v, i);
        if (!json_is_string(s) || json_string_length(s) == 0) {
            free_list(l, i);
            return azk_error_set(AZK_ERR_FORMAT, "config: guard.%s[%zu] must be a non-empty string",
                                 key, i);
        }
        l[i] = azk_strdup(json_string_value(s));
        if (l[i] == NULL) {
            free_list(l, i);
            return azk_error_nomem();
        }
    }
    free_list(*out, *out_count);
    *out = l;
    *out_count = n;
    return AZK_OK;
}

static azk_status get_score(json_t *v, const char *key, double *out)
{
    double d;
    if (json_is_null(v)) {
        *out = -1.0; /* never */
        return AZK_OK;
    }
    if (!json_is_number(v))
        return azk_error_set(AZK_ERR_FORMAT, "config: guard.%s must be a number or null", key);
    d = json_number_value(v);
    if (d < 0.0 || d > 100.0)
        return azk_error_set(AZK_ERR_FORMAT, "config: guard.%s must be within 0..100", key);
    *out = d;
    return AZK_OK;
}

static azk_status get_str(json_t *v, const char *key, char **out)
{
    char *s;
    if (json_is_null(v)) {
        azk_free(*out);
        *out = NULL;
        return AZK_OK;
    }
    if (!json_is_string(v) || json_string_length(v) == 0)
        return azk_error_set(AZK_ERR_FORMAT, "config: guard.%s must be a non-empty string", key);
    s = azk_strdup(json_string_value(v));
    if (s == NULL)
        return azk_error_nomem();
    azk_free(*out);
    *out = s;
    return AZK_OK;
}

static const char *const action_names[] = {"scan", "allow", "warn", "block"};

/*
 * "content": {"image": "allow", "encrypted": "warn", ...}: per class what
 * happens. Text, archive and office are read and decided by their
 * content: only "scan" is valid for them (and nothing else is valid for
 * the classes that are not read).
 */
static azk_status get_content(azk_guard_policy *p, json_t *v)
{
    const char *cls;
    json_t *a;
    if (!json_is_object(v))
        return azk_error_set(AZK_ERR_FORMAT, "config: guard.content must be an object");
    json_object_foreach(v, cls, a)
    {
        unsigned k, act;
        const char *an = json_string_value(a);
        for (k = 0; k < AZK_GUARD_CLASS__COUNT; k++) {
            if (strcmp(cls, azk_guard_class_name((azk_guard_class)k)) == 0)
                break;
        }
        if (k == AZK_GUARD_CLASS__COUNT)
            return azk_error_set(AZK_ERR_FORMAT,
                                 "config: unknown content class guard.content.%.32s", cls);
        for (act = 0; an != NULL && act < 4; act++) {
            if (strcmp(an, action_names[act]) == 0)
                break;
        }
        if (an == NULL || act == 4)
            return azk_error_set(AZK_ERR_FORMAT,
                                 "config: guard.content.%s must be \"block\", \"warn\" or "
                                 "\"allow\" (\"scan\" for text, archive, office)",
                                 azk_guard_class_name((azk_guard_class)k));
        if ((k <= AZK_GUARD_CLASS_OFFICE) != (act == AZK_GUARD_ACT_SCAN))
            return azk_error_set(AZK_ERR_FORMAT,
                                 "config: guard.content.%s: text, archive and office are "
                                 "scanned (\"scan\"); the other classes are not read "
                                 "(\"block\", \"warn\" or \"allow\")",
                                 azk_guard_class_name((azk_guard_class)k));
        p->content[k] = (azk_guard_action)act;
    }
    return AZK_OK;
}

static azk_status apply_key(azk_guard_policy *p, const char *key, json_t *v, bool *unreadable_set)
{
    if (strcmp(key, "zone") == 0) {
        const char *z = json_string_value(v);
        if (z != NULL && strcmp(z, "closed") == 0)
            p->zone = AZK_GUARD_ZONE_CLOSED;
        else if (z != NULL && strcmp(z, "general") == 0)
            p->zone = AZK_GUARD_ZONE_GENERAL;
        else
            return azk_error_set(AZK_ERR_FORMAT, "config: guard.zone must be \"closed\" or "
                                                 "\"general\"");
        return AZK_OK;
    }
    if (strcmp(key, "block_on_edm") == 0) {
        if (!json_is_boolean(v))
            return azk_error_set(AZK_ERR_FORMAT, "config: guard.block_on_edm must be a boolean");
        p->block_on_edm = json_is_true(v);
        return AZK_OK;
    }
    if (strcmp(key, "pii_block_score") == 0)
        return get_score(v, key, &p->pii_block_score);
    if (strcmp(key, "pii_warn_score") == 0)
        return get_score(v, key, &p->pii_warn_score);
    if (strcmp(key, "unreadable") == 0) {
        const char *u = json_string_value(v);
        unsigned k;
        if (u != NULL && strcmp(u, "block") == 0)
            p->unreadable_block = true;
        else if (u != NULL && (strcmp(u, "allow") == 0 || strcmp(u, "warn") == 0))
            p->unreadable_block = false;
        else
            return azk_error_set(AZK_ERR_FORMAT,
                                 "config: guard.unreadable must be \"block\" or \"allow\"");
        /* shorthand for every class that is not read ("allow" only warns) */
        for (k = AZK_GUARD_CLASS_ENCRYPTED; k < AZK_GUARD_CLASS__COUNT; k++)
            p->content[k] = p->unreadable_block ? AZK_GUARD_ACT_BLOCK : AZK_GUARD_ACT_WARN;
        *unreadable_set = true;
        return AZK_OK;
    }
    if (strcmp(key, "content") == 0)
        return get_content(p, v);
    if (strcmp(key, "fingerprints") == 0)
        return get_str(v, key, &p->fingerprints);
    if (strcmp(key, "fingerprint_key") == 0)
        return get_str(v, key, &p->fingerprint_key);
    if (strcmp(key, "closed_paths") == 0)
        return get_list(v, key, &p->closed_paths, &p->closed_path_count);
    if (strcmp(key, "closed_hosts") == 0)
        return get_list(v, key, &p->closed_hosts, &p->closed_host_count);
    if (strcmp(key, "max_body") == 0) {
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return azk_error_set(AZK_ERR_FORMAT, "config: guard.max_body must be an integer >= 0");
        p->max_body = (uint64_t)json_integer_value(v);
        return AZK_OK;
    }
    if (strcmp(key, "max_ratio") == 0) {
        if (!json_is_integer(v) || json_integer_value(v) < 2 || json_integer_value(v) > 100000)
            return azk_error_set(AZK_ERR_FORMAT,
                                 "config: guard.max_ratio must be within 2..100000");
        p->max_ratio = (uint32_t)json_integer_value(v);
        return AZK_OK;
    }
    return azk_error_set(AZK_ERR_FORMAT, "config: unknown key guard.%.64s", key);
}

static azk_status apply_section(azk_guard_policy *p, json_t *g)
{
    const char *key;
    json_t *v;
    bool unreadable_set = false;
    azk_status rc;
    if (!json_is_object(g))
        return azk_error_set(AZK_ERR_FORMAT, "config: \"guard\" must be an object");
    /* zone first: it decides the default for unreadable objects */
    v = json_object_get(g, "zone");
    if (v != NULL) {
        rc = apply_key(p, "zone", v, &unreadable_set);
        if (rc != AZK_OK)
            return rc;
    }
    set_zone_content(p); /* the zone's defaults; "unreadable" and "content" refine them */
    v = json_object_get(g, "unreadable");
    if (v != NULL) {
        rc = apply_key(p, "unreadable", v, &unreadable_set);
        if (rc != AZK_OK)
            return rc;
    }
    json_object_foreach(g, key, v)
    {
        if (strcmp(key, "zone") == 0 || strcmp(key, "unreadable") == 0)
            continue;
        rc = apply_key(p, key, v, &unreadable_set);
        if (rc != AZK_OK)
            return rc;
    }
    if (p->pii_warn_score >= 0.0 && p->pii_block_score >= 0.0 &&
        p->pii_warn_score > p->pii_block_score)
        return azk_error_set(AZK_ERR_FORMAT,
                             "config: guard.pii_warn_score is above guard.pii_block_score");
    return AZK_OK;
}

azk_status azk_guard_policy_load(azk_guard_policy *p, const char *conf_path)
{
    json_t *root = NULL;
    json_error_t jerr;
    struct stat st;
    azk_status rc;
    AZK_ASSERT_ARG(p != NULL);
    azk_error_clear();
    azk_guard_policy_init(p);
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    if (conf_path == NULL)
        return AZK_OK;
    {
        /* the home's retired scanning keys, beside its configuration */
        const char *slash = strrchr(conf_path, '/');
        azk_buf rk = AZK_BUF_INIT;
        rc = slash != NULL ? azk_buf_printf(&rk, "%.*s/fingerprints.retired",
                                            (int)(slash - conf_path), conf_path)
                           : azk_buf_puts(&rk, "fingerprints.retired");
        if (rc != AZK_OK)
            return rc;
        p->retired_keys = azk_buf_detach(&rk);
    }
    if (stat(conf_path, &st) != 0) {
        if (errno == ENOENT)
            return AZK_OK;
        return azk_error_errno("config: stat");
    }
    root = json_load_file(conf_path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        /* jansson's text quotes no input beyond a token; keep line/column only */
        return azk_error_set(AZK_ERR_FORMAT, "config: not valid JSON at line %d column %d",
                             jerr.line, jerr.column);
    }
    if (!json_is_object(root)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "config: the file must hold a JSON object");
        goto done;
    }
    if (json_object_get(root, "guard") != NULL) {
        rc = apply_section(p, json_object_get(root, "guard"));
        if (rc != AZK_OK)
            goto done;
    }
    rc = AZK_OK;
done:
    json_decref(root);
    return rc;
}

azk_status azk_guard_policy_set(const char *conf_path, const char *key, const char *value)
{
    json_t *root = NULL, *v = NULL, *g;
    json_error_t jerr;
    azk_guard_policy check;
    azk_buf tmp = AZK_BUF_INIT;
    bool dummy = false;
    bool had_file = false;
    struct stat st;
    azk_status rc;
    char *text = NULL;
    AZK_ASSERT_ARG(conf_path != NULL && key != NULL && value != NULL);
    azk_error_clear();
    azk_guard_policy_init(&check);
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    v = json_loads(value, JSON_DECODE_ANY, &jerr);
    if (v == NULL) {
        rc = azk_error_set(AZK_ERR_ARG, "policy: the value of %.64s is not JSON", key);
        goto done;
    }
    rc = apply_key(&check, key, v, &dummy);
    if (rc != AZK_OK) {
        rc = AZK_ERR_ARG;
        goto done;
    }
    had_file = stat(conf_path, &st) == 0;
    if (had_file) {
        root = json_load_file(conf_path, JSON_REJECT_DUPLICATES, &jerr);
        if (root == NULL || !json_is_object(root)) {
            rc = azk_error_set(AZK_ERR_FORMAT, "config: the file is not a JSON object");
            goto done;
        }
    } else {
        root = json_object();
        if (root == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
    }
    g = json_object_get(root, "guard");
    if (g == NULL) {
        g = json_object();
        if (g == NULL || json_object_set_new(root, "guard", g) != 0) {
            rc = azk_error_nomem();
            goto done;
        }
    }
    if (!json_is_object(g)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "config: \"guard\" must be an object");
        goto done;
    }
    if (json_object_set(g, key, v) != 0) {
        rc = azk_error_nomem();
        goto done;
    }
    azk_guard_policy_dispose(&check);
    rc = apply_section(&check, g);
    if (rc != AZK_OK)
        goto done;
    text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (text == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    rc = azk_buf_puts(&tmp, text);
    if (rc == AZK_OK)
        rc = azk_buf_putc(&tmp, '\n');
    if (rc == AZK_OK)
        /* an existing file keeps its mode: it may hold the catalog URL's password (0600) */
        rc = azk_outfile__write(conf_path, tmp.data, tmp.len,
                                had_file ? (unsigned)(st.st_mode & 0666) : 0640u, 0, NULL);
    if (rc != AZK_OK)
        goto done;
    rc = AZK_OK;
done:
    azk_guard_policy_dispose(&check);
    azk_buf_dispose(&tmp);
    azk_free(text); /* jansson allocates through azk_malloc (util/init.c) */
    json_decref(v);
    json_decref(root);
    return rc;
}

static json_t *list_json(char **l, size_t n)
{
    json_t *a = json_array();
    size_t i;
    if (a == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        if (json_array_append_new(a, json_string(l[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *score_json(double s)
{
    return s < 0.0 ? json_null() : json_real(s);
}

azk_status azk_guard_policy_to_json(const azk_guard_policy *p, char **out)
{
    json_t *o;
    char *s;
    int bad = 0;
    AZK_ASSERT_ARG(p != NULL && out != NULL);
    *out = NULL;
    if (azk__lib_init() != AZK_OK)
        return AZK_ERR_CRYPTO;
    o = json_object();
    if (o == NULL)
        return azk_error_nomem();
    bad |= json_object_set_new(
        o, "zone", json_string(p->zone == AZK_GUARD_ZONE_CLOSED ? "closed" : "general"));
    bad |= json_object_set_new(o, "block_on_edm", json_boolean(p->block_on_edm));
    bad |= json_object_set_new(o, "pii_block_score", score_json(p->pii_block_score));
    bad |= json_object_set_new(o, "pii_warn_score", score_json(p->pii_warn_score));
    bad |=
        json_object_set_new(o, "unreadable", json_string(p->unreadable_block ? "block" : "allow"));
    bad |= json_object_set_new(o, "fingerprints",
                               p->fingerprints ? json_string(p->fingerprints) : json_null());
    bad |= json_object_set_new(o, "fingerprint_key",
                               p->fingerprint_key ? json_string(p->fingerprint_key) : json_null());
    bad |= json_object_set_new(o, "closed_paths", list_json(p->closed_paths, p->closed_path_count));
    bad |= json_object_set_new(o, "closed_hosts", list_json(p->closed_hosts, p->closed_host_count));
    bad |= json_object_set_new(o, "max_body", json_integer((json_int_t)p->max_body));
    bad |= json_object_set_new(o, "max_ratio", json_integer((json_int_t)p->max_ratio));
    {
        json_t *c = json_object();
        unsigned k;
        for (k = 0; c != NULL && k < AZK_GUARD_CLASS__COUNT; k++)
            bad |= json_object_set_new(c, azk_guard_class_name((azk_guard_class)k),
                                       json_string(action_names[p->content[k]]));
        bad |= c == NULL ? -1 : json_object_set_new(o, "content", c);
    }
    s = bad ? NULL : json_dumps(o, JSON_SORT_KEYS);
    json_decref(o);
    if (s == NULL)
        return azk_error_nomem();
    *out = s;
    return AZK_OK;
}

bool azk_guard_policy_closed_host(const azk_guard_policy *p, const char *host)
{
    size_t i, hl;
    if (p == NULL || host == NULL)
        return false;
    hl = strlen(host);
    while (hl > 0 && host[hl - 1] == '.') /* "db1.corp." == "db1.corp" */
        hl--;
    if (hl == 0)
        return false;
    for (i = 0; i < p->closed_host_count; i++) {
        const char *c = p->closed_hosts[i];
        size_t cl = strlen(c);
        if (c[0] == '.') {
            /* ".corp.example": every host below that domain (not the bare domain) */
            if (hl > cl && strncasecmp(host + hl - cl, c, cl) == 0)
                return true;
        } else if (cl == hl && strncasecmp(host, c, hl) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * Where `path` really is: realpath() of its longest existing prefix (every
 * symbolic link and ".." resolved by the kernel), then the components that
 * do not exist yet appended verbatim. A missing component that is "." or
 * "..", or that exists but cannot be resolved (a dangling or looping
 * symbolic link, a component without permission), makes the place unknown:
 * false, and the caller treats the destination as outside the closed zone.
 */
static bool resolve_dest_path(const char *path, char *out, size_t cap)
{
    char work[PATH_MAX], real[PATH_MAX];
    size_t n = strlen(path), cut, tail_at, rl;
    struct stat st;
    if (n == 0 || n >= sizeof(work))
        return false;
    memcpy(work, path, n + 1);
    while (n > 1 && work[n - 1] == '/')
        work[--n] = '\0';
    cut = n; /* work[0..cut) is the prefix tried; work[tail_at..n) does not exist */
    tail_at = n;
    for (;;) {
        char save = work[cut];
        const char *prefix = work;
        size_t start;
        if (cut == 0)
            prefix = work[0] == '/' ? "/" : ".";
        work[cut] = '\0';
        if (realpath(prefix, real) != NULL) {
            work[cut] = save;
            break;
        }
        if ((errno != ENOENT && errno != ENOTDIR) || cut == 0 || lstat(prefix, &st) == 0) {
            /* exists but cannot be resolved (dangling or looping link, permission) */
            work[cut] = save;
            return false;
        }
        work[cut] = save;
        start = cut;
        while (start > 0 && work[start - 1] != '/')
            start--;
        if ((cut - start == 1 && work[start] == '.') ||
            (cut - start == 2 && work[start] == '.' && work[start + 1] == '.'))
            return false; /* "missing/.." is not resolvable honestly */
        tail_at = start;
        cut = start;
        while (cut > 0 && work[cut - 1] == '/')
            cut--;
    }
    rl = strlen(real);
    if (rl >= cap)
        return false;
    memcpy(out, real, rl + 1);
    if (tail_at < n) {
        const char *tail = work + tail_at;
        size_t tl = n - tail_at;
        if (rl + 1 + tl >= cap)
            return false;
        if (rl == 0 || out[rl - 1] != '/')
            out[rl++] = '/';
        memcpy(out + rl, tail, tl + 1);
    }
    return true;
}

bool azk_guard_policy_closed_path(const azk_guard_policy *p, const char *path)
{
    char real[PATH_MAX];
    size_t i;
    if (p == NULL || path == NULL)
        return false;
    /* resolve symlinks and "..": a path is judged by where it really is */
    if (!resolve_dest_path(path, real, sizeof(real)))
        return false;
    for (i = 0; i < p->closed_path_count; i++) {
        char cr[PATH_MAX];
        const char *c = p->closed_paths[i];
        size_t cl;
        if (realpath(c, cr) != NULL)
            c = cr;
        cl = strlen(c);
        while (cl > 1 && c[cl - 1] == '/')
            cl--;
        if (strncmp(real, c, cl) == 0 && (real[cl] == '\0' || real[cl] == '/' || cl == 1))
            return true;
    }
    return false;
}

static azk_status copy_list(char ***out, char **l, size_t n)
{
    size_t i;
    *out = NULL;
    if (n == 0)
        return AZK_OK;
    *out = azk_calloc(n, sizeof(char *));
    if (*out == NULL)
        return azk_error_nomem();
    for (i = 0; i < n; i++) {
        (*out)[i] = azk_strdup(l[i]);
        if ((*out)[i] == NULL)
            return azk_error_nomem();
    }
    return AZK_OK;
}

azk_status azk_policy__copy(azk_guard_policy *dst, const azk_guard_policy *src)
{
    azk_status rc;
    *dst = *src;
    dst->fingerprints = NULL;
    dst->fingerprint_key = NULL;
    dst->retired_keys = NULL;
    dst->closed_paths = NULL;
    dst->closed_hosts = NULL;
    dst->closed_path_count = 0;
    dst->closed_host_count = 0;
    if (src->fingerprints != NULL) {
        dst->fingerprints = azk_strdup(src->fingerprints);
        if (dst->fingerprints == NULL)
            goto nomem;
    }
    if (src->fingerprint_key != NULL) {
        dst->fingerprint_key = azk_strdup(src->fingerprint_key);
        if (dst->fingerprint_key == NULL)
            goto nomem;
    }
    if (src->retired_keys != NULL) {
        dst->retired_keys = azk_strdup(src->retired_keys);
        if (dst->retired_keys == NULL)
            goto nomem;
    }
    dst->closed_path_count = src->closed_path_count;
    rc = copy_list(&dst->closed_paths, src->closed_paths, src->closed_path_count);
    if (rc != AZK_OK)
        goto fail;
    dst->closed_host_count = src->closed_host_count;
    rc = copy_list(&dst->closed_hosts, src->closed_hosts, src->closed_host_count);
    if (rc != AZK_OK)
        goto fail;
    return AZK_OK;
nomem:
    rc = azk_error_nomem();
fail:
    azk_guard_policy_dispose(dst);
    return rc;
}

/* A host name or address as written in a URL authority (no percent-encoding). */
static bool plain_host(const char *s, size_t n)
{
    size_t i;
    if (n == 0)
        return false;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '.' || c == '-' || c == '_' || c == ':'))
            return false;
    }
    return true;
}

/* Host part of an authority [userinfo@]host[:port] or [v6]:port into out. */
static bool authority_host(const char *a, size_t n, char *out, size_t cap)
{
    const char *at = NULL, *h;
    size_t i, hn;
    for (i = 0; i < n; i++) {
        if (a[i] == '@')
            at = a + i;
    }
    h = at != NULL ? at + 1 : a;
    hn = (size_t)(a + n - h);
    if (hn > 0 && h[0] == '[') {
        const char *rb = memchr(h, ']', hn);
        if (rb == NULL)
            return false;
        h++;
        hn = (size_t)(rb - h);
    } else {
        const char *colon = memchr(h, ':', hn);
        if (colon != NULL)
            hn = (size_t)(colon - h);
    }
    if (!plain_host(h, hn) || hn >= cap)
        return false;
    memcpy(out, h, hn);
    out[hn] = '\0';
    return true;
}

bool azk_guard_policy_closed_dest(const azk_guard_policy *p, const char *dest)
{
    char host[256];
    const char *sep, *slash, *colon;
    size_t i;
    struct stat st;
    if (p == NULL || dest == NULL || dest[0] == '\0')
        return false;
    sep = strstr(dest, "://");
    if (sep != NULL && sep > dest) {
        /* URL (RFC 3986): scheme "://" authority, ending at the first of "/?#"
         * (and "\\", which browsers take for "/"); the host is the authority's
         * host, never a substring of the rest */
        const char *a = sep + 3;
        size_t an = strcspn(a, "/?#\\");
        for (i = 0; dest + i < sep; i++) {
            unsigned char c = (unsigned char)dest[i];
            if (!(isalpha(c) || (i > 0 && (isdigit(c) || c == '+' || c == '-' || c == '.'))))
                return false;
        }
        if ((size_t)(sep - dest) == 4 && strncasecmp(dest, "file", 4) == 0) {
            /* file:///path or file://localhost/path: a local path, not decoded */
            if (!(an == 0 || (an == 9 && strncasecmp(a, "localhost", 9) == 0)))
                return false;
            if (a[an] != '/' || strchr(a + an, '%') != NULL)
                return false;
            return azk_guard_policy_closed_path(p, a + an);
        }
        if (!authority_host(a, an, host, sizeof(host)))
            return false;
        return azk_guard_policy_closed_host(p, host);
    }
    slash = strchr(dest, '/');
    colon = strchr(dest, ':');
    if (colon != NULL && colon > dest && (slash == NULL || colon < slash)) {
        /* scp style [user@]host:path */
        if (!authority_host(dest, (size_t)(colon - dest), host, sizeof(host)))
            return false;
        return azk_guard_policy_closed_host(p, host);
    }
    if (slash == NULL && lstat(dest, &st) != 0 && errno == ENOENT) {
        /* a bare name that is no file here: a host name */
        if (!plain_host(dest, strlen(dest)) || strchr(dest, ':') != NULL)
            return false;
        return azk_guard_policy_closed_host(p, dest);
    }
    return azk_guard_policy_closed_path(p, dest);
}
