/* SPDX-License-Identifier: Apache-2.0 */
/*
 * impact/impact_int.h -- internals of the impact module: the evidence of
 * candidates (evidence.c), the sealed notification-list writer (seal.c)
 * and date arithmetic (report.c).
 *
 * Notification list file (docs/impact.md), integers big-endian:
 *   "AZKN" | u8 version=1 | 3 zero bytes
 *   | crypto_box_seal(stream key, client public key) (32 + 48 bytes)
 *   | the encrypted chunked stream of crypt/stream.h (secretstream header,
 *     then u32 ciphertext length | ciphertext chunks of at most 64 KiB
 *     plaintext, the last one tagged FINAL, nothing after it)
 * Only ciphertext reaches the disk: plaintext is buffered in memory (wiped).
 */
#ifndef AZK_IMPACT_INT_H
#define AZK_IMPACT_INT_H

#include "util/util.h"
#include "norm/datetime.h"
#include "azukari/impact.h"
#include "azukari/scan.h"
#include "match/match.h"

#include <pthread.h>

struct azk_impact_sealer;

/* An id "<prefix>-YYYYMMDDTHHMMSSmmmZ-<8 hex>" (ids sort by time) into out; returns the time
 * (Unix seconds) it names. */
int64_t azk_impact__time_id(const char *prefix, char *out, size_t cap);
/* A job's folder label (azukari/incident.h AZK_IMPACT_LABEL_MAX): ASCII letters, digits, '.',
 * '_', '-', not starting with '.' or '-'. */
bool azk_impact__label_ok(const char *label);

/* Read a 32-byte key file (raw or 64 hex digits, optional newline). */
AZK_NODISCARD azk_status azk_impact__read_key(const char *path, uint8_t key[32]);

/* Start a list at path (an outfile: temporary, mode 0600, renamed at finish). */
AZK_NODISCARD azk_status azk_impact__sealer_new(struct azk_impact_sealer **out, const char *path,
                                                const uint8_t pk[32]);
AZK_NODISCARD azk_status azk_impact__sealer_write(struct azk_impact_sealer *s, const void *p,
                                                  size_t n);
/* Final chunk, fsync, rename; frees s (even on failure). */
AZK_NODISCARD azk_status azk_impact__sealer_finish(struct azk_impact_sealer *s);
/* Remove the temporary file and free (NULL-safe). */
void azk_impact__sealer_abort(struct azk_impact_sealer *s);

/* The PPC report draft (client NULL) or the notice to `client`, as report.c writes them to
 * files, appended to out instead (incident.c: drafts from the incident register). */
AZK_NODISCARD azk_status azk_impact__draft_md(const azk_impact_result *r,
                                              const azk_impact_report_options *o,
                                              const char *client, azk_buf *out);

/* 0 = Sunday ... 6 = Saturday. */
int azk_impact__weekday(int64_t days);

/* ---- evidence of the candidates (evidence.c) ------------------------------ */

/* Items kept over the run: 24 bytes each, so at most ~400 MB. */
#define AZK_IMPACT_MAX_EVIDENCE ((size_t)16 << 20)

/* The object of a candidate's evidence is not known while it is scanned: the
 * scanning thread delivers the object's result right after (on_result), and
 * azk_impact__evstore_object_done gives the thread's pending evidence that
 * object's id. */
#define AZK_IMPACT_OBJ_UNKNOWN UINT64_MAX

struct azk_impact_evrec {
    uint64_t row;
    size_t off;
    uint32_t n;
    uint64_t obj;  /* object id (result order), or AZK_IMPACT_OBJ_UNKNOWN */
    pthread_t thr; /* the scanning thread (until obj is known) */
};

/* evidence waiting for its object's result: set index, record index */
struct azk_impact_evpend {
    size_t set;
    size_t rec;
};

struct azk_impact_evset {
    char *client;
    char *dataset;
    struct azk_impact_evrec *recs;
    size_t n, cap;
    struct azk_match_ev_item *items;
    size_t ni, capi;
};

struct azk_impact_evstore {
    pthread_mutex_t mu;
    struct azk_impact_evset *sets;
    size_t n, cap;
    size_t items;
    struct azk_impact_evpend *pend;
    size_t npend, cappend;
    azk_status err;
    char msg[160];
};

/* The scanner's evidence callback (azk_scan_evidence_cb; payload: struct azk_impact_evstore, whose
 * mu the caller initialised). */
AZK_NODISCARD azk_status azk_impact__on_evidence(const char *client, const char *dataset,
                                                 uint64_t row,
                                                 const struct azk_match_ev_item *items,
                                                 size_t count, void *payload);
/* The object whose result the calling thread delivers now (id obj, its rows
 * edm[0..n)) holds the evidence this thread gave for those rows since its
 * previous object (the rows of an enclosing object's own lines stay
 * pending for it). */
void azk_impact__evstore_object_done(struct azk_impact_evstore *e, uint64_t obj,
                                     const azk_scan_edm *edm, size_t n);
/* Sort each dataset's evidence by row (after the scan). */
void azk_impact__evstore_sort(struct azk_impact_evstore *e);
/* The evidence of one dataset, or NULL. */
const struct azk_impact_evset *azk_impact__evstore_find(const struct azk_impact_evstore *e,
                                                        const char *client, const char *dataset);
/* Free (items wiped); the mutex is the caller's. */
void azk_impact__evstore_dispose(struct azk_impact_evstore *e);

#endif
