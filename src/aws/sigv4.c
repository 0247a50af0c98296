/*
 * AWS Signature Version 4 verification: parsing the Authorization header or
 * the presigned query into a sigv4_auth, and checking it against the
 * request, the secret key and the clock.
 *
 * Every request to the server passes through here, signed by clients we do
 * not control, so the parser treats its input as hostile. It copies nothing
 * without a length check and rejects input over the limits in sigv4.h: the
 * Authorization value, query size and parameter count, signed header count
 * and session token size. Messages quote a sanitized excerpt of at most
 * EXCERPT_MAX bytes of the invalid input.
 */
#include "aws/sigv4.h"

#include "common/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXCERPT_MAX 64 /* bytes of bad input quoted in an error message */

static const char signature_mismatch_message[] =
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details.";

static void format_error(char *errmsg, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void format_error(char *errmsg, size_t size, const char *fmt, ...)
{
    if (!errmsg || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, size, fmt, ap);
    va_end(ap);
}

/*
 * Copies at most EXCERPT_MAX bytes of s[0..len) into out for an error
 * message, with bytes outside printable ASCII (and quotes) replaced by '?'
 * and "..." marking a cut.
 */
static const char *excerpt(char out[EXCERPT_MAX + 4], const char *s, size_t len)
{
    size_t n = len < EXCERPT_MAX ? len : EXCERPT_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c >= 0x20 && c < 0x7f && c != '\'' && c != '"') ? (char)c : '?';
    }
    strcpy(out + n, len > n ? "..." : "");
    return out;
}

const char *sigv4_error_code(sigv4_status status, bool s3, bool presigned)
{
    switch (status) {
    case SIGV4_OK:
        return "";
    case SIGV4_ERR_MISSING:
        return s3 ? "AccessDenied" : "MissingAuthenticationToken";
    case SIGV4_ERR_INCOMPLETE:
    case SIGV4_ERR_ALGORITHM:
        if (!s3)
            return "IncompleteSignature";
        return presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed";
    case SIGV4_ERR_DATE:
        return s3 ? "AccessDenied" : "IncompleteSignature";
    case SIGV4_ERR_CREDENTIAL:
        if (!s3)
            return "IncompleteSignature";
        return presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed";
    case SIGV4_ERR_SIGNATURE:
        return "SignatureDoesNotMatch";
    case SIGV4_ERR_SKEWED:
        return s3 ? "RequestTimeTooSkewed" : "RequestExpired";
    case SIGV4_ERR_EXPIRED:
        return "AccessDenied";
    case SIGV4_ERR_CHUNK:
        return "InvalidRequest";
    case SIGV4_ERR_TRUNCATED:
        return "IncompleteBody";
    case SIGV4_ERR_CALLBACK:
        return "InternalError";
    case SIGV4_ERR_ARGUMENT:
        return "InvalidArgument";
    }
    return "InternalError";
}

void sigv4_auth_free(sigv4_auth *auth)
{
    free(auth->session_token);
    memset(auth, 0, sizeof *auth);
}

/* ---- small parsers ------------------------------------------------------ */

static const char *find_header(const sigv4_request *req, const char *name, size_t *count)
{
    const char *found = NULL;
    *count = 0;
    for (size_t i = 0; i < req->header_count; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0) {
            if (!found)
                found = req->headers[i].value;
            (*count)++;
        }
    }
    return found;
}

/* Parses 20261204T195001Z strictly: the fields must name a real instant. */
static bool parse_amz_datetime(const char *s, size_t len, char out[17], time_t *t)
{
    if (len != 16)
        return false;
    char copy[17], check[17];
    memcpy(copy, s, 16);
    copy[16] = '\0';
    if (!owl_time_parse_amz(copy, t))
        return false;
    owl_time_amz(*t, check);
    if (strcmp(copy, check) != 0)
        return false;
    memcpy(out, copy, 17);
    return true;
}

