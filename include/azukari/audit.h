/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/audit.h -- the tamper-evident audit ledger.
 *
 * An append-only log of JSON events in <home>/ledger/, hashed into an
 * RFC 9162 Merkle tree (leaf = SHA-256(0x00 || entry), node =
 * SHA-256(0x01 || left || right)). Signed checkpoints use the C2SP
 * tlog-checkpoint / signed-note text format with the Ed25519 key in
 * <home>/keys/. Clients and auditors verify checkpoints, inclusion and
 * consistency proofs and export bundles with only the public key.
 * See docs/audit.md (users) and docs/internals/AUDIT.md (format).
 *
 * Thread-safety: an azk_audit handle is used by one thread at a time.
 * Several handles and several processes may append to the same ledger at
 * once: appends are serialized with flock(2) on the log.
 */
#ifndef AZUKARI_AUDIT_H
#define AZUKARI_AUDIT_H

#include "azukari/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of a Merkle hash (SHA-256). */
#define AZK_AUDIT_HASH_LEN 32
/** Largest entry (canonical JSON) accepted, in bytes. */
#define AZK_AUDIT_ENTRY_MAX (1024u * 1024u)

typedef struct azk_audit azk_audit;

/**
 * One event to append. Only `action` is required. Never put a personal
 * value in any field: name objects by their ids.
 */
typedef struct {
    int64_t time_ms;            /**< Unix time in ms; 0 = now (override for drills) */
    const char *actor;          /**< NULL = the OS user name */
    const char *host;           /**< NULL = gethostname() */
    const char *action;         /**< e.g. "intake", "delete", "auth.fail" */
    const char *const *objects; /**< object ids (dataset, job, ...) */
    size_t object_count;
    const char *outcome;    /**< NULL = "ok" */
    const char *reason;     /**< NULL = omitted */
    const char *extra_json; /**< a JSON object as text, or NULL */
} azk_audit_event;

#define AZK_AUDIT_EVENT_INIT                                                                       \
    {                                                                                              \
        0, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL                                             \
    }

/** What azk_audit_open found and did. */
typedef struct {
    uint64_t size;           /**< entries in the ledger */
    uint64_t repaired_bytes; /**< bytes of a torn last entry removed (0 = none) */
    uint64_t cache_rebuilt;  /**< entries whose tree cache was rebuilt from the log */
    uint64_t torn_bytes;     /**< read-only open: a torn last append left in place */
} azk_audit_open_info;

/** azk_audit_open flag: read only, never repair or rebuild anything. */
#define AZK_AUDIT_OPEN_READONLY 1u

