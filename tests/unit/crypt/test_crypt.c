/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/crypt/test_crypt.c -- the encrypted chunked stream
 * (crypt/stream.h) shared by vault files, notification lists and the guard
 * spool: round trips around the chunk size, the layout of the pre-merge
 * vault writer (an empty FINAL chunk after full ones) still read, and every
 * way a stream must be refused: truncation at and inside a chunk, no FINAL
 * chunk, bytes or a chunk after it, a changed byte, a bad chunk length.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "crypt/stream.h"

#include <sodium.h>

static uint8_t key[AZK_CRYPT_KEYBYTES];

struct collect {
    azk_buf b;
};

static azk_status collect_cb(const uint8_t *p, size_t n, void *payload)
{
    struct collect *c = payload;
    return azk_buf_put(&c->b, p, n);
}

static azk_status mem_sink(const uint8_t *p, size_t n, void *payload)
{
    return azk_buf_put(payload, p, n);
}

/* A stream of n pseudo-random bytes, written in pieces of `step`. */
static void make_stream(azk_buf *out, uint8_t header[AZK_CRYPT_HEADERBYTES], const uint8_t *data,
                        size_t n, size_t step)
{
    struct azk_crypt_writer *w = NULL;
    assert_int_equal(azk_crypt__writer_new(&w, "test", key, header, mem_sink, out), AZK_OK);
    for (size_t off = 0; off < n; off += step) {
        size_t take = n - off < step ? n - off : step;
        assert_int_equal(azk_crypt__writer_write(w, data + off, take), AZK_OK);
    }
    assert_int_equal(azk_crypt__writer_finish(w), AZK_OK);
    azk_crypt__writer_free(w);
}

/* Read bytes (as a file) back; returns the status, plaintext in c. */
static azk_status read_bytes(const uint8_t *bytes, size_t len,
                             const uint8_t header[AZK_CRYPT_HEADERBYTES], struct collect *c)
{
    FILE *f = tmpfile();
    azk_status rc;
    assert_non_null(f);
    if (len > 0)
        assert_int_equal(fwrite(bytes, 1, len, f), len);
    fflush(f);
    rewind(f);
    azk_buf_clear(&c->b);
    rc = azk_crypt__read(fileno(f), "test", key, header, collect_cb, c);
    fclose(f);
    return rc;
}

static uint8_t *random_data(size_t n)
{
    uint8_t *d = malloc(n + 1);
    assert_non_null(d);
    randombytes_buf(d, n);
    return d;
}

static void test_crypt__round_trip(void **state)
{
    const size_t sizes[] = {0,
                            1,
                            AZK_CRYPT_CHUNK - 1,
                            AZK_CRYPT_CHUNK,
                            AZK_CRYPT_CHUNK + 1,
                            3 * AZK_CRYPT_CHUNK + 12345};
    (void)state;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i];
        uint8_t *d = random_data(n);
        uint8_t header[AZK_CRYPT_HEADERBYTES];
        azk_buf s = AZK_BUF_INIT;
        struct collect c = {AZK_BUF_INIT};
        size_t chunks = n == 0 ? 1 : (n + AZK_CRYPT_CHUNK - 1) / AZK_CRYPT_CHUNK;
        make_stream(&s, header, d, n, 7777);
        /* one frame per chunk, none empty but for an empty stream */
        assert_int_equal(s.len, n + chunks * (4 + AZK_CRYPT_ABYTES));
        assert_int_equal(read_bytes(s.data, s.len, header, &c), AZK_OK);
        assert_int_equal(c.b.len, n);
        if (n > 0)
            assert_memory_equal(c.b.data, d, n);
        azk_buf_dispose(&s);
        azk_buf_dispose(&c.b);
        free(d);
    }
}

