/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/home.c -- create and open a home: directories, the catalog (the
 * home's SQLite file, WAL, or a PostgreSQL database: store/home_catalog.h),
 * the master key (key file 0600, or
 * Argon2id from a passphrase with the salt in the home) and its key id,
 * which detects a wrong key before anything is decrypted.
 */
#include "store/store.h"
#include "store/keystore.h"
#include "store/schema.h"
#include "store/home_catalog.h"
#include "azukari/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *azk_store__actor(const azk_home *h)
{
    static _Thread_local char name[256];
    if (h != NULL && h->actor != NULL)
        return h->actor;
    return azk__os_user(name, sizeof(name)) ? name : "unknown";
}

void azk_store__now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void azk_store__today(char out[16])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

bool azk_store__valid_id(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return true;
}

azk_status azk_store__path(azk_buf *out, const azk_home *h, const char *rel)
{
    azk_buf_clear(out);
    return azk_buf_printf(out, "%s/%s", h->path, rel);
}

void azk_store__uuid(char out[37])
{
    uint8_t b[16];
    randombytes_buf(b, sizeof(b));
    b[6] = (uint8_t)((b[6] & 0x0F) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3F) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

azk_status azk_store__audit(azk_home *h, const char *action, const char *const *objects,
                            size_t object_count, const char *reason, const char *extra_json)
{
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    ev.actor = azk_store__actor(h);
    ev.action = action;
    ev.objects = objects;
    ev.object_count = object_count;
    ev.reason = reason;
    ev.extra_json = extra_json;
    return azk_audit_record(h->path, &ev);
}

/* keyed hash of the key: tells a wrong key without decrypting anything */
static void key_id(const uint8_t key[AZK_MASTER_KEY_LEN], char out[33])
{
    static const char label[] = "azukari master key id v1";
    uint8_t id[16];
    crypto_generichash(id, sizeof(id), (const uint8_t *)label, sizeof(label) - 1, key,
                       AZK_MASTER_KEY_LEN);
    sodium_bin2hex(out, 33, id, sizeof(id));
}

static azk_status write_file_excl(const char *path, const void *data, size_t n)
{
    azk_status rc = AZK_OK;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return azk_error_errno("create key file");
    if (write(fd, data, n) != (ssize_t)n || fsync(fd) != 0)
        rc = azk_error_errno("write key file");
    if (close(fd) != 0 && rc == AZK_OK)
        rc = azk_error_errno("close key file");
    return rc;
}

/* pwhash file: "argon2id13 <opslimit> <memlimit> <salt hex>\n" */
static azk_status derive_key(uint8_t key[AZK_MASTER_KEY_LEN], const char *pass, size_t pass_len,
                             unsigned long long ops, size_t mem, const uint8_t *salt)
{
    if (crypto_pwhash(key, AZK_MASTER_KEY_LEN, pass, pass_len, salt, ops, mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        return azk_error_set(AZK_ERR_NOMEM, "home: Argon2id key derivation failed (memory)");
    return AZK_OK;
}

static azk_status read_pwhash(const char *path, unsigned long long *ops, size_t *mem,
                              uint8_t salt[crypto_pwhash_SALTBYTES])
{
    char line[256];
    char hex[2 * crypto_pwhash_SALTBYTES + 1];
    size_t bin_len = 0;
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return azk_error_errno("open passphrase parameters");
    if (fgets(line, sizeof(line), f) == NULL ||
        sscanf(line, "argon2id13 %llu %zu %32s", ops, mem, hex) != 3 ||
        sodium_hex2bin(salt, crypto_pwhash_SALTBYTES, hex, strlen(hex), NULL, &bin_len, NULL) !=
            0 ||
        bin_len != crypto_pwhash_SALTBYTES) {
        fclose(f);
        return azk_error_set(AZK_ERR_FORMAT, "home: keys/master.pwhash is malformed");
    }
    fclose(f);
    return AZK_OK;
}

int azk_home_uses_passphrase(const char *path)
{
    char p[4096];
    struct stat sb;
    snprintf(p, sizeof(p), "%s/keys/master.pwhash", path);
    return stat(p, &sb) == 0;
}

/* A home whose catalog is elsewhere still has its master key here. */
static bool has_master_key(const char *path)
{
    char p[4096];
    struct stat sb;
    snprintf(p, sizeof(p), "%s/keys/master.key", path);
    return azk_home_uses_passphrase(path) || stat(p, &sb) == 0;
}

azk_status azk_home_init(const char *path, const azk_home_init_options *opts_in)
{
    static const azk_home_init_options opts_def = AZK_HOME_INIT_OPTIONS_INIT;
    azk_home_init_options opts_v;
    const azk_home_init_options *opts = &opts_v;
    azk_status rc = AZK_OK;
    azk_home_init_options o = AZK_HOME_INIT_OPTIONS_INIT;
    azk_buf p = AZK_BUF_INIT;
    azk_db *db = NULL;
    uint8_t key[AZK_MASTER_KEY_LEN];
    char kid[33];
    char now[32];
    bool made_home = false;
    bool made_db = false;
    bool made_key = false;
    bool made_ledger = false;
    bool had_conf = false;
    bool made_conf = false;
    char *target = NULL;     /* the catalog: a path or a PostgreSQL URL */
    char *old_target = NULL; /* the "catalog" of azukari.conf before this call, if any */
    azk_db *pg = NULL;
    struct stat sb;
    azk_home tmp;

    if (azk__options_in(&opts_v, sizeof(opts_v), &opts_def, opts_in, false, "azk_home_init") !=
        AZK_OK)
        return azk_error_last()->code;
    azk_error_clear();
    AZK_ASSERT_ARG(path != NULL);
    if (opts != NULL)
        o = *opts;
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    if (mkdir(path, 0700) == 0)
        made_home = true;
    else if (errno != EEXIST)
        return azk_error_errno("create home directory");
    /* a home others can write or replace is refused (they could swap its ledger) */
    rc = azk_audit_home_safe(path);
    if (rc != AZK_OK)
        goto done;
    rc = azk_buf_printf(&p, "%s/catalog.db", path);
    if (rc != AZK_OK)
        goto done;
    if (stat((const char *)p.data, &sb) == 0) {
        rc = azk_error_set(AZK_ERR_ARG, "home: already initialised (catalog.db exists)");
        goto done;
    }
    if (has_master_key(path)) {
        rc = azk_error_set(AZK_ERR_ARG, "home: already initialised (a master key exists)");
        goto done;
    }
    /* the catalog: --catalog, else the "catalog" already in azukari.conf, else catalog.db */
    rc = azk_store__catalog_target(path, NULL, &old_target);
    if (rc != AZK_OK)
        goto done;
    if (!azk_db_is_url(old_target)) {
        azk_free(old_target);
        old_target = NULL;
    }
    rc = azk_store__catalog_target(path, o.catalog, &target);
    if (rc != AZK_OK)
        goto done;
    if (azk_db_is_url(target)) {
        bool exists = false;
        /* refuse a database that already holds a catalog (another home's) before making anything */
        rc = azk_db_open(&pg, target, 0);
        if (rc == AZK_OK)
            rc = azk_store__catalog_exists(pg, &exists);
        if (rc == AZK_OK && exists)
            rc = azk_error_set(AZK_ERR_ARG,
                               "catalog %s: already holds an azukari catalog (one PostgreSQL "
                               "catalog serves one home)",
                               azk_db_name(pg));
        if (rc != AZK_OK)
            goto done;
    }
    /*
     * The ledger before the catalog: a catalog is evidence that the home had
     * a ledger, so `audit init` never starts a fresh one beside it.
     */
    azk_buf_clear(&p);
    rc = azk_buf_printf(&p, "%s/keys/ledger.key", path);
    if (rc != AZK_OK)
        goto done;
    made_ledger = stat((const char *)p.data, &sb) != 0;
    rc = azk_audit_init_home(path);
    if (rc != AZK_OK) {
        made_ledger = false;
        goto done;
    }
    azk_buf_clear(&p);
    rc = azk_buf_printf(&p, "%s/keys", path);
    if (rc == AZK_OK && mkdir((const char *)p.data, 0700) != 0 && errno != EEXIST)
        rc = azk_error_errno("create keys directory");
    azk_buf_clear(&p);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&p, "%s/vault", path);
    if (rc == AZK_OK && mkdir((const char *)p.data, 0700) != 0 && errno != EEXIST)
        rc = azk_error_errno("create vault directory");
    if (rc != AZK_OK)
        goto done;

    /* master key */
    azk_buf_clear(&p);
    if (o.passphrase != NULL) {
        uint8_t salt[crypto_pwhash_SALTBYTES];
        char hex[2 * crypto_pwhash_SALTBYTES + 1];
        char line[256];
        int ln;
        unsigned long long ops = o.opslimit ? o.opslimit : crypto_pwhash_OPSLIMIT_INTERACTIVE;
        size_t mem = o.memlimit ? o.memlimit : crypto_pwhash_MEMLIMIT_INTERACTIVE;
        if (o.passphrase_len < 8) {
            rc = azk_error_set(AZK_ERR_ARG, "home: passphrase shorter than 8 bytes");
            goto done;
        }
        randombytes_buf(salt, sizeof(salt));
        sodium_bin2hex(hex, sizeof(hex), salt, sizeof(salt));
        ln = snprintf(line, sizeof(line), "argon2id13 %llu %zu %s\n", ops, mem, hex);
        rc = derive_key(key, o.passphrase, o.passphrase_len, ops, mem, salt);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&p, "%s/keys/master.pwhash", path);
        if (rc == AZK_OK)
            rc = write_file_excl((const char *)p.data, line, (size_t)ln);
    } else {
        randombytes_buf(key, sizeof(key));
        rc = azk_buf_printf(&p, "%s/keys/master.key", path);
        if (rc == AZK_OK)
            rc = write_file_excl((const char *)p.data, key, sizeof(key));
    }
    if (rc != AZK_OK)
        goto done;
    made_key = true;
    key_id(key, kid);

    if (pg != NULL) {
        /* PostgreSQL: record the choice in azukari.conf, then create the tables */
        azk_buf_clear(&p);
        rc = azk_buf_printf(&p, "%s/azukari.conf", path);
        if (rc != AZK_OK)
            goto done;
        had_conf = stat((const char *)p.data, &sb) == 0;
        if (old_target == NULL || strcmp(old_target, target) != 0) {
            rc = azk_store__catalog_record(path, target);
            if (rc != AZK_OK)
                goto done;
            made_conf = true;
        }
        azk_store__now(now);
        memset(&tmp, 0, sizeof(tmp));
        tmp.actor = (char *)(uintptr_t)o.actor;
        {
            const char *meta[] = {
                "master_key_id", kid, "key_mode",   o.passphrase != NULL ? "passphrase" : "keyfile",
                "created_at",    now, "created_by", azk_store__actor(&tmp)};
            rc = azk_schema__create(pg, meta, sizeof(meta) / sizeof(meta[0]));
        }
        if (rc != AZK_OK)
            goto done;
        tmp.path = (char *)(uintptr_t)path;
        {
            const char *objs[] = {"home"};
            rc = azk_store__audit(&tmp, "home.init", objs, 1, NULL, NULL);
        }
        goto done;
    }

    /* catalog */
    azk_buf_clear(&p);
    rc = azk_buf_printf(&p, "%s/catalog.db", path);
    if (rc != AZK_OK)
        goto done;
    {
        /* created 0600 before SQLite opens it (its -wal and -shm take the file's mode) */
        int fd = open((const char *)p.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            rc = azk_error_errno("create catalog");
            goto done;
        }
        close(fd);
    }
    made_db = true;
    rc = azk_db_open(&db, (const char *)p.data, 0);
    if (rc != AZK_OK)
        goto done;
    azk_store__now(now);
    memset(&tmp, 0, sizeof(tmp));
    tmp.actor = (char *)(uintptr_t)o.actor;
    {
        const char *meta[] = {
            "master_key_id", kid, "key_mode",   o.passphrase != NULL ? "passphrase" : "keyfile",
            "created_at",    now, "created_by", azk_store__actor(&tmp)};
        rc = azk_schema__create(db, meta, sizeof(meta) / sizeof(meta[0]));
    }
    if (rc != AZK_OK)
        goto done;
    tmp.path = (char *)(uintptr_t)path;
    {
        const char *objs[] = {"home"};
        rc = azk_store__audit(&tmp, "home.init", objs, 1, NULL, NULL);
    }
done:
    sodium_memzero(key, sizeof(key));
    azk_db_close(db);
    azk_db_close(pg);
    if (rc != AZK_OK) {
        azk_status keep = rc;
        if (made_conf) {
            /* put azukari.conf back as it was */
            azk_buf_clear(&p);
            if (!had_conf && azk_buf_printf(&p, "%s/azukari.conf", path) == AZK_OK)
                (void)unlink((const char *)p.data);
            else if (had_conf) {
                char msg[512];
                snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
                if (azk_store__catalog_record(path, old_target) != AZK_OK)
                    (void)azk_error_set(keep, "%s", msg); /* report the first error */
            }
        }
        /* leave nothing half-made: remove what this call created */
        if (made_db) {
            static const char *const f[] = {"catalog.db", "catalog.db-wal", "catalog.db-shm"};
            for (size_t i = 0; i < 3; i++) {
                azk_buf_clear(&p);
                if (azk_buf_printf(&p, "%s/%s", path, f[i]) == AZK_OK)
                    (void)unlink((const char *)p.data);
            }
        }
        if (made_key) {
            azk_buf_clear(&p);
            if (azk_buf_printf(&p, "%s/keys/%s", path,
                               o.passphrase != NULL ? "master.pwhash" : "master.key") == AZK_OK)
                (void)unlink((const char *)p.data);
        }
        if (made_ledger) {
            static const char *const lf[] = {"keys/ledger.key", "keys/ledger.pub",
                                             "ledger/entries.log", "ledger/index"};
            for (size_t i = 0; i < 4; i++) {
                azk_buf_clear(&p);
                if (azk_buf_printf(&p, "%s/%s", path, lf[i]) == AZK_OK)
                    (void)unlink((const char *)p.data);
            }
            azk_buf_clear(&p);
            if (azk_buf_printf(&p, "%s/ledger/checkpoints", path) == AZK_OK)
                (void)rmdir((const char *)p.data);
            azk_buf_clear(&p);
            if (azk_buf_printf(&p, "%s/ledger", path) == AZK_OK)
                (void)rmdir((const char *)p.data);
        }
        if (made_home) {
            azk_buf_clear(&p);
            if (azk_buf_printf(&p, "%s/vault", path) == AZK_OK)
                (void)rmdir((const char *)p.data);
            azk_buf_clear(&p);
            if (azk_buf_printf(&p, "%s/keys", path) == AZK_OK)
                (void)rmdir((const char *)p.data);
            (void)rmdir(path);
        }
        rc = keep;
    }
    azk_free(target);
    azk_free(old_target);
    azk_buf_dispose(&p);
    return rc;
}

static azk_status load_keyfile(const char *path, uint8_t key[AZK_MASTER_KEY_LEN]);

azk_status azk_store__scan_key(const azk_home *h, uint8_t key[32])
{
    azk_status rc;
    azk_buf p = AZK_BUF_INIT;
    rc = azk_buf_printf(&p, "%s/keys/scan.key", h->path);
    if (rc != AZK_OK)
        return rc;
    if (access((const char *)p.data, F_OK) != 0) {
        uint8_t k[32];
        randombytes_buf(k, sizeof(k));
        rc = write_file_excl((const char *)p.data, k, sizeof(k));
        sodium_memzero(k, sizeof(k));
        if (rc != AZK_OK && errno != EEXIST)
            goto done;
        azk_error_clear();
    }
    rc = load_keyfile((const char *)p.data, key);
done:
    azk_buf_dispose(&p);
    return rc;
}

/* ---- scanning key rotation (vault/fprotate.c) ---------------------------- */

azk_status azk_store__scan_key_next(const azk_home *h, uint8_t key[32])
{
    azk_status rc;
    azk_buf p = AZK_BUF_INIT;
    rc = azk_buf_printf(&p, "%s/keys/scan.key.next", h->path);
    if (rc != AZK_OK)
        return rc;
    /* a rotation that died left one: never used, replaced */
    if (unlink((const char *)p.data) != 0 && errno != ENOENT) {
        rc = azk_error_errno("remove an unfinished next scanning key");
        goto done;
    }
    randombytes_buf(key, 32);
    rc = write_file_excl((const char *)p.data, key, 32);
done:
    azk_buf_dispose(&p);
    return rc;
}

void azk_store__scan_key_next_discard(const azk_home *h)
{
    azk_buf p = AZK_BUF_INIT;
    if (azk_buf_printf(&p, "%s/keys/scan.key.next", h->path) == AZK_OK)
        (void)unlink((const char *)p.data);
    azk_buf_dispose(&p);
}

azk_status azk_store__scan_key_pending(const azk_home *h, bool *pending)
{
    azk_buf p = AZK_BUF_INIT;
    azk_status rc = azk_buf_printf(&p, "%s/keys/scan.key.next", h->path);
    if (rc != AZK_OK)
        return rc;
    *pending = access((const char *)p.data, F_OK) == 0;
    azk_buf_dispose(&p);
    return AZK_OK;
}

azk_status azk_store__scan_key_promote(const azk_home *h)
{
    azk_buf from = AZK_BUF_INIT, to = AZK_BUF_INIT, dir = AZK_BUF_INIT;
    azk_status rc = azk_buf_printf(&from, "%s/keys/scan.key.next", h->path);
    int fd;
    if (rc == AZK_OK)
        rc = azk_buf_printf(&to, "%s/keys/scan.key", h->path);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&dir, "%s/keys", h->path);
    if (rc != AZK_OK)
        goto done;
    if (rename((const char *)from.data, (const char *)to.data) != 0) {
        rc = azk_error_errno("install the new scanning key");
        goto done;
    }
    fd = open((const char *)dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        if (fsync(fd) != 0)
            rc = azk_error_errno("sync the key directory");
        close(fd);
    }
done:
    azk_buf_dispose(&from);
    azk_buf_dispose(&to);
    azk_buf_dispose(&dir);
    return rc;
}

azk_status azk_store__scan_key_unchanged(const azk_home *h, const uint8_t key[32])
{
    uint8_t now[32];
    bool pending = false;
    azk_status rc = azk_store__scan_key_pending(h, &pending);
    if (rc == AZK_OK && !pending)
        rc = azk_store__scan_key(h, now);
    if (rc != AZK_OK)
        return rc;
    rc = pending || sodium_memcmp(now, key, 32) != 0
             ? azk_error_set(AZK_ERR_ARG, "the scanning key was rotated meanwhile "
                                          "(fingerprints rotate): run it again")
             : AZK_OK;
    sodium_memzero(now, sizeof(now));
    return rc;
}

static azk_status load_keyfile(const char *path, uint8_t key[AZK_MASTER_KEY_LEN])
{
    azk_status rc = AZK_OK;
    struct stat sb;
    ssize_t got;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? azk_error_set(AZK_ERR_NOTFOUND, "home: no master key")
                               : azk_error_errno("open master key");
    if (fstat(fd, &sb) != 0) {
        rc = azk_error_errno("stat master key");
    } else if (!S_ISREG(sb.st_mode) || sb.st_size != AZK_MASTER_KEY_LEN) {
        rc = azk_error_set(AZK_ERR_INTEGRITY, "home: a key file is not 32 bytes");
    } else if ((sb.st_mode & 077) != 0 || sb.st_uid != geteuid()) {
        rc = azk_error_set(AZK_ERR_PERM,
                           "home: key files must be owned by you and mode 0600 (is %04o)",
                           (unsigned)(sb.st_mode & 07777));
    } else {
        got = read(fd, key, AZK_MASTER_KEY_LEN);
        if (got != AZK_MASTER_KEY_LEN)
            rc = azk_error_errno("read master key");
    }
    close(fd);
    return rc;
}

static azk_status home_open(azk_home **out, const char *path, const azk_home_open_options *opts,
                            azk_schema_report *rep);

azk_status azk_store__home_open(azk_home **out, const char *path, const char *passphrase,
                                size_t passphrase_len, azk_schema_report *rep)
{
    azk_home_open_options o = AZK_HOME_OPEN_OPTIONS_INIT;
    o.passphrase = passphrase;
    o.passphrase_len = passphrase_len;
    azk_error_clear();
    return home_open(out, path, &o, rep);
}

/* Compare the catalog's meta master_key_id with the key's id. */
static azk_status check_key_id(azk_home *h)
{
    azk_status rc = AZK_OK;
    azk_db_stmt *st = NULL;
    const char *v;
    int r;
    rc = azk_db_prepare(h->cat, &st, "SELECT value FROM meta WHERE key = 'master_key_id'",
                        "read the master key id");
    if (rc != AZK_OK)
        return rc;
    r = azk_db_step(st);
    if (r == AZK_DB_DONE) {
        rc = azk_error_set(AZK_ERR_INTEGRITY, "home: catalog %s has no master key id",
                           azk_db_name(h->cat));
    } else if (r != AZK_DB_ROW) {
        rc = azk_error_last()->code;
    } else {
        v = azk_db_col_text(st, 0);
        if (v == NULL || strlen(v) != 32 || sodium_memcmp(v, h->key_id, 32) != 0) {
            /* the same first words on both backends (scripts and tests match them) */
            if (azk_db_kind(h->cat) == AZK_DB_POSTGRES)
                rc = azk_error_set(AZK_ERR_CRYPTO,
                                   "home: wrong master key or passphrase: the master key does "
                                   "not match catalog %s, or the catalog is another home's (one "
                                   "PostgreSQL catalog serves one home)",
                                   azk_db_name(h->cat));
            else
                rc = azk_error_set(AZK_ERR_CRYPTO, "home: wrong master key or passphrase");
        }
    }
    azk_db_finalize(st);
    return rc;
}

static azk_status home_open(azk_home **out, const char *path, const azk_home_open_options *opts,
                            azk_schema_report *rep)
{
    azk_status rc = AZK_OK;
    azk_home_open_options o = AZK_HOME_OPEN_OPTIONS_INIT;
    azk_home *h = NULL;
    azk_buf p = AZK_BUF_INIT;
    char *target = NULL;
    struct stat sb;
    int ver = 0;

    AZK_ASSERT_ARG(out != NULL && path != NULL && rep != NULL);
    *out = NULL;
    {
        static const azk_home_open_options def = AZK_HOME_OPEN_OPTIONS_INIT;
        if (azk__options_in(&o, sizeof(o), &def, opts, false, "azk_home_open_ex") != AZK_OK)
            return azk_error_last()->code;
    }
    memset(rep, 0, sizeof(*rep));
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    h = azk_calloc(1, sizeof(*h));
    if (h == NULL)
        return azk_error_nomem();
    h->path = azk_strdup(path);
    if (h->path == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "home: not initialised (run `azukari init`)");
        goto done;
    }
    rc = azk_store__catalog_target(path, o.catalog, &target);
    if (rc != AZK_OK)
        goto done;
    if (azk_db_is_url(target) ? !has_master_key(path) : stat(target, &sb) != 0) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "home: not initialised (run `azukari init`)");
        goto done;
    }
    /* a file that is no catalog is refused before anything could be written to it */
    if (!azk_db_is_url(target))
        rc = azk_schema__check_file(target);
    if (rc == AZK_OK)
        rc = azk_db_open(&h->cat, target, 0);
    if (rc == AZK_OK)
        rc = azk_schema__check(h->cat, &ver);
    rep->from = rep->to = ver;
    if (rc != AZK_OK)
        goto done;
    if (azk_home_uses_passphrase(path)) {
        unsigned long long ops;
        size_t mem;
        uint8_t salt[crypto_pwhash_SALTBYTES];
        if (o.passphrase == NULL) {
            rc = azk_error_set(AZK_ERR_CRYPTO, "home: a passphrase is required");
            goto done;
        }
        rc = azk_buf_printf(&p, "%s/keys/master.pwhash", path);
        if (rc == AZK_OK)
            rc = read_pwhash((const char *)p.data, &ops, &mem, salt);
        if (rc == AZK_OK)
            rc = derive_key(h->key, o.passphrase, o.passphrase_len, ops, mem, salt);
    } else {
        rc = azk_buf_printf(&p, "%s/keys/master.key", path);
        if (rc == AZK_OK)
            rc = load_keyfile((const char *)p.data, h->key);
    }
    if (rc != AZK_OK)
        goto done;
    key_id(h->key, h->key_id);
    rc = check_key_id(h);
    if (rc != AZK_OK)
        goto done;
    /* an older schema is migrated now, with the key checked (docs/catalog.md) */
    rc = azk_schema__migrate(h, rep);
    if (rc != AZK_OK)
        goto done;
    *out = h;
    h = NULL;
