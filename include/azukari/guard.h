/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/guard.h -- the egress guard: the zone policy (which paths and
 * hosts are the closed zone, what blocks and what warns), decisions over
 * scan results, checking files and streams, and the ICAP service
 * (RFC 3507) that inspects HTTP uploads for a proxy such as Squid.
 *
 * Every decision fails closed: what cannot be read, a limit that is hit
 * and an internal failure block unless the policy says otherwise for
 * unreadable objects. Decisions carry counts and codes, never a value.
 * See docs/guard.md.
 */
#ifndef AZUKARI_GUARD_H
#define AZUKARI_GUARD_H

#include "azukari/common.h"
#include "azukari/scan.h"
#include "azukari/types.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- policy ------------------------------------------------------------ */

/** Where the guard runs. */
typedef enum {
    AZK_GUARD_ZONE_CLOSED = 0, /**< the closed zone holding entrusted data (default) */
    AZK_GUARD_ZONE_GENERAL     /**< the general office network */
} azk_guard_zone;

/**
 * Content classes of an inspected object (a file, member or part), from
 * its scan result (azk_guard_content_class_of).
 */
typedef enum {
    AZK_GUARD_CLASS_TEXT = 0,  /**< text, CSV: read whole, decided by what is in it */
    AZK_GUARD_CLASS_ARCHIVE,   /**< zip, tar, gzip...: members are objects of their own */
    AZK_GUARD_CLASS_OFFICE,    /**< xlsx, docx, pptx: text extracted */
    AZK_GUARD_CLASS_IMAGE,     /**< PNG, JPEG, GIF ending where the data ends (no text read) */
    AZK_GUARD_CLASS_ENCRYPTED, /**< encrypted member or document */
    AZK_GUARD_CLASS_BINARY,    /**< unknown binary or a format whose text is not extracted */
    AZK_GUARD_CLASS_LIMIT,     /**< over a size, ratio, depth or count limit */
    AZK_GUARD_CLASS_ERROR,     /**< parse error (truncated, malformed, data after an image) */
    AZK_GUARD_CLASS__COUNT
} azk_guard_class;

/** What the policy does with a content class. */
typedef enum {
    AZK_GUARD_ACT_SCAN = 0, /**< readable: the content decides (text, archive, office only) */
    AZK_GUARD_ACT_ALLOW,    /**< may leave */
    AZK_GUARD_ACT_WARN,     /**< may leave, reported */
    AZK_GUARD_ACT_BLOCK     /**< blocked (quarantined by guard watch) */
} azk_guard_action;

/**
 * The "guard" section of <home>/azukari.conf. Strings and lists are owned
 * by the policy (azk_guard_policy_dispose frees them).
 */
typedef struct {
    azk_guard_zone zone;
    bool block_on_edm;      /**< block on any entrusted record (default true) */
    double pii_block_score; /**< block at or above this score (0..100); < 0 = never */
    double pii_warn_score;  /**< warn at or above this score; < 0 = never */
    bool unreadable_block;  /**< block what cannot be read (closed zone default: true) */
    char *fingerprints;     /**< fingerprint export file (EDM), NULL = none */
    char *fingerprint_key;  /**< key file of the fingerprints, NULL = alongside */
    char **closed_paths;    /**< directories of the closed zone */
    size_t closed_path_count;
    char **closed_hosts; /**< hosts of the closed zone ("db1", ".corp.example", "10.1.2.3") */
    size_t closed_host_count;
    uint64_t max_body;  /**< ICAP: decoded bytes per request; 0 = unlimited; hit = block */
    uint32_t max_ratio; /**< ICAP: gzip/deflate expansion ratio; hit = block */
    /**
     * Per content class. Closed zone: text, archive, office SCAN; image,
     * encrypted, binary, limit, error BLOCK. General zone: image ALLOW, the
     * unreadable classes WARN. `unreadable_block` mirrors encrypted/binary/
     * limit/error (set by the "unreadable" key).
     */
    azk_guard_action content[AZK_GUARD_CLASS__COUNT];
    /**
     * Set by azk_guard_policy_load: <home>/fingerprints.retired beside the
     * configuration, the ids of scanning keys retired by `fingerprints
     * rotate`; a fingerprint export whose key is listed is refused
     * (AZK_ERR_PERM) when a checker is made. NULL = no check.
     */
    char *retired_keys;
} azk_guard_policy;

