/*
 * Query execution operations (Athena API 2017-05-18): StartQueryExecution,
 * GetQueryExecution, BatchGetQueryExecution, ListQueryExecutions,
 * GetQueryResults and StopQueryExecution, with the state store rows behind
 * them. Each operation is authorized on the work group ARN of the query
 * (arn:aws:athena:REGION:ACCOUNT:workgroup/NAME).
 *
 * Limits: QueryString 1-262144 characters, MaxResults of GetQueryResults
 * 1-1000 and of ListQueryExecutions 0-50, at most 50 ids per
 * BatchGetQueryExecution, as the service model states.
 */
#include "athena/query.h"

#include "common/log.h"
#include "common/util.h"
#include "engine/engine.h"
#include "s3/internal_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_STRING_MAX 262144
#define RESULTS_MAX 1000
#define LIST_MAX 50
#define BATCH_MAX 50

/* ------------------------------------------------------------------------
 * Rows
 * ---------------------------------------------------------------------- */

#define EXECUTION_COLUMNS                                                                         \
    "id, account_id, region, workgroup, query, catalog, database, output_location, "              \
    "statement_type, state, reason, error_category, submitted_ms, started_ms, completed_ms, "     \
    "engine_ms, scanned_bytes, execution_parameters"

static const char *column_text(sqlite3_stmt *stmt, int i)
{
    const unsigned char *text = sqlite3_column_text(stmt, i);
    return text ? (const char *)text : NULL;
}

static json_t *epoch_seconds(int64_t ms)
{
    return json_real((double)ms / 1000.0);
}

/* Builds Athena's QueryExecution shape from one row of EXECUTION_COLUMNS. */
static json_t *execution_from_row(sqlite3_stmt *stmt)
{
    const char *id = column_text(stmt, 0);
    const char *state = column_text(stmt, 9);
    json_t *status = json_pack("{s:s, s:o}", "State", state, "SubmissionDateTime",
                               epoch_seconds(sqlite3_column_int64(stmt, 12)));
    const char *reason = column_text(stmt, 10);
    if (reason)
        json_object_set_new(status, "StateChangeReason", json_string(reason));
    bool final = strcmp(state, "QUEUED") != 0 && strcmp(state, "RUNNING") != 0;
    if (final && sqlite3_column_type(stmt, 14) != SQLITE_NULL)
        json_object_set_new(status, "CompletionDateTime",
                            epoch_seconds(sqlite3_column_int64(stmt, 14)));
    if (strcmp(state, "FAILED") == 0 && reason)
        json_object_set_new(status, "AthenaError",
                            json_pack("{s:i, s:b, s:s}", "ErrorCategory",
                                      sqlite3_column_int(stmt, 11), "Retryable", 0,
                                      "ErrorMessage", reason));

    int64_t submitted = sqlite3_column_int64(stmt, 12);
    int64_t started = sqlite3_column_type(stmt, 13) == SQLITE_NULL
                          ? 0 : sqlite3_column_int64(stmt, 13);
    int64_t completed = sqlite3_column_type(stmt, 14) == SQLITE_NULL
                            ? 0 : sqlite3_column_int64(stmt, 14);
    json_t *statistics = json_pack("{s:I, s:I}", "EngineExecutionTimeInMillis",
                                   (json_int_t)sqlite3_column_int64(stmt, 15),
                                   "DataScannedInBytes",
                                   (json_int_t)sqlite3_column_int64(stmt, 16));
    if (started)
        json_object_set_new(statistics, "QueryQueueTimeInMillis",
                            json_integer(started - submitted));
    if (completed)
        json_object_set_new(statistics, "TotalExecutionTimeInMillis",
                            json_integer(completed - submitted));

    /* Athena stores the result of DDL and UTILITY statements as text, without a header. */
    owl_buf output = OWL_BUF_INIT;
    owl_buf_printf(&output, "%s%s.%s", column_text(stmt, 7), id,
                   strcmp(column_text(stmt, 8), "DML") == 0 ? "csv" : "txt");
    json_t *context = json_object();
    if (column_text(stmt, 5))
        json_object_set_new(context, "Catalog", json_string(column_text(stmt, 5)));
    if (column_text(stmt, 6))
        json_object_set_new(context, "Database", json_string(column_text(stmt, 6)));
    json_t *execution = json_pack(
        "{s:s, s:s, s:s, s:{s:s}, s:o, s:o, s:o, s:s, s:{s:s, s:s}}", "QueryExecutionId", id,
        "Query", column_text(stmt, 4), "StatementType", column_text(stmt, 8),
        "ResultConfiguration", "OutputLocation", output.data, "QueryExecutionContext", context,
        "Status", status, "Statistics", statistics, "WorkGroup", column_text(stmt, 3),
        "EngineVersion", "SelectedEngineVersion", "AUTO", "EffectiveEngineVersion",
        "Athena engine version 3");
    owl_buf_free(&output);
    const char *parameters = column_text(stmt, 17);
    json_t *list = parameters ? json_loads(parameters, 0, NULL) : NULL;
    if (json_is_array(list))
        json_object_set_new(execution, "ExecutionParameters", list);
    else
        json_decref(list);
    return execution;
}

