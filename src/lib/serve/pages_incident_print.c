/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/pages_incident_print.c -- how an incident's page (serve/pages_incidents.c)
 * looks on screen and on A4 paper: its style sheet (/static/incident.css:
 * the drafts set apart, forms hidden in print, a page break before each
 * draft) and the report drafts' Markdown (report.c writes headings, block
 * quotes, list items, tables and paragraphs, nothing else) rendered as
 * HTML, every text escaped.
 */
#include "serve/serve_int.h"

#include <string.h>

static const char incident_css[] =
    "section.draft{background:#fff;border:1px solid #ccc;padding:1em 1.5em;margin:1em 0;"
    "line-height:1.6}\n"
    "section.draft h2{font-size:1.3em;border-bottom:2px solid #23395d}\n"
    "section.draft h3{font-size:1.1em;margin-top:1.2em}\n"
    "section.draft blockquote{border-left:4px solid #ccc;margin:.5em 0;padding:.2em .8em;"
    "color:#444}\n"
    "section.draft table{font-size:.9em}\n"
    "section.draft li.sub{margin-left:1.5em;list-style:circle}\n"
    ".state-open{color:#b00020;font-weight:bold}\n"
    ".probable{background:#fff8e1;padding:.4em}\n"
    "textarea{width:100%;min-height:4em}\n"
    "@page{size:A4;margin:15mm}\n"
    "@media print{header,form,.noprint{display:none}body{background:#fff}"
    "main{max-width:none;margin:0;padding:0}"
    "section.draft{border:0;padding:0;break-before:page}"
    "tr,li{break-inside:avoid}thead{display:table-header-group}"
    "table{font-size:9pt}td{word-break:break-all}}\n";

azk_status azk_serve__h_incident_css(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs)
{
    (void)srv;
    (void)rq;
    rs->content_type = "text/css; charset=utf-8";
    return azk_buf_puts(&rs->body, incident_css);
}

/* A text with **bold** marks: shown escaped without the marks. */
static azk_status inline_md(azk_buf *b, const char *s, size_t n)
{
    azk_buf t = AZK_BUF_INIT;
    azk_status rc = azk_buf_put(&t, s, n);
    if (rc == AZK_OK)
        rc = azk_buf_putc(&t, '\0');
    if (rc == AZK_OK)
        rc = azk_serve__html(b, (const char *)t.data);
    azk_buf_dispose(&t);
    return rc;
}

/* A table row "| a | b |" as cells (th when head). */
static azk_status md_row(azk_buf *b, const char *s, size_t n, bool head)
{
    size_t i = 0;
    azk_status rc = azk_buf_puts(b, "<tr>");
    if (n > 0 && s[0] == '|')
        i = 1;
    while (rc == AZK_OK && i < n) {
        size_t j = i;
        while (j < n && s[j] != '|')
            j++;
        if (j == n && j - i == 0)
            break;
        {
            size_t a = i, z = j;
            while (a < z && s[a] == ' ')
                a++;
            while (z > a && s[z - 1] == ' ')
                z--;
            rc = azk_buf_puts(b, head ? "<th>" : "<td>");
            if (rc == AZK_OK)
                rc = inline_md(b, s + a, z - a);
            if (rc == AZK_OK)
                rc = azk_buf_puts(b, head ? "</th>" : "</td>");
        }
        i = j + 1;
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tr>");
    return rc;
}

/*
 * The drafts' Markdown as HTML: headings, block quotes, list items, tables
 * and paragraphs, the only forms report.c writes. Every text is escaped.
 */
azk_status azk_serve__incident_md_html(azk_buf *b, const char *md)
{
    const char *p = md;
    bool in_table = false, in_list = false, table_head = false;
    azk_status rc = AZK_OK;
    while (rc == AZK_OK && *p != '\0') {
        const char *e = strchr(p, '\n');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        bool row = n > 0 && p[0] == '|';
        bool item = n > 1 && (p[0] == '-' || (p[0] == ' ' && p[1] == ' ' && n > 3 && p[2] == '-'));
        if (in_table && !row) {
            rc = azk_buf_puts(b, "</tbody></table>");
            in_table = false;
        }
        if (rc == AZK_OK && in_list && !item) {
            rc = azk_buf_puts(b, "</ul>");
            in_list = false;
        }
        if (rc != AZK_OK)
            break;
        if (row) {
            if (!in_table) {
                rc = azk_buf_puts(b, "<table><thead>");
                in_table = true;
                table_head = true;
                if (rc == AZK_OK)
                    rc = md_row(b, p, n, true);
                if (rc == AZK_OK)
                    rc = azk_buf_puts(b, "</thead><tbody>");
            } else if (table_head) {
                table_head = false; /* the |---| line */
            } else {
                rc = md_row(b, p, n, false);
            }
        } else if (item) {
            size_t skip = p[0] == '-' ? 2 : 4;
            if (!in_list)
                rc = azk_buf_puts(b, "<ul>");
            in_list = true;
            if (rc == AZK_OK)
                rc = azk_buf_puts(b, skip == 4 ? "<li class=\"sub\">" : "<li>");
            if (rc == AZK_OK && n > skip)
                rc = inline_md(b, p + skip, n - skip);
            if (rc == AZK_OK)
                rc = azk_buf_puts(b, "</li>");
        } else if (n > 3 && strncmp(p, "## ", 3) == 0) {
            rc = azk_buf_puts(b, "<h3>");
            if (rc == AZK_OK)
                rc = inline_md(b, p + 3, n - 3);
            if (rc == AZK_OK)
                rc = azk_buf_puts(b, "</h3>");
        } else if (n > 2 && strncmp(p, "# ", 2) == 0) {
            rc = azk_buf_puts(b, "<h2>");
            if (rc == AZK_OK)
                rc = inline_md(b, p + 2, n - 2);
            if (rc == AZK_OK)
                rc = azk_buf_puts(b, "</h2>");
        } else if (n > 2 && strncmp(p, "> ", 2) == 0) {
            rc = azk_buf_puts(b, "<blockquote>");
            if (rc == AZK_OK)
                rc = inline_md(b, p + 2, n - 2);
            if (rc == AZK_OK)
                rc = azk_buf_puts(b, "</blockquote>");
        } else if (n > 0) {
            rc = azk_buf_puts(b, "<p>");
            if (rc == AZK_OK)
                rc = inline_md(b, p, n);
            if (rc == AZK_OK)
                rc = azk_buf_puts(b, "</p>");
        }
        p += n;
        if (*p == '\n')
            p++;
    }
    if (rc == AZK_OK && in_table)
        rc = azk_buf_puts(b, "</tbody></table>");
    if (rc == AZK_OK && in_list)
        rc = azk_buf_puts(b, "</ul>");
    return rc;
}
