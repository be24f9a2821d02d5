/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/schema_int.h -- inside store/schema.c: the parts of a schema
 * version kept in a file of their own (store/schema_v5.c, store/schema_v6.c,
 * store/schema_v8.c).
 */
#ifndef AZK_STORE_SCHEMA_INT_H
#define AZK_STORE_SCHEMA_INT_H

#include <stddef.h>

/* One statement of a version: probe (SQLite: it prepares when the part is
 * there already), ddl (CREATE TABLE or CREATE INDEX IF NOT EXISTS). */
struct azk_schema_part {
    const char *probe;
    const char *ddl;
};

extern const struct azk_schema_part azk_schema__v5_parts[];
extern const size_t azk_schema__v5_count;
extern const struct azk_schema_part azk_schema__v6_parts[];
extern const size_t azk_schema__v6_count;
extern const struct azk_schema_part azk_schema__v8_parts[];
extern const size_t azk_schema__v8_count;

#endif
