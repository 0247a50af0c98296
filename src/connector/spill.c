/*
 * Spill: an S3 PutObject of the serialized apiResponse, with a path-style
 * URL (<endpoint>/<bucket>/<key>) and SigV4 header auth (service "s3",
 * signed payload hash), over libcurl.
 *
 * libcurl is loaded with dlopen on the first spill rather than linked:
 * linking it maps about 30 shared libraries (TLS, Kerberos, LDAP, ...) into
 * every cold start, while most invocations never spill. The package
 * therefore needs libcurl.so.4 on the host only when a response spills;
 * Amazon Linux 2023 and Debian 12 both ship it.
 *
 * A failed PUT fails the invocation: errorType is S3's error code
 * (AccessDenied, NoSuchBucket, ...) when S3 returned an error
 * document, else "SpillFailed" with the reason (no credentials, libcurl
 * missing, connection error, timeout). The caller never gets a truncated
 * response.
 */
#include "connector/connector.h"

#include "aws/sigv4.h"
#include "common/log.h"
#include "common/util.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SPILL_FAILED "SpillFailed"
#define SPILL_CONNECT_TIMEOUT_MS 5000L
#define SPILL_DEFAULT_TIMEOUT_MS 60000L
/* Bytes of an S3 error document kept; S3's are well under 1 KiB. */
#define SPILL_MAX_ERROR_BODY 65536u

/* The libcurl functions spill uses, resolved from libcurl.so.4 once. */
typedef struct spill_curl {
    bool loaded;
    char error[320]; /* why loading failed */
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *curl);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *curl);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *line);
    void (*slist_free_all)(struct curl_slist *list);
} spill_curl;

static spill_curl curl_api;
static pthread_once_t curl_api_once = PTHREAD_ONCE_INIT;

static void curl_api_load(void)
{
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(curl_api.error, sizeof curl_api.error, "cannot load libcurl.so.4: %s",
                 dlerror());
        return;
    }

    /* POSIX's way to store dlsym's result in a function pointer. */
    struct {
        const char *symbol;
        void **slot;
    } symbols[] = {
        {"curl_global_init", (void **)&curl_api.global_init},
        {"curl_easy_init", (void **)&curl_api.easy_init},
        {"curl_easy_setopt", (void **)&curl_api.easy_setopt},
        {"curl_easy_perform", (void **)&curl_api.easy_perform},
        {"curl_easy_getinfo", (void **)&curl_api.easy_getinfo},
        {"curl_easy_cleanup", (void **)&curl_api.easy_cleanup},
        {"curl_easy_strerror", (void **)&curl_api.easy_strerror},
        {"curl_slist_append", (void **)&curl_api.slist_append},
        {"curl_slist_free_all", (void **)&curl_api.slist_free_all},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        *symbols[i].slot = dlsym(lib, symbols[i].symbol);
        if (!*symbols[i].slot) {
            snprintf(curl_api.error, sizeof curl_api.error, "libcurl.so.4 has no %s",
                     symbols[i].symbol);
            return;
        }
    }
    CURLcode rc = curl_api.global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        snprintf(curl_api.error, sizeof curl_api.error, "cannot initialize libcurl: %s",
                 curl_api.easy_strerror(rc));
        return;
    }
    curl_api.loaded = true;
}

/* Loads libcurl on first use; returns NULL with err filled when it is unavailable. */
static const spill_curl *curl_api_get(const char *bucket, const char *key, connector_error *err)
{
    pthread_once(&curl_api_once, curl_api_load);
    if (curl_api.loaded)
        return &curl_api;
    connector_error_set(err, SPILL_FAILED, "cannot spill the response to s3://%s/%s: %s", bucket,
                        key, curl_api.error);
    return NULL;
}

static size_t collect_body(char *data, size_t size, size_t count, void *ctx)
{
    owl_buf *body = ctx;
    size_t len = size * count;
    if (body->len + len <= SPILL_MAX_ERROR_BODY)
        owl_buf_append(body, data, len);
    return len;
}

/*
 * Copies the text of the first <tag>...</tag> of an S3 error document into
 * out. S3 error documents are flat and carry no CDATA; entity references
 * stay as received.
 */
static bool xml_element(const char *doc, const char *tag, char *out, size_t outlen)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *start = strstr(doc, open);
    if (!start)
        return false;
    start += strlen(open);
    const char *end = strstr(start, close);
    if (!end)
        return false;
    snprintf(out, outlen, "%.*s", (int)(end - start), start);
    return true;
}

/* Splits "http://host:port/base" into the authority ("host:port") and the base path without trailing '/'. */
static bool split_endpoint(const char *url, char *authority, size_t authority_len, char *base,
                           size_t base_len)
{
    const char *scheme_end = strstr(url, "://");
    if (!scheme_end)
        return false;
    const char *host = scheme_end + 3;
    const char *slash = strchr(host, '/');
    size_t host_len = slash ? (size_t)(slash - host) : strlen(host);
    if (host_len == 0 || host_len >= authority_len)
        return false;
    snprintf(authority, authority_len, "%.*s", (int)host_len, host);

    const char *path = slash ? slash : "";
    size_t path_len = strlen(path);
    while (path_len > 0 && path[path_len - 1] == '/')
        path_len--;
    snprintf(base, base_len, "%.*s", (int)path_len, path);
    return true;
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
    uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)data, len, digest);
    owl_hex_encode(digest, sizeof digest, out);
}

