/*
 * HTTP load client for the owlery benchmarks: SigV4-signed requests
 * (src/aws/sigv4.h) sent with libcurl over keep-alive connections, one
 * connection per client thread. The scripts in bench/ drive it; it prints
 * "result key=value ..." lines that they turn into metric lines.
 *
 * Target and credentials come from the environment:
 *   BENCH_ENDPOINT    http://127.0.0.1:PORT (loopback only; see endpoint_check)
 *   BENCH_ACCESS_KEY, BENCH_SECRET_KEY, BENCH_REGION (default us-east-1)
 *
 * Modes (PATH is the request path, with any query after "?"):
 *   calls SERVICE METHOD PATH BODY [METHOD PATH BODY ...]
 *       one request after another on one connection. Prints the status,
 *       the time and the body of each, and the total time.
 *   put-file PATH FILE      PUT FILE as one S3 object, UNSIGNED-PAYLOAD
 *   get-file PATH FILE      GET one S3 object into FILE
 *   put-many PREFIX COUNT CLIENTS SIZE
 *       PUT COUNT objects PREFIX00000.. of SIZE bytes from CLIENTS threads
 *   get-many PREFIX COUNT CLIENTS
 *       GET the objects put-many wrote
 *   rate SERVICE METHOD PATH BODY CLIENTS SECONDS MAX_CALLS
 *       the same request from CLIENTS threads until SECONDS pass or
 *       MAX_CALLS complete. Prints calls/s and latency percentiles.
 *   query SQL_FILE CATALOG DATABASE OUTPUT_LOCATION RUNS first|all
 *       runs the Athena query RUNS times, one after another: each run is
 *       StartQueryExecution, GetQueryExecution every 0.5 ms until the state
 *       is final, then GetQueryResults (1,000 rows a page) for the first
 *       page or for all pages. Prints the times of each run and their
 *       percentiles, and fails when a run does not end in SUCCEEDED.
 *
 * BODY is a file name, or "-" for an empty body. Services other than s3
 * sign the body's SHA-256; s3 requests are signed with UNSIGNED-PAYLOAD.
 * Requests to the athena service use the JSON 1.1 protocol: BENCH_TARGET
 * names the operation for the calls and rate modes (X-Amz-Target, for
 * example AmazonAthena.GetDataCatalog).
 * A request fails when the status is not 2xx or when a Lambda invocation
 * returns X-Amz-Function-Error; every mode exits 1 after any failure.
 */
#define _GNU_SOURCE
#include "aws/sigv4.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MAX_CLIENTS 64
#define BENCH_IO_BUFFER (2 * 1024 * 1024) /* libcurl's largest upload buffer */

static const char *endpoint;    /* http://127.0.0.1:PORT */
static const char *host_header; /* 127.0.0.1:PORT */
static sigv4_credentials credentials;
static const char *region;
static const char *amz_target; /* BENCH_TARGET: X-Amz-Target of athena requests */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *message, const char *detail)
{
    fprintf(stderr, "bench_http: %s%s%s\n", message, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

/* Rejects any endpoint that is not plain HTTP on 127.0.0.1: the benchmarks stay on loopback. */
static void endpoint_check(void)
{
    const char *prefix = "http://127.0.0.1:";
    if (!endpoint || strncmp(endpoint, prefix, strlen(prefix)) != 0)
        die("BENCH_ENDPOINT must be http://127.0.0.1:PORT", endpoint ? endpoint : "missing");
    host_header = endpoint + strlen("http://");
}

static char *read_file(const char *path, size_t *len)
{
    *len = 0;
    if (strcmp(path, "-") == 0)
        return calloc(1, 1);
    FILE *f = fopen(path, "rb");
    if (!f)
        die("failed to open body file", path);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)size + 1);
    if (!data || fread(data, 1, (size_t)size, f) != (size_t)size)
        die("failed to read body file", path);
    fclose(f);
    data[size] = '\0';
    *len = (size_t)size;
    return data;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(data, len, digest);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        sprintf(out + 2 * i, "%02x", digest[i]);
}