/*
 * Loads query id of the caller's account and region. Returns the
 * QueryExecution (a new reference) and its work group in workgroup, or NULL
 * with *status set.
 */
static json_t *execution_load(sqlite3 *db, const aws_call *call, const char *id,
                              athena_store_status *status)
{
    sqlite3_stmt *stmt = NULL;
    json_t *execution = NULL;
    *status = ATHENA_STORE_ERROR;
    if (sqlite3_prepare_v2(db,
                           "SELECT " EXECUTION_COLUMNS " FROM athena_query_executions "
                           "WHERE id = ?1 AND account_id = ?2 AND region = ?3",
                           -1, &stmt, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(stmt, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, call->identity->account_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, call->region, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        execution = execution_from_row(stmt);
        *status = ATHENA_STORE_OK;
    } else if (rc == SQLITE_DONE) {
        *status = ATHENA_STORE_NOT_FOUND;
    }
    sqlite3_finalize(stmt);
    return execution;
}

bool athena_query_mark_running(owl_store *store, const char *id)
{
    sqlite3 *db = owl_store_acquire(store);
    if (!db)
        return false;
    char now[32];
    snprintf(now, sizeof now, "%lld", (long long)owl_now_ms());
    const char *params[] = {id, now};
    bool ok = owl_store_exec(db,
                             "UPDATE athena_query_executions SET state = 'RUNNING', "
                             "started_ms = ?2 WHERE id = ?1 AND state = 'QUEUED'",
                             2, params) == SQLITE_OK &&
              sqlite3_changes(db) == 1;
    owl_store_release(store, db);
    return ok;
}

void athena_query_mark_final(owl_store *store, const char *id, const char *state,
                             const char *reason, int error_category, int64_t engine_ms,
                             uint64_t scanned_bytes)
{
    sqlite3 *db = owl_store_acquire(store);
    if (!db)
        return;
    char now[32], category[16], engine[32], scanned[32];
    snprintf(now, sizeof now, "%lld", (long long)owl_now_ms());
    snprintf(category, sizeof category, "%d", error_category);
    snprintf(engine, sizeof engine, "%lld", (long long)engine_ms);
    snprintf(scanned, sizeof scanned, "%llu", (unsigned long long)scanned_bytes);
    const char *params[] = {id, state, reason, reason ? category : NULL, now, engine, scanned};
    int rc = owl_store_exec(db,
                            "UPDATE athena_query_executions SET state = ?2, reason = ?3, "
                            "error_category = ?4, completed_ms = ?5, engine_ms = ?6, "
                            "scanned_bytes = ?7, started_ms = COALESCE(started_ms, ?5) "
                            "WHERE id = ?1 AND state IN ('QUEUED', 'RUNNING')",
                            7, params);
    if (rc != SQLITE_OK)
        owl_log_error("event=athena_query_update_failed query_execution_id=%s state=%s "
                      "sqlite_rc=%d",
                      id, state, rc);
    owl_store_release(store, db);
}

/* ------------------------------------------------------------------------
 * StartQueryExecution
 * ---------------------------------------------------------------------- */

/* Returns the id stored for ClientRequestToken token, or false when there is none. */
static bool execution_by_token(sqlite3 *db, const aws_call *call, const char *token,
                               char id[37])
{
    sqlite3_stmt *stmt = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(db,
                           "SELECT id FROM athena_query_executions WHERE account_id = ?1 AND "
                           "region = ?2 AND client_token = ?3",
                           -1, &stmt, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(stmt, 1, call->identity->account_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, call->region, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, token, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        snprintf(id, 37, "%s", column_text(stmt, 0));
        found = true;
    }
    sqlite3_finalize(stmt);
    return found;
}

/*
 * Returns Athena's StatementType: DML for queries, CTAS and INSERT,
 * UTILITY for SHOW CREATE TABLE, DESCRIBE and EXPLAIN (as the Athena API
 * reference describes UTILITY), DDL for the other SHOW forms and DDL.
 */
static const char *statement_type(const char *query)
{
    engine_stmt_kind kind = engine_sql_classify(query);
    switch (kind) {
    case ENGINE_STMT_SELECT:
    case ENGINE_STMT_INSERT:
    case ENGINE_STMT_CTAS:
        return "DML";
    case ENGINE_STMT_DESCRIBE:
    case ENGINE_STMT_EXPLAIN:
        return "UTILITY";
    case ENGINE_STMT_SHOW: {
        engine_ddl_stmt stmt;
        bool create = false;
        if (engine_ddl_stmt_parse(query, strlen(query), &stmt, NULL)) {
            create = stmt.op == ENGINE_DDL_SHOW_CREATE_TABLE;
            engine_ddl_stmt_free(&stmt);
        }
        return create ? "UTILITY" : "DDL";
    }
    default:
        return "DDL";
    }
}

/* Reads the optional object member key of body; false after an error reply. */
static bool body_object(aws_call *call, json_t *body, const char *key, json_t **out)
{
    *out = json_object_get(body, key);
    if (*out && !json_is_null(*out) && !json_is_object(*out)) {
        aws_call_error(call, 400, "SerializationException", "%s must be an object", key);
        return false;
    }
    if (*out && json_is_null(*out))
        *out = NULL;
    return true;
}

size_t athena_bind_parameters(const char *sql, json_t *parameters, owl_buf *out)
{
    size_t count = 0, available = json_array_size(parameters);
    for (const char *p = sql; *p; p++) {
        if (*p == '\'' || *p == '"') {
            /* A doubled quote inside stays inside. */
            char quote = *p;
            owl_buf_putc(out, *p);
            for (p++; *p; p++) {
                owl_buf_putc(out, *p);
                if (*p == quote && p[1] == quote)
                    owl_buf_putc(out, *++p);
                else if (*p == quote)
                    break;
            }
            if (!*p)
                break;
        } else if (p[0] == '-' && p[1] == '-') {
            for (; *p && *p != '\n'; p++)
                owl_buf_putc(out, *p);
            if (!*p)
                break;
            owl_buf_putc(out, *p);
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            size_t len = end ? (size_t)(end + 2 - p) : strlen(p);
            owl_buf_append(out, p, len);
            p += len - 1;
        } else if (*p == '?') {
            if (count < available)
                owl_buf_puts(out, json_string_value(json_array_get(parameters, count)));
            count++;
        } else {
            owl_buf_putc(out, *p);
        }
    }
    return count;
}

/*
 * Reads ExecutionParameters (1 or more strings of 1-1024 characters) into
 * *out (a new reference, NULL when absent). Returns false after an error reply.
 */
static bool execution_parameters(aws_call *call, json_t *body, json_t **out)
{
    *out = NULL;
    json_t *list = json_object_get(body, "ExecutionParameters");
    if (!list || json_is_null(list))
        return true;
    if (!json_is_array(list) || json_array_size(list) == 0) {
        athena_error_invalid(call, "executionParameters must be a list of 1 or more strings");
        return false;
    }
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        size_t len = json_is_string(item) ? json_string_length(item) : 0;
        if (len < 1 || len > 1024 || strlen(json_string_value(item)) != len) {
            athena_error_invalid(call, "executionParameters[%zu] must be a string of 1 to 1024 "
                                       "characters",
                                 i);
            return false;
        }
    }
    *out = json_incref(list);
    return true;
}

void athena_start_query_execution(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    const char *query, *workgroup, *token, *catalog = NULL, *database = NULL, *output = NULL;
    json_t *context, *result_configuration, *parameters = NULL;
    owl_buf bound = OWL_BUF_INIT;
    if (!athena_body_string(call, body, "QueryString", "queryString", 1, QUERY_STRING_MAX, true,
                            &query) ||
        !athena_body_string(call, body, "WorkGroup", "workGroup", 1, ATHENA_WORKGROUP_NAME_MAX,
                            false, &workgroup) ||
        !athena_body_string(call, body, "ClientRequestToken", "clientRequestToken", 32, 128,
                            false, &token) ||
        !body_object(call, body, "QueryExecutionContext", &context) ||
        !body_object(call, body, "ResultConfiguration", &result_configuration) ||
        (context && (!athena_body_string(call, context, "Catalog", "queryExecutionContext.catalog",
                                         1, 256, false, &catalog) ||
                     !athena_body_string(call, context, "Database",
                                         "queryExecutionContext.database", 1, 255, false,
                                         &database))) ||
        (result_configuration &&
         !athena_body_string(call, result_configuration, "OutputLocation",
                             "resultConfiguration.outputLocation", 1, 1024, false, &output)))
        goto out;
    if (!workgroup)
        workgroup = ATHENA_PRIMARY_WORKGROUP;
    if (!execution_parameters(call, body, &parameters))
        goto out;
    if (parameters) {
        size_t placeholders = athena_bind_parameters(query, parameters, &bound);
        if (placeholders != json_array_size(parameters)) {
            athena_error_invalid(call, "The query has %zu parameter placeholders (?) but "
                                       "executionParameters has %zu values",
                                 placeholders, json_array_size(parameters));
            goto out;
        }
    }

    /* Authorize on the work group, then check that it exists. */
    if (!athena_authorize(call, "athena:StartQueryExecution", "workgroup", workgroup))
        goto out;
    sqlite3 *db = owl_store_acquire(call->store);
    if (!db) {
        athena_error_store(call);
        goto out;
    }
    char workgroup_output[1100];
    athena_workgroup_status found = athena_workgroup_output_location(
        db, call->identity->account_id, call->region, workgroup, workgroup_output,
        sizeof workgroup_output);
    if (found == ATHENA_WORKGROUP_STORE_ERROR) {
        athena_error_store(call);
        goto release;
    }
    if (found == ATHENA_WORKGROUP_NOT_FOUND) {
        athena_error_invalid(call, "WorkGroup %s is not found.", workgroup);
        goto release;
    }
    if (!output || !*output)
        output = workgroup_output[0] ? workgroup_output : NULL;
    if (!output) {
        athena_error_invalid(call, "No output location provided. An output location is "
                                   "required either through the Workgroup result configuration "
                                   "setting or as an API input.");
        goto release;
    }
    if (strncmp(output, "s3://", 5) != 0 || output[5] == '\0' || output[5] == '/') {
        athena_error_invalid(call, "OutputLocation %.1024s is not a valid S3 location of the "
                                   "form s3://bucket/prefix/",
                             output);
        goto release;
    }

    char id[37];
    if (token && execution_by_token(db, call, token, id)) {
        aws_call_json_result(call, 200, json_pack("{s:s}", "QueryExecutionId", id));
        goto release;
    }

    athena_query_pool_init(call->store);
    athena_query_job *job = calloc(1, sizeof *job);
    if (!job)
        abort();
    owl_uuid(job->id);
    job->identity = *call->identity;
    job->store = call->store;
    snprintf(job->region, sizeof job->region, "%s", call->region);
    snprintf(job->request_id, sizeof job->request_id, "%s", call->req->request_id);
    snprintf(job->remote_addr, sizeof job->remote_addr, "%s", call->req->remote_addr);
    if (parameters)
        job->sql = athena_strdup(bound.data ? bound.data : "");
    else
        job->sql = athena_strdup(query);
    job->catalog = athena_strdup(catalog ? catalog : ATHENA_DEFAULT_CATALOG);
    job->database = database ? athena_strdup(database) : NULL;
    size_t output_len = strlen(output);
    job->output_location = malloc(output_len + 2);
    if (!job->output_location)
        abort();
    snprintf(job->output_location, output_len + 2, "%s%s", output,
             output[output_len - 1] == '/' ? "" : "/");
    atomic_init(&job->cancel_requested, false);
    atomic_init(&job->timed_out, false);

    char submitted[32];
    snprintf(submitted, sizeof submitted, "%lld", (long long)owl_now_ms());
    char *parameters_text = parameters ? json_dumps(parameters, JSON_COMPACT) : NULL;
    const char *params[] = {job->id, call->identity->account_id, call->region, workgroup,
                            query, job->catalog, job->database, job->output_location,
                            statement_type(query), token, submitted, parameters_text};
    int rc = owl_store_exec(db,
                            "INSERT INTO athena_query_executions (id, account_id, region, "
                            "workgroup, query, catalog, database, output_location, "
                            "statement_type, state, client_token, submitted_ms, engine_ms, "
                            "scanned_bytes, execution_parameters) VALUES (?1, ?2, ?3, ?4, ?5, "
                            "?6, ?7, ?8, ?9, 'QUEUED', ?10, ?11, 0, 0, ?12)",
                            12, params);
    free(parameters_text);
    if (rc != SQLITE_OK) {
        athena_query_job_free(job);
        athena_error_store(call);
        goto release;
    }
    snprintf(id, sizeof id, "%s", job->id);
    if (!athena_query_submit(job)) {
        athena_query_mark_final(call->store, id, "FAILED", "The query queue is full",
                                ATHENA_ERROR_SYSTEM, 0, 0);
        athena_query_job_free(job);
        aws_call_error(call, 400, "TooManyRequestsException",
                       "Too many queries are queued; retry StartQueryExecution later");
        goto release;
    }
    owl_log_info("event=athena_query_queued request_id=%s query_execution_id=%s principal=%s "
                 "workgroup=%s",
                 call->req->request_id, id, call->identity->arn, workgroup);
    aws_call_json_result(call, 200, json_pack("{s:s}", "QueryExecutionId", id));
release:
    owl_store_release(call->store, db);
out:
    json_decref(parameters);
    owl_buf_free(&bound);
    json_decref(body);
}

/* ------------------------------------------------------------------------
 * GetQueryExecution, BatchGetQueryExecution, ListQueryExecutions
 * ---------------------------------------------------------------------- */

/*
 * Loads query id and authorizes action on its work group. Returns the
 * QueryExecution (a new reference), or NULL after an error reply.
 */
static json_t *execution_for_call(aws_call *call, const char *id, const char *action)
{
    sqlite3 *db = owl_store_acquire(call->store);
    if (!db) {
        athena_error_store(call);
        return NULL;
    }
    athena_store_status status;
    json_t *execution = execution_load(db, call, id, &status);
    owl_store_release(call->store, db);
    if (status == ATHENA_STORE_ERROR) {
        athena_error_store(call);
        return NULL;
    }
    if (status == ATHENA_STORE_NOT_FOUND) {
        athena_error_invalid(call, "QueryExecution %s was not found", id);
        return NULL;
    }
    const char *workgroup = json_string_value(json_object_get(execution, "WorkGroup"));
    if (!athena_authorize(call, action, "workgroup", workgroup)) {
        json_decref(execution);
        return NULL;
    }
    return execution;
}

void athena_get_query_execution(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    const char *id;
    if (athena_body_string(call, body, "QueryExecutionId", "queryExecutionId", 1, 128, true,
                           &id)) {
        athena_query_pool_init(call->store);
        json_t *execution = execution_for_call(call, id, "athena:GetQueryExecution");
        if (execution)
            aws_call_json_result(call, 200, json_pack("{s:o}", "QueryExecution", execution));
    }
    json_decref(body);
}

void athena_get_query_runtime_statistics(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    const char *id;
    if (athena_body_string(call, body, "QueryExecutionId", "queryExecutionId", 1, 128, true,
                           &id)) {
        json_t *execution = execution_for_call(call, id, "athena:GetQueryRuntimeStatistics");
        if (execution) {
            /* The timeline and the bytes read that GetQueryExecution also reports. */
            json_t *statistics = json_object_get(execution, "Statistics");
            json_t *timeline = json_object();
            const char *keys[] = {"QueryQueueTimeInMillis", "EngineExecutionTimeInMillis",
                                  "TotalExecutionTimeInMillis"};
            for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
                json_t *value = json_object_get(statistics, keys[i]);
                if (value)
                    json_object_set(timeline, keys[i], value);
            }
            json_t *rows = json_pack("{s:O}", "InputBytes",
                                     json_object_get(statistics, "DataScannedInBytes"));
            aws_call_json_result(call, 200,
                                 json_pack("{s:{s:o, s:o}}", "QueryRuntimeStatistics",
                                           "Timeline", timeline, "Rows", rows));
            json_decref(execution);
        }
    }
    json_decref(body);
}

void athena_batch_get_query_execution(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    json_t *ids = json_object_get(body, "QueryExecutionIds");
    if (!json_is_array(ids) || json_array_size(ids) < 1 || json_array_size(ids) > BATCH_MAX) {
        athena_error_invalid(call, "QueryExecutionIds must be a list of 1 to %d ids", BATCH_MAX);
        json_decref(body);
        return;
    }
    athena_query_pool_init(call->store);
    sqlite3 *db = owl_store_acquire(call->store);
    if (!db) {
        athena_error_store(call);
        json_decref(body);
        return;
    }
    json_t *found = json_array(), *unprocessed = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(ids, i, item) {
        const char *id = json_string_value(item);
        athena_store_status status = ATHENA_STORE_NOT_FOUND;
        json_t *execution = id ? execution_load(db, call, id, &status) : NULL;
        const char *workgroup = json_string_value(json_object_get(execution, "WorkGroup"));
        if (execution) {
            /* A denial for one id lands in UnprocessedQueryExecutionIds. */
            if (athena_authorize(call, "athena:BatchGetQueryExecution", "workgroup",
                                 workgroup)) {
                json_array_append_new(found, execution);
                continue;
            }
            http_response_reset(call->resp);
            call->error_code[0] = '\0';
            json_decref(execution);
            json_array_append_new(unprocessed,
                                  json_pack("{s:s, s:s, s:s}", "QueryExecutionId", id,
                                            "ErrorCode", "AccessDeniedException", "ErrorMessage",
                                            "Not authorized on the query's work group"));
            continue;
        }
        json_array_append_new(unprocessed,
                              json_pack("{s:s, s:s, s:s}", "QueryExecutionId", id ? id : "",
                                        "ErrorCode", "INVALID_INPUT", "ErrorMessage",
                                        status == ATHENA_STORE_ERROR
                                            ? "The state store failed"
                                            : "QueryExecution was not found"));
    }
    owl_store_release(call->store, db);
    aws_call_json_result(call, 200,
                         json_pack("{s:o, s:o}", "QueryExecutions", found,
                                   "UnprocessedQueryExecutionIds", unprocessed));
    json_decref(body);
}

void athena_list_query_executions(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    const char *workgroup, *token;
    json_int_t max = LIST_MAX;
    if (!athena_body_string(call, body, "WorkGroup", "workGroup", 1, ATHENA_WORKGROUP_NAME_MAX,
                            false, &workgroup) ||
        !athena_body_string(call, body, "NextToken", "nextToken", 1, 1024, false, &token) ||
        !athena_body_int(call, body, "MaxResults", "maxResults", 0, LIST_MAX, &max))
        goto out;
    if (!workgroup)
        workgroup = ATHENA_PRIMARY_WORKGROUP;
    if (!athena_authorize(call, "athena:ListQueryExecutions", "workgroup", workgroup))
        goto out;
    if (max == 0)
        max = LIST_MAX;
    char *end = NULL;
    long long offset = token ? strtoll(token, &end, 10) : 0;
    if (token && (*end != '\0' || offset < 0)) {
        athena_error_invalid(call, "NextToken %.64s is not a token this server issued", token);
        goto out;
    }

    sqlite3 *db = owl_store_acquire(call->store);
    sqlite3_stmt *stmt = NULL;
    if (!db || sqlite3_prepare_v2(db,
                                  "SELECT id FROM athena_query_executions WHERE account_id = ?1 "
                                  "AND region = ?2 AND workgroup = ?3 "
                                  "ORDER BY submitted_ms DESC, id LIMIT ?4 OFFSET ?5",
                                  -1, &stmt, NULL) != SQLITE_OK) {
        if (db)
            owl_store_release(call->store, db);
        athena_error_store(call);
        goto out;
    }
    sqlite3_bind_text(stmt, 1, call->identity->account_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, call->region, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, workgroup, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 4, max + 1);
    sqlite3_bind_int64(stmt, 5, offset);
    json_t *list = json_array();
    bool more = false;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        if ((json_int_t)json_array_size(list) == max) {
            more = true;
            break;
        }
        json_array_append_new(list, json_string(column_text(stmt, 0)));
    }
    sqlite3_finalize(stmt);
    owl_store_release(call->store, db);
    json_t *result = json_pack("{s:o}", "QueryExecutionIds", list);
    if (more) {
        char next[32];
        snprintf(next, sizeof next, "%lld", offset + (long long)max);
        json_object_set_new(result, "NextToken", json_string(next));
    }
    aws_call_json_result(call, 200, result);
out:
    json_decref(body);
}

