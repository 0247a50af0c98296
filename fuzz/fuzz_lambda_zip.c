/*
 * libFuzzer target for code package extraction: the bytes of a ZipFile
 * that CreateFunction or UpdateFunctionCode received, unpacked into a
 * fresh folder. Entries must stay inside it (no absolute paths, "..",
 * or symbolic links that point out), whatever the archive claims.
 */
#include "lambda/internal.h"

#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int make_writable(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP || flag == FTW_D)
        chmod(path, 0700);
    return 0;
}

static int unlink_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    (void)flag;
    return remove(path);
}

static char root[] = "/tmp/owlery-fuzz-zip.XXXXXX";

static void remove_root(void)
{
    rmdir(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool made;
    if (!made) {
        if (!mkdtemp(root))
            abort();
        atexit(remove_root);
        made = true;
    }
    char dest[PATH_MAX];
    snprintf(dest, sizeof dest, "%s/code", root);
    char err[512];
    lambda_code_extract(data, size, dest, err, sizeof err);

    /* Nothing may appear next to the package folder. */
    char outside[PATH_MAX];
    snprintf(outside, sizeof outside, "%s/escaped", root);
    if (access(outside, F_OK) == 0)
        abort();

    nftw(dest, make_writable, 16, FTW_PHYS);
    nftw(dest, unlink_entry, 16, FTW_PHYS | FTW_DEPTH);
    return 0;
}
