/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/training.c -- training (教育): courses with a validity period,
 * completions per enrolled user with the SHA-256 of an evidence file, the
 * status and expiry reminders, and the gate (training.h) that refuses
 * opens, approvals and guard releases to a user whose required training
 * has lapsed. A completion is valid from its date for validity_days days.
 */
#include "retention/training.h"
#include "retention/ret_int.h"
#include "store/supervision.h"
#include "azukari/supervision.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TRAINING_MAX_DAYS 3660u

void azk_training__expiry(const char *completed, int64_t days, char out[16])
{
    int64_t t = 0;
    out[0] = '\0';
    if (completed == NULL || completed[0] == '\0' ||
        azk_retention_parse_time(completed, &t) != AZK_OK) {
        azk_error_clear();
        return;
    }
    azk_ret__date(t + days * 86400, out);
}

azk_status azk_training_course_add(azk_home *h, const char *id, const char *title,
                                   unsigned validity_days)
{
    struct azk_store_event ev = {0};
    char extra[96];
    int64_t d = 0;
    bool found = false;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL && title != NULL);
    if (!azk_store__valid_id(id))
        return azk_error_set(AZK_ERR_ARG, "course id must be 1-64 of [A-Za-z0-9._-]");
    if (title[0] == '\0' || strlen(title) > 200)
        return azk_error_set(AZK_ERR_ARG, "course title must be 1-200 bytes");
    if (validity_days == 0 || validity_days > TRAINING_MAX_DAYS)
        return azk_error_set(AZK_ERR_ARG, "course validity must be 1-%u days", TRAINING_MAX_DAYS);
    rc = azk_store__training_course_get(h, id, &d, &found);
    if (rc != AZK_OK)
        return rc;
    if (found)
        return azk_error_set(AZK_ERR_ARG, "course %s exists", id);
    (void)snprintf(extra, sizeof(extra), "{\"validity_days\":%u}", validity_days);
    ev.action = "training.course";
    ev.object = id;
    ev.extra_json = extra;
    return azk_store__training_course_add(h, id, title, (int64_t)validity_days, &ev);
}

/* SHA-256 of a file's content, streamed; "sha256:<hex>". */
static azk_status file_sha256(const char *path, char out[80])
{
    crypto_hash_sha256_state st;
    uint8_t buf[65536], md[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return azk_error_errno("evidence file");
    crypto_hash_sha256_init(&st);
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
    close(fd);
    if (n < 0)
        return azk_error_errno("read evidence file");
    crypto_hash_sha256_final(&st, md);
    sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
    (void)snprintf(out, 80, "sha256:%s", hex);
    return AZK_OK;
}

azk_status azk_training_complete(azk_home *h, const char *user, const char *course,
                                 const char *date, const char *evidence)
{
    struct azk_store_event ev = {0};
    char hash[80], extra[200], today[16];
    int64_t t = 0, d = 0;
    bool found = false;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && user != NULL && course != NULL && date != NULL && evidence != NULL);
    if (strlen(date) != 10 || azk_retention_parse_time(date, &t) != AZK_OK)
        return azk_error_set(AZK_ERR_ARG, "completion date must be YYYY-MM-DD");
    azk_ret__date((int64_t)time(NULL), today);
    if (strcmp(date, today) > 0)
        return azk_error_set(AZK_ERR_ARG, "completion date %s is in the future", date);
    if (!azk_store__valid_id(user))
        return azk_error_set(AZK_ERR_ARG, "bad user name");
    rc = azk_store__user_exists(h, user, &found);
    if (rc != AZK_OK)
        return rc;
    if (!found)
        return azk_error_set(AZK_ERR_ARG, "%s is not an enrolled user", user);
    rc = azk_store__training_course_get(h, course, &d, &found);
    if (rc != AZK_OK)
        return rc;
    if (!found)
        return azk_error_set(AZK_ERR_NOTFOUND, "no course %s", course);
    rc = azk_store__training_has(h, user, course, date, &found);
    if (rc != AZK_OK)
        return rc;
    if (found)
        return azk_error_set(AZK_ERR_ARG, "completion of %s by %s on %s is already recorded",
                             course, user, date);
    rc = file_sha256(evidence, hash);
    if (rc != AZK_OK)
        return rc;
    (void)snprintf(extra, sizeof(extra), "{\"course\":\"%s\",\"date\":\"%s\",\"evidence\":\"%s\"}",
                   course, date, hash);
    ev.action = "training.complete";
    ev.object = user;
    ev.extra_json = extra;
    return azk_store__training_complete(h, user, course, date, hash, &ev);
}

struct status_x {
    azk_training_cb cb;
    void *p;
    char today[16], warn[16];
};

