/*
 * owlery sql [--profile P] [--region R] [--endpoint-url URL] [--catalog C]
 *            [--database D] [--output-location s3://...] [--workgroup W]
 *            [--output table|csv|json] [-e SQL | -f FILE]
 *
 * The consumer's SQL client for owlery serve or AWS Athena. -e runs the
 * statements of its argument and -f those of a file ("-" for standard
 * input). Without either it reads standard input, through a REPL when that
 * is a terminal (libedit line editing, history in ~/.owlery_sql_history).
 * Statements end with ';', but the last one in -e, -f or piped input may
 * omit it. Batch mode stops at the first failing statement and exits with
 * its code.
 */
#include "cli/cli.h"
#include "cli/sql.h"

#include "common/buf.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <histedit.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#define HISTORY_FILE ".owlery_sql_history"
#define HISTORY_MAX 1000
#define POLL_MAX_MS 100
#define SCRIPT_MAX_BYTES (64u * 1024 * 1024)

static void sql_usage(FILE *out)
{
    fprintf(out,
            "usage: owlery sql [--profile P] [--region R] [--endpoint-url URL] [--catalog C]\n"
            "                  [--database D] [--output-location s3://...] [--workgroup W]\n"
            "                  [--output table|csv|json] [-e SQL | -f FILE]\n"
            "  Runs SQL through the Athena API of owlery serve. -e runs the statements in SQL,\n"
            "  -f those in FILE (- for standard input); without either it reads standard\n"
            "  input, interactively when that is a terminal. Statements end with ';'.\n"
            "  --profile P           AWS profile in ~/.aws/credentials and ~/.aws/config\n"
            "                        (default AWS_PROFILE, then \"default\")\n"
            "  --region R            region (default AWS_REGION, AWS_DEFAULT_REGION, the profile's)\n"
            "  --endpoint-url URL    endpoint (default AWS_ENDPOINT_URL, the profile's\n"
            "                        endpoint_url, then " SQL_DEFAULT_ENDPOINT ")\n"
            "  --catalog C           data catalog of unqualified table names (AwsDataCatalog)\n"
            "  --database D          database of unqualified table names\n"
            "  --output-location L   S3 prefix for result files (default: the work group's)\n"
            "  --workgroup W         work group (default primary)\n"
            "  --output F            result format: table (default), csv or json (JSON Lines)\n"
            "Results go to standard output; progress, row counts, timings and errors to\n"
            "standard error. Exit code: 0 success, 1 failed statement, 2 usage, 130 Ctrl-C.\n");
}

/* Selects a UTF-8 character type so wcwidth() measures table cells in terminal columns. */
static void select_utf8_locale(void)
{
    setlocale(LC_CTYPE, "");
    const char *codeset = nl_langinfo(CODESET);
    if (!codeset || strcmp(codeset, "UTF-8") != 0)
        setlocale(LC_CTYPE, "C.UTF-8");
}

/* Copies text[0..len) without surrounding whitespace into a new string. */
static char *trimmed_copy(const char *text, size_t len)
{
    while (len && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')) {
        text++;
        len--;
    }
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n' ||
                   text[len - 1] == '\r'))
        len--;
    char *out = strndup(text, len);
    if (!out)
        abort();
    return out;
}

/*
 * Runs the statements of text; a last statement without ';' runs too.
 * Stops at the first failure and returns its code.
 */
static int run_text(sql_session *session, const char *text, size_t len)
{
    size_t offset = 0;
    int code = SQL_EXIT_OK, statements = 0;
    while (code == SQL_EXIT_OK && offset < len) {
        size_t statement_len, consumed;
        if (!sql_statement_next(text + offset, len - offset, &statement_len, &consumed))
            statement_len = consumed = len - offset;
        if (!sql_statement_blank(text + offset, statement_len)) {
            char *statement = trimmed_copy(text + offset, statement_len);
            /* A blank line separates consecutive tables. */
            if (session->format == SQL_FORMAT_TABLE && statements > 0)
                fputc('\n', session->out);
            statements++;
            code = sql_run_statement(session, statement);
            free(statement);
        }
        offset += consumed;
    }
    return code;
}