/* ------------------------------------------------------------------------
 * GetQueryResults
 * ---------------------------------------------------------------------- */

/* Splits s3://bucket/key into bucket and key (both malloc'ed). */
static bool split_s3_uri(const char *uri, char **bucket, char **key)
{
    if (strncmp(uri, "s3://", 5) != 0)
        return false;
    const char *slash = strchr(uri + 5, '/');
    if (!slash || slash == uri + 5)
        return false;
    *bucket = strndup(uri + 5, (size_t)(slash - uri - 5));
    *key = strdup(slash + 1);
    if (!*bucket || !*key)
        abort();
    return true;
}

/* Finds the result object uri (.csv or .csv.metadata) as the caller; NULL after an error reply. */
static bool result_object(aws_call *call, const char *uri, s3_read_object *object)
{
    char *bucket = NULL, *key = NULL;
    if (!split_s3_uri(uri, &bucket, &key)) {
        athena_error_invalid(call, "The output location %s is not an S3 URI", uri);
        return false;
    }
    char err[1024];
    s3_read_status status = s3_read_object_find(call, bucket, key, object, err, sizeof err);
    free(bucket);
    free(key);
    if (status == S3_READ_OK)
        return true;
    if (status == S3_READ_ERROR)
        athena_error_store(call);
    else
        athena_error_invalid(call, "Cannot read the query result %s: %s", uri, err);
    return false;
}