static azk_status status_row(const char *user, const char *course, const char *title, int64_t days,
                             const char *latest, void *p)
{
    struct status_x *x = p;
    azk_training_item it;
    char exp[16];
    azk_training__expiry(latest, days, exp);
    it.user = user;
    it.course = course;
    it.title = title;
    it.completed = latest;
    it.expires = exp;
    if (latest[0] == '\0')
        it.status = "never";
    else if (strcmp(exp, x->today) <= 0)
        it.status = "lapsed";
    else if (strcmp(exp, x->warn) <= 0)
        it.status = "expiring";
    else
        it.status = "valid";
    return x->cb(&it, x->p);
}

azk_status azk_training_status(azk_home *h, int64_t now, unsigned warn_days, azk_training_cb cb,
                               void *payload)
{
    struct status_x x;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    if (now == 0)
        now = (int64_t)time(NULL);
    x.cb = cb;
    x.p = payload;
    azk_ret__date(now, x.today);
    azk_ret__date(now + (int64_t)warn_days * 86400, x.warn);
    return azk_store__training_matrix(h, status_row, &x);
}

/* ---- the gate -------------------------------------------------------------- */

/* The "training" -> "require" object of azukari.conf, or NULL when none. */
static azk_status load_require(azk_home *h, json_t **root, json_t **req)
{
    azk_buf path = AZK_BUF_INIT;
    json_error_t err;
    azk_status rc;
    *root = NULL;
    *req = NULL;
    rc = azk_store__path(&path, h, "azukari.conf");
    if (rc != AZK_OK)
        return rc;
    if (access((const char *)path.data, F_OK) != 0) {
        azk_buf_dispose(&path);
        return AZK_OK;
    }
    *root = json_load_file((const char *)path.data, 0, &err);
    azk_buf_dispose(&path);
    if (*root == NULL)
        return azk_error_set(AZK_ERR_FORMAT, "azukari.conf: line %d: %s", err.line, err.text);
    *req = json_object_get(json_object_get(*root, "training"), "require");
    if (*req != NULL && !json_is_object(*req))
        return azk_error_set(AZK_ERR_FORMAT, "azukari.conf: training.require is not an object");
    return AZK_OK;
}

static azk_status refuse(azk_home *h, const char *action, const char *object, const char *user,
                         const char *course, const char *why)
{
    char reason[200], extra[200];
    azk_status rc;
    (void)snprintf(reason, sizeof(reason), "training: %s (%s)", why, course);
    (void)snprintf(extra, sizeof(extra),
                   "{\"gate\":\"training\",\"user\":\"%s\",\"course\":\"%s\"}", user, course);
    rc = azk_ret__audit(h, action, object, "refused", reason, extra, NULL);
    if (rc != AZK_OK)
        return rc;
    return azk_error_set(AZK_ERR_PERM, "%s refused: %s's required training %s %s", action, user,
                         course, why);
}

azk_status azk_training__gate(azk_home *h, const char *user, const char *const *keys, size_t count,
                              const char *action, const char *object)
{
    json_t *root = NULL, *req = NULL;
    azk_status rc;
    char today[16];
    AZK_ASSERT_ARG(h != NULL && keys != NULL && action != NULL);
    rc = load_require(h, &root, &req);
    if (rc != AZK_OK) {
        /* fail closed: the rules could not be read */
        azk_status r2 = azk_ret__audit(h, action, object, "refused",
                                       "training: azukari.conf unreadable", NULL, NULL);
        json_decref(root);
        return r2 != AZK_OK ? r2 : rc;
    }
    if (req == NULL)
        goto done;
    azk_ret__date((int64_t)time(NULL), today);
    for (size_t k = 0; k < count && rc == AZK_OK; k++) {
        json_t *courses = json_object_get(req, keys[k]);
        for (size_t i = 0; rc == AZK_OK && i < json_array_size(courses); i++) {
            const char *c = json_string_value(json_array_get(courses, i));
            char latest[16], exp[16];
            int64_t days = 0;
            bool found = false;
            if (c == NULL || !azk_store__valid_id(c)) {
                rc = refuse(h, action, object, user != NULL ? user : "-", "?",
                            "is misconfigured (course ids are strings)");
                break;
            }
            if (user == NULL || !azk_store__valid_id(user)) {
                rc = refuse(h, action, object, "-", c, "cannot be checked (no user)");
                break;
            }
            rc = azk_store__training_course_get(h, c, &days, &found);
            if (rc != AZK_OK)
                break;
            if (!found) {
                rc = refuse(h, action, object, user, c, "is not a known course (azukari.conf)");
                break;
            }
            rc = azk_store__training_latest(h, user, c, latest);
            if (rc != AZK_OK)
                break;
            if (latest[0] == '\0') {
                rc = refuse(h, action, object, user, c, "was never completed");
                break;
            }
            azk_training__expiry(latest, days, exp);
            if (strcmp(exp, today) <= 0) {
                char why[64];
                (void)snprintf(why, sizeof(why), "lapsed on %s", exp);
                rc = refuse(h, action, object, user, c, why);
            }
        }
    }
done:
    json_decref(root);
    return rc;
}
