/* SPDX-License-Identifier: Apache-2.0 */
/*
 * impact/impact_run.h -- what the files of an impact run share (internal to
 * src/lib/impact/): the scan's hits per dataset, the datasets' schemas, a
 * client's matched records and list, and the helpers impact.c (the run)
 * and impact_rows.c (matched rows read back from the vault, persons
 * counted) call in each other.
 */
#ifndef AZK_IMPACT_RUN_H
#define AZK_IMPACT_RUN_H

#include "impact/impact_int.h"
#include "azukari/link.h"
#include "vault/vault.h"

struct objrow {
    uint64_t row;
    uint64_t obj;
};

struct hitset {
    char *client;
    char *dataset;
    uint64_t *rows;
    size_t n, cap;
    size_t uniq; /* rows[0..uniq) sorted and unique */
};

struct collector {
    struct hitset *sets;
    size_t n, cap;
    azk_status err;
    uint64_t objects, errors;
    uint32_t *obj_pii;             /* per object id: types found (objects with hits only) */
    struct azk_impact_evstore *ev; /* evidence: told which object each belongs to */
    size_t obj_cap;
};

/* One matched record of a client: engine index and its list entry. */
struct entry {
    size_t link_index;
    size_t off, len; /* JSON tail in the client's list buffer */
    uint32_t ds;     /* index in result datasets */
    uint64_t row;
    bool strict; /* confirmed on the strict basis (azukari/impact.h) */
};

struct client_run {
    azk_link *lk;
    struct entry *ents;
    size_t nents, capents;
    azk_buf list; /* plaintext JSON fragments (wiped) */
    bool keep_list;
};

struct reader {
    const struct hitset *hits;
    const struct azk_impact_evset *ev; /* evidence of this dataset's candidates */
    const uint8_t *confirm_key;        /* the run's confirmation key */
    double people;                     /* azk_impact_options.population (0: the default) */
    bool row_strict;                   /* the row being added was confirmed strictly */
    struct azk_match_row mrow;         /* the candidate row's own values, hashed */
    struct azk_match_namefreq *nf;     /* the dataset's name parts counted (first pass) */
    bool counting;                     /* the first pass: only count names */
    azk_buf tmp, norm;                 /* scratch (wiped) */
    uint64_t seen;                     /* candidate rows found in the vault file */
    uint64_t *conf;                    /* confirmed rows, ascending (stream order) */
    size_t nconf, capconf;
    struct objrow *cobj; /* (row, object) of every confirmed row's confirming evidence */
    size_t ncobj, capcobj;
    const struct azk_vault_schema *schema;
    struct client_run *cr;
    azk_link *all;
    uint32_t ds_index;
    uint32_t file_local;
    azk_impact_dataset *ds;
    unsigned depth;
    bool have_header;
    uint64_t row;
    azk_link_value *vals;
    size_t vals_cap;
    uint64_t matched;
};

int azk_impact__cmp_u64(const void *a, const void *b);
void azk_impact__confirmed_objects(const struct reader *rd, uint32_t *mark, uint32_t stamp,
                                   bool *hit, const uint32_t *obj_pii, uint64_t nobj,
                                   uint64_t *objects, uint32_t *pii);
azk_status azk_impact__read_dataset(azk_home *h, struct reader *rd, const char *format,
                                    const char *encoding);
const char *azk_impact__key_of(const azk_impact_options *o, const char *client);
azk_status azk_impact__finish_client(struct client_run *cr, azk_impact_result *r,
                                     azk_impact_client *c, size_t ds_first, size_t ds_end,
                                     const azk_impact_options *o);
void azk_impact__client_run_dispose(struct client_run *cr);

#endif