/* Reads a whole file ("-" for standard input) into *text. False with a message on error. */
static bool read_script(const char *path, owl_buf *text)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "owlery sql: cannot open %s: %s\n", path, strerror(errno));
        return false;
    }
    char chunk[65536];
    size_t n;
    bool ok = true;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (text->len + n > SCRIPT_MAX_BYTES) {
            fprintf(stderr, "owlery sql: %s is over %u bytes\n", path, SCRIPT_MAX_BYTES);
            ok = false;
            break;
        }
        owl_buf_append(text, chunk, n);
    }
    if (ok && ferror(f)) {
        fprintf(stderr, "owlery sql: cannot read %s: %s\n", path, strerror(errno));
        ok = false;
    }
    if (f != stdin)
        fclose(f);
    if (ok && memchr(text->data ? text->data : "", '\0', text->len)) {
        fprintf(stderr, "owlery sql: %s contains a NUL byte; it is not SQL text\n", path);
        ok = false;
    }
    return ok;
}

static int run_script(sql_session *session, const char *path)
{
    owl_buf text = OWL_BUF_INIT;
    int code = SQL_EXIT_FAILED;
    if (read_script(path, &text))
        code = run_text(session, text.data ? text.data : "", text.len);
    owl_buf_free(&text);
    return code;
}

/* Returns whether line (without ';' and whitespace) is a REPL command to leave. */
static bool is_quit_command(const char *line)
{
    char *word = trimmed_copy(line, strlen(line));
    size_t len = strlen(word);
    if (len && word[len - 1] == ';')
        word[--len] = '\0';
    bool quit = strcmp(word, "quit") == 0 || strcmp(word, "exit") == 0 ||
                strcmp(word, "\\q") == 0;
    free(word);
    return quit;
}

static char *history_path(void)
{
    const char *home = getenv("HOME");
    if (!home || !*home)
        return NULL;
    char *path;
    if (asprintf(&path, "%s/%s", home, HISTORY_FILE) < 0)
        abort();
    return path;
}

/* Adds statement (with its ';') to the history and saves the file, readable only by the user. */
static void history_add(History *entries, const char *path, const char *statement)
{
    HistEvent event;
    history(entries, &event, H_ENTER, statement);
    if (path && history(entries, &event, H_SAVE, path) >= 0)
        chmod(path, 0600);
}

static bool prompt_continues;

static char *repl_prompt(EditLine *editor)
{
    (void)editor;
    return prompt_continues ? "     -> " : "owlery> ";
}

/*
 * Reads one character of terminal input for libedit, decoding the locale's
 * multibyte encoding. Returns 1 with the character, 0 at end of input, or
 * -1 when Ctrl-C arrived or the read failed. libedit's own reader retries
 * a read that a signal interrupts, so Ctrl-C would not end the line.
 */
static int repl_read_char(EditLine *editor, wchar_t *out)
{
    (void)editor;
    static mbstate_t state;
    for (;;) {
        /* Typed input may already wait behind the Ctrl-C, so check before each read. */
        if (sql_run_interrupt_pending()) {
            memset(&state, 0, sizeof state);
            return -1;
        }
        char byte;
        ssize_t n = read(STDIN_FILENO, &byte, 1);
        if (n == 0)
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        wchar_t character;
        size_t used = mbrtowc(&character, &byte, 1, &state);
        if (used == (size_t)-2)
            continue;
        if (used == (size_t)-1) {
            memset(&state, 0, sizeof state);
            character = 0xFFFD;
        }
        *out = character;
        return 1;
    }
}

/*
 * The interactive loop: reads lines with libedit until end of input
 * (Ctrl-D) or quit, runs each statement as its ';' arrives, and reports
 * failures without leaving, so it exits with 0. Ctrl-C at the prompt drops
 * the statement being typed; during a query it stops the query.
 */