/* The content type each service's protocol expects for a request body. */
static const char *content_type_for(const char *service)
{
    if (strcmp(service, "sts") == 0 || strcmp(service, "iam") == 0)
        return "application/x-www-form-urlencoded; charset=utf-8";
    if (strcmp(service, "lambda") == 0)
        return "application/json";
    if (strcmp(service, "athena") == 0)
        return "application/x-amz-json-1.1";
    return NULL;
}

/* One keep-alive connection and the state of the request on it. */
typedef struct client {
    CURL *curl;
    struct curl_slist *headers;
    char url[4096];
    long status;
    int function_error;  /* the response had X-Amz-Function-Error */
    int io_fd;           /* file a request body is read from, or a response body written to, or -1 */
    int write_to_fd;     /* write the response body to io_fd (GET into a file) */
    int keep_body;       /* append the response body to body */
    const char *target;  /* X-Amz-Target of the next request, or NULL */
    char *body;
    size_t body_len;
} client;

static size_t on_header(char *line, size_t size, size_t count, void *arg)
{
    client *c = arg;
    size_t len = size * count;
    if (len >= 21 && strncasecmp(line, "X-Amz-Function-Error:", 21) == 0)
        c->function_error = 1;
    return len;
}

static size_t on_body(char *data, size_t size, size_t count, void *arg)
{
    client *c = arg;
    size_t len = size * count;
    if (c->write_to_fd) {
        size_t done = 0;
        while (done < len) {
            ssize_t n = write(c->io_fd, data + done, len - done);
            if (n < 0)
                return 0;
            done += (size_t)n;
        }
    } else if (c->keep_body) {
        char *grown = realloc(c->body, c->body_len + len + 1);
        if (!grown)
            return 0;
        c->body = grown;
        memcpy(c->body + c->body_len, data, len);
        c->body_len += len;
        c->body[c->body_len] = '\0';
    }
    return len;
}

static size_t on_upload(char *data, size_t size, size_t count, void *arg)
{
    client *c = arg;
    ssize_t n = read(c->io_fd, data, size * count);
    return n < 0 ? CURL_READFUNC_ABORT : (size_t)n;
}

static void client_init(client *c)
{
    memset(c, 0, sizeof *c);
    c->io_fd = -1;
    c->curl = curl_easy_init();
    if (!c->curl)
        die("curl_easy_init failed", NULL);
    curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->curl, CURLOPT_READFUNCTION, on_upload);
    curl_easy_setopt(c->curl, CURLOPT_READDATA, c);
    curl_easy_setopt(c->curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 300L);
    curl_easy_setopt(c->curl, CURLOPT_BUFFERSIZE, (long)CURL_MAX_READ_SIZE);
    curl_easy_setopt(c->curl, CURLOPT_UPLOAD_BUFFERSIZE, (long)BENCH_IO_BUFFER);
    /* No proxy from the environment, so every request stays on loopback. */
    curl_easy_setopt(c->curl, CURLOPT_PROXY, "");
    c->target = amz_target;
}

static void client_free(client *c)
{
    curl_slist_free_all(c->headers);
    curl_easy_cleanup(c->curl);
    free(c->body);
}

/*
 * Signs and sends one request. body/body_len is an in-memory body; when
 * upload_size >= 0 the body is streamed from c->io_fd instead. Returns 1 on
 * a 2xx response without a function error, 0 otherwise.
 */
