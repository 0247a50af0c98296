/*
 * Connector configuration from environment variables, as a Lambda function
 * gets it. Each check names the variable and the form it expects, because
 * the message reaches the caller of the function as its errorMessage.
 */
#include "connector/connector.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONFIG_ERROR "InvalidConfiguration"

bool connector_error_set(connector_error *err, const char *type, const char *fmt, ...)
{
    if (!err)
        return false;
    snprintf(err->type, sizeof err->type, "%s", type);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return false;
}

/* Checks one "thrift://host:port" item of HMS_URIS (len bytes at uri). */
static bool uri_valid(const char *uri, size_t len)
{
    static const char scheme[] = "thrift://";
    size_t scheme_len = sizeof scheme - 1;
    if (len <= scheme_len || strncmp(uri, scheme, scheme_len) != 0)
        return false;

    const char *host = uri + scheme_len;
    const char *end = uri + len;
    const char *colon = NULL;
    for (const char *p = host; p < end; p++) {
        if (*p == ':')
            colon = p;
        else if (*p == '/' || *p == '@' || *p == ' ' || *p == '?' || *p == '#')
            return false;
    }
    if (!colon || colon == host || colon + 1 == end || end - (colon + 1) > 5)
        return false;

    long port = 0;
    for (const char *p = colon + 1; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        port = port * 10 + (*p - '0');
    }
    return port >= 1 && port <= 65535;
}

static bool load_uris(connector_config *config, const char *value, connector_error *err)
{
    if (!value || !*value)
        return connector_error_set(err, CONFIG_ERROR,
                                   "HMS_URIS is missing: set it to a comma-separated list of "
                                   "thrift://host:port URIs, such as thrift://10.0.0.5:9083");
    if (strlen(value) >= sizeof config->hms_uris)
        return connector_error_set(err, CONFIG_ERROR, "HMS_URIS is longer than %zu bytes",
                                   sizeof config->hms_uris - 1);

    const char *item = value;
    for (;;) {
        const char *comma = strchr(item, ',');
        size_t len = comma ? (size_t)(comma - item) : strlen(item);
        if (!uri_valid(item, len))
            return connector_error_set(err, CONFIG_ERROR,
                                       "HMS_URIS contains the invalid URI \"%.*s\": expected "
                                       "thrift://host:port with a port from 1 to 65535",
                                       (int)(len > 200 ? 200 : len), item);
        if (!comma)
            break;
        item = comma + 1;
    }
    snprintf(config->hms_uris, sizeof config->hms_uris, "%s", value);
    return true;
}

/*
 * Bucket names follow S3's rules for new buckets: 3 to 63 characters of
 * lowercase letters, digits, '.' and '-', starting and ending with a letter
 * or digit.
 */
static bool bucket_valid(const char *bucket, size_t len)
{
    if (len < 3 || len > 63)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = bucket[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!alnum && ch != '.' && ch != '-')
            return false;
        if ((i == 0 || i == len - 1) && !alnum)
            return false;
    }
    return true;
}

static bool load_spill_location(connector_config *config, const char *value,
                                 connector_error *err)
{
    config->spill_configured = false;
    if (!value || !*value)
        return true;

    static const char scheme[] = "s3://";
    size_t len = strlen(value);
    while (len > 0 && value[len - 1] == '/')
        len--;
    const char *bucket = value + sizeof scheme - 1;
    if (len <= sizeof scheme - 1 || strncmp(value, scheme, sizeof scheme - 1) != 0 ||
        len >= sizeof config->spill_location)
        return connector_error_set(err, CONFIG_ERROR,
                                   "SPILL_LOCATION \"%.200s\" is invalid: expected "
                                   "s3://bucket/prefix, such as s3://mybucket/spill",
                                   value);

    const char *end = value + len;
    const char *slash = memchr(bucket, '/', (size_t)(end - bucket));
    size_t bucket_len = slash ? (size_t)(slash - bucket) : (size_t)(end - bucket);
    if (!bucket_valid(bucket, bucket_len))
        return connector_error_set(err, CONFIG_ERROR,
                                   "SPILL_LOCATION \"%.200s\" has an invalid bucket name: "
                                   "expected 3 to 63 lowercase letters, digits, '.' or '-'",
                                   value);

    snprintf(config->spill_location, sizeof config->spill_location, "%.*s", (int)len, value);
    snprintf(config->spill_bucket, sizeof config->spill_bucket, "%.*s", (int)bucket_len, bucket);
    const char *prefix = slash ? slash + 1 : end;
    while (prefix < end && *prefix == '/')
        prefix++;
    snprintf(config->spill_prefix, sizeof config->spill_prefix, "%.*s", (int)(end - prefix),
             prefix);
    config->spill_configured = true;
    return true;
}