/** "text", "archive", "office", "image", "encrypted", "binary", "limit", "error". */
AZK_EXTERN const char *azk_guard_class_name(azk_guard_class c);

/** The content class of one scan result (an object). */
AZK_EXTERN azk_guard_class azk_guard_content_class_of(const azk_scan_result *r);

/** Fill p with the fail-closed defaults (closed zone). */
AZK_EXTERN void azk_guard_policy_init(azk_guard_policy *p);

/** Free what the policy owns and reset it to the defaults (NULL-safe). */
AZK_EXTERN void azk_guard_policy_dispose(azk_guard_policy *p);

/**
 * Load the "guard" section of the JSON configuration file `conf_path` on
 * top of the defaults. A missing file leaves the defaults; a file that
 * cannot be parsed, an unknown key or a value of the wrong type is an
 * error (the caller must then fail closed).
 * @param[out] p initialised by this call (dispose even on failure)
 * @return AZK_OK, AZK_ERR_FORMAT, AZK_ERR_IO, AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_policy_load(azk_guard_policy *p,
                                                          const char *conf_path);

/**
 * Set one key of the "guard" section in `conf_path` (created if absent;
 * other sections are kept) by atomic replace. `value` is JSON text
 * ("true", "60", "\"block\"", "[\"/srv/closed\"]"). The new file must load.
 * @return AZK_OK, AZK_ERR_ARG (unknown key, bad value), AZK_ERR_IO, AZK_ERR_FORMAT
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_policy_set(const char *conf_path, const char *key,
                                                         const char *value);

/** The policy as one JSON object text (caller frees with azk_guard_mem_free). */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_policy_to_json(const azk_guard_policy *p, char **out);

/** True when `host` (no port, any case) is a closed-zone host. */
AZK_EXTERN bool azk_guard_policy_closed_host(const azk_guard_policy *p, const char *host);

/**
 * True when `path` (absolute or relative) lies under a closed-zone path.
 * The path is judged by where it really is: the realpath of its longest
 * existing prefix (symbolic links and ".." resolved) with the missing rest
 * appended; a path that cannot be resolved that way (a dangling link,
 * ".." after a missing component) is not in the closed zone.
 */
AZK_EXTERN bool azk_guard_policy_closed_path(const azk_guard_policy *p, const char *path);

/**
 * True when the destination `dest` of a transfer is inside the closed
 * zone. `dest` is a URL (the host of its authority decides, never a
 * substring of the rest; file:// URLs are paths), an scp-style
 * `[user@]host:path` (the host decides), a bare name that is not an
 * existing file (a host name), or a path (azk_guard_policy_closed_path).
 * Anything that cannot be parsed is outside the closed zone (fail closed:
 * the transfer is then checked).
 */
AZK_EXTERN bool azk_guard_policy_closed_dest(const azk_guard_policy *p, const char *dest);

/* ---- decisions --------------------------------------------------------- */

typedef enum {
    AZK_GUARD_ALLOW = 0, /**< may leave (許可) */
    AZK_GUARD_WARN,      /**< may leave, reported (警告) */
    AZK_GUARD_BLOCK      /**< must not leave (遮断) */
} azk_guard_verdict;

/** Reason bits of a decision. */
#define AZK_GUARD_R_EDM        (1u << 0) /**< entrusted records found */
#define AZK_GUARD_R_PII_BLOCK  (1u << 1) /**< personal-data score at/above the block score */
#define AZK_GUARD_R_PII_WARN   (1u << 2) /**< personal-data score at/above the warn score */
#define AZK_GUARD_R_UNREADABLE (1u << 3) /**< an object could not be (fully) read */
#define AZK_GUARD_R_LIMIT      (1u << 4) /**< a size/ratio/time limit was hit */
#define AZK_GUARD_R_INTERNAL   (1u << 5) /**< internal failure (fail closed) */
#define AZK_GUARD_R_PROTOCOL   (1u << 6) /**< malformed input framing (bad chunking...) */
#define AZK_GUARD_R_IMAGE      (1u << 7) /**< an image (no text read) the policy does not allow */

