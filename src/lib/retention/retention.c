/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/retention.c -- the catalog side of retention: this module's
 * tables (users and TOTP are in identity.c), registered artifacts, holds,
 * two-person requests for early deletion or extension, and the status report.
 * Every change is one transaction and appends a ledger event.
 */
#include "retention/ret_int.h"
#include "retention/identity.h"
#include "store/artifacts.h"
#include "store/requests.h"
#include "norm/datetime.h"
#include "azukari/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

azk_status azk_ret__lock(azk_home *h, const char *name, const char *busy, int *fd)
{
    azk_buf p = AZK_BUF_INIT;
    azk_status rc = azk_store__path(&p, h, "retention");
    *fd = -1;
    if (rc != AZK_OK)
        return rc;
    if (mkdir((const char *)p.data, 0700) != 0 && errno != EEXIST) {
        rc = azk_error_errno("create retention directory");
        goto done;
    }
    rc = azk_buf_printf(&p, "/%s", name);
    if (rc != AZK_OK)
        goto done;
    *fd = open((const char *)p.data, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (*fd < 0) {
        rc = azk_error_errno("open retention lock");
        goto done;
    }
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        rc = errno == EWOULDBLOCK
                 ? azk_error_set(AZK_ERR_ARG, "%s: nothing done (try again when it has finished)",
                                 busy)
                 : azk_error_errno("lock retention");
        close(*fd);
        *fd = -1;
    }
done:
    azk_buf_dispose(&p);
    return rc;
}

void azk_ret__date(int64_t t, char out[16])
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

void azk_ret__iso(int64_t t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

azk_status azk_retention_parse_time(const char *s, int64_t *out)
{
    AZK_ASSERT_ARG(s != NULL && out != NULL);
    if (!azk_date__parse_time(s, out))
        return azk_error_set(AZK_ERR_ARG, "time must be a real date YYYY-MM-DD or "
                                          "YYYY-MM-DDTHH:MM:SSZ");
    return AZK_OK;
}

azk_status azk_ret__audit(azk_home *h, const char *action, const char *dataset, const char *outcome,
                          const char *reason, const char *extra_json, uint64_t *out_index)
{
    struct azk_store_event ev = {0};
    ev.action = action;
    ev.object = dataset;
    ev.outcome = outcome;
    ev.reason = reason;
    ev.extra_json = extra_json;
    return azk_store__event(h, &ev, out_index);
}

void azk_retention_free(void *p)
{
    azk_free(p);
}

/* ---- datasets ------------------------------------------------------------ */

struct ds_row {
    char retain_until[16];
    char client[72];
    char state[24];
    bool found;
};

static azk_status ds_cb(const azk_dataset_info *d, void *payload)
{
    struct ds_row *r = payload;
    (void)snprintf(r->retain_until, sizeof(r->retain_until), "%s", d->retain_until);
    (void)snprintf(r->client, sizeof(r->client), "%s", d->client);
    (void)snprintf(r->state, sizeof(r->state), "%s", d->state);
    r->found = true;
    return AZK_OK;
}

static azk_status get_ds(azk_home *h, const char *dataset, struct ds_row *r)
{
    memset(r, 0, sizeof(*r));
    return azk_dataset_get(h, dataset, ds_cb, r);
}

static bool valid_date(const char *s)
{
    int64_t t;
    return s != NULL && strlen(s) == 10 && azk_retention_parse_time(s, &t) == AZK_OK;
}

/* ---- artifacts ---------------------------------------------------------- */

/* Insert the registration of the regular file identified by id at absolute
 * path abs (one transaction with its ledger event). */
static azk_status artifact_insert(azk_home *h, const char *dataset, const char *abs,
                                  const struct azk_ret_fileid *id, const char *until)
{
    azk_status rc = AZK_OK;
    struct ds_row d;
    struct azk_store_artifact a;
    struct azk_store_event ev = {0};

    rc = get_ds(h, dataset, &d);
    if (rc != AZK_OK)
        return rc;
    if (strcmp(d.state, "active") != 0)
        return azk_error_set(AZK_ERR_ARG, "dataset is not active");
    if (until != NULL && !valid_date(until))
        return azk_error_set(AZK_ERR_ARG, "artifact deadline must be YYYY-MM-DD");
    if (until != NULL && strcmp(until, d.retain_until) > 0)
        return azk_error_set(AZK_ERR_ARG, "artifact deadline is later than the dataset's (%s)",
                             d.retain_until);
    memset(&a, 0, sizeof(a));
    a.dataset = dataset;
    a.path = abs;
    a.deadline = until != NULL ? until : d.retain_until;
    a.added_by = azk_store__actor(h);
    a.dev = id->dev;
    a.ino = id->ino;
    a.size = id->size;
    a.mtime_ns = id->mtime_ns;
    a.ctime_ns = id->ctime_ns;
    a.hash = id->hash;
    ev.action = "artifact.add";
    ev.object = dataset;
    return azk_store__artifact_insert(h, &a, &ev);
}

azk_status azk_artifact_add(azk_home *h, const char *dataset, const char *path, const char *until)
{
    azk_status rc = AZK_OK;
    struct stat sb;
    struct azk_ret_fileid id;
    char *abs = NULL;
    int fd;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && path != NULL);
    if (lstat(path, &sb) != 0)
        return azk_error_errno("artifact");
    if (!S_ISREG(sb.st_mode))
        return azk_error_set(AZK_ERR_ARG, "artifact must be a regular file (not a symlink, "
                                          "directory or device)");
    /* identity: device, inode, size, times and a hash of the content, read
     * through the same open file that is checked to be the one lstat saw */
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return azk_error_errno("artifact");
    rc = azk_ret__fileid_fd(fd, &id);
    close(fd);
    if (rc != AZK_OK)
        return rc;
    if (id.dev != (uint64_t)sb.st_dev || id.ino != (uint64_t)sb.st_ino)
        return azk_error_set(AZK_ERR_ARG, "artifact was replaced while being registered");
    /* the parent may be a symlink; the leaf is checked above */
    abs = realpath(path, NULL);
    if (abs == NULL)
        return azk_error_errno("artifact path");
    rc = artifact_insert(h, dataset, abs, &id, until);
    free(abs); /* from realpath; checksrc: ok */
    return rc;
}

