/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_serve.c -- `azukari serve`: parse the options, open the home,
 * start the library's server (azukari/serve.h), print the one-time
 * enrolment link of the first administrator when the library makes one,
 * and wait for signals: SIGHUP reloads (azk_serve_reload), SIGTERM or
 * SIGINT stop (requests being handled finish). Every rule is in
 * src/lib/serve/.
 */
#include "cli.h"
#include "cli_home.h"
#include "commands.h"

#include "azukari/agent.h"
#include "azukari/serve.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, _("Usage: azukari serve [--bind ADDR] [--port N] [--cert FILE --key FILE]\n"
                   "                     [--host NAME] [--redirect-port N] [--idle-timeout S]\n"
                   "                     [--absolute-timeout S] [--connection-timeout S]\n"
                   "                     [--drain-timeout S] [--agent-port N]\n"));
    fprintf(out, _("Serve the web UI over HTTPS only (TLS 1.3; 1.2 with AEAD suites). People log\n"
                   "in with a password and a TOTP code; every request is authorised by role,\n"
                   "from any address. Without --cert/--key the server's own CA is made under\n"
                   "<home>/serve/ at first start (clients trust serve/ca.pem). While there is no\n"
                   "administrator, a one-time enrolment link is printed. SIGHUP reloads the\n"
                   "certificate and the \"serve\" section of azukari.conf without closing the\n"
                   "listener; SIGTERM stops it after the requests running finish.\n\n"));
    fprintf(out,
            _("      --bind ADDR    IPv4 or IPv6 address to listen on (default 127.0.0.1;\n"
              "                     e.g. ::1, [::])\n"
              "      --port N       TCP port (default 8443)\n"
              "      --cert FILE    PEM certificate chain (with --key)\n"
              "      --key FILE     PEM private key\n"
              "      --host NAME    host name for the enrolment link and the certificate\n"
              "      --redirect-port N  also listen on plain HTTP port N, only to redirect\n"
              "                     to HTTPS (308)\n"
              "      --idle-timeout S   session idle timeout in seconds (default 900)\n"
              "      --absolute-timeout S  session lifetime in seconds (default 28800)\n"
              "      --connection-timeout S  close a connection silent this long (default 30)\n"
              "      --drain-timeout S  at stop or reload, wait this long for requests\n"
              "                     running (default 30)\n"
              "      --agent-port N also serve the agent API (mutual TLS) on port N\n"
              "                     (docs/agent.md)\n"
              "  -h, --help         show this help\n"));
}

/*
 * Test builds (AZK_TESTING) read shorter timeouts and limits from the
 * environment (tests/e2e/test_serve.py); a release build ignores them and
 * uses the library's defaults (configuration of these is not built yet).
 */
/* A whole number 1..limit of an option; 0 when it is not one. */
static unsigned opt_uint(const char *v, unsigned long limit)
{
    char *end = NULL;
    unsigned long n;
    if (v == NULL || *v < '0' || *v > '9')
        return 0;
    n = strtoul(v, &end, 10);
    return end != NULL && *end == '\0' && n >= 1 && n <= limit ? (unsigned)n : 0;
}

