/*
 * AwsDataCatalog: the Glue Data Catalog of an account and region, kept by
 * owlery itself. Each (account, region) has its own metastore store,
 * DATA_DIR/glue/ACCOUNT/REGION/state.db, with the schema and storage code
 * of owlery-metastore (src/hms), so accounts and regions never share rows.
 * `owlery-metastore --data-dir DATA_DIR/glue/ACCOUNT/REGION` serves the same
 * catalog over Thrift while owlery serve runs, because both open the SQLite
 * database in WAL mode and neither locks it exclusively.
 *
 * A call runs the connector's apiName handlers (src/connector) in process,
 * against the store through hms_local_call(): no function is invoked and
 * nothing spills. Before it runs, the caller needs the Glue action of the
 * apiName on the Glue resources it touches, as AWS requires for Athena over
 * the Glue Data Catalog:
 *   arn:aws:glue:REGION:ACCOUNT:catalog
 *   arn:aws:glue:REGION:ACCOUNT:database/DB
 *   arn:aws:glue:REGION:ACCOUNT:table/DB/TABLE
 * Database and table names in these ARNs are lowercased, as the metastore
 * stores them; a name the request does not carry is "*".
 *
 * Stores open on first use and stay open until the process ends.
 */
#include "athena/internal.h"

#include "connector/connector.h"
#include "hms/local.h"
#include "iam/authorize.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------------
 * Stores
 * ---------------------------------------------------------------------- */

typedef struct glue_store {
    char *path; /* DATA_DIR/glue/ACCOUNT/REGION */
    hms_service *service;
    struct glue_store *next;
} glue_store;

static pthread_mutex_t glue_stores_lock = PTHREAD_MUTEX_INITIALIZER;
static glue_store *glue_stores;

static bool glue_mkdir(const char *path, char *err, size_t errlen)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return true;
    snprintf(err, errlen, "cannot create directory %s: %s", path, strerror(errno));
    return false;
}

/* Returns true for a 12-digit account ID. */
static bool glue_account_valid(const char *account_id)
{
    size_t n = strlen(account_id);
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)account_id[i]))
            return false;
    return n == 12;
}

/* Returns true for 1-63 characters of [a-z0-9-], so the region is one path component. */
static bool glue_region_valid(const char *region)
{
    size_t n = strlen(region);
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)region[i]) && !isdigit((unsigned char)region[i]) &&
            region[i] != '-')
            return false;
    return n >= 1 && n <= 63;
}

hms_service *athena_glue_service(const char *data_dir, const char *account_id, const char *region,
                                 char *err, size_t errlen)
{
    if (!glue_account_valid(account_id) || !glue_region_valid(region)) {
        snprintf(err, errlen, "invalid account ID \"%.32s\" or region \"%.64s\" for a Glue store",
                 account_id, region);
        return NULL;
    }
    owl_buf path = OWL_BUF_INIT;
    owl_buf_printf(&path, "%s/glue/%s/%s", data_dir, account_id, region);

    pthread_mutex_lock(&glue_stores_lock);
    hms_service *service = NULL;
    for (glue_store *s = glue_stores; s; s = s->next)
        if (strcmp(s->path, path.data) == 0)
            service = s->service;
    if (service)
        goto out;

    /* Create DATA_DIR/glue and DATA_DIR/glue/ACCOUNT; hms_service_open creates REGION. */
    owl_buf parent = OWL_BUF_INIT;
    owl_buf_printf(&parent, "%s/glue", data_dir);
    bool ok = glue_mkdir(parent.data, err, errlen);
    owl_buf_printf(&parent, "/%s", account_id);
    ok = ok && glue_mkdir(parent.data, err, errlen);
    owl_buf_free(&parent);
    if (ok)
        service = hms_service_open(path.data, err, errlen);
    if (service) {
        hms_service_set_call_log(service, false);
        glue_store *s = calloc(1, sizeof *s);
        if (!s)
            abort();
        s->path = owl_buf_detach(&path, NULL);
        s->service = service;
        s->next = glue_stores;
        glue_stores = s;
    }
out:
    pthread_mutex_unlock(&glue_stores_lock);
    owl_buf_free(&path);
    return service;
}

