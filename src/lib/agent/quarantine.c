/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent/quarantine.c -- carrying out a quarantine two people approved on
 * the server (an operator asked, an approver with step-up TOTP agreed):
 * the agent asks for its approved actions, takes the file away from its
 * users by renaming it to a private name in the same directory, encrypts
 * it into its home's vault the way guard watch quarantines (a vault file
 * under a fresh uuid, its data key wrapped in the keystore, a guard_items
 * journal row "quarantined": `azukari guard` lists it), removes the
 * plaintext only once the encrypted copy is durable, leaves a note file
 * next to where the file was, and reports. Each step can be interrupted:
 * a private copy found later is picked up again, and a case already done
 * (agent/cases/<id>.done) is only reported again. A file inside an archive
 * quarantines the archive. Release (decrypt back to where the file was,
 * never over another file) and destruction (the wrapped data key
 * destroyed in the keystore, then the vault file) follow the same
 * two-person approval. Ledger: agent.quarantine / agent.release /
 * agent.destroy (case id, never the path).
 */
#include "agent/agent_int.h"
#include "store/guard_items.h"
#include "store/keystore.h"
#include "vault/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char note_text[] =
    "このファイルは個人情報（委託を受けたデータ）を含むため、azukari "
    "により暗号化して隔離されました。\n"
    "必要な場合は情報セキュリティ担当へ、次の案件番号を添えてお問い合わせください。\n"
    "This file held entrusted personal data and was moved into azukari's encrypted quarantine.\n"
    "If you need it, ask your information security office, quoting this case:\n";

static bool valid_case_id(const char *id)
{
    size_t n = strlen(id);
    if (n < 6 || n > 80 || strncmp(id, "case-", 5) != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'z') || id[i] == '-'))
            return false;
    return true;
}

/* Encrypt `src` into the vault and journal it as quarantined item `id`. */
static azk_status to_vault(azk_home *h, const char *id, const char *src, uint64_t *size)
{
    struct azk_vault_writer *vw = NULL;
    uint8_t wrapped[AZK_VAULT_WRAPPED_LEN], buf[64 * 1024];
    char uuid[37], decision[160];
    azk_status rc;
    int fd = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    *size = 0;
    if (fd < 0)
        return azk_error_errno("agent: open the file to quarantine");
    azk_store__uuid(uuid);
    rc = azk_vault__writer_new(&vw, h, uuid, wrapped);
    while (rc == AZK_OK) {
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = azk_error_errno("agent: read the file to quarantine");
            break;
        }
        if (r == 0)
            break;
        *size += (uint64_t)r;
        rc = azk_vault__writer_write(vw, buf, (size_t)r);
    }
    sodium_memzero(buf, sizeof(buf));
    close(fd);
    if (rc != AZK_OK) {
        azk_vault__writer_abort(vw);
        return rc;
    }
    rc = azk_vault__writer_finish(vw);
    (void)snprintf(decision, sizeof(decision),
                   "{\"verdict\":\"quarantine\",\"by\":\"agent\",\"case\":\"%s\"}", id);
    if (rc == AZK_OK)
        rc = azk_store__guard_quarantined(h, id, uuid, wrapped, sizeof(wrapped), *size, decision);
    sodium_memzero(wrapped, sizeof(wrapped));
    return rc;
}

