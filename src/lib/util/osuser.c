/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/osuser.c -- the name of the effective OS user (the ledger's actor
 * when nobody else is named), looked up in the user database once per
 * process and effective uid: getpwuid_r reads /etc/passwd (or asks NSS)
 * each time, and the ledger wanted it for every entry. A process that
 * changes its effective uid gets the new user's name (the cache is keyed
 * by it); a user renamed while a process runs keeps its old name in that
 * process (as any process that looked it up once).
 */
#include "util/util.h"

#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static pthread_mutex_t user_mu = PTHREAD_MUTEX_INITIALIZER;
static bool user_known;
static uid_t user_uid;
static char user_name[256];

bool azk__os_user(char *out, size_t n)
{
    uid_t uid = geteuid();
    bool ok;
    (void)pthread_mutex_lock(&user_mu);
    if (!user_known || user_uid != uid) {
        struct passwd pw, *res = NULL;
        char buf[1024];
        user_known = getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL &&
                     res->pw_name != NULL && res->pw_name[0] != '\0';
        if (user_known)
            (void)snprintf(user_name, sizeof(user_name), "%s", res->pw_name);
        user_uid = uid;
        /* a failed lookup is tried again next time (user_known false) */
    }
    ok = user_known;
    if (ok && out != NULL && n > 0)
        (void)snprintf(out, n, "%s", user_name);
    (void)pthread_mutex_unlock(&user_mu);
    return ok;
}
