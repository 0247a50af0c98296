/*
 * Client side of the Athena API (JSON 1.1 protocol, target prefix
 * AmazonAthena, API version 2017-05-18): each call is one POST of a JSON
 * body to the endpoint, with X-Amz-Target naming the operation, signed with
 * SigV4 for service "athena" exactly as botocore signs it. One libcurl easy
 * handle is reused, so consecutive calls share a keep-alive connection.
 */
#include "cli/sql.h"

#include "aws/sigv4.h"
#include "common/buf.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CONNECT_TIMEOUT_MS 10000L
#define CALL_TIMEOUT_MS 120000L
#define MAX_RESPONSE_BYTES (64u * 1024 * 1024) /* a page of 1000 wide rows fits easily */

struct sql_client {
    const sql_settings *settings;
    CURL *curl;
    char *url;       /* scheme://authority/path as requested */
    char *authority; /* host[:port], the signed Host header */
    char *path;      /* "/" or the endpoint's path */
};

typedef struct response_body {
    owl_buf data;
    bool too_large;
} response_body;

static size_t collect(char *data, size_t size, size_t count, void *arg)
{
    response_body *body = arg;
    size_t len = size * count;
    if (body->data.len + len > MAX_RESPONSE_BYTES) {
        body->too_large = true;
        return 0;
    }
    owl_buf_append(&body->data, data, len);
    return len;
}

/* Splits http[s]://authority[/path] into its parts; false when url has another shape. */
static bool split_url(const char *url, char **authority, char **path)
{
    const char *rest;
    if (strncmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        rest = url + 8;
    else
        return false;
    size_t authority_len = strcspn(rest, "/?#");
    if (authority_len == 0 || rest[authority_len] == '?' || rest[authority_len] == '#')
        return false;
    for (size_t i = 0; i < authority_len; i++)
        if (rest[i] == '@' || rest[i] == ' ')
            return false;
    *authority = strndup(rest, authority_len);
    *path = strdup(rest[authority_len] ? rest + authority_len : "/");
    if (!*authority || !*path)
        abort();
    return true;
}

sql_client *sql_client_new(const sql_settings *settings, char *err, size_t errlen)
{
    sql_client *client = calloc(1, sizeof *client);
    if (!client)
        abort();
    client->settings = settings;
    if (!split_url(settings->endpoint_url, &client->authority, &client->path)) {
        snprintf(err, errlen,
                 "endpoint URL \"%.200s\" is not of the form http://host:port, such as %s",
                 settings->endpoint_url, SQL_DEFAULT_ENDPOINT);
        free(client);
        return NULL;
    }
    client->url = strdup(settings->endpoint_url);
    client->curl = curl_easy_init();
    if (!client->url || !client->curl)
        abort();
    return client;
}

void sql_client_free(sql_client *client)
{
    if (!client)
        return;
    curl_easy_cleanup(client->curl);
    free(client->url);
    free(client->authority);
    free(client->path);
    free(client);
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[32];
    unsigned int digest_len = 0;
    if (!EVP_Digest(data, len, digest, &digest_len, EVP_sha256(), NULL))
        abort();
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[64] = '\0';
}

static void add_header(struct curl_slist **list, const char *name, const char *value)
{
    owl_buf line = OWL_BUF_INIT;
    owl_buf_printf(&line, "%s: %s", name, value);
    struct curl_slist *extended = curl_slist_append(*list, line.data);
    if (!extended)
        abort();
    *list = extended;
    owl_buf_free(&line);
}

void sql_api_error_from_body(long http_status, const char *body, size_t len,
                             sql_api_error *error)
{
    error->http_status = http_status;
    snprintf(error->code, sizeof error->code, "HTTP %ld", http_status);
    error->message[0] = '\0';
    json_t *document = body ? json_loadb(body, len, 0, NULL) : NULL;
    const char *type = json_string_value(json_object_get(document, "__type"));
    const char *message = json_string_value(json_object_get(document, "message"));
    if (!message)
        message = json_string_value(json_object_get(document, "Message"));
    if (type && *type) {
        /* "com.amazonaws.athena#InvalidRequestException" names the code after '#'. */
        const char *hash = strrchr(type, '#');
        snprintf(error->code, sizeof error->code, "%s", hash ? hash + 1 : type);
    }
    if (message)
        snprintf(error->message, sizeof error->message, "%s", message);
    else if (!type && body && len)
        snprintf(error->message, sizeof error->message, "%.*s", (int)(len > 200 ? 200 : len),
                 body);
    json_decref(document);
}

json_t *sql_client_call(sql_client *client, const char *operation, json_t *request,
                        sql_api_error *error)
{
    memset(error, 0, sizeof *error);
    char *body = json_dumps(request, JSON_COMPACT);
    if (!body)
        abort();
    size_t body_len = strlen(body);
    char payload_hash[65];
    sha256_hex(body, body_len, payload_hash);

    char target[128];
    snprintf(target, sizeof target, "AmazonAthena.%s", operation);
    sigv4_header signed_headers[] = {
        {"content-type", "application/x-amz-json-1.1"},
        {"host", client->authority},
        {"x-amz-target", target},
    };
    sigv4_request unsigned_request = {"POST", client->path, "", signed_headers, 3};
    const sql_settings *settings = client->settings;
    sigv4_credentials credentials = {settings->access_key_id, settings->secret_access_key,
                                     settings->session_token};
    sigv4_signature_headers signature;
    char sign_error[256];
    if (sigv4_sign(&unsigned_request, &credentials, settings->region, "athena", payload_hash,
                   time(NULL), &signature, sign_error, sizeof sign_error) != SIGV4_OK) {
        snprintf(error->message, sizeof error->message, "cannot sign the %s request: %s",
                 operation, sign_error);
        free(body);
        return NULL;
    }

    struct curl_slist *headers = NULL;
    add_header(&headers, "Content-Type", "application/x-amz-json-1.1");
    add_header(&headers, "X-Amz-Target", target);
    add_header(&headers, "X-Amz-Date", signature.x_amz_date);
    add_header(&headers, "Authorization", signature.authorization);
    if (signature.x_amz_security_token)
        add_header(&headers, "X-Amz-Security-Token", signature.x_amz_security_token);
    headers = curl_slist_append(headers, "Expect:");

    response_body response = {OWL_BUF_INIT, false};
    char curl_error[CURL_ERROR_SIZE] = "";
    CURL *curl = client->curl;
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, client->url);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, CALL_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");

    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    free(body);

    json_t *result = NULL;
    if (response.too_large) {
        snprintf(error->message, sizeof error->message,
                 "the %s response from %s is over %u bytes", operation, client->url,
                 MAX_RESPONSE_BYTES);
    } else if (rc != CURLE_OK) {
        snprintf(error->message, sizeof error->message, "cannot reach %s: %s", client->url,
                 curl_error[0] ? curl_error : curl_easy_strerror(rc));
    } else if (status != 200) {
        sql_api_error_from_body(status, response.data.data, response.data.len, error);
    } else {
        json_error_t json_error;
        result = json_loadb(response.data.data ? response.data.data : "", response.data.len, 0,
                            &json_error);
        if (!json_is_object(result)) {
            snprintf(error->message, sizeof error->message,
                     "the %s response from %s is not a JSON object: %s", operation, client->url,
                     result ? "another JSON value" : json_error.text);
            json_decref(result);
            result = NULL;
        }
    }
    if (!result)
        error->http_status = status;
    owl_buf_free(&response.data);
    return result;
}
