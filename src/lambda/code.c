/*
 * Function code packages: the zip archive a client uploads, stored once per
 * content under DATA_DIR/lambda/ as
 *   zips/<sha256-hex>.zip   the archive, for GetFunction's Code.Location
 *   code/<sha256-hex>/      its extraction, the instances' working directory
 *
 * Extraction (libzip) rejects entries that could write outside the tree:
 * absolute paths, ".." components, duplicates, and symbolic links that are
 * absolute, dangling or resolve outside the tree. Links are created after
 * every file, so no file is ever written through one. Unix permission bits
 * come from the entries' external attributes; the executable bit is kept and
 * every write bit is removed, so the tree is read-only for the function.
 * A package may unpack to at most 262144000 bytes, Lambda's limit.
 */
#include "lambda/internal.h"

#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#define CODE_UNZIPPED_MAX 262144000ull
#define CODE_MAX_ENTRIES 100000

static const char unzip_failed[] =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

void lambda_code_digest(const void *data, size_t len, char b64[45], char hex[65])
{
    unsigned char digest[32];
    unsigned int digest_len = 0;
    if (!EVP_Digest(data, len, digest, &digest_len, EVP_sha256(), NULL) || digest_len != 32)
        abort();
    EVP_EncodeBlock((unsigned char *)b64, digest, 32);
    owl_hex_encode(digest, 32, hex);
}

char *lambda_base64_encode(const void *data, size_t len)
{
    size_t out_len = 4 * ((len + 2) / 3) + 1;
    char *out = malloc(out_len);
    if (!out)
        abort();
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

uint8_t *lambda_base64_decode(const char *text, size_t len, size_t *outlen)
{
    if (len % 4 != 0 || len > (size_t)INT_MAX)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        bool pad_ok = c == '=' && i >= len - 2 && (i == len - 1 || text[len - 1] == '=');
        if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
            c != '+' && c != '/' && !pad_ok)
            return NULL;
    }
    uint8_t *out = malloc(len / 4 * 3 + 1);
    if (!out)
        abort();
    int n = len ? EVP_DecodeBlock(out, (const unsigned char *)text, (int)len) : 0;
    if (n < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts padding as zero bytes. */
    size_t padding = len >= 1 && text[len - 1] == '=' ? (len >= 2 && text[len - 2] == '=' ? 2 : 1) : 0;
    *outlen = (size_t)n - padding;
    return out;
}

/* Returns true when path is relative and no component is "..". */
static bool entry_path_safe(const char *path)
{
    if (path[0] == '\0' || path[0] == '/' || strchr(path, '\\'))
        return false;
    const char *p = path;
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return false;
        p += n;
        if (*p == '/')
            p++;
    }
    return true;
}

/* Creates every missing directory of the relative path's parent under dest. */
static bool make_parents(const char *dest, const char *rel)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dest, rel) >= (int)sizeof path)
        return false;
    size_t base = strlen(dest) + 1;
    for (char *p = path + base; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        struct stat st;
        if (lstat(path, &st) != 0) {
            if (mkdir(path, 0755) != 0)
                return false;
        } else if (!S_ISDIR(st.st_mode)) {
            return false;
        }
        *p = '/';
    }
    return true;
}

static bool extract_file(zip_t *archive, zip_uint64_t index, const char *path, mode_t mode,
                         uint64_t *written)
{
    zip_file_t *zf = zip_fopen_index(archive, index, 0);
    if (!zf)
        return false;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        zip_fclose(zf);
        return false;
    }
    char chunk[65536];
    zip_int64_t n;
    bool ok = true;
    while ((n = zip_fread(zf, chunk, sizeof chunk)) > 0) {
        *written += (uint64_t)n;
        if (*written > CODE_UNZIPPED_MAX || write(fd, chunk, (size_t)n) != n) {
            ok = false;
            break;
        }
    }
    if (n < 0)
        ok = false;
    /* Read-only for everyone; the executable bits come from the archive. */
    if (fchmod(fd, (mode & 0111) ? 0555 : 0444) != 0)
        ok = false;
    close(fd);
    zip_fclose(zf);
    return ok;
}

/* Lexically resolves target relative to the link's directory; false when it leaves the tree. */
static bool link_target_inside(const char *link_rel, const char *target)
{
    if (target[0] == '\0' || target[0] == '/')
        return false;
    int depth = 0;
    for (const char *p = link_rel; *p; p++)
        if (*p == '/')
            depth++;
    const char *p = target;
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            depth--;
        else if (n > 0 && !(n == 1 && p[0] == '.'))
            depth++;
        if (depth < 0)
            return false;
        p += n;
        if (*p == '/')
            p++;
    }
    return true;
}