azk_status azk_ret__artifact_register(azk_home *h, const char *dataset, const char *abs_path,
                                      int fd)
{
    struct azk_ret_fileid id;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && abs_path != NULL && fd >= 0);
    rc = azk_ret__fileid_fd(fd, &id);
    if (rc != AZK_OK)
        return rc;
    return artifact_insert(h, dataset, abs_path, &id, NULL);
}

azk_status azk_ret__artifact_withdraw(azk_home *h, const char *dataset, const char *abs_path,
                                      const struct stat *sb)
{
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && abs_path != NULL && sb != NULL);
    return azk_store__artifact_withdraw(h, dataset, abs_path, (uint64_t)sb->st_dev,
                                        (uint64_t)sb->st_ino);
}

azk_status azk_artifact_resolve(azk_home *h, const char *dataset, const char *path,
                                const char *reason)
{
    azk_status rc;
    struct azk_store_event ev = {0};
    const char *me = NULL;
    char *abs = NULL, *slash;
    azk_buf key = AZK_BUF_INIT, disp = AZK_BUF_INIT, was = AZK_BUF_INIT;
    bool found = false;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && path != NULL);
    if (reason == NULL || reason[0] == '\0')
        return azk_error_set(AZK_ERR_ARG, "resolving an artifact needs a reason");
    /* the artifact is usually gone: resolve the path by its parent directory */
    rc = azk_buf_puts(&key, path);
    if (rc != AZK_OK)
        goto done;
    slash = strrchr((char *)key.data, '/');
    if (slash != NULL && slash != (char *)key.data) {
        *slash = '\0';
        abs = realpath((const char *)key.data, NULL);
        azk_buf_clear(&key);
        if (abs != NULL)
            rc = azk_buf_printf(&key, "%s/%s", abs, strrchr(path, '/') + 1);
        else
            rc = azk_buf_puts(&key, path);
    } else if (slash == NULL) {
        abs = realpath(".", NULL);
        azk_buf_clear(&key);
        rc = abs != NULL ? azk_buf_printf(&key, "%s/%s", abs, path) : azk_buf_puts(&key, path);
    }
    if (rc != AZK_OK)
        goto done;
    rc = azk_identity__requester(h, "artifact.resolve", dataset, &me);
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__artifact_disposition(h, dataset, (const char *)key.data, &was, &found);
    if (rc != AZK_OK)
        goto done;
    if (!found || was.len == 0 ||
        strncmp((const char *)was.data, "refused: ", strlen("refused: ")) != 0) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no refused artifact of %s at that path", dataset);
        goto done;
    }
    rc = azk_buf_printf(&disp, "resolved by %s (was %s)", me,
                        (const char *)was.data + strlen("refused: "));
    if (rc != AZK_OK)
        goto done;
    ev.action = "artifact.resolve";
    ev.object = dataset;
    ev.reason = reason;
    /* the store re-checks, in its transaction, that the artifact is still refused */
    rc = azk_store__artifact_resolve(h, dataset, (const char *)key.data, (const char *)disp.data,
                                     &ev);
