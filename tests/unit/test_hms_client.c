/*
 * Tests of the metastore client (src/hms/client.c) against an in-process
 * owlery-metastore (hms_server on a loopback port) and a listener that
 * accepts connections but never answers.
 */
#include "hms/client.h"
#include "hms/hms.h"
#include "hms/server.h"
#include "unit.h"

#include "common/util.h"

#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static char data_dir[] = "/tmp/owlery-test-hms-client-XXXXXX";

static hms_server *server_start(unsigned port)
{
    char err[256];
    hms_server_config config = {.data_dir = data_dir, .host = "127.0.0.1", .port = port};
    hms_server *server = hms_server_start(&config, err, sizeof err);
    if (!server)
        fprintf(stderr, "hms_server_start: %s\n", err);
    return server;
}

static hms_client *client_new(const char *uris, int socket_timeout_ms, bool framed, hms_error *err)
{
    hms_client_config config = {
        .uris = uris,
        .connect_timeout_ms = 1000,
        .socket_timeout_ms = socket_timeout_ms,
        .framed = framed,
        .protocol = THRIFT_PROTOCOL_BINARY,
    };
    return hms_client_new(&config, err);
}

/* Calls get_all_databases and returns true when the reply lists "default". */
static bool call_get_all_databases(hms_client *client, hms_error *err)
{
    thrift_value *args = thrift_value_new_struct();
    thrift_value *result = NULL;
    bool ok = hms_client_call(client, "get_all_databases", args, &result, err);
    thrift_value_free(args);
    bool found = false;
    const thrift_value *names = thrift_struct_get(result, 0);
    for (size_t i = 0; i < thrift_value_count(names); i++)
        found = found || strcmp(thrift_value_get_string(thrift_list_get(names, i), NULL), "default") == 0;
    thrift_value_free(result);
    return ok && found;
}

static void test_client_uri_errors(void)
{
    static const struct {
        const char *uris;
        const char *message;
    } cases[] = {
        {"127.0.0.1:9083", "metastore URI \"127.0.0.1:9083\" must start with thrift://"},
        {"thrift://127.0.0.1", "metastore URI \"thrift://127.0.0.1\" has no port (expected thrift://host:port)"},
        {"thrift://127.0.0.1:", "metastore URI \"thrift://127.0.0.1:\" has a port outside 1-65535"},
        {"thrift://127.0.0.1:0", "metastore URI \"thrift://127.0.0.1:0\" has a port outside 1-65535"},
        {"thrift://127.0.0.1:65536", "metastore URI \"thrift://127.0.0.1:65536\" has a port outside 1-65535"},
        {"thrift://127.0.0.1:90a", "metastore URI \"thrift://127.0.0.1:90a\" has an invalid port"},
        {"thrift://:9083", "metastore URI \"thrift://:9083\" has an empty or overlong host"},
        {"thrift://[::1:9083", "metastore URI \"thrift://[::1:9083\" has an unclosed '[' in its host"},
        {"thrift://a:1,,thrift://b:2", "metastore URI list \"thrift://a:1,,thrift://b:2\" has an empty entry"},
        {"", "metastore URI list \"\" has an empty entry"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hms_error err;
        hms_client *client = client_new(cases[i].uris, 1000, false, &err);
        CHECK(client == NULL);
        CHECK_INT(err.kind, HMS_ERROR_CONFIG);
        CHECK_STR(err.message, cases[i].message);
        hms_client_free(client);
    }

    hms_error err;
    hms_client *client = client_new(" thrift://127.0.0.1:9083/ , thrift://[::1]:9084", 1000, false, &err);
    CHECK(client != NULL);
    hms_client_free(client);

    hms_client_config config = {.uris = "thrift://127.0.0.1:9083", .connect_timeout_ms = 0,
                                .socket_timeout_ms = 1000};
    CHECK(hms_client_new(&config, &err) == NULL);
    CHECK_STR(err.message, "metastore connect and socket timeouts must be positive (got 0 ms and 1000 ms)");
}

/* Returns a loopback port that nothing listens on (bound, then closed). */
static unsigned unused_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    bind(fd, (struct sockaddr *)&addr, sizeof addr);
    getsockname(fd, (struct sockaddr *)&addr, &len);
    close(fd);
    return ntohs(addr.sin_port);
}