/**
 * Create <home>/ledger and <home>/keys with a fresh Ed25519 key
 * (keys/ledger.key mode 0600, keys/ledger.pub) when absent. Idempotent:
 * an existing key is kept. Refuses a home that other users can write or
 * replace (azk_audit_home_safe), and a home that had a ledger whose log is
 * gone (the ledger key, or a catalog, is the evidence): that is a tamper
 * alarm, never a fresh start (AZK_ERR_INTEGRITY).
 * @return AZK_OK, AZK_ERR_IO, AZK_ERR_PERM, AZK_ERR_CRYPTO, AZK_ERR_INTEGRITY
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_init_home(const char *home);

/**
 * Refuse a home directory other users could write or replace: the home
 * must be owned by the effective user and not writable by group or others,
 * and every directory above it owned by root or that user and, when group-
 * or world-writable, sticky (like /tmp). ledger/ and keys/, when present,
 * follow the home's rule.
 * @return AZK_OK; AZK_ERR_PERM naming the directory; AZK_ERR_NOTFOUND
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_home_safe(const char *home);

/**
 * Open the ledger of `home` (azk_audit_init_home first). Repairs a torn last
 * append (an incomplete final frame beyond what the index recorded as
 * acknowledged: what a crash leaves) and brings the tree cache up to date;
 * reports both in `info` (may be NULL) and through the log callback.
 * Compares the log with the index (the record of acknowledged appends) and
 * with the newest stored checkpoint: a log shorter than either, or an entry
 * or root that differs, is a tamper alarm (AZK_ERR_INTEGRITY, the message
 * says what was found); nothing is repaired then and appends are refused
 * until a person decides (azk_audit_recover).
 * @param[out] out handle, free with azk_audit_close
 * @param flags 0, or AZK_AUDIT_OPEN_READONLY: read the ledger without
 *        writing anything (a torn tail is reported in info->torn_bytes and
 *        left in place; caches are not touched); append and sign refuse
 * @return AZK_OK; AZK_ERR_NOTFOUND when the home has no ledger;
 *         AZK_ERR_INTEGRITY for a tamper alarm or bytes that are not a torn
 *         append (garbage, a modified frame): run azk_audit_verify.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_open(azk_audit **out, const char *home,
                                                   unsigned flags, azk_audit_open_info *info);

/** What azk_audit_recover found and did. */
typedef struct {
    uint64_t old_size;                    /**< entries recorded (index, checkpoints) */
    uint64_t new_size;                    /**< entries intact in the log */
    uint64_t removed_bytes;               /**< bytes of a cut last frame removed */
    uint8_t old_root[AZK_AUDIT_HASH_LEN]; /**< root over the recorded entries (their hashes
                                               are in the index) */
    uint8_t new_root[AZK_AUDIT_HASH_LEN]; /**< root over the intact entries */
    int alarm;                            /**< 1 when a tamper alarm was found */
    int recorded;                         /**< 1 when the alarm entry was appended */
    uint64_t alarm_index;                 /**< index of that entry */
    char found[512];                      /**< what was found, one line */
} azk_audit_recover_info;

/** azk_audit_recover flag: a person accepts that entries were cut off. */
#define AZK_AUDIT_RECOVER_ACCEPT_TRUNCATION 1u

/**
 * After a tamper alarm: say what was found (flags 0: nothing is changed)
 * or, with AZK_AUDIT_RECOVER_ACCEPT_TRUNCATION, continue the ledger from
 * its intact entries: remove a cut last frame, rebuild the caches and
 * append one "ledger.alarm" entry naming the old and new sizes and roots,
 * the actor and `reason`. Only a cut can be accepted: a log that still
 * holds damaged frames, or one that lost entries a stored checkpoint
 * signed (continuing would sign a fork), is refused: restore it from a
 * backup.
 * @return AZK_OK (see info->alarm, info->recorded); AZK_ERR_INTEGRITY when
 *         the damage cannot be accepted; AZK_ERR_NOTFOUND (no ledger)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_recover(const char *home, unsigned flags,
                                                      const char *actor, const char *reason,
                                                      azk_audit_recover_info *info);

/** Close a handle (NULL-safe). */
AZK_EXTERN void azk_audit_close(azk_audit *a);

/**
 * A read-write handle kept open across the appends of one process: *a is
 * NULL (the ledger is opened, as azk_audit_open) or a handle this function
 * returned for the same home, kept when nothing it opened changed: every
 * path it opened (entries.log, index, keys/ledger.key, the tree files)
 * still names the same file (st_dev, st_ino), the home is still writable
 * by its owner only, the checkpoints directory is unchanged, and it is the
 * same process (not a child after fork). Otherwise it is closed and the
 * ledger opened afresh with every check of azk_audit_open. Each append
 * still syncs with the log and compares the newest stored checkpoint with
 * the tree (azk_audit_append). On failure *a is NULL. Free with
 * azk_audit_close. The argument: src/lib/audit/ledger_keep.c.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_keep(azk_audit **a, const char *home);

/**
 * Append one event and fdatasync the log before returning.
 * @param[out] out_index index of the new entry (may be NULL)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_append(azk_audit *a, const azk_audit_event *ev,
                                                     uint64_t *out_index);

/**
 * Append `count` events as one batch: one write, one fdatasync. Either the
 * whole batch is durable on return, or (on error or crash) a prefix of it.
 * @param[out] out_first index of the first new entry (may be NULL)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_append_batch(azk_audit *a, const azk_audit_event *evs,
                                                           size_t count, uint64_t *out_first);

/** Open the ledger of `home`, append one event, close. For commands. */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_record(const char *home, const azk_audit_event *ev);

