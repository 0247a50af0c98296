/*
 * Object files and upload checksums. See storage.h for the crash-safety
 * protocol.
 *
 * The CRCs are reflected and table-driven, eight bytes per step
 * ("slicing-by-8"): CRC-32 (polynomial 0x04C11DB7), CRC-32C (0x1EDC6F41)
 * and CRC-64/NVME (0xAD93D23594C93659), each with all-ones initial value
 * and final XOR, as S3 computes them for x-amz-checksum-*.
 */
#include "s3/storage.h"

#include "common/log.h"
#include "common/util.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes written between two requests for writeback (sync_file_range). */
#define S3_SPOOL_WRITEBACK_BYTES (8u << 20)

struct s3_spool {
    int fd;
    bool committed;
    uint64_t size;
    uint64_t writeback_offset; /* bytes before this offset had their writeback started */
    char id[S3_DATA_ID_LEN + 1];
    char data_dir[PATH_MAX];
    char temp_path[PATH_MAX];
    EVP_MD_CTX *md5;
    EVP_MD_CTX *sha256;
};

/* Formats a path; returns false when it does not fit in PATH_MAX. */
__attribute__((noinline)) static bool format_path(char out[PATH_MAX], const char *fmt, const char *a, const char *b)
{
    int n = b ? snprintf(out, PATH_MAX, fmt, a, b) : snprintf(out, PATH_MAX, fmt, a);
    return n >= 0 && n < PATH_MAX;
}

static bool make_dir(const char *path)
{
    return mkdir(path, 0700) == 0 || errno == EEXIST;
}

static bool fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = fsync(fd) == 0;
    close(fd);
    return ok;
}

s3_spool *s3_spool_new(const char *data_dir, unsigned digests, char *err, size_t errlen)
{
    char objects[PATH_MAX], tmp[PATH_MAX];
    format_path(objects, "%s/objects", data_dir, NULL);
    format_path(tmp, "%s/objects/tmp", data_dir, NULL);
    if (!make_dir(objects) || !make_dir(tmp)) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        return NULL;
    }
    s3_spool *spool = calloc(1, sizeof *spool);
    if (!spool)
        abort();
    owl_uuid(spool->id);
    format_path(spool->data_dir, "%s", data_dir, NULL);
    format_path(spool->temp_path, "%s/%s", tmp, spool->id);
    spool->fd = open(spool->temp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (spool->fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", spool->temp_path, strerror(errno));
        free(spool);
        return NULL;
    }
    if (digests & S3_SPOOL_MD5) {
        spool->md5 = EVP_MD_CTX_new();
        if (!spool->md5 || !EVP_DigestInit_ex(spool->md5, EVP_md5(), NULL))
            abort();
    }
    if (digests & S3_SPOOL_SHA256) {
        spool->sha256 = EVP_MD_CTX_new();
        if (!spool->sha256 || !EVP_DigestInit_ex(spool->sha256, EVP_sha256(), NULL))
            abort();
    }
    return spool;
}

/*
 * Starts writeback of the bytes written since the last call once there are
 * S3_SPOOL_WRITEBACK_BYTES of them. Best effort: a failure here only means
 * the fsync at commit has more to do.
 */
static void spool_start_writeback(s3_spool *spool)
{
    uint64_t pending = spool->size - spool->writeback_offset;
    if (pending < S3_SPOOL_WRITEBACK_BYTES)
        return;
    (void)sync_file_range(spool->fd, (off_t)spool->writeback_offset, (off_t)pending,
                          SYNC_FILE_RANGE_WRITE);
    spool->writeback_offset = spool->size;
}

bool s3_spool_write(s3_spool *spool, const void *data, size_t len)
{
    if (spool->md5 && !EVP_DigestUpdate(spool->md5, data, len))
        abort();
    if (spool->sha256 && !EVP_DigestUpdate(spool->sha256, data, len))
        abort();
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(spool->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
        spool->size += (uint64_t)n;
    }
    spool_start_writeback(spool);
    return true;
}

