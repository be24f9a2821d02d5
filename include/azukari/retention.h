/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/retention.h -- retention deadlines, verified deletion and
 * deletion certificates (削除証明書).
 *
 * Every dataset has a deadline (retain_until); derived artifacts (print
 * files, logs, exports) are registered with it. A retention run takes each
 * due dataset through an idempotent state machine kept in the catalog:
 *   due -> shredding (ledger entry durable, fingerprints exported)
 *       -> key_destroyed -> vault_removed -> artifacts_removed
 *       -> clean | incomplete (a residual copy or a refused artifact)
 *       -> certified (signed by the deployment key, verified by a second person)
 * Killing a run at any point and running again ends in the same state.
 * Holds block deletion; early deletion and extension need a second person
 * (two-person rule). People authenticate with TOTP (RFC 6238).
 * See docs/retention.md.
 *
 * Thread-safety: as the azk_home handle.
 */
#ifndef AZUKARI_RETENTION_H
#define AZUKARI_RETENTION_H

#include "azukari/home.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- users and TOTP ----------------------------------------------------- */

/**
 * Enrol an azukari user: a fresh 160-bit TOTP secret, stored in the catalog
 * encrypted with the master key. Ledger event "user.add". The first two
 * users of a deployment are enrolled by whoever holds the home
 * ("bootstrap"); after that the handle must carry a TOTP-authenticated
 * user, and the new user stays pending (cannot authenticate) until a
 * different authenticated user approves it (azk_user_approve), so one
 * person cannot make themselves a second identity.
 * @param[out] out_b32 the secret in base32 (for an authenticator app),
 *             NUL-terminated; wipe it after showing it
 * @return AZK_OK, AZK_ERR_ARG (bad name or exists), AZK_ERR_PERM (nobody
 *         authenticated after the bootstrap), AZK_ERR_DB, AZK_ERR_CRYPTO
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_user_add(azk_home *h, const char *name, char out_b32[64]);

/**
 * Approve the pending enrolment of `name` as the handle's TOTP-authenticated
 * user, who must not be the one who enrolled it. Ledger "user.approve".
 * @return AZK_OK, AZK_ERR_NOTFOUND (no pending enrolment), AZK_ERR_PERM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_user_approve(azk_home *h, const char *name);

/**
 * Authenticate `name` with a 6-digit TOTP code (30 s steps, one step of
 * drift allowed) and make it the handle's actor; the handle then carries
 * that person for the two-person rule. A code is accepted once (its time
 * step is recorded; a replay is refused). A failure appends "auth.fail" to
 * the ledger.
 * @return AZK_OK, AZK_ERR_PERM (unknown or pending user, wrong or used
 *         code), AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_user_auth(azk_home *h, const char *name, const char *code);

/* ---- artifacts ---------------------------------------------------------- */

/**
 * Register a derived artifact of `dataset`: a regular file (not a symlink)
 * whose identity is recorded: device, inode, size, modification time and a
 * BLAKE2b-256 hash of its content (read once, streaming). Deletion removes
 * only that file: a file at the path that differs in any of these (a new
 * file that reused the inode) is refused and the deletion stays incomplete.
 * A file with other hard links is not overwritten: only its registered name
 * is unlinked, and the deletion stays incomplete until a person resolves it
 * (azk_artifact_resolve).
 * @param until deadline YYYY-MM-DD, not later than the dataset's; NULL = the
 *        dataset's
 * @return AZK_OK, AZK_ERR_ARG (not a regular file, later deadline, already
 *         registered), AZK_ERR_NOTFOUND (dataset), AZK_ERR_IO, AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_artifact_add(azk_home *h, const char *dataset,
                                                     const char *path, const char *until);

/**
 * A person (the handle's TOTP-authenticated user) records that a refused
 * artifact of `dataset` at `path` has been dealt with (its other hard links
 * removed, the file at the path checked): the disposition becomes "resolved
 * by NAME (was ...)", the next run no longer counts it as refused. Ledger
 * "artifact.resolve" with the reason.
 * @return AZK_OK, AZK_ERR_NOTFOUND (no refused artifact there), AZK_ERR_PERM
 *         (nobody authenticated), AZK_ERR_ARG (no reason)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_artifact_resolve(azk_home *h, const char *dataset,
                                                         const char *path, const char *reason);

/** An artifact row; strings borrowed for the callback. */
typedef struct {
    const char *dataset;
    const char *path;
    const char *deadline;
    const char *disposition; /**< NULL while present; "overwritten+unlinked", ... */
} azk_artifact_info;

typedef azk_status (*azk_artifact_cb)(const azk_artifact_info *a, void *payload);

/** List artifacts (of one dataset, or all when NULL). */
AZK_EXTERN AZK_NODISCARD azk_status azk_artifact_list(azk_home *h, const char *dataset,
                                                      azk_artifact_cb cb, void *payload);

/* ---- holds and two-person requests ------------------------------------- */

/** Put `dataset` on hold (nothing of it is deleted). Ledger "retention.hold". */
AZK_EXTERN AZK_NODISCARD azk_status azk_retention_hold(azk_home *h, const char *dataset,
                                                       const char *reason);