static json_t *column_info(const engine_result_column *columns, size_t count)
{
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:b}", "CatalogName",
                            "hive", "SchemaName", "", "TableName", "", "Name", columns[i].name,
                            "Label", columns[i].name, "Type", columns[i].athena_type,
                            "Precision", columns[i].precision, "Scale", columns[i].scale,
                            "Nullable", "UNKNOWN", "CaseSensitive",
                            strcmp(columns[i].athena_type, "varchar") == 0));
    return list;
}

void athena_get_query_results(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    const char *id, *token;
    json_int_t max = RESULTS_MAX;
    json_t *execution = NULL;
    if (!athena_body_string(call, body, "QueryExecutionId", "queryExecutionId", 1, 128, true,
                            &id) ||
        !athena_body_string(call, body, "NextToken", "nextToken", 1, 1024, false, &token) ||
        !athena_body_int(call, body, "MaxResults", "maxResults", 1, RESULTS_MAX, &max))
        goto out;
    athena_query_pool_init(call->store);
    execution = execution_for_call(call, id, "athena:GetQueryResults");
    if (!execution)
        goto out;
    const char *state = json_string_value(
        json_object_get(json_object_get(execution, "Status"), "State"));
    if (strcmp(state, "QUEUED") == 0 || strcmp(state, "RUNNING") == 0) {
        athena_error_invalid(call, "Query has not yet finished. Current state: %s", state);
        goto out;
    }
    if (strcmp(state, "SUCCEEDED") != 0) {
        athena_error_invalid(call, "Query did not finish successfully. Final query state: %s",
                             state);
        goto out;
    }
    char *end = NULL;
    unsigned long long offset = token ? strtoull(token, &end, 10) : 0;
    if (token && (*end != '\0' || offset == 0)) {
        athena_error_invalid(call, "NextToken %.64s is not a token this server issued", token);
        goto out;
    }

    const char *csv_uri = json_string_value(
        json_object_get(json_object_get(execution, "ResultConfiguration"), "OutputLocation"));
    owl_buf metadata_uri = OWL_BUF_INIT;
    owl_buf_printf(&metadata_uri, "%s.metadata", csv_uri);
    s3_read_object csv = {0}, metadata = {0};
    if (!result_object(call, csv_uri, &csv) || !result_object(call, metadata_uri.data, &metadata))
        goto clear;

    char *err = NULL;
    size_t column_count = 0;
    engine_result_column *columns = engine_result_metadata_read(metadata.path, &column_count,
                                                                &err);
    engine_result_page_t page = {0};
    size_t uri_len = strlen(csv_uri);
    bool text = uri_len > 4 && strcmp(csv_uri + uri_len - 4, ".txt") == 0;
    bool paged = columns && (text ? athena_text_result_page(csv.path, column_count, offset,
                                                            (size_t)max, &page, &err)
                                  : engine_result_page(csv.path, offset, (size_t)max, &page,
                                                       &err));
    if (!paged) {
        athena_error_invalid(call, "Cannot read the query result %s: %s", csv_uri,
                             err ? err : "unknown error");
        free(err);
        engine_result_columns_free(columns, column_count);
        goto clear;
    }
    json_t *rows = json_array();
    for (size_t r = 0; r < page.row_count; r++) {
        json_t *data = json_array();
        for (size_t c = 0; c < page.column_count; c++)
            json_array_append_new(data, page.rows[r][c]
                                            ? json_pack("{s:s}", "VarCharValue", page.rows[r][c])
                                            : json_object());
        json_array_append_new(rows, json_pack("{s:o}", "Data", data));
    }
    /* UpdateCount is the row count of CTAS and INSERT INTO, the value of their "rows" result. */
    json_int_t update_count = 0;
    engine_stmt_kind kind =
        engine_sql_classify(json_string_value(json_object_get(execution, "Query")));
    if ((kind == ENGINE_STMT_CTAS || kind == ENGINE_STMT_INSERT) && offset == 0 &&
        page.row_count >= 2 && page.column_count == 1 && page.rows[1][0])
        update_count = strtoll(page.rows[1][0], NULL, 10);
    json_t *result = json_pack("{s:I, s:{s:o, s:{s:o}}}", "UpdateCount", update_count,
                               "ResultSet", "Rows", rows, "ResultSetMetadata", "ColumnInfo",
                               column_info(columns, column_count));
    if (page.next_offset) {
        char next[32];
        snprintf(next, sizeof next, "%llu", (unsigned long long)page.next_offset);
        json_object_set_new(result, "NextToken", json_string(next));
    }
    engine_result_page_free(&page);
    engine_result_columns_free(columns, column_count);
    aws_call_json_result(call, 200, result);
clear:
    s3_read_object_clear(&csv);
    s3_read_object_clear(&metadata);
    owl_buf_free(&metadata_uri);
out:
    json_decref(execution);
    json_decref(body);
}

/* ------------------------------------------------------------------------
 * StopQueryExecution
 * ---------------------------------------------------------------------- */

void athena_stop_query_execution(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    const char *id;
    if (athena_body_string(call, body, "QueryExecutionId", "queryExecutionId", 1, 128, true,
                           &id)) {
        athena_query_pool_init(call->store);
        json_t *execution = execution_for_call(call, id, "athena:StopQueryExecution");
        if (execution) {
            bool was_queued = false;
            if (athena_query_cancel(id, &was_queued) && was_queued)
                athena_query_mark_final(call->store, id, "CANCELLED", NULL, 0, 0, 0);
            owl_log_info("event=athena_query_stop request_id=%s query_execution_id=%s "
                         "principal=%s",
                         call->req->request_id, id, call->identity->arn);
            json_decref(execution);
            aws_call_json_result(call, 200, json_object());
        }
    }
    json_decref(body);
}
