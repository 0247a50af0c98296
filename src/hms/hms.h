/*
 * Hive metastore structs as field ids, and helpers shared by the client,
 * the server and the connector.
 *
 * Field ids are those of Apache Hive's hive_metastore.thrift in Hive 2.3
 * and 3.1; the 3.1 additions (catalog names, write ids) are optional
 * fields that 2.3 peers skip. owlery handles metastore objects as generic
 * thrift_value trees (src/thrift/value.h), so only the fields that code
 * reads or sets are listed here. Every other field a client sends is kept
 * as it arrived.
 */
#ifndef OWL_HMS_HMS_H
#define OWL_HMS_HMS_H

#include "common/buf.h"
#include "thrift/value.h"

#include <stdbool.h>
#include <stddef.h>

/* ---- Structs ---- */

enum hms_field_schema_field {
    HMS_FIELD_SCHEMA_NAME = 1,
    HMS_FIELD_SCHEMA_TYPE = 2,
    HMS_FIELD_SCHEMA_COMMENT = 3,
};

enum hms_database_field {
    HMS_DATABASE_NAME = 1,
    HMS_DATABASE_DESCRIPTION = 2,
    HMS_DATABASE_LOCATION_URI = 3,
    HMS_DATABASE_PARAMETERS = 4,
    HMS_DATABASE_PRIVILEGES = 5, /* PrincipalPrivilegeSet */
    HMS_DATABASE_OWNER_NAME = 6,
    HMS_DATABASE_OWNER_TYPE = 7, /* PrincipalType: USER 1, ROLE 2, GROUP 3 */
    HMS_DATABASE_CATALOG_NAME = 8, /* 3.1 */
};

enum hms_serde_info_field {
    HMS_SERDE_INFO_NAME = 1,
    HMS_SERDE_INFO_SERIALIZATION_LIB = 2,
    HMS_SERDE_INFO_PARAMETERS = 3,
    HMS_SERDE_INFO_DESCRIPTION = 4, /* 3.1 */
    HMS_SERDE_INFO_SERIALIZER_CLASS = 5, /* 3.1 */
    HMS_SERDE_INFO_DESERIALIZER_CLASS = 6, /* 3.1 */
    HMS_SERDE_INFO_SERDE_TYPE = 7, /* 3.1 */
};

enum hms_order_field {
    HMS_ORDER_COL = 1,
    HMS_ORDER_ORDER = 2, /* 1 ascending, 0 descending */
};

enum hms_skewed_info_field {
    HMS_SKEWED_INFO_COL_NAMES = 1,
    HMS_SKEWED_INFO_COL_VALUES = 2,
    HMS_SKEWED_INFO_VALUE_LOCATION_MAPS = 3,
};

enum hms_storage_descriptor_field {
    HMS_SD_COLS = 1,
    HMS_SD_LOCATION = 2,
    HMS_SD_INPUT_FORMAT = 3,
    HMS_SD_OUTPUT_FORMAT = 4,
    HMS_SD_COMPRESSED = 5,
    HMS_SD_NUM_BUCKETS = 6,
    HMS_SD_SERDE_INFO = 7,
    HMS_SD_BUCKET_COLS = 8,
    HMS_SD_SORT_COLS = 9,
    HMS_SD_PARAMETERS = 10,
    HMS_SD_SKEWED_INFO = 11,
    HMS_SD_STORED_AS_SUB_DIRECTORIES = 12,
};

enum hms_table_field {
    HMS_TABLE_TABLE_NAME = 1,
    HMS_TABLE_DB_NAME = 2,
    HMS_TABLE_OWNER = 3,
    HMS_TABLE_CREATE_TIME = 4,
    HMS_TABLE_LAST_ACCESS_TIME = 5,
    HMS_TABLE_RETENTION = 6,
    HMS_TABLE_SD = 7,
    HMS_TABLE_PARTITION_KEYS = 8,
    HMS_TABLE_PARAMETERS = 9,
    HMS_TABLE_VIEW_ORIGINAL_TEXT = 10,
    HMS_TABLE_VIEW_EXPANDED_TEXT = 11,
    HMS_TABLE_TABLE_TYPE = 12,
    HMS_TABLE_PRIVILEGES = 13,
    HMS_TABLE_TEMPORARY = 14,
    HMS_TABLE_REWRITE_ENABLED = 15,
    HMS_TABLE_CREATION_METADATA = 16, /* 3.1 */
    HMS_TABLE_CAT_NAME = 17, /* 3.1 */
    HMS_TABLE_OWNER_TYPE = 18, /* 3.1 */
    HMS_TABLE_WRITE_ID = 19, /* 3.1 */
    HMS_TABLE_IS_STATS_COMPLIANT = 20, /* 3.1 */
};

