/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/retention/fixture.h -- what the retention tests share
 * (fixture.c): a home with a sweep location per test (setup, teardown), an
 * intake of a small synthetic CSV, the catalog's state and key of a
 * dataset, a backdated deadline, and logged-in TOTP users.
 */
#ifndef AZK_TEST_RETENTION_FIXTURE_H
#define AZK_TEST_RETENTION_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "retention/ret_int.h"

struct fixture {
    char dir[64];
    char home[128];
    char sweep[128];
    azk_home *h;
};

extern const char csv[];

int setup(void **state);
int teardown(void **state);
void write_file(const char *path, const char *data);
void intake(struct fixture *f, const char *ds, const char *until);
const char *state_of(azk_home *h, const char *ds, char buf[32]);
bool key_present(azk_home *h, const char *ds);
void login_at(azk_home *h, const char *name, time_t t);
void login(azk_home *h, const char *name);
int64_t t_of(const char *s);
void backdate(struct fixture *f, const char *ds, const char *until);

#endif
