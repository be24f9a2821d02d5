/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/schema_v8.c -- the parts of schema version 8 (session 7): what an
 * incident's confirmed records rest on (azukari/impact.h: the strict count,
 * and beside it the records confirmed by name and birth date only or by a
 * household's values and at most the name, each with the expected number
 * of its records that are about someone else, kept in units of 1e-9
 * records). The rules of store/schema_v5.c hold: each part one idempotent
 * statement with a probe for SQLite (PostgreSQL: ADD COLUMN IF NOT
 * EXISTS); a new catalog runs them all after version 6's parts, a
 * migration from 7 each one that is missing. Incidents recorded before
 * keep NULL there: their split is not known, and the drafts say so.
 */
#include "store/schema_int.h"

const struct azk_schema_part azk_schema__v8_parts[] = {
    {"SELECT basis_strict FROM incident_datasets LIMIT 0",
     "ALTER TABLE incident_datasets ADD COLUMN basis_strict INT64"},
    {"SELECT basis_name_birth FROM incident_datasets LIMIT 0",
     "ALTER TABLE incident_datasets ADD COLUMN basis_name_birth INT64"},
    {"SELECT basis_household FROM incident_datasets LIMIT 0",
     "ALTER TABLE incident_datasets ADD COLUMN basis_household INT64"},
    {"SELECT name_birth_false_n FROM incident_datasets LIMIT 0",
     "ALTER TABLE incident_datasets ADD COLUMN name_birth_false_n INT64"},
    {"SELECT household_false_n FROM incident_datasets LIMIT 0",
     "ALTER TABLE incident_datasets ADD COLUMN household_false_n INT64"},
    /* per client: persons with at least one strictly confirmed record */
    {"SELECT persons_strict FROM incident_clients LIMIT 0",
     "ALTER TABLE incident_clients ADD COLUMN persons_strict INT64"},
    /* an impact job's population (people, azk_impact_options.population); NULL = the
     * worker's default */
    {"SELECT population FROM impact_jobs LIMIT 0",
     "ALTER TABLE impact_jobs ADD COLUMN population INT64"},
};

const size_t azk_schema__v8_count = sizeof(azk_schema__v8_parts) / sizeof(azk_schema__v8_parts[0]);