static int run_repl(sql_session *session, const sql_settings *settings)
{
    char *path = history_path();
    HistEvent event;
    History *entries = history_init();
    history(entries, &event, H_SETSIZE, HISTORY_MAX);
    if (path)
        history(entries, &event, H_LOAD, path);
    /* With results redirected to a file, the prompt and the typed text stay on the terminal. */
    FILE *screen = isatty(STDOUT_FILENO) ? stdout : stderr;
    EditLine *editor = el_init("owlery", stdin, screen, stderr);
    el_set(editor, EL_EDITOR, "emacs");
    el_set(editor, EL_SIGNAL, 0);
    el_set(editor, EL_PROMPT, repl_prompt);
    el_set(editor, EL_HIST, history, entries);
    el_set(editor, EL_GETCFN, repl_read_char);
    el_source(editor, NULL); /* the user's ~/.editrc, when there is one */
    fprintf(stderr,
            "owlery sql: Athena API at %s, region %s, profile %s.\n"
            "End statements with ';'; quit with Ctrl-D.\n",
            settings->endpoint_url, settings->region, settings->profile);

    owl_buf pending = OWL_BUF_INIT;
    for (;;) {
        prompt_continues = pending.len > 0;
        int count = 0;
        const char *line = el_gets(editor, &count);
        if (sql_run_take_interrupt()) {
            owl_buf_reset(&pending);
            fputc('\n', stderr);
            continue;
        }
        if (!line || count <= 0) {
            fputc('\n', stderr);
            break;
        }
        if (pending.len == 0 && is_quit_command(line))
            break;
        owl_buf_puts(&pending, line);

        size_t statement_len, consumed;
        while (sql_statement_next(pending.data, pending.len, &statement_len, &consumed)) {
            if (!sql_statement_blank(pending.data, statement_len)) {
                char *entry = trimmed_copy(pending.data, consumed);
                history_add(entries, path, entry);
                free(entry);
                char *statement = trimmed_copy(pending.data, statement_len);
                sql_run_statement(session, statement);
                free(statement);
                sql_run_take_interrupt();
            }
            size_t rest = pending.len - consumed;
            memmove(pending.data, pending.data + consumed, rest);
            pending.len = rest;
            pending.data[rest] = '\0';
        }
        if (sql_statement_blank(pending.data, pending.len))
            owl_buf_reset(&pending);
    }
    owl_buf_free(&pending);
    el_end(editor);
    history_end(entries);
    free(path);
    return SQL_EXIT_OK;
}

int owl_cli_sql(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"profile", required_argument, NULL, 'p'},
        {"region", required_argument, NULL, 'r'},
        {"endpoint-url", required_argument, NULL, 'u'},
        {"catalog", required_argument, NULL, 'c'},
        {"database", required_argument, NULL, 'd'},
        {"output-location", required_argument, NULL, 'l'},
        {"workgroup", required_argument, NULL, 'w'},
        {"output", required_argument, NULL, 'o'},
        {"execute", required_argument, NULL, 'e'},
        {"file", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    sql_options options = {0};
    sql_session session = {.format = SQL_FORMAT_TABLE, .out = stdout, .err = stderr,
                           .poll_max_ms = POLL_MAX_MS};
    const char *execute = NULL, *file = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "e:f:h", long_options, NULL)) != -1) {
        switch (opt) {
        case 'p': options.profile = optarg; break;
        case 'r': options.region = optarg; break;
        case 'u': options.endpoint_url = optarg; break;
        case 'c': session.catalog = optarg; break;
        case 'd': session.database = optarg; break;
        case 'l': session.output_location = optarg; break;
        case 'w': session.workgroup = optarg; break;
        case 'e': execute = optarg; break;
        case 'f': file = optarg; break;
        case 'o':
            if (!sql_format_parse(optarg, &session.format)) {
                fprintf(stderr, "owlery sql: --output \"%s\" is not table, csv or json\n",
                        optarg);
                return SQL_EXIT_USAGE;
            }
            break;
        case 'h': sql_usage(stdout); return SQL_EXIT_OK;
        default: sql_usage(stderr); return SQL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "owlery sql: unexpected argument \"%s\"; pass SQL with -e\n",
                argv[optind]);
        sql_usage(stderr);
        return SQL_EXIT_USAGE;
    }
    if (execute && file) {
        fprintf(stderr, "owlery sql: -e and -f cannot be combined; choose one\n");
        return SQL_EXIT_USAGE;
    }

    char err[1024];
    sql_settings settings;
    if (!sql_settings_resolve(&options, &settings, err, sizeof err)) {
        fprintf(stderr, "owlery sql: %s\n", err);
        return SQL_EXIT_FAILED;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    session.client = sql_client_new(&settings, err, sizeof err);
    if (!session.client) {
        fprintf(stderr, "owlery sql: %s\n", err);
        sql_settings_free(&settings);
        curl_global_cleanup();
        return SQL_EXIT_USAGE;
    }
    select_utf8_locale();
    session.progress = isatty(STDERR_FILENO);
    sql_run_install_interrupt();

    int code;
    if (execute)
        code = run_text(&session, execute, strlen(execute));
    else if (file)
        code = run_script(&session, file);
    else if (isatty(STDIN_FILENO))
        code = run_repl(&session, &settings);
    else
        code = run_script(&session, "-");

    sql_client_free(session.client);
    sql_settings_free(&settings);
    curl_global_cleanup();
    return code;
}
