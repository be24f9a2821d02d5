/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/icap_int.h -- what the ICAP service's two files share (internal to
 * src/lib/guard/): the service, its connection threads and one
 * connection; icap_server.c (connections, requests, the service) and
 * icap_answer.c (socket I/O with deadlines and the answers it sends) call
 * in each other through these.
 */
#ifndef AZK_ICAP_INT_H
#define AZK_ICAP_INT_H

#include "guard/guard_int.h"
#include "policy/policy_int.h"

#include <pthread.h>

#define CONN_BUF     (64u * 1024u)
#define PREVIEW_SIZE 4096
#define SERVICE_PATH "/guard"

struct worker {
    struct azk_guard_icap *srv;
    pthread_t th;
    bool started;
    int cur_fd; /* under srv->mu, for shutdown */
};

struct azk_guard_icap {
    azk_guard_policy policy;
    char *home;
    char *spool_dir;
    char istag[48];
    unsigned idle_ms, head_ms, request_ms;
    int lfd;
    int stop_pipe[2];
    unsigned port;

    unsigned nworkers; /* connection threads */
    struct worker *workers;

    unsigned nscanners;
    azk_scanner **scanners;     /* all of them, [0] loaded the fingerprints */
    azk_scanner **free_scanner; /* stack of idle ones, under mu */
    unsigned free_count;
    pthread_cond_t scanner_cv;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    int *q;
    unsigned qcap, qhead, qlen;
    bool quit;
    azk_guard_icap_stats stats;

    pthread_mutex_t audit_mu;
    azk_audit *audit;
};

struct conn {
    int fd;
    struct azk_guard_icap *srv;
    uint8_t *buf;
    size_t off, len;
    struct azk_icap_parser p;
    bool eof;
};

uint64_t azk_icap__now_ms(void);
bool azk_icap__send_str(struct conn *c, const char *s);
int azk_icap__fill(struct conn *c, uint64_t deadline);
void azk_icap__send_error(struct conn *c, int st);
bool azk_icap__send_options(struct conn *c);
bool azk_icap__send_204(struct conn *c);
bool azk_icap__send_echo(struct conn *c, struct azk_guard_spool *spool);
bool azk_icap__send_block(struct conn *c, const azk_guard_decision *d, const char *incident);

#endif
