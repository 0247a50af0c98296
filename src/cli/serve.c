/*
 * owlery serve [--data-dir DIR] [--listen HOST:PORT]
 *
 * Opens the state store, starts the service endpoint and runs until SIGTERM
 * or SIGINT, then stops accepting, finishes in-flight requests and exits 0.
 */
#include "athena/athena.h"
#include "cli/cli.h"

#include "common/log.h"
#include "endpoint/endpoint.h"
#include "http/http.h"
#include "lambda/lambda.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SERVE_DEFAULT_DATA_DIR "./owlery-data"
#define SERVE_DEFAULT_LISTEN "127.0.0.1:4566"

static void serve_usage(FILE *out)
{
    fprintf(out,
            "usage: owlery serve [--data-dir DIR] [--listen HOST:PORT]\n"
            "  --data-dir DIR      state database and objects (default %s)\n"
            "  --listen HOST:PORT  IPv4 address and port to listen on (default %s;\n"
            "                      port 0 picks a free port, printed at start)\n",
            SERVE_DEFAULT_DATA_DIR, SERVE_DEFAULT_LISTEN);
}

/* Splits "HOST:PORT"; returns false when either part is missing or the port is out of range. */
static bool parse_listen(const char *text, char *host, size_t hostlen, uint16_t *port)
{
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text || (size_t)(colon - text) >= hostlen)
        return false;
    char *end;
    long value = strtol(colon + 1, &end, 10);
    if (*end != '\0' || end == colon + 1 || value < 0 || value > 65535)
        return false;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    *port = (uint16_t)value;
    return true;
}

/*
 * Takes an exclusive lock on DATA_DIR/serve.lock for the life of the process:
 * two servers on one data directory would each clean up the other's
 * temporary files and function instances. Returns the lock's descriptor, or
 * -1 with a message in err.
 */
static int serve_lock_data_dir(const char *data_dir, char *err, size_t errlen)
{
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create data directory %s: %s", data_dir, strerror(errno));
        return -1;
    }
    char path[4096];
    if (snprintf(path, sizeof path, "%s/serve.lock", data_dir) >= (int)sizeof path) {
        snprintf(err, errlen, "data directory path is too long: %s", data_dir);
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open the lock file in %.400s: %s", data_dir, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen,
                 "data directory %s is in use by another owlery serve; stop it or choose another --data-dir",
                 data_dir);
        close(fd);
        return -1;
    }
    return fd;
}

int owl_cli_serve(int argc, char **argv)
{
    const char *data_dir = SERVE_DEFAULT_DATA_DIR;
    const char *listen = SERVE_DEFAULT_LISTEN;
    static const struct option options[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': data_dir = optarg; break;
        case 'l': listen = optarg; break;
        case 'h': serve_usage(stdout); return 0;
        default: serve_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "owlery serve: unexpected argument \"%s\"\n", argv[optind]);
        serve_usage(stderr);
        return 2;
    }

    char host[64];
    uint16_t port;
    if (!parse_listen(listen, host, sizeof host, &port)) {
        fprintf(stderr, "owlery serve: invalid --listen \"%s\": expected HOST:PORT such as 127.0.0.1:4566\n",
                listen);
        return 2;
    }

    /* Block the stop signals in every thread; the main thread waits for them below. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Everything owlery writes is its own: function instances may run as
     * another user (see src/lambda/runtime.c). */
    umask(077);

    char err[512], quoted[600];
    int lock_fd = serve_lock_data_dir(data_dir, err, sizeof err);
    if (lock_fd < 0) {
        fprintf(stderr, "owlery serve: %s\n", err);
        return 1;
    }
    owl_store *store = owl_cli_open_store(data_dir, err, sizeof err);
    if (!store) {
        owl_log_error("event=start_failed error=%s", owl_log_quote(quoted, sizeof quoted, err));
        fprintf(stderr, "owlery serve: %s\n", err);
        close(lock_fd);
        return 1;
    }

    owl_endpoint_config endpoint_config = {
        .max_body_bytes = 16u << 20,
        .max_lambda_body_bytes = 70167211u,
        .max_s3_body_bytes = 64u << 20,
    };
    owl_endpoint *endpoint = owl_endpoint_new(store, &endpoint_config);
    http_server_handler handler = owl_endpoint_handler(endpoint);
    http_server_config server_config = {.host = host, .port = port};
    http_server *server = http_server_start(&server_config, &handler, err, sizeof err);
    if (!server) {
        owl_log_error("event=start_failed error=%s", owl_log_quote(quoted, sizeof quoted, err));
        fprintf(stderr, "owlery serve: %s\n", err);
        owl_endpoint_free(endpoint);
        owl_store_close(store);
        close(lock_fd);
        return 1;
    }
    char endpoint_url[128];
    snprintf(endpoint_url, sizeof endpoint_url, "http://%s:%u", host, http_server_port(server));
    if (!lambda_service_start(store, endpoint_url, err, sizeof err)) {
        owl_log_error("event=start_failed error=%s", owl_log_quote(quoted, sizeof quoted, err));
        fprintf(stderr, "owlery serve: %s\n", err);
        http_server_stop(server);
        owl_endpoint_free(endpoint);
        owl_store_close(store);
        close(lock_fd);
        return 1;
    }
    owl_log_info("event=listening address=%s:%u data_dir=%s", host, http_server_port(server),
                 owl_log_quote(quoted, sizeof quoted, data_dir));

    int sig = 0;
    sigwait(&stop_signals, &sig);
    owl_log_info("event=stopping signal=%s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    /* Lambda first: stopping its instances ends invocations that HTTP requests wait on. */
    lambda_service_stop();
    http_server_stop(server);
    /* Query workers use the store until they stop. */
    athena_service_stop();
    owl_endpoint_free(endpoint);
    owl_store_close(store);
    close(lock_fd);
    owl_log_info("event=stopped");
    return 0;
}
