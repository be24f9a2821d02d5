/* SPDX-License-Identifier: Apache-2.0 */
/*
 * norm/datetime.h -- calendar dates as Japanese documents write them:
 * Gregorian (1980年3月2日, 1980/03/02, 1980-03-02, 1980.3.2, 19800302) and
 * the modern eras 明治/大正/昭和/平成/令和 with their real boundaries and
 * the one-letter abbreviations M/T/S/H/R (昭和55年3月2日, S55.3.2,
 * S55/03/02, 平成元年1月8日). Digits may be full-width, separators any
 * hyphen look-alike. Shared by detect (birth dates) and later modules.
 * Pure functions, thread-safe.
 */
#ifndef AZK_NORM_DATETIME_H
#define AZK_NORM_DATETIME_H

#include "util/util.h"

typedef enum {
    AZK_ERA_NONE = 0,
    AZK_ERA_MEIJI,  /* 明治 M: 1868-01-01 .. 1912-07-29 */
    AZK_ERA_TAISHO, /* 大正 T: 1912-07-30 .. 1926-12-24 */
    AZK_ERA_SHOWA,  /* 昭和 S: 1926-12-25 .. 1989-01-07 */
    AZK_ERA_HEISEI, /* 平成 H: 1989-01-08 .. 2019-04-30 */
    AZK_ERA_REIWA,  /* 令和 R: 2019-05-01 .. */
    AZK_ERA__COUNT
} azk_era;

/* How a parsed date was written. */
typedef enum {
    AZK_DATE_KANJI = 1 << 0,    /* 年月日 */
    AZK_DATE_SEP = 1 << 1,      /* / - . separators */
    AZK_DATE_COMPACT = 1 << 2,  /* 19800302 */
    AZK_DATE_ERA_ABBR = 1 << 3, /* S55.3.2 */
    AZK_DATE_TIME = 1 << 4      /* followed by a time of day (12:34) */
} azk_date_flags;

typedef struct {
    int year, month, day; /* Gregorian */
    azk_era era;          /* AZK_ERA_NONE for a Gregorian form */
    int era_year;         /* 1 for 元年 */
    unsigned flags;       /* azk_date_flags */
} azk_date;

/* Gregorian leap year. */
bool azk_date__is_leap(int year);

/* The years of a date (a Gregorian date's year is read first: no date
 * starts with four digits outside them). */
#define AZK_DATE_YEAR_MIN 1868
#define AZK_DATE_YEAR_MAX 2099

/* True when y-m-d is a real Gregorian date with AZK_DATE_YEAR_MIN <= y <=
 * AZK_DATE_YEAR_MAX. */
bool azk_date__valid(int year, int month, int day);

/*
 * Convert an era date to its Gregorian year, checking that the day lies
 * inside the era (昭和64年1月7日 is valid, 昭和64年1月8日 is not: that day
 * is 平成元年1月8日). @return false when not a real date of that era.
 */
bool azk_date__from_era(azk_era era, int era_year, int month, int day, int *year_out);

/* 明治 ... 令和 (UTF-8), "" for AZK_ERA_NONE. */
const char *azk_date__era_name(azk_era era);

/*
 * Parse a date that starts exactly at s[0]. Accepted forms (any width,
 * optional spaces around 年月日):
 *   Gregorian: YYYY年M月D日, YYYY/M/D, YYYY-M-D, YYYY.M.D, YYYYMMDD (only
 *              with allow_compact)
 *   era:       <era>N年M月D日, <era>元年M月D日, <era>N.M.D, <era>N/M/D,
 *              <era>N-M-D, with era a kanji name or M/T/S/H/R (either case)
 * The date must be a real day of its calendar and era; a following time
 * of day "HH:MM" sets AZK_DATE_TIME (not consumed).
 * @return bytes consumed, 0 when no valid date starts at s.
 */
size_t azk_date__parse(const char *s, size_t len, bool allow_compact, azk_date *out);

/*
 * A screen for callers that try azk_date__parse at every position of a
 * text: false when no date can start at s[0] (len > 0). A date starts with
 * a digit, an era's letter (M T S H R, either case) or an era's kanji
 * (明 大 昭 平 令); digits and letters may be full-width (U+FF01..U+FF5E:
 * lead byte EF, left to the parser). Overlong and other invalid UTF-8 fold
 * to nothing (azk_utf8_decode). test_norm__date_screen checks the screen
 * against the parser.
 */
static inline bool azk_date__may_start(const char *s, size_t len)
{
    const uint8_t *u = (const uint8_t *)s;
    uint32_t k;
    if (u[0] < 0x80) {
        switch (u[0] | 0x20) { /* ASCII letters to lower case (digits unchanged) */
            case 'm':
            case 't':
            case 's':
            case 'h':
            case 'r':
                return true;
            default:
                return u[0] >= '0' && u[0] <= '9';
        }
    }
    if (u[0] == 0xEF)
        return true;
    if (len < 3 || u[0] < 0xE4 || u[0] > 0xE6)
        return false;
    k = (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2];
    /* 明 大 昭 平 令 */
    return k == 0xE6988Eu || k == 0xE5A4A7u || k == 0xE698ADu || k == 0xE5B9B3u || k == 0xE4BBA4u;
}

/*
 * The one parser of dates given to azukari as arguments and stored in the
 * catalog (deadlines, --now, --as-of, --known-date): ISO 8601 calendar date
 * "YYYY-MM-DD" exactly (four-digit year 1900..9999, two-digit month and
 * day), which must be a real day of the proleptic Gregorian calendar
 * (2026-02-30 and 2026-02-29 are refused, 2028-02-29 is a day). With a
 * time, "YYYY-MM-DDTHH:MM:SSZ": UTC only (the Z is required; no offsets,
 * no fractions, no leap second), 00..23:00..59:00..59.
 * @return false when s is not such a date; *out is then unchanged.
 */
bool azk_date__parse_day(const char *s, int64_t *days_out);     /* days since 1970-01-01 */
bool azk_date__parse_time(const char *s, int64_t *seconds_out); /* either form, Unix seconds */

/* Days since 1970-01-01 of a proleptic Gregorian y-m-d (any valid date). */
int64_t azk_date__days_from_civil(int64_t year, unsigned month, unsigned day);
/* "YYYY-MM-DD" of a day number (out has 11 bytes). */
void azk_date__format_day(int64_t days, char out[11]);

#endif