static void test_client_call_and_restart(void)
{
    hms_server *server = server_start(0);
    CHECK(server != NULL);
    if (!server)
        return;
    unsigned port = hms_server_port(server);
    char uris[64];
    snprintf(uris, sizeof uris, "thrift://127.0.0.1:%u", port);
    hms_error err;
    hms_client *client = client_new(uris, 5000, false, &err);
    CHECK(client != NULL);

    CHECK(call_get_all_databases(client, &err));

    /* The metastore restarts between two calls: the second call reconnects on its own. */
    hms_server_stop(server);
    server = server_start(port);
    CHECK(server != NULL);
    bool ok = call_get_all_databases(client, &err);
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "call after restart: %s\n", err.message);

    /* An unknown method is an application error; the connection keeps working. */
    thrift_value *args = thrift_value_new_struct();
    thrift_value *result = NULL;
    CHECK(!hms_client_call(client, "no_such_method", args, &result, &err));
    thrift_value_free(args);
    CHECK(result == NULL);
    CHECK_INT(err.kind, HMS_ERROR_APPLICATION);
    char expected[256];
    snprintf(expected, sizeof expected,
             "metastore %s rejected no_such_method: TApplicationException UNKNOWN_METHOD (1): "
             "Invalid method name: 'no_such_method'",
             uris);
    CHECK_STR(err.message, expected);
    CHECK(call_get_all_databases(client, &err));

    /* A metastore exception is a normal reply. */
    args = thrift_value_new_struct();
    thrift_struct_set(args, 1, thrift_value_new_cstring("default"));
    thrift_struct_set(args, 2, thrift_value_new_cstring("flights"));
    CHECK(hms_client_call(client, "get_table", args, &result, &err));
    thrift_value_free(args);
    CHECK_STR(thrift_struct_get_string(thrift_struct_get(result, 2), HMS_EXCEPTION_MESSAGE, NULL),
              "default.flights table not found");
    thrift_value_free(result);

    hms_client_free(client);
    if (server)
        hms_server_stop(server);
}

static void test_client_framed_and_failover(void)
{
    hms_server *server = server_start(0);
    CHECK(server != NULL);
    if (!server)
        return;
    char uris[128];
    snprintf(uris, sizeof uris, "thrift://127.0.0.1:%u,thrift://127.0.0.1:%u", unused_port(),
             hms_server_port(server));
    hms_error err;
    hms_client *client = client_new(uris, 5000, true, &err);
    CHECK(client != NULL);
    CHECK(call_get_all_databases(client, &err));
    hms_client_free(client);
    hms_server_stop(server);
}

static void test_client_connect_refused(void)
{
    char uris[64];
    snprintf(uris, sizeof uris, "thrift://127.0.0.1:%u", unused_port());
    hms_error err;
    hms_client *client = client_new(uris, 1000, false, &err);
    CHECK(!call_get_all_databases(client, &err));
    CHECK_INT(err.kind, HMS_ERROR_CONNECT);
    char expected[256];
    snprintf(expected, sizeof expected,
             "cannot connect to the metastore (connect timeout 1000 ms): %s: Connection refused", uris);
    CHECK_STR(err.message, expected);
    hms_client_free(client);
}

/* A listener that accepts one connection and never answers it. */
typedef struct silent_listener {
    int listen_fd;
    int conn_fd;
    pthread_t thread;
} silent_listener;

static void *silent_accept(void *arg)
{
    silent_listener *l = arg;
    l->conn_fd = accept(l->listen_fd, NULL, NULL);
    return NULL;
}

static void test_client_socket_timeout(void)
{
    silent_listener l = {.conn_fd = -1};
    l.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    CHECK(bind(l.listen_fd, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK(listen(l.listen_fd, 4) == 0);
    getsockname(l.listen_fd, (struct sockaddr *)&addr, &len);
    pthread_create(&l.thread, NULL, silent_accept, &l);

    char uris[64];
    snprintf(uris, sizeof uris, "thrift://127.0.0.1:%u", ntohs(addr.sin_port));
    hms_error err;
    const int timeout_ms = 700;
    hms_client *client = client_new(uris, timeout_ms, false, &err);
    int64_t start = owl_monotonic_ms();
    CHECK(!call_get_all_databases(client, &err));
    int64_t elapsed = owl_monotonic_ms() - start;
    CHECK_INT(err.kind, HMS_ERROR_TIMEOUT);
    CHECK(elapsed >= timeout_ms - 50);
    CHECK(elapsed <= timeout_ms + 1000);
    char expected[256];
    snprintf(expected, sizeof expected,
             "metastore %s: no reply to get_all_databases within the socket timeout of 700 ms",
             uris);
    CHECK_STR(err.message, expected);
    hms_client_free(client);

    pthread_join(l.thread, NULL);
    close(l.conn_fd);
    close(l.listen_fd);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(data_dir)) {
        perror("mkdtemp");
        return 1;
    }
    UNIT_RUN(test_client_uri_errors);
    UNIT_RUN(test_client_call_and_restart);
    UNIT_RUN(test_client_framed_and_failover);
    UNIT_RUN(test_client_connect_refused);
    UNIT_RUN(test_client_socket_timeout);

    char command[128];
    snprintf(command, sizeof command, "rm -rf %s", data_dir);
    if (system(command) != 0)
        fprintf(stderr, "could not remove %s\n", data_dir);
    return UNIT_SUMMARY();
}