/* ------------------------------------------------------------------------
 * Authorization
 * ---------------------------------------------------------------------- */

/* The Glue resources an action is checked on, each including the ones before it. */
typedef enum glue_scope {
    GLUE_SCOPE_CATALOG,
    GLUE_SCOPE_ALL_DATABASES, /* catalog and the database ARN with the name "*" */
    GLUE_SCOPE_DATABASE,
    GLUE_SCOPE_ALL_TABLES,    /* catalog, database/DB and the table ARN with the name "*" */
    GLUE_SCOPE_TABLE,
} glue_scope;

typedef struct glue_permission {
    const char *api_name;
    const char *action;
    glue_scope scope;
} glue_permission;

static const glue_permission glue_permissions[] = {
    {"getDatabase", "glue:GetDatabase", GLUE_SCOPE_DATABASE},
    {"dbExists", "glue:GetDatabase", GLUE_SCOPE_DATABASE},
    {"getDatabaseNames", "glue:GetDatabases", GLUE_SCOPE_ALL_DATABASES},
    {"getDatabases", "glue:GetDatabases", GLUE_SCOPE_ALL_DATABASES},
    {"listDatabases", "glue:GetDatabases", GLUE_SCOPE_ALL_DATABASES},
    {"createDatabase", "glue:CreateDatabase", GLUE_SCOPE_DATABASE},
    {"createDatabaseFromDB", "glue:CreateDatabase", GLUE_SCOPE_DATABASE},
    {"alterDatabase", "glue:UpdateDatabase", GLUE_SCOPE_DATABASE},
    {"dropDatabase", "glue:DeleteDatabase", GLUE_SCOPE_DATABASE},
    {"getTable", "glue:GetTable", GLUE_SCOPE_TABLE},
    {"tableExists", "glue:GetTable", GLUE_SCOPE_TABLE},
    {"getTables", "glue:GetTables", GLUE_SCOPE_ALL_TABLES},
    {"getTableNames", "glue:GetTables", GLUE_SCOPE_ALL_TABLES},
    {"listTables", "glue:GetTables", GLUE_SCOPE_ALL_TABLES},
    {"createTable", "glue:CreateTable", GLUE_SCOPE_TABLE},
    {"alterTable", "glue:UpdateTable", GLUE_SCOPE_TABLE},
    {"dropTable", "glue:DeleteTable", GLUE_SCOPE_TABLE},
    {"getPartitions", "glue:GetPartitions", GLUE_SCOPE_TABLE},
    {"getPartitionNames", "glue:GetPartitions", GLUE_SCOPE_TABLE},
    {"listPartitions", "glue:GetPartitions", GLUE_SCOPE_TABLE},
    {"listPartitionsByExpr", "glue:GetPartitions", GLUE_SCOPE_TABLE},
    {"getPartitionsByNames", "glue:BatchGetPartition", GLUE_SCOPE_TABLE},
    {"addPartition", "glue:CreatePartition", GLUE_SCOPE_TABLE},
    {"createPartition", "glue:CreatePartition", GLUE_SCOPE_TABLE},
    {"appendPartition", "glue:CreatePartition", GLUE_SCOPE_TABLE},
    {"addPartitions", "glue:BatchCreatePartition", GLUE_SCOPE_TABLE},
    {"alterPartition", "glue:UpdatePartition", GLUE_SCOPE_TABLE},
    {"alterPartitions", "glue:UpdatePartition", GLUE_SCOPE_TABLE},
    {"renamePartition", "glue:UpdatePartition", GLUE_SCOPE_TABLE},
    {"dropPartition", "glue:DeletePartition", GLUE_SCOPE_TABLE},
    {"dropPartitions", "glue:BatchDeletePartition", GLUE_SCOPE_TABLE},
};

