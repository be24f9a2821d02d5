/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/handover.c -- the certificate reload's hand-over of a listening
 * socket from one libmicrohttpd daemon (a "generation") to the next, the
 * same for the web UI (listen.c) and the agents' listener
 * (agents_listen.c): the old daemon is quiesced (it accepts nothing more
 * and gives its socket up), a new one starts on that socket with the new
 * certificate, and the old one finishes the requests it has, then stops.
 * The socket is never closed, so no connection is refused meanwhile. A
 * new daemon GnuTLS refuses after all (the certificate was checked
 * before) is replaced by one serving the old certificate on the same
 * socket; only when that fails too is the listener lost (said so).
 */
#include "serve/serve_int.h"

#include <microhttpd.h>

azk_status azk_serve__handover(const struct azk_serve_gen_ops *ops, void *old, void *g, void **cur,
                               const char *who)
{
    azk_status rc;
    void *again;
    MHD_socket fd = MHD_quiesce_daemon(*ops->daemon(old));
    if (fd == MHD_INVALID_SOCKET)
        return azk_error_set(AZK_ERR_IO, "%s: reload: the listener cannot be handed over", who);
    *ops->daemon(g) = ops->start(g, fd);
    if (*ops->daemon(g) != NULL) {
        *cur = g;
        rc = AZK_OK;
    } else {
        /* refused after all: the old certificate goes on, on a new daemon */
        rc = azk_error_set(AZK_ERR_CRYPTO,
                           "%s: reload: the new certificate or key is refused; serving the old "
                           "one",
                           who);
        again = ops->again(old); /* takes the old one's certificate */
        if (again != NULL)
            *ops->daemon(again) = ops->start(again, fd);
        if (again == NULL || *ops->daemon(again) == NULL) {
            rc = azk_error_set(AZK_ERR_IO, "%s: reload failed and the listener is lost", who);
            ops->dispose(again);
            again = NULL;
        }
        *cur = again;
    }
    /* the old daemon finishes what it has (quiesced: it accepts nothing more) */
    ops->drain(old);
    MHD_stop_daemon(*ops->daemon(old));
    *ops->daemon(old) = NULL;
    ops->dispose(old);
    return rc;
}
