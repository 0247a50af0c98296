/*
 * Invoke (POST /2015-03-31/functions/NAME/invocations) and the queue of
 * asynchronous (Event) invocations.
 *
 * Invocation types: RequestResponse (default) runs the function and returns
 * its payload; DryRun checks access only (204); Event queues the payload
 * (202) for a worker thread. Payload limits: 6291456 bytes synchronous,
 * 262144 bytes Event; a function response may be at most 6291556 bytes.
 * A function error is HTTP 200 with X-Amz-Function-Error: Unhandled, as on
 * Lambda. LogType=Tail returns the last 4 KB of the invocation's log,
 * base64-encoded, in X-Amz-Log-Result. lambda_invoke_as_caller takes the
 * same resolution, authorization and runtime path for services inside
 * owlery and returns the outcome instead of replying.
 *
 * NOTE: Event invocations live in memory only: a restart loses queued ones,
 * and a failed Event invocation is logged, not retried.
 */
#include "lambda/api.h"

#include "common/log.h"
#include "common/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_TAIL_BYTES 4096
#define EVENT_WORKERS 2
#define EVENT_QUEUE_MAX 1000
/* How often and how long a throttled Event invocation is retried. */
#define EVENT_THROTTLE_RETRIES 30
#define EVENT_THROTTLE_WAIT_MS 1000

typedef struct event_job {
    struct event_job *next;
    lambda_function fn;
    char request_id[40];
    void *payload;
    size_t payload_len;
} event_job;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    bool running;
    event_job *head, *tail;
    size_t length;
    pthread_t workers[EVENT_WORKERS];
} events = {.lock = PTHREAD_MUTEX_INITIALIZER, .ready = PTHREAD_COND_INITIALIZER};

static void job_free(event_job *job)
{
    lambda_function_free(&job->fn);
    free(job->payload);
    free(job);
}

static void *event_worker(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&events.lock);
        while (events.running && !events.head)
            pthread_cond_wait(&events.ready, &events.lock);
        event_job *job = events.running ? events.head : NULL;
        if (job) {
            events.head = job->next;
            if (!events.head)
                events.tail = NULL;
            events.length--;
        }
        pthread_mutex_unlock(&events.lock);
        if (!job)
            return NULL;

        lambda_invoke_result result = {.payload = OWL_BUF_INIT, .log = OWL_BUF_INIT};
        for (int attempt = 0;; attempt++) {
            lambda_runtime_invoke(&job->fn, job->request_id, job->payload, job->payload_len,
                                  &result);
            if (result.outcome != LAMBDA_INVOKE_THROTTLED || attempt >= EVENT_THROTTLE_RETRIES)
                break;
            usleep(EVENT_THROTTLE_WAIT_MS * 1000);
        }
        static const char *const outcomes[] = {"success", "function_error", "throttled",
                                               "unavailable"};
        char quoted[600];
        owl_log_info("event=lambda_event_done function=%s version=%s request_id=%s outcome=%s "
                     "payload=%s",
                     job->fn.name, job->fn.version, job->request_id, outcomes[result.outcome],
                     owl_log_quote(quoted, sizeof quoted, result.payload.data ? result.payload.data : ""));
        owl_buf_free(&result.payload);
        owl_buf_free(&result.log);
        job_free(job);
    }
}

bool lambda_event_start(char *err, size_t errlen)
{
    pthread_mutex_lock(&events.lock);
    events.running = true;
    pthread_mutex_unlock(&events.lock);
    for (int i = 0; i < EVENT_WORKERS; i++) {
        if (pthread_create(&events.workers[i], NULL, event_worker, NULL) != 0) {
            snprintf(err, errlen, "cannot start the Lambda Event workers");
            return false;
        }
    }
    return true;
}

void lambda_event_stop(void)
{
    pthread_mutex_lock(&events.lock);
    bool was_running = events.running;
    events.running = false;
    pthread_cond_broadcast(&events.ready);
    pthread_mutex_unlock(&events.lock);
    if (!was_running)
        return;
    for (int i = 0; i < EVENT_WORKERS; i++)
        pthread_join(events.workers[i], NULL);
    while (events.head) {
        event_job *job = events.head;
        events.head = job->next;
        owl_log_warn("event=lambda_event_dropped function=%s request_id=%s reason=shutdown",
                     job->fn.name, job->request_id);
        job_free(job);
    }
    events.tail = NULL;
    events.length = 0;
}

