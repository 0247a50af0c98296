/*
 * Query executions: StartQueryExecution and the calls that watch, page and
 * stop them (query.c), the worker pool that runs them (query_worker.c) and
 * one run from binding to the result objects (query_run.c).
 *
 * A query execution is a row of athena_query_executions, written before
 * StartQueryExecution returns and updated at every state change, so
 * GetQueryExecution returns finished queries after a restart. Queries
 * that were QUEUED or RUNNING when the process stopped become FAILED when
 * the next process starts serving queries.
 */
#ifndef OWL_ATHENA_QUERY_H
#define OWL_ATHENA_QUERY_H

#include "athena/internal.h"
#include "engine/engine.h"

#include <stdatomic.h>

/* Migration of the query execution table (version 2 of the athena schema). */
#define ATHENA_QUERY_MIGRATION_SQL                                                                \
    "CREATE TABLE athena_query_executions ("                                                      \
    "  id TEXT PRIMARY KEY,"                                                                      \
    "  account_id TEXT NOT NULL,"                                                                 \
    "  region TEXT NOT NULL,"                                                                     \
    "  workgroup TEXT NOT NULL,"                                                                  \
    "  query TEXT NOT NULL,"                                                                      \
    "  catalog TEXT,"                                                                             \
    "  database TEXT,"                                                                            \
    "  output_location TEXT NOT NULL,"                                                            \
    "  statement_type TEXT NOT NULL,"                                                             \
    "  state TEXT NOT NULL,"                                                                      \
    "  reason TEXT,"                                                                              \
    "  error_category INTEGER,"                                                                   \
    "  client_token TEXT,"                                                                        \
    "  submitted_ms INTEGER NOT NULL,"                                                            \
    "  started_ms INTEGER,"                                                                       \
    "  completed_ms INTEGER,"                                                                     \
    "  engine_ms INTEGER,"                                                                        \
    "  scanned_bytes INTEGER);"                                                                   \
    "CREATE INDEX athena_query_executions_by_workgroup"                                           \
    "  ON athena_query_executions (account_id, region, workgroup, submitted_ms);"                 \
    "CREATE UNIQUE INDEX athena_query_executions_by_token"                                        \
    "  ON athena_query_executions (account_id, region, client_token);"

/* Athena's AthenaError.ErrorCategory values. */
enum { ATHENA_ERROR_SYSTEM = 1, ATHENA_ERROR_USER = 2, ATHENA_ERROR_OTHER = 3 };

/* One query handed to a worker; everything it needs outlives the request. */
typedef struct athena_query_job {
    char id[37];
    iam_identity identity;
    owl_store *store;
    char region[64];
    char request_id[40];
    char remote_addr[64];
    char *sql;
    char *catalog;  /* QueryExecutionContext.Catalog, default AwsDataCatalog */
    char *database; /* NULL when the context names none */
    char *output_location; /* ends with '/' */
    atomic_bool cancel_requested;
    atomic_bool timed_out;   /* set with cancel_requested when the time limit passed */
    int timeout_seconds;     /* the time limit, for the failure message */
    int64_t started_ms;      /* monotonic time a worker took the job */
    struct athena_query_job *next;
} athena_query_job;

void athena_query_job_free(athena_query_job *job);

/* ---- the worker pool (query_worker.c) ---------------------------------- */

/*
 * Starts the pool on first use and fails the executions that an earlier
 * process left QUEUED or RUNNING. Safe to call from every handler.
 */
void athena_query_pool_init(owl_store *store);
/* Queues job (taking ownership). Returns false, keeping ownership with the caller, when full. */
bool athena_query_submit(athena_query_job *job);
/*
 * Cancels query id: a queued one leaves the queue (returns true and the
 * caller marks it CANCELLED), a running one is interrupted and its worker
 * marks it. Returns false when neither queue nor worker has it.
 */
bool athena_query_cancel(const char *id, bool *was_queued);

/* Called by a worker around engine_query_run(), so a stop interrupts only a running engine. */
void athena_query_engine_enter(athena_query_job *job);
void athena_query_engine_leave(athena_query_job *job);

/* ---- one run (query_run.c) ---------------------------------------------- */

struct engine_db;

/* The run of one job: its private call as the caller and the first failure. */
typedef struct athena_run {
    athena_query_job *job;
    struct engine_db *db;
    const char *sql; /* the SELECT whose tables are bound: job->sql, or the query of a CTAS */
    aws_call call;
    http_request request;
    http_response response;
    char *failure; /* Athena-style reason such as "TABLE_NOT_FOUND: ...", malloc'ed */
    int category;  /* ATHENA_ERROR_* of the failure */
} athena_run;

