/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/validate.c -- check digits and number plans of the digit types
 * (detect_int.h). Every function takes folded ASCII digits.
 */
#include "detect/detect_int.h"

#include <string.h>

bool azk_detect__luhn(const char *d, size_t n)
{
    int sum = 0;
    size_t i;
    bool dbl = false;
    if (n == 0)
        return false;
    for (i = n; i-- > 0;) {
        int v = d[i] - '0';
        if (v < 0 || v > 9)
            return false;
        if (dbl) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
        dbl = !dbl;
    }
    return sum % 10 == 0;
}

static int prefix_num(const char *d, size_t k)
{
    int v = 0;
    size_t i;
    for (i = 0; i < k; i++)
        v = v * 10 + (d[i] - '0');
    return v;
}

bool azk_detect__card_valid(const char *d, size_t n)
{
    int p1, p2, p3, p4;
    bool ok = false;
    if (n < 13 || n > 19 || !azk_detect__luhn(d, n))
        return false;
    p1 = prefix_num(d, 1);
    p2 = prefix_num(d, 2);
    p3 = prefix_num(d, 3);
    p4 = prefix_num(d, 4);
    if (p1 == 4)
        ok = n == 13 || n == 16 || n == 19; /* Visa */
    else if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))
        ok = n == 16; /* Mastercard */
    else if (p2 == 34 || p2 == 37)
        ok = n == 15; /* American Express */
    else if (p4 >= 3528 && p4 <= 3589)
        ok = n >= 16; /* JCB */
    else if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39)
        ok = n >= 14; /* Diners Club */
    else if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649))
        ok = n >= 16; /* Discover */
    else if (p2 == 62)
        ok = n >= 16; /* UnionPay */
    return ok;
}

bool azk_detect__my_number_valid(const char *d, size_t n)
{
    int sum = 0, r, check;
    int k;
    if (n != 12)
        return false;
    /* P_k: k-th digit from the right of the 11-digit base; Q_k = k+1 for
     * k <= 6, k-5 for k >= 7; check = 11 - sum mod 11, 0 when that is <= 1 */
    for (k = 1; k <= 11; k++) {
        int p = d[11 - k] - '0';
        int q = k <= 6 ? k + 1 : k - 5;
        sum += p * q;
    }
    r = sum % 11;
    check = r <= 1 ? 0 : 11 - r;
    return d[11] - '0' == check;
}

bool azk_detect__corporate_valid(const char *d, size_t n)
{
    int sum = 0, k;
    if (n != 13)
        return false;
    /* P_k: k-th digit from the right of the 12-digit base d[1..12];
     * Q_k = 1 for odd k, 2 for even k; check = 9 - sum mod 9 */
    for (k = 1; k <= 12; k++) {
        int p = d[13 - k] - '0';
        sum += p * ((k % 2 == 1) ? 1 : 2);
    }
    return d[0] - '0' == 9 - sum % 9;
}

static bool groups_are(const uint8_t *g, size_t gc, int a, int b, int c)
{
    return gc == 3 && g[0] == a && g[1] == b && g[2] == c;
}

bool azk_detect__phone_valid(const char *d, size_t n, const uint8_t *g, size_t gc,
                             size_t *prefix_len)
{
    size_t a;
    if (n < 10 || n > 11 || d[0] != '0' || gc == 0 || gc > 3)
        return false;
    if (n == 11) {
        /* 0800 free dial first: its 080 prefix is no mobile block here */
        if (memcmp(d, "0800", 4) == 0) {
            if (gc != 1 && !groups_are(g, gc, 4, 3, 4))
                return false;
            *prefix_len = 4;
            return true;
        }
        /* mobile 070/080/090, IP 050, M2M / pager 020 */
        if ((d[1] == '7' || d[1] == '8' || d[1] == '9' || d[1] == '5' || d[1] == '2') &&
            d[2] == '0') {
            if (d[3] == '0' && d[1] != '5' && d[1] != '2')
                return false; /* 0X00: no such mobile block */
            if (gc != 1 && !groups_are(g, gc, 3, 4, 4))
                return false;
            *prefix_len = 3;
            return true;
        }
        return false;
    }
    /* ten digits */
    if (memcmp(d, "0120", 4) == 0 || memcmp(d, "0570", 4) == 0 || memcmp(d, "0990", 4) == 0) {
        if (gc != 1 && !groups_are(g, gc, 4, 3, 3) && !(d[1] == '1' && groups_are(g, gc, 4, 2, 4)))
            return false;
        *prefix_len = 4;
        return true;
    }
    if (memcmp(d, "060", 3) == 0) {
        /* 060: personal numbers (UPT), 3-3-4 */
        if (gc != 1 && !groups_are(g, gc, 3, 3, 4))
            return false;
        *prefix_len = 3;
        return true;
    }
    if (d[1] == '0' || d[2] == '0')
        return false; /* 00 international prefix, 0A0 non-geographic blocks */
    if (gc == 1) {
        /* unseparated: only the two-digit areas 03 and 06 are certain */
        if ((d[1] == '3' || d[1] == '6') && (d[2] == '0' || d[2] == '1'))
            return false;
        *prefix_len = (d[1] == '3' || d[1] == '6') ? 2 : 3;
        return true;
    }
    a = g[0];
    if (a < 2 || a > 5)
        return false;
    if (gc == 3 && (g[2] != 4 || g[0] + g[1] != 6))
        return false;
    if (gc == 2 && g[1] != 10 - a)
        return false;
    if ((d[1] == '3' || d[1] == '6') && a != 2)
        return false; /* Tokyo 03 and Osaka 06 have no longer area codes */
    if (a == 2 && d[1] != '3' && d[1] != '4' && d[1] != '6')
        return false;
    /* an exchange may start with 0 (0565-07-5291 is valid for libphonenumber):
     * separated, the grouping already says phone number */
    /*
     * Exchanges starting with 1 are not assigned (1XY are service numbers),
     * but written with separators they are plainly meant as phone numbers
     * (03-1234-5678 is the textbook example that made-up data copies).
     */
    *prefix_len = a;
    return true;
}
