/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent/spool.c -- the agent's spool of batches not yet acknowledged by
 * the server. A batch is made, compressed, encrypted (libsodium
 * crypto_secretbox: XSalsa20-Poly1305, key <home>/agent/spool.key, 0600)
 * because it holds paths, which are personal values in azukari's rules,
 * and written atomically with fsync (util outfile) before anything is
 * sent: so kill -9 at any point loses no result, and since the server
 * ingests a batch id once, a batch resent after a lost acknowledgement is
 * not ingested twice. Files are named <16-digit sequence>-<batch id>.azb
 * so the oldest goes first. Bounded: when `max` batches wait, the newest
 * batch is dropped (the oldest are kept) and its objects counted in
 * <home>/agent/lost, reported with the next batch.
 */
#include "agent/agent_int.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_MAX_FILE (80u << 20)

static azk_status spool_key(azk_home *h, uint8_t key[crypto_secretbox_KEYBYTES])
{
    azk_buf p = AZK_BUF_INIT;
    char *text = NULL;
    size_t len = 0;
    azk_status rc = azk_agent__path(&p, h, "spool.key");
    if (rc == AZK_OK)
        rc = azk_serve__agent_read_file((const char *)p.data, &text, &len);
    if (rc == AZK_ERR_NOTFOUND) {
        bool existed = false;
        uint8_t k[crypto_secretbox_KEYBYTES];
        azk_error_clear();
        crypto_secretbox_keygen(k);
        rc = azk_outfile__write((const char *)p.data, k, sizeof(k), 0600, AZK_OUTFILE_EXCL,
                                &existed);
        sodium_memzero(k, sizeof(k));
        if (rc == AZK_OK)
            rc = azk_serve__agent_read_file((const char *)p.data, &text, &len);
    }
    if (rc == AZK_OK && len != crypto_secretbox_KEYBYTES)
        rc = azk_error_set(AZK_ERR_FORMAT, "agent: agent/spool.key is damaged");
    if (rc == AZK_OK)
        memcpy(key, text, crypto_secretbox_KEYBYTES);
    if (text != NULL)
        azk_free_secret(text, len);
    azk_buf_dispose(&p);
    return rc;
}

static bool spool_name(const char *n)
{
    size_t l = strlen(n);
    return l == 16 + 1 + AZK_AGENT_BATCH_ID_HEXLEN + 4 && strcmp(n + l - 4, ".azb") == 0 &&
           n[16] == '-';
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

azk_status azk_agent__spool_list(azk_home *h, char ***names, size_t *count)
{
    azk_buf p = AZK_BUF_INIT;
    DIR *d = NULL;
    struct dirent *e;
    char **v = NULL;
    size_t n = 0, cap = 0;
    azk_status rc = azk_agent__path(&p, h, "spool");
    *names = NULL;
    *count = 0;
    if (rc != AZK_OK)
        goto done;
    if (mkdir((const char *)p.data, 0700) != 0 && errno != EEXIST) {
        rc = azk_error_set(AZK_ERR_IO, "agent: cannot create the spool");
        goto done;
    }
    d = opendir((const char *)p.data);
    if (d == NULL) {
        rc = azk_error_set(AZK_ERR_IO, "agent: cannot read the spool");
        goto done;
    }
    while ((e = readdir(d)) != NULL) {
        if (!spool_name(e->d_name))
            continue;
        if (n == cap) {
            char **t = azk_realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(char *));
            if (t == NULL) {
                rc = azk_error_nomem();
                goto done;
            }
            v = t;
        }
        v[n] = azk_strdup(e->d_name);
        if (v[n] == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        n++;
    }
    if (n > 0)
        qsort(v, n, sizeof(char *), cmp_names);
    *names = v;
    *count = n;
    v = NULL;
done:
    if (v != NULL) {
        for (size_t i = 0; i < n; i++)
            azk_free(v[i]);
        azk_free(v);
    }
    if (d != NULL)
        closedir(d);
    azk_buf_dispose(&p);
    return rc;
}

static void names_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        azk_free(v[i]);
    azk_free(v);
}

azk_status azk_agent__lost_get(azk_home *h, int64_t *n)
{
    azk_buf p = AZK_BUF_INIT;
    char *text = NULL;
    azk_status rc = azk_agent__path(&p, h, "lost");
    *n = 0;
    if (rc == AZK_OK)
        rc = azk_serve__agent_read_file((const char *)p.data, &text, NULL);
    if (rc == AZK_ERR_NOTFOUND) {
        azk_error_clear();
        rc = AZK_OK;
    } else if (rc == AZK_OK) {
        *n = (int64_t)strtoll(text, NULL, 10);
        if (*n < 0)
            *n = 0;
    }
    azk_free(text);
    azk_buf_dispose(&p);
    return rc;
}