enum hms_partition_field {
    HMS_PARTITION_VALUES = 1,
    HMS_PARTITION_DB_NAME = 2,
    HMS_PARTITION_TABLE_NAME = 3,
    HMS_PARTITION_CREATE_TIME = 4,
    HMS_PARTITION_LAST_ACCESS_TIME = 5,
    HMS_PARTITION_SD = 6,
    HMS_PARTITION_PARAMETERS = 7,
    HMS_PARTITION_PRIVILEGES = 8,
    HMS_PARTITION_CAT_NAME = 9, /* 3.1 */
    HMS_PARTITION_WRITE_ID = 10, /* 3.1 */
    HMS_PARTITION_IS_STATS_COMPLIANT = 11, /* 3.1 */
};

/* Each field is map<string, list<PrivilegeGrantInfo>>. */
enum hms_principal_privilege_set_field {
    HMS_PRIVILEGE_SET_USER = 1,
    HMS_PRIVILEGE_SET_GROUP = 2,
    HMS_PRIVILEGE_SET_ROLE = 3,
};

enum hms_privilege_grant_info_field {
    HMS_GRANT_INFO_PRIVILEGE = 1,
    HMS_GRANT_INFO_CREATE_TIME = 2,
    HMS_GRANT_INFO_GRANTOR = 3,
    HMS_GRANT_INFO_GRANTOR_TYPE = 4,
    HMS_GRANT_INFO_GRANT_OPTION = 5,
};

enum hms_environment_context_field {
    HMS_ENVIRONMENT_CONTEXT_PROPERTIES = 1,
};

/* ---- Request and result structs of the *_req methods ---- */

enum hms_get_table_request_field {
    HMS_GET_TABLE_REQUEST_DB_NAME = 1,
    HMS_GET_TABLE_REQUEST_TBL_NAME = 2,
    HMS_GET_TABLE_REQUEST_CAPABILITIES = 3,
    HMS_GET_TABLE_REQUEST_CAT_NAME = 4,
};

enum hms_get_table_result_field {
    HMS_GET_TABLE_RESULT_TABLE = 1,
};

enum hms_get_tables_request_field {
    HMS_GET_TABLES_REQUEST_DB_NAME = 1,
    HMS_GET_TABLES_REQUEST_TBL_NAMES = 2,
    HMS_GET_TABLES_REQUEST_CAPABILITIES = 3,
    HMS_GET_TABLES_REQUEST_CAT_NAME = 4,
};

enum hms_get_tables_result_field {
    HMS_GET_TABLES_RESULT_TABLES = 1,
};

enum hms_add_partitions_request_field {
    HMS_ADD_PARTITIONS_REQUEST_DB_NAME = 1,
    HMS_ADD_PARTITIONS_REQUEST_TBL_NAME = 2,
    HMS_ADD_PARTITIONS_REQUEST_PARTS = 3,
    HMS_ADD_PARTITIONS_REQUEST_IF_NOT_EXISTS = 4,
    HMS_ADD_PARTITIONS_REQUEST_NEED_RESULT = 5, /* default true */
    HMS_ADD_PARTITIONS_REQUEST_CAT_NAME = 6,
};

enum hms_add_partitions_result_field {
    HMS_ADD_PARTITIONS_RESULT_PARTITIONS = 1,
};

enum hms_drop_partitions_request_field {
    HMS_DROP_PARTITIONS_REQUEST_DB_NAME = 1,
    HMS_DROP_PARTITIONS_REQUEST_TBL_NAME = 2,
    HMS_DROP_PARTITIONS_REQUEST_PARTS = 3, /* RequestPartsSpec union */
    HMS_DROP_PARTITIONS_REQUEST_DELETE_DATA = 4,
    HMS_DROP_PARTITIONS_REQUEST_IF_EXISTS = 5, /* default true */
    HMS_DROP_PARTITIONS_REQUEST_IGNORE_PROTECTION = 6,
    HMS_DROP_PARTITIONS_REQUEST_ENVIRONMENT_CONTEXT = 7,
    HMS_DROP_PARTITIONS_REQUEST_NEED_RESULT = 8, /* default true */
    HMS_DROP_PARTITIONS_REQUEST_CAT_NAME = 9,
};

enum hms_request_parts_spec_field {
    HMS_REQUEST_PARTS_SPEC_NAMES = 1, /* list<string> of partition names */
    HMS_REQUEST_PARTS_SPEC_EXPRS = 2, /* list<DropPartitionsExpr>, serialized Hive expressions */
};

enum hms_drop_partitions_result_field {
    HMS_DROP_PARTITIONS_RESULT_PARTITIONS = 1,
};

enum hms_get_partitions_by_names_request_field {
    HMS_GET_PARTITIONS_BY_NAMES_REQUEST_DB_NAME = 1,
    HMS_GET_PARTITIONS_BY_NAMES_REQUEST_TBL_NAME = 2,
    HMS_GET_PARTITIONS_BY_NAMES_REQUEST_NAMES = 3,
};

enum hms_get_partitions_by_names_result_field {
    HMS_GET_PARTITIONS_BY_NAMES_RESULT_PARTITIONS = 1,
};