/** Entrusted records of one dataset in a decision. */
typedef struct {
    char client[72];
    char dataset[72];
    uint64_t rows; /**< record hits (summed over objects) */
} azk_guard_edm;

#define AZK_GUARD_EDM_MAX 16

/** A decision over every object of one file, stream or request. */
typedef struct {
    azk_guard_verdict verdict;
    uint32_t reasons;              /**< AZK_GUARD_R_* */
    size_t counts[AZK_PII__COUNT]; /**< findings per type, summed */
    double score;                  /**< highest object score */
    uint64_t objects;              /**< objects (files, members, parts) */
    uint64_t bytes;                /**< bytes inspected */
    uint64_t edm_rows;             /**< entrusted record hits, summed */
    azk_guard_edm edm[AZK_GUARD_EDM_MAX];
    size_t edm_count;         /**< datasets listed (first AZK_GUARD_EDM_MAX) */
    uint64_t unreadable;      /**< objects not read (every class but text/archive/office/image) */
    char unreadable_code[24]; /**< first error's code ("format", "limit", ...) */
    uint64_t classes[AZK_GUARD_CLASS__COUNT]; /**< objects per content class */
} azk_guard_decision;

/** Start an empty decision (verdict allow, nothing seen). */
AZK_EXTERN void azk_guard_decision_init(azk_guard_decision *d);

/** Account one scan result (an object) into d. */
AZK_EXTERN void azk_guard_decision_add(azk_guard_decision *d, const azk_scan_result *r);

/** Record a failure that is not an object result (AZK_GUARD_R_LIMIT ...). */
AZK_EXTERN void azk_guard_decision_fail(azk_guard_decision *d, uint32_t reason, const char *code);

/** Compute d->verdict and reason bits from what was added, under p. */
AZK_EXTERN azk_guard_verdict azk_guard_decision_finish(azk_guard_decision *d,
                                                       const azk_guard_policy *p);

/** "allow", "warn", "block". */
AZK_EXTERN const char *azk_guard_verdict_name(azk_guard_verdict v);

/**
 * The decision as a JSON object text (verdict, reasons, counts, edm,
 * unreadable; never a value). Caller frees with azk_guard_mem_free.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_decision_to_json(const azk_guard_decision *d,
                                                               const char *name, char **out);

/* ---- checking files and streams ---------------------------------------- */

typedef struct azk_guard azk_guard;

/**
 * A checker: a scanner set up from the policy (fingerprints). The policy is
 * copied. Not for concurrent use: one per thread.
 * @return AZK_OK or the scanner's error (a missing fingerprint file...)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_new(azk_guard **out, const azk_guard_policy *p);

/**
 * Called once per top-level file of azk_guard_check_path, decision finished.
 * @return AZK_OK to go on; another status (the caller's output failed) ends
 *         azk_guard_check_path, which returns it.
 */
typedef azk_status (*azk_guard_file_cb)(const char *path, const azk_guard_decision *d,
                                        void *payload);

/**
 * Check a file or, recursively, a directory: one finished decision per
 * top-level file. A path that does not exist is one blocked (unreadable)
 * decision under a blocking policy.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_check_path(azk_guard *g, const char *path,
                                                         azk_guard_file_cb cb, void *payload);

/** Check one stream as one object; d is initialised and finished. */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_check_fd(azk_guard *g, int fd, const char *name,
                                                       azk_guard_decision *d);

