/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common/opts.h -- option-value parsing shared by the front ends: sizes
 * with K/M/G suffixes, bounded integers, string options into a struct by
 * a table, growable string lists.
 */
#ifndef AZK_COMMON_OPTS_H
#define AZK_COMMON_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "100", "64K", "10M", "2G" (powers of 1024) -> bytes. False when invalid. */
bool azk_opt_size(const char *s, uint64_t *out);
/* Decimal integer in [min, max]. */
bool azk_opt_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Decimal fraction in [min, max]. */
bool azk_opt_double(const char *s, double min, double max, double *out);

/*
 * "phone,email,..." -> bit (1 << azk_pii_type) per named type. False on an
 * unknown or empty name.
 */
bool azk_opt_types(const char *s, uint32_t *out);

/* A string option `name` ("--user"): "--user VALUE" or "--user=VALUE" stores VALUE (borrowed
 * from argv) in the `const char *` at byte offset `off` of the caller's options struct. */
struct azk_opt_str {
    const char *name;
    size_t off;
};

/*
 * argv[*i], after the caller's own flags were checked: 1 when it is one of
 * the n options of tab (its value stored in the struct at `o`, *i moved
 * past a separate value); 0 when it is not an option (a positional
 * argument, or "-"); -1 when it needs a value and none follows, or is an
 * option not in tab (the message printed).
 */
int azk_opt_str_match(const struct azk_opt_str *tab, size_t n, void *o, int argc, char **argv,
                      int *i);

/* A growable list of borrowed or owned strings. */
struct azk_strlist {
    const char **items;
    size_t count, cap;
    char **owned;
    size_t owned_count, owned_cap;
};

/* Append a borrowed string (argv); false on allocation failure. */
bool azk_strlist_add(struct azk_strlist *l, const char *s);
/* Append a copy. */
bool azk_strlist_add_copy(struct azk_strlist *l, const char *s, size_t n);
void azk_strlist_dispose(struct azk_strlist *l);

#endif
