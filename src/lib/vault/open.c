/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault/open.c -- azk_vault_open(): record who opens which dataset, when
 * and why (catalog table `opens` and a ledger event, committed before any
 * byte is released), then stream the authenticated plaintext to the
 * caller (the catalog side is store/datasets.h). azk_vault_export_to_file(): the same into a file,
 * with every rule of a plaintext copy in one place (0600, no partial copy, registered as an
 * artifact before it gets its name, outcome in the ledger).
 */
#include "vault/vault.h"
#include "store/datasets.h"
#include "store/keystore.h"
#include "retention/ret_int.h"
#include "retention/identity.h"
#include "retention/training.h"
#include "azukari/audit.h"
#include "azukari/outfile.h"
#include "azukari/vault.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The training gate of "open": the TOTP-authenticated user, else the handle's actor. */
static azk_status open_gate(azk_home *h, const char *action, const char *dataset)
{
    static const char *const keys[1] = {"open"};
    const char *who = azk_identity__user(h);
    return azk_training__gate(h, who != NULL ? who : azk_store__actor(h), keys, 1, action, dataset);
}

/* azk_vault_open; *recorded (may be NULL) tells whether the open was recorded. */
static azk_status open_impl(azk_home *h, const char *dataset, const char *reason,
                            azk_vault_write_cb cb, void *payload, bool *recorded)
{
    azk_status rc;
    struct azk_store_opened op;
    uint8_t *wk = NULL;
    size_t wk_len = 0;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && cb != NULL);
    if (reason == NULL || reason[strspn(reason, " \t")] == '\0')
        return azk_error_set(AZK_ERR_ARG, "a reason is required to open a dataset");
    /* training (教育): refused, with a ledger entry, when the opener's required training lapsed */
    rc = open_gate(h, "vault.open", dataset);
    if (rc != AZK_OK)
        return rc;
    /* the open is in the catalog and the ledger before the first byte */
    rc = azk_store__dataset_open(h, dataset, reason, &op);
    if (rc != AZK_OK)
        return rc;
    if (recorded != NULL)
        *recorded = true;
    rc = azk_store__key_get(h, AZK_KEY_DATASET, op.uuid, &wk, &wk_len);
    if (rc == AZK_ERR_NOTFOUND)
        return azk_error_set(AZK_ERR_NOTFOUND, "dataset %s: its key is destroyed", dataset);
    if (rc != AZK_OK)
        return rc;
    rc = azk_vault__read(h, op.uuid, wk, wk_len, cb, payload);
    azk_free_secret(wk, wk_len);
    return rc;
}

/*
 * Ledger event "vault.open" with outcome "failed" after an open that did not
 * complete: refused before any byte (no such dataset, key destroyed) or
 * stopped while streaming (vault file damaged, reader gone). The "vault.open"
 * event written before the first byte stays: both are true.
 */
static void open_failed_event(azk_home *h, const char *dataset, const char *reason,
                              azk_status result, bool recorded)
{
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    const char *objs[1];
    char extra[96];
    azk_error saved = *azk_error_last();
    char msg[256];
    snprintf(msg, sizeof(msg), "%s", saved.message != NULL ? saved.message : "");
    objs[0] = dataset;
    ev.actor = azk_store__actor(h);
    ev.action = "vault.open";
    ev.objects = objs;
    ev.object_count = 1;
    ev.reason = reason;
    ev.outcome = "failed";
    snprintf(extra, sizeof(extra), "{\"error\":\"%s\",\"released\":%s}", azk_status_name(result),
             recorded ? "\"partly or none\"" : "\"none\"");
    ev.extra_json = extra;
    /* best effort: the caller's error is what it reports; a ledger that
     * refuses appends has raised its own alarm */
    if (azk_audit_record(h->path, &ev) != AZK_OK)
        msg[sizeof(msg) - 1] = '\0'; /* keep the open's own error below */
    azk_error_set(saved.code, "%s", msg);
}

