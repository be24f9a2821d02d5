/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/ledger_keep.c -- a read-write ledger handle kept open across the
 * appends of one process (azk_audit_keep): store/event.c appends a ledger
 * entry for every state change, and opening the ledger for each (the key
 * file read and parsed, ~15 files opened and closed, the checkpoints
 * listed, read and their signature checked, the OS user looked up in
 * /etc/passwd) was most of serve's kernel time under agent ingest.
 *
 * Why a kept handle is as safe as a fresh open (the argument):
 * - What an open checks of the chain is still checked at every append:
 *   azk_audit_append_batch takes the lock and runs azk_audit__sync_state
 *   (the index against the log, the entries other processes appended, a
 *   torn tail), then compares the newest stored checkpoint, verified at
 *   open, with the current tree (azk_audit__newest_vs_tree): a history
 *   rewritten in place (same files) is the same tamper alarm as at open.
 * - What kept descriptors could miss is a file replaced by path (a new
 *   entries.log renamed over the old one: appends to the old inode would
 *   be lost to every other reader, and the key read at open would no
 *   longer be the home's). Every file the handle holds (entries.log,
 *   index, tree-NN) is an entry of <home>/ledger/: replacing, creating,
 *   renaming or removing one changes that directory's ctime, which no user
 *   can set back (utimensat sets it to now), and a directory swapped for
 *   another is another inode. So before each reuse ledger/,
 *   ledger/checkpoints/ (a checkpoint added or removed) and
 *   keys/ledger.key are stat'ed and must be what they were just before the
 *   open (st_dev, st_ino, st_mtim, st_ctim), and the home must still be
 *   writable by its owner only (as at open). Anything else: the handle is
 *   closed and the ledger opened afresh, with every check of
 *   azk_audit_open (also when the handle itself created a tree file: once
 *   per doubling of the ledger).
 * - A child after fork() shares the parent's open file descriptions and
 *   so its flock(): it never reuses the parent's handle (pid check) and
 *   opens its own.
 * - The handle is the caller's (one per azk_home, which one thread uses
 *   at a time), so no state is shared between threads.
 */
#include "audit/audit_int.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "audit/ledger_int.h"

static const char *const kept_paths[3] = {"ledger", "ledger/checkpoints", "keys/ledger.key"};

/* stat of home/rel (zeros, and 0, when it cannot be stat'ed: the open says why, or the next
 * use reopens) */
static int stat_rel(const char *home, const char *rel, struct stat *st)
{
    char *p = NULL;
    int ok;
    memset(st, 0, sizeof(*st));
    if (azk_audit__path_join(&p, home, rel) != AZK_OK) {
        azk_error_clear();
        return 0;
    }
    ok = stat(p, st) == 0;
    azk_free(p);
    return ok;
}

static int same_stat(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* A kept handle may be used again: the same process, home and files (the argument above). */
static int still_current(const azk_audit *a, const char *home)
{
    struct stat st;
    if (a->ro || a->pid != getpid() || strcmp(a->home, home) != 0)
        return 0;
    if (stat(home, &st) != 0 || (st.st_mode & 022) != 0)
        return 0; /* a fresh open says why (appends refused) */
    for (size_t i = 0; i < 3; i++)
        if (!stat_rel(home, kept_paths[i], &st) || !same_stat(&st, &a->kept[i]))
            return 0;
    return 1;
}

azk_status azk_audit_keep(azk_audit **a, const char *home)
{
    azk_status rc;
    struct stat before[3];
    azk_error_clear();
    if (a == NULL || home == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: missing argument");
    if (*a != NULL && still_current(*a, home))
        return AZK_OK;
    /* (a parent's handle after fork: closing it closes the child's descriptors only) */
    azk_audit_close(*a);
    *a = NULL;
    /* stat'ed before the open: what changes while the open reads it makes the next use
     * reopen; a handle never records newer files than it checked */
    for (size_t i = 0; i < 3; i++)
        (void)stat_rel(home, kept_paths[i], &before[i]);
    rc = azk_audit_open(a, home, 0, NULL);
    if (rc != AZK_OK) {
        azk_audit_close(*a);
        *a = NULL;
        return rc;
    }
    (*a)->pid = getpid();
    memcpy((*a)->kept, before, sizeof(before));
    return AZK_OK;
}
