/*
 * Small helpers shared by every module: hex, random ids, time formats and
 * percent-decoding.
 */
#ifndef OWL_COMMON_UTIL_H
#define OWL_COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Writes 2*len lowercase hex digits and a NUL to out. */
void owl_hex_encode(const uint8_t *data, size_t len, char *out);
/* Decodes 2*outlen hex digits; returns false on a non-hex digit. */
bool owl_hex_decode(const char *hex, uint8_t *out, size_t outlen);

/* Fills out with cryptographically random bytes; aborts if none are available. */
void owl_random_bytes(void *out, size_t len);
/* Writes a random version-4 UUID (36 chars + NUL) to out. */
void owl_uuid(char out[37]);
/* Writes len random characters from alphabet plus a NUL to out. */
void owl_random_string(char *out, size_t len, const char *alphabet);

/* Formats t as 2026-12-04T19:50:01Z (21 bytes with NUL). */
void owl_time_iso8601(time_t t, char out[21]);
/* Formats t as 20261204T195001Z (17 bytes with NUL), the SigV4 date. */
void owl_time_amz(time_t t, char out[17]);
/* Formats t as an RFC 7231 HTTP date (30 bytes with NUL). */
void owl_time_http(time_t t, char out[30]);
/* Parses 20261204T195001Z; returns false when malformed. */
bool owl_time_parse_amz(const char *s, time_t *out);
/* Milliseconds since the Unix epoch, wall clock. */
int64_t owl_now_ms(void);
/* Milliseconds from a monotonic clock, for durations. */
int64_t owl_monotonic_ms(void);

/*
 * Percent-decodes src (length len) into a new NUL-terminated string; when
 * plus_is_space, '+' decodes to ' ' (form encoding). Returns NULL on a
 * malformed escape. *outlen, when given, receives the decoded length, which
 * may be shorter than strlen() if the input decodes to a NUL.
 */
char *owl_percent_decode(const char *src, size_t len, bool plus_is_space, size_t *outlen);

/* Compares two byte strings in time that depends only on their lengths. */
bool owl_equal_constant_time(const void *a, size_t alen, const void *b, size_t blen);

/* Returns true when s is valid UTF-8 (no overlongs, no surrogates). */
bool owl_utf8_valid(const char *s, size_t len);

#endif