/** Number of entries (as of the last open or append by this handle). */
AZK_EXTERN uint64_t azk_audit_size(const azk_audit *a);

/** The origin line of this ledger's checkpoints (borrowed). */
AZK_EXTERN const char *azk_audit_origin(const azk_audit *a);

/** The public verifier key text "<name>+<hash>+<base64>" (borrowed). */
AZK_EXTERN const char *azk_audit_vkey(const azk_audit *a);

/**
 * The canonical JSON of entry `index`, NUL-terminated.
 * @param[out] out caller frees with azk_audit_free
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_entry(azk_audit *a, uint64_t index, char **out,
                                                    size_t *out_len);

/** Root hash of the first `size` entries (size <= azk_audit_size). */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_root(azk_audit *a, uint64_t size,
                                                   uint8_t out[AZK_AUDIT_HASH_LEN]);

/**
 * The checkpoint note of the current tree. With `sign`, the note carries
 * an Ed25519 signature line and is stored in <home>/ledger/checkpoints/;
 * without, it is the unsigned body.
 * @param[out] out caller frees with azk_audit_free
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_checkpoint(azk_audit *a, int sign, char **out);

/** One ledger entry: canonical JSON, NUL-terminated, borrowed for the call. */
typedef azk_status (*azk_audit_entry_cb)(uint64_t index, const char *entry, size_t len,
                                         void *payload);

/**
 * Read the whole ledger once, as signing reads it (the log from the start:
 * frames, sequence numbers, links; the tree recomputed and compared with
 * the index, the caches and every stored checkpoint), giving every entry in
 * order to `cb` (which may stop the read by returning an error). A
 * checkpoint signed afterwards on this handle (azk_audit_checkpoint,
 * azk_audit_checkpoint_at) reuses that tree while nothing was appended: a
 * caller that reads the entries and then signs reads the log once.
 * Read-write handles only.
 * @return AZK_OK; AZK_ERR_ARG (read-only handle); cb's error;
 *         AZK_ERR_INTEGRITY, AZK_ERR_IO, AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_read_all(azk_audit *a, azk_audit_entry_cb cb,
                                                       void *payload);

/**
 * A signed checkpoint of the first `size` entries (size <= azk_audit_size),
 * e.g. the ledger at a month's end. Checked as azk_audit_checkpoint checks
 * (the tree recomputed from the log, consistent with every stored
 * checkpoint) and stored in <home>/ledger/checkpoints/ like it.
 * @param[out] out the note; caller frees with azk_audit_free
 * @return AZK_OK; AZK_ERR_ARG (size beyond the ledger, read-only handle);
 *         AZK_ERR_INTEGRITY, AZK_ERR_IO, AZK_ERR_CRYPTO, AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_checkpoint_at(azk_audit *a, uint64_t size,
                                                            char **out);

/**
 * Inclusion proof of entry `index` in the tree of the first `size` entries
 * (RFC 9162 2.1.3.1). O(log n) hashes.
 * @param[out] out hashes, AZK_AUDIT_HASH_LEN bytes each; free with azk_audit_free
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_prove_inclusion(azk_audit *a, uint64_t index,
                                                              uint64_t size, uint8_t **out,
                                                              size_t *out_count);

/** Consistency proof between sizes old_size <= new_size (RFC 9162 2.1.4.1). */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_prove_consistency(azk_audit *a, uint64_t old_size,
                                                                uint64_t new_size, uint8_t **out,
                                                                size_t *out_count);

/** Free memory returned by this module (NULL-safe). */
AZK_EXTERN void azk_audit_free(void *p);

/* ---- verification ------------------------------------------------------ */

