/*
 * The TCP side of owlery-metastore: a listener and one thread per
 * connection, each running hms_service_handle_message until the client
 * closes the connection.
 *
 * Transport detection, per connection: a binary-protocol message starts
 * with the bytes 0x80 0x01 (strict header), a framed one with a 4-byte
 * length followed by 0x80 0x01. Anything else is read as the buffered
 * transport (old unversioned headers included).
 */
#ifndef OWL_HMS_SERVER_H
#define OWL_HMS_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#define HMS_SERVER_DEFAULT_MAX_CONNECTIONS 256

typedef struct hms_server_config {
    const char *data_dir;
    const char *host; /* numeric IPv4 or IPv6 address to listen on */
    unsigned port; /* 0 picks a free port; see hms_server_port */
    unsigned max_connections; /* 0 means HMS_SERVER_DEFAULT_MAX_CONNECTIONS */
    bool call_log; /* one log line per call */
} hms_server_config;

typedef struct hms_server hms_server;

/*
 * Opens the service on config->data_dir, listens, and starts accepting
 * connections on a background thread. Returns NULL with err filled on
 * failure (bad address, port in use, unusable data directory).
 */
hms_server *hms_server_start(const hms_server_config *config, char *err, size_t errlen);

/* Returns the port the server listens on. */
unsigned hms_server_port(const hms_server *server);

/*
 * Stops accepting, lets every connection finish the call it is running,
 * closes the connections, and frees the server. Blocks until every
 * connection thread has ended.
 */
void hms_server_stop(hms_server *server);

#endif
