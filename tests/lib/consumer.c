/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/lib/consumer.c -- a program of "another project" that links the
 * installed libazukari through pkg-config (tests/lib/install_test.sh builds
 * it once against the shared and once against the static library). It
 * scans a string holding a phone number and a My Number from a pipe and
 * checks both are found and reported masked, never in clear. Only the
 * public headers and `pkg-config --cflags --libs azukari` are used.
 */
#include <azukari/scan.h>
#include <azukari/types.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PHONE     "090-1234-5678"
#define MY_NUMBER "123456789018" /* synthetic; valid check digit */

struct seen {
    int phone, my_number, clear, objects;
};

static azk_status on_result(const azk_scan_result *r, void *payload)
{
    struct seen *s = payload;
    size_t i;
    s->objects++;
    for (i = 0; i < r->finding_count; i++) {
        const azk_scan_finding *f = &r->findings[i];
        printf("%s %s\n", azk_pii_type_name(f->type), f->masked);
        if (f->type == AZK_PII_PHONE)
            s->phone++;
        if (f->type == AZK_PII_MY_NUMBER)
            s->my_number++;
        if (strstr(f->masked, "1234-5678") != NULL || strstr(f->masked, MY_NUMBER) != NULL)
            s->clear++;
    }
    return AZK_OK;
}

int main(void)
{
    static const char text[] = "連絡先 電話番号: " PHONE "\nマイナンバー: " MY_NUMBER "\n";
    azk_scan_options opts = AZK_SCAN_OPTIONS_INIT;
    azk_scanner *sc = NULL;
    azk_scan_stats st;
    struct seen s = {0, 0, 0, 0};
    int fd[2];
    azk_status rc;

    printf("libazukari %s\n", azk_version());
    opts.threads = 1;
    if (azk_scanner_new(&sc, &opts) != AZK_OK) {
        fprintf(stderr, "azk_scanner_new: %s\n", azk_error_last()->message);
        return 1;
    }
    if (pipe(fd) != 0 || write(fd[1], text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1))
        return 1;
    close(fd[1]);
    rc = azk_scanner_scan_fd(sc, fd[0], "note.txt", on_result, &s, &st);
    close(fd[0]);
    azk_scanner_free(sc);
    if (rc != AZK_OK) {
        fprintf(stderr, "scan: %s\n", azk_status_name(rc));
        return 1;
    }
    if (s.objects != 1 || s.phone != 1 || s.my_number != 1 || s.clear != 0) {
        fprintf(stderr, "unexpected: objects %d phone %d my_number %d in clear %d\n", s.objects,
                s.phone, s.my_number, s.clear);
        return 1;
    }
    puts("ok");
    return 0;
}
