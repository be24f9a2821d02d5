/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault/home_open.c -- the public azk_home_open / azk_home_open_ex: the
 * store opens the home (catalog, schema, master key: store/home.c), then
 * the vault settles what an interrupted intake left behind (temporaries,
 * named files whose catalog transaction never committed). It lives here
 * because the store is below the vault and must not call it.
 */
#include "vault/vault.h"
#include "store/schema.h"

azk_status azk_home_open_ex(azk_home **out, const char *path, const azk_home_open_options *opts)
{
    azk_status rc = azk_store__home_open_ex(out, path, opts);
    if (rc != AZK_OK)
        return rc;
    (void)azk_vault__cleanup_tmp(*out);     /* temporaries of an interrupted intake */
    (void)azk_vault__cleanup_orphans(*out); /* named files of an intake that did not commit */
    return AZK_OK;
}

azk_status azk_home_open(azk_home **out, const char *path, const char *passphrase,
                         size_t passphrase_len)
{
    azk_home_open_options o = AZK_HOME_OPEN_OPTIONS_INIT;
    o.passphrase = passphrase;
    o.passphrase_len = passphrase_len;
    return azk_home_open_ex(out, path, &o);
}
