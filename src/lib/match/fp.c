/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/fp.c -- field kinds, their bucket sizes, normalisation and the
 * keyed hash of fingerprints. The bucket bits are the heart of the threat
 * model (docs/threat-model-fingerprints.md): each is chosen so that a
 * bucket holds many plausible values of its kind (a dictionary attack with
 * the key finds a crowd, not the value), while two buckets of one row
 * together are rare enough to tell records apart.
 */
#include "match/fp.h"
#include "norm/norm.h"

#include <sodium.h>
#include <string.h>

const uint8_t azk_fp__slot_kind[AZK_FPS__COUNT] = {
    AZK_FP_NAME,   AZK_FP_NAME,    AZK_FP_BIRTH,    AZK_FP_PHONE,   AZK_FP_PHONE,    AZK_FP_EMAIL,
    AZK_FP_POSTAL, AZK_FP_ADDRESS, AZK_FP_CUSTOMER, AZK_FP_ACCOUNT, AZK_FP_MYNUMBER,
};

/*
 * bits: value space D (order of magnitude of what an attacker can
 * enumerate) → values per bucket D / 2^bits (docs/threat-model...):
 *   name      ~1e8 full names (1e4 surnames x 1e4 given)   20 → ~95
 *   birth     ~3.7e4 days (100 years)                      11 → ~18
 *   phone     ~3e8 mobiles (070/080/090) + fixed lines     20 → ~290
 *   email     open set; ~1e9 from leaked lists             20 → ~950
 *   postal    ~1.2e5 codes                                 10 → ~117
 *   address   ~5e7 block-level addresses                   18 → ~190
 *   customer  ~1e7 per client numbering                    16 → ~150
 *   account   ~1e7 per branch (7 digits)                   16 → ~150
 *   mynumber  1e11 / 11 (check digit)                      24 → ~540
 */
const uint8_t azk_fp__bits[AZK_FP__COUNT] = {20, 11, 20, 20, 10, 18, 16, 16, 24};

static const char *const kind_names[AZK_FP__COUNT] = {"name",        "birth_date",   "phone",
                                                      "email",       "postal_code",  "address",
                                                      "customer_id", "bank_account", "my_number"};

const char *azk_fp__kind_name(unsigned kind)
{
    return kind < AZK_FP__COUNT ? kind_names[kind] : "?";
}

bool azk_fp__is_veto(unsigned kind)
{
    /* not birth dates: free text is full of other dates (time stamps, order dates) */
    return kind == AZK_FP_PHONE || kind == AZK_FP_EMAIL;
}

bool azk_fp__normalize(azk_buf *out, unsigned kind, const char *s, size_t n)
{
    azk_status rc;
    switch (kind) {
        case AZK_FP_NAME:
            rc = azk_norm_name(out, s, n);
            /* a one-character "name" is no name */
            if (rc == AZK_OK && out->len < 4)
                rc = AZK_ERR_FORMAT;
            break;
        case AZK_FP_BIRTH:
            rc = azk_norm_date(out, s, n);
            break;
        case AZK_FP_PHONE:
            rc = azk_norm_phone(out, s, n);
            break;
        case AZK_FP_EMAIL:
            rc = azk_norm_email(out, s, n);
            break;
        case AZK_FP_POSTAL:
            rc = azk_norm_postal(out, s, n);
            break;
        case AZK_FP_ADDRESS:
            rc = azk_norm_address_key(out, s, n);
            /* an address needs its block numbers to identify a household */
            if (rc == AZK_OK && (out->len < 6 || memchr(out->data, '-', out->len) == NULL))
                rc = AZK_ERR_FORMAT;
            break;
        default:
            rc = azk_norm_id(out, s, n);
            if (rc == AZK_OK && out->len < 4)
                rc = AZK_ERR_FORMAT;
            break;
    }
    if (rc != AZK_OK) {
        azk_error_clear();
        return false;
    }
    return out->len > 0;
}

uint32_t azk_fp__hash(const uint8_t key[AZK_FP_KEY_LEN], unsigned kind, const uint8_t *v, size_t n)
{
    crypto_generichash_state st;
    uint8_t out[16];
    uint8_t pre[8] = {'a', 'z', 'k', 'f', 'p', '1', (uint8_t)kind, 0};
    uint32_t h;
    crypto_generichash_init(&st, key, AZK_FP_KEY_LEN, sizeof(out));
    crypto_generichash_update(&st, pre, sizeof(pre));
    crypto_generichash_update(&st, v, n);
    crypto_generichash_final(&st, out, sizeof(out));
    h = ((uint32_t)out[0] << 24) | ((uint32_t)out[1] << 16) | ((uint32_t)out[2] << 8) | out[3];
    return h != 0 ? h : 1;
}

void azk_fp__hasher_init(struct azk_fp_hasher *hs, const uint8_t key[AZK_FP_KEY_LEN])
{
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        uint8_t pre[8] = {'a', 'z', 'k', 'f', 'p', '1', (uint8_t)k, 0};
        crypto_generichash_init(&hs->st[k], key, AZK_FP_KEY_LEN, 16);
        crypto_generichash_update(&hs->st[k], pre, sizeof(pre));
    }
}

uint32_t azk_fp__hasher_hash(const struct azk_fp_hasher *hs, unsigned kind, const uint8_t *v,
                             size_t n)
{
    crypto_generichash_state st;
    uint8_t out[16];
    uint32_t h;
    memcpy(&st, &hs->st[kind], sizeof(st));
    crypto_generichash_update(&st, v, n);
    crypto_generichash_final(&st, out, sizeof(out));
    h = ((uint32_t)out[0] << 24) | ((uint32_t)out[1] << 16) | ((uint32_t)out[2] << 8) | out[3];
    return h != 0 ? h : 1;
}

int azk_fp__slot_of(azk_column_kind k, bool has_name_col, bool *phone2)
{
    switch (k) {
        case AZK_COL_NAME:
            return AZK_FPS_NAME;
        case AZK_COL_FAMILY_NAME:
        case AZK_COL_GIVEN_NAME:
            return has_name_col ? -1 : AZK_FPS_NAME;
        case AZK_COL_NAME_KANA:
            return AZK_FPS_KANA;
        case AZK_COL_BIRTH_DATE:
            return AZK_FPS_BIRTH;
        case AZK_COL_PHONE:
            if (phone2 == NULL)
                return AZK_FPS_PHONE1;
            if (*phone2)
                return AZK_FPS_PHONE2;
            *phone2 = true;
            return AZK_FPS_PHONE1;
        case AZK_COL_EMAIL:
            return AZK_FPS_EMAIL;
        case AZK_COL_POSTAL_CODE:
            return AZK_FPS_POSTAL;
        case AZK_COL_ADDRESS:
            return AZK_FPS_ADDRESS;
        case AZK_COL_CUSTOMER_ID:
            return AZK_FPS_CUSTOMER;
        case AZK_COL_BANK_ACCOUNT:
            return AZK_FPS_ACCOUNT;
        case AZK_COL_MY_NUMBER:
            return AZK_FPS_MYNUMBER;
        default:
            return -1;
    }
}