const char *athena_glue_action(const char *api_name)
{
    for (size_t i = 0; i < sizeof glue_permissions / sizeof glue_permissions[0]; i++)
        if (strcmp(glue_permissions[i].api_name, api_name) == 0)
            return glue_permissions[i].action;
    return NULL;
}

static const glue_permission *glue_permission_find(const char *api_name)
{
    for (size_t i = 0; i < sizeof glue_permissions / sizeof glue_permissions[0]; i++)
        if (strcmp(glue_permissions[i].api_name, api_name) == 0)
            return &glue_permissions[i];
    return NULL;
}

/* A database and table name as they appear in Glue ARNs: lowercased, "*" when unknown. */
typedef struct glue_names {
    char database[256];
    char table[256];
    bool too_long; /* a name of 256 characters or more: refused, never authorized as "*" */
} glue_names;

static void glue_name_set(glue_names *names, char *out, size_t outlen, const char *name,
                          size_t len)
{
    if (name && len >= outlen)
        names->too_long = true;
    if (!name || len == 0 || len >= outlen) {
        snprintf(out, outlen, "*");
        return;
    }
    for (size_t i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)name[i]);
    out[len] = '\0';
}

/* Reads string field id of a TJSONProtocol struct into out ("*" when absent or undecodable). */
static void glue_struct_name(glue_names *names, json_t *tjson, int16_t id, char *out,
                             size_t outlen)
{
    thrift_value *value = NULL;
    thrift_error error = {{0}};
    size_t len = 0;
    const char *name = NULL;
    if (json_is_string(tjson) &&
        thrift_decode_struct(THRIFT_PROTOCOL_JSON, json_string_value(tjson),
                             json_string_length(tjson), NULL, NULL, &value, &error))
        name = thrift_struct_get_string(value, id, &len);
    glue_name_set(names, out, outlen, name, len);
    thrift_value_free(value);
}

/* Field ids of hive_metastore.thrift (Hive 2.3 and 3.1). */
enum {
    GLUE_DATABASE_NAME = 1,
    GLUE_TABLE_NAME = 1,
    GLUE_TABLE_DB_NAME = 2,
    GLUE_PARTITION_DB_NAME = 2,
    GLUE_PARTITION_TABLE_NAME = 3,
};

/*
 * Finds the database and table a request names: dbName and tableName where
 * the apiName has them, else the struct it creates (createDatabase name,
 * dbDesc, tableDesc, partitionDesc). item is the partition of an
 * addPartitions request to read, or NULL.
 */
static void glue_request_names(json_t *request, json_t *item, glue_names *names)
{
    json_t *db = json_object_get(request, "dbName");
    json_t *table = json_object_get(request, "tableName");
    if (!json_is_string(db))
        db = json_object_get(request, "name"); /* createDatabase */
    names->too_long = false;
    glue_name_set(names, names->database, sizeof names->database, json_string_value(db),
                  json_is_string(db) ? json_string_length(db) : 0);
    glue_name_set(names, names->table, sizeof names->table, json_string_value(table),
                  json_is_string(table) ? json_string_length(table) : 0);
    if (strcmp(names->database, "*") != 0)
        return;

    json_t *desc;
    if ((desc = json_object_get(request, "dbDesc"))) {
        glue_struct_name(names, desc, GLUE_DATABASE_NAME, names->database,
                         sizeof names->database);
    } else if ((desc = json_object_get(request, "tableDesc"))) {
        glue_struct_name(names, desc, GLUE_TABLE_DB_NAME, names->database,
                         sizeof names->database);
        glue_struct_name(names, desc, GLUE_TABLE_NAME, names->table, sizeof names->table);
    } else if ((desc = item ? item : json_object_get(request, "partitionDesc"))) {
        glue_struct_name(names, desc, GLUE_PARTITION_DB_NAME, names->database,
                         sizeof names->database);
        glue_struct_name(names, desc, GLUE_PARTITION_TABLE_NAME, names->table, sizeof names->table);
    }
}