done:
    azk_free(target);
    azk_buf_dispose(&p);
    azk_home_close(h);
    return rc;
}

azk_status azk_store__home_open_ex(azk_home **out, const char *path,
                                   const azk_home_open_options *opts)
{
    azk_schema_report rep;
    azk_error_clear();
    return home_open(out, path, opts, &rep);
}

azk_status azk_store__home_twin(azk_home *h, azk_home **out)
{
    azk_home *t;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && out != NULL);
    *out = NULL;
    t = azk_calloc(1, sizeof(*t));
    if (t == NULL)
        return azk_error_nomem();
    t->path = azk_strdup(h->path);
    if (t->path == NULL) {
        azk_free(t);
        return azk_error_nomem();
    }
    rc = azk_db_twin(h->cat, &t->cat);
    if (rc != AZK_OK) {
        azk_home_close(t);
        return rc;
    }
    memcpy(t->key, h->key, sizeof(t->key));
    memcpy(t->key_id, h->key_id, sizeof(t->key_id));
    *out = t;
    return AZK_OK;
}

const char *azk_home_catalog_name(const azk_home *h)
{
    return h != NULL && h->cat != NULL ? azk_db_name(h->cat) : "";
}

void azk_home_close(azk_home *h)
{
    if (h == NULL)
        return;
    azk_store__keystore_close(h);
    azk_audit_close(h->ledger);
    azk_db_close(h->cat);
    sodium_memzero(h->key, sizeof(h->key));
    azk_free(h->path);
    azk_free(h->actor);
    azk_free(h);
}

const char *azk_home_path(const azk_home *h)
{
    return h->path;
}

azk_status azk_home_set_actor(azk_home *h, const char *actor)
{
    char *a = NULL;
    AZK_ASSERT_ARG(h != NULL);
    if (actor != NULL) {
        a = azk_strdup(actor);
        if (a == NULL)
            return azk_error_nomem();
    }
    azk_free(h->actor);
    h->actor = a;
    return AZK_OK;
}
