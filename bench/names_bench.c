/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/names_bench.c -- throughput and labelled-set driver for the
 * person-name detector (detect/names.h). Not a test: build and run with
 * bench/names_bench.sh.
 *
 *   names_bench throughput [MB]   synthetic (a) mostly-ASCII log lines with
 *                                 no names and (b) Japanese prose with about
 *                                 one name per line, (c) Japanese prose
 *                                 with no names, scanned line by line as
 *                                 detect.c calls it; prints bytes/s.
 *   names_bench eval FILE         FILE holds "column<TAB>text" lines
 *                                 (column: none|name|name_kana|family|given);
 *                                 prints "line<TAB>start<TAB>len<TAB>
 *                                 family_len<TAB>confidence" per hit:
 *                                 offsets only, never the text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/names.h"

struct counts {
    unsigned long hits;
    unsigned long line;
    FILE *out;
};

static azk_status on_hit(const azk_name_hit *h, void *payload)
{
    struct counts *c = payload;
    c->hits++;
    if (c->out != NULL)
        fprintf(c->out, "%lu\t%zu\t%zu\t%zu\t%.3f\n", c->line, h->start, h->len, h->family_len,
                h->confidence);
    return AZK_OK;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const char *const fam[] = {"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本",
                                  "中村", "小林", "加藤", "吉田", "山田", "松本", "井上"};
static const char *const giv[] = {"太郎", "花子", "一郎", "健二", "美咲", "翔太", "陽子",
                                  "大輔", "直美", "誠",   "恵子", "浩",   "由美", "拓也"};
static const char *const kfam[] = {"サトウ", "スズキ", "タカハシ", "タナカ", "ヤマダ"};
static const char *const kgiv[] = {"タロウ", "ハナコ", "イチロウ", "ケンジ", "ミサキ"};

static void prose_line(char *b, size_t cap)
{
    const char *f = fam[rnd(sizeof(fam) / sizeof(fam[0]))];
    const char *g = giv[rnd(sizeof(giv) / sizeof(giv[0]))];
    switch (rnd(7)) {
        case 0:
            snprintf(b, cap, "%s%s様より、請求書の再発行についてお問い合わせがありました。", f, g);
            break;
        case 1:
            snprintf(b, cap, "本日の打ち合わせには%sさんと営業部の担当者が出席した。", f);
            break;
        case 2:
            snprintf(b, cap, "氏名：%s %s　住所：東京都中央区日本橋一丁目　電話：03-1234-5678", f,
                     g);
            break;
        case 3:
            snprintf(b, cap, "発送先 %s　%s 殿 宛の封筒を印刷し、検品を完了しました。", f, g);
            break;
        case 4:
            snprintf(b, cap, "昨日%s%sが来社し、契約内容について説明を受けた。", f, g);
            break;
        case 5:
            snprintf(b, cap, "%s %s 様の登録情報を更新しました。",
                     kfam[rnd(sizeof(kfam) / sizeof(kfam[0]))],
                     kgiv[rnd(sizeof(kgiv) / sizeof(kgiv[0]))]);
            break;
        default:
            snprintf(b, cap, "東京都中央区の本田技研工業株式会社で様式第1号を提出した。");
            break;
    }
}

static void plain_line(char *b, size_t cap)
{
    static const char *const lines[] = {
        "東京都中央区の本田技研工業株式会社で様式第1号を提出した。",
        "本日の処理件数は前日比で増加し、上野駅前支店の発送分も完了しました。",
        "日本銀行の金融政策決定会合を受けて、市場の動向を注視している。",
        "印刷データの検品工程において、重複した宛先ラベルが見つかりました。",
        "大和市役所から届いた通知書の内容を確認し、担当部署へ回付した。",
        "各位、来週の定期保守に伴いシステムを一時停止いたします。",
    };
    snprintf(b, cap, "%s", lines[rnd(sizeof(lines) / sizeof(lines[0]))]);
}

static void log_line(char *b, size_t cap, unsigned long i)
{
    if (i % 50 == 49)
        snprintf(b, cap, "2026-11-25T21:%02lu:%02lu.%03luZ INFO [worker-%lu] 処理完了 job=%lu",
                 i / 60 % 60, i % 60, i % 1000, i % 8, i);
    else
        snprintf(b, cap,
                 "2026-11-25T21:%02lu:%02lu.%03luZ INFO [worker-%lu] job=%lu batch=print "
                 "stage=render pages=%lu elapsed_ms=%lu status=ok",
                 i / 60 % 60, i % 60, i % 1000, i % 8, 4400 + i % 97, i % 40, i % 999);
}

static int run(azk_names_ctx *ctx, const char *what, size_t target, int kind)
{
    char line[512];
    char *text = malloc(target + 1024);
    size_t len = 0;
    size_t *starts;
    size_t nlines = 0;
    double best = 0;
    struct counts c;
    unsigned long calls0;
    if (text == NULL)
        return 1;
    starts = malloc(sizeof(size_t) * (target / 16 + 2));
    if (starts == NULL) {
        free(text);
        return 1;
    }
    for (unsigned long i = 0; len < target; i++) {
        size_t l;
        if (kind == 1)
            prose_line(line, sizeof(line));
        else if (kind == 2)
            plain_line(line, sizeof(line));
        else
            log_line(line, sizeof(line), i);
        l = strlen(line);
        starts[nlines++] = len;
        memcpy(text + len, line, l);
        len += l;
        text[len++] = '\n';
    }
    starts[nlines] = len;
    memset(&c, 0, sizeof(c));
    calls0 = azk_names__ctx_mecab_calls(ctx);
    for (int rep = 0; rep < 3; rep++) {
        uint64_t t0 = azk_now_ns();
        double s;
        c.hits = 0;
        for (size_t k = 0; k < nlines; k++) {
            if (azk_names__scan(ctx, text + starts[k], starts[k + 1] - starts[k] - 1, AZK_COL_NONE,
                                on_hit, &c) != AZK_OK) {
                free(starts);
                free(text);
                return 1;
            }
        }
        s = (double)(azk_now_ns() - t0) / 1e9;
        if (best == 0 || s < best)
            best = s;
    }
    printf("%-6s %8.1f MB %8zu lines  best of 3: %.3f s  %8.1f MB/s  hits/pass %lu  "
           "MeCab parses/pass %lu\n",
           what, len / 1e6, nlines, best, len / 1e6 / best, c.hits,
           (azk_names__ctx_mecab_calls(ctx) - calls0) / 3);
    free(starts);
    free(text);
    return 0;
}

static azk_column_kind parse_col(const char *s)
{
    if (strcmp(s, "name") == 0)
        return AZK_COL_NAME;
    if (strcmp(s, "name_kana") == 0)
        return AZK_COL_NAME_KANA;
    if (strcmp(s, "family") == 0)
        return AZK_COL_FAMILY_NAME;
    if (strcmp(s, "given") == 0)
        return AZK_COL_GIVEN_NAME;
    return AZK_COL_NONE;
}

static int eval(azk_names_ctx *ctx, const char *path)
{
    FILE *f = fopen(path, "r");
    char buf[8192];
    struct counts c;
    if (f == NULL)
        return 1;
    memset(&c, 0, sizeof(c));
    c.out = stdout;
    while (fgets(buf, sizeof(buf), f) != NULL) {
        size_t l = strlen(buf);
        char *tab = strchr(buf, '\t');
        c.line++;
        if (l > 0 && buf[l - 1] == '\n')
            buf[--l] = 0;
        if (tab == NULL)
            continue;
        *tab = 0;
        if (azk_names__scan(ctx, tab + 1, strlen(tab + 1), parse_col(buf), on_hit, &c) != AZK_OK)
            return 1;
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    azk_names *n = NULL;
    azk_names_ctx *ctx = NULL;
    int rc = 1;
    uint64_t t0 = azk_now_ns();
    if (argc < 2)
        goto usage;
    if (azk_names__new(&n, NULL) != AZK_OK || azk_names__ctx_new(&ctx, n) != AZK_OK) {
        fprintf(stderr, "names_bench: %s\n", azk_error_last()->message);
        return 1;
    }
    if (strcmp(argv[1], "throughput") == 0) {
        size_t mb = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 32;
        printf("engine+context start-up: %.1f ms\n", (azk_now_ns() - t0) / 1e6);
        rc = run(ctx, "log", mb << 20, 0);
        if (rc == 0)
            rc = run(ctx, "prose", (mb / 4 + 1) << 20, 1);
        if (rc == 0)
            rc = run(ctx, "plain", (mb / 4 + 1) << 20, 2);
    } else if (strcmp(argv[1], "eval") == 0 && argc > 2) {
        rc = eval(ctx, argv[2]);
    } else {
        goto usage;
    }
    azk_names__ctx_free(ctx);
    azk_names__free(n);
    return rc;
usage:
    fprintf(stderr, "usage: names_bench throughput [MB] | names_bench eval FILE\n");
    return 2;
}
