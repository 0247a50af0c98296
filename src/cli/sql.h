/*
 * owlery sql: the Athena SQL client. The parts, one file each:
 *
 *   sql_ini.c        parser of the AWS CLI's shared config and credentials files
 *   sql_config.c     profile, credentials, region and endpoint resolution, in the
 *                    AWS CLI's order of precedence
 *   sql_client.c     signed JSON 1.1 calls to the AmazonAthena API over libcurl
 *   sql_statement.c  splitting SQL text into statements at ';'
 *   sql_format.c     printing result pages as an aligned table, CSV or JSON Lines
 *   sql_run.c        one statement: start, poll, page through the results
 *   sql.c            the command line, batch mode (-e, -f, stdin) and the REPL
 *
 * Everything here reads bytes from outside (files under ~/.aws, HTTP
 * responses), so every parser checks types and sizes and never trusts a
 * length it was given.
 */
#ifndef OWL_CLI_SQL_H
#define OWL_CLI_SQL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* ------------------------------------------------------------------------
 * Shared config and credentials files (sql_ini.c)
 * ---------------------------------------------------------------------- */

/*
 * Largest file and most section headers plus options sql_ini_parse()
 * accepts. The AWS CLI sets no limits; these keep the parser's linear
 * lookups fast on any input.
 */
#define SQL_INI_MAX_BYTES (1024 * 1024)
#define SQL_INI_MAX_ENTRIES 10000

typedef struct sql_ini sql_ini;

/*
 * Parses the INI dialect of ~/.aws/config and ~/.aws/credentials as the AWS
 * CLI reads it (Python's configparser.RawConfigParser): "[section]" headers,
 * "key = value" or "key: value" options with keys lowercased, full-line
 * comments starting with '#' or ';', and indented continuation lines that
 * make a nested value ("s3 =\n  max_concurrent_requests = 10"). An option
 * repeated in a section, also under a repeated [section] header, keeps its
 * last value.
 *
 * Returns the parsed file, or NULL with a message naming the line number in
 * err for an option outside a section, a line that is neither a section, an
 * option nor a continuation, an unterminated header, a NUL byte, input over
 * SQL_INI_MAX_BYTES or over SQL_INI_MAX_ENTRIES. Free with sql_ini_free().
 */
sql_ini *sql_ini_parse(const char *text, size_t len, char *err, size_t errlen);
void sql_ini_free(sql_ini *ini);

/* Returns true when the file has a section with exactly this name. */
bool sql_ini_has_section(const sql_ini *ini, const char *section);

/* Returns the value of key (lowercase) in section, or NULL; the ini owns it. */
const char *sql_ini_get(const sql_ini *ini, const char *section, const char *key);

/*
 * Returns the value of subkey inside the nested value of key in section, as
 * in "athena =\n  endpoint_url = http://...", or NULL. The result is
 * malloc'd; the caller frees it.
 */
char *sql_ini_get_nested(const sql_ini *ini, const char *section, const char *key,
                         const char *subkey);

/* Calls fn for each section name in file order; stops when fn returns false. */
void sql_ini_each_section(const sql_ini *ini, bool (*fn)(const char *section, void *arg),
                          void *arg);

/* ------------------------------------------------------------------------
 * Settings (sql_config.c)
 * ---------------------------------------------------------------------- */

#define SQL_DEFAULT_ENDPOINT "http://127.0.0.1:4566"

/* What the command line gave; NULL for an option not given. */
typedef struct sql_options {
    const char *profile;
    const char *region;
    const char *endpoint_url;
} sql_options;

/* The resolved settings. Every string is malloc'd; free with sql_settings_free(). */
typedef struct sql_settings {
    char *profile;           /* the profile in use, "default" when none was named */
    char *region;
    char *endpoint_url;
    char *access_key_id;
    char *secret_access_key;
    char *session_token;     /* NULL for long-term keys */
    char *credentials_source; /* "environment" or the file the keys came from */
} sql_settings;

/*
 * Resolves settings the way the AWS CLI v2 does, reading the process
 * environment and the files it names:
 *
 *   profile      --profile, AWS_PROFILE, "default"
 *   credentials  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 *                (skipped when --profile is given), then the profile in the
 *                credentials file (AWS_SHARED_CREDENTIALS_FILE,
 *                ~/.aws/credentials), then in the config file
 *                (AWS_CONFIG_FILE, ~/.aws/config, sections "[profile NAME]"
 *                and "[default]")
 *   region       --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region
 *   endpoint     --endpoint-url, AWS_ENDPOINT_URL_ATHENA, AWS_ENDPOINT_URL, the
 *                athena endpoint_url of the profile's services section, the
 *                profile's endpoint_url, then SQL_DEFAULT_ENDPOINT.
 *                AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true skips all but the
 *                command line and the default.
 *
 * Returns false with a message in err that names what is missing: a named
 * profile found in neither file, a file that does not parse, partial
 * credentials, no credentials at all, or no region.
 */
bool sql_settings_resolve(const sql_options *options, sql_settings *out, char *err,
                          size_t errlen);
void sql_settings_free(sql_settings *settings);

/* ------------------------------------------------------------------------
 * Athena API client (sql_client.c)
 * ---------------------------------------------------------------------- */

typedef struct sql_client sql_client;