bool s3_spool_append_file(s3_spool *spool, int fd, uint64_t length)
{
    loff_t offset = 0;
    while ((uint64_t)offset < length) {
        size_t want = length - (uint64_t)offset > (1u << 30) ? (1u << 30) : (size_t)(length - (uint64_t)offset);
        ssize_t n = copy_file_range(fd, &offset, spool->fd, NULL, want, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        spool->size += (uint64_t)n;
    }
    if ((uint64_t)offset == length)
        return true;
    /* Fall back to read/write where copy_file_range is unsupported (for example across file systems). */
    char *buffer = malloc(1 << 20);
    if (!buffer)
        abort();
    bool ok = true;
    while (ok && (uint64_t)offset < length) {
        ssize_t n = pread(fd, buffer, 1 << 20, offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ok = false;
            break;
        }
        size_t len = (size_t)n;
        for (const char *p = buffer; len > 0;) {
            ssize_t w = write(spool->fd, p, len);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                ok = false;
                break;
            }
            p += w, len -= (size_t)w;
            spool->size += (uint64_t)w;
        }
        offset += n;
    }
    free(buffer);
    return ok;
}

uint64_t s3_spool_size(const s3_spool *spool)
{
    return spool->size;
}

int s3_spool_open_read(const s3_spool *spool)
{
    assert(!spool->committed);
    return open(spool->temp_path, O_RDONLY | O_CLOEXEC);
}

void s3_spool_digests(s3_spool *spool, uint8_t md5[16], uint8_t sha256[32])
{
    memset(md5, 0, 16);
    memset(sha256, 0, 32);
    if (spool->md5)
        EVP_DigestFinal_ex(spool->md5, md5, NULL);
    if (spool->sha256)
        EVP_DigestFinal_ex(spool->sha256, sha256, NULL);
}

unsigned s3_spool_digest_set(const s3_spool *spool)
{
    return (spool->md5 ? S3_SPOOL_MD5 : 0u) | (spool->sha256 ? S3_SPOOL_SHA256 : 0u);
}

bool s3_spool_commit(s3_spool *spool, char id_out[S3_DATA_ID_LEN + 1], char *err, size_t errlen)
{
    char final_path[PATH_MAX], objects[PATH_MAX];
    format_path(objects, "%s/objects", spool->data_dir, NULL);
    format_path(final_path, "%s/%s", objects, spool->id);
    if (fsync(spool->fd) != 0 || rename(spool->temp_path, final_path) != 0 ||
        !fsync_dir(objects)) {
        snprintf(err, errlen, "cannot store object file %s: %s", final_path, strerror(errno));
        return false;
    }
    spool->committed = true;
    memcpy(id_out, spool->id, S3_DATA_ID_LEN + 1);
    return true;
}

void s3_spool_free(s3_spool *spool)
{
    if (!spool)
        return;
    close(spool->fd);
    if (!spool->committed)
        unlink(spool->temp_path);
    EVP_MD_CTX_free(spool->md5);
    EVP_MD_CTX_free(spool->sha256);
    free(spool);
}

/* ---- additional checksums ---------------------------------------------- */

static const struct checksum_algorithm_info {
    s3_checksum_algorithm algorithm;
    const char *header;
    const char *name;
    uint64_t reflected_polynomial; /* 0 for the SHA algorithms */
    unsigned crc_bytes;
} checksum_algorithms[] = {
    {S3_CHECKSUM_CRC32, "x-amz-checksum-crc32", "CRC32", 0xEDB88320u, 4},
    {S3_CHECKSUM_CRC32C, "x-amz-checksum-crc32c", "CRC32C", 0x82F63B78u, 4},
    {S3_CHECKSUM_CRC64NVME, "x-amz-checksum-crc64nvme", "CRC64NVME", 0x9A6C9329AC4BC9B5ull, 8},
    {S3_CHECKSUM_SHA1, "x-amz-checksum-sha1", "SHA1", 0, 0},
    {S3_CHECKSUM_SHA256, "x-amz-checksum-sha256", "SHA256", 0, 0},
};