bool lambda_event_enqueue(const lambda_function *fn, const char *request_id, const void *payload,
                          size_t payload_len)
{
    event_job *job = calloc(1, sizeof *job);
    if (!job)
        abort();
    job->fn = *fn;
    job->fn.config = json_deep_copy(fn->config);
    job->fn.tags = NULL;
    job->fn.policy = NULL;
    snprintf(job->request_id, sizeof job->request_id, "%s", request_id);
    job->payload = malloc(payload_len + 1);
    if (!job->payload)
        abort();
    memcpy(job->payload, payload, payload_len);
    job->payload_len = payload_len;

    pthread_mutex_lock(&events.lock);
    bool accepted = events.running && events.length < EVENT_QUEUE_MAX;
    if (accepted) {
        if (events.tail)
            events.tail->next = job;
        else
            events.head = job;
        events.tail = job;
        events.length++;
        pthread_cond_signal(&events.ready);
    }
    pthread_mutex_unlock(&events.lock);
    if (!accepted)
        job_free(job);
    return accepted;
}

/* Adds X-Amz-Log-Result: the last LOG_TAIL_BYTES of the log, base64-encoded. */
static void add_log_tail(aws_call *call, const owl_buf *log)
{
    size_t len = log->len, start = len > LOG_TAIL_BYTES ? len - LOG_TAIL_BYTES : 0;
    char *encoded = lambda_base64_encode(log->data ? log->data + start : "", len - start);
    http_response_add_header(call->resp, "X-Amz-Log-Result", encoded);
    free(encoded);
}

/* Returns true when the runtime accepts invocations; otherwise replies ServiceException. */
static bool runtime_available(aws_call *call)
{
    if (lambda_runtime_running())
        return true;
    aws_call_error(call, 503, "ServiceException",
                   "The Lambda runtime is not running (owlery serve is starting or stopping); "
                   "retry the invocation");
    return false;
}

/*
 * Runs one RequestResponse invocation of fn. Returns true when the function
 * ran (result->outcome is SUCCESS or FUNCTION_ERROR); otherwise replies
 * TooManyRequestsException or ServiceException and returns false. The
 * caller frees result->payload and result->log either way.
 */
static bool invoke_sync(aws_call *call, const lambda_function *fn, const char *request_id,
                        const void *data, size_t data_len, lambda_invoke_result *result)
{
    lambda_runtime_invoke(fn, request_id, data, data_len, result);
    switch (result->outcome) {
    case LAMBDA_INVOKE_THROTTLED:
        aws_call_error(call, 429, "TooManyRequestsException",
                       "Rate Exceeded. Every instance of %s is busy.", fn->name);
        return false;
    case LAMBDA_INVOKE_UNAVAILABLE:
        aws_call_error(call, 503, "ServiceException",
                       "The Lambda runtime is stopping; retry the invocation");
        return false;
    case LAMBDA_INVOKE_SUCCESS:
    case LAMBDA_INVOKE_FUNCTION_ERROR:
        break;
    }
    return true;
}

void lambda_invoke(aws_call *call, const char *name)
{
    lambda_ref ref;
    lambda_function fn;
    if (!lambda_api_load_for_read(call, name, "lambda:InvokeFunction", &ref, &fn))
        return;

    const char *type = http_request_header(call->req, "x-amz-invocation-type");
    const char *log_type = http_request_header(call->req, "x-amz-log-type");
    if (!type)
        type = "RequestResponse";
    if (strcmp(type, "RequestResponse") != 0 && strcmp(type, "Event") != 0 &&
        strcmp(type, "DryRun") != 0) {
        aws_call_error(call, 400, "ValidationException",
                       "1 validation error detected: Value '%.40s' at 'invocationType' failed to "
                       "satisfy constraint: Member must satisfy enum value set: [Event, "
                       "RequestResponse, DryRun]",
                       type);
        goto out;
    }
    if (log_type && strcmp(log_type, "None") != 0 && strcmp(log_type, "Tail") != 0) {
        aws_call_error(call, 400, "ValidationException",
                       "1 validation error detected: Value '%.40s' at 'logType' failed to satisfy "
                       "constraint: Member must satisfy enum value set: [None, Tail]",
                       log_type);
        goto out;
    }
    bool event = strcmp(type, "Event") == 0;
    size_t limit = event ? LAMBDA_EVENT_REQUEST_MAX : LAMBDA_SYNC_REQUEST_MAX;
    const owl_buf *payload = &call->req->body;
    if (payload->len > limit) {
        aws_call_error(call, 413, "RequestTooLargeException",
                       "Request must be smaller than %zu bytes for the InvokeFunction operation",
                       limit);
        goto out;
    }
    if (payload->len > 0) {
        json_error_t error;
        json_t *parsed = json_loadb(payload->data, payload->len, JSON_DECODE_ANY, &error);
        if (!parsed) {
            aws_call_error(call, 400, "InvalidRequestContentException",
                           "Could not parse request body into json: Could not parse payload into "
                           "json: %s",
                           error.text);
            goto out;
        }
        json_decref(parsed);
    }
    if (!runtime_available(call))
        goto out;

    if (strcmp(type, "DryRun") == 0) {
        http_response_set_body(call->resp, 204, NULL, "", 0);
        goto out;
    }
    const char *request_id = call->req->request_id;
    const void *data = payload->len ? payload->data : "{}";
    size_t data_len = payload->len ? payload->len : 2;
    if (event) {
        if (!lambda_event_enqueue(&fn, request_id, data, data_len)) {
            aws_call_error(call, 429, "TooManyRequestsException",
                           "Rate Exceeded. The queue of Event invocations is full.");
            goto out;
        }
        http_response_set_body(call->resp, 202, NULL, "", 0);
        goto out;
    }

    lambda_invoke_result result = {.payload = OWL_BUF_INIT, .log = OWL_BUF_INIT};
    if (invoke_sync(call, &fn, request_id, data, data_len, &result)) {
        http_response_set_body(call->resp, 200, "application/json",
                               result.payload.data ? result.payload.data : "", result.payload.len);
        http_response_add_header(call->resp, "X-Amz-Executed-Version", fn.version);
        if (result.outcome == LAMBDA_INVOKE_FUNCTION_ERROR) {
            http_response_add_header(call->resp, "X-Amz-Function-Error", "Unhandled");
            snprintf(call->error_code, sizeof call->error_code, "Unhandled");
        }
        if (log_type && strcmp(log_type, "Tail") == 0)
            add_log_tail(call, &result.log);
    }
    owl_buf_free(&result.payload);
    owl_buf_free(&result.log);
out:
    lambda_function_free(&fn);
}

