/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/audit_int.h -- internals of the audit ledger shared by its files:
 * the Merkle tree over an abstract node source (merkle.c), signed notes and
 * checkpoints (note.c), the log frame format (ledger.c).
 */
#ifndef AZK_AUDIT_INT_H
#define AZK_AUDIT_INT_H

#include "azukari/audit.h"
#include "util/util.h"

#define HLEN AZK_AUDIT_HASH_LEN

/* ---- Merkle tree (RFC 9162 section 2.1) -------------------------------- */

/*
 * A node source yields the hash of the perfect subtree at `level` covering
 * leaves [idx << level, (idx + 1) << level). Every such subtree inside the
 * tree's size must be available.
 */
struct azk_audit__nodes {
    azk_status (*get)(void *ctx, unsigned level, uint64_t idx, uint8_t out[HLEN]);
    void *ctx;
};

/* MTH(D[a:b]) (a < b). O(log n) node reads for any range the RFC uses. */
azk_status azk_audit__subtree(const struct azk_audit__nodes *t, uint64_t a, uint64_t b,
                              uint8_t out[HLEN]);
/* Root over the first `size` leaves; the hash of "" for size 0. */
azk_status azk_audit__root(const struct azk_audit__nodes *t, uint64_t size, uint8_t out[HLEN]);
/* Proofs into `out` (count hashes); out must hold 2 * 64 hashes. */
azk_status azk_audit__inclusion(const struct azk_audit__nodes *t, uint64_t index, uint64_t size,
                                uint8_t *out, size_t *count);
azk_status azk_audit__consistency(const struct azk_audit__nodes *t, uint64_t m, uint64_t n,
                                  uint8_t *out, size_t *count);
#define AZK_AUDIT__PROOF_MAX 128

/* fn over [0, n) split across the CPUs (inline when n is small) */
void azk_audit__par_for(uint64_t n, void (*fn)(void *ctx, uint64_t lo, uint64_t hi), void *ctx);
/*
 * Leaf hash of each of the n log frames of `map` (frame i spans
 * offs[i]..offs[i+1]) into leaves[i * HLEN], on all CPUs (par_for). Used by
 * verify and by the ledger's whole-log scan.
 */
void azk_audit__leaf_hashes(const uint8_t *map, const uint64_t *offs, uint64_t n, uint8_t *leaves);

/* An in-memory tree: all levels from leaves (verify, bundles, tests). */
struct azk_audit__memtree {
    uint8_t *level[65];
    uint64_t count[65];
    unsigned levels;
};
/* Takes ownership of `leaves` (count hashes, azk_malloc'd) even on failure. */
azk_status azk_audit__memtree_build(struct azk_audit__memtree *m, uint8_t *leaves, uint64_t count);
void azk_audit__memtree_dispose(struct azk_audit__memtree *m);
void azk_audit__memtree_nodes(struct azk_audit__memtree *m, struct azk_audit__nodes *out);

/* ---- signed notes (C2SP signed-note) and checkpoints ------------------- */

struct azk_audit__key {
    char name[256];
    uint32_t hash; /* key id: SHA-256(name || 0x0A || 0x01 || pk)[:4], big-endian */
    uint8_t pk[32];
    uint8_t sk[64]; /* zero when only the verifier key is known */
    int has_sk;
};

uint32_t azk_audit__key_hash(const char *name, const uint8_t pk[32]);
/* "<name>+<hash>+<base64(0x01||pk)>" */
azk_status azk_audit__vkey_parse(struct azk_audit__key *k, const char *text, size_t len);
azk_status azk_audit__vkey_format(const struct azk_audit__key *k, azk_buf *out);
/* "PRIVATE+KEY+<name>+<hash>+<base64(0x01||seed)>" (golang.org/x/mod/sumdb/note) */
azk_status azk_audit__skey_parse(struct azk_audit__key *k, const char *text, size_t len);
azk_status azk_audit__skey_format(const struct azk_audit__key *k, azk_buf *out);
/* Sign `text` (ends in '\n') into a note: text, blank line, signature line. */
azk_status azk_audit__note_sign(const struct azk_audit__key *k, const char *text, size_t len,
                                azk_buf *out);
/*
 * Parse a signed note and verify the signature by `k`. On success
 * *text_len is the length of the signed text at the start of `note`.
 * AZK_ERR_FORMAT: malformed; AZK_ERR_CRYPTO: no signature by k / forged.
 */
azk_status azk_audit__note_open(const struct azk_audit__key *k, const char *note, size_t len,
                                size_t *text_len);
/* Parse a checkpoint body (tlog-checkpoint). */
azk_status azk_audit__checkpoint_parse(const char *text, size_t len,
                                       azk_audit_checkpoint_info *out);
azk_status azk_audit__checkpoint_body(const char *origin, uint64_t size, const uint8_t root[HLEN],
                                      azk_buf *out);

/* base64 (RFC 4648 section 4, padded) helpers over libsodium */
azk_status azk_audit__b64_put(azk_buf *out, const uint8_t *bin, size_t len);
/* strict decode: exactly `len` bytes, canonical text */
azk_status azk_audit__b64_get(const char *text, size_t text_len, uint8_t *bin, size_t len);

/* ---- entries ----------------------------------------------------------- */

/*
 * Canonical entry JSON. The two chain fields sort first, so verify reads
 * them without a JSON parse: {"@prev":"<64 hex>","@seq":N,"action":...}.
 */
struct azk_audit__extra_cache {
    const char *src; /* the extra_json pointer canon was made from */
    azk_buf canon;
};
void azk_audit__extra_cache_dispose(struct azk_audit__extra_cache *c);
/* `cache` (may be NULL) keeps the canonical "extra" while a batch repeats it */
azk_status azk_audit__entry_build(const azk_audit_event *ev, uint64_t seq, const uint8_t prev[HLEN],
                                  const char *def_actor, const char *def_host,
                                  struct azk_audit__extra_cache *cache, azk_buf *out);
/* Read the chain prefix; AZK_ERR_FORMAT when the entry does not start so. */
azk_status azk_audit__entry_chain(const uint8_t *e, size_t len, uint64_t *seq, uint8_t prev[HLEN]);

/*
 * The *.note files of `dir` (stored checkpoints), sorted by name: 20-digit
 * sizes sort by size. exact_len > 0 keeps only names of that length. A
 * missing directory holds none (AZK_OK, *count 0). Free with
 * azk_audit__free_names.
 */
AZK_NODISCARD azk_status azk_audit__note_names(const char *dir, size_t exact_len, char ***out,
                                               size_t *count);
void azk_audit__free_names(char **names, size_t count);

#endif
