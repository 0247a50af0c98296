/*
 * Unit tests of the storage pieces behind aws-chunked uploads: the
 * x-amz-checksum-* checksums against the check values of the CRC catalogue
 * (input "123456789") and the SHA digests of the same input, and reading a
 * spooled body back from its temporary file.
 */
#include "common/util.h"
#include "s3/storage.h"
#include "unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK_INPUT "123456789"

static const struct {
    s3_checksum_algorithm algorithm;
    const char *header;
    const char *name;
    const char *base64; /* of CHECK_INPUT */
} checksum_cases[] = {
    {S3_CHECKSUM_CRC32, "x-amz-checksum-crc32", "CRC32", "y/Q5Jg=="},          /* 0xCBF43926 */
    {S3_CHECKSUM_CRC32C, "x-amz-checksum-crc32c", "CRC32C", "4waSgw=="},       /* 0xE3069283 */
    {S3_CHECKSUM_CRC64NVME, "x-amz-checksum-crc64nvme", "CRC64NVME", "rosUhgp5mIg="},
    {S3_CHECKSUM_SHA1, "x-amz-checksum-sha1", "SHA1", "98O8HYCOBHMq32eZZczDTKeuNEE="},
    {S3_CHECKSUM_SHA256, "x-amz-checksum-sha256", "SHA256",
     "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU="},
};

static void checksum_check_values(void)
{
    for (size_t i = 0; i < sizeof checksum_cases / sizeof checksum_cases[0]; i++) {
        char out[S3_CHECKSUM_BASE64_MAX];
        s3_checksum *checksum = s3_checksum_new(checksum_cases[i].algorithm);
        s3_checksum_update(checksum, CHECK_INPUT, strlen(CHECK_INPUT));
        s3_checksum_final_base64(checksum, out);
        s3_checksum_free(checksum);
        CHECK_STR(out, checksum_cases[i].base64);
    }
}

static void checksum_split_updates(void)
{
    for (size_t i = 0; i < sizeof checksum_cases / sizeof checksum_cases[0]; i++) {
        char out[S3_CHECKSUM_BASE64_MAX];
        s3_checksum *checksum = s3_checksum_new(checksum_cases[i].algorithm);
        s3_checksum_update(checksum, "", 0);
        for (const char *p = CHECK_INPUT; *p; p++)
            s3_checksum_update(checksum, p, 1);
        s3_checksum_final_base64(checksum, out);
        s3_checksum_free(checksum);
        CHECK_STR(out, checksum_cases[i].base64);
    }
}

static void checksum_empty_input(void)
{
    char out[S3_CHECKSUM_BASE64_MAX];
    s3_checksum *checksum = s3_checksum_new(S3_CHECKSUM_CRC32);
    s3_checksum_final_base64(checksum, out);
    s3_checksum_free(checksum);
    CHECK_STR(out, "AAAAAA==");
}

static void checksum_names(void)
{
    for (size_t i = 0; i < sizeof checksum_cases / sizeof checksum_cases[0]; i++) {
        CHECK_INT(s3_checksum_from_header(checksum_cases[i].header), checksum_cases[i].algorithm);
        CHECK_STR(s3_checksum_header(checksum_cases[i].algorithm), checksum_cases[i].header);
        CHECK_STR(s3_checksum_name(checksum_cases[i].algorithm), checksum_cases[i].name);
    }
    CHECK_INT(s3_checksum_from_header("X-Amz-Checksum-CRC32C"), S3_CHECKSUM_CRC32C);
    CHECK_INT(s3_checksum_from_header("x-amz-checksum-md5"), S3_CHECKSUM_NONE);
    CHECK_INT(s3_checksum_from_header("x-amz-checksum-crc32 "), S3_CHECKSUM_NONE);
    CHECK_INT(s3_checksum_from_header("x-amz-checksum-"), S3_CHECKSUM_NONE);
    CHECK_STR(s3_checksum_header(S3_CHECKSUM_NONE), "");
}

static void spool_read_back(void)
{
    char dir[] = "/tmp/owlery-test-s3-chunked-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char err[512];
    s3_spool *spool = s3_spool_new(dir, 0, err, sizeof err);
    CHECK(spool != NULL);
    if (!spool)
        return;
    CHECK(s3_spool_write(spool, "5\r\nhello\r\n", 10));
    CHECK(s3_spool_write(spool, "0\r\n\r\n", 5));

    int fd = s3_spool_open_read(spool);
    CHECK(fd >= 0);
    char back[32];
    ssize_t n = fd >= 0 ? read(fd, back, sizeof back) : -1;
    CHECK_MEM(back, (size_t)(n > 0 ? n : 0), "5\r\nhello\r\n0\r\n\r\n", 15);
    if (fd >= 0)
        close(fd);

    s3_spool_free(spool);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s/objects/tmp", dir);
    CHECK(rmdir(tmp) == 0); /* the free removed the temporary file */
    snprintf(tmp, sizeof tmp, "%s/objects", dir);
    CHECK(rmdir(tmp) == 0);
    CHECK(rmdir(dir) == 0);
}

/* Each spool computes only the digests it was created for, over bodies past the writeback step. */
static void spool_digests_requested(void)
{
    char dir[] = "/tmp/owlery-test-s3-spool-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    /* 20 MiB of one repeated byte, written in 1 MiB blocks: past two writeback steps of 8 MiB. */
    size_t block_len = 1u << 20;
    unsigned char *block = malloc(block_len);
    if (!block)
        abort();
    memset(block, 'a', block_len);
    const struct {
        unsigned digests;
        const char *md5;
        const char *sha256;
    } cases[] = {
        {S3_SPOOL_MD5, "536cb0e6626114783f53870132bac5cb", NULL},
        {S3_SPOOL_MD5 | S3_SPOOL_SHA256, "536cb0e6626114783f53870132bac5cb",
         "48b6fb8f1c2fec38d030604889d674722c4af237733c913b698400b59c9294b4"},
        {0, NULL, NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char err[512];
        s3_spool *spool = s3_spool_new(dir, cases[c].digests, err, sizeof err);
        CHECK(spool != NULL);
        if (!spool)
            continue;
        CHECK_INT(s3_spool_digest_set(spool), cases[c].digests);
        for (int i = 0; i < 20; i++)
            CHECK(s3_spool_write(spool, block, block_len));
        CHECK_INT(s3_spool_size(spool), 20ull << 20);
        uint8_t md5[16], sha256[32], zero[32] = {0};
        s3_spool_digests(spool, md5, sha256);
        char hex[65];
        if (cases[c].md5) {
            owl_hex_encode(md5, 16, hex);
            CHECK_STR(hex, cases[c].md5);
        } else {
            CHECK_MEM(md5, 16, zero, 16);
        }
        if (cases[c].sha256) {
            owl_hex_encode(sha256, 32, hex);
            CHECK_STR(hex, cases[c].sha256);
        } else {
            CHECK_MEM(sha256, 32, zero, 32);
        }
        s3_spool_free(spool);
    }
    free(block);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s/objects/tmp", dir);
    CHECK(rmdir(tmp) == 0);
    snprintf(tmp, sizeof tmp, "%s/objects", dir);
    CHECK(rmdir(tmp) == 0);
    CHECK(rmdir(dir) == 0);
}

int main(void)
{
    UNIT_RUN(checksum_check_values);
    UNIT_RUN(checksum_split_updates);
    UNIT_RUN(checksum_empty_input);
    UNIT_RUN(checksum_names);
    UNIT_RUN(spool_read_back);
    UNIT_RUN(spool_digests_requested);
    return UNIT_SUMMARY();
}
