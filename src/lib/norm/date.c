/* SPDX-License-Identifier: Apache-2.0 */
/*
 * norm/date.c -- Gregorian and Japanese era date parsing (datetime.h).
 *
 * Era boundaries follow the Cabinet orders that changed the era (元号):
 * 明治 from 1868 (the whole year: the 1868 proclamation applied it from the
 * first day of 慶応4年; before 1873 the calendar was lunisolar, which we do
 * not model), 大正 from 1912-07-30, 昭和 from 1926-12-25, 平成 from
 * 1989-01-08, 令和 from 2019-05-01. The last day of an era is the day
 * before the next one starts; 元年 is year 1.
 *
 * Also the one strict ISO 8601 parser of dates given as arguments (see
 * azk_date__parse_day) and the day-number arithmetic behind it.
 */
#include "norm/datetime.h"
#include "norm/digits.h"

#include <string.h>

struct era_def {
    const char *kanji;
    char abbr;
    int y0, m0, d0; /* first day */
};

static const struct era_def eras[AZK_ERA__COUNT] = {
    {"", 0, 0, 0, 0},           {"明治", 'M', 1868, 1, 1},
    {"大正", 'T', 1912, 7, 30}, {"昭和", 'S', 1926, 12, 25},
    {"平成", 'H', 1989, 1, 8},  {"令和", 'R', 2019, 5, 1},
};

bool azk_date__is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && azk_date__is_leap(year))
        return 29;
    return dm[month - 1];
}

bool azk_date__valid(int year, int month, int day)
{
    if (year < AZK_DATE_YEAR_MIN || year > AZK_DATE_YEAR_MAX || month < 1 || month > 12 || day < 1)
        return false;
    return day <= days_in_month(year, month);
}

static long ymd_key(int y, int m, int d)
{
    return (long)y * 10000 + m * 100 + d;
}

bool azk_date__from_era(azk_era era, int era_year, int month, int day, int *year_out)
{
    int y;
    long k;
    if (era <= AZK_ERA_NONE || era >= AZK_ERA__COUNT || era_year < 1 || era_year > 99)
        return false;
    y = eras[era].y0 + era_year - 1;
    if (!azk_date__valid(y, month, day))
        return false;
    k = ymd_key(y, month, day);
    if (k < ymd_key(eras[era].y0, eras[era].m0, eras[era].d0))
        return false;
    if (era + 1 < AZK_ERA__COUNT &&
        k >= ymd_key(eras[era + 1].y0, eras[era + 1].m0, eras[era + 1].d0))
        return false;
    *year_out = y;
    return true;
}

const char *azk_date__era_name(azk_era era)
{
    if (era <= AZK_ERA_NONE || era >= AZK_ERA__COUNT)
        return "";
    return eras[era].kanji;
}

/* A cursor over UTF-8 text that yields folded ASCII (0 = other). */
struct cur {
    const char *s;
    size_t len, pos;
};

static uint32_t peek(const struct cur *c, size_t *n)
{
    uint32_t a = 0;
    if (c->pos >= c->len) {
        *n = 0;
        return 0;
    }
    *n = azk_digits__next(c->s, c->len, c->pos, &a);
    return a;
}

static bool at_str(const struct cur *c, const char *lit)
{
    size_t l = strlen(lit);
    return c->len - c->pos >= l && memcmp(c->s + c->pos, lit, l) == 0;
}

static void skip_spaces(struct cur *c)
{
    size_t n;
    uint32_t a = peek(c, &n);
    while (n > 0 && (a == ' ' || a == '\t')) {
        c->pos += n;
        a = peek(c, &n);
    }
}

/* Read 1..maxd digits; returns count (0 = none), value in *v. */
static int read_num(struct cur *c, int maxd, int *v)
{
    int count = 0, val = 0;
    size_t n;
    uint32_t a = peek(c, &n);
    while (n > 0 && azk_digits__isdigit(a)) {
        if (count == maxd)
            return 0; /* too many digits: not this form */
        val = val * 10 + (int)(a - '0');
        count++;
        c->pos += n;
        a = peek(c, &n);
    }
    *v = val;
    return count;
}

/* Separator of a numeric date: '/', '.', or any hyphen look-alike. */
static uint32_t read_sep(struct cur *c)
{
    size_t n;
    uint32_t a = peek(c, &n);
    if (n > 0 && (a == '/' || a == '.' || a == '-')) {
        c->pos += n;
        return a;
    }
    return 0;
}

static bool read_kanji(struct cur *c, const char *k)
{
    skip_spaces(c);
    if (!at_str(c, k))
        return false;
    c->pos += strlen(k);
    skip_spaces(c);
    return true;
}

/* After a complete date: reject a trailing digit, note a time of day. */
static bool finish(struct cur *c, azk_date *d)
{
    size_t n, save = c->pos;
    uint32_t a = peek(c, &n);
    int v;
    if (n > 0 && azk_digits__isdigit(a))
        return false;
    /* "2024-03-01 12:34", "2024-03-01T12:34" */
    if (n > 0 && (a == ' ' || a == 'T')) {
        struct cur t = *c;
        t.pos += n;
        skip_spaces(&t);
        if (read_num(&t, 2, &v) > 0 && peek(&t, &n) == ':')
            d->flags |= AZK_DATE_TIME;
    }
    c->pos = save;
    return true;
}

