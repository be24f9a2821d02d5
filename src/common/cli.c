/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common/cli.c -- front-end helpers: i18n set-up (Japanese by default,
 * English with --lang en or AZUKARI_LANG=en), stderr messages, home path.
 */
#include "cli.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *azk_cli_progname = "azukari";
bool azk_cli_quiet;
const char *azk_cli_home_opt;
const char *azk_cli_catalog_opt;

/*
 * Running from a build tree (build/src/cli/azukari), the catalogs are in
 * build/po/locale; installed, in AZK_LOCALEDIR.
 */
static const char *build_tree_localedir(void)
{
    static char path[4096];
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash;
    struct stat st;
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    for (int i = 0; i < 3; i++) {
        slash = strrchr(exe, '/');
        if (slash == NULL)
            return NULL;
        *slash = '\0';
    }
    if ((size_t)snprintf(path, sizeof(path), "%s/po/locale", exe) >= sizeof(path))
        return NULL;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return path;
}

void azk_cli_init_i18n(const char *lang)
{
    const char *dir = getenv("AZUKARI_LOCALEDIR");
    if (lang == NULL)
        lang = getenv("AZUKARI_LANG");
    if (lang == NULL || *lang == '\0')
        lang = "ja";
    /*
     * gettext ignores LANGUAGE in the "C" locale, and servers often run
     * with LANG unset; C.UTF-8 always exists on Debian, keeps byte
     * semantics, and lets LANGUAGE choose the catalog.
     */
    if (setlocale(LC_ALL, "") == NULL || strcmp(setlocale(LC_MESSAGES, NULL), "C") == 0 ||
        strcmp(setlocale(LC_MESSAGES, NULL), "POSIX") == 0)
        setlocale(LC_ALL, "C.UTF-8");
    setlocale(LC_NUMERIC, "C");
    setenv("LANGUAGE", lang, 1);
    if (dir == NULL)
        dir = build_tree_localedir();
    bindtextdomain("azukari", dir != NULL ? dir : AZK_LOCALEDIR);
    bind_textdomain_codeset("azukari", "UTF-8");
    textdomain("azukari");
}

void azk_cli_err(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", azk_cli_progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int azk_cli_usage_err(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", azk_cli_progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return AZK_EXIT_USAGE;
}

void azk_cli_liberr(const char *context)
{
    const azk_error *e = azk_error_last();
    if (context != NULL)
        fprintf(stderr, "%s: %s: %s\n", azk_cli_progname, context,
                e->message[0] ? e->message : azk_status_name(e->code));
    else
        fprintf(stderr, "%s: %s\n", azk_cli_progname,
                e->message[0] ? e->message : azk_status_name(e->code));
}

const char *azk_cli_home(const char *explicit_home)
{
    static char buf[4096];
    const char *h = explicit_home != NULL ? explicit_home : azk_cli_home_opt;
    if (h != NULL)
        return h;
    h = getenv("AZUKARI_HOME");
    if (h != NULL && *h != '\0')
        return h;
    h = getenv("HOME");
    snprintf(buf, sizeof(buf), "%s/.azukari", h != NULL ? h : ".");
    return buf;
}