/* Parses an RFC 7231 IMF-fixdate, "Fri, 04 Dec 2026 19:50:01 GMT". */
static bool parse_http_date(const char *s, char out[17], time_t *t)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ' || s[19] != ':' || s[22] != ':' || strcmp(s + 25, " GMT") != 0)
        return false;
    int month = -1;
    for (int i = 0; i < 12; i++)
        if (strncmp(s + 8, months + 3 * i, 3) == 0)
            month = i + 1;
    if (month < 0)
        return false;
    /* Rearrange into 20261204T195001Z; parse_amz_datetime() checks the digits. */
    char amz[17] = {s[12], s[13], s[14], s[15], (char)('0' + month / 10), (char)('0' + month % 10),
                    s[5],  s[6],  'T',   s[17], s[18],  s[20], s[21], s[23], s[24], 'Z', '\0'};
    return parse_amz_datetime(amz, 16, out, t);
}

static bool is_hex_lower(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool is_token_char(unsigned char c)
{
    return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool copy_field(char *dst, size_t dst_size, const char *src, size_t len)
{
    if (len >= dst_size || memchr(src, '\0', len))
        return false;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return true;
}

/*
 * Parses "AKID/20261204/us-east-1/sts/aws4_request" into auth. The access
 * key id may be any printable ASCII without '/' or spaces, so an unknown key
 * fails at the server's key lookup (InvalidClientTokenId), not here.
 */
static sigv4_status parse_credential(const char *s, size_t len, sigv4_auth *auth, char *errmsg,
                                     size_t errmsg_size)
{
    const char *parts[5];
    size_t lens[5], n = 0;
    for (size_t start = 0; start <= len && n < 6;) {
        const char *slash = memchr(s + start, '/', len - start);
        size_t end = slash ? (size_t)(slash - s) : len;
        if (n < 5) {
            parts[n] = s + start;
            lens[n] = end - start;
        }
        n++;
        start = end + 1;
    }

    char quoted[EXCERPT_MAX + 4];
    if (n != 5 || lens[0] == 0 || lens[2] == 0 || lens[3] == 0) {
        format_error(errmsg, errmsg_size,
                     "Credential '%s' is malformed; expecting "
                     "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
                     excerpt(quoted, s, len));
        return SIGV4_ERR_CREDENTIAL;
    }
    if (lens[4] != 12 || memcmp(parts[4], "aws4_request", 12) != 0) {
        format_error(errmsg, errmsg_size,
                     "Credential should be scoped with a valid terminator: 'aws4_request', "
                     "not '%s'.",
                     excerpt(quoted, parts[4], lens[4]));
        return SIGV4_ERR_CREDENTIAL;
    }
    bool date_ok = lens[1] == 8;
    for (size_t i = 0; date_ok && i < 8; i++)
        date_ok = parts[1][i] >= '0' && parts[1][i] <= '9';
    if (!date_ok) {
        format_error(errmsg, errmsg_size,
                     "Credential date '%s' is invalid; expecting the YYYYMMDD of the request date.",
                     excerpt(quoted, parts[1], lens[1]));
        return SIGV4_ERR_CREDENTIAL;
    }
    for (size_t i = 0; i < lens[0]; i++) {
        unsigned char c = (unsigned char)parts[0][i];
        if (c <= 0x20 || c >= 0x7f) {
            format_error(errmsg, errmsg_size, "The access key id in Credential contains byte 0x%02x.",
                         c);
            return SIGV4_ERR_CREDENTIAL;
        }
    }
    if (!copy_field(auth->access_key_id, sizeof auth->access_key_id, parts[0], lens[0]) ||
        !copy_field(auth->region, sizeof auth->region, parts[2], lens[2]) ||
        !copy_field(auth->service, sizeof auth->service, parts[3], lens[3])) {
        format_error(errmsg, errmsg_size,
                     "Credential '%s' is too long: the access key id may have %d characters, "
                     "the region and service %d each.",
                     excerpt(quoted, s, len), SIGV4_MAX_ACCESS_KEY_ID, SIGV4_MAX_SCOPE_PART);
        return SIGV4_ERR_CREDENTIAL;
    }
    memcpy(auth->scope_date, parts[1], 8);
    auth->scope_date[8] = '\0';
    return SIGV4_OK;
}

/* Validates "host;x-amz-date" (tokens, at most the limits, host present). */
static sigv4_status parse_signed_headers(const char *s, size_t len, sigv4_auth *auth,
                                         char *errmsg, size_t errmsg_size)
{
    char quoted[EXCERPT_MAX + 4];
    if (len == 0 || len > SIGV4_MAX_SIGNED_HEADERS_LEN) {
        format_error(errmsg, errmsg_size,
                     "SignedHeaders must name between 1 and %d bytes of header names.",
                     SIGV4_MAX_SIGNED_HEADERS_LEN);
        return SIGV4_ERR_INCOMPLETE;
    }
    size_t names = 0;
    bool has_host = false;
    for (size_t start = 0; start <= len;) {
        const char *semi = memchr(s + start, ';', len - start);
        size_t end = semi ? (size_t)(semi - s) : len;
        const char *name = s + start;
        size_t name_len = end - start;
        start = end + 1;

        bool valid = name_len > 0;
        for (size_t i = 0; valid && i < name_len; i++)
            valid = is_token_char((unsigned char)name[i]);
        if (!valid) {
            format_error(errmsg, errmsg_size, "SignedHeaders '%s' contains an invalid header name.",
                         excerpt(quoted, s, len));
            return SIGV4_ERR_INCOMPLETE;
        }
        if (++names > SIGV4_MAX_SIGNED_HEADERS) {
            format_error(errmsg, errmsg_size, "SignedHeaders names more than %d headers.",
                         SIGV4_MAX_SIGNED_HEADERS);
            return SIGV4_ERR_INCOMPLETE;
        }
        if (name_len == 4 && strncasecmp(name, "host", 4) == 0)
            has_host = true;
    }
    if (!has_host) {
        format_error(errmsg, errmsg_size,
                     "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        return SIGV4_ERR_INCOMPLETE;
    }
    copy_field(auth->signed_headers, sizeof auth->signed_headers, s, len);
    return SIGV4_OK;
}

static sigv4_status parse_signature(const char *s, size_t len, sigv4_auth *auth, char *errmsg,
                                    size_t errmsg_size)
{
    if (len != 64 || !is_hex_lower(s, len)) {
        format_error(errmsg, errmsg_size,
                     "Signature must be 64 lowercase hexadecimal digits; got %zu characters.", len);
        return SIGV4_ERR_INCOMPLETE;
    }
    memcpy(auth->signature, s, 64);
    auth->signature[64] = '\0';
    return SIGV4_OK;
}

static sigv4_status copy_session_token(const char *s, size_t len, sigv4_auth *auth,
                                       char *errmsg, size_t errmsg_size)
{
    if (len > SIGV4_MAX_SESSION_TOKEN) {
        format_error(errmsg, errmsg_size,
                     "The security token is %zu bytes long; the maximum is %d bytes.", len,
                     SIGV4_MAX_SESSION_TOKEN);
        return SIGV4_ERR_INCOMPLETE;
    }
    auth->session_token = malloc(len + 1);
    if (!auth->session_token)
        abort();
    memcpy(auth->session_token, s, len);
    auth->session_token[len] = '\0';
    return SIGV4_OK;
}

/* ---- header auth -------------------------------------------------------- */

typedef struct span {
    const char *data;
    size_t len;
} span;

static size_t skip_spaces(const char *s, size_t i, size_t len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/*
 * Splits "Credential=..., SignedHeaders=..., Signature=..." into its three
 * values. Unknown keys are ignored; a key given twice or a component without
 * '=' is an error.
 */
static sigv4_status split_components(const char *s, size_t len, span values[3], char *errmsg,
                                     size_t errmsg_size)
{
    static const char *const keys[3] = {"Credential", "SignedHeaders", "Signature"};
    char quoted[EXCERPT_MAX + 4];
    for (size_t start = 0; start < len;) {
        const char *comma = memchr(s + start, ',', len - start);
        size_t end = comma ? (size_t)(comma - s) : len;
        size_t from = skip_spaces(s, start, end), to = end;
        while (to > from && (s[to - 1] == ' ' || s[to - 1] == '\t'))
            to--;
        start = end + 1;
        if (from == to)
            continue;

        const char *eq = memchr(s + from, '=', to - from);
        if (!eq) {
            format_error(errmsg, errmsg_size,
                         "'%s' not a valid key=value pair (missing equal-sign) in Authorization "
                         "header.",
                         excerpt(quoted, s + from, to - from));
            return SIGV4_ERR_INCOMPLETE;
        }
        size_t key_len = (size_t)(eq - (s + from));
        for (int k = 0; k < 3; k++) {
            if (key_len != strlen(keys[k]) || memcmp(s + from, keys[k], key_len) != 0)
                continue;
            if (values[k].data) {
                format_error(errmsg, errmsg_size,
                             "Authorization header has more than one '%s' parameter.", keys[k]);
                return SIGV4_ERR_INCOMPLETE;
            }
            values[k].data = eq + 1;
            values[k].len = (size_t)(s + to - (eq + 1));
        }
    }
    return SIGV4_OK;
}

static sigv4_status parse_request_date(const sigv4_request *req, sigv4_auth *auth, char *errmsg,
                                       size_t errmsg_size)
{
    size_t count;
    char quoted[EXCERPT_MAX + 4];
    const char *amz_date = find_header(req, "x-amz-date", &count);
    if (amz_date) {
        if (!parse_amz_datetime(amz_date, strlen(amz_date), auth->datetime, &auth->time)) {
            format_error(errmsg, errmsg_size,
                         "Date must be in ISO-8601 'basic format'. Got '%s'. See "
                         "http://en.wikipedia.org/wiki/ISO_8601",
                         excerpt(quoted, amz_date, strlen(amz_date)));
            return SIGV4_ERR_DATE;
        }
        return SIGV4_OK;
    }
    const char *date = find_header(req, "date", &count);
    if (!parse_http_date(date, auth->datetime, &auth->time)) {
        format_error(errmsg, errmsg_size,
                     "Date header '%s' is not an RFC 7231 date such as "
                     "'Fri, 04 Dec 2026 19:50:01 GMT'; send X-Amz-Date instead.",
                     excerpt(quoted, date, strlen(date)));
        return SIGV4_ERR_DATE;
    }
    return SIGV4_OK;
}

static sigv4_status parse_header_auth(const sigv4_request *req, const char *value,
                                      sigv4_auth *auth, char *errmsg, size_t errmsg_size)
{
    size_t len = strlen(value);
    char quoted[EXCERPT_MAX + 4];
    if (len > SIGV4_MAX_AUTHORIZATION) {
        format_error(errmsg, errmsg_size,
                     "The Authorization header is %zu bytes long; the maximum is %d bytes.", len,
                     SIGV4_MAX_AUTHORIZATION);
        return SIGV4_ERR_INCOMPLETE;
    }

    /* The algorithm is the first word. Anything else AWS-like is rejected by
     * name; non-AWS schemes (Basic, Bearer) get the missing-parameter list. */
    size_t algo_len = 0;
    while (algo_len < len && value[algo_len] != ' ' && value[algo_len] != '\t')
        algo_len++;
    bool ours = algo_len == strlen(SIGV4_ALGORITHM) &&
                memcmp(value, SIGV4_ALGORITHM, algo_len) == 0;
    if (!ours && algo_len >= 3 && strncmp(value, "AWS", 3) == 0) {
        format_error(errmsg, errmsg_size, "Unsupported AWS 'algorithm': '%s'.",
                     excerpt(quoted, value, algo_len));
        return SIGV4_ERR_ALGORITHM;
    }

    span values[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
    if (ours) {
        sigv4_status status =
            split_components(value + algo_len, len - algo_len, values, errmsg, errmsg_size);
        if (status != SIGV4_OK)
            return status;
    }

    size_t count;
    bool has_date = find_header(req, "x-amz-date", &count) || find_header(req, "date", &count);
    if (!values[0].data || !values[1].data || !values[2].data || !has_date) {
        owl_buf message = OWL_BUF_INIT;
        if (!values[0].data)
            owl_buf_puts(&message, "Authorization header requires 'Credential' parameter. ");
        if (!values[2].data)
            owl_buf_puts(&message, "Authorization header requires 'Signature' parameter. ");
        if (!values[1].data)
            owl_buf_puts(&message, "Authorization header requires 'SignedHeaders' parameter. ");
        if (!has_date)
            owl_buf_puts(&message, "Authorization header requires existence of either a "
                                   "'X-Amz-Date' or a 'Date' header. ");
        message.data[--message.len] = '\0';
        format_error(errmsg, errmsg_size, "%s", message.data);
        owl_buf_free(&message);
        return SIGV4_ERR_INCOMPLETE;
    }

    sigv4_status status = parse_credential(values[0].data, values[0].len, auth, errmsg, errmsg_size);
    if (status == SIGV4_OK)
        status = parse_signed_headers(values[1].data, values[1].len, auth, errmsg, errmsg_size);
    if (status == SIGV4_OK)
        status = parse_signature(values[2].data, values[2].len, auth, errmsg, errmsg_size);
    if (status == SIGV4_OK)
        status = parse_request_date(req, auth, errmsg, errmsg_size);
    if (status != SIGV4_OK)
        return status;

    const char *token = find_header(req, "x-amz-security-token", &count);
    if (token)
        return copy_session_token(token, strlen(token), auth, errmsg, errmsg_size);
    return SIGV4_OK;
}

/* ---- presigned query ---------------------------------------------------- */

enum presign_param {
    PARAM_ALGORITHM,
    PARAM_CREDENTIAL,
    PARAM_DATE,
    PARAM_EXPIRES,
    PARAM_SIGNED_HEADERS,
    PARAM_SIGNATURE,
    PARAM_SECURITY_TOKEN,
    PARAM_COUNT
};

static const char *const presign_param_names[PARAM_COUNT] = {
    "X-Amz-Algorithm", "X-Amz-Credential",    "X-Amz-Date",          "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
};

/* Returns true when the raw query has any of the parameters that start query auth. */
static bool query_has_presign(const char *query)
{
    if (!query)
        return false;
    size_t len = strlen(query);
    for (size_t start = 0; start <= len;) {
        const char *amp = memchr(query + start, '&', len - start);
        size_t end = amp ? (size_t)(amp - query) : len;
        const char *eq = memchr(query + start, '=', end - start);
        size_t key_len = (eq ? (size_t)(eq - query) : end) - start;
        static const int markers[] = {PARAM_ALGORITHM, PARAM_CREDENTIAL, PARAM_SIGNATURE};
        for (size_t m = 0; m < sizeof markers / sizeof markers[0]; m++) {
            const char *name = presign_param_names[markers[m]];
            if (key_len == strlen(name) && memcmp(query + start, name, key_len) == 0)
                return true;
        }
        start = end + 1;
    }
    return false;
}

static void free_params(char *params[PARAM_COUNT])
{
    for (int p = 0; p < PARAM_COUNT; p++)
        free(params[p]);
}

/* Collects the decoded X-Amz-* values of the query into params. */
static sigv4_status collect_presign_params(const char *query, char *params[PARAM_COUNT],
                                           size_t lens[PARAM_COUNT], char *errmsg,
                                           size_t errmsg_size)
{
    size_t len = strlen(query), count = 0;
    if (len > SIGV4_MAX_QUERY) {
        format_error(errmsg, errmsg_size,
                     "The query string is %zu bytes long; the maximum is %d bytes.", len,
                     SIGV4_MAX_QUERY);
        return SIGV4_ERR_INCOMPLETE;
    }
    for (size_t start = 0; start <= len;) {
        const char *amp = memchr(query + start, '&', len - start);
        size_t end = amp ? (size_t)(amp - query) : len;
        const char *eq = memchr(query + start, '=', end - start);
        size_t key_len = (eq ? (size_t)(eq - query) : end) - start;
        const char *key = query + start;
        start = end + 1;

        if (++count > SIGV4_MAX_QUERY_PARAMS) {
            format_error(errmsg, errmsg_size, "The query string has more than %d parameters.",
                         SIGV4_MAX_QUERY_PARAMS);
            return SIGV4_ERR_INCOMPLETE;
        }
        for (int p = 0; p < PARAM_COUNT; p++) {
            if (key_len != strlen(presign_param_names[p]) ||
                memcmp(key, presign_param_names[p], key_len) != 0)
                continue;
            if (params[p]) {
                format_error(errmsg, errmsg_size, "The query string has more than one %s.",
                             presign_param_names[p]);
                return SIGV4_ERR_INCOMPLETE;
            }
            const char *raw = eq ? eq + 1 : key + key_len;
            params[p] = owl_percent_decode(raw, (size_t)(query + end - raw), false, &lens[p]);
            if (!params[p] || memchr(params[p], '\0', lens[p])) {
                format_error(errmsg, errmsg_size, "%s has an invalid percent-encoding.",
                             presign_param_names[p]);
                return SIGV4_ERR_INCOMPLETE;
            }
        }
    }
    return SIGV4_OK;
}

static sigv4_status parse_expires(const char *s, size_t len, sigv4_auth *auth, char *errmsg,
                                  size_t errmsg_size)
{
    if (len > 0 && s[0] == '-') {
        format_error(errmsg, errmsg_size, "X-Amz-Expires must be non-negative");
        return SIGV4_ERR_INCOMPLETE;
    }
    bool numeric = len > 0;
    for (size_t i = 0; numeric && i < len; i++)
        numeric = s[i] >= '0' && s[i] <= '9';
    if (!numeric) {
        format_error(errmsg, errmsg_size, "X-Amz-Expires should be a number");
        return SIGV4_ERR_INCOMPLETE;
    }

    /* Skip leading zeros so the length test below bounds the value. */
    while (len > 1 && s[0] == '0')
        s++, len--;
    long value = len <= 7 ? strtol(s, NULL, 10) : SIGV4_MAX_PRESIGN_EXPIRES + 1L;
    if (value > SIGV4_MAX_PRESIGN_EXPIRES) {
        format_error(errmsg, errmsg_size,
                     "X-Amz-Expires must be less than a week (in seconds) that is %d",
                     SIGV4_MAX_PRESIGN_EXPIRES);
        return SIGV4_ERR_INCOMPLETE;
    }
    if (value == 0) {
        format_error(errmsg, errmsg_size, "X-Amz-Expires must be at least 1 second");
        return SIGV4_ERR_INCOMPLETE;
    }
    auth->expires = value;
    return SIGV4_OK;
}

static sigv4_status parse_presign_auth(const char *query, sigv4_auth *auth, char *errmsg,
                                       size_t errmsg_size)
{
    char *params[PARAM_COUNT] = {0};
    size_t lens[PARAM_COUNT] = {0};
    char quoted[EXCERPT_MAX + 4];
    auth->presigned = true;

    sigv4_status status = collect_presign_params(query, params, lens, errmsg, errmsg_size);
    if (status != SIGV4_OK)
        goto done;
    for (int p = 0; p <= PARAM_SIGNATURE; p++) {
        if (!params[p]) {
            format_error(errmsg, errmsg_size,
                         "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                         "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
                         "and X-Amz-Expires parameters.");
            status = SIGV4_ERR_INCOMPLETE;
            goto done;
        }
    }
    if (strcmp(params[PARAM_ALGORITHM], SIGV4_ALGORITHM) != 0) {
        format_error(errmsg, errmsg_size, "X-Amz-Algorithm only supports \"%s\"", SIGV4_ALGORITHM);
        status = SIGV4_ERR_ALGORITHM;
        goto done;
    }
    status = parse_credential(params[PARAM_CREDENTIAL], lens[PARAM_CREDENTIAL], auth, errmsg,
                              errmsg_size);
    if (status != SIGV4_OK)
        goto done;
    if (!parse_amz_datetime(params[PARAM_DATE], lens[PARAM_DATE], auth->datetime, &auth->time)) {
        format_error(errmsg, errmsg_size,
                     "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"; "
                     "got '%s'.",
                     excerpt(quoted, params[PARAM_DATE], lens[PARAM_DATE]));
        status = SIGV4_ERR_DATE;
        goto done;
    }
    status = parse_expires(params[PARAM_EXPIRES], lens[PARAM_EXPIRES], auth, errmsg, errmsg_size);
    if (status == SIGV4_OK)
        status = parse_signed_headers(params[PARAM_SIGNED_HEADERS], lens[PARAM_SIGNED_HEADERS],
                                      auth, errmsg, errmsg_size);
    if (status == SIGV4_OK)
        status = parse_signature(params[PARAM_SIGNATURE], lens[PARAM_SIGNATURE], auth, errmsg,
                                 errmsg_size);
    if (status == SIGV4_OK && params[PARAM_SECURITY_TOKEN])
        status = copy_session_token(params[PARAM_SECURITY_TOKEN], lens[PARAM_SECURITY_TOKEN],
                                    auth, errmsg, errmsg_size);
done:
    free_params(params);
    return status;
}

sigv4_status sigv4_parse(const sigv4_request *req, sigv4_auth *auth, char *errmsg,
                         size_t errmsg_size)
{
    memset(auth, 0, sizeof *auth);
    if (errmsg && errmsg_size)
        errmsg[0] = '\0';
    if (req->header_count > SIGV4_MAX_HEADERS) {
        format_error(errmsg, errmsg_size, "The request has %zu headers; the maximum is %d.",
                     req->header_count, SIGV4_MAX_HEADERS);
        return SIGV4_ERR_INCOMPLETE;
    }

    size_t authorization_count;
    const char *authorization = find_header(req, "authorization", &authorization_count);
    bool presigned = query_has_presign(req->query);
    if (!authorization && !presigned) {
        format_error(errmsg, errmsg_size, "Request is missing Authentication Token");
        return SIGV4_ERR_MISSING;
    }
    if (authorization && presigned) {
        format_error(errmsg, errmsg_size,
                     "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter "
                     "or the Authorization header should be specified");
        return SIGV4_ERR_INCOMPLETE;
    }
    if (authorization_count > 1) {
        format_error(errmsg, errmsg_size, "The request has %zu Authorization headers; send one.",
                     authorization_count);
        return SIGV4_ERR_INCOMPLETE;
    }

    sigv4_status status = authorization
                              ? parse_header_auth(req, authorization, auth, errmsg, errmsg_size)
                              : parse_presign_auth(req->query, auth, errmsg, errmsg_size);
    if (status != SIGV4_OK) {
        bool was_presigned = auth->presigned;
        sigv4_auth_free(auth);
        auth->presigned = was_presigned;
    }
    return status;
}

/* ---- verification ------------------------------------------------------- */

static sigv4_status check_time(const sigv4_auth *auth, time_t now, char *errmsg,
                               size_t errmsg_size)
{
    char now_text[17], bound[17];
    owl_time_amz(now, now_text);
    if (auth->presigned) {
        if (auth->time > now + SIGV4_MAX_SKEW_SECONDS) {
            format_error(errmsg, errmsg_size, "Request is not valid yet");
            return SIGV4_ERR_EXPIRED;
        }
        if (now - auth->time > auth->expires) {
            format_error(errmsg, errmsg_size, "Request has expired");
            return SIGV4_ERR_EXPIRED;
        }
        return SIGV4_OK;
    }
    if (auth->time < now - SIGV4_MAX_SKEW_SECONDS) {
        owl_time_amz(now - SIGV4_MAX_SKEW_SECONDS, bound);
        format_error(errmsg, errmsg_size, "Signature expired: %s is now earlier than %s (%s - %d min.)",
                     auth->datetime, bound, now_text, SIGV4_MAX_SKEW_SECONDS / 60);
        return SIGV4_ERR_SKEWED;
    }
    if (auth->time > now + SIGV4_MAX_SKEW_SECONDS) {
        owl_time_amz(now + SIGV4_MAX_SKEW_SECONDS, bound);
        format_error(errmsg, errmsg_size,
                     "Signature not yet current: %s is still later than %s (%s + %d min.)",
                     auth->datetime, bound, now_text, SIGV4_MAX_SKEW_SECONDS / 60);
        return SIGV4_ERR_SKEWED;
    }
    return SIGV4_OK;
}

sigv4_status sigv4_verify(const sigv4_auth *auth, const sigv4_request *req,
                          const char *expected_service, const char *payload_hash,
                          const char *secret_access_key, time_t now,
                          owl_buf *canonical_request, owl_buf *string_to_sign,
                          char *errmsg, size_t errmsg_size)
{
    if (errmsg && errmsg_size)
        errmsg[0] = '\0';
    if (strncmp(auth->scope_date, auth->datetime, 8) != 0) {
        format_error(errmsg, errmsg_size,
                     "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                     "date from HTTP: '%s' != '%.8s', from '%s'.",
                     auth->scope_date, auth->datetime, auth->datetime);
        return SIGV4_ERR_CREDENTIAL;
    }
    if (expected_service && strcmp(auth->service, expected_service) != 0) {
        format_error(errmsg, errmsg_size, "Credential should be scoped to correct service: '%s'.",
                     expected_service);
        return SIGV4_ERR_CREDENTIAL;
    }
    sigv4_status status = check_time(auth, now, errmsg, errmsg_size);
    if (status != SIGV4_OK)
        return status;

    if (!payload_hash) {
        size_t count;
        payload_hash = find_header(req, "x-amz-content-sha256", &count);
        if (!payload_hash)
            payload_hash = auth->presigned && strcmp(auth->service, "s3") == 0
                               ? SIGV4_UNSIGNED_PAYLOAD
                               : SIGV4_EMPTY_SHA256;
    }

    owl_buf canonical = OWL_BUF_INIT, to_sign = OWL_BUF_INIT;
    status = sigv4_canonical_request(req, auth->service, auth->signed_headers, payload_hash,
                                     auth->presigned, &canonical, errmsg, errmsg_size);
    if (status == SIGV4_OK) {
        uint8_t key[32];
        char expected[65];
        sigv4_string_to_sign(auth->datetime, auth->scope_date, auth->region, auth->service,
                             canonical.data, canonical.len, &to_sign);
        sigv4_signing_key(secret_access_key, auth->scope_date, auth->region, auth->service, key);
        sigv4_hmac_hex(key, to_sign.data, to_sign.len, expected);
        if (!owl_equal_constant_time(expected, 64, auth->signature, strlen(auth->signature))) {
            format_error(errmsg, errmsg_size, "%s", signature_mismatch_message);
            status = SIGV4_ERR_SIGNATURE;
        }
        if (canonical_request)
            owl_buf_append(canonical_request, canonical.data, canonical.len);
        if (string_to_sign)
            owl_buf_append(string_to_sign, to_sign.data, to_sign.len);
    }
    owl_buf_free(&canonical);
    owl_buf_free(&to_sign);
    return status;
}