static int client_send(client *c, const char *service, const char *method, const char *path,
                       const char *body, size_t body_len, long long upload_size)
{
    char raw_path[4096];
    snprintf(raw_path, sizeof raw_path, "%s", path);
    char *query = strchr(raw_path, '?');
    if (query)
        *query++ = '\0';

    const char *content_type = body_len ? content_type_for(service) : NULL;
    sigv4_header headers[2] = {{"host", host_header}, {"content-type", content_type}};
    sigv4_request req = {.method = method, .path = raw_path, .query = query, .headers = headers,
                         .header_count = content_type ? 2 : 1};
    char payload_hash[65] = SIGV4_UNSIGNED_PAYLOAD;
    if (strcmp(service, "s3") != 0)
        sha256_hex(body ? body : "", body_len, payload_hash);
    sigv4_signature_headers signature;
    char error[256];
    if (sigv4_sign(&req, &credentials, region, service, payload_hash, time(NULL), &signature, error,
                   sizeof error) != SIGV4_OK)
        die("sigv4_sign failed", error);

    char line[SIGV4_MAX_AUTHORIZATION + 64];
    curl_slist_free_all(c->headers);
    c->headers = NULL;
    snprintf(line, sizeof line, "Authorization: %s", signature.authorization);
    c->headers = curl_slist_append(c->headers, line);
    snprintf(line, sizeof line, "X-Amz-Date: %s", signature.x_amz_date);
    c->headers = curl_slist_append(c->headers, line);
    if (signature.x_amz_content_sha256[0]) {
        snprintf(line, sizeof line, "X-Amz-Content-Sha256: %s", signature.x_amz_content_sha256);
        c->headers = curl_slist_append(c->headers, line);
    }
    if (content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", content_type);
        c->headers = curl_slist_append(c->headers, line);
    }
    if (c->target) {
        snprintf(line, sizeof line, "X-Amz-Target: %s", c->target);
        c->headers = curl_slist_append(c->headers, line);
    }
    c->headers = curl_slist_append(c->headers, "Expect:");

    snprintf(c->url, sizeof c->url, "%s%s", endpoint, path);
    curl_easy_setopt(c->curl, CURLOPT_URL, c->url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->curl, CURLOPT_UPLOAD, 0L);
    curl_easy_setopt(c->curl, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, NULL);
    if (upload_size >= 0) {
        curl_easy_setopt(c->curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)upload_size);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
    }

    c->function_error = 0;
    c->body_len = 0;
    CURLcode rc = curl_easy_perform(c->curl);
    if (rc != CURLE_OK) {
        fprintf(stderr, "bench_http: %s %s: %s\n", method, path, curl_easy_strerror(rc));
        c->status = 0;
        return 0;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->status);
    return c->status >= 200 && c->status < 300 && !c->function_error;
}

/* ---- calls ------------------------------------------------------------- */

static int run_calls(int argc, char **argv)
{
    if (argc < 4 || (argc - 1) % 3 != 0)
        die("usage: calls SERVICE METHOD PATH BODY [METHOD PATH BODY ...]", NULL);
    const char *service = argv[0];
    client c;
    client_init(&c);
    c.keep_body = 1;
    int ok = 1;
    double start = now_seconds();
    for (int i = 1; i < argc; i += 3) {
        size_t len;
        char *body = read_file(argv[i + 2], &len);
        double t0 = now_seconds();
        int good = client_send(&c, service, argv[i], argv[i + 1], body, len, -1);
        double t1 = now_seconds();
        printf("result call=%d status=%ld function_error=%d ms=%.3f\n", (i - 1) / 3, c.status,
               c.function_error, (t1 - t0) * 1e3);
        printf("body %s\n", c.body_len ? c.body : "");
        ok &= good;
        free(body);
    }
    printf("result total_ms=%.3f ok=%d\n", (now_seconds() - start) * 1e3, ok);
    client_free(&c);
    return ok ? 0 : 1;
}

/* ---- one large object --------------------------------------------------- */

static int run_file(int put, const char *path, const char *file)
{
    client c;
    client_init(&c);
    c.io_fd = put ? open(file, O_RDONLY) : open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (c.io_fd < 0)
        die("failed to open", file);
    c.write_to_fd = !put;
    c.keep_body = put; /* an error response to the PUT is printed below */
    long long size = -1;
    if (put) {
        struct stat st;
        fstat(c.io_fd, &st);
        size = (long long)st.st_size;
    }
    double t0 = now_seconds();
    int ok = client_send(&c, "s3", put ? "PUT" : "GET", path, NULL, 0, size);
    double seconds = now_seconds() - t0;
    curl_off_t moved = 0;
    curl_easy_getinfo(c.curl, put ? CURLINFO_SIZE_UPLOAD_T : CURLINFO_SIZE_DOWNLOAD_T, &moved);
    close(c.io_fd);
    printf("result op=%s status=%ld bytes=%lld seconds=%.6f mib_per_s=%.1f\n", put ? "put" : "get",
           c.status, (long long)moved, seconds, (double)moved / 1048576.0 / seconds);
    if (!ok)
        fprintf(stderr, "bench_http: %s %s failed with status %ld: %s\n", put ? "PUT" : "GET", path,
                c.status, c.body_len ? c.body : "(no body)");
    client_free(&c);
    return ok ? 0 : 1;
}