/** Release a hold. Ledger "retention.release". AZK_ERR_NOTFOUND when none. */
AZK_EXTERN AZK_NODISCARD azk_status azk_retention_release(azk_home *h, const char *dataset,
                                                          const char *reason);

/**
 * Request early deletion (`until` NULL) or an extension to `until`
 * (YYYY-MM-DD, later than the current deadline). A second person must
 * approve. Ledger "retention.request".
 * @param[out] out_id request id ("R-" + 8 hex), NUL-terminated
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_retention_request(azk_home *h, const char *dataset,
                                                          const char *until, const char *reason,
                                                          char out_id[16]);

/**
 * Approve a request as the handle's actor, who must not be the requester.
 * Early deletion makes the dataset due at the next run; an extension moves
 * retain_until. Ledger "retention.approve" (and "retention.extend").
 * @return AZK_OK, AZK_ERR_PERM (self-approval), AZK_ERR_NOTFOUND, AZK_ERR_ARG
 *         (not pending)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_retention_approve(azk_home *h, const char *request_id);

/* ---- status and run ----------------------------------------------------- */

/** One dataset's retention state; strings borrowed for the callback. */
typedef struct {
    const char *dataset;
    const char *client;
    const char *retain_until;
    /** "active", "due", "overdue", "hold", "incomplete", "clean", "certified",
     *  or a step of a run that was interrupted ("shredding", ...) */
    const char *status;
    const char *detail; /**< hold reason, residual count ...; may be NULL */
    uint64_t residuals; /**< residual copies found by the last sweep */
    uint64_t artifacts; /**< registered artifacts */
} azk_retention_item;

typedef azk_status (*azk_retention_cb)(const azk_retention_item *it, void *payload);

/**
 * Report every dataset's retention state at time `now` (Unix seconds).
 * @param[out] out_overdue number of overdue or incomplete datasets (may be NULL)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_retention_status(azk_home *h, int64_t now,
                                                         azk_retention_cb cb, void *payload,
                                                         uint64_t *out_overdue);

/** A residual copy found by the last sweep (strings borrowed for the callback). */
typedef struct {
    const char *dataset;
    const char *path;   /**< file path as the scanner reports it */
    const char *member; /**< container member path ("a.zip/b.csv" -> "b.csv"), "" for a file */
    uint64_t rows;      /**< entrusted rows of the dataset found in it */
} azk_residual_info;

typedef azk_status (*azk_residual_cb)(const azk_residual_info *r, void *payload);

/** List the residual copies of `dataset` (or of all when NULL) from the last sweep. */
AZK_EXTERN AZK_NODISCARD azk_status azk_retention_residuals(azk_home *h, const char *dataset,
                                                            azk_residual_cb cb, void *payload);

/** Options of azk_retention_run. */
typedef struct {
    size_t struct_size; /**< set by AZK_RETENTION_RUN_OPTIONS_INIT: the version of this struct */
    int64_t now;        /**< Unix seconds judged against; 0 = the clock */
    bool drill;         /**< now was given by the operator (recorded as such) */
    const char *const *sweep_paths; /**< closed zone */
    size_t sweep_path_count;
    const char *const *sweep_paths_general; /**< general zone */
    size_t sweep_path_general_count;
    bool overwrite;         /**< overwrite files before unlinking (default true) */
    const char *cache_path; /**< scanner incremental cache; NULL = none */
    unsigned threads;       /**< scanner threads; 0 = cores */
    const char *only;       /**< one dataset only, or NULL */
} azk_retention_run_options;

#define AZK_RETENTION_RUN_OPTIONS_INIT                                                             \
    {                                                                                              \
        .struct_size = sizeof(azk_retention_run_options), .overwrite = true                        \
    }

/** The "retention" section of <home>/azukari.conf (opaque). */
typedef struct azk_retention_config azk_retention_config;

/**
 * Read the "retention" section of <home>/azukari.conf: sweep_paths,
 * sweep_paths_general, overwrite, cache. A missing file is an empty
 * configuration (no sweep locations).
 * @param[out] out the configuration; free with azk_retention_config_free
 * @return AZK_OK, AZK_ERR_FORMAT (not JSON: the message names file and line),
 *         AZK_ERR_IO, AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_retention_config_load(azk_retention_config **out,
                                                              const char *home);

/**
 * Set the sweep fields of a run's options (sweep paths of both zones,
 * overwrite, cache_path) from the configuration. The options borrow
 * strings of `c`: keep it until the run is over.
 */
AZK_EXTERN void azk_retention_config_apply(const azk_retention_config *c,
                                           azk_retention_run_options *ro);

/** Free a configuration; NULL-safe. */
AZK_EXTERN void azk_retention_config_free(azk_retention_config *c);

/** Totals of a run. */
typedef struct {
    uint64_t due;        /**< datasets due at this run */
    uint64_t held;       /**< due but on hold */
    uint64_t clean;      /**< reached clean (awaiting the verifier's certificate) */
    uint64_t incomplete; /**< residual copies or refused artifacts */
    uint64_t errors;     /**< datasets whose run stopped on an error */
    uint64_t files_swept;
    uint64_t bytes_swept;
    double sweep_seconds;
} azk_retention_summary;

