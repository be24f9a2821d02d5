/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_agent.c -- `azukari agent ...`: on the server's home, enrolment
 * tokens, revocation, sweep policies and the list of agents; on an
 * agent's own home (made with `azukari init`), enrolment and the sweep
 * loop. A thin front end over azukari/agent.h: every rule (certificates,
 * signatures, spool, what is sent) is in the library.
 */
#include "cli.h"
#include "cli_home.h"
#include "commands.h"

#include "azukari/agent.h"

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out, _("Usage: azukari agent token create --group G [--zone general|closed] "
                   "[--valid SECONDS]\n"
                   "       azukari agent revoke AGENT-ID [--reason TEXT]\n"
                   "       azukari agent policy set --group G FILE\n"
                   "       azukari agent list\n"
                   "       azukari agent witness keys | request | approve ...  (see --help)\n"
                   "       azukari agent enroll --server URL --token T [--ca FILE] [--host NAME]\n"
                   "       azukari agent run [--once] [--interval SECONDS] [--no-sweep]\n"
                   "                         [--spool-max N] [--retry-ms MS]\n"));
    fprintf(
        out,
        _("On the server's home: one-time enrolment tokens, revocation (effective at the\n"
          "agent's next call), the sweep policy of a host group (JSON, docs/agent.md),\n"
          "the agents. On an agent's own home (azukari init): enrol with a token (the\n"
          "server issues a short-lived client certificate; its CA is pinned), then run:\n"
          "renew, fetch the signed policy, sweep, upload the results (never a clear\n"
          "value) in batches that wait in an encrypted spool while the server is\n"
          "unreachable. The server listens for agents with `azukari serve --agent-port N`.\n\n"));
    fprintf(out, _("      --group G        host group (an id)\n"
                   "      --zone Z         general (default) or closed\n"
                   "      --valid S        token lifetime in seconds (default 86400)\n"
                   "      --reason TEXT    why the agent is revoked (ledger)\n"
                   "      --server URL     https://host:port of the server's agent API\n"
                   "      --token T        the one-time enrolment token\n"
                   "      --ca FILE        the server's CA certificate (serve/ca.pem)\n"
                   "      --host NAME      this host's name on the server (default: hostname)\n"
                   "      --once           one cycle, then exit\n"
                   "      --interval S     seconds between cycles (default 3600)\n"
                   "      --no-sweep       renew and send the spool only\n"
                   "      --spool-max N    batches kept while the server is unreachable (1000)\n"
                   "      --retry-ms MS    first retry back-off, doubled with jitter (1000)\n"
                   "  -h, --help           show this help\n"));
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static azk_status print_agent(const char *id, const char *host, const char *group, const char *zone,
                              const char *state, int64_t objects, int64_t with_entrusted,
                              void *payload)
{
    (void)payload;
    printf("%-22s %-8s %-8s %-16s %10" PRId64 " %8" PRId64 "  %s\n", id, state, zone, group,
           objects, with_entrusted, host);
    return AZK_OK;
}

