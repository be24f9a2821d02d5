/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/outfile.h -- the one way azukari writes an output file (reports,
 * bundles, fingerprint files, exported plaintext): a temporary file in the
 * target's directory (created exclusively, O_TMPFILE where the file
 * system has it), fsync, then an atomic rename (or exclusive link) onto the
 * name at commit. Nothing is ever written through a symbolic link: a
 * symlink at the target is refused, and a link planted after the check is
 * replaced by the rename, never followed. A failed or aborted file leaves
 * nothing behind (with O_TMPFILE not even after a crash).
 *
 * An existing character device or FIFO at the target (/dev/null, a named
 * pipe) is written directly; it is never replaced.
 * Thread-safety: a handle is used by one thread at a time.
 */
#ifndef AZUKARI_OUTFILE_H
#define AZUKARI_OUTFILE_H

#include "azukari/common.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct azk_outfile azk_outfile;

/** Flags of azk_outfile_open. */
enum {
    /** Never replace an existing name: commit fails if the target exists. */
    AZK_OUTFILE_EXCL = 1u << 0,
    /** The path "-" means standard output (not a file named "-"). */
    AZK_OUTFILE_STDOUT = 1u << 1
};

/**
 * Start writing the file `path`.
 * @param[out] out handle; finish with azk_outfile_commit or azk_outfile_abort
 * @param mode permission bits of the new file (exactly, umask not applied),
 *        e.g. 0600 for anything derived from entrusted data
 * @param flags AZK_OUTFILE_*
 * @return AZK_OK; AZK_ERR_PERM (the target is a symbolic link, a directory
 *         or another kind of file that must not be written, or the
 *         directory is not writable), AZK_ERR_ARG (AZK_OUTFILE_EXCL and the
 *         target exists; empty path), AZK_ERR_NOTFOUND (no such directory),
 *         AZK_ERR_IO, AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_outfile_open(azk_outfile **out, const char *path,
                                                     unsigned mode, unsigned flags);

/** The stream to write to (borrowed; do not fclose it). */
AZK_EXTERN FILE *azk_outfile_stream(azk_outfile *f);

/**
 * Flush, fsync and move the file onto its name (then fsync the directory).
 * Frees f, even on failure; on failure nothing is left at the target that
 * was not there before, and the temporary file is removed.
 * @return AZK_OK, AZK_ERR_IO (write, fsync or rename failed, e.g. disk
 *         full), AZK_ERR_ARG (AZK_OUTFILE_EXCL and the name appeared)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_outfile_commit(azk_outfile *f);

/** Discard the file: remove the temporary, leave the target as it was. NULL-safe. */
AZK_EXTERN void azk_outfile_abort(azk_outfile *f);

/**
 * Write the string s to f with control characters made visible (C0, DEL,
 * C1, U+2028/9 as \\xHH or \\u{HHHH}; a backslash doubled; invalid UTF-8
 * bytes as \\xHH). For names azukari did not choose (file and member
 * names, reasons, purposes) on their way to a terminal.
 * @return 0, or EOF on a write error or when out of memory
 */
AZK_EXTERN int azk_fputs_printable(const char *s, FILE *f);

#ifdef __cplusplus
}
#endif

#endif
