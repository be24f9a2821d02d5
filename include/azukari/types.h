/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/types.h -- the personal-data type vocabulary of scan output
 * (../DESIGN.md contract: names never change meaning; new ones may be added
 * at the end) and the column kinds that CSV/xlsx header names map to.
 */
#ifndef AZUKARI_TYPES_H
#define AZUKARI_TYPES_H

#include "azukari/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    AZK_PII_PERSON_NAME = 0,
    AZK_PII_ADDRESS,
    AZK_PII_POSTAL_CODE,
    AZK_PII_PHONE,
    AZK_PII_EMAIL,
    AZK_PII_BIRTH_DATE,
    AZK_PII_MY_NUMBER,
    AZK_PII_CORPORATE_NUMBER,
    AZK_PII_BANK_ACCOUNT,
    AZK_PII_CREDIT_CARD,
    AZK_PII__COUNT
} azk_pii_type;

/** Output name of a type ("person_name", ...); NULL when out of range. */
AZK_EXTERN const char *azk_pii_type_name(azk_pii_type t);
/** Parse an output name; returns AZK_PII__COUNT when unknown. */
AZK_EXTERN azk_pii_type azk_pii_type_from_name(const char *name);

/**
 * Canonical name of a text encoding the decoders read ("cp932" for
 * "Shift_JIS", ...), for --encoding options; NULL when unknown.
 */
AZK_EXTERN const char *azk_encoding_name(const char *name);

/**
 * What a column holds, judged from its header name (氏名, フリガナ, 住所,
 * TEL, ...). Shared by the scanner (confidence) and intake (field mapping).
 */
typedef enum {
    AZK_COL_NONE = 0,         /**< no header, or free text */
    AZK_COL_OTHER,            /**< a header we know is not personal (品名, 金額, ...) */
    AZK_COL_CUSTOMER_ID,      /**< 顧客番号, 会員番号 */
    AZK_COL_NAME,             /**< 氏名, お名前, 宛名 (kanji or mixed) */
    AZK_COL_NAME_KANA,        /**< フリガナ, カナ, 氏名カナ */
    AZK_COL_FAMILY_NAME,      /**< 姓 */
    AZK_COL_GIVEN_NAME,       /**< 名 */
    AZK_COL_BIRTH_DATE,       /**< 生年月日 */
    AZK_COL_POSTAL_CODE,      /**< 郵便番号, 〒 */
    AZK_COL_ADDRESS,          /**< 住所, 住所1, 番地, 建物名 */
    AZK_COL_PHONE,            /**< 電話番号, TEL, 携帯 */
    AZK_COL_EMAIL,            /**< メール, E-mail */
    AZK_COL_BANK_ACCOUNT,     /**< 口座番号 */
    AZK_COL_MY_NUMBER,        /**< 個人番号, マイナンバー */
    AZK_COL_CORPORATE_NUMBER, /**< 法人番号 */
    AZK_COL_CREDIT_CARD,      /**< カード番号 */
    AZK_COL__COUNT
} azk_column_kind;

/** Stable English name of a column kind ("name_kana", ...). */
AZK_EXTERN const char *azk_column_kind_name(azk_column_kind k);

/**
 * Classify a header cell (UTF-8, any width/spacing) into a column kind.
 * @return AZK_COL_NONE when the text does not look like a known header.
 */
AZK_EXTERN azk_column_kind azk_column_classify(const char *header, size_t header_len);

#ifdef __cplusplus
}
#endif

#endif
