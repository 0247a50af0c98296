/*
 * owlery-metastore's listener and connection threads; see server.h.
 *
 * Workload: a few long-lived connections per client (a metastore client
 * keeps its connection), so a thread per connection is simple and cheap.
 * Connections beyond max_connections are accepted and closed at once,
 * with a log line, so a client sees a closed connection instead of a hang.
 */
#include "hms/server.h"

#include "common/log.h"
#include "hms/service.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct connection connection;

struct hms_server {
    hms_service *service;
    int listen_fd;
    int wake[2]; /* pipe: a byte wakes the accept loop to stop */
    unsigned port;
    unsigned max_connections;
    pthread_t accept_thread;

    pthread_mutex_t lock;
    pthread_cond_t idle; /* signalled when a connection ends */
    connection *connections; /* live connections, for shutdown on stop */
    unsigned active;
    bool stopping;
};

struct connection {
    hms_server *server;
    int fd;
    char peer[64];
    connection *prev, *next;
    /* The first bytes, read to detect the transport, are served again before the socket. */
    unsigned char prefix[6];
    size_t prefix_len, prefix_pos;
};

/* ---- Socket I/O for the buffered transport ---- */

static ssize_t connection_read(void *ctx, void *buf, size_t len, thrift_error *err)
{
    connection *c = ctx;
    if (c->prefix_pos < c->prefix_len) {
        size_t n = c->prefix_len - c->prefix_pos;
        if (n > len)
            n = len;
        memcpy(buf, c->prefix + c->prefix_pos, n);
        c->prefix_pos += n;
        return (ssize_t)n;
    }
    for (;;) {
        ssize_t n = recv(c->fd, buf, len, 0);
        if (n >= 0)
            return n;
        if (errno != EINTR) {
            thrift_error_set(err, "recv from %s failed: %s", c->peer, strerror(errno));
            return -1;
        }
    }
}

static ssize_t connection_write(void *ctx, const void *buf, size_t len, thrift_error *err)
{
    connection *c = ctx;
    for (;;) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
        if (n > 0)
            return n;
        if (n < 0 && errno == EINTR)
            continue;
        thrift_error_set(err, "send to %s failed: %s", c->peer, n < 0 ? strerror(errno) : "no progress");
        return -1;
    }
}

/* Reads the first bytes of the connection; false when it closes before sending enough for a message. */
static bool connection_read_prefix(connection *c)
{
    while (c->prefix_len < sizeof c->prefix) {
        ssize_t n = recv(c->fd, c->prefix + c->prefix_len, sizeof c->prefix - c->prefix_len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        c->prefix_len += (size_t)n;
    }
    return true;
}

/* ---- Connections ---- */

static void server_unlink(hms_server *server, connection *c)
{
    pthread_mutex_lock(&server->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        server->connections = c->next;
    if (c->next)
        c->next->prev = c->prev;
    server->active--;
    pthread_cond_broadcast(&server->idle);
    pthread_mutex_unlock(&server->lock);
}

static void *connection_main(void *arg)
{
    connection *c = arg;
    hms_server *server = c->server;
    char peer[80];
    owl_log_quote(peer, sizeof peer, c->peer);

    const char *transport_name = "none";
    if (connection_read_prefix(c)) {
        bool framed = !(c->prefix[0] == 0x80 && c->prefix[1] == 0x01) && c->prefix[4] == 0x80 && c->prefix[5] == 0x01;
        transport_name = framed ? "framed" : "buffered";
        thrift_transport *socket_transport =
            thrift_buffered_transport_new((thrift_io){connection_read, connection_write, c});
        thrift_transport *t = framed ? thrift_framed_transport_new(socket_transport, 0) : socket_transport;
        owl_log_info("event=connection_open peer=%s transport=%s", peer, transport_name);
        while (hms_service_handle_message(server->service, t, t, c->peer)) {
        }
        if (framed)
            thrift_transport_free(t);
        thrift_transport_free(socket_transport);
    }
    owl_log_info("event=connection_close peer=%s transport=%s", peer, transport_name);

    server_unlink(server, c);
    close(c->fd);
    free(c);
    return NULL;
}

static void server_accept_one(hms_server *server)
{
    struct sockaddr_storage addr;
    socklen_t addrlen = sizeof addr;
    int fd = accept4(server->listen_fd, (struct sockaddr *)&addr, &addrlen, SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
            owl_log_warn("event=accept_failed error=\"%s\"", strerror(errno));
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    connection *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->server = server;
    c->fd = fd;
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (addr.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&addr;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
    } else if (addr.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&addr;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
    }
    snprintf(c->peer, sizeof c->peer, "%s:%u", host, port);

    pthread_mutex_lock(&server->lock);
    bool full = server->active >= server->max_connections;
    if (!full) {
        c->next = server->connections;
        if (c->next)
            c->next->prev = c;
        server->connections = c;
        server->active++;
    }
    pthread_mutex_unlock(&server->lock);
    if (full) {
        owl_log_warn("event=connection_rejected peer=%s reason=too_many_connections max_connections=%u", c->peer,
                     server->max_connections);
        close(fd);
        free(c);
        return;
    }

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int rc = pthread_create(&thread, &attr, connection_main, c);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        owl_log_error("event=connection_rejected peer=%s reason=\"cannot start a thread: %s\"", c->peer,
                      strerror(rc));
        server_unlink(server, c);
        close(fd);
        free(c);
    }
}

static void *server_accept_main(void *arg)
{
    hms_server *server = arg;
    struct pollfd fds[2] = {{server->listen_fd, POLLIN, 0}, {server->wake[0], POLLIN, 0}};
    for (;;) {
        int n = poll(fds, 2, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || fds[1].revents)
            break;
        if (fds[0].revents & POLLIN)
            server_accept_one(server);
    }
    return NULL;
}

/* ---- Start and stop ---- */

static int server_listen(const char *host, unsigned port, unsigned *bound, char *err, size_t errlen)
{
    struct sockaddr_storage addr;
    socklen_t addrlen;
    memset(&addr, 0, sizeof addr);
    struct sockaddr_in *in = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&addr;
    if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        addrlen = sizeof *in;
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        addrlen = sizeof *in6;
    } else {
        snprintf(err, errlen, "listen address \"%s\" is not a numeric IPv4 or IPv6 address", host);
        return -1;
    }

    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&addr, addrlen) != 0 || listen(fd, 128) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%u: %s", host, port, strerror(errno));
        close(fd);
        return -1;
    }
    addrlen = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &addrlen);
    *bound = ntohs(addr.ss_family == AF_INET ? in->sin_port : in6->sin6_port);
    return fd;
}

