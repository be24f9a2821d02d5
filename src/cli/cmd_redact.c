/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_redact.c -- `azukari redact`: a streaming filter (stdin or files
 * to stdout) replacing every personal value with a mask, a keyed
 * pseudonym or its type. Lines are processed as soon as they arrive, and
 * output is flushed whenever the input has no more bytes ready, so the
 * filter can sit in a pipe behind a production job's log.
 */
#include "cli.h"
#include "commands.h"
#include "opts.h"
#include "azukari/outfile.h"
#include "azukari/redact.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static void redact_usage(FILE *f)
{
    fprintf(f, "%s",
            _("Usage: azukari redact [OPTIONS] [FILE...]\n"
              "Copy text (FILEs or standard input) to standard output with every personal\n"
              "value replaced. Output is UTF-8, one line per input line.\n\n"
              "  -m, --mode MODE         mask (default): 090-****-5678;\n"
              "                          pseudonym: [phone:3fa9c01b7e], the same value always\n"
              "                          gives the same token (HMAC key in the azukari home);\n"
              "                          type: [phone]; partial: the masked form even where\n"
              "                          it still shows a surname (for display only)\n"
              "      --key FILE          pseudonym key file (32 bytes) instead of the home's\n"
              "      --encoding ENC      input encoding: cp932, euc-jp, utf-16le, ...\n"
              "                          (default: detected, UTF-8, CP932 or EUC-JP)\n"
              "      --types LIST        only these types (comma-separated)\n"
              "      --min-confidence X  replace findings with confidence >= X (default 0.5)\n"
              "      --allow-value V     never replace V (repeatable)\n"
              "  -o, --output FILE       write to FILE instead of standard output\n"
              "  -h, --help              show this help\n\n"
              "Lines longer than 1 MiB are redacted in pieces cut between characters, with\n"
              "an overlap so that no value is cut; the output line stays whole.\n"
              "Exit status: 0 on success, 2 on an input or output error, 64 on a usage error.\n"));
}

struct redact_out {
    FILE *f;
};

static int write_out(const char *data, size_t len, void *payload)
{
    struct redact_out *o = payload;
    return fwrite(data, 1, len, o->f) == len ? 0 : -1;
}

static bool load_key_file(const char *path, unsigned char key[32])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    if (fd < 0)
        return false;
    n = read(fd, key, 32);
    close(fd);
    return n == 32;
}

/* Process one input descriptor; returns 0 or 2. Line cutting is the library's. */
static int redact_fd(azk_redactor *r, int fd, const char *name, struct redact_out *out)
{
    char *buf = malloc(CHUNK);
    int ret = 0;
    if (buf == NULL) {
        azk_cli_err(_("out of memory"));
        return 2;
    }
    azk_redactor_begin(r); /* a new file: its encoding is detected again */
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            azk_cli_err(_("%s: read error"), name);
            ret = 2;
            break;
        }
        if (n == 0)
            break;
        if (azk_redactor_write(r, buf, (size_t)n, write_out, out) != AZK_OK) {
            azk_cli_liberr(name);
            ret = 2;
            goto done;
        }
        /* nothing more ready: let the reader downstream see what we have */
        if (fflush(out->f) != 0) {
            azk_cli_err(_("write error"));
            ret = 2;
            goto done;
        }
    }
done:
    /* always end the stream: the redactor is reused for the next file */
    if (azk_redactor_finish(r, write_out, out) != AZK_OK && ret == 0) {
        azk_cli_liberr(name);
        ret = 2;
    }
    explicit_bzero(buf, CHUNK);
    free(buf);
    return ret;
}

enum { OPT_KEY = 256, OPT_ENCODING, OPT_TYPES, OPT_MIN_CONF, OPT_ALLOW_VALUE };

