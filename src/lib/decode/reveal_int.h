/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/reveal_int.h -- what the files of reveal share (internal to
 * src/lib/decode/): the byte classes (built once), limits, and the helpers
 * reveal.c (screening, unescaping, markup, invisible characters, records)
 * and reveal_runs.c (byte runs, base64 / hex runs, hex dumps, MIME base64
 * bodies) call in each other.
 */
#ifndef AZK_DECODE_REVEAL_INT_H
#define AZK_DECODE_REVEAL_INT_H

#include "decode/decode_int.h"

#include <pthread.h>
#include <stdatomic.h>

/* One record being revealed. */
struct reveal {
    struct azk_decode_ctx *ctx;
    /* scratch (each user clears it first): decoded bytes, their text; the
     * spare buffers' (azk_decode_spare.reveal_*) when the object has them,
     * else own_bytes / own_text, freed after the record */
    azk_buf *bytes, *text;
    azk_buf own_bytes, own_text;
    bool limit; /* AZK_DECODE_REVEAL_MAX reached */
    /* \n \t \\ \" are decoded only in escaped text (a \u or \x escape, or
     * several \n): "c:\temp" in a log stays as it is */
    bool simple_escapes;
    bool tabular; /* the record is a table row */
};

#define REVEAL_ROUNDS 4
/* Shortest base64 / hex run that is decoded. */
#define RUN_MIN 16
/* Decoded content at least this long that is not text is decoded as an object. */
#define NESTED_MIN 48

enum {
    C_B64 = 1,  /* base64 (standard or URL-safe) alphabet */
    C_TRIG = 2, /* \ & % = */
    C_LEAD = 4, /* UTF-8 lead of an azk_decode__reveal_invisible / full-width / spacing character */
    C_SPACE = 8, /* U+0020 */
    C_HEX = 16,
};

/* Character mix of a base64 / hex run. */
enum {
    MIX_UPPER = 1,
    MIX_LOWER = 2,
    MIX_DIGIT = 4,
    MIX_SYM = 8,
    MIX_NONHEX = 16,
    MIX_URL = 32, /* - _ : base64url only */
    MIX_STD = 64  /* + / : standard base64 only */
};

static inline unsigned mix_of(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return MIX_DIGIT;
    if (c >= 'A' && c <= 'Z')
        return MIX_UPPER | (c > 'F' ? MIX_NONHEX : 0);
    if (c >= 'a' && c <= 'z')
        return MIX_LOWER | (c > 'f' ? MIX_NONHEX : 0);
    return MIX_SYM | MIX_NONHEX | (c == '-' || c == '_' ? MIX_URL : MIX_STD);
}

/*
 * Whether a run of the base64 alphabet is worth decoding: hex (even, with
 * a digit and a letter), or base64 with both cases and a digit or symbol.
 * Words, identifiers in one case and UUIDs are not, nor a run with a
 * symbol of each base64 alphabet (- _ and + /: "Go-http-client/1" of a
 * user agent), which b64_decode refuses and no hex run holds: reveal would
 * write it back as it is.
 */
static inline bool run_candidate(size_t run, unsigned mix)
{
    if (run < RUN_MIN || (mix & (MIX_URL | MIX_STD)) == (MIX_URL | MIX_STD))
        return false;
    if (!(mix & MIX_NONHEX))
        return (mix & MIX_DIGIT) && (mix & (MIX_UPPER | MIX_LOWER));
    return (mix & MIX_UPPER) && (mix & MIX_LOWER) && (mix & (MIX_DIGIT | MIX_SYM));
}

/*
 * Where a base64 / hex run p[..end) ends with its padding: the '=' after it,
 * unless one starts quoted-printable (=E5). unescape decodes p[start..padded).
 */
static inline size_t run_padded(const uint8_t *p, size_t n, size_t end)
{
    while (end < n && p[end] == '=' &&
           !(end + 2 < n && azk_hexval(p[end + 1]) >= 0 && azk_hexval(p[end + 2]) >= 0))
        end++;
    return end;
}

/* What azk_decode__reveal_run does with a run (azk_decode__reveal_run_kind). */
enum run_kind {
    RUN_NOTHING, /* left as it is: not base64 / hex, too short, not text, no object */
    RUN_TEXT,    /* its text replaces it */
    RUN_OBJECT,  /* decoded as part of the object */
    RUN_LIMIT    /* AZK_DECODE_REVEAL_MAX reached */
};

/* The candidate runs of a field worth a look by them alone (azk_decode__reveal_look). */
#define LOOK_RUNS_MAX 8
struct look_runs {
    size_t count;
    size_t at[LOOK_RUNS_MAX], end[LOOK_RUNS_MAX]; /* p[at..end): a run, without padding */
};
enum look { LOOK_NO, LOOK_YES, LOOK_RUNS };

void azk_decode__reveal_cls_init(void);
bool azk_decode__reveal_hex_at(const uint8_t *p, size_t n, size_t i, size_t k, uint32_t *v);
bool azk_decode__reveal_invisible(uint32_t cp);
azk_status azk_decode__reveal_put_bytes_as_text(azk_buf *out, const uint8_t *b, size_t n,
                                                bool ascii, bool *ok);
size_t azk_decode__reveal_byte_run(const uint8_t *p, size_t n, size_t i, uint8_t kind, uint8_t *b,
                                   size_t *blen);
bool azk_decode__reveal_escaped_text(const uint8_t *p, size_t n);
azk_status azk_decode__reveal_run(struct reveal *rv, const uint8_t *p, size_t n, azk_buf *out,
                                  bool *ok);
/* Decode the run p[0..n) into rv->bytes (its text into rv->text) and say what
 * azk_decode__reveal_run would do with it; no other effect. */
