/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/run_screen.c -- the verdict table of digit runs (struct
 * run_screen, detect_scan.h): what the run walk (detect_walk.h) does
 * with a run of ASCII digits, decided on the classes of the byte before
 * it, the byte after it and its length. The rule is written once here
 * (run_rule) and every engine builds its table from it at set-up.
 */
#include "detect/detect_int.h"
#include "detect/detect_scan.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * Most digit runs of a log are 12:34, 1.2.3.4, id=42: decided on the bytes
 * around the run without decoding anything. The rule is written once here,
 * by classes of the byte before (RB_*) and after (RA_*) the run, and run
 * through azk_detect__run_boring's tables: every engine builds them from
 * run_rule.
 */
enum { RB_OTHER, RB_OPEN, RB_PATH, RB_DASH, RB_ERA, RB_PLUS, RB_WORD };
enum { RA_OTHER, RA_SEP, RA_DASH, RA_DOT, RA_HIGH };

bool azk_detect__run_screen_off;

static unsigned before_class(unsigned b)
{
    if (b == '+')
        return RB_PLUS;
    if (b >= 0x80 || b == '(')
        return RB_OPEN;
    if (b == '.' || b == '/' || b == '_' || b == '#' || b == '\\')
        return RB_PATH;
    if (b == '-')
        return RB_DASH;
    if (azk_detect__is_era_letter(b))
        return RB_ERA;
    return (b | 0x20) - 'a' < 26u ? RB_WORD : RB_OTHER;
}

static unsigned after_class(unsigned b)
{
    if (b == ' ' || b == '(' || b == ')')
        return RA_SEP;
    if (b >= 0x80)
        return RA_HIGH;
    if (b == '-')
        return RA_DASH;
    return b == '/' || b == '.' ? RA_DOT : RA_OTHER;
}

/*
 * digit_run's own early returns, on classes: unless the run may start a
 * date (four digits before '/', '.', a hyphen or a non-ASCII byte: a birth
 * label may be before it, the one thing digit_run looks at before them), a
 * run after a path or version byte, or after '-' that follows a digit
 * (RUN_DASHED: a later group of a token already looked at) and of under 7
 * digits, is dropped; a run is looked at when it has 7+ digits, follows
 * '(', '+' or a non-ASCII byte, is followed by a separator, or is followed
 * by '/' or '.' and has 4 digits or follows an era letter (S55.3.2).
 * Four digits before '/' or '.' not after '(', '+' or a non-ASCII byte
 * (2024/10/04, 4417.) are RUN_YEAR: all digit_run does with them is the
 * year's birth-label look (year_look); a token needs a separator after its
 * first group, an era date two digits at most, a block number a hyphen.
 * The runs looked at whose neighbours are ASCII and tell what digit_run
 * would do get a verdict of their own, settled in the run walk by
 * run_settle (RUN_SEP and after: see there).
 */
static unsigned run_rule(unsigned before, unsigned after, unsigned nd)
{
    /* the classes of the rule above: a letter is any other byte, a byte >= 0x80 a hyphen */
    unsigned b = before == RB_WORD ? RB_OTHER : before == RB_PLUS ? RB_OPEN : before;
    unsigned a = after == RA_HIGH ? RA_DASH : after;
    bool date4 = nd == 4 && (a == RA_DASH || a == RA_DOT), dashed = false, look;
    if (nd == 4 && a == RA_DOT && b != RB_OPEN)
        return RUN_YEAR;
    if (!date4) {
        if (b == RB_PATH)
            return RUN_BORING;
        dashed = b == RB_DASH && nd < 7;
    }
    look = nd >= 7 || b == RB_OPEN || a == RA_SEP || a == RA_DASH ||
           (a == RA_DOT && (nd == 4 || b == RB_ERA));
    if (!look)
        return RUN_BORING;
    if (before == RB_PLUS)
        return after == RA_OTHER || after == RA_SEP ? RUN_PLUS : RUN_LOOK;
    if (nd == 4 && after == RA_DASH) {
        if (before == RB_OTHER || before == RB_DASH)
            return RUN_DATE;
        if (before == RB_WORD || before == RB_ERA)
            return RUN_DATE_WORD;
    }
    if (nd >= 7 && nd <= 40 && before == RB_OTHER && after != RA_DASH && after != RA_HIGH)
        return RUN_CELL;
    if (!dashed && nd < 7 && after == RA_SEP && b != RB_OPEN)
        return RUN_SEP;
    return dashed ? RUN_DASHED : RUN_LOOK;
}

void azk_detect__run_screen_build(struct run_screen *s)
{
    unsigned b, a, n;
    for (b = 0; b < 256; b++) {
        s->before[b] = before_class(b) << 9;
        s->after[b] = after_class(b) << 6;
    }
    for (b = 0; b <= RB_WORD; b++)
        for (a = 0; a <= RA_HIGH; a++)
            for (n = 0; n < 64; n++)
                s->verdict[b << 9 | a << 6 | n] = (uint8_t)run_rule(b, a, n);
}
