/*
 * One statement through the Athena API, as the Athena console and the AWS
 * SDKs drive it: StartQueryExecution (with a fresh ClientRequestToken, so a
 * retried start cannot run the query twice), GetQueryExecution until the
 * state is SUCCEEDED, FAILED or CANCELLED, then GetQueryResults with
 * MaxResults 1000 (the API's maximum) following NextToken to the end.
 *
 * Polling starts 2 ms after the start and doubles up to poll_max_ms, so a
 * small query returns within milliseconds and a long one costs a few calls
 * a second. Ctrl-C sets a flag that the loop checks between calls; it then
 * sends StopQueryExecution and returns SQL_EXIT_INTERRUPTED.
 */
#include "cli/sql.h"

#include "common/util.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POLL_FIRST_MS 2
#define RESULTS_PAGE_ROWS 1000

static volatile sig_atomic_t interrupt_received;

static void on_interrupt(int signal_number)
{
    (void)signal_number;
    interrupt_received = 1;
}

void sql_run_install_interrupt(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    /* No SA_RESTART: a blocking read at the REPL prompt returns, so the line can be dropped. */
    action.sa_flags = 0;
    sigaction(SIGINT, &action, NULL);
}

bool sql_run_take_interrupt(void)
{
    bool received = interrupt_received != 0;
    interrupt_received = 0;
    return received;
}

bool sql_run_interrupt_pending(void)
{
    return interrupt_received != 0;
}

static void sleep_ms(unsigned ms)
{
    struct timespec delay = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    /* A signal ends the sleep early, which is what Ctrl-C wants. */
    nanosleep(&delay, NULL);
}

/* Formats a byte count the way the Athena console does: "0 B", "12.3 KB", "4.56 GB". */
static void format_bytes(long long bytes, char *out, size_t outlen)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    double value = (double)bytes;
    size_t unit = 0;
    while (value >= 1000.0 && unit + 1 < sizeof units / sizeof units[0]) {
        value /= 1000.0;
        unit++;
    }
    /* Three significant digits: 4.56, 45.6, 456. */
    int decimals = 0;
    if (value < 10)
        decimals = 2;
    else if (value < 100)
        decimals = 1;
    if (unit == 0)
        snprintf(out, outlen, "%lld B", bytes);
    else
        snprintf(out, outlen, "%.*f %s", decimals, value, units[unit]);
}

static void print_api_error(sql_session *session, const char *operation,
                            const sql_api_error *error)
{
    if (error->code[0])
        fprintf(session->err, "owlery sql: %s: %s\n", error->code, error->message);
    else
        fprintf(session->err, "owlery sql: %s failed: %s\n", operation, error->message);
}

static void progress_clear(sql_session *session)
{
    if (session->progress) {
        fputs("\r\033[K", session->err);
        fflush(session->err);
    }
}

static void progress_show(sql_session *session, const char *state, int64_t elapsed_ms,
                          long long scanned)
{
    if (!session->progress)
        return;
    char bytes[32];
    format_bytes(scanned, bytes, sizeof bytes);
    fprintf(session->err, "\r\033[K%s  %.1f s  %s scanned", state, (double)elapsed_ms / 1000.0,
            bytes);
    fflush(session->err);
}

/* Sends StopQueryExecution for id; a failure is reported but changes nothing else. */
static void stop_query(sql_session *session, const char *id)
{
    json_t *request = json_pack("{s:s}", "QueryExecutionId", id);
    sql_api_error error;
    json_t *response = sql_client_call(session->client, "StopQueryExecution", request, &error);
    if (!response)
        print_api_error(session, "StopQueryExecution", &error);
    json_decref(response);
    json_decref(request);
}

static json_t *start_request(const sql_session *session, const char *sql)
{
    char token[37];
    owl_uuid(token);
    json_t *request = json_pack("{s:s, s:s}", "QueryString", sql, "ClientRequestToken", token);
    if (!request)
        return NULL;
    if (session->catalog || session->database) {
        json_t *context = json_object();
        if (session->catalog)
            json_object_set_new(context, "Catalog", json_string(session->catalog));
        if (session->database)
            json_object_set_new(context, "Database", json_string(session->database));
        json_object_set_new(request, "QueryExecutionContext", context);
    }
    if (session->output_location)
        json_object_set_new(request, "ResultConfiguration",
                            json_pack("{s:s}", "OutputLocation", session->output_location));
    if (session->workgroup)
        json_object_set_new(request, "WorkGroup", json_string(session->workgroup));
    return request;
}

/*
 * Polls GetQueryExecution until the query reaches a final state. Returns the
 * QueryExecution (a new reference), or NULL after printing an error; sets
 * *interrupted when Ctrl-C stopped the query.
 */
static json_t *wait_for_query(sql_session *session, const char *id, int64_t started_ms,
                              bool *interrupted)
{
    json_t *request = json_pack("{s:s}", "QueryExecutionId", id);
    unsigned delay = POLL_FIRST_MS;
    json_t *execution = NULL;
    *interrupted = false;
    for (;;) {
        if (sql_run_take_interrupt()) {
            progress_clear(session);
            stop_query(session, id);
            *interrupted = true;
            break;
        }
        sql_api_error error;
        json_t *response = sql_client_call(session->client, "GetQueryExecution", request, &error);
        if (!response) {
            progress_clear(session);
            print_api_error(session, "GetQueryExecution", &error);
            break;
        }
        json_t *current = json_object_get(response, "QueryExecution");
        const char *state = json_string_value(
            json_object_get(json_object_get(current, "Status"), "State"));
        if (!state) {
            progress_clear(session);
            fprintf(session->err, "owlery sql: the GetQueryExecution response for query %s has "
                                  "no QueryExecution.Status.State\n", id);
            json_decref(response);
            break;
        }
        if (strcmp(state, "QUEUED") != 0 && strcmp(state, "RUNNING") != 0) {
            progress_clear(session);
            execution = json_incref(current);
            json_decref(response);
            break;
        }
        json_t *scanned = json_object_get(json_object_get(current, "Statistics"),
                                          "DataScannedInBytes");
        progress_show(session, state, owl_monotonic_ms() - started_ms,
                      (long long)json_integer_value(scanned));
        json_decref(response);
        sleep_ms(delay);
        delay = delay * 2 > session->poll_max_ms ? session->poll_max_ms : delay * 2;
    }
    json_decref(request);
    return execution;
}

