/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/options.c -- versioned options structs of the public API. Every
 * azk_*_options struct starts with `size_t struct_size`, set to the sizeof
 * the caller compiled against by its AZK_*_OPTIONS_INIT macro; fields are
 * only ever added at the end. A library function takes the caller's struct
 * through azk__options_in: an older caller (smaller struct) gets this
 * library's defaults for the fields added since; a newer caller (larger
 * struct) is accepted only when every field this library does not know is
 * zero, i.e. unused (the rule of Linux's copy_struct_from_user, openat2).
 * docs/library.md explains it to users.
 */
#include "util/util.h"

#include <string.h>

azk_status azk__options_in(void *out, size_t size, const void *defaults, const void *in,
                           bool required, const char *what)
{
    size_t given;
    memcpy(out, defaults, size);
    if (in == NULL) {
        if (required)
            return azk_error_set(AZK_ERR_ARG, "%s: options missing", what);
        return AZK_OK;
    }
    memcpy(&given, in, sizeof(given)); /* struct_size, the first member */
    if (given <= sizeof(size_t))
        return azk_error_set(AZK_ERR_ARG,
                             "%s: options not initialised with their _OPTIONS_INIT macro", what);
    if (given > size) {
        const unsigned char *extra = (const unsigned char *)in + size;
        for (size_t i = 0; i < given - size; i++) {
            if (extra[i] != 0)
                return azk_error_set(AZK_ERR_UNSUPPORTED,
                                     "%s: options of a newer azukari (%zu bytes, this library "
                                     "knows %zu) set a field this library does not have",
                                     what, given, size);
        }
        given = size;
    }
    memcpy(out, in, given);
    memcpy(out, &size, sizeof(size)); /* the copy is this library's version */
    return AZK_OK;
}