/* ---- many small objects -------------------------------------------------- */

typedef struct many_job {
    const char *prefix;
    int put;
    long count;
    long size;
    atomic_long next;
    atomic_long failures;
} many_job;

static void *many_worker(void *arg)
{
    many_job *job = arg;
    client c;
    client_init(&c);
    char *body = malloc((size_t)job->size + 1);
    memset(body, 'x', (size_t)job->size);
    char path[1024];
    for (long i; (i = atomic_fetch_add(&job->next, 1)) < job->count;) {
        snprintf(path, sizeof path, "%s%05ld", job->prefix, i);
        int ok;
        if (job->put)
            ok = client_send(&c, "s3", "PUT", path, body, (size_t)job->size, -1);
        else
            ok = client_send(&c, "s3", "GET", path, NULL, 0, -1);
        if (!ok)
            atomic_fetch_add(&job->failures, 1);
    }
    free(body);
    client_free(&c);
    return NULL;
}

static int run_many(int put, int argc, char **argv)
{
    if (argc != (put ? 4 : 3))
        die(put ? "usage: put-many PREFIX COUNT CLIENTS SIZE" : "usage: get-many PREFIX COUNT CLIENTS", NULL);
    many_job job = {.prefix = argv[0], .put = put, .count = atol(argv[1]),
                    .size = put ? atol(argv[3]) : 0};
    int clients = atoi(argv[2]);
    if (clients < 1 || clients > BENCH_MAX_CLIENTS || job.count < 1)
        die("invalid COUNT or CLIENTS (1..64)", NULL);
    pthread_t threads[BENCH_MAX_CLIENTS];
    double t0 = now_seconds();
    for (int i = 0; i < clients; i++)
        pthread_create(&threads[i], NULL, many_worker, &job);
    for (int i = 0; i < clients; i++)
        pthread_join(threads[i], NULL);
    double seconds = now_seconds() - t0;
    long failures = atomic_load(&job.failures);
    printf("result op=%s objects=%ld clients=%d failures=%ld seconds=%.6f objects_per_s=%.1f\n",
           put ? "put" : "get", job.count, clients, failures, seconds, (double)job.count / seconds);
    return failures ? 1 : 0;
}

/* ---- request rate and latency --------------------------------------------- */

typedef struct rate_job {
    const char *service, *method, *path;
    const char *body;
    size_t body_len;
    double deadline;
    long max_calls;
    atomic_long started;
    atomic_long failures;
    double *latencies; /* max_calls entries, seconds */
    atomic_long recorded;
} rate_job;