hms_server *hms_server_start(const hms_server_config *config, char *err, size_t errlen)
{
    if (config->port > 65535) {
        snprintf(err, errlen, "port %u is out of range 0-65535", config->port);
        return NULL;
    }
    hms_server *server = calloc(1, sizeof *server);
    if (!server)
        abort();
    server->listen_fd = -1;
    server->wake[0] = server->wake[1] = -1;
    server->max_connections = config->max_connections ? config->max_connections : HMS_SERVER_DEFAULT_MAX_CONNECTIONS;
    pthread_mutex_init(&server->lock, NULL);
    pthread_cond_init(&server->idle, NULL);

    server->service = hms_service_open(config->data_dir, err, errlen);
    if (!server->service)
        goto fail;
    hms_service_set_call_log(server->service, config->call_log);
    server->listen_fd = server_listen(config->host, config->port, &server->port, err, errlen);
    if (server->listen_fd < 0)
        goto fail;
    if (pipe2(server->wake, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot create a pipe: %s", strerror(errno));
        goto fail;
    }
    int rc = pthread_create(&server->accept_thread, NULL, server_accept_main, server);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the accept thread: %s", strerror(rc));
        goto fail;
    }
    return server;

fail:
    if (server->listen_fd >= 0)
        close(server->listen_fd);
    if (server->wake[0] >= 0) {
        close(server->wake[0]);
        close(server->wake[1]);
    }
    hms_service_close(server->service);
    pthread_mutex_destroy(&server->lock);
    pthread_cond_destroy(&server->idle);
    free(server);
    return NULL;
}

unsigned hms_server_port(const hms_server *server)
{
    return server->port;
}

void hms_server_stop(hms_server *server)
{
    char byte = 1;
    ssize_t written = write(server->wake[1], &byte, 1);
    (void)written;
    pthread_join(server->accept_thread, NULL);
    close(server->listen_fd);

    /* Shutting down the read side ends each connection after its current call. */
    pthread_mutex_lock(&server->lock);
    server->stopping = true;
    for (connection *c = server->connections; c; c = c->next)
        shutdown(c->fd, SHUT_RD);
    while (server->active > 0)
        pthread_cond_wait(&server->idle, &server->lock);
    pthread_mutex_unlock(&server->lock);

    close(server->wake[0]);
    close(server->wake[1]);
    hms_service_close(server->service);
    pthread_mutex_destroy(&server->lock);
    pthread_cond_destroy(&server->idle);
    free(server);
}
