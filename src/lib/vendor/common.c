/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vendor/common.c -- helpers of vendor management (vendor/vendor_int.h):
 * argument checks, the corporate number, dates, files kept by hash and the
 * begin/end of a vendor change with its ledger event.
 */
#include "vendor/vendor_int.h"
#include "detect/detect_int.h"
#include "norm/datetime.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const azk_vendor__clauses[] = {"purpose-limitation",
                                           "named-handlers",
                                           "re-entrustment",
                                           "incident-reporting",
                                           "audit-rights",
                                           "deletion-certificate",
                                           NULL};

bool azk_vendor__one_of(const char *s, const char *const *list)
{
    for (size_t i = 0; s != NULL && list[i] != NULL; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

bool azk_vendor__date_ok(const char *s)
{
    int64_t d;
    return s != NULL && strlen(s) == 10 && azk_date__parse_day(s, &d);
}

azk_status azk_vendor__check_date(const char *s, const char *what, bool optional)
{
    if (s == NULL && optional)
        return AZK_OK;
    if (!azk_vendor__date_ok(s))
        return azk_error_set(AZK_ERR_ARG, "%s: not a date YYYY-MM-DD", what);
    return AZK_OK;
}

int64_t azk_vendor__days(const char *date)
{
    int64_t d = 0;
    (void)azk_date__parse_day(date, &d);
    return d;
}

void azk_vendor__add_months(const char *date, int months, char out[16])
{
    int y = (int)strtol(date, NULL, 10), m = (date[5] - '0') * 10 + (date[6] - '0');
    int d = (date[8] - '0') * 10 + (date[9] - '0');
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int total = y * 12 + (m - 1) + months, last;
    y = total / 12;
    m = total % 12 + 1;
    last = mdays[m - 1] + (m == 2 && azk_date__is_leap(y) ? 1 : 0);
    if (d > last)
        d = last;
    (void)snprintf(out, 16, "%04d-%02u-%02u", y % 10000, (unsigned)(unsigned char)m,
                   (unsigned)(unsigned char)d);
}

azk_status azk_vendor__today(const char *today, char out[16])
{
    if (today == NULL) {
        azk_store__today(out);
        return AZK_OK;
    }
    if (!azk_vendor__date_ok(today))
        return azk_error_set(AZK_ERR_ARG, "today: not a date YYYY-MM-DD");
    (void)snprintf(out, 16, "%s", today);
    return AZK_OK;
}

azk_status azk_vendor__corporate_number(const char *in, char out[14])
{
    size_t n = 0;
    const unsigned char *s = (const unsigned char *)in;
    if (in == NULL)
        return azk_error_set(AZK_ERR_ARG, "corporate number (法人番号) missing");
    while (*s != '\0') {
        int digit = -1;
        if (*s >= '0' && *s <= '9') {
            digit = *s - '0';
            s++;
        } else if (s[0] == 0xEF && s[1] == 0xBC && s[2] >= 0x90 && s[2] <= 0x99) {
            digit = s[2] - 0x90; /* U+FF10..U+FF19 full-width digits */
            s += 3;
        } else if (*s == '-' || *s == ' ') {
            s++;
            continue;
        } else {
            return azk_error_set(AZK_ERR_ARG, "corporate number (法人番号): not digits");
        }
        if (n >= 13)
            return azk_error_set(AZK_ERR_ARG, "corporate number (法人番号): more than 13 digits");
        out[n++] = (char)('0' + digit);
    }
    out[n] = '\0';
    if (n != 13)
        return azk_error_set(AZK_ERR_ARG, "corporate number (法人番号): %zu digits, 13 expected",
                             n);
    if (!azk_detect__corporate_valid(out, 13))
        return azk_error_set(AZK_ERR_ARG, "corporate number (法人番号): check digit is wrong");
    return AZK_OK;
}

static azk_status exists_cb(const char *const *cols, size_t ncols, void *payload)
{
    (void)cols;
    (void)ncols;
    *(bool *)payload = true;
    return AZK_OK;
}

azk_status azk_vendor__must_exist(azk_home *h, const char *id)
{
    bool yes = false;
    azk_status rc;
    if (!azk_store__valid_id(id))
        return azk_error_set(AZK_ERR_ARG, "vendor id must be 1-64 of [A-Za-z0-9._-], starting "
                                          "with a letter or digit");
    rc = azk_store__vendor_rows(h, AZK_VSQL_VENDOR_GET, &id, 1, exists_cb, &yes);
    if (rc == AZK_OK && !yes)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "vendor %s is not registered", id);
    return rc;
}

void azk_vendor__sha256_hex(const void *p, size_t n, char out[65])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, p, n);
    sodium_bin2hex(out, 65, h, sizeof(h));
}