/* Parses a decimal integer from min to max; NULL or "" keeps *out. */
static bool load_integer(const char *name, const char *value, long long min, long long max,
                         const char *form, long long *out, connector_error *err)
{
    if (!value || !*value)
        return true;

    errno = 0;
    char *end = NULL;
    long long parsed = strtoll(value, &end, 10);
    bool digits_only = value[0] >= '0' && value[0] <= '9';
    if (!digits_only || errno != 0 || *end != '\0' || parsed < min || parsed > max)
        return connector_error_set(err, CONFIG_ERROR, "%s \"%.64s\" is invalid: expected %s",
                                   name, value, form);
    *out = parsed;
    return true;
}

bool connector_config_load(connector_config *config, connector_env_fn env, void *env_ctx,
                           connector_error *err)
{
    memset(config, 0, sizeof *config);
    config->spill_threshold = CONNECTOR_DEFAULT_SPILL_THRESHOLD;
    config->connect_timeout_ms = CONNECTOR_DEFAULT_CONNECT_TIMEOUT_MS;
    config->socket_timeout_ms = CONNECTOR_DEFAULT_SOCKET_TIMEOUT_MS;
    config->protocol = THRIFT_PROTOCOL_BINARY;

    if (!load_uris(config, env(env_ctx, "HMS_URIS"), err))
        return false;
    if (!load_spill_location(config, env(env_ctx, "SPILL_LOCATION"), err))
        return false;

    long long threshold = (long long)config->spill_threshold;
    if (!load_integer("SPILL_THRESHOLD", env(env_ctx, "SPILL_THRESHOLD"), 1, 1LL << 40,
                      "a number of bytes from 1 to 1099511627776, such as 4194304", &threshold,
                      err))
        return false;
    config->spill_threshold = (uint64_t)threshold;

    long long connect_ms = config->connect_timeout_ms;
    long long socket_ms = config->socket_timeout_ms;
    if (!load_integer("HMS_CONNECT_TIMEOUT_MS", env(env_ctx, "HMS_CONNECT_TIMEOUT_MS"), 1,
                      CONNECTOR_MAX_TIMEOUT_MS, "milliseconds from 1 to 3600000, such as 5000",
                      &connect_ms, err))
        return false;
    if (!load_integer("HMS_SOCKET_TIMEOUT_MS", env(env_ctx, "HMS_SOCKET_TIMEOUT_MS"), 1,
                      CONNECTOR_MAX_TIMEOUT_MS, "milliseconds from 1 to 3600000, such as 10000",
                      &socket_ms, err))
        return false;
    config->connect_timeout_ms = (int)connect_ms;
    config->socket_timeout_ms = (int)socket_ms;

    const char *framed = env(env_ctx, "HMS_FRAMED");
    if (framed && *framed) {
        if (strcasecmp(framed, "true") == 0)
            config->framed = true;
        else if (strcasecmp(framed, "false") == 0)
            config->framed = false;
        else
            return connector_error_set(err, CONFIG_ERROR,
                                       "HMS_FRAMED \"%.64s\" is invalid: expected true or false",
                                       framed);
    }

    const char *protocol = env(env_ctx, "HMS_PROTOCOL");
    if (protocol && *protocol) {
        if (strcasecmp(protocol, "binary") == 0)
            config->protocol = THRIFT_PROTOCOL_BINARY;
        else if (strcasecmp(protocol, "compact") == 0)
            config->protocol = THRIFT_PROTOCOL_COMPACT;
        else
            return connector_error_set(err, CONFIG_ERROR,
                                       "HMS_PROTOCOL \"%.64s\" is invalid: expected binary or "
                                       "compact",
                                       protocol);
    }
    return true;
}

hms_client_config connector_config_hms(const connector_config *config)
{
    hms_client_config hms = {
        .uris = config->hms_uris,
        .connect_timeout_ms = config->connect_timeout_ms,
        .socket_timeout_ms = config->socket_timeout_ms,
        .framed = config->framed,
        .protocol = config->protocol,
        .limits = thrift_limits_default(),
    };
    hms.limits.max_message_size = CONNECTOR_MAX_REPLY_BYTES;
    hms.limits.max_string_length = CONNECTOR_MAX_REPLY_STRING;
    hms.limits.max_container_count = CONNECTOR_MAX_REPLY_ELEMENTS;
    return hms;
}
