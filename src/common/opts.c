/* SPDX-License-Identifier: Apache-2.0 */
/* common/opts.c -- see opts.h. */
#include "opts.h"
#include "cli.h"
#include "azukari/types.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool azk_opt_size(const char *s, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;
    uint64_t mul = 1;
    if (s == NULL || *s == '\0' || *s == '-')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s)
        return false;
    switch (*end) {
        case '\0':
            break;
        case 'k':
        case 'K':
            mul = 1024;
            end++;
            break;
        case 'm':
        case 'M':
            mul = 1024 * 1024;
            end++;
            break;
        case 'g':
        case 'G':
            mul = 1024ull * 1024 * 1024;
            end++;
            break;
        case 't':
        case 'T':
            mul = 1024ull * 1024 * 1024 * 1024;
            end++;
            break;
        default:
            return false;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0')
        return false;
    if (__builtin_mul_overflow((uint64_t)v, mul, out))
        return false;
    return true;
}

bool azk_opt_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;
    if (s == NULL || *s == '\0' || *s == '-')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool azk_opt_double(const char *s, double min, double max, double *out)
{
    char *end = NULL;
    double v;
    if (s == NULL || *s == '\0')
        return false;
    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !(v >= min && v <= max))
        return false;
    *out = v;
    return true;
}

bool azk_opt_types(const char *s, uint32_t *out)
{
    const char *p = s;
    *out = 0;
    while (*p) {
        size_t n = strcspn(p, ",");
        char name[32];
        azk_pii_type t;
        if (n == 0 || n >= sizeof(name))
            return false;
        memcpy(name, p, n);
        name[n] = '\0';
        t = azk_pii_type_from_name(name);
        if (t == AZK_PII__COUNT)
            return false;
        *out |= 1u << t;
        p += n;
        if (*p == ',')
            p++;
    }
    return *out != 0;
}

static bool grow(void **p, size_t *cap, size_t count, size_t elem)
{
    void *n;
    size_t nc;
    if (count < *cap)
        return true;
    nc = *cap == 0 ? 8 : *cap * 2;
    n = realloc(*p, nc * elem); /* front end, not library: plain realloc is fine here */
    if (n == NULL)
        return false;
    *p = n;
    *cap = nc;
    return true;
}

bool azk_strlist_add(struct azk_strlist *l, const char *s)
{
    if (!grow((void **)&l->items, &l->cap, l->count, sizeof(char *)))
        return false;
    l->items[l->count++] = s;
    return true;
}

bool azk_strlist_add_copy(struct azk_strlist *l, const char *s, size_t n)
{
    char *c;
    if (!grow((void **)&l->owned, &l->owned_cap, l->owned_count, sizeof(char *)))
        return false;
    c = malloc(n + 1);
    if (c == NULL)
        return false;
    memcpy(c, s, n);
    c[n] = '\0';
    l->owned[l->owned_count++] = c;
    return azk_strlist_add(l, c);
}

void azk_strlist_dispose(struct azk_strlist *l)
{
    for (size_t i = 0; i < l->owned_count; i++)
        free(l->owned[i]);
    free(l->owned);
    free((void *)l->items);
    memset(l, 0, sizeof(*l));
}

int azk_opt_str_match(const struct azk_opt_str *tab, size_t n, void *o, int argc, char **argv,
                      int *i)
{
    const char *a = argv[*i];
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(tab[k].name);
        const char **slot = (const char **)((char *)o + tab[k].off);
        if (strcmp(a, tab[k].name) == 0) {
            if (*i + 1 >= argc) {
                azk_cli_err(_("%s needs a value"), a);
                return -1;
            }
            *slot = argv[++*i];
            return 1;
        }
        if (strncmp(a, tab[k].name, len) == 0 && a[len] == '=') {
            *slot = a + len + 1;
            return 1;
        }
    }
    if (a[0] == '-' && a[1] != '\0') {
        azk_cli_err(_("unknown option: %s"), a);
        return -1;
    }
    return 0;
}