static void add_header(const spill_curl *api, struct curl_slist **headers, const char *name,
                       const char *value)
{
    owl_buf line = OWL_BUF_INIT;
    owl_buf_printf(&line, "%s: %s", name, value);
    *headers = api->slist_append(*headers, line.data);
    owl_buf_free(&line);
}

bool connector_spill_s3(void *ctx, const char *bucket, const char *key, const char *body,
                        size_t len, connector_error *err)
{
    const connector_s3_target *target = ctx;
    if (!target->access_key_id || !*target->access_key_id || !target->secret_access_key ||
        !*target->secret_access_key)
        return connector_error_set(err, SPILL_FAILED,
                                   "cannot spill the response to s3://%s/%s: AWS_ACCESS_KEY_ID and "
                                   "AWS_SECRET_ACCESS_KEY are not set; give the function an "
                                   "execution role that may s3:PutObject there",
                                   bucket, key);

    const spill_curl *api = curl_api_get(bucket, key, err);
    if (!api)
        return false;

    const char *region = target->region && *target->region ? target->region : "us-east-1";
    owl_buf endpoint = OWL_BUF_INIT;
    if (target->endpoint_url && *target->endpoint_url)
        owl_buf_puts(&endpoint, target->endpoint_url);
    else
        owl_buf_printf(&endpoint, "https://s3.%s.amazonaws.com", region);

    char authority[512], base[512];
    if (!split_endpoint(endpoint.data, authority, sizeof authority, base, sizeof base)) {
        connector_error_set(err, SPILL_FAILED,
                            "cannot spill the response: AWS_ENDPOINT_URL \"%.200s\" is not a URL "
                            "such as http://127.0.0.1:4566",
                            endpoint.data);
        owl_buf_free(&endpoint);
        return false;
    }

    /* The path as sent is the canonical URI, because S3 signs the path unnormalized. */
    owl_buf path = OWL_BUF_INIT;
    owl_buf_printf(&path, "%s/", base);
    sigv4_uri_encode(&path, bucket, strlen(bucket), false);
    owl_buf_putc(&path, '/');
    sigv4_uri_encode(&path, key, strlen(key), true);

    char payload_hash[65];
    sha256_hex(body, len, payload_hash);
    sigv4_header signed_headers[] = {
        {"content-type", "application/json"},
        {"host", authority},
    };
    sigv4_request request = {"PUT", path.data, "", signed_headers, 2};
    sigv4_credentials credentials = {target->access_key_id, target->secret_access_key,
                                     target->session_token && *target->session_token
                                         ? target->session_token
                                         : NULL};
    sigv4_signature_headers signature;
    char sign_error[256];
    if (sigv4_sign(&request, &credentials, region, "s3", payload_hash, time(NULL), &signature,
                   sign_error, sizeof sign_error) != SIGV4_OK) {
        connector_error_set(err, SPILL_FAILED, "cannot sign the spill request: %s", sign_error);
        owl_buf_free(&path);
        owl_buf_free(&endpoint);
        return false;
    }

    struct curl_slist *headers = NULL;
    add_header(api, &headers, "Content-Type", "application/json");
    add_header(api, &headers, "Authorization", signature.authorization);
    add_header(api, &headers, "X-Amz-Date", signature.x_amz_date);
    add_header(api, &headers, "X-Amz-Content-Sha256", signature.x_amz_content_sha256);
    if (signature.x_amz_security_token)
        add_header(api, &headers, "X-Amz-Security-Token", signature.x_amz_security_token);
    headers = api->slist_append(headers, "Expect:");

    owl_buf url = OWL_BUF_INIT;
    owl_buf_printf(&url, "%.*s://%s%s", (int)(strstr(endpoint.data, "://") - endpoint.data),
                   endpoint.data, authority, path.data);

    owl_buf response = OWL_BUF_INIT;
    char curl_error[CURL_ERROR_SIZE] = "";
    CURL *curl = api->easy_init();
    if (!curl)
        abort();
    api->easy_setopt(curl, CURLOPT_URL, url.data);
    api->easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    api->easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    api->easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    api->easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    api->easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    api->easy_setopt(curl, CURLOPT_WRITEDATA, &response);
    api->easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    api->easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, SPILL_CONNECT_TIMEOUT_MS);
    api->easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     target->timeout_ms > 0 ? target->timeout_ms : SPILL_DEFAULT_TIMEOUT_MS);
    api->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);

    CURLcode rc = api->easy_perform(curl);
    long status = 0;
    api->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);

    bool ok = false;
    if (rc != CURLE_OK) {
        connector_error_set(err, SPILL_FAILED, "cannot spill the response to s3://%s/%s: %s", bucket,
                            key, curl_error[0] ? curl_error : api->easy_strerror(rc));
    } else if (status == 200) {
        ok = true;
    } else {
        char code[96] = "", message[512] = "";
        bool has_code = response.data && xml_element(response.data, "Code", code, sizeof code);
        if (response.data)
            xml_element(response.data, "Message", message, sizeof message);
        connector_error_set(err, has_code ? code : SPILL_FAILED,
                            "cannot spill the response to s3://%s/%s: S3 returned HTTP %ld%s%s",
                            bucket, key, status, message[0] ? ": " : "", message);
    }

    api->easy_cleanup(curl);
    api->slist_free_all(headers);
    owl_buf_free(&response);
    owl_buf_free(&url);
    owl_buf_free(&path);
    owl_buf_free(&endpoint);
    return ok;
}