/* Pages through the results of query id into the printer. Returns an SQL_EXIT_* code. */
static int fetch_results(sql_session *session, const char *id, size_t *rows)
{
    sql_printer *printer = sql_printer_new(session->format, session->out);
    char *token = NULL;
    int code = SQL_EXIT_OK;
    bool first = true;
    do {
        if (sql_run_take_interrupt()) {
            fprintf(session->err, "owlery sql: reading the results of query %s was interrupted\n",
                    id);
            code = SQL_EXIT_INTERRUPTED;
            break;
        }
        json_t *request = json_pack("{s:s, s:i}", "QueryExecutionId", id, "MaxResults",
                                    RESULTS_PAGE_ROWS);
        if (token)
            json_object_set_new(request, "NextToken", json_string(token));
        sql_api_error error;
        json_t *response = sql_client_call(session->client, "GetQueryResults", request, &error);
        json_decref(request);
        free(token);
        token = NULL;
        if (!response) {
            print_api_error(session, "GetQueryResults", &error);
            code = SQL_EXIT_FAILED;
            break;
        }
        char err[512];
        if (!sql_printer_add_page(printer, response, first, err, sizeof err)) {
            fprintf(session->err, "owlery sql: %s\n", err);
            json_decref(response);
            code = SQL_EXIT_FAILED;
            break;
        }
        const char *next = json_string_value(json_object_get(response, "NextToken"));
        if (next && *next) {
            token = strdup(next);
            if (!token)
                abort();
        }
        json_decref(response);
        first = false;
    } while (token);
    free(token);
    /* A table is printed only whole: rows of a failed or interrupted read stay unprinted. */
    *rows = code == SQL_EXIT_OK ? sql_printer_finish(printer) : 0;
    sql_printer_free(printer);
    fflush(session->out);
    return code;
}

/* Prints "(N rows)" and the query's time, data scanned and result file to session->err. */
static void print_summary(sql_session *session, json_t *execution, const char *id, size_t rows,
                          int64_t elapsed_ms)
{
    json_t *statistics = json_object_get(execution, "Statistics");
    char bytes[32];
    format_bytes((long long)json_integer_value(json_object_get(statistics, "DataScannedInBytes")),
                 bytes, sizeof bytes);
    const char *output = json_string_value(
        json_object_get(json_object_get(execution, "ResultConfiguration"), "OutputLocation"));
    fprintf(session->err, "(%zu %s)\n", rows, rows == 1 ? "row" : "rows");
    fprintf(session->err, "query %s: %.3f s, %s scanned, results in %s\n", id,
            (double)elapsed_ms / 1000.0, bytes, output ? output : "(no output location)");
}

int sql_run_statement(sql_session *session, const char *sql)
{
    int64_t started_ms = owl_monotonic_ms();
    json_t *request = start_request(session, sql);
    if (!request) {
        fprintf(session->err, "owlery sql: the statement is not valid UTF-8 text\n");
        return SQL_EXIT_FAILED;
    }
    sql_api_error error;
    json_t *response = sql_client_call(session->client, "StartQueryExecution", request, &error);
    json_decref(request);
    if (!response) {
        print_api_error(session, "StartQueryExecution", &error);
        return SQL_EXIT_FAILED;
    }
    const char *returned_id = json_string_value(json_object_get(response, "QueryExecutionId"));
    if (!returned_id || !*returned_id || strlen(returned_id) > 128) {
        fprintf(session->err, "owlery sql: the StartQueryExecution response has no "
                              "QueryExecutionId\n");
        json_decref(response);
        return SQL_EXIT_FAILED;
    }
    char id[129];
    snprintf(id, sizeof id, "%s", returned_id);
    json_decref(response);

    bool interrupted;
    json_t *execution = wait_for_query(session, id, started_ms, &interrupted);
    if (interrupted) {
        fprintf(session->err, "owlery sql: query %s cancelled\n", id);
        return SQL_EXIT_INTERRUPTED;
    }
    if (!execution)
        return SQL_EXIT_FAILED;

    json_t *status = json_object_get(execution, "Status");
    const char *state = json_string_value(json_object_get(status, "State"));
    int code = SQL_EXIT_FAILED;
    if (strcmp(state, "SUCCEEDED") == 0) {
        size_t rows = 0;
        code = fetch_results(session, id, &rows);
        if (code == SQL_EXIT_OK)
            print_summary(session, execution, id, rows, owl_monotonic_ms() - started_ms);
    } else {
        const char *reason = json_string_value(json_object_get(status, "StateChangeReason"));
        if (strcmp(state, "FAILED") == 0)
            fprintf(session->err, "owlery sql: query %s failed: %s\n", id,
                    reason ? reason : "the server gave no reason");
        else
            fprintf(session->err, "owlery sql: query %s ended in state %s%s%s\n", id, state,
                    reason ? ": " : "", reason ? reason : "");
    }
    json_decref(execution);
    return code;
}