done:
    free(abs); /* from realpath; checksrc: ok */
    azk_buf_dispose(&key);
    azk_buf_dispose(&disp);
    azk_buf_dispose(&was);
    return rc;
}

azk_status azk_artifact_list(azk_home *h, const char *dataset, azk_artifact_cb cb, void *payload)
{
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    return azk_store__artifact_list(h, dataset, cb, payload);
}

/* ---- holds -------------------------------------------------------------- */

azk_status azk_retention_hold(azk_home *h, const char *dataset, const char *reason)
{
    azk_status rc;
    struct ds_row d;
    struct azk_store_event ev = {0};
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL);
    if (reason == NULL || reason[0] == '\0')
        return azk_error_set(AZK_ERR_ARG, "a hold needs a reason");
    rc = get_ds(h, dataset, &d);
    if (rc != AZK_OK)
        return rc;
    ev.action = "retention.hold";
    ev.object = dataset;
    ev.reason = reason;
    return azk_store__hold_set(h, dataset, reason, azk_store__actor(h), &ev);
}

azk_status azk_retention_release(azk_home *h, const char *dataset, const char *reason)
{
    struct azk_store_event ev = {0};
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL);
    if (reason == NULL || reason[0] == '\0')
        return azk_error_set(AZK_ERR_ARG, "a release needs a reason");
    ev.action = "retention.release";
    ev.object = dataset;
    ev.reason = reason;
    return azk_store__hold_release(h, dataset, &ev);
}

/* ---- two-person requests -------------------------------------------------- */

azk_status azk_retention_request(azk_home *h, const char *dataset, const char *until,
                                 const char *reason, char out_id[16])
{
    azk_status rc;
    struct ds_row d;
    struct azk_store_request r;
    struct azk_store_event ev = {0};
    char extra[96];
    uint8_t rnd[4];
    char hex[9];
    const char *me = NULL;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && out_id != NULL);
    if (reason == NULL || reason[0] == '\0')
        return azk_error_set(AZK_ERR_ARG, "a request needs a reason");
    rc = get_ds(h, dataset, &d);
    if (rc != AZK_OK)
        return rc;
    rc = azk_identity__requester(h, "retention.request", dataset, &me);
    if (rc != AZK_OK)
        return rc;
    if (strcmp(d.state, "active") != 0)
        return azk_error_set(AZK_ERR_ARG, "dataset is not active");
    if (until != NULL) {
        if (!valid_date(until))
            return azk_error_set(AZK_ERR_ARG, "--until must be YYYY-MM-DD");
        if (strcmp(until, d.retain_until) <= 0)
            return azk_error_set(AZK_ERR_ARG, "an extension must be later than the deadline %s",
                                 d.retain_until);
    }
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    memset(&r, 0, sizeof(r));
    (void)snprintf(r.id, sizeof(r.id), "R-%s", hex);
    (void)snprintf(r.kind, sizeof(r.kind), "%s", until != NULL ? "extend" : "delete");
    (void)snprintf(r.dataset, sizeof(r.dataset), "%s", dataset);
    (void)snprintf(r.until, sizeof(r.until), "%s", until != NULL ? until : "");
    (void)snprintf(r.requested_by, sizeof(r.requested_by), "%s", me);
    if (until != NULL)
        (void)snprintf(extra, sizeof(extra),
                       "{\"request\":\"%s\",\"kind\":\"extend\","
                       "\"until\":\"%s\"}",
                       r.id, until);
    else
        (void)snprintf(extra, sizeof(extra), "{\"request\":\"%s\",\"kind\":\"delete\"}", r.id);
    ev.action = "retention.request";
    ev.object = dataset;
    ev.reason = reason;
    ev.extra_json = extra;
    rc = azk_store__request_insert(h, &r, reason, &ev);
    if (rc == AZK_OK)
        (void)snprintf(out_id, 16, "%s", r.id);
    return rc;
}

