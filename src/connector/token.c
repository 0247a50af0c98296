/*
 * Page tokens of listDatabases, listTables and listPartitions: standard
 * base64 (RFC 4648 section 4, with padding) of the last name on the previous
 * page. The token is opaque to callers. Decoding is strict because a token
 * comes back from outside: the canonical encoding only, no whitespace.
 */
#include "connector/internal.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

#define TOKEN_ERROR "InvalidRequestException"

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *connector_token_encode(const char *name, size_t len)
{
    const unsigned char *in = (const unsigned char *)name;
    char *out = malloc((len + 2) / 3 * 4 + 1);
    if (!out)
        abort();

    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t chunk = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            chunk |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            chunk |= in[i + 2];
        out[o++] = base64_alphabet[(chunk >> 18) & 63];
        out[o++] = base64_alphabet[(chunk >> 12) & 63];
        out[o++] = i + 1 < len ? base64_alphabet[(chunk >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? base64_alphabet[chunk & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

static int base64_value(char ch)
{
    const char *at = ch ? strchr(base64_alphabet, ch) : NULL;
    return at ? (int)(at - base64_alphabet) : -1;
}

uint8_t *api_base64_decode(const char *text, size_t len, size_t *outlen)
{
    if (len % 4 != 0)
        return NULL;

    size_t padding = 0;
    if (len >= 4 && text[len - 1] == '=')
        padding = text[len - 2] == '=' ? 2 : 1;
    uint8_t *out = malloc(len / 4 * 3 + 1);
    if (!out)
        abort();

    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        bool last = i + 4 == len;
        int v[4];
        for (int k = 0; k < 4; k++) {
            bool pad_slot = last && k >= 4 - (int)padding;
            if (pad_slot)
                v[k] = text[i + k] == '=' ? 0 : -1;
            else
                v[k] = base64_value(text[i + k]);
            if (v[k] < 0) {
                free(out);
                return NULL;
            }
        }
        uint32_t chunk = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                         (uint32_t)v[3];
        /* Canonical form only: the bits that the padding drops must be zero. */
        if (last && ((padding == 2 && (chunk & 0xffff)) || (padding == 1 && (chunk & 0xff)))) {
            free(out);
            return NULL;
        }
        out[o++] = (uint8_t)(chunk >> 16);
        if (!last || padding < 2)
            out[o++] = (uint8_t)(chunk >> 8);
        if (!last || padding < 1)
            out[o++] = (uint8_t)chunk;
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

char *connector_token_decode(const char *token, connector_error *err)
{
    size_t len = strlen(token);
    if (len > CONNECTOR_MAX_TOKEN_LENGTH) {
        connector_error_set(err, TOKEN_ERROR, "nextToken is longer than %d characters",
                            CONNECTOR_MAX_TOKEN_LENGTH);
        return NULL;
    }

    size_t name_len = 0;
    uint8_t *name = api_base64_decode(token, len, &name_len);
    if (!name || name_len == 0 || memchr(name, '\0', name_len) ||
        !owl_utf8_valid((const char *)name, name_len)) {
        free(name);
        connector_error_set(err, TOKEN_ERROR,
                            "nextToken is invalid: pass the nextToken of the previous page "
                            "unchanged");
        return NULL;
    }
    return (char *)name;
}