int cmd_redact(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"mode", required_argument, NULL, 'm'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {"key", required_argument, NULL, OPT_KEY},
        {"encoding", required_argument, NULL, OPT_ENCODING},
        {"types", required_argument, NULL, OPT_TYPES},
        {"min-confidence", required_argument, NULL, OPT_MIN_CONF},
        {"allow-value", required_argument, NULL, OPT_ALLOW_VALUE},
        {NULL, 0, NULL, 0},
    };
    azk_redact_options ro = AZK_REDACT_OPTIONS_INIT;
    azk_redactor *r = NULL;
    struct redact_out out = {stdout};
    azk_outfile *of = NULL;
    struct azk_strlist allow = {0};
    const char *key_file = NULL, *output = NULL;
    unsigned char key[32];
    int ret = AZK_EXIT_USAGE, c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "m:o:h", longopts, NULL)) != -1) {
        switch (c) {
            case 'm':
                if (strcmp(optarg, "mask") == 0)
                    ro.mode = AZK_REDACT_MASK;
                else if (strcmp(optarg, "pseudonym") == 0)
                    ro.mode = AZK_REDACT_PSEUDONYM;
                else if (strcmp(optarg, "type") == 0)
                    ro.mode = AZK_REDACT_TYPE;
                else if (strcmp(optarg, "partial") == 0)
                    ro.mode = AZK_REDACT_PARTIAL;
                else {
                    azk_cli_err(_("unknown mode: %s"), optarg);
                    goto done;
                }
                break;
            case 'o':
                output = optarg;
                break;
            case 'h':
                redact_usage(stdout);
                ret = 0;
                goto done;
            case OPT_KEY:
                key_file = optarg;
                break;
            case OPT_ENCODING:
                if (azk_encoding_name(optarg) == NULL) {
                    azk_cli_err(_("unknown encoding: %s"), optarg);
                    goto done;
                }
                ro.encoding = optarg;
                break;
            case OPT_TYPES:
                if (!azk_opt_types(optarg, &ro.types)) {
                    azk_cli_err(_("unknown type in --types: %s"), optarg);
                    goto done;
                }
                break;
            case OPT_MIN_CONF:
                if (!azk_opt_double(optarg, 0.0, 1.0, &ro.min_confidence)) {
                    azk_cli_err(_("--min-confidence takes a number from 0 to 1"));
                    goto done;
                }
                break;
            case OPT_ALLOW_VALUE:
                if (!azk_strlist_add(&allow, optarg)) {
                    azk_cli_err(_("out of memory"));
                    goto done;
                }
                break;
            default:
                redact_usage(stderr);
                goto done;
        }
    }
    ret = 2;
    if (ro.mode == AZK_REDACT_PSEUDONYM) {
        if (key_file != NULL) {
            if (!load_key_file(key_file, key)) {
                azk_cli_err(_("cannot read a 32-byte key from %s"), key_file);
                goto done;
            }
        } else if (azk_redact_key_load(key, azk_cli_home(NULL), true) != AZK_OK) {
            azk_cli_liberr(_("pseudonym key"));
            goto done;
        }
        ro.key = key;
    }
    ro.allow_values = allow.items;
    ro.allow_value_count = allow.count;
    if (azk_redactor_new(&r, &ro) != AZK_OK) {
        azk_cli_liberr(_("redact"));
        goto done;
    }
    if (output != NULL) {
        /* a temporary beside FILE, renamed at the end: never through a planted symlink */
        if (azk_outfile_open(&of, output, 0600, AZK_OUTFILE_STDOUT) != AZK_OK) {
            azk_cli_liberr(output);
            goto done;
        }
        out.f = azk_outfile_stream(of);
    }
    ret = 0;
    if (optind >= argc) {
        ret = redact_fd(r, STDIN_FILENO, "stdin", &out);
    } else {
        for (int i = optind; i < argc; i++) {
            int fd, rr;
            if (strcmp(argv[i], "-") == 0) {
                rr = redact_fd(r, STDIN_FILENO, "stdin", &out);
            } else {
                fd = open(argv[i], O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                    azk_cli_err(_("cannot open %s: %s"), argv[i], strerror(errno));
                    ret = 2;
                    continue;
                }
                rr = redact_fd(r, fd, argv[i], &out);
                close(fd);
            }
            if (rr != 0)
                ret = rr;
        }
    }
    if (fflush(out.f) != 0) {
        azk_cli_err(_("write error"));
        ret = 2;
    } else if (of != NULL) {
        azk_status crc = azk_outfile_commit(of);
        of = NULL;
        if (crc != AZK_OK) {
            azk_cli_liberr(output);
            ret = 2;
        }
    }
done:
    explicit_bzero(key, sizeof(key));
    azk_redactor_free(r);
    azk_outfile_abort(of);
    azk_strlist_dispose(&allow);
    return ret;
}