struct s3_checksum {
    const struct checksum_algorithm_info *info;
    uint64_t crc;
    uint64_t crc_mask;
    /* table[0] is the one-byte table; table[k] is the CRC of a byte followed by k zero bytes. */
    uint64_t table[8][256];
    EVP_MD_CTX *md;
};

static const struct checksum_algorithm_info *checksum_info(s3_checksum_algorithm algorithm)
{
    for (size_t i = 0; i < sizeof checksum_algorithms / sizeof checksum_algorithms[0]; i++)
        if (checksum_algorithms[i].algorithm == algorithm)
            return &checksum_algorithms[i];
    return NULL;
}

s3_checksum_algorithm s3_checksum_from_header(const char *name)
{
    for (size_t i = 0; i < sizeof checksum_algorithms / sizeof checksum_algorithms[0]; i++)
        if (strcasecmp(checksum_algorithms[i].header, name) == 0)
            return checksum_algorithms[i].algorithm;
    return S3_CHECKSUM_NONE;
}

const char *s3_checksum_header(s3_checksum_algorithm algorithm)
{
    const struct checksum_algorithm_info *info = checksum_info(algorithm);
    return info ? info->header : "";
}

const char *s3_checksum_name(s3_checksum_algorithm algorithm)
{
    const struct checksum_algorithm_info *info = checksum_info(algorithm);
    return info ? info->name : "";
}

s3_checksum *s3_checksum_new(s3_checksum_algorithm algorithm)
{
    const struct checksum_algorithm_info *info = checksum_info(algorithm);
    assert(info);
    s3_checksum *checksum = calloc(1, sizeof *checksum);
    if (!checksum)
        abort();
    checksum->info = info;
    if (info->crc_bytes) {
        checksum->crc_mask = info->crc_bytes == 8 ? UINT64_MAX : (1ull << (8 * info->crc_bytes)) - 1;
        checksum->crc = checksum->crc_mask;
        for (uint64_t i = 0; i < 256; i++) {
            uint64_t c = i;
            for (int bit = 0; bit < 8; bit++)
                c = (c & 1) ? (c >> 1) ^ info->reflected_polynomial : c >> 1;
            checksum->table[0][i] = c;
        }
        for (int k = 1; k < 8; k++)
            for (int i = 0; i < 256; i++) {
                uint64_t previous = checksum->table[k - 1][i];
                checksum->table[k][i] = (previous >> 8) ^ checksum->table[0][previous & 0xff];
            }
        return checksum;
    }
    checksum->md = EVP_MD_CTX_new();
    if (!checksum->md ||
        !EVP_DigestInit_ex(checksum->md,
                           algorithm == S3_CHECKSUM_SHA1 ? EVP_sha1() : EVP_sha256(), NULL))
        abort();
    return checksum;
}

