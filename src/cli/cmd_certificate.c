/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_certificate.c -- deletion certificates (削除証明書):
 * `certificate issue D` (the verifier, a second person), `show D [--html]`,
 * `pubkey`, and `verify FILE --pubkey PUBFILE [--ledger-key LEDGERPUB]`,
 * which runs offline without a home.
 */
#include "cli.h"
#include "commands.h"
#include "retention_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rbe");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        size_t r;
        if (n + 4096 + 1 > cap) {
            char *nb;
            cap = cap == 0 ? 65536 : cap * 2;
            if (cap > 16u * 1024u * 1024u) {
                free(buf);
                fclose(f);
                errno = EFBIG;
                return NULL;
            }
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int verify(const struct ret_opts *o)
{
    char *doc = NULL, *pub = NULL, *lk = NULL;
    size_t dlen = 0, plen = 0, llen = 0;
    azk_certificate_report rep;
    int ret = 1;
    if (o->npos != 2 || o->pubkey == NULL) {
        azk_cli_err(_("usage: azukari certificate verify FILE --pubkey PUBFILE [--ledger-key "
                      "LEDGERPUB]"));
        return AZK_EXIT_USAGE;
    }
    doc = slurp(o->pos[1], &dlen);
    pub = slurp(o->pubkey, &plen);
    if (o->ledger_key != NULL)
        lk = slurp(o->ledger_key, &llen);
    if (doc == NULL || pub == NULL || (o->ledger_key != NULL && lk == NULL)) {
        azk_cli_err(_("cannot read the certificate or a key file: %s"), strerror(errno));
        ret = 2;
        goto done;
    }
    if (azk_certificate_verify(doc, dlen, pub, lk, &rep) != AZK_OK) {
        azk_cli_err(_("%s: NOT VALID: %s"), o->pos[1], rep.problem);
        goto done;
    }
    printf(_("%s: valid (signature, ledger checkpoint%s, inclusion of the deletion entry, "
             "entry matches dataset and key)\n"),
           o->pos[1], rep.ledger_pinned ? "" : _(" with the embedded ledger key"));
    ret = 0;
done:
    free(doc);
    free(pub);
    free(lk);
    return ret;
}

int cmd_certificate(int argc, char **argv)
{
    struct ret_opts o;
    azk_home *h;
    char *out = NULL;
    int ret = 1;
    const char *sub;
    if (!ret_parse(argc, argv, 1, &o))
        return AZK_EXIT_USAGE;
    if (o.help || o.npos < 1) {
        fprintf(o.help ? stdout : stderr,
                _("Usage: azukari certificate issue DATASET --user NAME --totp CODE\n"
                  "       (the verifier: an enrolled person, not the run's operator)\n"
                  "       azukari certificate show DATASET [--html]\n"
                  "       azukari certificate pubkey\n"
                  "       azukari certificate verify FILE --pubkey PUBFILE [--ledger-key "
                  "LEDGERPUB]\n"
                  "Deletion certificates (削除証明書), signed with the deployment's Ed25519 key.\n"
                  "verify works offline: exit 0 valid, 1 not valid, 2 unreadable input.\n"));
        return o.help ? 0 : AZK_EXIT_USAGE;
    }
    sub = o.pos[0];
    if (strcmp(sub, "verify") == 0)
        return verify(&o);
    if (strcmp(sub, "issue") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "pubkey") != 0) {
        azk_cli_err(_("unknown certificate subcommand: %s"), sub);
        return AZK_EXIT_USAGE;
    }
    if (strcmp(sub, "pubkey") != 0 && o.npos != 2) {
        azk_cli_err(_("usage: azukari certificate %s DATASET"), sub);
        return AZK_EXIT_USAGE;
    }
    h = ret_open_home(&o);
    if (h == NULL)
        return 1;
    if (strcmp(sub, "pubkey") == 0) {
        if (azk_certificate_pubkey(h, &out) == AZK_OK) {
            printf("%s\n", out);
            ret = 0;
        } else {
            azk_cli_liberr(_("certificate key"));
        }
    } else if (strcmp(sub, "issue") == 0) {
        if (azk_certificate_issue(h, o.pos[1], &out) == AZK_OK) {
            if (!azk_cli_quiet)
                printf(_("%s: certificate issued (certificates/%s.json)\n"), o.pos[1], o.pos[1]);
            ret = 0;
        } else {
            azk_cli_liberr(o.pos[1]);
        }
    } else {
        if (azk_certificate_get(h, o.pos[1], &out) != AZK_OK) {
            azk_cli_liberr(o.pos[1]);
        } else if (o.html) {
            char *html = NULL;
            if (azk_certificate_html(out, strlen(out), &html) == AZK_OK) {
                fputs(html, stdout);
                ret = 0;
            } else {
                azk_cli_liberr(o.pos[1]);
            }
            azk_retention_free(html);
        } else {
            fputs(out, stdout);
            printf("\n");
            ret = 0;
        }
    }
    azk_retention_free(out);
    azk_home_close(h);
    return ret;
}