/**
 * Append the ledger event "guard.block" for a blocked file of `channel`
 * ("check", "watch", ...) to the ledger of `home`: the decision's counts and
 * dataset ids, and the file named only by a keyed hash, "name:" + 32 hex
 * digits (BLAKE2b-128 under <home>/keys/names.key, 0600, created on first
 * use). File names are personal data: the ledger never holds the path,
 * and whoever reads the ledger cannot test guesses without the key;
 * azk_guard_name_id gives the id of a known path to find its events.
 * @return AZK_OK, AZK_ERR_NOTFOUND (no ledger), AZK_ERR_IO, AZK_ERR_PERM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_record_block(const char *home, const char *path,
                                                           const azk_guard_decision *d,
                                                           const char *channel);

/**
 * The ledger id of a file name under the home's name key ("name:" + 32 hex
 * digits and a NUL: 38 bytes).
 * @return AZK_OK, AZK_ERR_IO, AZK_ERR_PERM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_name_id(const char *home, const char *path,
                                                      char out[38]);

/** The checker's policy (borrowed). */
AZK_EXTERN const azk_guard_policy *azk_guard_policy_of(const azk_guard *g);

/** Free a checker made by azk_guard_new (NULL-safe). */
AZK_EXTERN void azk_guard_free(azk_guard *g);

/**
 * Free memory returned by this module: policy and decision JSON texts, paths
 * (NULL-safe). Not for a checker: that is azk_guard_free.
 */
AZK_EXTERN void azk_guard_mem_free(void *p);

/* ---- ICAP service -------------------------------------------------------- */

typedef struct azk_guard_icap azk_guard_icap;

/** Options of the ICAP service; initialise with AZK_GUARD_ICAP_OPTIONS_INIT. */
typedef struct {
    size_t struct_size;       /**< set by AZK_GUARD_ICAP_OPTIONS_INIT: the version of this struct */
    const char *host;         /**< listen address (default "127.0.0.1") */
    unsigned port;            /**< listen port (default 1344; 0 = any free port) */
    unsigned threads;         /**< scanners: bodies inspected at once (default 4) */
    unsigned queue;           /**< accepted connections waiting for a worker (default 64) */
    unsigned idle_timeout_ms; /**< a read that waits longer closes the connection (30000) */
    unsigned head_timeout_ms; /**< the ICAP head must arrive within this (30000) */
    const char *home;         /**< home for ledger events of blocks; NULL = none */
    const char *spool_dir;    /**< encrypted spool of request bodies (NULL = $TMPDIR or /tmp) */
    const azk_guard_policy *policy; /**< required; copied */
    /** connection threads that read requests into the spool (default 8 x threads) */
    unsigned connections;
    /** a whole request (head and body) must arrive within this, else 408 (120000) */
    unsigned request_timeout_ms;
} azk_guard_icap_options;

#define AZK_GUARD_ICAP_OPTIONS_INIT                                                                \
    {                                                                                              \
        .struct_size = sizeof(azk_guard_icap_options), .host = "127.0.0.1", .port = 1344,          \
        .threads = 4, .queue = 64, .idle_timeout_ms = 30000, .head_timeout_ms = 30000,             \
        .request_timeout_ms = 120000                                                               \
    }

/** Counters of the service (for logs and benchmarks). */
typedef struct {
    uint64_t connections, requests, options, allowed, warned, blocked, errors;
    uint64_t bytes_in;
} azk_guard_icap_stats;

/**
 * Bind the listening socket and start the workers (their scanners are
 * created here, so a bad fingerprint file fails now).
 * @return AZK_OK, AZK_ERR_IO (bind), AZK_ERR_ARG, or the scanner's error
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_icap_new(azk_guard_icap **out,
                                                       const azk_guard_icap_options *o);

/** The bound port (useful with port 0). */
AZK_EXTERN unsigned azk_guard_icap_port(const azk_guard_icap *s);

/** Accept and serve until azk_guard_icap_stop. */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_icap_run(azk_guard_icap *s);

/** Ask run to return; async-signal-safe. */
AZK_EXTERN void azk_guard_icap_stop(azk_guard_icap *s);

/** Copy the counters. */
AZK_EXTERN void azk_guard_icap_get_stats(azk_guard_icap *s, azk_guard_icap_stats *out);

