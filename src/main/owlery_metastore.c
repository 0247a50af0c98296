/*
 * owlery-metastore: a Hive-metastore-compatible Thrift server (binary
 * protocol, buffered or framed transport) storing catalogs in SQLite.
 *
 *   owlery-metastore [--data-dir DIR] [--listen HOST:PORT] [--max-connections N]
 *
 * Defaults: ./owlery-metastore-data and 127.0.0.1:9083. Runs until SIGTERM
 * or SIGINT, then finishes the calls in progress and exits 0.
 */
#include "common/log.h"
#include "hms/server.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: owlery-metastore [--data-dir DIR] [--listen HOST:PORT] [--max-connections N]\n"
            "  --data-dir DIR        directory of the SQLite state (default ./owlery-metastore-data)\n"
            "  --listen HOST:PORT    numeric address and port to listen on; port 0 picks a free one\n"
            "                        (default 127.0.0.1:9083)\n"
            "  --max-connections N   concurrent client connections (default %d)\n",
            HMS_SERVER_DEFAULT_MAX_CONNECTIONS);
}

/* Splits HOST:PORT (or [V6]:PORT) into host (size hostlen) and port. */
static bool parse_listen(const char *text, char *host, size_t hostlen, unsigned *port)
{
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text)
        return false;
    const char *h = text;
    size_t len = (size_t)(colon - text);
    if (h[0] == '[' && len >= 2 && h[len - 1] == ']') {
        h++;
        len -= 2;
    }
    if (len == 0 || len >= hostlen)
        return false;
    memcpy(host, h, len);
    host[len] = '\0';
    char *end;
    unsigned long value = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || end == colon + 1 || value > 65535)
        return false;
    *port = (unsigned)value;
    return true;
}

int main(int argc, char **argv)
{
    const char *data_dir = "./owlery-metastore-data";
    const char *listen = "127.0.0.1:9083";
    unsigned max_connections = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "owlery-metastore: %s needs a value\n", arg);
            usage(stderr);
            return 2;
        }
        const char *value = argv[++i];
        if (strcmp(arg, "--data-dir") == 0) {
            data_dir = value;
        } else if (strcmp(arg, "--listen") == 0) {
            listen = value;
        } else if (strcmp(arg, "--max-connections") == 0) {
            char *end;
            unsigned long n = strtoul(value, &end, 10);
            if (*end != '\0' || n == 0 || n > 100000) {
                fprintf(stderr, "owlery-metastore: --max-connections must be 1 to 100000, got \"%s\"\n", value);
                return 2;
            }
            max_connections = (unsigned)n;
        } else {
            fprintf(stderr, "owlery-metastore: unknown option \"%s\"\n", arg);
            usage(stderr);
            return 2;
        }
    }
    char host[128];
    unsigned port;
    if (!parse_listen(listen, host, sizeof host, &port)) {
        fprintf(stderr, "owlery-metastore: --listen must be HOST:PORT with a numeric host, got \"%s\"\n", listen);
        return 2;
    }

    /* Block the stop signals in every thread; the main thread waits for them below. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    char err[512];
    hms_server_config config = {
        .data_dir = data_dir, .host = host, .port = port, .max_connections = max_connections, .call_log = true};
    hms_server *server = hms_server_start(&config, err, sizeof err);
    if (!server) {
        char quoted[600];
        owl_log_error("event=start_failed error=%s", owl_log_quote(quoted, sizeof quoted, err));
        return 1;
    }
    char address[160];
    snprintf(address, sizeof address, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, hms_server_port(server));
    char quoted_dir[600];
    owl_log_info("event=listening address=%s data_dir=%s", address,
                 owl_log_quote(quoted_dir, sizeof quoted_dir, data_dir));

    int sig = 0;
    sigwait(&stop_signals, &sig);
    owl_log_info("event=stopping signal=%s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    hms_server_stop(server);
    owl_log_info("event=stopped");
    return 0;
}