/* Month and day after the year: 年M月D日 or sep M sep D (same separator). */
static bool read_md(struct cur *c, azk_date *d, bool kanji_year)
{
    int m = 0, day = 0;
    if (kanji_year) {
        if (read_num(c, 2, &m) == 0 || !read_kanji(c, "月") || read_num(c, 2, &day) == 0)
            return false;
        skip_spaces(c);
        if (!at_str(c, "日"))
            return false;
        c->pos += strlen("日");
        d->flags |= AZK_DATE_KANJI;
    } else {
        uint32_t s1 = read_sep(c), s2;
        if (s1 == 0 || read_num(c, 2, &m) == 0)
            return false;
        s2 = read_sep(c);
        if (s2 != s1 || read_num(c, 2, &day) == 0)
            return false;
        d->flags |= AZK_DATE_SEP;
    }
    d->month = m;
    d->day = day;
    return true;
}

static azk_era era_at(struct cur *c, bool *abbr)
{
    size_t n;
    uint32_t a;
    int e;
    for (e = AZK_ERA_MEIJI; e < AZK_ERA__COUNT; e++) {
        if (at_str(c, eras[e].kanji)) {
            c->pos += strlen(eras[e].kanji);
            *abbr = false;
            return (azk_era)e;
        }
    }
    a = peek(c, &n);
    if (a >= 'a' && a <= 'z')
        a = a - 'a' + 'A';
    for (e = AZK_ERA_MEIJI; e < AZK_ERA__COUNT; e++) {
        if (n > 0 && a == (uint32_t)eras[e].abbr) {
            c->pos += n;
            *abbr = true;
            return (azk_era)e;
        }
    }
    return AZK_ERA_NONE;
}

static size_t parse_era(struct cur *c, azk_date *d)
{
    bool abbr = false, kanji_year = false, gannen = false;
    int ey = 0;
    azk_era era = era_at(c, &abbr);
    if (era == AZK_ERA_NONE)
        return 0;
    skip_spaces(c);
    if (at_str(c, "元")) {
        c->pos += strlen("元");
        ey = 1;
        gannen = true;
    } else if (read_num(c, 2, &ey) == 0) {
        return 0;
    }
    if (read_kanji(c, "年"))
        kanji_year = true;
    else if (gannen)
        return 0; /* 元 is only written as 元年 */
    if (!read_md(c, d, kanji_year))
        return 0;
    d->era = era;
    d->era_year = ey;
    if (abbr)
        d->flags |= AZK_DATE_ERA_ABBR;
    if (!azk_date__from_era(era, ey, d->month, d->day, &d->year))
        return 0;
    if (!finish(c, d))
        return 0;
    return c->pos;
}

static size_t parse_gregorian(struct cur *c, azk_date *d, bool allow_compact)
{
    int y = 0, nd;
    size_t save = c->pos;
    nd = read_num(c, 8, &y);
    if (nd == 8 && allow_compact) {
        d->year = y / 10000;
        d->month = (y / 100) % 100;
        d->day = y % 100;
        d->flags |= AZK_DATE_COMPACT;
    } else if (nd == 4) {
        d->year = y;
        if (read_kanji(c, "年")) {
            if (!read_md(c, d, true))
                return 0;
        } else if (!read_md(c, d, false)) {
            return 0;
        }
    } else {
        c->pos = save;
        return 0;
    }
    if (!azk_date__valid(d->year, d->month, d->day))
        return 0;
    if (!finish(c, d))
        return 0;
    return c->pos;
}

size_t azk_date__parse(const char *s, size_t len, bool allow_compact, azk_date *out)
{
    struct cur c = {s, len, 0};
    azk_date d;
    size_t n;
    uint32_t a;
    size_t used;
    memset(&d, 0, sizeof(d));
    if (len == 0)
        return 0;
    a = peek(&c, &n);
    if (azk_digits__isdigit(a))
        used = parse_gregorian(&c, &d, allow_compact);
    else
        used = parse_era(&c, &d);
    if (used == 0)
        return 0;
    *out = d;
    return used;
}

/* ---- ISO 8601 arguments ------------------------------------------------- */

/* Civil date <-> day number: H. Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms" (days_from_civil, civil_from_days). */
int64_t azk_date__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void azk_date__format_day(int64_t z, char out[11])
{
    int64_t era;
    unsigned doe, yoe, doy, mp, d, m;
    int64_t y;
    unsigned yy;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = (int64_t)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    yy = (unsigned)(y % 10000 + 10000) % 10000;
    out[0] = (char)('0' + yy / 1000);
    out[1] = (char)('0' + yy / 100 % 10);
    out[2] = (char)('0' + yy / 10 % 10);
    out[3] = (char)('0' + yy % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10 % 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10 % 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

/* n ASCII digits at s (no sign, no space), or -1. */
static int fixed_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "YYYY-MM-DD" at s[0..9]: the day number, or false. */
static bool iso_day(const char *s, int64_t *days)
{
    int y, m, d;
    if (s[4] != '-' || s[7] != '-')
        return false;
    y = fixed_digits(s, 4);
    m = fixed_digits(s + 5, 2);
    d = fixed_digits(s + 8, 2);
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    *days = azk_date__days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

bool azk_date__parse_day(const char *s, int64_t *days_out)
{
    int64_t days;
    if (s == NULL || strlen(s) != 10 || !iso_day(s, &days))
        return false;
    *days_out = days;
    return true;
}

bool azk_date__parse_time(const char *s, int64_t *seconds_out)
{
    int64_t days;
    int hh, mm, ss;
    size_t n = s != NULL ? strlen(s) : 0;
    if ((n != 10 && n != 20) || !iso_day(s, &days))
        return false;
    if (n == 10) {
        *seconds_out = days * 86400;
        return true;
    }
    if (s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return false;
    hh = fixed_digits(s + 11, 2);
    mm = fixed_digits(s + 14, 2);
    ss = fixed_digits(s + 17, 2);
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
        return false;
    *seconds_out = days * 86400 + hh * 3600 + mm * 60 + ss;
    return true;
}
