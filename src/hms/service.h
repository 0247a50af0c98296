/*
 * The metastore service behind owlery-metastore: reads Thrift calls of
 * Hive's ThriftHiveMetastore service (binary protocol) from a transport,
 * runs them against the SQLite store and writes the replies.
 *
 * Storage: DATA_DIR/state.db (src/store), module "hms". A database, table
 * or partition is kept as the binary-protocol encoding of the struct the
 * client sent, next to indexed name and partition-value columns, so every
 * field survives a round trip, including fields owlery does not know.
 * Every write commits (synchronous=FULL) before the reply is sent.
 *
 * As Hive's metastore does, owlery lowercases database and table names,
 * sets createTime of new tables and partitions to the current time, and
 * adds the transient_lastDdlTime parameter when the client did not send
 * one. Error messages follow Hive 2.3's texts (for example
 * NoSuchObjectException "default.flights table not found").
 *
 * Thread safety: one hms_service serves many threads; each call takes its
 * own SQLite connection from the store's pool.
 */
#ifndef OWL_HMS_SERVICE_H
#define OWL_HMS_SERVICE_H

#include "thrift/protocol.h"
#include "thrift/transport.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct hms_service hms_service;

/*
 * Opens (creating when missing) the store in data_dir and the "default"
 * database. Returns NULL with a message in err on failure.
 */
hms_service *hms_service_open(const char *data_dir, char *err, size_t errlen);
void hms_service_close(hms_service *service);

/* Limits applied to each request; the default is thrift_limits_default(). */
void hms_service_set_limits(hms_service *service, const thrift_limits *limits);

/* Turns the one-line-per-call log on stderr on or off (default on). */
void hms_service_set_call_log(hms_service *service, bool enabled);

/*
 * Reads one message from in, runs it, and writes and flushes the reply on
 * out (which may be in itself). peer names the client in log lines.
 * Returns false when the connection should close: end of stream, a
 * malformed message (after logging it), or a failed write. Unknown methods
 * get a TApplicationException UNKNOWN_METHOD reply and return true.
 */
bool hms_service_handle_message(hms_service *service, thrift_transport *in, thrift_transport *out,
                                const char *peer);

#endif