typedef struct pending_link {
    char *rel;
    char *target;
} pending_link;

static bool create_links(const char *dest, pending_link *links, size_t count, char *err,
                         size_t errlen)
{
    char real_dest[PATH_MAX];
    if (!realpath(dest, real_dest)) {
        snprintf(err, errlen, "%s", unzip_failed);
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dest, links[i].rel);
        if (!make_parents(dest, links[i].rel) || symlink(links[i].target, path) != 0) {
            snprintf(err, errlen, "%s", unzip_failed);
            return false;
        }
    }
    /* Only now can a link be resolved through the others: each must end inside the tree. */
    size_t dest_len = strlen(real_dest);
    for (size_t i = 0; i < count; i++) {
        char path[PATH_MAX], resolved[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dest, links[i].rel);
        if (!realpath(path, resolved) || strncmp(resolved, real_dest, dest_len) != 0 ||
            (resolved[dest_len] != '/' && resolved[dest_len] != '\0')) {
            snprintf(err, errlen,
                     "Invalid code package: symbolic link \"%.200s\" resolves outside the package "
                     "or to nothing",
                     links[i].rel);
            return false;
        }
    }
    return true;
}

/*
 * Makes the extracted package read-only and readable by everyone: instances
 * may run as another user than owlery. Executable files stay executable.
 */
static int make_dir_read_only(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag == FTW_DP || flag == FTW_D)
        chmod(path, 0555);
    else if (flag == FTW_F)
        chmod(path, (st->st_mode & S_IXUSR) ? 0555 : 0444);
    return 0;
}

bool lambda_code_extract(const void *zip, size_t len, const char *dest, char *err,
                         size_t errlen)
{
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t *source = zip_source_buffer_create(zip, len, 0, &zerr);
    zip_t *archive = source ? zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &zerr) : NULL;
    zip_error_fini(&zerr);
    if (!archive) {
        zip_source_free(source);
        snprintf(err, errlen, "%s", unzip_failed);
        return false;
    }
    if (mkdir(dest, 0755) != 0) {
        zip_close(archive);
        snprintf(err, errlen, "%s", unzip_failed);
        owl_log_error("event=lambda_code_failed path=%s error=\"%s\"", dest, strerror(errno));
        return false;
    }

    zip_int64_t entries = zip_get_num_entries(archive, 0);
    pending_link *links = NULL;
    size_t link_count = 0;
    uint64_t declared = 0, written = 0;
    bool ok = entries >= 0 && entries <= CODE_MAX_ENTRIES;
    for (zip_int64_t i = 0; ok && i < entries; i++) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(archive, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME)) {
            ok = false;
            break;
        }
        declared += st.size;
        if (declared > CODE_UNZIPPED_MAX) {
            snprintf(err, errlen, "Unzipped size must be smaller than %llu bytes",
                     (unsigned long long)CODE_UNZIPPED_MAX);
            zip_close(archive);
            free(links);
            return false;
        }
        const char *name = st.name;
        if (!entry_path_safe(name)) {
            snprintf(err, errlen,
                     "Invalid code package: entry \"%.200s\" is an absolute path or contains \"..\"",
                     name);
            zip_close(archive);
            for (size_t k = 0; k < link_count; k++) {
                free(links[k].rel);
                free(links[k].target);
            }
            free(links);
            return false;
        }

        zip_uint8_t opsys;
        zip_uint32_t attributes;
        mode_t mode = 0644;
        if (zip_file_get_external_attributes(archive, (zip_uint64_t)i, 0, &opsys, &attributes) == 0 &&
            opsys == ZIP_OPSYS_UNIX && (attributes >> 16) != 0)
            mode = (mode_t)(attributes >> 16);

        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", dest, name) >= (int)sizeof path) {
            ok = false;
            break;
        }
        size_t name_len = strlen(name);
        if (name[name_len - 1] == '/' || S_ISDIR(mode)) {
            ok = make_parents(dest, name) && (mkdir(path, 0755) == 0 || errno == EEXIST);
        } else if (S_ISLNK(mode)) {
            /* The entry's data is the link target. */
            if (st.size >= PATH_MAX) {
                ok = false;
                break;
            }
            char target[PATH_MAX];
            zip_file_t *zf = zip_fopen_index(archive, (zip_uint64_t)i, 0);
            zip_int64_t n = zf ? zip_fread(zf, target, sizeof target - 1) : -1;
            if (zf)
                zip_fclose(zf);
            if (n < 0) {
                ok = false;
                break;
            }
            target[n] = '\0';
            if (!link_target_inside(name, target)) {
                snprintf(err, errlen,
                         "Invalid code package: symbolic link \"%.200s\" points outside the package",
                         name);
                zip_close(archive);
                for (size_t k = 0; k < link_count; k++) {
                    free(links[k].rel);
                    free(links[k].target);
                }
                free(links);
                return false;
            }
            pending_link *grown = realloc(links, (link_count + 1) * sizeof *links);
            if (!grown)
                abort();
            links = grown;
            links[link_count].rel = strdup(name);
            links[link_count].target = strdup(target);
            link_count++;
        } else {
            ok = make_parents(dest, name) && extract_file(archive, (zip_uint64_t)i, path, mode, &written);
        }
    }
    zip_close(archive);
    if (!ok)
        snprintf(err, errlen, "%s", unzip_failed);
    if (ok)
        ok = create_links(dest, links, link_count, err, errlen);
    for (size_t k = 0; k < link_count; k++) {
        free(links[k].rel);
        free(links[k].target);
    }
    free(links);
    if (ok)
        nftw(dest, make_dir_read_only, 16, FTW_PHYS | FTW_DEPTH);
    return ok;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path) == 0 ? 0 : -1;
    return unlink(path) == 0 ? 0 : -1;
}

