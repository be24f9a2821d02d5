/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan/cache.c -- the incremental-sweep cache (--cache FILE): (device,
 * inode, size, mtime, ctime, engine id) -> the file's results as JSON (the
 * scan output contract minus the path; masked values only, never a raw
 * personal value). A nightly re-sweep of an unchanged share reads only
 * what changed. The file itself is store/scancache.c's (a local SQLite
 * file); this side makes and checks the JSON and shares one connection
 * between the workers under a mutex. For cache_changed_only it also keeps,
 * per path, the version last answered there: the path as a BLAKE2b-256
 * keyed with a random key kept in the cache file, never the name.
 */
#include "scan/scan_int.h"
#include "store/scancache.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

struct azk_scan_cache {
    struct azk_scancache *sc;
    pthread_mutex_t mu;
    char engine_id[65];
    uint8_t path_key[32];
};

azk_status azk_scan__cache_open(struct azk_scan_cache **out, const char *path,
                                const char *engine_id)
{
    struct azk_scan_cache *c = azk_calloc(1, sizeof(*c));
    azk_status rc;
    if (c == NULL)
        return azk_error_nomem();
    pthread_mutex_init(&c->mu, NULL);
    snprintf(c->engine_id, sizeof(c->engine_id), "%s", engine_id);
    rc = azk_store__scancache_open(&c->sc, path);
    if (rc == AZK_OK)
        rc = azk_store__scancache_path_key(c->sc, c->path_key);
    if (rc != AZK_OK) {
        azk_scan__cache_close(c);
        return rc;
    }
    *out = c;
    return AZK_OK;
}

void azk_scan__cache_close(struct azk_scan_cache *c)
{
    if (c == NULL)
        return;
    azk_store__scancache_close(c->sc);
    sodium_memzero(c->path_key, sizeof(c->path_key));
    pthread_mutex_destroy(&c->mu);
    azk_free(c);
}

static void make_key(struct azk_scancache_key *sk, const struct azk_file_key *k, const char *engine)
{
    sk->dev = k->dev;
    sk->ino = k->ino;
    sk->size = k->size;
    sk->mtime_ns = k->mtime_ns;
    sk->ctime_ns = k->ctime_ns;
    sk->engine = engine;
}

azk_status azk_scan__cache_get(struct azk_scan_cache *c, const struct azk_file_key *k,
                               json_t **out_json)
{
    struct azk_scancache_key sk;
    azk_buf txt = AZK_BUF_INIT;
    bool found = false;
    *out_json = NULL;
    make_key(&sk, k, c->engine_id);
    pthread_mutex_lock(&c->mu);
    /* an unreadable entry is a miss: the file is scanned again */
    if (azk_store__scancache_get(c->sc, &sk, &txt, &found) == AZK_OK && found) {
        json_t *j = json_loads((const char *)txt.data, 0, NULL);
        if (j != NULL && json_is_array(j))
            *out_json = j;
        else if (j != NULL)
            json_decref(j);
    }
    pthread_mutex_unlock(&c->mu);
    azk_buf_dispose(&txt);
    return AZK_OK;
}

azk_status azk_scan__cache_put(struct azk_scan_cache *c, const struct azk_file_key *k,
                               json_t *results)
{
    struct azk_scancache_key sk;
    azk_status rc;
    char *txt = json_dumps(results, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(results);
    if (txt == NULL)
        return azk_error_nomem();
    make_key(&sk, k, c->engine_id);
    pthread_mutex_lock(&c->mu);
    rc = azk_store__scancache_put(c->sc, &sk, txt);
    pthread_mutex_unlock(&c->mu);
    azk_free(txt); /* jansson allocates through azk_malloc (azk__lib_init) */
    return rc;
}

azk_status azk_scan__cache_path_same(struct azk_scan_cache *c, const char *path,
                                     const struct azk_file_key *k, uint8_t h[32], bool *same)
{
    struct azk_scancache_key sk;
    azk_status rc;
    crypto_generichash(h, 32, (const uint8_t *)path, strlen(path), c->path_key,
                       sizeof(c->path_key));
    make_key(&sk, k, c->engine_id);
    pthread_mutex_lock(&c->mu);
    rc = azk_store__scancache_path_same(c->sc, h, &sk, same);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

azk_status azk_scan__cache_path_put(struct azk_scan_cache *c, const uint8_t h[32],
                                    const struct azk_file_key *k)
{
    struct azk_scancache_key sk;
    azk_status rc;
    make_key(&sk, k, c->engine_id);
    pthread_mutex_lock(&c->mu);
    rc = azk_store__scancache_path_put(c->sc, h, &sk);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void azk_scan__cache_set_manual(struct azk_scan_cache *c)
{
    azk_store__scancache_set_manual(c->sc);
}

azk_status azk_scan__cache_commit(struct azk_scan_cache *c)
{
    azk_status rc;
    pthread_mutex_lock(&c->mu);
    rc = azk_store__scancache_commit(c->sc);
    pthread_mutex_unlock(&c->mu);
    return rc;
}
