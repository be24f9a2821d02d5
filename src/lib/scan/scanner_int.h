/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan/scanner_int.h -- what the scanner's two files share (internal to
 * src/lib/scan/): the scanner, a queued file, a worker and the state of
 * the object it is scanning; scanner.c (queue, threads, public API) and
 * scanner_file.c (one file: decode, detection, delivery) call in each
 * other through these.
 */
#ifndef AZK_SCANNER_INT_H
#define AZK_SCANNER_INT_H

#include "azukari/scan.h"
#include "scan/scan_int.h"
#include "scan/walk.h"
#include "decode/decode.h"
#include "detect/detect.h"
#include "scan/edm.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <sys/stat.h>
#if defined(__x86_64__) && !defined(__ILP32__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#define QUEUE_CAP 1024

/*
 * fstat(2) of an open file, the same answer. On 64-bit x86, where the kernel's struct
 * stat is glibc's, by the fstat system call itself: glibc (2.33 on) makes fstat() an
 * fstatat(fd, "", AT_EMPTY_PATH), and the kernel reads that empty name from user memory
 * first (~50 ns, a tenth of the call; a scanned file takes two).
 */
static inline int azk_scan__fstat(int fd, struct stat *st)
{
#if defined(__x86_64__) && !defined(__ILP32__) && defined(SYS_fstat)
    return (int)syscall(SYS_fstat, fd, st);
#else
    return fstat(fd, st);
#endif
}

/* Directories kept open for queued files (walk.h dir_handles): bounded well under the
 * default limit of 1024 descriptors, whatever the queue holds. */
#define DIR_HANDLE_CAP 64

struct job {
    char *path;
    struct stat st;           /* the walk's stat of the file, when have_st */
    bool have_st;             /* false: not stat'ed by the walk (walk.h lazy_regular; dir is set) */
    struct azk_walk_dir *dir; /* its directory, open (a reference), or NULL */
    size_t name_off;          /* the file's name in that directory: path + name_off */
};

struct azk_scanner {
    azk_scan_options opts;
    azk_decode_options dopts;
    azk_detect_engine *eng;
    struct azk_scan_edm_index *fp; /* NULL when no fingerprints loaded */
    struct azk_scan_cache *cache;
    char engine_id[65];
    azk_scan_progress_cb progress;
    void *progress_payload;
    /* closed-zone confirmation (azk_scan__scanner_set_confirm) */
    bool confirm;
    uint8_t confirm_key[32];
    azk_scan_evidence_cb confirm_cb;
    void *confirm_payload;

    /* per run */
    pthread_mutex_t mu; /* output + stats */
    /* the queue has its own lock, so delivering a result never holds up the
     * walk; a condition is signalled only when someone waits on it, and the
     * walk, once the queue was full, is woken when it is half empty (a
     * wake-up per file was most of the fixed cost of small files) */
    pthread_mutex_t q_mu;
    pthread_cond_t not_empty, not_full;
    struct job queue[QUEUE_CAP];
    size_t q_head, q_len;
    unsigned q_pop_waiters; /* workers waiting on not_empty */
    bool q_push_waiting;    /* the walk waits on not_full */
    bool q_closed;
    azk_scan_result_cb cb;
    void *cb_payload;
    azk_scan_stats stats;
    _Atomic uint64_t bytes_read;
    _Atomic uint64_t last_progress_ns;
    uint64_t start_ns;
    azk_status fatal;
    /* a callback returned non-zero (its status is in fatal): stop reading,
     * deliver nothing more; read without the lock by the workers */
    _Atomic bool stopped;
    /* large files split in ranges (split.c), under q_mu: splits with ranges
     * nobody took yet; workers on a file (the others do not leave while one
     * is busy: it may split its file, and they help) */
    struct azk_split *splits;
    unsigned busy;
    uint64_t split_min;           /* files from this size are split; 0 = never (one worker) */
    unsigned threads;             /* workers of this run */
    _Atomic unsigned dir_handles; /* directories kept open for queued files */
};

/* ---- per-object state ---------------------------------------------------- */

struct stored_finding {
    azk_pii_type type;
    uint64_t line;
    double confidence;
    uint32_t page;
    char masked[96];
    char sheet[96]; /* "" when none; a longer sheet name is cut at a UTF-8 boundary */
};

struct objstate {
    char **member;
    size_t member_count;
    char format[16];
    char encoding[24];
    bool has_format;
    struct stored_finding *findings;
    size_t finding_count, finding_cap;
    bool truncated;
    size_t counts[AZK_PII__COUNT];
    size_t excluded;
    uint64_t records;
    uint64_t multi_rows; /* records holding 2+ different types */
    uint32_t rec_types;  /* types seen in the current record */
    int64_t size;
    struct azk_scan_edm_obj *edm; /* entrusted-record hits of this object */
};

struct worker {
    azk_scanner *s;
    azk_detect_ctx *det;
    struct azk_scan_edm_ctx *match;
    struct objstate *stack;
    size_t depth, cap;
    const char *path;              /* current top-level file (escaped) */
    azk_buf pathbuf;               /* holds path; kept from file to file (no allocation per file) */
    struct azk_decode_spare spare; /* the decode stage's buffers, kept from file to file */
    json_t *cache_results;         /* results of the current file, for the cache */
    bool cacheable;
    /* an O_NOATIME open failed with EPERM (files of other users, no CAP_FOWNER): files are
     * opened without it, then given it by fcntl when they are ours (one failed open per
     * file saved) */
    bool noatime_refused;
    uid_t euid;
    /* the allow-listed candidates of the record being detected
     * (azk_scan__sink_record; a member, not a local: its frame then needs
     * no stack canary, one record at a time) */
    size_t rec_excluded;
};

void azk_scan__obj_dispose(struct objstate *o);
void azk_scan__sink_format(void *payload, const char *format, const char *encoding);
azk_status azk_scan__sink_record(void *payload, const azk_record *rec);
void azk_scan__maybe_progress(azk_scanner *s);

/* ---- split.c: one large text file in ranges --------------------------------- */

struct azk_range_task;
/*
 * Scan the file fd (size bytes, its object pushed) in ranges on several
 * workers when it is large text that can be split; *split = true when the
 * merged object is in w's top object (then return its status), false when
 * the caller must decode it in one pass (not eligible, or a range did not
 * end as the next one assumed: nothing was delivered).
 */
azk_status azk_scan__split(struct worker *w, int fd, int64_t size, bool *split);
/* Under q_mu: a range of some split nobody took yet, or NULL. */
struct azk_range_task *azk_scan__split_claim(azk_scanner *s);
/* Scan one claimed range on worker w (any worker). */
void azk_scan__split_run(struct worker *w, struct azk_range_task *t);
/* The size from which files are split (AZK_TEST_SPLIT_MIN in test builds). */
uint64_t azk_scan__split_min(unsigned threads);
azk_status azk_scan__obj_push(struct worker *w, const azk_object_info *info);
void azk_scan__callback_result(azk_scanner *s, azk_status rc);
void azk_scan__sink_end(void *payload, azk_status st, const azk_error *err);
azk_status azk_scan__decode_top(struct worker *w, int fd, int64_t size, bool opened);
azk_status azk_scan__scan_file(struct worker *w, struct job *job);
#ifdef AZK_TESTING
/* Test builds: called by a worker just before it opens a listed file (path as walked). */
extern void (*azk_scan__test_before_open)(const char *path);
/* Test builds: called after a file was read and decoded, before the check that it did
 * not change meanwhile (path as walked). */
extern void (*azk_scan__test_after_read)(const char *path);
#endif

#endif