/** Per-dataset progress of a run (dataset id, state reached, detail or NULL). */
typedef void (*azk_retention_progress_cb)(const char *dataset, const char *state,
                                          const char *detail, void *payload);

/**
 * Run retention: every due dataset (not on hold) is taken through the state
 * machine as far as it goes. The run refuses to delete anything when the
 * clock is earlier than the last run (AZK_ERR_INTEGRITY).
 * Configuration comes from the options (the CLI reads azukari.conf).
 * @return AZK_OK when the run completed (see summary for incomplete and
 *         error datasets); an error when it could not run.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_retention_run(azk_home *h,
                                                      const azk_retention_run_options *o,
                                                      azk_retention_progress_cb cb, void *payload,
                                                      azk_retention_summary *summary);

/* ---- certificates ------------------------------------------------------- */

/**
 * Issue the deletion certificate of a clean dataset, the handle's actor
 * being the verifier (must differ from the operator of the run). Signed
 * with <home>/keys/certificate.key (created on first use), stored at
 * <home>/certificates/<dataset>.json; the exported fingerprints of the
 * dataset are removed. Ledger "retention.certify".
 * @param[out] out_json the certificate document; free with azk_retention_free
 * @return AZK_OK, AZK_ERR_ARG (not clean), AZK_ERR_PERM (verifier = operator)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_certificate_issue(azk_home *h, const char *dataset,
                                                          char **out_json);

/** The stored certificate of `dataset` (free with azk_retention_free). */
AZK_EXTERN AZK_NODISCARD azk_status azk_certificate_get(azk_home *h, const char *dataset,
                                                        char **out_json);

/** The deployment's certificate public key, "azukari-cert+<base64>" (free with azk_retention_free).
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_certificate_pubkey(azk_home *h, char **out);

/** Size of azk_certificate_source_hash's text: 64 hex digits and NUL. */
#define AZK_CERT_SOURCE_HASH_LEN 65

/**
 * The hash a certificate carries instead of the received file's name (a
 * file name of entrusted data is a personal value): lower-case hex SHA-256
 * of the UTF-8 bytes `dataset` "\n" `source_name`, so the client that sent
 * the file can match it (`printf '%s\n%s' DATASET NAME | sha256sum`) and the
 * same name gives different hashes in different datasets. docs/retention.md.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_certificate_source_hash(const char *dataset,
                                                                const char *source_name,
                                                                char out[AZK_CERT_SOURCE_HASH_LEN]);

/**
 * Whether a certificate (verify it first) was issued for a file received
 * under `source_name`: compares source_name_sha256, or the clear
 * source_name of a certificate issued before the hash.
 * @return AZK_OK (*yes set), AZK_ERR_FORMAT (no dataset or name in it)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_certificate_source_matches(const char *json, size_t len,
                                                                   const char *source_name,
                                                                   bool *yes);

/** What azk_certificate_verify checked. */
typedef struct {
    bool signature;     /**< certificate signature by the given key */
    bool checkpoint;    /**< ledger checkpoint signature (by ledger_vkey or the embedded key) */
    bool inclusion;     /**< deletion entry included in the checkpoint */
    bool entry_matches; /**< entry names the dataset and key commitment of the certificate */
    bool ledger_pinned; /**< the checkpoint key was given by the caller, not only embedded */
    char problem[160];  /**< first failure, empty when all passed */
} azk_certificate_report;

/**
 * Verify a certificate offline (untrusted input).
 * @param pubkey "azukari-cert+<base64>" as azk_certificate_pubkey prints
 * @param ledger_vkey ledger verifier key text (ledger.pub), or NULL to use
 *        the key embedded in the certificate (then ledger_pinned is false)
 * @return AZK_OK when every check passed; AZK_ERR_CRYPTO / AZK_ERR_INTEGRITY
 *         / AZK_ERR_FORMAT otherwise (report->problem says which)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_certificate_verify(const char *json, size_t len,
                                                           const char *pubkey,
                                                           const char *ledger_vkey,
                                                           azk_certificate_report *report);

/** Printable Japanese HTML rendering (削除証明書) with print CSS. */
AZK_EXTERN AZK_NODISCARD azk_status azk_certificate_html(const char *json, size_t len, char **out);

/**
 * One status item as one line of compact JSON (keys dataset, client,
 * retain_until, status, detail, residuals, artifacts; sorted), without a
 * newline. Caller frees with azk_retention_free.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_retention_item_json(const azk_retention_item *it,
                                                            char **out);

/** Free memory returned by this module (NULL-safe). */
AZK_EXTERN void azk_retention_free(void *p);

/* ---- helpers ------------------------------------------------------------ */

/** Parse "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (UTC) to Unix seconds. */
AZK_EXTERN AZK_NODISCARD azk_status azk_retention_parse_time(const char *s, int64_t *out);

#ifdef __cplusplus
}
#endif

#endif