/** What went wrong, for messages a front end can translate. */
typedef enum {
    AZK_AUDIT_ISSUE_FRAME = 1,    /**< bytes that are no entry: garbage, cut, bad length */
    AZK_AUDIT_ISSUE_MODIFIED,     /**< entry bytes do not match their hash */
    AZK_AUDIT_ISSUE_SEQUENCE,     /**< entry removed, reordered or inserted */
    AZK_AUDIT_ISSUE_LINK,         /**< entry's link to its predecessor broken */
    AZK_AUDIT_ISSUE_CHECKPOINT,   /**< malformed checkpoint */
    AZK_AUDIT_ISSUE_SIGNATURE,    /**< checkpoint signature missing or forged */
    AZK_AUDIT_ISSUE_FOREIGN,      /**< checkpoint of another ledger */
    AZK_AUDIT_ISSUE_TRUNCATED,    /**< checkpoint larger than the ledger: entries removed */
    AZK_AUDIT_ISSUE_INCONSISTENT, /**< ledger does not extend the checkpoint */
    AZK_AUDIT_ISSUE_PROOF,        /**< a proof in a bundle fails */
    AZK_AUDIT_ISSUE_BUNDLE        /**< malformed bundle */
} azk_audit_issue_kind;

/**
 * Called for each problem found, in log order. `index` = first bad entry
 * index or checkpoint size (UINT64_MAX when none applies).
 * @return AZK_OK to go on; another status (the caller's output failed) ends
 *         the calls, and the verification returns that status.
 */
typedef azk_status (*azk_audit_issue_cb)(azk_audit_issue_kind kind, uint64_t index, const char *msg,
                                         void *payload);

/** Summary of a verification. */
typedef struct {
    uint64_t entries;                 /**< complete entries read */
    uint64_t first_bad_index;         /**< UINT64_MAX when everything verified */
    uint64_t issues;                  /**< problems reported */
    uint64_t torn_bytes;              /**< torn last append ignored (not a failure) */
    uint64_t checkpoints;             /**< checkpoints checked (stored + given) */
    uint8_t root[AZK_AUDIT_HASH_LEN]; /**< root over all complete entries */
} azk_audit_report;

/**
 * Recompute everything from the log, ignoring caches: framing, entry
 * hashes, sequence numbers, links, the Merkle root, every stored checkpoint
 * and each checkpoint note in `checkpoints` (kept by a client) against the
 * ledger's public key. Does not modify the ledger.
 * @return AZK_OK when the verification ran (see report->issues for the
 *         verdict); an error when it could not run.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_verify(const char *home,
                                                     const char *const *checkpoints,
                                                     size_t checkpoint_count,
                                                     azk_audit_report *report,
                                                     azk_audit_issue_cb cb, void *payload);

/**
 * Export entries [from, to) with a signed checkpoint of the current tree,
 * an inclusion proof per entry, and the stored older checkpoints with
 * consistency proofs to it, as one JSON document.
 * @param[out] out caller frees with azk_audit_free
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_export(azk_audit *a, uint64_t from, uint64_t to,
                                                     char **out, size_t *out_len);

/**
 * Verify a bundle with only the verifier key text (ledger.pub) and
 * optionally checkpoints a client kept from earlier (each must be one the
 * bundle proves consistent, or the bundle checkpoint itself).
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_verify_bundle(
    const char *bundle, size_t bundle_len, const char *vkey, const char *const *checkpoints,
    size_t checkpoint_count, azk_audit_report *report, azk_audit_issue_cb cb, void *payload);

/* ---- primitives (RFC 9162, C2SP) for independent checks ---------------- */

/** SHA-256(0x00 || data). */
AZK_EXTERN void azk_audit_leaf_hash(const void *data, size_t len, uint8_t out[AZK_AUDIT_HASH_LEN]);
/** SHA-256(0x01 || left || right). */
AZK_EXTERN void azk_audit_node_hash(const uint8_t left[AZK_AUDIT_HASH_LEN],
                                    const uint8_t right[AZK_AUDIT_HASH_LEN],
                                    uint8_t out[AZK_AUDIT_HASH_LEN]);
/** Verify an inclusion proof (RFC 9162 2.1.3.2). AZK_OK or AZK_ERR_INTEGRITY. */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_verify_inclusion(
    uint64_t index, uint64_t size, const uint8_t leaf[AZK_AUDIT_HASH_LEN], const uint8_t *proof,
    size_t proof_count, const uint8_t root[AZK_AUDIT_HASH_LEN]);