azk_status azk_vault_open(azk_home *h, const char *dataset, const char *reason,
                          azk_vault_write_cb cb, void *payload)
{
    bool recorded = false;
    azk_status rc = open_impl(h, dataset, reason, cb, payload, &recorded);
    if (rc != AZK_OK && rc != AZK_ERR_ARG && rc != AZK_ERR_PERM && h != NULL && dataset != NULL)
        open_failed_event(h, dataset, reason, rc, recorded);
    return rc;
}

/* ---- export to a file ------------------------------------------------------ */

struct export_sink {
    FILE *f;
    int err; /* errno of the first failed write */
};

static azk_status export_write(const uint8_t *p, size_t n, void *payload)
{
    struct export_sink *x = payload;
    if (fwrite(p, 1, n, x->f) != n) {
        x->err = errno != 0 ? errno : EIO;
        errno = x->err;
        return azk_error_errno("write exported file");
    }
    return AZK_OK;
}

/* Ledger event "vault.export": outcome "ok" or "failed" with the error code (never a path). */
static azk_status export_event(azk_home *h, const char *dataset, azk_status result, bool withdrawn)
{
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    const char *objs[1];
    char extra[96];
    objs[0] = dataset;
    ev.actor = azk_store__actor(h);
    ev.action = "vault.export";
    ev.objects = objs;
    ev.object_count = 1;
    if (result != AZK_OK) {
        snprintf(extra, sizeof(extra), "{\"error\":\"%s\",\"artifact\":\"%s\"}",
                 azk_status_name(result), withdrawn ? "withdrawn" : "none");
        ev.outcome = "failed";
        ev.extra_json = extra;
    }
    return azk_audit_record(h->path, &ev);
}

azk_status azk_vault_export_to_file(azk_home *h, const char *dataset, const char *reason,
                                    const char *path)
{
    azk_status rc;
    azk_status erc;
    azk_outfile *of = NULL;
    struct export_sink x = {NULL, 0};
    struct stat sb;
    azk_buf abs = AZK_BUF_INIT;
    azk_error saved = {AZK_OK, ""};
    char msg[256];
    bool registered = false;
    bool withdrawn = false;
    bool opened = false;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && path != NULL);
    /* 0600, exclusive, in the target's directory; unnamed until everything succeeded */
    rc = azk_outfile_open(&of, path, 0600, AZK_OUTFILE_EXCL);
    if (rc != AZK_OK)
        return rc;
    x.f = azk_outfile_stream(of);
    /* the open is recorded before the first byte; from then on the export's outcome is too */
    rc = open_impl(h, dataset, reason, export_write, &x, &opened);
    if (rc != AZK_OK)
        goto done;
    rc = azk_outfile__sync(of, &sb);
    if (rc == AZK_OK)
        rc = azk_outfile__final_path(of, &abs);
    if (rc != AZK_OK)
        goto done;
    /* registered before it has a name: a copy retention cannot reach never exists */
    rc = azk_ret__artifact_register(h, dataset, (const char *)abs.data,
                                    fileno(azk_outfile_stream(of)));
    if (rc != AZK_OK)
        goto done;
    registered = true;
    rc = azk_outfile_commit(of);
    of = NULL; /* freed by commit, even on failure */
done:
    azk_outfile_abort(of);
    if (rc != AZK_OK) {
        saved.code = rc;
        snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
        saved.message = msg;
        if (registered)
            withdrawn =
                azk_ret__artifact_withdraw(h, dataset, (const char *)abs.data, &sb) == AZK_OK;
    }
    if (opened) {
        erc = export_event(h, dataset, rc, withdrawn);
        if (rc == AZK_OK && erc != AZK_OK)
            rc = erc; /* the file exists and is registered; the ledger append failed */
    }
    if (saved.code != AZK_OK)
        azk_error_set(saved.code, "%s", saved.message);
    azk_buf_dispose(&abs);
    return rc;
}
