/*
 * Shared by the metastore service's files (service.c, catalog.c,
 * partitions.c): the per-call context, the reply writer and the storage
 * helpers. Not a public header.
 *
 * Replies are written straight into the binary protocol: a result struct
 * is a list of fields (type byte, big-endian i16 id, value) and a stop
 * byte. Stored objects are binary-protocol structs already, so a reply
 * copies their bytes without decoding them.
 */
#ifndef OWL_HMS_SERVICE_INTERNAL_H
#define OWL_HMS_SERVICE_INTERNAL_H

#include "common/buf.h"
#include "hms/filter.h"
#include "hms/hms.h"
#include "hms/service.h"
#include "store/store.h"

#include <sqlite3.h>
#include <stdint.h>

struct hms_service {
    owl_store *store;
    thrift_limits limits;
    bool call_log;
};

typedef struct hms_call hms_call;
typedef void (*hms_handler)(hms_call *call);

/* One method: its name, handler and the exception kind behind each result field id 1 to 4. */
typedef struct hms_method {
    const char *name;
    hms_handler handler;
    hms_exception_kind throws[4];
} hms_method;

struct hms_call {
    hms_service *service;
    const hms_method *method;
    const thrift_value *args;
    sqlite3 *db;
    owl_buf result; /* fields of the result struct, binary protocol, without the stop byte */
    bool replied;
    /* An error the method cannot declare: sent as TApplicationException INTERNAL_ERROR. */
    bool internal_error;
    /* For the log line: "ok" or the exception name, and its message. */
    const char *outcome;
    char message[512];
};

/* ---- Reply writer ---- */

void hms_reply_field_header(owl_buf *b, thrift_type type, int16_t id);
void hms_reply_i32(owl_buf *b, int32_t v);
void hms_reply_string(owl_buf *b, const char *s, size_t len);
void hms_reply_list_header(owl_buf *b, thrift_type elem_type, size_t count);

/* Success with no return value (void methods). */
void hms_reply_void(hms_call *call);
/* Success returning value (any type), encoded with the codec. */
void hms_reply_value(hms_call *call, const thrift_value *value);
/* Success returning a stored struct given as its binary encoding. */
void hms_reply_struct_blob(hms_call *call, const void *blob, size_t len);
/*
 * Success whose return value the caller has written into call->result,
 * starting with hms_reply_field_header(&call->result, type, 0).
 */
void hms_reply_written(hms_call *call);

/*
 * Raises the exception kind with a printf-style message, in the result
 * field the method declares for it. A kind the method does not declare
 * becomes its MetaException, or TApplicationException INTERNAL_ERROR when
 * it declares none.
 */
void hms_reply_exception(hms_call *call, hms_exception_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Raises MetaException for a failed SQLite call, naming the step and SQLite's message. */
void hms_reply_storage_error(hms_call *call, const char *step);

/* ---- Arguments ---- */

/* Returns a string argument (NULL when absent or not a string). */
const char *hms_arg_string(const hms_call *call, int16_t id);
const thrift_value *hms_arg(const hms_call *call, int16_t id);
/* Returns an i16 argument, or fallback when absent. */
int hms_arg_i16(const hms_call *call, int16_t id, int fallback);

/* Copies name into out (size outlen) in lowercase; false when it does not fit or is NULL. */
bool hms_name_copy(char *out, size_t outlen, const char *name);
/* Hive's MetaStoreUtils.validateName: one or more ASCII letters, digits or '_'. */
bool hms_name_valid(const char *name);

#define HMS_NAME_MAX 256

/* ---- Storage ---- */

/* Binary-protocol encoding of struct v into out (reset first). */
bool hms_encode(const thrift_value *v, owl_buf *out);
/* Decodes a stored blob; NULL on corruption. */
thrift_value *hms_decode(const void *blob, size_t len);

/*
 * Returns the statement for sql (a string constant) from call->db's
 * statement cache; NULL after replying with a storage error. Give it back
 * with owl_store_finish().
 */
sqlite3_stmt *hms_prepare(hms_call *call, const char *sql);

/* Bumps the notification event id inside the caller's transaction. */
bool hms_event_bump(sqlite3 *db);

/* A table row: id, decoded Table, and its partition keys. */
typedef struct hms_table_row {
    int64_t id;
    thrift_value *table;
    hms_partition_key *keys; /* borrowed from table */
    size_t key_count;
} hms_table_row;

/*
 * Loads db.name (lowercase). Returns 1 when found, 0 when absent, -1 after
 * replying with a storage error. Free with hms_table_row_clear.
 */
int hms_table_load(hms_call *call, const char *db_name, const char *table_name, hms_table_row *row);
void hms_table_row_clear(hms_table_row *row);

/* Returns 1 when database name exists, 0 when not, -1 after a storage error reply. */
int hms_database_exists(hms_call *call, const char *name);

/*
 * Computes the partition name of values against the table's keys into out.
 * Returns false when the counts differ, after raising Hive's MetaException
 * "Invalid partition key & values; keys [...], values [...]".
 */
bool hms_partition_name_for(hms_call *call, const hms_table_row *row, const char *const *values, size_t count,
                            owl_buf *out);

/* Appends a Java-style list rendering "[a, b]" of values, as Hive's messages print them. */
void hms_format_values(owl_buf *out, const char *const *values, size_t count);

/* Seconds since the epoch, as Hive's i32 createTime. */
int32_t hms_now_seconds(void);
/* Sets createTime and, when missing, parameters["transient_lastDdlTime"] on a Table or Partition. */
void hms_stamp_ddl_time(thrift_value *object, int16_t create_time_id, int16_t parameters_id);

/* ---- Handlers ---- */

void hms_handle_get_all_databases(hms_call *call);
void hms_handle_get_databases(hms_call *call);
void hms_handle_get_database(hms_call *call);
void hms_handle_create_database(hms_call *call);
void hms_handle_drop_database(hms_call *call);
void hms_handle_alter_database(hms_call *call);
void hms_handle_get_all_tables(hms_call *call);
void hms_handle_get_tables(hms_call *call);
void hms_handle_get_table(hms_call *call);
void hms_handle_get_table_req(hms_call *call);
void hms_handle_get_table_objects_by_name(hms_call *call);
void hms_handle_get_table_objects_by_name_req(hms_call *call);
void hms_handle_create_table(hms_call *call);
void hms_handle_drop_table(hms_call *call);
void hms_handle_alter_table(hms_call *call);

void hms_handle_add_partition(hms_call *call);
void hms_handle_add_partitions(hms_call *call);
void hms_handle_add_partitions_req(hms_call *call);
void hms_handle_append_partition(hms_call *call);
void hms_handle_get_partition(hms_call *call);
void hms_handle_get_partitions(hms_call *call);
void hms_handle_get_partition_names(hms_call *call);
void hms_handle_get_partitions_by_names(hms_call *call);
void hms_handle_get_partitions_by_names_req(hms_call *call);
void hms_handle_get_partitions_by_filter(hms_call *call);
void hms_handle_get_partitions_by_expr(hms_call *call);
void hms_handle_drop_partition(hms_call *call);
void hms_handle_drop_partitions_req(hms_call *call);
void hms_handle_alter_partition(hms_call *call);
void hms_handle_alter_partitions(hms_call *call);
void hms_handle_rename_partition(hms_call *call);

#endif