/* One frame pushed with libsodium directly, as the copies before crypt/ did. */
static void raw_push(azk_buf *out, crypto_secretstream_xchacha20poly1305_state *st,
                     const uint8_t *p, size_t n, unsigned char tag)
{
    uint8_t *ct = malloc(n + AZK_CRYPT_ABYTES);
    unsigned long long cl = 0;
    uint8_t lb[4];
    assert_non_null(ct);
    assert_int_equal(crypto_secretstream_xchacha20poly1305_push(st, ct, &cl, p, n, NULL, 0, tag),
                     0);
    lb[0] = (uint8_t)(cl >> 24);
    lb[1] = (uint8_t)(cl >> 16);
    lb[2] = (uint8_t)(cl >> 8);
    lb[3] = (uint8_t)cl;
    assert_int_equal(azk_buf_put(out, lb, 4), AZK_OK);
    assert_int_equal(azk_buf_put(out, ct, (size_t)cl), AZK_OK);
    free(ct);
}

/* The vault writer before the merge pushed a chunk as soon as it was full,
 * so a file whose size is a multiple of the chunk ends in an empty FINAL
 * chunk; files on disk written so must stay readable. */
static void test_crypt__old_vault_layout(void **state)
{
    const size_t n = 2 * AZK_CRYPT_CHUNK;
    uint8_t *d = random_data(n);
    uint8_t header[AZK_CRYPT_HEADERBYTES];
    crypto_secretstream_xchacha20poly1305_state st;
    azk_buf s = AZK_BUF_INIT;
    struct collect c = {AZK_BUF_INIT};
    (void)state;
    crypto_secretstream_xchacha20poly1305_init_push(&st, header, key);
    raw_push(&s, &st, d, AZK_CRYPT_CHUNK, 0);
    raw_push(&s, &st, d + AZK_CRYPT_CHUNK, AZK_CRYPT_CHUNK, 0);
    raw_push(&s, &st, NULL, 0, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    assert_int_equal(read_bytes(s.data, s.len, header, &c), AZK_OK);
    assert_int_equal(c.b.len, n);
    assert_memory_equal(c.b.data, d, n);
    azk_buf_dispose(&s);
    azk_buf_dispose(&c.b);
    free(d);
}

static void test_crypt__refused(void **state)
{
    const size_t n = 2 * AZK_CRYPT_CHUNK + 100;
    const size_t frame = 4 + AZK_CRYPT_CHUNK + AZK_CRYPT_ABYTES;
    uint8_t *d = random_data(n);
    uint8_t header[AZK_CRYPT_HEADERBYTES];
    azk_buf s = AZK_BUF_INIT;
    struct collect c = {AZK_BUF_INIT};
    uint8_t *m;
    (void)state;
    make_stream(&s, header, d, n, n);
    m = malloc(s.len + 64);
    assert_non_null(m);
    /* truncated at each chunk boundary, inside a length, inside a chunk, empty */
    {
        const size_t cuts[] = {0, 2, frame, frame + 3, frame + 100, 2 * frame, s.len - 1};
        for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
            assert_int_equal(read_bytes(s.data, cuts[i], header, &c), AZK_ERR_INTEGRITY);
    }
    /* bytes appended after the final chunk */
    memcpy(m, s.data, s.len);
    m[s.len] = 0;
    assert_int_equal(read_bytes(m, s.len + 1, header, &c), AZK_ERR_INTEGRITY);
    assert_int_equal(c.b.len, 2 * AZK_CRYPT_CHUNK); /* the final chunk was not handed on */
    /* a changed byte in a length, a ciphertext, a tag */
    {
        const size_t at[] = {1, 3, 4, frame - 1, frame + 50, s.len - 1};
        for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
            memcpy(m, s.data, s.len);
            m[at[i]] ^= 0x20;
            assert_int_equal(read_bytes(m, s.len, header, &c), AZK_ERR_INTEGRITY);
        }
    }
    /* a chunk length of zero and one past the maximum */
    memcpy(m, s.data, s.len);
    memset(m, 0, 4);
    assert_int_equal(read_bytes(m, s.len, header, &c), AZK_ERR_INTEGRITY);
    m[1] = 0x01;
    m[3] = (uint8_t)(AZK_CRYPT_ABYTES + 1);
    assert_int_equal(read_bytes(m, s.len, header, &c), AZK_ERR_INTEGRITY);
    /* the wrong key */
    memcpy(m, s.data, s.len);
    key[0] ^= 1;
    assert_int_equal(read_bytes(m, s.len, header, &c), AZK_ERR_INTEGRITY);
    key[0] ^= 1;
    assert_int_equal(read_bytes(s.data, s.len, header, &c), AZK_OK);
    azk_buf_dispose(&s);
    azk_buf_dispose(&c.b);
    free(m);
    free(d);
}

