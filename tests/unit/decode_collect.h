/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/decode_collect.h -- what the decode unit tests that compare a
 * fast path with the plain one (decode_fast, decode_quiet) share: a decode
 * sink that writes every record (line, continuation mark, fields), the
 * format and the end status as text (struct collect), and decode_to(), one
 * whole decode of a buffer into it. Two decodes are equal when their texts
 * are. Include after <cmocka.h> and decode/decode_int.h.
 */
#ifndef AZK_TEST_DECODE_COLLECT_H
#define AZK_TEST_DECODE_COLLECT_H

struct collect {
    azk_buf text;
    size_t records;
};

static azk_status c_begin(void *p, const azk_object_info *info)
{
    (void)p;
    (void)info;
    return AZK_OK;
}

static void c_format(void *p, const char *format, const char *encoding)
{
    struct collect *c = p;
    assert_int_equal(
        azk_buf_printf(&c->text, "format %s %s\n", format, encoding != NULL ? encoding : "-"),
        AZK_OK);
}

static azk_status c_record(void *p, const azk_record *rec)
{
    struct collect *c = p;
    size_t i;
    c->records++;
    assert_int_equal(azk_buf_printf(&c->text, "%llu%s:", (unsigned long long)rec->line,
                                    rec->continued ? "+" : ""),
                     AZK_OK);
    for (i = 0; i < rec->field_count; i++) {
        assert_int_equal(azk_buf_putc(&c->text, '|'), AZK_OK);
        assert_int_equal(azk_buf_put(&c->text, rec->fields[i].ptr, rec->fields[i].len), AZK_OK);
    }
    assert_int_equal(azk_buf_putc(&c->text, '\n'), AZK_OK);
    return AZK_OK;
}

static void c_end(void *p, azk_status st, const azk_error *err)
{
    struct collect *c = p;
    assert_int_equal(azk_buf_printf(&c->text, "end %s %s\n", azk_status_name(st),
                                    st != AZK_OK && err != NULL ? err->message : ""),
                     AZK_OK);
}

static void decode_to(struct collect *c, const uint8_t *data, size_t len, const char *enc)
{
    azk_source src;
    struct azk_mem_source ms;
    azk_decode_sink sink = {c_begin, c_format, c_record, c_end, c};
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    azk_status rc;
    memset(c, 0, sizeof(*c));
    o.force_encoding = enc;
    azk_decode__source_mem(&src, &ms, data, len);
    rc = azk_decode__object(&src, &o, &sink);
    assert_int_equal(azk_buf_printf(&c->text, "rc %d", (int)rc), AZK_OK);
}

#endif
