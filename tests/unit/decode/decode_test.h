/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/decode/decode_test.h -- what the files of the decode unit
 * test share: the collecting sink and decode_mem() (test_decode.c), the
 * libarchive writer (test_decode_containers.c), and the tests of
 * test_decode_containers.c and test_decode_evasion.c that main() in
 * test_decode.c runs.
 */
#ifndef AZK_TEST_DECODE_TEST_H
#define AZK_TEST_DECODE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"
#include "decode/decode_int.h"

struct collect {
    azk_buf log;        /* one event per line */
    azk_buf text;       /* concatenated record text (fields joined by |, records by \n) */
    const char *format; /* last object_format of the top-level object */
    const char *encoding;
    int format_calls;
    int depth;
    size_t records;
    size_t continued;
    size_t max_field;
    bool keep_headers;
};

void collect_init(struct collect *c);
void collect_dispose(struct collect *c);
azk_status c_begin(void *p, const azk_object_info *info);
void c_format(void *p, const char *format, const char *encoding);
azk_status c_record(void *p, const azk_record *rec);
void c_end(void *p, azk_status st, const azk_error *err);
azk_status decode_mem(struct collect *c, const void *data, size_t len,
                      const azk_decode_options *opts);
const char *text_of(struct collect *c);
const char *log_of(struct collect *c);
/* UTF-8 -> bytes in an ICU encoding */
size_t to_enc(const char *icu, const char *utf8, char *out, size_t cap);
extern const char jp_text[];

/* An archive member (test_decode_containers.c). */
struct member {
    const char *name;
    const void *data;
    size_t len;
};
size_t write_archive(const char *format, const char *filter, const char *options,
                     const char *passphrase, const struct member *m, size_t count, uint8_t *out,
                     size_t cap);

/* test_decode_containers.c */
void test_decode__zip_members(void **state);
void test_decode__tar_and_gzip(void **state);
void test_decode__zip_bomb(void **state);
void test_decode__depth_limit(void **state);
void test_decode__encrypted_member(void **state);
void test_decode__truncated_zip(void **state);
void test_decode__entry_limit(void **state);
void test_decode__xlsx(void **state);
void test_decode__docx_pptx(void **state);
void test_decode__ooxml_nested_and_streaming(void **state);
void test_decode__gzip_cp932(void **state);
void test_decode__xlsx_duplicate_header_cell(void **state);
void test_decode__xlsx_sheet_in_blocks(void **state);
void test_decode__oom(void **state);
void test_decode__xlsx_dates(void **state);
void test_decode__fd_source(void **state);

/* test_decode_evasion.c */
void test_decode__evasion_junk_prefix(void **state);
void test_decode__evasion_magic_then_text(void **state);
void test_decode__literal_reads_as_written(void **state);
void test_decode__evasion_carve(void **state);
void test_decode__evasion_utf16_utf32(void **state);
void test_decode__evasion_steered_cp932(void **state);
void test_decode__reveal_escapes(void **state);
void test_decode__reveal_base64(void **state);
void test_decode__reveal_scratch_spare(void **state);
void test_decode__reveal_quoted_printable(void **state);
void test_decode__reveal_normalise(void **state);
void test_decode__reveal_more(void **state);
void test_decode__reveal_hex_dumps(void **state);
void test_decode__excel_date(void **state);

#endif