/* A stream with no FINAL chunk, and one with a chunk after its FINAL one. */
static void test_crypt__final_tag(void **state)
{
    uint8_t header[AZK_CRYPT_HEADERBYTES];
    crypto_secretstream_xchacha20poly1305_state st;
    azk_buf s = AZK_BUF_INIT;
    struct collect c = {AZK_BUF_INIT};
    (void)state;
    crypto_secretstream_xchacha20poly1305_init_push(&st, header, key);
    raw_push(&s, &st, (const uint8_t *)"abc", 3, 0);
    raw_push(&s, &st, (const uint8_t *)"def", 3, 0);
    assert_int_equal(read_bytes(s.data, s.len, header, &c), AZK_ERR_INTEGRITY);
    raw_push(&s, &st, (const uint8_t *)"ghi", 3, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    assert_int_equal(read_bytes(s.data, s.len, header, &c), AZK_OK);
    assert_int_equal(c.b.len, 9);
    raw_push(&s, &st, (const uint8_t *)"jkl", 3, 0);
    assert_int_equal(read_bytes(s.data, s.len, header, &c), AZK_ERR_INTEGRITY);
    azk_buf_dispose(&s);
    azk_buf_dispose(&c.b);
}

/* The spool's use: a stream never finished, read chunk by chunk, plus what
 * the writer still holds. */
static void test_crypt__unfinished(void **state)
{
    const size_t n = 2 * AZK_CRYPT_CHUNK + 10;
    uint8_t *d = random_data(n);
    uint8_t header[AZK_CRYPT_HEADERBYTES];
    struct azk_crypt_writer *w = NULL;
    struct azk_crypt_reader *r = NULL;
    FILE *f = tmpfile();
    int fd = fileno(f);
    const uint8_t *p;
    size_t len;
    bool final;
    (void)state;
    assert_int_equal(azk_crypt__writer_new(&w, "test", key, header, NULL, &fd), AZK_OK);
    assert_int_equal(azk_crypt__writer_write(w, d, n), AZK_OK);
    assert_int_equal(azk_crypt__writer_chunks(w), 2);
    assert_int_equal(azk_crypt__writer_pending(w, &p), 10);
    assert_memory_equal(p, d + 2 * AZK_CRYPT_CHUNK, 10);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    assert_int_equal(azk_crypt__reader_new(&r, "test", key, header), AZK_OK);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(azk_crypt__reader_next(r, fd, &p, &len, &final), AZK_OK);
        assert_false(final);
        assert_int_equal(len, AZK_CRYPT_CHUNK);
        assert_memory_equal(p, d + i * AZK_CRYPT_CHUNK, len);
    }
    assert_int_equal(azk_crypt__reader_next(r, fd, &p, &len, &final), AZK_ERR_INTEGRITY);
    azk_crypt__reader_free(r);
    azk_crypt__writer_free(w);
    fclose(f);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crypt__round_trip), cmocka_unit_test(test_crypt__old_vault_layout),
        cmocka_unit_test(test_crypt__refused),    cmocka_unit_test(test_crypt__final_tag),
        cmocka_unit_test(test_crypt__unfinished),
    };
    if (sodium_init() < 0)
        return 1;
    randombytes_buf(key, sizeof(key));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