/* Quarantine the file of case id at path; *outcome "quarantined" or why not. */
static azk_status quarantine_one(azk_home *h, const char *id, const char *path, char outcome[64])
{
    azk_buf target = AZK_BUF_INIT, part = AZK_BUF_INIT, note = AZK_BUF_INIT, done = AZK_BUF_INIT,
            rel = AZK_BUF_INIT, body = AZK_BUF_INIT;
    struct stat sb;
    uint64_t size = 0;
    char extra[96];
    const char *slash;
    bool resume = false;
    azk_status rc;

    (void)snprintf(outcome, 64, "quarantined");
    rc = azk_buf_printf(&rel, "cases/%s.done", id);
    if (rc == AZK_OK)
        rc = azk_agent__path(&done, h, "cases");
    if (rc == AZK_OK && mkdir((const char *)done.data, 0700) != 0 && errno != EEXIST)
        rc = azk_error_set(AZK_ERR_IO, "agent: cannot create agent/cases");
    if (rc == AZK_OK)
        rc = azk_agent__path(&done, h, (const char *)rel.data);
    if (rc != AZK_OK)
        goto done;
    if (access((const char *)done.data, F_OK) == 0)
        goto done; /* done before; the report was lost */
    rc = azk_buf_puts(&target, path);
    if (rc == AZK_OK && lstat(path, &sb) != 0 && strchr(path, '!') != NULL) {
        /* a member of an archive: the archive itself */
        azk_buf_clear(&target);
        rc = azk_buf_put(&target, path, (size_t)(strchr(path, '!') - path));
    }
    if (rc != AZK_OK)
        goto done;
    slash = strrchr((const char *)target.data, '/');
    if (slash == NULL) {
        (void)snprintf(outcome, 64, "failed: not an absolute path");
        goto done;
    }
    rc = azk_buf_put(&part, target.data, (size_t)(slash - (const char *)target.data) + 1);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&part, ".azk-quarantine-%s", id);
    if (rc != AZK_OK)
        goto done;
    if (lstat((const char *)part.data, &sb) == 0 && S_ISREG(sb.st_mode)) {
        resume = true; /* interrupted after the rename */
    } else if (lstat((const char *)target.data, &sb) != 0) {
        (void)snprintf(outcome, 64, "failed: the file is gone");
        goto done;
    } else if (!S_ISREG(sb.st_mode)) {
        (void)snprintf(outcome, 64, "failed: not a regular file");
        goto done;
    }
    if (!resume) {
        rc = azk_store__guard_claim(h, id, "(agent case)", "(agent)", "");
        if (rc != AZK_OK) {
            azk_error_clear(); /* a claim left by an interrupted attempt */
            rc = AZK_OK;
        }
        /* out of its users' reach first: a rename in the same directory */
        if (rename((const char *)target.data, (const char *)part.data) != 0) {
            (void)snprintf(outcome, 64, "failed: cannot move the file (errno %d)", errno);
            goto done;
        }
    }
    rc = to_vault(h, id, (const char *)part.data, &size);
    if (rc != AZK_OK)
        goto done; /* the private copy stays; the next cycle resumes */
    if (unlink((const char *)part.data) != 0 && errno != ENOENT) {
        rc = azk_error_set(AZK_ERR_IO, "agent: cannot remove the quarantined plaintext");
        goto done;
    }
    rc = azk_buf_printf(&note, "%s.azukari-quarantine.txt", (const char *)target.data);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&body, "%s%s\n", note_text, id);
    if (rc == AZK_OK)
        rc = azk_outfile__write((const char *)note.data, body.data, body.len, 0644, 0, NULL);
    if (rc != AZK_OK) {
        azk_error_clear(); /* the note is a courtesy; the quarantine stands */
        rc = AZK_OK;
    }
    rc = azk_outfile__write((const char *)done.data, "", 0, 0600, 0, NULL);
    (void)snprintf(extra, sizeof(extra), "{\"bytes\":%llu}", (unsigned long long)size);
    if (rc == AZK_OK)
        rc = azk_agent__ledger(h, "agent.quarantine", id, NULL, NULL, extra);
done:
    azk_buf_dispose(&target);
    azk_buf_dispose(&part);
    azk_buf_dispose(&note);
    azk_buf_dispose(&done);
    azk_buf_dispose(&rel);
    azk_buf_dispose(&body);
    return rc;
}

/* The file a quarantined case took: the path, or the archive of a member (its note says). */
static azk_status quarantined_target(const char *path, azk_buf *target, azk_buf *note)
{
    azk_status rc = azk_buf_printf(note, "%s.azukari-quarantine.txt", path);
    if (rc == AZK_OK)
        rc = azk_buf_puts(target, path);
    if (rc == AZK_OK && access((const char *)note->data, F_OK) != 0 && strchr(path, '!') != NULL) {
        azk_buf_clear(target);
        azk_buf_clear(note);
        rc = azk_buf_put(target, path, (size_t)(strchr(path, '!') - path));
        if (rc == AZK_OK)
            rc = azk_buf_printf(note, "%s.azukari-quarantine.txt", (const char *)target->data);
    }
    return rc;
}

static azk_status write_fd(const uint8_t *p, size_t n, void *payload)
{
    int fd = *(int *)payload;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return azk_error_errno("agent: write the released file");
        p += w;
        n -= (size_t)w;
    }
    return AZK_OK;
}

