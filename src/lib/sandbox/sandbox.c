/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sandbox/sandbox.c -- confinement of the extraction helper: descriptors,
 * resource limits, landlock (Linux 5.13+, best effort: the ABI the kernel
 * has) and a seccomp-bpf allow-list built with libseccomp. The order
 * matters: limits first (they cannot be raised afterwards without
 * CAP_SYS_RESOURCE, and the filter forbids setrlimit), landlock next (it
 * needs the landlock system calls), the filter last.
 *
 * The allow-list is what a parser that reads bytes already in memory,
 * opens read-only data files (CMaps, gconv modules) and writes to its
 * inherited pipes needs, found with strace over the test corpus. Every
 * other call -- socket, connect, execve, clone/fork, ptrace, open for
 * writing, unlink, setrlimit, ... -- kills the process (SIGSYS), which the
 * parent reports as an error of that one object.
 */
#include "sandbox/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define AZK_SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AZK_SANDBOX_ASAN 1
#endif
#endif

/* Landlock rights by ABI version (linux/landlock.h; the header may be newer than the kernel). */
#define LL_FS_V1 ((1ULL << 13) - 1)          /* EXECUTE .. MAKE_SYM */
#define LL_FS_V2 (LL_FS_V1 | (1ULL << 13))   /* + REFER */
#define LL_FS_V3 (LL_FS_V2 | (1ULL << 14))   /* + TRUNCATE */
#define LL_READ  ((1ULL << 2) | (1ULL << 3)) /* READ_FILE | READ_DIR */

static int set_limit(int res, rlim_t soft, rlim_t hard)
{
    struct rlimit rl;
    rl.rlim_cur = soft;
    rl.rlim_max = hard;
    return setrlimit(res, &rl);
}

static azk_status close_inherited(void)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
        return AZK_OK;
#endif
    {
        long maxfd = sysconf(_SC_OPEN_MAX);
        int fd;
        if (maxfd < 0 || maxfd > 65536)
            maxfd = 65536;
        for (fd = 3; fd < (int)maxfd; fd++)
            (void)close(fd);
    }
    return AZK_OK;
}

static azk_status apply_limits(const struct azk_sandbox_limits *lim)
{
    if (set_limit(RLIMIT_CORE, 0, 0) != 0 || set_limit(RLIMIT_FSIZE, 0, 0) != 0)
        return azk_error_set(AZK_ERR_IO, "sandbox: setrlimit: %s", strerror(errno));
    /* data files are opened one at a time; 3 pipes + a few */
    if (set_limit(RLIMIT_NOFILE, 32, 32) != 0)
        return azk_error_set(AZK_ERR_IO, "sandbox: setrlimit: %s", strerror(errno));
#ifndef AZK_SANDBOX_ASAN
    if (lim->mem_bytes > 0 &&
        set_limit(RLIMIT_AS, (rlim_t)lim->mem_bytes, (rlim_t)lim->mem_bytes) != 0)
        return azk_error_set(AZK_ERR_IO, "sandbox: setrlimit: %s", strerror(errno));
#endif
    if (lim->cpu_seconds > 0 &&
        set_limit(RLIMIT_CPU, (rlim_t)lim->cpu_seconds, (rlim_t)lim->cpu_seconds + 1) != 0)
        return azk_error_set(AZK_ERR_IO, "sandbox: setrlimit: %s", strerror(errno));
    return AZK_OK;
}

/* Landlock: returns the ABI applied (0 when the kernel has none). */
static int apply_landlock(const char *const *read_paths)
{
    struct landlock_ruleset_attr attr;
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    int rs, i;
    if (abi <= 0)
        return 0;
    memset(&attr, 0, sizeof(attr));
    attr.handled_access_fs = abi >= 3 ? LL_FS_V3 : abi == 2 ? LL_FS_V2 : LL_FS_V1;
    rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr.handled_access_fs), 0);
    if (rs < 0)
        return 0;
    for (i = 0; read_paths != NULL && read_paths[i] != NULL; i++) {
        struct landlock_path_beneath_attr pb;
        int fd = open(read_paths[i], O_PATH | O_CLOEXEC);
        if (fd < 0)
            continue; /* not installed: nothing to allow */
        memset(&pb, 0, sizeof(pb));
        pb.allowed_access = LL_READ;
        pb.parent_fd = fd;
        (void)syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
        (void)close(fd);
    }
    if (syscall(SYS_landlock_restrict_self, rs, 0) != 0) {
        (void)close(rs);
        return 0;
    }
    (void)close(rs);
    return (int)abi;
}

