/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/standalone/driver.c -- replays fuzz corpora through a libFuzzer
 * harness without libFuzzer, so CTest (gcc, ASan) exercises every saved
 * input. Arguments are files or directories (read one level deep).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;
    if (f == NULL)
        return -1;
    n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return -1;
    }
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf == NULL || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) {
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

/*
 * Exit status 1 when an argument is missing or unreadable, a corpus
 * directory holds no input, or an input cannot be read: a replay that
 * silently replays nothing would pass while testing nothing.
 */
int main(int argc, char **argv)
{
    int count = 0, bad = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "missing: %s\n", argv[i]);
            bad++;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            int here = 0;
            if (d == NULL) {
                fprintf(stderr, "cannot open: %s\n", argv[i]);
                bad++;
                continue;
            }
            while ((e = readdir(d)) != NULL) {
                char p[4096];
                struct stat es;
                if (e->d_name[0] == '.')
                    continue;
                if ((size_t)snprintf(p, sizeof(p), "%s/%s", argv[i], e->d_name) >= sizeof(p) ||
                    stat(p, &es) != 0) {
                    fprintf(stderr, "cannot read: %s/%s\n", argv[i], e->d_name);
                    bad++;
                    continue;
                }
                if (S_ISDIR(es.st_mode))
                    continue; /* one level deep */
                if (run_file(p) == 0) {
                    count++;
                    here++;
                } else {
                    fprintf(stderr, "cannot read: %s\n", p);
                    bad++;
                }
            }
            closedir(d);
            if (here == 0) {
                fprintf(stderr, "no input in %s\n", argv[i]);
                bad++;
            }
        } else if (run_file(argv[i]) == 0) {
            count++;
        } else {
            fprintf(stderr, "cannot read: %s\n", argv[i]);
            bad++;
        }
    }
    /* an empty input always runs too */
    LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
    printf("replayed %d inputs\n", count + 1);
    return bad == 0 ? 0 : 1;
}