/* The marker of a finished step (agent/cases/<id>.<what>); *exists. */
static azk_status marker(azk_home *h, const char *id, const char *what, azk_buf *out, bool *exists)
{
    azk_buf rel = AZK_BUF_INIT;
    azk_status rc = azk_agent__path(out, h, "cases");
    if (rc == AZK_OK && mkdir((const char *)out->data, 0700) != 0 && errno != EEXIST)
        rc = azk_error_set(AZK_ERR_IO, "agent: cannot create agent/cases");
    if (rc == AZK_OK)
        rc = azk_buf_printf(&rel, "cases/%s.%s", id, what);
    if (rc == AZK_OK)
        rc = azk_agent__path(out, h, (const char *)rel.data);
    *exists = rc == AZK_OK && access((const char *)out->data, F_OK) == 0;
    azk_buf_dispose(&rel);
    return rc;
}

/* Release: decrypt the quarantined copy back to where it was (never over another file). */
static azk_status release_one(azk_home *h, const char *id, const char *path, char outcome[64])
{
    azk_buf target = AZK_BUF_INIT, note = AZK_BUF_INIT, tmp = AZK_BUF_INIT, mk = AZK_BUF_INIT;
    struct azk_store_guard_release item;
    uint8_t *wrapped = NULL;
    size_t wlen = 0;
    char state[16];
    bool found = false, done = false;
    const char *slash;
    int fd = -1;
    azk_status rc;
    (void)snprintf(outcome, 64, "released");
    rc = marker(h, id, "released", &mk, &done);
    if (rc != AZK_OK || done)
        goto out;
    rc = quarantined_target(path, &target, &note);
    if (rc == AZK_OK)
        rc = azk_store__guard_get(h, id, &item, state, &found);
    if (rc != AZK_OK)
        goto out;
    if (!found || strcmp(state, "quarantined") != 0) {
        (void)snprintf(outcome, 64, "failed: not quarantined on this host");
        goto out;
    }
    if (access((const char *)target.data, F_OK) == 0) {
        (void)snprintf(outcome, 64, "failed: another file is in the way");
        goto out;
    }
    slash = strrchr((const char *)target.data, '/');
    rc = azk_buf_put(&tmp, target.data, (size_t)(slash - (const char *)target.data) + 1);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&tmp, ".azk-release-%s", id);
    if (rc == AZK_OK)
        rc = azk_store__key_get(h, AZK_KEY_GUARD, id, &wrapped, &wlen);
    if (rc != AZK_OK)
        goto out;
    (void)unlink((const char *)tmp.data);
    fd = open((const char *)tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0) {
        rc = azk_error_errno("agent: create the released file");
        goto out;
    }
    rc = azk_vault__read(h, item.uuid, wrapped, wlen, write_fd, &fd);
    if (rc == AZK_OK && fsync(fd) != 0)
        rc = azk_error_errno("agent: fsync the released file");
    close(fd);
    fd = -1;
    /* link: never replaces a file that appeared meanwhile */
    if (rc == AZK_OK && link((const char *)tmp.data, (const char *)target.data) != 0)
        (void)snprintf(outcome, 64, "failed: another file is in the way");
    (void)unlink((const char *)tmp.data);
    if (rc != AZK_OK || strcmp(outcome, "released") != 0)
        goto out;
    (void)unlink((const char *)note.data);
    rc = azk_store__guard_set_state(h, id, "released");
    if (rc == AZK_OK)
        rc = azk_outfile__write((const char *)mk.data, "", 0, 0600, 0, NULL);
    if (rc == AZK_OK)
        rc = azk_agent__ledger(h, "agent.release", id, NULL, NULL, NULL);
out:
    if (fd >= 0)
        close(fd);
    if (wrapped != NULL)
        azk_free_secret(wrapped, wlen);
    azk_buf_dispose(&target);
    azk_buf_dispose(&note);
    azk_buf_dispose(&tmp);
    azk_buf_dispose(&mk);
    return rc;
}

