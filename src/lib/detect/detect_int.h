/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_int.h -- validators and masked renderings shared by the
 * files of the detect module and its unit tests. Not a contract for other
 * modules (use detect.h). Digit strings are folded ASCII ('0'..'9').
 */
#ifndef AZK_DETECT_INT_H
#define AZK_DETECT_INT_H

#include "detect/detect.h"
#include "norm/datetime.h"

/* Luhn (ISO/IEC 7812-1 annex) over n digits. */
bool azk_detect__luhn(const char *d, size_t n);

/*
 * Payment card: Luhn, and an issuer identification number range with a
 * length that issuer uses (Visa 4: 13/16/19; Mastercard 51-55, 2221-2720:
 * 16; Amex 34/37: 15; JCB 3528-3589: 16-19; Diners 300-305/36/38/39:
 * 14-19; Discover 6011/644-649/65: 16-19; UnionPay 62: 16-19).
 */
bool azk_detect__card_valid(const char *d, size_t n);

/* 個人番号: 12 digits, check digit of the 個人番号 ordinance (総務省令第85号 第5条). */
bool azk_detect__my_number_valid(const char *d, size_t n);

/* 法人番号: 13 digits, leading check digit (法人番号の指定等に関する省令 第2条). */
bool azk_detect__corporate_valid(const char *d, size_t n);

/*
 * Japanese numbering plan (national form, leading 0). group_len holds the
 * digit counts of the groups as written (hyphen, space or parenthesis
 * separated), group_count 1 for an unseparated number.
 *   mobile 070/080/090 and IP 050: 11 digits, 3-4-4;
 *   free dial 0120: 10 digits, 4-3-3 or 4-2-4; 0800: 11 digits, 4-3-4;
 *   navi dial 0570 and 0990: 10 digits, 4-3-3;
 *   fixed lines 0[1-9]...: 10 digits = area code (0 + 1..4 digits) +
 *     local exchange (1..4 digits, first digit 2-9) + 4 subscriber digits;
 *     03 and 06 are two-digit area codes (03-XXXX-XXXX), and a two-digit
 *     area code is one of 03, 04, 06.
 * On success *prefix_len is the length of the leading group (area code or
 * service prefix) for masking.
 */
bool azk_detect__phone_valid(const char *d, size_t n, const uint8_t *group_len, size_t group_count,
                             size_t *prefix_len);

/* ---- masked renderings (always NUL-terminated, at most cap-1 bytes) ---- */

/* phone: "<prefix>-****-<last 4>", e.g. "090-****-5678". */
void azk_detect__mask_phone(char *out, size_t cap, const char *d, size_t n, size_t prefix_len);

/*
 * Digit types: postal "123-****", my_number / corporate "****-****-1234",
 * credit card "****-****-****-1234", bank account "****567" (last 3).
 */
void azk_detect__mask_digits(char *out, size_t cap, azk_pii_type t, const char *d, size_t n);

/* email: first character of the local part, "***@", the domain. */
void azk_detect__mask_email(char *out, size_t cap, const char *s, size_t len);

/* birth date: "19**-**-**" or "昭和**年**月**日". */
void azk_detect__mask_date(char *out, size_t cap, const azk_date *d);

/* address: the first keep bytes of s (prefecture + municipality) + "***". */
void azk_detect__mask_address(char *out, size_t cap, const char *s, size_t keep);

/* person name: the family part + " **"; "**" alone when it is unknown. */
void azk_detect__mask_name(char *out, size_t cap, const char *s, size_t len, size_t family_len);

#endif
