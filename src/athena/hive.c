/*
 * Hive metastore structs as a metastore function returns them: strings in
 * Apache Thrift's TJSONProtocol, decoded with src/thrift and read by the
 * field ids of hive_metastore.thrift (the same in Hive 2.3 and 3.1):
 *   Database          1 name, 2 description, 3 locationUri, 4 parameters
 *   Table             1 tableName, 2 dbName, 3 owner, 4 createTime,
 *                     5 lastAccessTime, 6 retention, 7 sd, 8 partitionKeys,
 *                     9 parameters, 12 tableType
 *   StorageDescriptor 1 cols, 2 location, 3 inputFormat, 4 outputFormat,
 *                     7 serdeInfo
 *   SerDeInfo         1 name, 2 serializationLib, 3 parameters
 *   FieldSchema       1 name, 2 type, 3 comment
 * and mapped to Athena's Database and TableMetadata shapes. A struct is at
 * most THRIFT_DEFAULT_MAX_MESSAGE_SIZE bytes of TJSON, so one response
 * cannot take more memory than the Thrift readers allow.
 */
#include "athena/internal.h"

#include "thrift/protocol.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum {
    DATABASE_NAME = 1,
    DATABASE_DESCRIPTION = 2,
    DATABASE_PARAMETERS = 4,
    TABLE_NAME = 1,
    TABLE_CREATE_TIME = 4,
    TABLE_LAST_ACCESS_TIME = 5,
    TABLE_SD = 7,
    TABLE_PARTITION_KEYS = 8,
    TABLE_PARAMETERS = 9,
    TABLE_TYPE = 12,
    SD_COLS = 1,
    SD_LOCATION = 2,
    SD_INPUT_FORMAT = 3,
    SD_OUTPUT_FORMAT = 4,
    SD_SERDE_INFO = 7,
    SERDE_SERIALIZATION_LIB = 2,
    SERDE_PARAMETERS = 3,
    FIELD_NAME = 1,
    FIELD_TYPE = 2,
    FIELD_COMMENT = 3,
};

static thrift_value *decode(const char *what, const char *tjson, size_t len, char *err,
                            size_t errlen)
{
    thrift_value *value = NULL;
    thrift_error error = {{0}};
    if (!thrift_decode_struct(THRIFT_PROTOCOL_JSON, tjson, len, NULL, NULL, &value, &error)) {
        snprintf(err, errlen, "the %s is not a TJSONProtocol struct: %s", what, error.message);
        return NULL;
    }
    return value;
}

/* Copies a map<string,string> into object (each key prefixed with prefix). */
static void put_string_map(json_t *object, const thrift_value *map, const char *prefix)
{
    if (!map || map->type != THRIFT_MAP)
        return;
    for (size_t i = 0; i < map->u.map.count; i++) {
        const char *key = thrift_value_get_string(map->u.map.entries[i].key, NULL);
        const char *value = thrift_value_get_string(map->u.map.entries[i].value, NULL);
        if (!key || !value)
            continue;
        char name[512];
        snprintf(name, sizeof name, "%s%s", prefix, key);
        json_object_set_new(object, name, json_string(value));
    }
}

/* Sets object[key] to the string field id of s when present and non-empty. */
static void put_string_field(json_t *object, const char *key, const thrift_value *s, int16_t id)
{
    const char *value = thrift_struct_get_string(s, id, NULL);
    if (value && *value)
        json_object_set_new(object, key, json_string(value));
}

json_t *athena_hive_database(const char *tjson, size_t len, char *err, size_t errlen)
{
    thrift_value *database = decode("database", tjson, len, err, errlen);
    if (!database)
        return NULL;
    const char *name = thrift_struct_get_string(database, DATABASE_NAME, NULL);
    if (!name || !*name) {
        snprintf(err, errlen, "the database has no name (field 1)");
        thrift_value_free(database);
        return NULL;
    }
    json_t *out = json_pack("{s:s}", "Name", name);
    put_string_field(out, "Description", database, DATABASE_DESCRIPTION);
    json_t *parameters = json_object();
    put_string_map(parameters, thrift_struct_get(database, DATABASE_PARAMETERS), "");
    json_object_set_new(out, "Parameters", parameters);
    thrift_value_free(database);
    return out;
}