void s3_checksum_update(s3_checksum *checksum, const void *data, size_t len)
{
    if (checksum->md) {
        if (!EVP_DigestUpdate(checksum->md, data, len))
            abort();
        return;
    }
    const uint8_t *p = data;
    uint64_t crc = checksum->crc;
    const uint64_t (*table)[256] = checksum->table;
    for (; len >= 8; p += 8, len -= 8) {
        /* The CRC is reflected, so its low byte meets the first input byte. */
        uint64_t x = crc;
        for (int i = 0; i < 8; i++)
            x ^= (uint64_t)p[i] << (8 * i);
        crc = table[7][x & 0xff] ^ table[6][(x >> 8) & 0xff] ^ table[5][(x >> 16) & 0xff] ^
              table[4][(x >> 24) & 0xff] ^ table[3][(x >> 32) & 0xff] ^
              table[2][(x >> 40) & 0xff] ^ table[1][(x >> 48) & 0xff] ^ table[0][x >> 56];
    }
    for (size_t i = 0; i < len; i++)
        crc = table[0][(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    checksum->crc = crc;
}

void s3_checksum_final_base64(s3_checksum *checksum, char out[S3_CHECKSUM_BASE64_MAX])
{
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (checksum->md) {
        if (!EVP_DigestFinal_ex(checksum->md, digest, &len))
            abort();
    } else {
        uint64_t crc = checksum->crc ^ checksum->crc_mask;
        len = checksum->info->crc_bytes;
        for (unsigned i = 0; i < len; i++)
            digest[i] = (uint8_t)(crc >> (8 * (len - 1 - i)));
    }
    assert(4 * ((len + 2) / 3) < S3_CHECKSUM_BASE64_MAX);
    EVP_EncodeBlock((unsigned char *)out, digest, (int)len);
}

void s3_checksum_free(s3_checksum *checksum)
{
    if (!checksum)
        return;
    EVP_MD_CTX_free(checksum->md);
    free(checksum);
}

static bool data_id_valid(const char *id)
{
    if (strlen(id) != S3_DATA_ID_LEN)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == '-'))
            return false;
    return true;
}

int s3_data_open(const char *data_dir, const char *id)
{
    if (!data_id_valid(id)) {
        errno = EINVAL;
        return -1;
    }
    char path[PATH_MAX];
    format_path(path, "%s/objects/%s", data_dir, id);
    return open(path, O_RDONLY | O_CLOEXEC);
}

void s3_data_remove(const char *data_dir, const char *id)
{
    if (!data_id_valid(id))
        return;
    char path[PATH_MAX];
    format_path(path, "%s/objects/%s", data_dir, id);
    if (unlink(path) != 0 && errno != ENOENT)
        owl_log_warn("event=s3_data_remove_failed path=%s error=\"%s\"", path, strerror(errno));
}

static bool data_id_referenced(sqlite3 *db, const char *id)
{
    static const char *const queries[] = {
        "SELECT 1 FROM s3_objects WHERE data_id = ?",
        "SELECT 1 FROM s3_parts WHERE data_id = ?",
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        sqlite3_stmt *stmt = NULL;
        if (sqlite3_prepare_v2(db, queries[i], -1, &stmt, NULL) != SQLITE_OK) {
            sqlite3_finalize(stmt);
            return true; /* keep the file when unsure */
        }
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        sqlite3_finalize(stmt);
        if (rc != SQLITE_DONE)
            return true;
    }
    return false;
}

void s3_storage_recover(const char *data_dir, sqlite3 *db)
{
    char dir_path[PATH_MAX], path[PATH_MAX];
    unsigned temporaries = 0, unreferenced = 0;

    format_path(dir_path, "%s/objects/tmp", data_dir, NULL);
    DIR *dir = opendir(dir_path);
    for (struct dirent *e; dir && (e = readdir(dir));) {
        if (e->d_name[0] == '.')
            continue;
        format_path(path, "%s/%s", dir_path, e->d_name);
        if (unlink(path) == 0)
            temporaries++;
    }
    if (dir)
        closedir(dir);

    format_path(dir_path, "%s/objects", data_dir, NULL);
    dir = opendir(dir_path);
    for (struct dirent *e; dir && (e = readdir(dir));) {
        if (!data_id_valid(e->d_name) || data_id_referenced(db, e->d_name))
            continue;
        format_path(path, "%s/%s", dir_path, e->d_name);
        if (unlink(path) == 0)
            unreferenced++;
    }
    if (dir)
        closedir(dir);
    if (temporaries || unreferenced)
        owl_log_info("event=s3_storage_recovered temporary_files_removed=%u unreferenced_files_removed=%u",
                     temporaries, unreferenced);
}