/* Authorizes action on one Glue resource; false after the AccessDeniedException reply. */
static bool glue_authorize_arn(aws_call *call, const athena_catalog *catalog, const char *action,
                               const char *arn)
{
    iam_resource resource = {.arn = arn, .account_id = catalog->account_id};
    if (iam_authorize(call, action, &resource, "AccessDeniedException"))
        return true;
    /* Athena sends AccessDeniedException with HTTP 400, not 403. */
    call->resp->status = 400;
    return false;
}

static bool glue_authorize_names(aws_call *call, const athena_catalog *catalog,
                                 const glue_permission *permission, const glue_names *names)
{
    if (names->too_long) {
        athena_error_invalid(call, "Database and table names of data catalog %s are at most "
                                   "255 characters",
                             catalog->name);
        return false;
    }
    owl_buf arn = OWL_BUF_INIT;
    owl_buf_printf(&arn, "arn:aws:glue:%s:%s:catalog", catalog->region, catalog->account_id);
    bool ok = glue_authorize_arn(call, catalog, permission->action, arn.data);

    const char *database = permission->scope == GLUE_SCOPE_ALL_DATABASES ? "*" : names->database;
    if (ok && permission->scope >= GLUE_SCOPE_ALL_DATABASES) {
        owl_buf_reset(&arn);
        owl_buf_printf(&arn, "arn:aws:glue:%s:%s:database/%s", catalog->region,
                       catalog->account_id, database);
        ok = glue_authorize_arn(call, catalog, permission->action, arn.data);
    }
    if (ok && permission->scope >= GLUE_SCOPE_ALL_TABLES) {
        owl_buf_reset(&arn);
        owl_buf_printf(&arn, "arn:aws:glue:%s:%s:table/%s/%s", catalog->region,
                       catalog->account_id, names->database,
                       permission->scope == GLUE_SCOPE_ALL_TABLES ? "*" : names->table);
        ok = glue_authorize_arn(call, catalog, permission->action, arn.data);
    }
    owl_buf_free(&arn);
    return ok;
}

bool athena_glue_authorize(aws_call *call, const athena_catalog *catalog, const char *api_name,
                           json_t *api_request)
{
    const glue_permission *permission = glue_permission_find(api_name);
    if (!permission)
        return true; /* the connector rejects an unknown apiName */

    json_t *items = json_object_get(api_request, "partitionDescs");
    if (strcmp(api_name, "addPartitions") == 0 && json_array_size(items) > 0) {
        /* Each partition names its own table: check every distinct one. */
        glue_names previous = {"", "", false};
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item) {
            glue_names names;
            glue_request_names(api_request, item, &names);
            if (strcmp(names.database, previous.database) == 0 &&
                strcmp(names.table, previous.table) == 0)
                continue;
            if (!glue_authorize_names(call, catalog, permission, &names))
                return false;
            previous = names;
        }
        return true;
    }
    glue_names names;
    glue_request_names(api_request, NULL, &names);
    return glue_authorize_names(call, catalog, permission, &names);
}

/* ------------------------------------------------------------------------
 * Calls
 * ---------------------------------------------------------------------- */

json_t *athena_glue_call(aws_call *call, const athena_metastore *metastore, const char *api_name,
                         json_t *api_request)
{
    assert(metastore->glue);
    if (!athena_glue_authorize(call, &metastore->catalog, api_name, api_request))
        return NULL;

    /* In process nothing spills, so only the threshold of the configuration matters. */
    static const connector_config config = {.spill_threshold = UINT64_MAX};
    connector c = {
        .config = &config,
        .call = hms_local_call,
        .call_ctx = metastore->glue,
        .function_name = ATHENA_DEFAULT_CATALOG,
    };
    connector_outcome outcome;
    memset(&outcome, 0, sizeof outcome);
    connector_error error = {"", ""};
    json_t *response = NULL;
    if (!connector_run(&c, api_name, api_request, &response, &outcome, &error))
        athena_error_metadata(call, "Data catalog %s failed on %s: %s: %s",
                              metastore->catalog.name, api_name, error.type, error.message);
    return response;
}
