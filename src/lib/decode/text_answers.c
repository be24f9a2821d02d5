/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/text_answers.c -- ICU's answers from which the CP932 and EUC-JP
 * tables (text_tables.c) are made: one conversion per single byte, per
 * two-byte sequence and (EUC-JP's lead byte 0x8F) per three-byte sequence,
 * with the converter and the counting U+FFFD callback text.c converts with.
 * The one definition of what a table is made from: linked into the library
 * and into tools/gen_text_tables.c, which writes the answers at build time
 * (the library takes those when the running ICU is the one they were made
 * with, else asks ICU here at run time, once per process and encoding).
 * No other code of the library is called (the generator links this alone).
 */
#include "decode/text_int.h"

#include <string.h>
#include <unicode/ucnv_cb.h>

/* toUnicode callback: every undecodable sequence becomes one U+FFFD, counted. */
static void U_CALLCONV to_u_fffd(const void *context, UConverterToUnicodeArgs *args,
                                 const char *units, int32_t length, UConverterCallbackReason reason,
                                 UErrorCode *err)
{
    static const UChar repl = 0xFFFD;
    (void)units;
    (void)length;
    if (reason > UCNV_IRREGULAR)
        return;
    if (context != NULL)
        (*(size_t *)(uintptr_t)context)++;
    *err = U_ZERO_ERROR;
    ucnv_cbToUWriteUChars(args, &repl, 1, 0, err);
}

UConverter *azk_decode__icu_open(const char *icu, size_t *errcount)
{
    UErrorCode uerr = U_ZERO_ERROR;
    UConverter *c = ucnv_open(icu, &uerr);
    if (U_FAILURE(uerr) || c == NULL)
        return NULL;
    ucnv_setToUCallBack(c, to_u_fffd, errcount, NULL, NULL, &uerr);
    if (U_FAILURE(uerr)) {
        ucnv_close(c);
        return NULL;
    }
    return c;
}

const char *azk_decode__legacy_icu_name(enum enc e)
{
    return e == ENC_CP932 ? AZK_ICU_CP932 : e == ENC_EUCJP ? AZK_ICU_EUCJP : NULL;
}

int azk_decode__legacy_lead3(enum enc e)
{
    return e == ENC_EUCJP ? 0x8F : -1;
}

/* One conversion of p[0..n) with flush: its answer (see text_int.h). */
static uint32_t answer_one(UConverter *cnv, size_t *errs, const uint8_t *p, size_t n)
{
    UChar u[8];
    UChar *t = u;
    const char *s = (const char *)p;
    UErrorCode uerr = U_ZERO_ERROR;
    ucnv_resetToUnicode(cnv);
    *errs = 0;
    ucnv_toUnicode(cnv, &t, u + 8, &s, (const char *)p + n, NULL, 1, &uerr);
    if (U_FAILURE(uerr) || *errs != 0 || s != (const char *)p + n)
        return 0;
    return t - u == 1 ? AZK_ANS_ONE | u[0] : AZK_ANS_OTHER;
}

bool azk_decode__legacy_answers(enum enc e, uint32_t *ans)
{
    size_t errs = 0;
    int lead3 = azk_decode__legacy_lead3(e);
    const char *name = azk_decode__legacy_icu_name(e);
    UConverter *cnv = name != NULL ? azk_decode__icu_open(name, &errs) : NULL;
    unsigned a, b;
    if (cnv == NULL)
        return false;
    memset(ans, 0, AZK_ANS_N * sizeof(*ans));
    for (a = 0; a < 256; a++) {
        uint8_t x = (uint8_t)a;
        ans[AZK_ANS_SINGLE + a] = answer_one(cnv, &errs, &x, 1);
    }
    /* a byte that is one clean character alone leads no pair (nor 0x8F, the triples') */
    for (a = 0x80; a < 256; a++) {
        if ((int)a == lead3)
            continue;
        if (azk_decode__legacy_clean(ans[AZK_ANS_SINGLE + a]))
            continue;
        for (b = 0; b < 256; b++) {
            uint8_t x[2] = {(uint8_t)a, (uint8_t)b};
            ans[AZK_ANS_PAIR + (a - 0x80) * 256 + b] = answer_one(cnv, &errs, x, 2);
        }
    }
    if (lead3 >= 0 && !azk_decode__legacy_clean(ans[AZK_ANS_SINGLE + lead3])) {
        for (a = 0x80; a < 256; a++) {
            for (b = 0x80; b < 256; b++) {
                uint8_t x[3] = {(uint8_t)lead3, (uint8_t)a, (uint8_t)b};
                ans[AZK_ANS_TRIPLE + (a - 0x80) * 128 + (b - 0x80)] = answer_one(cnv, &errs, x, 3);
            }
        }
    }
    ucnv_close(cnv);
    return true;
}