/** Stop the workers and free (NULL-safe). */
AZK_EXTERN void azk_guard_icap_free(azk_guard_icap *s);

/* ---- transfer folder: watch, quarantine, two-person release -------------- */

/** Options of azk_guard_watch_run; initialise with AZK_GUARD_WATCH_OPTIONS_INIT. */
typedef struct {
    size_t struct_size;     /**< set by AZK_GUARD_WATCH_OPTIONS_INIT: the version of this struct */
    const char *outbox;     /**< the transfer folder watched (recursively) */
    const char *release;    /**< where files that may leave are moved */
    const char *quarantine; /**< where a notice (JSON, no values) of each quarantined file goes */
    unsigned settle_ms;     /**< a file must be unchanged this long before it is judged (1000) */
    bool once;              /**< process what is there (and the journal) and return */
    const azk_guard_policy *policy; /**< required; copied */
} azk_guard_watch_options;

#define AZK_GUARD_WATCH_OPTIONS_INIT                                                               \
    {                                                                                              \
        .struct_size = sizeof(azk_guard_watch_options), .settle_ms = 1000                          \
    }

struct azk_home;

/**
 * Watch the outbox (inotify; files present at start, subfolders, a queue
 * overflow rescans everything) and judge every complete file: files that
 * may leave are moved to `release`; the others are encrypted into the
 * home's vault (never left as plaintext) and removed from the outbox. A
 * journal in the home's catalog makes restarts safe: nothing is lost or
 * released twice. Every release and quarantine is a ledger event.
 * Files whose names start with '.' or end in ".part"/".tmp" are never
 * judged: senders write to such a name and rename when done.
 * Runs until *stop becomes non-zero (checked at least once a second) or,
 * with o->once, until the outbox has been processed.
 * @return AZK_OK, AZK_ERR_ARG, AZK_ERR_IO (outbox/release unusable), AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_watch_run(struct azk_home *h,
                                                        const azk_guard_watch_options *o,
                                                        const volatile int *stop);

/** A quarantined or released item of the journal (borrowed for the callback). */
typedef struct {
    const char *id;
    /** claimed, releasing, released, quarantined, requested, approving */
    const char *state;
    const char *path;         /**< path relative to the outbox */
    const char *decision;     /**< decision JSON (no values) or NULL */
    const char *requested_by; /**< NULL when not requested */
    const char *reason;
    const char *approved_by;
    const char *updated_at;
} azk_guard_item;

typedef azk_status (*azk_guard_item_cb)(const azk_guard_item *it, void *payload);

/** List the journal, newest first. */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_item_list(struct azk_home *h, azk_guard_item_cb cb,
                                                        void *payload);

/**
 * Ask for the release of quarantined item `id` (state quarantined), with a
 * reason. The requester is the handle's TOTP-authenticated user
 * (azk_user_auth); an OS account alone cannot request. Ledger event
 * "guard.request".
 * @return AZK_OK, AZK_ERR_NOTFOUND, AZK_ERR_ARG (wrong state, empty reason),
 *         AZK_ERR_PERM (nobody authenticated)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_request(struct azk_home *h, const char *id,
                                                      const char *reason);

/**
 * Approve a requested release as the handle's TOTP-authenticated user, who
 * must not be the requester (the library's two-person rule, the same as
 * retention's): the file is decrypted from the vault into the release
 * folder (temporary name, fsync, rename without replacing). Ledger events
 * "guard.approve" and "guard.release".
 * @param[out] out_path where the file was released (caller frees with azk_guard_mem_free; may be
 * NULL)
 * @return AZK_OK, AZK_ERR_NOTFOUND, AZK_ERR_PERM (nobody authenticated, or
 *         the requester), AZK_ERR_ARG (not requested), AZK_ERR_CRYPTO/INTEGRITY
 *         (vault), AZK_ERR_IO
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_guard_approve(struct azk_home *h, const char *id,
                                                      char **out_path);

#ifdef __cplusplus
}
#endif

#endif /* AZUKARI_GUARD_H */
