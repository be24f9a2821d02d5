/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/excel_date.c -- Excel serial dates (a number in a date format) as
 * text, one conversion for xlsx (ooxml_sheet.c) and xls (ole2_xls.c): the
 * 1900 system with its leap-year bug (serial 60 is the nonexistent
 * 1900-02-29: no date) or the 1904 system; the day through norm's day
 * arithmetic (norm/datetime.h).
 */
#include "decode/decode_int.h"
#include "norm/datetime.h"

#include <stdio.h>

size_t azk_decode__excel_date(double v, bool date1904, char *out, size_t cap)
{
    int64_t days;
    double frac;
    unsigned minutes;
    char day[11];
    int len;
    if (!(v >= 1.0 && v < 2958466.0))
        return 0; /* up to 9999-12-31 */
    days = (int64_t)v;
    frac = v - (double)days;
    if (date1904) {
        days += 1462;
    } else if (days < 60) {
        days += 1; /* before the phantom 1900-02-29 */
    } else if (days == 60) {
        return 0;
    }
    /* serial 25569 (1900 system, after the bug) is 1970-01-01 */
    azk_date__format_day(days - 25569, day);
    minutes = (unsigned)(frac * 1440.0 + 0.5);
    if (minutes == 0 || minutes >= 1440)
        len = snprintf(out, cap, "%s", day);
    else
        len = snprintf(out, cap, "%s %02u:%02u", day, minutes / 60, minutes % 60);
    return len > 0 && (size_t)len < cap ? (size_t)len : 0;
}