/* System calls allowed without condition. */
static const int allowed_calls[] = {
    SCMP_SYS(read),
    SCMP_SYS(readv),
    SCMP_SYS(pread64),
    SCMP_SYS(write),
    SCMP_SYS(writev),
    SCMP_SYS(close),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(statx),
    SCMP_SYS(lseek),
    SCMP_SYS(getdents64),
    SCMP_SYS(fcntl),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mprotect),
    SCMP_SYS(mremap),
    SCMP_SYS(brk),
    SCMP_SYS(madvise),
    SCMP_SYS(futex),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(getrandom),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_getres),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(nanosleep),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(getuid),
    SCMP_SYS(geteuid),
    SCMP_SYS(getgid),
    SCMP_SYS(getegid),
    SCMP_SYS(sched_yield),
    SCMP_SYS(sched_getaffinity),
    SCMP_SYS(uname),
    SCMP_SYS(readlink),
    SCMP_SYS(access),
    SCMP_SYS(faccessat),
    SCMP_SYS(getcwd),
};

static azk_status apply_seccomp(void)
{
    scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
    azk_status rc = AZK_ERR_UNSUPPORTED;
    size_t i;
    int bad = 0;
    if (f == NULL)
        return azk_error_set(AZK_ERR_UNSUPPORTED, "sandbox: seccomp unavailable");
    for (i = 0; i < sizeof(allowed_calls) / sizeof(allowed_calls[0]); i++)
        bad |= seccomp_rule_add(f, SCMP_ACT_ALLOW, allowed_calls[i], 0);
    /* open read-only only: no write, create, truncate or append (O_TMPFILE needs a
     * write mode, so it is refused too) */
    {
        const scmp_datum_t wr = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;
        struct scmp_arg_cmp openat_ro = {2, SCMP_CMP_MASKED_EQ, wr, 0};
        struct scmp_arg_cmp open_ro = {1, SCMP_CMP_MASKED_EQ, wr, 0};
        struct scmp_arg_cmp tcgets = {1, SCMP_CMP_EQ, (scmp_datum_t)TCGETS, 0};
        bad |= seccomp_rule_add_array(f, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1, &openat_ro);
        bad |= seccomp_rule_add_array(f, SCMP_ACT_ALLOW, SCMP_SYS(open), 1, &open_ro);
        /* isatty() (stdio) asks TCGETS; refuse it quietly rather than die */
        bad |= seccomp_rule_add_array(f, SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl), 1, &tcgets);
    }
#ifdef AZK_SANDBOX_ASAN
    /* sanitizer builds only: the runtime's own reports ask prctl(PR_GET_DUMPABLE ...) */
    bad |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 0);
#endif
    if (bad != 0) {
        rc = azk_error_set(AZK_ERR_UNSUPPORTED, "sandbox: seccomp rule rejected");
        goto done;
    }
    if (seccomp_load(f) != 0) {
        rc = azk_error_set(AZK_ERR_UNSUPPORTED, "sandbox: seccomp filter not loaded");
        goto done;
    }
    rc = AZK_OK;
done:
    seccomp_release(f);
    return rc;
}

/*
 * Started as root (an agent sweeping a file server often is): become nobody
 * (65534), so that even a way around the filter would meet file permissions.
 * Best effort: inside a user namespace without that id it may be refused.
 */
static void drop_root(struct azk_sandbox_report *out)
{
    const uid_t nobody = 65534;
    if (geteuid() != 0)
        return;
    if (setgroups(0, NULL) == 0 && setresgid(nobody, nobody, nobody) == 0 &&
        setresuid(nobody, nobody, nobody) == 0)
        out->dropped_root = true;
}

azk_status azk_sandbox__enter(const struct azk_sandbox_limits *lim, struct azk_sandbox_report *out)
{
    azk_status rc;
    AZK_ASSERT_ARG(lim != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    rc = close_inherited();
    if (rc != AZK_OK)
        return rc;
    drop_root(out);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return azk_error_set(AZK_ERR_UNSUPPORTED, "sandbox: no_new_privs: %s", strerror(errno));
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    rc = apply_limits(lim);
    if (rc != AZK_OK)
        return rc;
    out->landlock_abi = apply_landlock(lim->read_paths);
    rc = apply_seccomp();
    if (rc != AZK_OK)
        return rc;
    out->seccomp = true;
    return AZK_OK;
}