azk_status azk_agent__lost_add(azk_home *h, int64_t delta)
{
    azk_buf p = AZK_BUF_INIT;
    char num[32];
    int64_t n = 0;
    azk_status rc = azk_agent__lost_get(h, &n);
    n += delta;
    if (n < 0)
        n = 0;
    (void)snprintf(num, sizeof(num), "%lld\n", (long long)n);
    if (rc == AZK_OK)
        rc = azk_agent__path(&p, h, "lost");
    if (rc == AZK_OK)
        rc = azk_outfile__write((const char *)p.data, num, strlen(num), 0600, 0, NULL);
    azk_buf_dispose(&p);
    return rc;
}

azk_status azk_agent__spool_put(azk_home *h, const char *batch_id, const uint8_t *z, size_t zlen,
                                uint64_t objects, size_t max, bool *kept)
{
    uint8_t key[crypto_secretbox_KEYBYTES];
    azk_buf p = AZK_BUF_INIT;
    uint8_t *box = NULL;
    char **names = NULL, rel[96];
    size_t count = 0, boxlen;
    uint64_t seq = 0;
    azk_status rc;
    *kept = false;
    if (zlen > SPOOL_MAX_FILE - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES)
        return azk_error_set(AZK_ERR_LIMIT, "agent: a batch is too large for the spool");
    rc = azk_agent__spool_list(h, &names, &count);
    if (rc != AZK_OK)
        return rc;
    if (count > 0)
        seq = (uint64_t)strtoull(names[count - 1], NULL, 10) + 1;
    names_free(names, count);
    if (count >= max) {
        char extra[96];
        (void)snprintf(extra, sizeof(extra), "{\"objects\":%llu}", (unsigned long long)objects);
        rc = azk_agent__lost_add(h, (int64_t)objects);
        if (rc == AZK_OK)
            rc = azk_agent__ledger(h, "agent.spool.full", batch_id, "dropped", "spool full", extra);
        return rc;
    }
    rc = spool_key(h, key);
    if (rc != AZK_OK)
        return rc;
    boxlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + zlen;
    box = azk_malloc(boxlen);
    if (box == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, z, zlen, box, key);
    (void)snprintf(rel, sizeof(rel), "spool/%016llu-%s.azb", (unsigned long long)seq, batch_id);
    rc = azk_agent__path(&p, h, rel);
    if (rc == AZK_OK)
        rc = azk_outfile__write((const char *)p.data, box, boxlen, 0600, 0, NULL);
    if (rc == AZK_OK)
        *kept = true;
done:
    sodium_memzero(key, sizeof(key));
    azk_free(box);
    azk_buf_dispose(&p);
    return rc;
}

azk_status azk_agent__spool_read(azk_home *h, const char *name, azk_buf *out)
{
    uint8_t key[crypto_secretbox_KEYBYTES];
    azk_buf p = AZK_BUF_INIT, raw = AZK_BUF_INIT;
    char rel[96];
    FILE *f = NULL;
    uint8_t chunk[65536];
    size_t got;
    azk_status rc = spool_key(h, key);
    (void)snprintf(rel, sizeof(rel), "spool/%s", name);
    if (rc == AZK_OK)
        rc = azk_agent__path(&p, h, rel);
    if (rc == AZK_OK) {
        f = fopen((const char *)p.data, "rb");
        if (f == NULL)
            rc = azk_error_set(AZK_ERR_IO, "agent: cannot read spooled batch %s", name);
    }
    raw.max = SPOOL_MAX_FILE;
    while (rc == AZK_OK && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = azk_buf_put(&raw, chunk, got);
    if (rc == AZK_OK &&
        (ferror(f) || raw.len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES))
        rc = azk_error_set(AZK_ERR_FORMAT, "agent: spooled batch %s is damaged", name);
    if (rc == AZK_OK) {
        size_t n = raw.len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
        azk_buf_clear(out);
        rc = azk_buf_grow(out, n);
        if (rc == AZK_OK &&
            crypto_secretbox_open_easy(out->data, raw.data + crypto_secretbox_NONCEBYTES,
                                       raw.len - crypto_secretbox_NONCEBYTES, raw.data, key) != 0)
            rc = azk_error_set(AZK_ERR_INTEGRITY, "agent: spooled batch %s fails its check", name);
        if (rc == AZK_OK) {
            out->len = n;
            out->data[n] = 0;
        }
    }
    if (f != NULL)
        fclose(f);
    sodium_memzero(key, sizeof(key));
    azk_buf_dispose(&raw);
    azk_buf_dispose(&p);
    return rc;
}

azk_status azk_agent__spool_remove(azk_home *h, const char *name)
{
    azk_buf p = AZK_BUF_INIT;
    char rel[96];
    azk_status rc;
    (void)snprintf(rel, sizeof(rel), "spool/%s", name);
    rc = azk_agent__path(&p, h, rel);
    if (rc == AZK_OK && unlink((const char *)p.data) != 0 && errno != ENOENT)
        rc = azk_error_set(AZK_ERR_IO, "agent: cannot remove spooled batch %s", name);
    azk_buf_dispose(&p);
    return rc;
}
