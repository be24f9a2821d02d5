/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fp_index_fuzzer.c -- the fingerprint file loader (azk_fp_index_load),
 * which scanners on the general network run on files they are handed. The
 * input is written to a temporary file and loaded with a fixed key; a file
 * that loads is then used by the matcher on one synthetic line. The
 * structure is parsed before the checksum is compared, so mutations reach
 * the parser: version 1 (sorted entries, built into tables), versions 2
 * and 3 (the tables themselves, every offset and value checked; version 3
 * without the seed kinds' cells, their codes built from the CSR; seeds
 * corpus/fp_index/valid-v2-3rows.azf, valid-v3-3rows.azf: no seed kind, as
 * a name's 2^20 bucket offsets would make a 4 MB seed).
 */
#include "match/match.h"
#include "azukari/fingerprint.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];
static char key[64];

static void cleanup(void)
{
    (void)unlink(path);
    (void)unlink(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    azk_fp_index *idx = NULL;
    int fd;
    if (path[0] == '\0') {
        uint8_t k[32];
        memset(k, 7, sizeof(k));
        snprintf(path, sizeof(path), "/tmp/azk-fpfuzz-%ld.azf", (long)getpid());
        snprintf(key, sizeof(key), "/tmp/azk-fpfuzz-%ld.key", (long)getpid());
        atexit(cleanup);
        fd = open(key, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || write(fd, k, sizeof(k)) != (ssize_t)sizeof(k))
            return 0;
        close(fd);
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return 0;
    if (size > 0 && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    close(fd);
    if (azk_fp_index_load(&idx, path, key) == AZK_OK) {
        struct azk_match_ctx *ctx = NULL;
        if (azk_match__ctx_new(&ctx, idx) == AZK_OK) {
            static const char line[] = "試験 太郎 090-1234-5678 1980-03-02 c1@example.invalid";
            azk_field f = {line, sizeof(line) - 1, NULL, 0, 0};
            azk_record rec;
            memset(&rec, 0, sizeof(rec));
            rec.fields = &f;
            rec.field_count = 1;
            rec.line = 1;
            azk_match__object_begin(ctx);
            if (azk_match__record(ctx, &rec, NULL, 0) == AZK_OK)
                (void)azk_match__hit_count(ctx);
            azk_match__ctx_free(ctx);
        }
        azk_fp_index_free(idx);
    }
    return 0;
}