static int read_all(const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 4096, len = 0, n;
    char *b;
    if (f == NULL)
        return -1;
    b = malloc(cap);
    while (b != NULL && (n = fread(b + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *t = cap < (1u << 20) ? realloc(b, cap * 2) : NULL;
            if (t == NULL) {
                free(b);
                b = NULL;
                break;
            }
            b = t;
            cap *= 2;
        }
    }
    fclose(f);
    if (b == NULL)
        return -1;
    b[len] = '\0';
    *out = b;
    return 0;
}

int cmd_agent(int argc, char **argv)
{
    static const struct option opts[] = {{"group", required_argument, NULL, 'g'},
                                         {"zone", required_argument, NULL, 'z'},
                                         {"valid", required_argument, NULL, 'v'},
                                         {"reason", required_argument, NULL, 'r'},
                                         {"server", required_argument, NULL, 's'},
                                         {"token", required_argument, NULL, 't'},
                                         {"ca", required_argument, NULL, 'c'},
                                         {"host", required_argument, NULL, 'H'},
                                         {"once", no_argument, NULL, 'o'},
                                         {"interval", required_argument, NULL, 'i'},
                                         {"no-sweep", no_argument, NULL, 'n'},
                                         {"spool-max", required_argument, NULL, 'S'},
                                         {"retry-ms", required_argument, NULL, 'R'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *group = NULL, *zone = "general", *reason = NULL, *server = NULL, *token = NULL,
               *ca = NULL, *host = NULL;
    unsigned long valid = 0, interval = 3600, spool_max = 0, retry_ms = 0;
    bool once = false, no_sweep = false;
    const char *sub, *sub2 = NULL;
    azk_home *h = NULL;
    azk_status rc = AZK_OK;
    int c, ret = 1, first;
    if (argc < 2) {
        usage(stderr);
        return AZK_EXIT_USAGE;
    }
    sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(sub, "witness") == 0)
        return cmd_agent_witness(argc - 1, argv + 1); /* cmd_agent_witness.c */
    first = 1;
    if ((strcmp(sub, "token") == 0 || strcmp(sub, "policy") == 0) && argc >= 3) {
        sub2 = argv[2];
        first = 2;
    }
    optind = 1;
    while ((c = getopt_long(argc - first, argv + first, "h", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
            case 'g':
                group = optarg;
                break;
            case 'z':
                zone = optarg;
                break;
            case 'v':
                valid = strtoul(optarg, &end, 10);
                if (end == NULL || *end != '\0' || valid == 0 || valid > 30ul * 86400)
                    return azk_cli_usage_err(_("agent: --valid needs 1-2592000 seconds"));
                break;
            case 'r':
                reason = optarg;
                break;
            case 's':
                server = optarg;
                break;
            case 't':
                token = optarg;
                break;
            case 'c':
                ca = optarg;
                break;
            case 'H':
                host = optarg;
                break;
            case 'o':
                once = true;
                break;
            case 'i':
                interval = strtoul(optarg, &end, 10);
                if (end == NULL || *end != '\0' || interval == 0 || interval > 7ul * 86400)
                    return azk_cli_usage_err(_("agent: --interval needs 1-604800 seconds"));
                break;
            case 'n':
                no_sweep = true;
                break;
            case 'S':
                spool_max = strtoul(optarg, &end, 10);
                if (end == NULL || *end != '\0' || spool_max == 0 || spool_max > 1000000)
                    return azk_cli_usage_err(_("agent: --spool-max needs 1-1000000"));
                break;
            case 'R':
                retry_ms = strtoul(optarg, &end, 10);
                if (end == NULL || *end != '\0' || retry_ms == 0 || retry_ms > 600000)
                    return azk_cli_usage_err(_("agent: --retry-ms needs 1-600000"));
                break;
            case 'h':
                usage(stdout);
                return 0;
            default:
                usage(stderr);
                return AZK_EXIT_USAGE;
        }
    }
    optind += first;
    /* usage errors before the home is opened (nothing is done, no home is made) */
    if (strcmp(sub, "token") == 0 && (sub2 == NULL || strcmp(sub2, "create") != 0))
        return azk_cli_usage_err(_("agent: unknown subcommand: token %s"),
                                 sub2 != NULL ? sub2 : "");
    if (strcmp(sub, "policy") == 0 && (sub2 == NULL || strcmp(sub2, "set") != 0))
        return azk_cli_usage_err(_("agent: unknown subcommand: policy %s"),
                                 sub2 != NULL ? sub2 : "");
    if (strcmp(sub, "token") != 0 && strcmp(sub, "policy") != 0 && strcmp(sub, "revoke") != 0 &&
        strcmp(sub, "list") != 0 && strcmp(sub, "enroll") != 0 && strcmp(sub, "run") != 0)
        return azk_cli_usage_err(_("agent: unknown subcommand: %s"), sub);
    if (strcmp(sub, "token") == 0 && group == NULL)
        return azk_cli_usage_err(_("agent token create: --group is required"));
    if (strcmp(sub, "enroll") == 0 && (server == NULL || token == NULL))
        return azk_cli_usage_err(_("agent enroll: --server and --token are required"));
    if ((strcmp(sub, "revoke") == 0 || strcmp(sub, "policy") == 0) && optind >= argc)
        return azk_cli_usage_err(_("agent %s: an argument is missing"), sub);
    if (strcmp(sub, "policy") == 0 && group == NULL)
        return azk_cli_usage_err(_("agent policy set: --group is required"));
    if (optind + ((strcmp(sub, "revoke") == 0 || strcmp(sub, "policy") == 0) ? 1 : 0) < argc)
        return azk_cli_usage_err(_("agent: unexpected argument: %s"), argv[argc - 1]);
    h = azk_cli_open_home();
    if (h == NULL)
        return 1;
    if (strcmp(sub, "token") == 0 && sub2 != NULL && strcmp(sub2, "create") == 0) {
        char tok[80];
        if (group == NULL) {
            azk_home_close(h);
            return azk_cli_usage_err(_("agent token create: --group is required"));
        }
        rc = azk_agent_token_create(h, group, zone, (unsigned)valid, tok, sizeof(tok));
        if (rc == AZK_OK) {
            printf("%s\n", tok);
            ret = 0;
        }
    } else if (strcmp(sub, "revoke") == 0 && optind < argc) {
        rc = azk_agent_revoke(h, argv[optind], reason);
        if (rc == AZK_OK) {
            printf(_("agent %s revoked\n"), argv[optind]);
            ret = 0;
        }
    } else if (strcmp(sub, "policy") == 0 && sub2 != NULL && strcmp(sub2, "set") == 0 &&
               optind < argc && group != NULL) {
        char *text = NULL;
        if (read_all(argv[optind], &text) != 0) {
            azk_cli_err(_("agent policy set: cannot read %s"), argv[optind]);
            azk_home_close(h);
            return 1;
        }
        rc = azk_agent_policy_set(h, group, text);
        free(text);
        if (rc == AZK_OK) {
            printf(_("policy of group %s set\n"), group);
            ret = 0;
        }
    } else if (strcmp(sub, "list") == 0) {
        rc = azk_agent_list(h, print_agent, NULL);
        if (rc == AZK_OK)
            ret = 0;
    } else if (strcmp(sub, "enroll") == 0) {
        azk_agent_enroll_options eo = AZK_AGENT_ENROLL_OPTIONS_INIT;
        if (server == NULL || token == NULL) {
            azk_home_close(h);
            return azk_cli_usage_err(_("agent enroll: --server and --token are required"));
        }
        eo.server_url = server;
        eo.token = token;
        eo.ca_file = ca;
        eo.host_name = host;
        rc = azk_agent_enroll(h, &eo);
        if (rc == AZK_OK) {
            printf(_("enrolled with %s\n"), server);
            ret = 0;
        }
    } else if (strcmp(sub, "run") == 0) {
        azk_agent_run_options ro = AZK_AGENT_RUN_OPTIONS_INIT;
        azk_agent_run_stats st;
        ro.no_sweep = no_sweep;
        ro.spool_max = (size_t)spool_max;
        ro.retry_base_ms = (unsigned)retry_ms;
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        for (;;) {
            rc = azk_agent_run(h, &ro, &st);
            if (rc != AZK_OK)
                break;
            printf(_("agent: %" PRIu64 " objects, %" PRIu64 " cached, %" PRIu64
                     " bytes read, %" PRIu64 " batches sent, %" PRIu64 " waiting, %" PRIu64
                     " lost, %" PRIu64 " case actions%s%s\n"),
                   st.objects, st.cached, st.bytes_read, st.batches_sent, st.batches_queued,
                   st.lost_objects, st.actions, st.renewed ? _(", certificate renewed") : "",
                   st.server_reached ? "" : _(", server unreachable"));
            fflush(stdout);
            if (once || stop_flag)
                break;
            for (unsigned long s = 0; s < interval && !stop_flag; s++)
                sleep(1);
            if (stop_flag)
                break;
        }
        if (rc == AZK_OK)
            ret = 0;
    } else {
        azk_home_close(h);
        usage(stderr);
        return AZK_EXIT_USAGE;
    }
    if (rc != AZK_OK)
        azk_cli_liberr("agent");
    azk_home_close(h);
    return ret;
}