/** Verify a consistency proof (RFC 9162 2.1.4.2). AZK_OK or AZK_ERR_INTEGRITY. */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_verify_consistency(
    uint64_t size1, uint64_t size2, const uint8_t *proof, size_t proof_count,
    const uint8_t root1[AZK_AUDIT_HASH_LEN], const uint8_t root2[AZK_AUDIT_HASH_LEN]);

/** A parsed checkpoint. */
typedef struct {
    char origin[256];
    uint64_t size;
    uint8_t root[AZK_AUDIT_HASH_LEN];
} azk_audit_checkpoint_info;

/**
 * Open a signed checkpoint note: check the signature of the key `vkey`
 * ("<name>+<hash>+<base64>", C2SP signed-note verifier key) and parse the
 * tlog-checkpoint body. Untrusted input.
 * @return AZK_OK; AZK_ERR_FORMAT (malformed note or body); AZK_ERR_CRYPTO
 *         (no signature by that key, or a forged one); AZK_ERR_ARG (bad vkey)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_checkpoint_open(const char *note, size_t note_len,
                                                              const char *vkey,
                                                              azk_audit_checkpoint_info *out);

/* ---- presentation -------------------------------------------------------- */

/** Bytes of a hash in base64 (standard alphabet, padded), with the NUL. */
#define AZK_AUDIT_HASH_B64_LEN 45

/** A hash in base64, as proofs and checkpoints show it. */
AZK_EXTERN void azk_audit_hash_b64(const uint8_t h[AZK_AUDIT_HASH_LEN],
                                   char out[AZK_AUDIT_HASH_B64_LEN]);

/** The fields of one ledger entry, for listing and filtering. */
typedef struct {
    const char *time;           /**< ISO 8601 UTC; "" when absent */
    const char *actor;          /**< "" when absent */
    const char *host;           /**< "" when absent */
    const char *action;         /**< "" when absent */
    const char *outcome;        /**< "" when absent */
    const char *reason;         /**< NULL when absent; written by users: print with care */
    const char *const *objects; /**< object ids (datasets, clients, ...) */
    size_t object_count;
} azk_audit_entry_info;

/**
 * Parse an entry's canonical JSON (as azk_audit_entry returns it).
 * @param[out] out the fields; free with azk_audit_entry_info_free
 * @return AZK_OK, AZK_ERR_FORMAT (not an entry), AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_entry_parse(const char *text, size_t len,
                                                          azk_audit_entry_info **out);
/** Free a parsed entry; NULL-safe. */
AZK_EXTERN void azk_audit_entry_info_free(azk_audit_entry_info *e);

/**
 * RFC 9162 inclusion proof of entry `index` as a JSON document (keys index,
 * size, entry, leaf_hash, root, proof, checkpoint; hashes base64). With
 * size 0 the proof is against the whole ledger and a signed checkpoint is
 * made (and stored) and included; otherwise against the first `size` entries.
 * @param[out] out the document; free with azk_audit_free
 * @return AZK_OK, AZK_ERR_ARG (index/size out of range), AZK_ERR_IO,
 *         AZK_ERR_INTEGRITY, AZK_ERR_CRYPTO, AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_audit_prove_inclusion_json(azk_audit *a, uint64_t index,
                                                                   uint64_t size, char **out);

/**
 * Consistency proof from an old checkpoint (opened with
 * azk_audit_checkpoint_open) to a new signed checkpoint of the whole
 * ledger, checked before it is returned, as a JSON document (keys
 * old_size, new_size, old_root, new_root, proof, checkpoint).
 * @param[out] out the document; free with azk_audit_free
 * @return AZK_OK; AZK_ERR_INTEGRITY when the ledger has fewer entries than
 *         the checkpoint or does not extend it (history rewritten);
 *         AZK_ERR_IO, AZK_ERR_CRYPTO, AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status
azk_audit_prove_consistency_json(azk_audit *a, const azk_audit_checkpoint_info *old, char **out);

#ifdef __cplusplus
}
#endif

#endif /* AZUKARI_AUDIT_H */
