/*
 * Reads of objects as the caller for other owlery services (see
 * internal_read.h). Each call runs on a private copy of the aws_call with
 * its own http_response, so the S3 helpers can write their usual error
 * documents without touching the calling service's response; the S3
 * <Message> of a denial becomes the err text.
 */
#include "s3/internal_read.h"

#include "s3/internal.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A private S3 request context for call->identity on bucket. */
typedef struct read_context {
    aws_call call;
    http_request request;
    http_response response;
    s3_request r;
} read_context;

static bool context_open(read_context *ctx, aws_call *call, const char *bucket, char *err,
                         size_t errlen)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->call = *call;
    ctx->request.method = "GET";
    ctx->request.raw_path = (char *)"/";
    ctx->request.raw_query = (char *)"";
    snprintf(ctx->request.request_id, sizeof ctx->request.request_id, "%s",
             call->req ? call->req->request_id : "");
    if (call->req)
        snprintf(ctx->request.remote_addr, sizeof ctx->request.remote_addr, "%s",
                 call->req->remote_addr);
    ctx->call.req = &ctx->request;
    ctx->call.resp = &ctx->response;
    ctx->call.protocol = AWS_PROTOCOL_REST_XML;
    ctx->call.service = "s3";
    ctx->call.form = (aws_form){0};
    ctx->call.chunked = NULL;
    ctx->r.call = &ctx->call;
    ctx->r.data_dir = owl_store_data_dir(call->store);
    snprintf(ctx->r.bucket_name, sizeof ctx->r.bucket_name, "%s", bucket);
    ctx->r.db = owl_store_acquire(call->store);
    if (!ctx->r.db) {
        snprintf(err, errlen, "the state store is unavailable");
        return false;
    }
    return true;
}

static void context_close(read_context *ctx)
{
    if (ctx->r.db) {
        if (!sqlite3_get_autocommit(ctx->r.db))
            owl_store_rollback(ctx->r.db);
        owl_store_release(ctx->call.store, ctx->r.db);
    }
    s3_bucket_clear(&ctx->r.bucket);
    http_response_reset(&ctx->response);
    owl_buf_free(&ctx->response.body);
}

/* Copies the <Message> of the S3 error document in the context's response into err. */
static void context_error(read_context *ctx, char *err, size_t errlen)
{
    const char *xml = ctx->response.body.data;
    const char *start = xml ? strstr(xml, "<Message>") : NULL;
    const char *end = start ? strstr(start, "</Message>") : NULL;
    if (start && end) {
        start += strlen("<Message>");
        snprintf(err, errlen, "%.*s", (int)(end - start), start);
    } else {
        snprintf(err, errlen, "S3 returned HTTP %d", ctx->response.status);
    }
}

/* Loads the bucket; on failure returns the status with err set. */
static s3_read_status context_bucket(read_context *ctx, char *err, size_t errlen)
{
    s3_db_status status = s3_bucket_load(ctx->r.db, ctx->r.bucket_name, &ctx->r.bucket);
    if (status == S3_DB_NOT_FOUND) {
        snprintf(err, errlen, "bucket %s does not exist", ctx->r.bucket_name);
        return S3_READ_NOT_FOUND;
    }
    if (status != S3_DB_OK) {
        snprintf(err, errlen, "loading bucket %s from the state store failed",
                 ctx->r.bucket_name);
        return S3_READ_ERROR;
    }
    ctx->r.bucket_loaded = true;
    return S3_READ_OK;
}