/* Destroy: the wrapped data key goes (crypto-shred), then the vault file. */
static azk_status destroy_one(azk_home *h, const char *id, const char *path, char outcome[64])
{
    azk_buf target = AZK_BUF_INIT, note = AZK_BUF_INIT, vp = AZK_BUF_INIT, mk = AZK_BUF_INIT,
            body = AZK_BUF_INIT;
    struct azk_store_guard_release item;
    azk_key_evidence ev;
    char state[16];
    bool found = false, done = false;
    azk_status rc;
    (void)snprintf(outcome, 64, "destroyed");
    memset(&ev, 0, sizeof(ev));
    rc = marker(h, id, "destroyed", &mk, &done);
    if (rc != AZK_OK || done)
        goto out;
    rc = quarantined_target(path, &target, &note);
    if (rc == AZK_OK)
        rc = azk_store__guard_get(h, id, &item, state, &found);
    if (rc != AZK_OK)
        goto out;
    if (!found || (strcmp(state, "quarantined") != 0 && strcmp(state, "destroyed") != 0)) {
        (void)snprintf(outcome, 64, "failed: not quarantined on this host");
        goto out;
    }
    rc = azk_store__key_destroy(h, AZK_KEY_GUARD, id, &ev);
    if (rc == AZK_ERR_INTEGRITY) {
        azk_error_clear(); /* the key's bytes may remain in a WAL: retried next cycle */
        rc = AZK_OK;
        (void)snprintf(outcome, 64, "failed: key bytes may remain; retried");
        goto out;
    }
    if (rc == AZK_OK)
        rc = azk_store__guard_set_state(h, id, "destroyed");
    if (rc == AZK_OK)
        rc = azk_vault__path(&vp, h, item.uuid);
    if (rc == AZK_OK && unlink((const char *)vp.data) != 0 && errno != ENOENT)
        rc = azk_error_set(AZK_ERR_IO, "agent: cannot remove the quarantined copy");
    if (rc == AZK_OK)
        rc = azk_buf_printf(&body, "%s%s\n(破棄済み / destroyed)\n", note_text, id);
    if (rc == AZK_OK && access((const char *)note.data, F_OK) == 0 &&
        azk_outfile__write((const char *)note.data, body.data, body.len, 0644, 0, NULL) != AZK_OK)
        azk_error_clear();
    if (rc == AZK_OK)
        rc = azk_outfile__write((const char *)mk.data, "", 0, 0600, 0, NULL);
    if (rc == AZK_OK)
        rc = azk_agent__ledger(h, "agent.destroy", id, NULL, NULL, NULL);
out:
    azk_buf_dispose(&target);
    azk_buf_dispose(&note);
    azk_buf_dispose(&vp);
    azk_buf_dispose(&mk);
    azk_buf_dispose(&body);
    return rc;
}

azk_status azk_agent__actions(azk_home *h, const struct azk_agent_state *st,
                              const struct azk_agent_net *n, uint64_t *done_count)
{
    static const char *const hdr[] = {"Content-Type: application/json", NULL};
    struct azk_agent_answer a = {0};
    json_t *doc = NULL, *it;
    json_error_t je;
    size_t i;
    azk_status rc = azk_agent__call(n, "GET", "/api/v1/agent/actions", NULL, 0, NULL, &a);
    *done_count = 0;
    if (rc != AZK_OK || a.status != 200) {
        azk_agent__answer_dispose(&a);
        azk_error_clear();
        return AZK_OK; /* unreachable or refused: the policy call says why */
    }
    doc = json_loadb((const char *)a.body.data, a.body.len, 0, &je);
    json_array_foreach(json_object_get(doc, "items"), i, it)
    {
        const char *id = json_string_value(json_object_get(it, "case_id"));
        const char *path = json_string_value(json_object_get(it, "path"));
        const char *what = json_string_value(json_object_get(it, "action"));
        struct azk_agent_answer d = {0};
        char outcome[64], *body = NULL;
        json_t *rep;
        if (id == NULL || path == NULL || !valid_case_id(id) || path[0] != '/')
            continue;
        if (what != NULL && strcmp(what, "release") == 0)
            rc = release_one(h, id, path, outcome);
        else if (what != NULL && strcmp(what, "destroy") == 0)
            rc = destroy_one(h, id, path, outcome);
        else
            rc = quarantine_one(h, id, path, outcome);
        if (rc != AZK_OK)
            break;
        if (strncmp(outcome, "failed", 6) == 0)
            rc = azk_agent__ledger(h, "agent.case.action", id, "failed", outcome, NULL);
        rep = json_pack("{s:s, s:s}", "case_id", id, "outcome", outcome);
        if (rep != NULL)
            body = json_dumps(rep, JSON_COMPACT);
        json_decref(rep);
        if (rc == AZK_OK && body != NULL)
            rc = azk_agent__call(n, "POST", "/api/v1/agent/actions/done", body, strlen(body), hdr,
                                 &d);
        free(body); /* checksrc: ok (jansson allocates with malloc) */
        azk_agent__answer_dispose(&d);
        if (rc != AZK_OK)
            break;
        (*done_count)++;
    }
    json_decref(doc);
    azk_agent__answer_dispose(&a);
    (void)st;
    return rc;
}