/* Runs job on db and records its final state. */
void athena_query_run(athena_query_job *job, struct engine_db *db);

/*
 * Writes to out the local path DATA_DIR/athena-results/<query id><suffix>
 * for the run's temporary files, creating the folder, which a fresh data
 * directory lacks until its first statement.
 */
void athena_run_local_path(athena_run *run, const char *suffix, owl_buf *out);

/* Records the first failure of the run; later ones are dropped. */
void athena_run_fail(athena_run *run, int category, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Opens the metastore of catalog for the run's caller. Returns false after
 * athena_run_fail(): CATALOG_NOT_FOUND, HIVE_METASTORE_ERROR.
 */
bool athena_run_metastore_open(athena_run *run, const char *catalog, athena_metastore *metastore);

/*
 * Runs api_name with api_request (borrowed) on the metastore as the run's
 * caller. Returns the apiResponse (a new reference), or NULL after
 * athena_run_fail() with HIVE_METASTORE_ERROR and the metastore's message.
 */
json_t *athena_run_metastore_call(athena_run *run, const athena_metastore *metastore,
                                  const char *api_name, json_t *api_request);

/*
 * Like athena_run_metastore_call() but leaves the run's failure alone: on
 * an error returns NULL with the metastore's message in *message
 * (malloc'ed), so the caller can tell "not found" or "already exists" from
 * other failures.
 */
json_t *athena_run_metastore_try(athena_run *run, const athena_metastore *metastore,
                                 const char *api_name, json_t *api_request, char **message);

/*
 * Splits s3://bucket/prefix into bucket and prefix, both malloc'ed. A
 * non-empty prefix ends with '/'. False when location is not an S3 URI.
 */
bool athena_s3_location_split(const char *location, char **bucket, char **prefix);

struct engine_table_ref;

/* Binds one table the query reads as a view of the run's engine; false after athena_run_fail(). */
bool athena_run_bind_table(athena_run *run, const struct engine_table_ref *ref);

/*
 * Stores the local file at path as object uri with a PutObject through the
 * S3 handler, as the caller. what names the object in the failure message
 * ("the query result"). False after athena_run_fail().
 */
bool athena_run_put_object(athena_run *run, const char *path, const char *uri, const char *type,
                           const char *what);

/* ---- statements other than SELECT (query_ddl.c, query_show.c) ----------- */

/*
 * Runs one statement that is not a SELECT (kind from engine_sql_classify())
 * against the catalog and writes its result, as <id>.txt without a header
 * row for DDL and UTILITY statements. Failures go to athena_run_fail().
 * stats receives the rows written by CTAS and INSERT.
 */
void athena_run_statement(athena_run *run, engine_stmt_kind kind, engine_query_stats *stats);

/* One statement being run: its parsed form, the catalog it acts on and its result lines. */
typedef struct athena_ddl {
    athena_run *run;
    const char *sql;
    engine_ddl_stmt stmt;
    const char *catalog;  /* the statement's catalog, else the query context's */
    const char *database; /* the statement's database, else the context's, else "default" */
    athena_metastore metastore;
    bool metastore_open;
    const char *columns[2]; /* result columns (type string); column_count 0 for none */
    size_t column_count;
    owl_buf lines; /* result rows, one line each, fields separated by '\t' */
} athena_ddl;

struct thrift_value;

/* Opens the metastore of d->catalog once; false after athena_run_fail(). */
bool athena_ddl_metastore(athena_ddl *d);

/*
 * Fetches table database.table through getTable. Returns Athena's
 * TableMetadata shape (a new reference) and, when raw is not NULL, the
 * decoded Hive Table struct. A missing table fails the run with Hive's
 * "Table not found" message unless missing is not NULL, in which case
 * *missing is set and NULL returned without a failure.
 */
json_t *athena_ddl_get_table(athena_ddl *d, const char *database, const char *table,
                             struct thrift_value **raw, bool *missing);

/* Checks that database exists; false after athena_run_fail() with Hive's message. */
bool athena_ddl_database_exists(athena_ddl *d, const char *database, bool *exists);

/* Appends one result row of count fields. */
void athena_ddl_row(athena_ddl *d, const char *const *fields, size_t count);

/* ---- helpers shared by the statements (query_ddl.c) ------------------- */

/* The parts of a Hive table that createTable needs. */
typedef struct athena_table_spec {
    const char *database, *table, *location, *owner;
    const engine_column *columns;
    size_t column_count;
    const engine_column *keys;
    size_t key_count;
    const char *serde, *input_format, *output_format;
    const engine_kv *serde_params;
    size_t serde_param_count;
    engine_kv *params; /* table parameters; athena_ddl_table_struct() adds EXTERNAL=TRUE */
    size_t param_count;
} athena_table_spec;

/* Builds the Hive Table struct of spec (caller frees). */
struct thrift_value *athena_ddl_table_struct(const athena_table_spec *spec);

/* Runs createTable; *existing tells whether it failed because the table exists. */
bool athena_ddl_create_table(athena_ddl *d, const athena_table_spec *spec, bool *existing);

/*
 * Builds a Partition of the decoded Hive Table raw with values at
 * location: the table's storage descriptor with that location.
 */
struct thrift_value *athena_ddl_partition_struct(const struct thrift_value *raw,
                                                 const char *database, const char *table,
                                                 const char *const *values, size_t count,
                                                 const char *location);

/* Encodes struct value (taken) as a TJSONProtocol JSON string; NULL if it cannot. */
json_t *athena_ddl_tjson(struct thrift_value *value);

/* Sends the TJSON partitions of batch (a JSON array, taken) with addPartitions. */
bool athena_ddl_add_partitions(athena_ddl *d, json_t *batch, bool *existing);

/* Returns the names of every partition of database.table (a new reference), or NULL. */
json_t *athena_ddl_partition_names(athena_ddl *d, const char *database, const char *table);

/* True when the JSON array names contains the string name. */
bool athena_ddl_names_contain(json_t *names, const char *name);

/* Returns the Hive partition name k1=v1/k2=v2 (malloc'ed), escaped as Hive escapes paths. */
char *athena_ddl_partition_name(const engine_column *keys, size_t count,
                                const char *const *values);

/* Fills columns from Athena's [{Name, Type, Comment}] (strings borrowed from list). */
engine_column *athena_ddl_columns(json_t *list, size_t *count);

/* Returns table parameter key of a TableMetadata, or NULL. */
const char *athena_ddl_parameter(json_t *table, const char *key);

/* Returns location with exactly one trailing '/' (malloc'ed). */
char *athena_ddl_with_slash(const char *location);

/* Fails the run for a listing of s3://bucket/prefix that returned status (not S3_READ_OK). */
void athena_ddl_fail_listing(athena_ddl *d, int status, const char *bucket, const char *prefix,
                             const char *err);

/*
 * Stores a result as <output><id><extension> and its .metadata (the column
 * list in the engine's metadata format), as the caller.
 */
bool athena_ddl_put_result(athena_run *run, const char *extension, const char *text, size_t len,
                           json_t *columns);

/* Runs CREATE TABLE AS SELECT and INSERT INTO (query_write.c); false after athena_run_fail(). */
bool athena_ddl_ctas(athena_ddl *d, engine_query_stats *stats);
bool athena_ddl_insert(athena_ddl *d, engine_query_stats *stats);

/* Runs SHOW ... and DESCRIBE (query_show.c); false after athena_run_fail(). */
bool athena_ddl_show(athena_ddl *d);

/*
 * Reads up to max_rows rows of a DDL result file (lines of tab-separated
 * fields; a one-column result keeps its tabs) from byte offset. Same
 * contract as engine_result_page().
 */
bool athena_text_result_page(const char *path, size_t column_count, uint64_t offset,
                             size_t max_rows, engine_result_page_t *page, char **err);

/* ---- state changes (query.c) --------------------------------------------- */

/* Sets state RUNNING when the query is still QUEUED; false when it is not. */
bool athena_query_mark_running(owl_store *store, const char *id);
/*
 * Records a final state (SUCCEEDED, FAILED, CANCELLED) unless the query is
 * already final. reason is NULL on success.
 */
void athena_query_mark_final(owl_store *store, const char *id, const char *state,
                             const char *reason, int error_category, int64_t engine_ms,
                             uint64_t scanned_bytes);

/*
 * Replaces each ? placeholder of sql (outside string literals, quoted
 * identifiers and comments) by the next string of the JSON array
 * parameters, as text (ExecutionParameters). Returns the number of
 * placeholders found. The result in out is complete only when that number
 * equals the number of parameters. sql is untrusted text of any length.
 */
size_t athena_bind_parameters(const char *sql, json_t *parameters, owl_buf *out);

void athena_start_query_execution(aws_call *call);
void athena_get_query_execution(aws_call *call);
void athena_batch_get_query_execution(aws_call *call);
void athena_list_query_executions(aws_call *call);
void athena_get_query_results(aws_call *call);
void athena_stop_query_execution(aws_call *call);
void athena_get_query_runtime_statistics(aws_call *call);

#endif