static void *rate_worker(void *arg)
{
    rate_job *job = arg;
    client c;
    client_init(&c);
    while (now_seconds() < job->deadline && atomic_fetch_add(&job->started, 1) < job->max_calls) {
        double t0 = now_seconds();
        if (!client_send(&c, job->service, job->method, job->path, job->body, job->body_len, -1)) {
            if (atomic_fetch_add(&job->failures, 1) == 0)
                fprintf(stderr, "bench_http: %s %s: status %ld%s\n", job->method, job->path, c.status,
                        c.function_error ? " with X-Amz-Function-Error" : "");
        }
        job->latencies[atomic_fetch_add(&job->recorded, 1)] = now_seconds() - t0;
    }
    client_free(&c);
    return NULL;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run_rate(int argc, char **argv)
{
    if (argc != 7)
        die("usage: rate SERVICE METHOD PATH BODY CLIENTS SECONDS MAX_CALLS", NULL);
    rate_job job = {.service = argv[0], .method = argv[1], .path = argv[2]};
    char *body = read_file(argv[3], &job.body_len);
    job.body = body;
    int clients = atoi(argv[4]);
    double seconds = atof(argv[5]);
    job.max_calls = atol(argv[6]);
    if (clients < 1 || clients > BENCH_MAX_CLIENTS || seconds <= 0 || job.max_calls < 1)
        die("invalid CLIENTS (1..64), SECONDS or MAX_CALLS", NULL);
    job.latencies = calloc((size_t)job.max_calls, sizeof(double));
    if (!job.latencies)
        die("out of memory for MAX_CALLS latencies", argv[6]);

    pthread_t threads[BENCH_MAX_CLIENTS];
    double t0 = now_seconds();
    job.deadline = t0 + seconds;
    for (int i = 0; i < clients; i++)
        pthread_create(&threads[i], NULL, rate_worker, &job);
    for (int i = 0; i < clients; i++)
        pthread_join(threads[i], NULL);
    double elapsed = now_seconds() - t0;

    long calls = atomic_load(&job.recorded);
    qsort(job.latencies, (size_t)calls, sizeof(double), compare_double);
    double p50 = calls ? job.latencies[calls / 2] : 0;
    double p99 = calls ? job.latencies[(long)((double)calls * 0.99)] : 0;
    long failures = atomic_load(&job.failures);
    printf("result clients=%d calls=%ld failures=%ld seconds=%.3f calls_per_s=%.1f p50_ms=%.3f "
           "p99_ms=%.3f\n", clients, calls, failures, elapsed, (double)calls / elapsed, p50 * 1e3,
           p99 * 1e3);
    free(job.latencies);
    free(body);
    return failures ? 1 : 0;
}

/* ---- Athena queries ------------------------------------------------------ */

/*
 * Sends one Athena operation with a JSON body and returns the parsed
 * response (the caller frees it), or exits on a transport error, a non-2xx
 * status or a body that is not a JSON object.
 */
static json_t *athena_call(client *c, const char *operation, json_t *request)
{
    char target[128];
    snprintf(target, sizeof target, "AmazonAthena.%s", operation);
    c->target = target;
    c->keep_body = 1;
    char *body = json_dumps(request, JSON_COMPACT);
    int ok = client_send(c, "athena", "POST", "/", body, strlen(body), -1);
    free(body);
    c->target = amz_target;
    if (!ok) {
        fprintf(stderr, "bench_http: %s returned status %ld: %s\n", operation, c->status,
                c->body_len ? c->body : "(no body)");
        exit(1);
    }
    json_error_t error;
    json_t *response = json_loadb(c->body ? c->body : "", c->body_len, 0, &error);
    if (!json_is_object(response)) {
        fprintf(stderr, "bench_http: %s returned a body that is not a JSON object: %s\n", operation,
                error.text);
        exit(1);
    }
    return response;
}

/* Times of one query run, in seconds from the StartQueryExecution request. */
typedef struct query_times {
    double succeeded; /* GetQueryExecution returned SUCCEEDED */
    double first_page;
    double all_pages;
    long rows; /* data rows on the pages read, without the header row */
} query_times;

static void query_run_once(client *c, const char *sql, const char *catalog, const char *database,
                           const char *output, int all_pages, query_times *times)
{
    double t0 = now_seconds();
    json_t *request = json_pack("{s:s, s:{s:s, s:s}, s:{s:s}}", "QueryString", sql,
                                "QueryExecutionContext", "Catalog", catalog, "Database", database,
                                "ResultConfiguration", "OutputLocation", output);
    json_t *response = athena_call(c, "StartQueryExecution", request);
    json_decref(request);
    char id[128];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(response, "QueryExecutionId")));
    json_decref(response);

    request = json_pack("{s:s}", "QueryExecutionId", id);
    for (;;) {
        response = athena_call(c, "GetQueryExecution", request);
        json_t *status = json_object_get(json_object_get(response, "QueryExecution"), "Status");
        const char *state = json_string_value(json_object_get(status, "State"));
        if (state && strcmp(state, "SUCCEEDED") == 0) {
            json_decref(response);
            break;
        }
        if (state && (strcmp(state, "FAILED") == 0 || strcmp(state, "CANCELLED") == 0)) {
            const char *reason = json_string_value(json_object_get(status, "StateChangeReason"));
            fprintf(stderr, "bench_http: query %s ended in %s: %s\n", id, state,
                    reason ? reason : "(no reason)");
            exit(1);
        }
        json_decref(response);
        usleep(500);
    }
    json_decref(request);
    times->succeeded = now_seconds() - t0;

    times->rows = -1; /* the first page starts with the header row */
    char *token = NULL;
    int page = 0;
    do {
        request = json_pack("{s:s, s:i}", "QueryExecutionId", id, "MaxResults", 1000);
        if (token)
            json_object_set_new(request, "NextToken", json_string(token));
        response = athena_call(c, "GetQueryResults", request);
        json_decref(request);
        free(token);
        token = NULL;
        times->rows += (long)json_array_size(
            json_object_get(json_object_get(response, "ResultSet"), "Rows"));
        const char *next = json_string_value(json_object_get(response, "NextToken"));
        if (next && *next)
            token = strdup(next);
        json_decref(response);
        if (page++ == 0)
            times->first_page = now_seconds() - t0;
    } while (token && all_pages);
    free(token);
    times->all_pages = now_seconds() - t0;
}