/* The error of a failed call: the AWS error code (or "" for a transport failure) and message. */
typedef struct sql_api_error {
    long http_status; /* 0 when no response arrived */
    char code[128];
    char message[2048];
} sql_api_error;

/*
 * Creates a client for settings->endpoint_url. The settings must outlive
 * the client. Returns NULL with a message in err when the URL is not of the
 * form http[s]://host[:port][/path].
 */
sql_client *sql_client_new(const sql_settings *settings, char *err, size_t errlen);
void sql_client_free(sql_client *client);

/*
 * Calls AmazonAthena.<operation> with request (borrowed) as the JSON body,
 * signed with SigV4. Returns the response object (a new reference) on HTTP
 * 200, or NULL with *error filled.
 */
json_t *sql_client_call(sql_client *client, const char *operation, json_t *request,
                        sql_api_error *error);

/*
 * Fills error from a non-200 response body of the JSON 1.1 protocol:
 * {"__type": "...#Code", "message": "..."}. Falls back to "HTTP <status>"
 * when the body is not such an object.
 */
void sql_api_error_from_body(long http_status, const char *body, size_t len,
                             sql_api_error *error);

/* ------------------------------------------------------------------------
 * Statements (sql_statement.c)
 * ---------------------------------------------------------------------- */

/*
 * Finds the first statement in text[0..len): the bytes before the first ';'
 * that is outside a quoted string ('...', "...", `...`), a line comment
 * (-- to the end of the line) and a block comment. Returns true with
 * *statement_len (without the ';') and *consumed (with it) when a ';' ends
 * one; false when the text contains no complete statement.
 */
bool sql_statement_next(const char *text, size_t len, size_t *statement_len, size_t *consumed);

/* Returns true when text[0..len) contains only whitespace and comments. */
bool sql_statement_blank(const char *text, size_t len);

/* ------------------------------------------------------------------------
 * Output (sql_format.c)
 * ---------------------------------------------------------------------- */

typedef enum sql_format {
    SQL_FORMAT_TABLE, /* aligned columns, like psql and the Trino CLI */
    SQL_FORMAT_CSV,   /* RFC 4180 as Athena writes result files: every value quoted, NULL empty */
    SQL_FORMAT_JSON,  /* JSON Lines: one object per row, NULL as null */
} sql_format;

/* Parses "table", "csv" or "json"; returns false for anything else. */
bool sql_format_parse(const char *name, sql_format *out);

typedef struct sql_printer sql_printer;

/*
 * Creates a printer to out. The table format keeps every row until
 * sql_printer_finish(), because column widths depend on all of them; CSV and
 * JSON print each row as it arrives.
 */
sql_printer *sql_printer_new(sql_format format, FILE *out);
void sql_printer_free(sql_printer *printer);

/*
 * Adds the rows of one GetQueryResults response. The first call takes the
 * column names and types from ResultSetMetadata.ColumnInfo. When
 * skip_header is set, the first row is dropped if it repeats the column
 * names (Athena returns the header row as the first row of the first page
 * of a SELECT). Returns false with a message in err for a response of the
 * wrong shape (a missing ColumnInfo, a row of another width, a value that
 * is not a string).
 */
bool sql_printer_add_page(sql_printer *printer, json_t *response, bool skip_header, char *err,
                          size_t errlen);

/* Prints what is buffered (the whole table). Returns the number of rows printed in all. */
size_t sql_printer_finish(sql_printer *printer);

/* Returns the display width of UTF-8 text s in terminal columns. */
size_t sql_display_width(const char *s);

/* ------------------------------------------------------------------------
 * Running statements (sql_run.c)
 * ---------------------------------------------------------------------- */

/* Exit codes of owlery sql. */
#define SQL_EXIT_OK 0
#define SQL_EXIT_FAILED 1
#define SQL_EXIT_USAGE 2
#define SQL_EXIT_INTERRUPTED 130 /* 128 + SIGINT, as shells report it */

typedef struct sql_session {
    sql_client *client;
    const char *catalog;         /* QueryExecutionContext; NULL to omit */
    const char *database;
    const char *workgroup;       /* NULL for the server's default, "primary" */
    const char *output_location; /* ResultConfiguration.OutputLocation; NULL to omit */
    sql_format format;
    FILE *out;                   /* results */
    FILE *err;                   /* progress, row counts, timings and errors */
    bool progress;               /* draw a progress line on err (a terminal) */
    unsigned poll_max_ms;        /* maximum wait between GetQueryExecution calls */
} sql_session;

/*
 * Runs one statement: StartQueryExecution, GetQueryExecution until a final
 * state, then GetQueryResults page by page into the printer. Ctrl-C (see
 * sql_run_install_interrupt()) stops the query with StopQueryExecution. Returns an
 * SQL_EXIT_* code after printing any error to session->err.
 */
int sql_run_statement(sql_session *session, const char *sql);

/* Installs the SIGINT handler that sql_run_statement() watches. */
void sql_run_install_interrupt(void);
/* Returns whether Ctrl-C arrived since the last call, and clears it. */
bool sql_run_take_interrupt(void);
/* Returns whether Ctrl-C arrived and was not taken yet; safe in any context. */
bool sql_run_interrupt_pending(void);

#endif