static int make_dir_writable(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_D)
        chmod(path, 0700);
    return 0;
}

/* Removes a (possibly read-only) tree; used for abandoned extractions. */
static void remove_tree(const char *path)
{
    nftw(path, make_dir_writable, 16, FTW_PHYS);
    nftw(path, remove_entry, 16, FTW_PHYS | FTW_DEPTH);
}

/* snprintf into a path buffer; false when the result does not fit. */
static bool path_format(char *out, size_t outlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool path_format(char *out, size_t outlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, outlen, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < outlen;
}

static bool make_dir(const char *path)
{
    return mkdir(path, 0700) == 0 || errno == EEXIST;
}

static bool write_file_durably(const char *path, const void *data, size_t len)
{
    char tmp[PATH_MAX];
    char suffix[17];
    owl_random_string(suffix, 16, "abcdefghijklmnopqrstuvwxyz0123456789");
    if (!path_format(tmp, sizeof tmp, "%s.tmp-%s", path, suffix))
        return false;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n <= 0) {
            close(fd);
            unlink(tmp);
            return false;
        }
        p += n;
        left -= (size_t)n;
    }
    bool ok = fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return false;
    }
    return true;
}

bool lambda_code_store(const char *data_dir, const void *zip, size_t len, const char *hex,
                       char *err, size_t errlen)
{
    char root[PATH_MAX], zips[PATH_MAX], code[PATH_MAX], zip_path[PATH_MAX], dest[PATH_MAX];
    if (!path_format(root, sizeof root, "%s/lambda", data_dir) ||
        !path_format(zips, sizeof zips, "%s/zips", root) ||
        !path_format(code, sizeof code, "%s/code", root) ||
        !path_format(zip_path, sizeof zip_path, "%s/%s.zip", zips, hex) ||
        !path_format(dest, sizeof dest, "%s/%s", code, hex)) {
        snprintf(err, errlen, "the data directory path is too long to store code packages");
        return false;
    }
    if (!make_dir(root) || !make_dir(zips) || !make_dir(code)) {
        owl_log_error("event=lambda_code_failed path=%s error=\"%s\"", root, strerror(errno));
        snprintf(err, errlen, "cannot create the code directory under %s", root);
        return false;
    }

    struct stat st;
    if (stat(dest, &st) == 0 && S_ISDIR(st.st_mode) && stat(zip_path, &st) == 0)
        return true;

    /* Extract beside the final name and rename, so a concurrent upload of the same zip is harmless. */
    char tmp[PATH_MAX], suffix[17];
    owl_random_string(suffix, 16, "abcdefghijklmnopqrstuvwxyz0123456789");
    if (!path_format(tmp, sizeof tmp, "%s/.extract-%s", code, suffix)) {
        snprintf(err, errlen, "the data directory path is too long to store code packages");
        return false;
    }
    if (!lambda_code_extract(zip, len, tmp, err, errlen)) {
        remove_tree(tmp);
        return false;
    }
    if (rename(tmp, dest) != 0) {
        remove_tree(tmp);
        if (errno != EEXIST && errno != ENOTEMPTY) {
            snprintf(err, errlen, "cannot store the code package: %s", strerror(errno));
            return false;
        }
    }
    if (!write_file_durably(zip_path, zip, len)) {
        snprintf(err, errlen, "cannot store the code package: %s", strerror(errno));
        return false;
    }
    return true;
}
