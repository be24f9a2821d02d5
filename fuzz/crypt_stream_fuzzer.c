/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/crypt_stream_fuzzer.c -- the reader of the encrypted chunked stream
 * (crypt/stream.h), the one format behind vault files, notification lists
 * and the guard spool. The key is fixed; the first input byte picks how
 * the rest is used:
 *
 *   'H'  the rest follows a valid stream's frames (of 9 bytes "synthetic"),
 *        so what comes after a FINAL chunk is reached;
 *   'G'  op (1 byte), position (2 bytes, big-endian), plaintext: the
 *        plaintext is encrypted, the stream cut (op 1), a byte flipped
 *        (op 2), a byte appended (op 3) or a chunk frame duplicated (op 4)
 *        at the position, and read back: only an unchanged stream may be
 *        read, and then exactly the plaintext;
 *   else the whole input is the stream's bytes.
 *
 * Anything but a clean authenticated read must be refused (never a crash,
 * never plaintext of bytes that fail authentication).
 */
#include "crypt/stream.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[AZK_CRYPT_KEYBYTES] = "azukari crypt fuzz key (fixed).";
static uint8_t header[AZK_CRYPT_HEADERBYTES];
static azk_buf valid = AZK_BUF_INIT; /* frames of "synthetic" under header */

static azk_status mem_sink(const uint8_t *p, size_t n, void *payload)
{
    return azk_buf_put(payload, p, n);
}

static azk_status collect(const uint8_t *p, size_t n, void *payload)
{
    return azk_buf_put(payload, p, n);
}

static azk_status encrypt(azk_buf *out, uint8_t hdr[AZK_CRYPT_HEADERBYTES], const uint8_t *p,
                          size_t n)
{
    struct azk_crypt_writer *w = NULL;
    azk_status rc = azk_crypt__writer_new(&w, "fuzz", key, hdr, mem_sink, out);
    if (rc == AZK_OK)
        rc = azk_crypt__writer_write(w, p, n);
    if (rc == AZK_OK)
        rc = azk_crypt__writer_finish(w);
    azk_crypt__writer_free(w);
    return rc;
}

/* Read bytes as a file from its start; plaintext into out. */
static azk_status read_back(const uint8_t *hdr, const uint8_t *p, size_t n, azk_buf *out)
{
    FILE *f = tmpfile();
    azk_status rc = AZK_ERR_IO;
    if (f == NULL)
        return rc;
    if ((n == 0 || fwrite(p, 1, n, f) == n) && fflush(f) == 0 && fseek(f, 0, SEEK_SET) == 0)
        rc = azk_crypt__read(fileno(f), "fuzz", key, hdr, collect, out);
    fclose(f);
    return rc;
}

static void generate(const uint8_t *data, size_t size)
{
    uint8_t hdr[AZK_CRYPT_HEADERBYTES];
    azk_buf s = AZK_BUF_INIT;
    azk_buf m = AZK_BUF_INIT;
    azk_buf got = AZK_BUF_INIT;
    unsigned op;
    size_t pos;
    bool changed = false;
    if (size < 3)
        return;
    op = data[0] % 5;
    pos = (size_t)data[1] << 8 | data[2];
    data += 3;
    size -= 3;
    if (encrypt(&s, hdr, data, size) != AZK_OK)
        goto done;
    pos %= s.len + 1;
    if (op == 1 && pos < s.len) { /* cut */
        changed = azk_buf_put(&m, s.data, pos) == AZK_OK;
    } else if (op == 2 && pos < s.len) { /* flip */
        changed = azk_buf_put(&m, s.data, s.len) == AZK_OK;
        m.data[pos] ^= 0x01;
    } else if (op == 3) { /* append */
        changed = azk_buf_put(&m, s.data, s.len) == AZK_OK && azk_buf_putc(&m, data[0]) == AZK_OK;
    } else if (op == 4) { /* the (first) frame twice */
        changed =
            azk_buf_put(&m, s.data, s.len) == AZK_OK && azk_buf_put(&m, s.data, s.len) == AZK_OK;
    }
    if (!changed && azk_buf_put(&m, s.data, s.len) != AZK_OK)
        goto done;
    if (read_back(hdr, m.data, m.len, &got) == AZK_OK) {
        if (changed)
            abort(); /* a changed stream was accepted */
        if (got.len != size || (size > 0 && memcmp(got.data, data, size) != 0))
            abort(); /* not the plaintext written */
    } else if (!changed) {
        abort(); /* an intact stream was refused */
    }
done:
    azk_buf_dispose(&s);
    azk_buf_dispose(&m);
    azk_buf_dispose(&got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    azk_buf in = AZK_BUF_INIT;
    azk_buf got = AZK_BUF_INIT;
    if (ready == 0)
        ready =
            sodium_init() >= 0 && encrypt(&valid, header, (const uint8_t *)"synthetic", 9) == AZK_OK
                ? 1
                : -1;
    if (ready < 0)
        return 0;
    if (size > 0 && data[0] == 'G') {
        generate(data + 1, size - 1);
        return 0;
    }
    if (size > 0 && data[0] == 'H') {
        if (azk_buf_put(&in, valid.data, valid.len) != AZK_OK)
            goto done;
        data++;
        size--;
    }
    if (azk_buf_put(&in, data, size) != AZK_OK)
        goto done;
    /* only the valid stream itself (nothing after it) may be read, as "synthetic" */
    if (read_back(header, in.data, in.len, &got) == AZK_OK &&
        (in.len != valid.len || got.len != 9 || memcmp(got.data, "synthetic", 9) != 0))
        abort();
done:
    azk_buf_dispose(&in);
    azk_buf_dispose(&got);
    return 0;
}