static unsigned env_uint(const char *name)
{
#ifndef AZK_TESTING
    (void)name;
    return 0;
#else
    const char *v = getenv(name);
    char *end = NULL;
    unsigned long n;
    if (v == NULL || *v == '\0')
        return 0;
    n = strtoul(v, &end, 10);
    return end != NULL && *end == '\0' && n < 1000000 ? (unsigned)n : 0;
#endif
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"bind", required_argument, NULL, 'b'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"cert", required_argument, NULL, 'c'},
                                         {"key", required_argument, NULL, 'k'},
                                         {"host", required_argument, NULL, 'H'},
                                         {"redirect-port", required_argument, NULL, 'r'},
                                         {"idle-timeout", required_argument, NULL, 'I'},
                                         {"absolute-timeout", required_argument, NULL, 'A'},
                                         {"connection-timeout", required_argument, NULL, 'C'},
                                         {"drain-timeout", required_argument, NULL, 'D'},
                                         {"agent-port", required_argument, NULL, 'G'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    azk_serve_options o = AZK_SERVE_OPTIONS_INIT;
    azk_agent_server_options ao = AZK_AGENT_SERVER_OPTIONS_INIT;
    azk_agent_server *asrv = NULL;
    azk_home *ah = NULL;
    azk_server *srv = NULL;
    azk_home *h = NULL;
    char url[512];
    sigset_t set;
    int c, sig = 0;
    azk_status rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
            case 'b':
                o.bind = optarg;
                break;
            case 'p': {
                char *end = NULL;
                unsigned long p = strtoul(optarg, &end, 10);
                if (end == NULL || *end != '\0' || p == 0 || p > 65535)
                    return azk_cli_usage_err(_("serve: --port needs 1-65535"));
                o.port = (unsigned)p;
                break;
            }
            case 'c':
                o.cert_file = optarg;
                break;
            case 'k':
                o.key_file = optarg;
                break;
            case 'H':
                o.host_name = optarg;
                break;
            case 'r':
                o.redirect_port = opt_uint(optarg, 65535);
                if (o.redirect_port == 0)
                    return azk_cli_usage_err(_("serve: --redirect-port needs 1-65535"));
                break;
            case 'I':
            case 'A':
            case 'C':
            case 'D': {
                unsigned v = opt_uint(optarg, 1000000);
                if (v == 0)
                    return azk_cli_usage_err(_("serve: a timeout needs 1-1000000 seconds"));
                if (c == 'I')
                    o.idle_timeout_s = v;
                else if (c == 'A')
                    o.absolute_timeout_s = v;
                else if (c == 'C')
                    o.connection_timeout_s = v;
                else
                    o.drain_timeout_s = v;
                break;
            }
            case 'G': {
                char *end = NULL;
                unsigned long p = strtoul(optarg, &end, 10);
                if (end == NULL || *end != '\0' || p == 0 || p > 65535)
                    return azk_cli_usage_err(_("serve: --agent-port needs 1-65535"));
                ao.port = (unsigned)p;
                break;
            }
            case 'h':
                usage(stdout);
                return 0;
            default:
                usage(stderr);
                return AZK_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return azk_cli_usage_err(_("serve: unexpected argument: %s"), argv[optind]);
    if ((o.cert_file == NULL) != (o.key_file == NULL))
        return azk_cli_usage_err(_("serve: --cert and --key go together"));
    if (o.idle_timeout_s == 0)
        o.idle_timeout_s = env_uint("AZK_SERVE_IDLE_S");
    if (o.absolute_timeout_s == 0)
        o.absolute_timeout_s = env_uint("AZK_SERVE_ABSOLUTE_S");
    o.user_max_failures = env_uint("AZK_SERVE_USER_FAILS");
    o.source_max_failures = env_uint("AZK_SERVE_SOURCE_FAILS");
    /* the signals are taken by sigwait below, in this thread only */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    (void)pthread_sigmask(SIG_BLOCK, &set, NULL);
    h = azk_cli_open_home();
    if (h == NULL)
        return 1;
    rc = azk_serve_start(&srv, h, &o, url, sizeof(url));
    if (rc != AZK_OK) {
        azk_cli_liberr("serve");
        azk_home_close(h);
        return 1;
    }
    {
        const char *b = o.bind != NULL ? o.bind : "127.0.0.1";
        bool v6 = strchr(b, ':') != NULL && b[0] != '[';
        printf(_("azukari serve: listening on https://%s%s%s:%u/\n"), v6 ? "[" : "", b,
               v6 ? "]" : "", azk_serve_port(srv));
    }
    if (ao.port != 0) {
        /* the agent API: its own listener and its own home handle (azukari/agent.h) */
        ao.bind = o.bind;
        ao.cert_valid_s = env_uint("AZK_AGENT_CERT_VALID_S");
        ah = azk_cli_open_home();
        rc = ah != NULL ? azk_agent_server_start(&asrv, ah, &ao) : AZK_ERR_IO;
        if (rc != AZK_OK) {
            azk_cli_liberr("serve --agent-port");
            azk_serve_stop(srv);
            azk_home_close(ah);
            azk_home_close(h);
            return 1;
        }
        printf(_("azukari serve: agent API (mutual TLS) on https://%s:%u/\n"),
               o.bind != NULL ? o.bind : "127.0.0.1", azk_agent_server_port(asrv));
    }
    if (url[0] != '\0')
        printf(_("Enrol the first administrator (one-time link, expires in 1 hour):\n  %s\n"), url);
    fflush(stdout);
    for (;;) {
        if (sigwait(&set, &sig) != 0)
            break;
        if (sig == SIGTERM || sig == SIGINT)
            break;
        /* SIGHUP: new certificate and configuration, the listener stays open */
        if (azk_serve_reload(srv) == AZK_OK) {
            printf(_("azukari serve: reloaded\n"));
            fflush(stdout);
        } else {
            azk_cli_liberr("serve: reload");
        }
        /* the agents' listener: its certificate again (a refused one keeps the old) */
        if (asrv != NULL) {
            if (azk_agent_server_reload(asrv) == AZK_OK) {
                printf(_("azukari serve: agent API reloaded\n"));
                fflush(stdout);
            } else {
                azk_cli_liberr("serve --agent-port: reload");
            }
        }
    }
    azk_agent_server_stop(asrv);
    azk_home_close(ah);
    azk_serve_stop(srv);
    azk_home_close(h);
    printf(_("azukari serve: stopped\n"));
    return 0;
}