/* Authorizes s3:GetObject on key and fills out with the object's file. */
static s3_read_status context_object(read_context *ctx, const char *key, s3_read_object *out,
                                     char *err, size_t errlen)
{
    s3_object object;
    s3_db_status status = s3_object_load(ctx->r.db, ctx->r.bucket_name, key, &object);
    if (status == S3_DB_ERROR) {
        snprintf(err, errlen, "loading s3://%s/%s from the state store failed",
                 ctx->r.bucket_name, key);
        return S3_READ_ERROR;
    }
    bool found = status == S3_DB_OK;
    if (!s3_authorize(&ctx->r, "s3:GetObject", key, found ? &object.acl : NULL, NULL, 0)) {
        context_error(ctx, err, errlen);
        if (found)
            s3_object_clear(&object);
        return S3_READ_DENIED;
    }
    if (!found) {
        snprintf(err, errlen, "object s3://%s/%s does not exist", ctx->r.bucket_name, key);
        return S3_READ_NOT_FOUND;
    }

    owl_buf path = OWL_BUF_INIT;
    owl_buf_printf(&path, "%s/objects/%s", ctx->r.data_dir, object.data_id);
    out->key = strdup(key);
    out->path = path.data;
    out->size = object.size > 0 ? (uint64_t)object.size : 0;
    s3_object_clear(&object);
    if (!out->key)
        abort();
    return S3_READ_OK;
}

/* True for keys Hive's readers skip: folder markers and hidden files. */
static bool key_is_hidden(const char *key)
{
    size_t len = strlen(key);
    if (len == 0 || key[len - 1] == '/')
        return true;
    const char *slash = strrchr(key, '/');
    const char *name = slash ? slash + 1 : key;
    return name[0] == '_' || name[0] == '.';
}

s3_read_status s3_read_prefix(aws_call *call, const char *bucket, const char *prefix,
                              s3_read_list *out, char *err, size_t errlen)
{
    out->items = NULL;
    out->count = 0;
    read_context ctx;
    if (!context_open(&ctx, call, bucket, err, errlen)) {
        context_close(&ctx);
        return S3_READ_ERROR;
    }
    s3_read_status status = context_bucket(&ctx, err, errlen);
    if (status != S3_READ_OK)
        goto out;

    const char *prefix_values[] = {prefix};
    iam_context_key condition[] = {{"s3:prefix", prefix_values, 1}};
    if (!s3_authorize(&ctx.r, "s3:ListBucket", NULL, NULL, condition, 1)) {
        context_error(&ctx, err, errlen);
        status = S3_READ_DENIED;
        goto out;
    }

    size_t capacity = 0;
    char *after = NULL;
    for (;;) {
        s3_list_params params = {prefix, "", after ? after : "", S3_LIST_MAX_KEYS};
        s3_seek_arg seek = {ctx.r.db, ctx.r.bucket_name, false};
        s3_list_result page;
        s3_list_run(&params, s3_object_seek, &seek, &page);
        if (seek.failed) {
            snprintf(err, errlen, "listing s3://%s/%s in the state store failed", bucket, prefix);
            status = S3_READ_ERROR;
        }
        for (size_t i = 0; status == S3_READ_OK && i < page.count; i++) {
            if (key_is_hidden(page.entries[i].key))
                continue;
            if (out->count == capacity) {
                capacity = capacity ? capacity * 2 : 16;
                out->items = realloc(out->items, capacity * sizeof *out->items);
                if (!out->items)
                    abort();
            }
            s3_read_object *item = &out->items[out->count];
            memset(item, 0, sizeof *item);
            status = context_object(&ctx, page.entries[i].key, item, err, errlen);
            if (status == S3_READ_OK)
                out->count++;
        }
        free(after);
        after = page.is_truncated && page.last ? strdup(page.last) : NULL;
        s3_list_result_free(&page);
        if (status != S3_READ_OK || !after)
            break;
    }
    free(after);
    if (status != S3_READ_OK)
        s3_read_list_free(out);
out:
    context_close(&ctx);
    return status;
}

s3_read_status s3_read_object_find(aws_call *call, const char *bucket, const char *key,
                                   s3_read_object *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    read_context ctx;
    if (!context_open(&ctx, call, bucket, err, errlen)) {
        context_close(&ctx);
        return S3_READ_ERROR;
    }
    s3_read_status status = context_bucket(&ctx, err, errlen);
    if (status == S3_READ_OK)
        status = context_object(&ctx, key, out, err, errlen);
    context_close(&ctx);
    return status;
}

void s3_read_object_clear(s3_read_object *object)
{
    free(object->key);
    free(object->path);
    memset(object, 0, sizeof *object);
}

void s3_read_list_free(s3_read_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        s3_read_object_clear(&list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