/* Maps a list<FieldSchema> to Athena's [{Name, Type, Comment}]. */
static json_t *columns_json(const thrift_value *list)
{
    json_t *columns = json_array();
    if (!list || (list->type != THRIFT_LIST && list->type != THRIFT_SET))
        return columns;
    for (size_t i = 0; i < list->u.list.count; i++) {
        const thrift_value *field = list->u.list.items[i];
        const char *name = thrift_struct_get_string(field, FIELD_NAME, NULL);
        if (!name)
            continue;
        json_t *column = json_pack("{s:s}", "Name", name);
        put_string_field(column, "Type", field, FIELD_TYPE);
        put_string_field(column, "Comment", field, FIELD_COMMENT);
        json_array_append_new(columns, column);
    }
    return columns;
}

json_t *athena_hive_table(const char *tjson, size_t len, char *err, size_t errlen)
{
    thrift_value *table = decode("table", tjson, len, err, errlen);
    if (!table)
        return NULL;
    const char *name = thrift_struct_get_string(table, TABLE_NAME, NULL);
    if (!name || !*name) {
        snprintf(err, errlen, "the table has no name (field 1)");
        thrift_value_free(table);
        return NULL;
    }

    json_t *out = json_pack("{s:s}", "Name", name);
    int32_t seconds;
    if (thrift_struct_get_i32(table, TABLE_CREATE_TIME, &seconds) && seconds > 0)
        json_object_set_new(out, "CreateTime", json_integer(seconds));
    if (thrift_struct_get_i32(table, TABLE_LAST_ACCESS_TIME, &seconds) && seconds > 0)
        json_object_set_new(out, "LastAccessTime", json_integer(seconds));
    put_string_field(out, "TableType", table, TABLE_TYPE);

    const thrift_value *sd = thrift_struct_get(table, TABLE_SD);
    json_object_set_new(out, "Columns", columns_json(thrift_struct_get(sd, SD_COLS)));
    json_object_set_new(out, "PartitionKeys",
                        columns_json(thrift_struct_get(table, TABLE_PARTITION_KEYS)));

    /* Athena shows the storage descriptor among the table parameters. */
    json_t *parameters = json_object();
    put_string_map(parameters, thrift_struct_get(table, TABLE_PARAMETERS), "");
    put_string_field(parameters, "location", sd, SD_LOCATION);
    put_string_field(parameters, "inputformat", sd, SD_INPUT_FORMAT);
    put_string_field(parameters, "outputformat", sd, SD_OUTPUT_FORMAT);
    const thrift_value *serde = thrift_struct_get(sd, SD_SERDE_INFO);
    put_string_field(parameters, "serde.serialization.lib", serde, SERDE_SERIALIZATION_LIB);
    put_string_map(parameters, thrift_struct_get(serde, SERDE_PARAMETERS), "serde.param.");
    json_object_set_new(out, "Parameters", parameters);

    thrift_value_free(table);
    return out;
}

/* Matches name[0..] against one alternative pattern[0..len) with '*' wildcards. */
static bool wildcard_match(const char *pattern, size_t len, const char *name)
{
    size_t p = 0, star = (size_t)-1;
    const char *n = name, *retry = NULL;
    while (*n) {
        if (p < len && pattern[p] == '*') {
            star = ++p;
            retry = n;
        } else if (p < len && tolower((unsigned char)pattern[p]) == tolower((unsigned char)*n)) {
            p++;
            n++;
        } else if (star != (size_t)-1) {
            p = star;
            n = ++retry;
        } else {
            return false;
        }
    }
    while (p < len && pattern[p] == '*')
        p++;
    return p == len;
}

bool athena_expression_match(const char *expression, const char *name)
{
    if (!expression || !*expression)
        return true;
    const char *start = expression;
    for (;;) {
        const char *bar = strchr(start, '|');
        size_t len = bar ? (size_t)(bar - start) : strlen(start);
        if (wildcard_match(start, len, name))
            return true;
        if (!bar)
            return false;
        start = bar + 1;
    }
}