/* Prints the median, 99th percentile and lowest value of values (n > 0), in ms. */
static void print_percentiles(const char *name, double *values, int n)
{
    qsort(values, (size_t)n, sizeof *values, compare_double);
    printf(" %s_p50_ms=%.3f %s_p99_ms=%.3f %s_min_ms=%.3f", name, values[n / 2] * 1e3, name,
           values[(int)((double)n * 0.99)] * 1e3, name, values[0] * 1e3);
}

static int run_query(int argc, char **argv)
{
    if (argc != 6 || (strcmp(argv[5], "first") != 0 && strcmp(argv[5], "all") != 0))
        die("usage: query SQL_FILE CATALOG DATABASE OUTPUT_LOCATION RUNS first|all", NULL);
    size_t sql_len;
    char *sql = read_file(argv[0], &sql_len);
    int runs = atoi(argv[4]);
    if (runs < 1)
        die("invalid RUNS", argv[4]);
    int all_pages = strcmp(argv[5], "all") == 0;
    double *succeeded = calloc((size_t)runs, sizeof(double));
    double *first_page = calloc((size_t)runs, sizeof(double));
    double *total = calloc((size_t)runs, sizeof(double));
    client c;
    client_init(&c);
    long rows = 0;
    for (int i = 0; i < runs; i++) {
        query_times times;
        query_run_once(&c, sql, argv[1], argv[2], argv[3], all_pages, &times);
        printf("run %d succeeded_ms=%.3f first_page_ms=%.3f total_ms=%.3f rows=%ld\n", i,
               times.succeeded * 1e3, times.first_page * 1e3, times.all_pages * 1e3, times.rows);
        succeeded[i] = times.succeeded;
        first_page[i] = times.first_page;
        total[i] = times.all_pages;
        rows = times.rows;
    }
    printf("result runs=%d rows=%ld", runs, rows);
    print_percentiles("succeeded", succeeded, runs);
    print_percentiles("first_page", first_page, runs);
    print_percentiles("total", total, runs);
    printf("\n");
    client_free(&c);
    free(succeeded);
    free(first_page);
    free(total);
    free(sql);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_http calls|put-file|get-file|put-many|get-many|rate|query ARGS "
                        "(see bench/bench_http.c)\n");
        return 2;
    }
    endpoint = getenv("BENCH_ENDPOINT");
    endpoint_check();
    credentials.access_key_id = getenv("BENCH_ACCESS_KEY");
    credentials.secret_access_key = getenv("BENCH_SECRET_KEY");
    region = getenv("BENCH_REGION") ? getenv("BENCH_REGION") : "us-east-1";
    amz_target = getenv("BENCH_TARGET") && *getenv("BENCH_TARGET") ? getenv("BENCH_TARGET") : NULL;
    if (!credentials.access_key_id || !credentials.secret_access_key)
        die("BENCH_ACCESS_KEY and BENCH_SECRET_KEY must be set", NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    const char *mode = argv[1];
    int rc;
    if (strcmp(mode, "calls") == 0)
        rc = run_calls(argc - 2, argv + 2);
    else if ((strcmp(mode, "put-file") == 0 || strcmp(mode, "get-file") == 0) && argc == 4)
        rc = run_file(mode[0] == 'p', argv[2], argv[3]);
    else if (strcmp(mode, "put-many") == 0 || strcmp(mode, "get-many") == 0)
        rc = run_many(mode[0] == 'p', argc - 2, argv + 2);
    else if (strcmp(mode, "rate") == 0)
        rc = run_rate(argc - 2, argv + 2);
    else if (strcmp(mode, "query") == 0)
        rc = run_query(argc - 2, argv + 2);
    else
        die("unknown mode or wrong argument count", mode);
    curl_global_cleanup();
    return rc;
}
