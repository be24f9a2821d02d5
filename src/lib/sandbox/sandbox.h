/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sandbox/sandbox.h -- confinement of the extraction helper
 * (azukari-extract), the process that runs the parsers of the most
 * dangerous formats (PDF, legacy Office, RTF) on untrusted bytes. Internal
 * contract between the helper's main() and this module; see
 * docs/internals/DECODE.md, "The extraction helper".
 */
#ifndef AZK_SANDBOX_H
#define AZK_SANDBOX_H

#include "util/util.h"

/* Limits of one helper process. 0 = leave that limit alone. */
struct azk_sandbox_limits {
    uint64_t mem_bytes;   /* RLIMIT_AS (not applied under ASan, which maps terabytes) */
    unsigned cpu_seconds; /* RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL one second later */
    /* Directory trees left readable under landlock (fonts, CMaps); NULL-terminated. */
    const char *const *read_paths;
};

/* What the confinement achieved (for the helper's --check output and tests). */
struct azk_sandbox_report {
    int landlock_abi;  /* 0: the kernel has no landlock (or it is disabled) */
    bool seccomp;      /* the system call filter is loaded */
    bool dropped_root; /* started as root, now runs as nobody (65534) */
};

/*
 * Confine the calling process for good: close every descriptor above 2,
 * root dropped to nobody (65534) when started as root, no new privileges, no core dumps, no file
 * creation (RLIMIT_FSIZE 0), memory and CPU limits, landlock (read-only access to `read_paths`, no
 * write anywhere) where the kernel has it, then a seccomp filter allowing
 * only the system calls that reading, computing and writing to the
 * inherited pipes need (no socket, no exec, no fork, no open for writing);
 * any other call kills the process with SIGSYS. Single-threaded callers
 * only. Returns AZK_ERR_UNSUPPORTED when seccomp cannot be loaded: the
 * caller must then not parse anything.
 */
AZK_NODISCARD azk_status azk_sandbox__enter(const struct azk_sandbox_limits *lim,
                                            struct azk_sandbox_report *out);

#endif