azk_status azk_retention_approve(azk_home *h, const char *request_id)
{
    azk_status rc;
    struct azk_store_request r;
    struct azk_store_event ev[2];
    char extra[192], ex2[64];
    const char *me;
    bool found = false;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && request_id != NULL);
    rc = azk_store__request_get(h, request_id, &r, &found);
    if (rc != AZK_OK)
        return rc;
    if (!found)
        return azk_error_set(AZK_ERR_NOTFOUND, "no request %s", request_id);
    if (strcmp(r.state, "pending") != 0)
        return azk_error_set(AZK_ERR_ARG, "request %s is not pending (%s)", request_id, r.state);
    rc = azk_identity__approver(h, "retention.approve", r.dataset, r.requested_by, NULL, &me);
    if (rc != AZK_OK)
        return rc;
    azk_store__test_gate("retention.approve");
    (void)snprintf(extra, sizeof(extra), "{\"request\":\"%s\",\"requested_by\":\"%s\"}", request_id,
                   r.requested_by);
    (void)snprintf(ex2, sizeof(ex2), "{\"until\":\"%s\"}", r.until);
    memset(ev, 0, sizeof(ev));
    ev[0].action = "retention.approve";
    ev[0].object = r.dataset;
    ev[0].extra_json = extra;
    ev[1].action = "retention.extend";
    ev[1].object = r.dataset;
    ev[1].extra_json = ex2;
    /* the store re-reads the request under the writers' lock: of two approvals racing, the
     * second finds it approved and changes nothing */
    return azk_store__request_approve(h, request_id, me, ev, strcmp(r.kind, "extend") == 0 ? 2 : 1,
                                      NULL);
}

/* ---- status ------------------------------------------------------------- */

struct status_ctx {
    char today[16], yesterday[16];
    uint64_t overdue;
    azk_retention_cb cb;
    void *payload;
};

static azk_status status_row(const struct azk_store_status_row *r, void *payload)
{
    struct status_ctx *c = payload;
    azk_retention_item it;
    const char *until = r->retain_until;
    bool due = strcmp(c->today, until) > 0 || r->early != NULL;
    memset(&it, 0, sizeof(it));
    it.dataset = r->dataset;
    it.client = r->client;
    it.retain_until = until;
    it.residuals = r->residuals;
    it.artifacts = r->artifacts;
    if (r->run_state != NULL) {
        it.status = r->run_state;
        if (strcmp(r->run_state, "incomplete") == 0) {
            c->overdue++;
            it.detail = "residual copies or refused artifacts: see `retention show`";
        } else if (strcmp(r->run_state, "certified") != 0 && strcmp(r->run_state, "clean") != 0 &&
                   strcmp(c->yesterday, until) > 0) {
            c->overdue++; /* a run was interrupted and the deadline has passed */
        }
    } else if (r->hold != NULL) {
        it.status = "hold";
        it.detail = r->hold;
    } else if (due && strcmp(c->yesterday, until) > 0) {
        it.status = "overdue";
        c->overdue++;
    } else if (due) {
        it.status = "due";
        if (r->early != NULL)
            it.detail = "early deletion approved";
    } else {
        it.status = "active";
    }
    return c->cb(&it, c->payload);
}

azk_status azk_retention_status(azk_home *h, int64_t now, azk_retention_cb cb, void *payload,
                                uint64_t *out_overdue)
{
    azk_status rc;
    struct status_ctx c;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    memset(&c, 0, sizeof(c));
    if (now == 0)
        now = (int64_t)time(NULL);
    azk_ret__date(now, c.today);
    azk_ret__date(now - 86400, c.yesterday);
    c.cb = cb;
    c.payload = payload;
    rc = azk_store__retention_rows(h, status_row, &c);
    if (out_overdue != NULL)
        *out_overdue = c.overdue;
    return rc;
}

azk_status azk_retention_residuals(azk_home *h, const char *dataset, azk_residual_cb cb,
                                   void *payload)
{
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    return azk_store__residual_list(h, dataset, cb, payload);
}