/* ------------------------------------------------------------------------
 * Invocation on behalf of a caller inside owlery
 * ---------------------------------------------------------------------- */

/* Frees what the Lambda helpers added to a scratch response. */
static void scratch_response_free(http_response *resp)
{
    http_response_reset(resp);
    owl_buf_free(&resp->body);
}

/* Moves the error a Lambda helper wrote into the scratch response into out. */
static void take_rejection(const aws_call *shadow, lambda_caller_result *out)
{
    out->status = LAMBDA_CALLER_REJECTED;
    out->http_status = shadow->resp->status;
    snprintf(out->error_code, sizeof out->error_code, "%s", shadow->error_code);
    const owl_buf *body = &shadow->resp->body;
    json_t *error = body->len ? json_loadb(body->data, body->len, 0, NULL) : NULL;
    const char *message = json_string_value(json_object_get(error, "message"));
    out->message = strdup(message ? message : "");
    if (!out->message)
        abort();
    json_decref(error);
}

bool lambda_invoke_as_caller(aws_call *call, const char *function_arn, const void *payload,
                             size_t len, lambda_caller_result *out)
{
    memset(out, 0, sizeof *out);

    /* The Lambda helpers reply through an aws_call; give them one whose
     * response is private, so the caller's response stays untouched. */
    http_response scratch = {0};
    aws_call shadow = *call;
    shadow.resp = &scratch;
    shadow.protocol = AWS_PROTOCOL_REST_JSON;
    shadow.service = "lambda";
    shadow.form = (aws_form){0};
    shadow.error_code[0] = '\0';

    lambda_ref ref;
    lambda_function fn;
    if (!lambda_api_load_for_read(&shadow, function_arn, "lambda:InvokeFunction", &ref, &fn)) {
        take_rejection(&shadow, out);
        scratch_response_free(&scratch);
        return false;
    }

    bool ran = false;
    if (len > LAMBDA_SYNC_REQUEST_MAX) {
        aws_call_error(&shadow, 413, "RequestTooLargeException",
                       "Request must be smaller than %d bytes for the InvokeFunction operation",
                       LAMBDA_SYNC_REQUEST_MAX);
    } else if (runtime_available(&shadow)) {
        /* Each invocation gets its own request id: the function names spill
         * objects after it, and one Athena call may invoke several times. */
        char request_id[37];
        owl_uuid(request_id);
        lambda_invoke_result result = {.payload = OWL_BUF_INIT, .log = OWL_BUF_INIT};
        ran = invoke_sync(&shadow, &fn, request_id, payload, len, &result);
        if (ran) {
            out->status = result.outcome == LAMBDA_INVOKE_SUCCESS ? LAMBDA_CALLER_SUCCESS
                                                                  : LAMBDA_CALLER_FUNCTION_ERROR;
            out->payload = owl_buf_detach(&result.payload, &out->payload_len);
        }
        owl_buf_free(&result.payload);
        owl_buf_free(&result.log);
    }
    if (!ran)
        take_rejection(&shadow, out);
    scratch_response_free(&scratch);
    lambda_function_free(&fn);
    return ran;
}

void lambda_caller_result_free(lambda_caller_result *result)
{
    free(result->message);
    free(result->payload);
    result->message = NULL;
    result->payload = NULL;
}
