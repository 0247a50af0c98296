/*
 * Hive metastore client: Thrift RPC to a metastore at thrift://host:port,
 * over the generic values of src/thrift, so a caller passes the argument
 * struct of a method and gets its result struct back without per-method
 * code.
 *
 * Several URIs are tried in order; a broken connection is dropped and the
 * next call reconnects, so a metastore restart between two calls is
 * invisible to the caller. Every socket operation honours the configured
 * timeouts.
 */
#ifndef OWL_HMS_CLIENT_H
#define OWL_HMS_CLIENT_H

#include "thrift/protocol.h"
#include "thrift/value.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct hms_client_config {
    /* Comma-separated thrift://host:port URIs, tried in order. */
    const char *uris;
    int connect_timeout_ms;
    int socket_timeout_ms;
    bool framed;                  /* TFramedTransport instead of buffered */
    thrift_protocol_id protocol;  /* THRIFT_PROTOCOL_BINARY or THRIFT_PROTOCOL_COMPACT */
    thrift_limits limits;         /* caps on what a reply may contain */
} hms_client_config;

typedef enum hms_error_kind {
    HMS_ERROR_NONE,
    HMS_ERROR_CONFIG,      /* malformed URI list */
    HMS_ERROR_CONNECT,     /* no URI accepted a connection */
    HMS_ERROR_TIMEOUT,     /* connect or socket timeout */
    HMS_ERROR_TRANSPORT,   /* connection broken mid-call, or a malformed reply */
    HMS_ERROR_APPLICATION, /* TApplicationException, e.g. unknown method */
} hms_error_kind;

typedef struct hms_error {
    hms_error_kind kind;
    char message[512];
} hms_error;

/* Fills err (when not NULL) with kind and a formatted message; returns false for tail calls. */
bool hms_error_set(hms_error *err, hms_error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef struct hms_client hms_client;

/* Parses the configuration (not connecting yet); NULL with err filled on a bad URI list. */
hms_client *hms_client_new(const hms_client_config *config, hms_error *err);
void hms_client_free(hms_client *client);

/*
 * Calls method with args (a struct whose field ids are the method's
 * parameter ids in hive_metastore.thrift) and fills *result with the reply's
 * result struct: field 0 holds the return value, other ids the declared
 * exceptions the metastore raised (a NoSuchObjectException is a normal
 * reply, not an error here). The caller frees *result.
 *
 * Returns false with err filled on connect, timeout, transport or
 * application errors; the connection is then closed and the next call
 * reconnects.
 */
bool hms_client_call(hms_client *client, const char *method, const thrift_value *args,
                     thrift_value **result, hms_error *err);

#endif
