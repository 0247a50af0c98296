/*
 * A custom-runtime bootstrap in C for the Lambda tests, compiled by the test
 * with cc. It speaks the Lambda Runtime API over a plain HTTP/1.1 socket:
 * GET /invocation/next, then POST the response {"c":EVENT,"request_id":ID}.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_api(const char *api)
{
    char host[64];
    const char *colon = strchr(api, ':');
    if (!colon || (size_t)(colon - api) >= sizeof host)
        return -1;
    memcpy(host, api, (size_t)(colon - api));
    host[colon - api] = '\0';
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    inet_pton(AF_INET, host, &addr.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
        return -1;
    return fd;
}

/* Sends one request and reads the whole response (Connection: close) into a new buffer. */
static char *exchange(const char *api, const char *request, size_t request_len, size_t *len)
{
    int fd = connect_api(api);
    if (fd < 0 || write(fd, request, request_len) != (ssize_t)request_len)
        exit(2);
    size_t cap = 65536, used = 0;
    char *buf = malloc(cap);
    ssize_t n;
    while ((n = read(fd, buf + used, cap - used - 1)) > 0) {
        used += (size_t)n;
        if (cap - used < 1024)
            buf = realloc(buf, cap *= 2);
    }
    close(fd);
    buf[used] = '\0';
    *len = used;
    return buf;
}

int main(void)
{
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (!api)
        return 1;
    for (;;) {
        char request[256];
        int n = snprintf(request, sizeof request,
                         "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n"
                         "Connection: close\r\n\r\n", api);
        size_t len;
        char *reply = exchange(api, request, (size_t)n, &len);
        char *body = strstr(reply, "\r\n\r\n");
        char *id_header = strcasestr(reply, "Lambda-Runtime-Aws-Request-Id:");
        if (!body || !id_header)
            return 3;
        body += 4;
        char id[64];
        if (sscanf(id_header + strlen("Lambda-Runtime-Aws-Request-Id:"), " %63[^\r\n]", id) != 1)
            return 4;

        size_t out_len = strlen(body) + strlen(id) + 32;
        char *out = malloc(out_len);
        int m = snprintf(out, out_len, "{\"c\":%s,\"request_id\":\"%s\"}", body, id);
        size_t post_len = (size_t)m + 512;
        char *post = malloc(post_len);
        int p = snprintf(post, post_len,
                         "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: %s\r\n"
                         "Content-Length: %d\r\nConnection: close\r\n\r\n%s", id, api, m, out);
        free(exchange(api, post, (size_t)p, &len));
        free(post);
        free(out);
        free(reply);
    }
}
