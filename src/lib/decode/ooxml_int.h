/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/ooxml_int.h -- what the OOXML decoder's files share (internal to
 * src/lib/decode/): the decoder state, its limits, and the helpers one file
 * calls in the other (ooxml.c: parts, XML handlers, entry point;
 * ooxml_sheet.c: shared strings, rows, date formats of a workbook).
 */
#ifndef AZK_DECODE_OOXML_INT_H
#define AZK_DECODE_OOXML_INT_H

#include "decode/decode_int.h"

#include <expat.h>

enum ox_kind { OX_UNKNOWN = 0, OX_XLSX, OX_DOCX, OX_PPTX };
enum part_kind {
    PART_SKIP = 0,
    PART_CTYPES,
    PART_WORKBOOK,
    PART_WB_RELS,
    PART_SST,
    PART_STYLES,
    PART_SHEET,
    PART_TEXT /* docx / pptx text part */
};

#define OX_MAX_SHEETS 4096
#define OX_NAME_MAX   256

struct ox_sheet {
    char *name;
    char *rid;
};

#define OX_MAX_XF     65536
#define OX_MAX_NUMFMT 1024
#define OX_DATE_LEN   24

struct ox_numfmt {
    uint32_t id;
    bool is_date;
};

struct ox_rel {
    char *id;
    char *target; /* normalised to a part path: "xl/worksheets/sheet1.xml" */
};

struct ooxml {
    struct azk_decode_ctx *ctx;
    enum ox_kind kind;
    bool formatted;
    bool ct_seen, ct_has_sst, ct_has_styles, wb_seen;
    /* styles: which cell formats are dates (Excel stores dates as serial numbers) */
    uint8_t *xf_date; /* per cellXfs index: 1 = date format */
    size_t xf_count;
    struct ox_numfmt *numfmts;
    size_t numfmt_count;
    bool styles_loaded, in_cellxfs, date1904;
    char *datebuf; /* AZK_DECODE_MAX_FIELDS x OX_DATE_LEN: converted cells of a row */
    /* shared strings */
    azk_buf sst;       /* strings, each NUL-terminated */
    uint32_t *sst_off; /* offsets into sst (sst is below 4 GiB: AZK_DECODE_SST_MAX) */
    size_t sst_count, sst_cap;
    bool sst_loaded;
    /* workbook */
    struct ox_sheet *sheets;
    size_t sheet_count;
    struct ox_rel *rels;
    size_t rel_count;
    /* rows held back / the row being built, serialised */
    azk_buf defer;
    azk_buf row;
    bool deferring;
    /* emission state per sheet */
    char *emit_part;
    char *emit_name;
    bool emit_header_known, emit_have_header;
    uint64_t emit_data_rows;
    char **hdr;
    size_t *hdr_len;
    size_t hdr_count;
    azk_field *fields;
    /* text parts */
    struct azk_lines lines;
    azk_buf scratch;
    /* parser state */
    XML_Parser xp;
    enum part_kind part;
    const char *part_name;
    azk_status err;
    int in_text; /* inside a text-bearing element (t, v) */
    int in_rph;  /* inside a phonetic run */
    int in_is;   /* inside an inline string */
    bool in_si;
    azk_buf cell; /* text of the current cell or shared string */
    uint32_t cell_col, next_col;
    bool cell_sst;
    bool cell_num;       /* numeric cell (no t, or t="n") */
    uint32_t cell_style; /* s attribute */
    bool cell_open;
    uint64_t row_r, next_row;
    bool in_row;
    uint32_t row_cells;
    bool row_has_sst;
    bool row_has_styled;
};

const char *azk_decode__ox_attr(const XML_Char **atts, const char *lname);
void azk_decode__ox_fail(struct ooxml *ox, azk_status rc);
void azk_decode__ox_sst_push(struct ooxml *ox);
void azk_decode__ox_row_begin(struct ooxml *ox, uint64_t r);
void azk_decode__ox_row_add_cell(struct ooxml *ox);
void azk_decode__ox_drop_header(struct ooxml *ox);
void azk_decode__ox_style_numfmt(struct ooxml *ox, const XML_Char **atts);
void azk_decode__ox_style_xf(struct ooxml *ox, const XML_Char **atts);
azk_status azk_decode__ox_replay(struct ooxml *ox);
void azk_decode__ox_row_end(struct ooxml *ox);
bool azk_decode__ox_col_of_ref(const char *ref, uint32_t *col);

#endif
