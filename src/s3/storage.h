/*
 * Object bytes on disk, and the checksums of the x-amz-checksum-* headers
 * that uploads may carry. Every object and every multipart part is one file
 * DATA_DIR/objects/<id>, named by a random id, never by its key. A new file
 * is written as DATA_DIR/objects/tmp/<id>, fsync'ed, renamed to its final
 * name and the directory fsync'ed; only then does the caller commit the
 * metadata row that points at it. After a crash a file is either complete
 * under its final name or still a temporary, and s3_storage_recover()
 * deletes the temporaries and the files no row points at.
 */
#ifndef OWL_S3_STORAGE_H
#define OWL_S3_STORAGE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Object file ids are UUIDs. */
#define S3_DATA_ID_LEN 36

typedef struct s3_spool s3_spool;

/* Digests a spool computes over the bytes written to it, for s3_spool_new(). */
#define S3_SPOOL_MD5 1u    /* the ETag of a PUT */
#define S3_SPOOL_SHA256 2u /* only to check a hex x-amz-content-sha256 */

/*
 * Creates a temporary file under data_dir for a new object that computes
 * the digests named in digests (S3_SPOOL_* flags). Returns NULL with a
 * message in err when the file cannot be created.
 */
s3_spool *s3_spool_new(const char *data_dir, unsigned digests, char *err, size_t errlen);
/*
 * Appends bytes, updating the digests. Every 8 MiB it starts writeback of
 * what was written so far (sync_file_range), so the fsync at commit waits
 * for the tail of the file instead of all of it. Returns false on a write
 * error.
 */
bool s3_spool_write(s3_spool *spool, const void *data, size_t len);
/*
 * Appends length bytes of the file fd from its start without hashing them
 * (multipart completion, whose ETag comes from the part digests). Returns
 * false on an I/O error.
 */
bool s3_spool_append_file(s3_spool *spool, int fd, uint64_t length);
uint64_t s3_spool_size(const s3_spool *spool);
/*
 * Opens the spool's temporary file for reading from its start, so a body
 * spooled as received (aws-chunked) can be read back. Call before
 * s3_spool_commit(). Returns a new descriptor the caller closes, or -1 with
 * errno set.
 */
int s3_spool_open_read(const s3_spool *spool);
/*
 * Finishes the digests (call once, after the last write). A digest the
 * spool was not created to compute comes out as zero bytes.
 */
void s3_spool_digests(s3_spool *spool, uint8_t md5[16], uint8_t sha256[32]);
/* Returns the digests (S3_SPOOL_* flags) the spool computes. */
unsigned s3_spool_digest_set(const s3_spool *spool);
/*
 * Makes the file durable under its final name and copies its id to id_out.
 * After this the spool no longer deletes the file. Returns false with a
 * message in err on an I/O error.
 */
bool s3_spool_commit(s3_spool *spool, char id_out[S3_DATA_ID_LEN + 1], char *err, size_t errlen);
/* Closes the spool, deleting its temporary file unless it was committed. */
void s3_spool_free(s3_spool *spool);

/* Opens an object file for reading; returns -1 with errno set. */
int s3_data_open(const char *data_dir, const char *id);
/* Deletes an object file whose metadata row is gone; a missing file is not an error. */
void s3_data_remove(const char *data_dir, const char *id);

/* ---- additional checksums (x-amz-checksum-<algorithm>) ----------------- */

typedef enum s3_checksum_algorithm {
    S3_CHECKSUM_NONE,
    S3_CHECKSUM_CRC32,     /* CRC-32 (ISO-HDLC, the zlib one) */
    S3_CHECKSUM_CRC32C,    /* CRC-32C (Castagnoli) */
    S3_CHECKSUM_CRC64NVME, /* CRC-64/NVME */
    S3_CHECKSUM_SHA1,
    S3_CHECKSUM_SHA256,
} s3_checksum_algorithm;

/* Base64 of the largest digest (SHA-256, 32 bytes), with the NUL. */
#define S3_CHECKSUM_BASE64_MAX 45

typedef struct s3_checksum s3_checksum;

/*
 * Returns the algorithm of a header name such as "x-amz-checksum-crc32"
 * (any case), or S3_CHECKSUM_NONE when name is not such a header.
 */
s3_checksum_algorithm s3_checksum_from_header(const char *name);
/* Returns the header name, "x-amz-checksum-crc32" for S3_CHECKSUM_CRC32. */
const char *s3_checksum_header(s3_checksum_algorithm algorithm);
/* Returns the algorithm's name as S3 spells it in messages: "CRC32", "SHA256". */
const char *s3_checksum_name(s3_checksum_algorithm algorithm);
/* Creates a running checksum; algorithm must not be S3_CHECKSUM_NONE. */
s3_checksum *s3_checksum_new(s3_checksum_algorithm algorithm);
void s3_checksum_update(s3_checksum *checksum, const void *data, size_t len);
/*
 * Finishes the checksum (call once) and writes it as S3 sends it: base64 of
 * the digest, CRCs in big-endian byte order.
 */
void s3_checksum_final_base64(s3_checksum *checksum, char out[S3_CHECKSUM_BASE64_MAX]);
void s3_checksum_free(s3_checksum *checksum);

/*
 * Deletes temporary files and object files that no row of s3_objects or
 * s3_parts refers to. Run before the first S3 request is served.
 */
void s3_storage_recover(const char *data_dir, sqlite3 *db);

#endif
