/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/vault_fuzzer.c -- the vault file reader (azk_vault__read): a home is
 * made once with one real vault file; each input replaces that file's bytes
 * and is read back with the real wrapped key. Anything but a clean
 * authenticated read must be refused (never a crash, never plaintext of
 * bytes that fail authentication). Inputs that begin with the valid header
 * reach the chunk parser.
 */
#include "vault/vault.h"
#include "azukari/home.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static azk_home *home;
static uint8_t wrapped[AZK_VAULT_WRAPPED_LEN];
static const char uuid[] = "00000000-0000-4000-8000-000000000000";
static char vpath[256];
static uint8_t header[48];
static char tmpdir[64];

static void cleanup(void)
{
    char cmd[128];
    azk_home_close(home);
    home = NULL;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        return;
}

static azk_status sink(const uint8_t *p, size_t n, void *payload)
{
    (void)p;
    *(size_t *)payload += n;
    return AZK_OK;
}

static int setup(void)
{
    char hp[128];
    struct azk_vault_writer *w = NULL;
    FILE *f;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/azk-vaultfuzz-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    atexit(cleanup);
    snprintf(hp, sizeof(hp), "%s/home", tmpdir);
    if (azk_home_init(hp, NULL) != AZK_OK || azk_home_open(&home, hp, NULL, 0) != AZK_OK)
        return -1;
    if (azk_vault__writer_new(&w, home, uuid, wrapped) != AZK_OK ||
        azk_vault__writer_write(w, "synthetic", 9) != AZK_OK ||
        azk_vault__writer_finish(w) != AZK_OK)
        return -1;
    snprintf(vpath, sizeof(vpath), "%s/vault/%s.azv", hp, uuid);
    f = fopen(vpath, "rb");
    if (f == NULL || fread(header, 1, sizeof(header), f) != sizeof(header))
        return -1;
    fclose(f);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    size_t got = 0;
    int fd;
    if (ready == 0)
        ready = setup() == 0 ? 1 : -1;
    if (ready < 0)
        return 0;
    fd = open(vpath, O_WRONLY | O_TRUNC);
    if (fd < 0)
        return 0;
    /* inputs starting with 'H' get the real header, so the chunk parser is reached */
    if (size > 0 && data[0] == 'H') {
        if (write(fd, header, sizeof(header)) != (ssize_t)sizeof(header)) {
            close(fd);
            return 0;
        }
        data++;
        size--;
    }
    if (size > 0 && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    close(fd);
    if (azk_vault__read(home, uuid, wrapped, sizeof(wrapped), sink, &got) == AZK_OK && got != 9)
        abort(); /* authenticated bytes that the writer never wrote */
    return 0;
}