azk_status azk_decode__reveal_run_kind(struct reveal *rv, const uint8_t *p, size_t n,
                                       enum run_kind *kind);
/* worth_a_look (reveal_look.c): whether reveal would act on p[0..n) (the
 * scalar screen). _worth builds the byte classes once first; _worth_a_look
 * expects them built. */
bool azk_decode__reveal_worth(const uint8_t *p, size_t n);
bool azk_decode__reveal_worth_a_look(const uint8_t *p, size_t n);
/*
 * worth_a_look told apart (LOOK_NO exactly when it is false): LOOK_RUNS when
 * the field is worth a look only by candidate base64 / hex runs (at most
 * LOOK_RUNS_MAX, listed in *runs): no byte >= 0x80, no \ &, no %HH or
 * =HH=HH, no spaced-out singles, fewer than six '<'. Reads the whole field
 * (worth_a_look stops at the first candidate run).
 */
enum look azk_decode__reveal_look(const uint8_t *p, size_t n, struct look_runs *runs);
/*
 * The class masks of an ASCII line of up to LOOK_BYTES bytes, one bit per
 * byte (bytes past the line: in no class), from which reveal_look.c's
 * look_ascii answers azk_decode__reveal_look.
 */
#define LOOK_WORDS 8
#define LOOK_BYTES (64 * LOOK_WORDS)
struct look_masks {
    uint64_t b64[LOOK_WORDS], hex[LOOK_WORDS], sp[LOOK_WORDS];
    uint64_t pct[LOOK_WORDS], eq[LOOK_WORDS], lt[LOOK_WORDS];
};
/*
 * The masks of p[0..n) (0 < n <= LOOK_BYTES) with AVX2 (reveal_screen.c,
 * the screen's nibble tables): 1 built; 0 when a byte >= 0x80, \ or & is
 * there (look_ascii's answer is then "look_at decides"); -1 when the
 * vector screen does not run or azk_decode__reveal_look_avx2_off is set
 * (look_ascii builds them with SSE2).
 */
int azk_decode__reveal_look_masks(const uint8_t *p, size_t n, struct look_masks *m);
/*
 * mix_of() of the bytes p[s..e) (s < e <= n, all of the base64 alphabet)
 * ORed, 32 bytes a step: only after azk_decode__reveal_look_masks returned
 * 1 (AVX2 is there).
 */
unsigned azk_decode__reveal_run_mix_avx2(const uint8_t *p, size_t n, size_t s, size_t e);
/* Test switch: look_ascii's masks by SSE2 although AVX2 is there. */
extern bool azk_decode__reveal_look_avx2_off;
/* Test switch: fields worth a look by their runs alone are revealed in full
 * even when every run decodes to nothing (reveal.c, quiet_runs). */
extern bool azk_decode__reveal_quiet_off;
/* Test switch: worth_a_look as two passes (look_closely after its own pass). */
extern bool azk_decode__reveal_onepass_off;
/*
 * The vector screen (reveal_screen.c), a superset of worth_a_look: false
 * only when no field can be worth a look. _screen: the bytes p[0..n) holding
 * fields that start at starts[0..nstarts) (ascending); true whenever no
 * vector unit is there. _record: every field of rec (one pass when the
 * fields lie side by side).
 */
bool azk_decode__reveal_screen(const uint8_t *p, size_t n, const size_t *starts, size_t nstarts);
bool azk_decode__reveal_screen_record(const azk_record *rec);
/* Whether the vector screen runs (AVX2 and not azk_decode__simd_off). */
bool azk_decode__reveal_screen_available(void);

/* Byte classes (C_*) and the bytes a hex dump line starts with, built once
 * under azk_decode__reveal_cls_once (reveal_look.c). */
extern uint8_t azk_decode__reveal_cls[256];
/* Each byte's hex digit value (azk_hexval), -1 for others. */
extern int8_t azk_decode__reveal_hexv[256];
extern bool azk_decode__reveal_dump_ok[256];
extern pthread_once_t azk_decode__reveal_cls_once;
/* Set (release) at the end of azk_decode__reveal_cls_init. */
extern atomic_bool azk_decode__reveal_cls_ready;

/* Build the byte classes once; after that one load (every record asks). */
static inline void reveal_cls_built(void)
{
    if (!atomic_load_explicit(&azk_decode__reveal_cls_ready, memory_order_acquire))
        (void)pthread_once(&azk_decode__reveal_cls_once, azk_decode__reveal_cls_init);
}

/*
 * hex_line's quick reject with AVX2 (reveal_screen.c): 1 when every one of
 * the 32 bytes at p is one a hex dump line starts with
 * (azk_decode__reveal_dump_ok), 0 when one is not, -1 when the vector
 * screen does not run (then the caller's own loop decides).
 */
int azk_decode__reveal_dump32(const uint8_t *p);
/* The same for the standard base64 alphabet (A-Z a-z 0-9 + /: b64_line). */
int azk_decode__reveal_b64_32(const uint8_t *p);
/* Both of one load (the line splitter's quick reject, azk_decode__line_may): bit 0 the answer
 * of azk_decode__reveal_dump32, bit 1 of azk_decode__reveal_b64_32; -1 as they. */
int azk_decode__reveal_line32(const uint8_t *p);
/*
 * The first digits of the hex run p[0..n) decoded 32 and then 16 at a
 * time (AVX2, reveal_screen.c; run_kind's hex runs), their values (high
 * nibble first) into out: how many digits were (a multiple of 16; 0 when
 * no vector unit is there: the byte loop does them), or SIZE_MAX when one
 * of those read is no hex digit.
 */
size_t azk_decode__reveal_hex_steps(const uint8_t *p, size_t n, uint8_t *out);

#endif
