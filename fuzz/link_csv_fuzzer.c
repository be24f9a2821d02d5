/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/link_csv_fuzzer.c -- libFuzzer harness for the linkage input path:
 * bytes as a person file (decode stage, header mapping, normalisation of
 * every value by kind), then the whole linkage run (blocking, comparison,
 * EM, clustering) and an explanation of the first and last record. The
 * input is read twice: as it is and with the first line used as a header
 * for all column kinds (so values of every kind reach the normaliser).
 */
#include "link/link_int.h"
#include "decode/decode.h"

#include <stdint.h>
#include <string.h>

static void run(const uint8_t *data, size_t size, const azk_link_file_options *fo)
{
    azk_link_options lo = AZK_LINK_OPTIONS_INIT;
    azk_link *lk = NULL;
    azk_source src;
    struct azk_mem_source ms;
    azk_link_explanation ex;
    lo.threads = 1;
    if (azk_link_new(&lk, &lo) != AZK_OK)
        return;
    azk_decode__source_mem(&src, &ms, data, size);
    if (azk_link__add_source(lk, &src, 0, fo, NULL) == AZK_OK && azk_link_run(lk) == AZK_OK) {
        size_t n = azk_link_record_count(lk);
        for (size_t i = 0; i < n; i++)
            (void)azk_link_person(lk, i);
        if (n > 0 && azk_link_explain(lk, 0, n - 1, &ex) != AZK_OK)
            n = 0; /* nothing to check: explaining may fail for unusable rows */
    }
    azk_link_free(lk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const azk_link_column_map map[] = {
        {"a", AZK_COL_NAME},        {"b", AZK_COL_NAME_KANA}, {"c", AZK_COL_BIRTH_DATE},
        {"d", AZK_COL_POSTAL_CODE}, {"e", AZK_COL_ADDRESS},   {"f", AZK_COL_PHONE},
        {"g", AZK_COL_EMAIL},       {"h", AZK_COL_MY_NUMBER}, {"i", AZK_COL_FAMILY_NAME},
        {"j", AZK_COL_GIVEN_NAME},
    };
    azk_link_file_options fo = AZK_LINK_FILE_OPTIONS_INIT;
    if (size > 1 << 20)
        return 0;
    run(data, size, NULL);
    fo.map = map;
    fo.map_count = sizeof(map) / sizeof(map[0]);
    run(data, size, &fo);
    return 0;
}