azk_status azk_vendor__read_file(const char *path, size_t max, azk_buf *out)
{
    uint8_t tmp[65536];
    ssize_t n;
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT
                   ? azk_error_set(AZK_ERR_NOTFOUND, "%s: no such file", azk_vendor__base(path))
                   : azk_error_errno("open file");
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return azk_error_set(AZK_ERR_ARG, "%s: not a regular file", azk_vendor__base(path));
    }
    out->max = max;
    while ((n = read(fd, tmp, sizeof(tmp))) > 0) {
        azk_status rc = azk_buf_put(out, tmp, (size_t)n);
        if (rc != AZK_OK) {
            close(fd);
            return rc == AZK_ERR_LIMIT ? azk_error_set(AZK_ERR_LIMIT, "%s: larger than %zu bytes",
                                                       azk_vendor__base(path), max)
                                       : rc;
        }
    }
    close(fd);
    if (n < 0)
        return azk_error_errno("read file");
    return AZK_OK;
}

const char *azk_vendor__base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s != NULL ? s + 1 : path;
}

azk_status azk_vendor__kept_path(azk_home *h, const char *sha, azk_buf *out)
{
    azk_status rc = azk_store__path(out, h, "vendor/files/");
    if (rc == AZK_OK)
        rc = azk_buf_puts(out, sha);
    return rc;
}

azk_status azk_vendor__keep(azk_home *h, const void *p, size_t n, char sha[65])
{
    azk_buf path = AZK_BUF_INIT;
    azk_status rc;
    bool existed = false;
    azk_vendor__sha256_hex(p, n, sha);
    rc = azk_store__path(&path, h, "vendor");
    if (rc != AZK_OK)
        goto done;
    if (mkdir((const char *)path.data, 0700) != 0 && errno != EEXIST) {
        rc = azk_error_errno("create vendor directory");
        goto done;
    }
    rc = azk_buf_puts(&path, "/files");
    if (rc != AZK_OK)
        goto done;
    if (mkdir((const char *)path.data, 0700) != 0 && errno != EEXIST) {
        rc = azk_error_errno("create vendor files directory");
        goto done;
    }
    rc = azk_vendor__kept_path(h, sha, &path);
    if (rc == AZK_OK)
        rc = azk_outfile__write((const char *)path.data, p, n, 0600, AZK_OUTFILE_EXCL, &existed);
done:
    azk_buf_dispose(&path);
    return rc;
}

azk_status azk_vendor__begin(azk_home *h)
{
    return azk_store__tx_begin(h);
}

azk_status azk_vendor__end(azk_home *h, azk_status rc, const char *vendor, const char *action,
                           json_t *extra)
{
    char *ex = NULL;
    if (rc == AZK_OK && extra != NULL) {
        ex = json_dumps(extra, JSON_COMPACT | JSON_SORT_KEYS);
        if (ex == NULL)
            rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
    }
    if (rc == AZK_OK)
        rc = azk_store__vendor_event(h, vendor, action, ex);
    free(ex); /* jansson's allocator; checksrc: ok */
    return azk_store__tx_end(h, rc);
}