enum hms_partitions_by_expr_request_field {
    HMS_PARTITIONS_BY_EXPR_REQUEST_DB_NAME = 1,
    HMS_PARTITIONS_BY_EXPR_REQUEST_TBL_NAME = 2,
    HMS_PARTITIONS_BY_EXPR_REQUEST_EXPR = 3,
    HMS_PARTITIONS_BY_EXPR_REQUEST_DEFAULT_PARTITION_NAME = 4,
    HMS_PARTITIONS_BY_EXPR_REQUEST_MAX_PARTS = 5,
    HMS_PARTITIONS_BY_EXPR_REQUEST_CAT_NAME = 6,
};

enum hms_current_notification_event_id_field {
    HMS_CURRENT_NOTIFICATION_EVENT_ID_EVENT_ID = 1,
};

/* ---- Exceptions ---- */

/*
 * The metastore's exceptions. Each is a struct with one field, 1: string
 * message. Which result-struct field id carries which exception differs
 * per method (see hive_metastore.thrift's throws clauses).
 */
typedef enum hms_exception_kind {
    HMS_EXCEPTION_NONE,
    HMS_EXCEPTION_META,              /* MetaException */
    HMS_EXCEPTION_NO_SUCH_OBJECT,    /* NoSuchObjectException */
    HMS_EXCEPTION_ALREADY_EXISTS,    /* AlreadyExistsException */
    HMS_EXCEPTION_INVALID_OBJECT,    /* InvalidObjectException */
    HMS_EXCEPTION_INVALID_OPERATION, /* InvalidOperationException */
    HMS_EXCEPTION_UNKNOWN_DB,        /* UnknownDBException */
    HMS_EXCEPTION_CONFIG_VAL_SECURITY, /* ConfigValSecurityException */
} hms_exception_kind;

#define HMS_EXCEPTION_MESSAGE 1

/* Returns the Java class name of kind, e.g. "NoSuchObjectException". */
const char *hms_exception_name(hms_exception_kind kind);

/* Returns a new exception struct {1: message}. */
thrift_value *hms_exception_new(const char *message);

/* ---- TApplicationException ---- */

enum hms_application_exception_field {
    HMS_APPLICATION_EXCEPTION_MESSAGE = 1,
    HMS_APPLICATION_EXCEPTION_TYPE = 2,
};

/* TApplicationException type codes, as in every Apache Thrift library. */
typedef enum hms_application_exception_type {
    HMS_APP_UNKNOWN = 0,
    HMS_APP_UNKNOWN_METHOD = 1,
    HMS_APP_INVALID_MESSAGE_TYPE = 2,
    HMS_APP_WRONG_METHOD_NAME = 3,
    HMS_APP_BAD_SEQUENCE_ID = 4,
    HMS_APP_MISSING_RESULT = 5,
    HMS_APP_INTERNAL_ERROR = 6,
    HMS_APP_PROTOCOL_ERROR = 7,
} hms_application_exception_type;

/* Returns "UNKNOWN_METHOD" etc., or "UNKNOWN" for codes outside the table. */
const char *hms_application_exception_type_name(int type);

/* ---- Names and patterns ---- */

/*
 * Matches name against a Hive object pattern, as get_databases and
 * get_tables do: '*' matches any run of characters, '|' separates
 * alternatives, and matching ignores ASCII case. Hive 2.3 and 3.1 turn
 * each alternative into a Java regex with '*' replaced by ".*", so '.' and
 * other regex syntax also work there; owlery treats every other character
 * literally.
 */
bool hms_pattern_match(const char *pattern, const char *name);

/*
 * Appends the Hive partition name of keys and values to out, e.g.
 * "dt=2024-01-01/hr=05". Characters that Hive escapes in path names
 * (control characters, '"', '#', '%', '\'', '*', '/', ':', '=', '?', '\\',
 * 0x7f, '{', '[', ']', '^') become %XX with uppercase hex digits, as in
 * Hive's FileUtils.escapePathName. An empty value is written as
 * __HIVE_DEFAULT_PARTITION__.
 */
void hms_partition_name(owl_buf *out, const char *const *keys, const char *const *values, size_t count);

/*
 * Splits a partition name into its values, undoing the escaping. Returns
 * the number of key=value parts (at most max_values) with each value a new
 * malloc'ed string in values[i], or -1 on a malformed name (a part without
 * '=', a bad escape, more than max_values parts). The caller frees the values.
 */
int hms_partition_name_parse(const char *name, char **keys, char **values, size_t max_values);

/* Lowercases ASCII letters of s in place; returns s. Hive stores names in lowercase. */
char *hms_lowercase(char *s);

/* Returns a list<string> of the given strings. */
thrift_value *hms_string_list(const char *const *items, size_t count);

/*
 * Returns the strings of list (a list<string>) as a new array of pointers
 * into list, and sets *count. Returns NULL with *count 0 when list is NULL,
 * empty or not a list of strings. The caller frees the array, not the
 * strings.
 */
const char **hms_string_list_items(const thrift_value *list, size_t *count);

#endif
