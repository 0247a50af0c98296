/*
 * Lambda control-plane operations, REST-JSON (API version 2015-03-31):
 * CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions,
 * DeleteFunction, UpdateFunctionCode, UpdateFunctionConfiguration,
 * PublishVersion, ListVersionsByFunction, AddPermission, GetPolicy and
 * RemovePermission; Invoke is in invoke.c.
 *
 * Every handler walks the same steps: resolve the function reference,
 * authorize through iam_authorize() with the function policy as the
 * resource policy, validate the input, act in one store transaction, and
 * write the response. Error codes, HTTP statuses and messages follow
 * Lambda's.
 *
 * Limits: Timeout 1-900 s (default 3), MemorySize 128-10240 MB (default
 * 128), environment variables 4 KB in total, Description 256 characters,
 * runtimes provided.al2023 and provided.al2, architecture x86_64.
 */
#include "lambda/api.h"
#include "iam/identity_store.h"

#include "common/log.h"
#include "common/util.h"
#include "iam/account.h"
#include "iam/authorize.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define LIST_DEFAULT_MAX 50
#define LIST_MAX 10000
#define ENVIRONMENT_MAX_BYTES 4096

static const char *const supported_runtimes[] = {"provided.al2023", "provided.al2"};

static const char *const reserved_variables[] = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
};

/* ------------------------------------------------------------------------
 * Shared helpers
 * ---------------------------------------------------------------------- */

void lambda_api_not_found(aws_call *call, const lambda_ref *ref)
{
    char arn[256];
    lambda_function_arn(arn, sizeof arn, ref->region, ref->account_id, ref->name, ref->qualifier);
    aws_call_error(call, 404, "ResourceNotFoundException", "Function not found: %s", arn);
}

void lambda_api_store_failed(aws_call *call)
{
    aws_call_error(call, 500, "ServiceException",
                   "The Lambda state store failed; see owlery's log for the cause and retry");
}

bool lambda_api_resolve(aws_call *call, const char *name, const char *qualifier, lambda_ref *ref)
{
    char err[512];
    if (!lambda_ref_parse(name, call->region, call->identity->account_id, ref, err, sizeof err)) {
        aws_call_error(call, 400, "ValidationException", "%s", err);
        return false;
    }
    if (qualifier && *qualifier) {
        if (!lambda_qualifier_valid(qualifier)) {
            aws_call_error(call, 400, "ValidationException",
                           "1 validation error detected: Value '%.130s' at 'qualifier' failed to "
                           "satisfy constraint: Member must satisfy regular expression pattern: "
                           "(|[a-zA-Z0-9$_-]+)",
                           qualifier);
            return false;
        }
        if (ref->qualifier[0] && strcmp(ref->qualifier, qualifier) != 0) {
            aws_call_error(call, 400, "InvalidParameterValueException",
                           "The derived qualifier from the function name does not match the "
                           "specified qualifier.");
            return false;
        }
        snprintf(ref->qualifier, sizeof ref->qualifier, "%s", qualifier);
    }
    return true;
}

lambda_store_status lambda_api_load(aws_call *call, sqlite3 *db, const lambda_ref *ref,
                                    lambda_function *fn)
{
    const char *version = ref->qualifier[0] ? ref->qualifier : LAMBDA_LATEST;
    lambda_store_status status =
        lambda_function_load(db, ref->account_id, ref->region, ref->name, version, fn);
    if (status == LAMBDA_STORE_ERROR)
        lambda_api_store_failed(call);
    return status;
}

bool lambda_api_authorize(aws_call *call, const char *action, const lambda_ref *ref,
                          const lambda_function *fn)
{
    char arn[256];
    lambda_function_arn(arn, sizeof arn, ref->region, ref->account_id, ref->name, ref->qualifier);
    iam_resource resource = {
        .arn = arn,
        .account_id = ref->account_id,
        .policy = fn ? fn->policy : NULL,
    };
    return iam_authorize(call, action, &resource, "AccessDeniedException");
}

/* Parses the JSON request body; an empty body is an empty object. NULL after an error reply. */
static json_t *request_body(aws_call *call)
{
    const owl_buf *body = &call->req->body;
    if (body->len == 0)
        return json_object();
    json_error_t error;
    json_t *value = json_loadb(body->data, body->len, 0, &error);
    if (!json_is_object(value)) {
        json_decref(value);
        aws_call_error(call, 400, "InvalidRequestContentException",
                       "Could not parse request body into json: %s", error.text);
        return NULL;
    }
    return value;
}

/* Reads an optional string member; false after an error reply when it is not a string. */
static bool body_string(aws_call *call, json_t *body, const char *key, const char **out)
{
    json_t *value = json_object_get(body, key);
    *out = NULL;
    if (!value || json_is_null(value))
        return true;
    if (!json_is_string(value)) {
        aws_call_error(call, 400, "InvalidRequestContentException",
                       "Could not parse request body into json: %s must be a string", key);
        return false;
    }
    *out = json_string_value(value);
    return true;
}

static bool body_int(aws_call *call, json_t *body, const char *key, const char *param,
                     json_int_t min, json_int_t max, json_int_t *out)
{
    json_t *value = json_object_get(body, key);
    if (!value || json_is_null(value))
        return true;
    if (!json_is_integer(value)) {
        aws_call_error(call, 400, "InvalidRequestContentException",
                       "Could not parse request body into json: %s must be an integer", key);
        return false;
    }
    json_int_t n = json_integer_value(value);
    if (n < min || n > max) {
        aws_call_error(call, 400, "ValidationException",
                       "1 validation error detected: Value '%" JSON_INTEGER_FORMAT "' at '%s' "
                       "failed to satisfy constraint: Member must have value %s %" JSON_INTEGER_FORMAT,
                       n, param, n < min ? "greater than or equal to" : "less than or equal to",
                       n < min ? min : max);
        return false;
    }
    *out = n;
    return true;
}

static void last_modified_now(char out[32])
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    time_t seconds = tv.tv_sec;
    gmtime_r(&seconds, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03d+0000", (int)(tv.tv_usec / 1000) % 1000);
}

/* Gives the configuration a new RevisionId and, when modified, a new LastModified. */
void lambda_api_touch(json_t *config, bool modified)
{
    char revision[37];
    owl_uuid(revision);
    json_object_set_new(config, "RevisionId", json_string(revision));
    if (modified) {
        char now[32];
        last_modified_now(now);
        json_object_set_new(config, "LastModified", json_string(now));
    }
}

/* Checks the RevisionId precondition; false after a 412 reply. */
static bool revision_matches(aws_call *call, const lambda_function *fn, const char *revision_id)
{
    if (!revision_id)
        return true;
    const char *current = json_string_value(json_object_get(fn->config, "RevisionId"));
    if (current && strcmp(current, revision_id) == 0)
        return true;
    aws_call_error(call, 412, "PreconditionFailedException",
                   "The Revision Id provided does not match the latest Revision Id. Call the "
                   "GetFunction/GetAlias API to retrieve the latest Revision Id");
    return false;
}

static void reply_empty(aws_call *call, int status)
{
    http_response_set_body(call->resp, status, NULL, "", 0);
}

/* ------------------------------------------------------------------------
 * Configuration validation, shared by Create and UpdateFunctionConfiguration
 * ---------------------------------------------------------------------- */

static bool validate_runtime(aws_call *call, const char *runtime)
{
    for (size_t i = 0; i < sizeof supported_runtimes / sizeof supported_runtimes[0]; i++)
        if (strcmp(runtime, supported_runtimes[i]) == 0)
            return true;
    aws_call_error(call, 400, "InvalidParameterValueException",
                   "The runtime parameter of %.64s is no longer supported for creating or "
                   "updating AWS Lambda functions. We recommend you use a supported runtime while "
                   "creating or updating functions. owlery runs provided.al2023 and provided.al2.",
                   runtime);
    return false;
}

static bool validate_role(aws_call *call, const char *role)
{
    if (!lambda_role_arn_valid(role)) {
        aws_call_error(call, 400, "ValidationException",
                       "1 validation error detected: Value '%.256s' at 'role' failed to satisfy "
                       "constraint: Member must satisfy regular expression pattern: "
                       "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
                       role);
        return false;
    }
    /* TODO: require that the role exists and trusts lambda.amazonaws.com ("The role defined for
     * the function cannot be assumed by Lambda.") once IAM roles are in the store. */
    return true;
}

bool lambda_api_role_allows_vpc(aws_call *call, const char *role)
{
    /* The network-interface actions AWSLambdaVPCAccessExecutionRole grants. */
    static const char *const actions[] = {"ec2:CreateNetworkInterface",
                                          "ec2:DescribeNetworkInterfaces",
                                          "ec2:DeleteNetworkInterface"};

    /* role is arn:aws:iam::ACCOUNT:role/PATH/NAME, validated by the caller. */
    iam_identity who;
    memset(&who, 0, sizeof who);
    who.type = IAM_PRINCIPAL_ASSUMED_ROLE;
    const char *account = role + strlen("arn:aws:iam::");
    const char *name = strrchr(role, '/');
    if (strncmp(role, "arn:aws:iam::", 13) != 0 || strlen(account) < IAM_ACCOUNT_ID_LEN || !name)
        return false;
    memcpy(who.account_id, account, IAM_ACCOUNT_ID_LEN);
    snprintf(who.role_name, sizeof who.role_name, "%s", name + 1);
    snprintf(who.role_arn, sizeof who.role_arn, "%s", role);
    snprintf(who.arn, sizeof who.arn, "%s", role);

    sqlite3 *db = owl_store_acquire(call->store);
    if (!db)
        return false;
    iam_identity_context context;
    iam_status status = iam_identity_context_load(db, &who, &context);
    owl_store_release(call->store, db);
    if (status != IAM_OK)
        return false;

    bool allowed = true;
    for (size_t i = 0; allowed && i < sizeof actions / sizeof actions[0]; i++) {
        iam_request request;
        memset(&request, 0, sizeof request);
        request.principal.type = IAM_PRINCIPAL_ASSUMED_ROLE;
        request.principal.account = who.account_id;
        request.principal.arn = role;
        request.principal.role_arn = role;
        request.action = actions[i];
        request.resource = "*";
        request.resource_account = who.account_id;
        allowed = iam_evaluate(&request, &context.set, NULL, NULL).effect == IAM_ALLOW;
    }
    iam_identity_context_free(&context);
    return allowed;
}

static bool validate_environment(aws_call *call, json_t *environment)
{
    if (!json_is_object(environment)) {
        aws_call_error(call, 400, "InvalidRequestContentException",
                       "Could not parse request body into json: Environment must be an object");
        return false;
    }
    json_t *variables = json_object_get(environment, "Variables");
    if (!variables)
        return true;
    if (!json_is_object(variables)) {
        aws_call_error(call, 400, "InvalidRequestContentException",
                       "Could not parse request body into json: Environment.Variables must be an "
                       "object");
        return false;
    }
    size_t total = 0;
    const char *key;
    json_t *value;
    json_object_foreach(variables, key, value) {
        bool key_ok = isalpha((unsigned char)key[0]) && key[1] != '\0';
        for (const char *p = key; key_ok && *p; p++)
            key_ok = isalnum((unsigned char)*p) || *p == '_';
        if (!key_ok || !json_is_string(value)) {
            aws_call_error(call, 400, "ValidationException",
                           "1 validation error detected: Value '%.128s' at "
                           "'environment.variables' failed to satisfy constraint: Map keys must "
                           "satisfy constraint: [Member must satisfy regular expression pattern: "
                           "[a-zA-Z]([a-zA-Z0-9_])+] and values must be strings",
                           key);
            return false;
        }
        for (size_t i = 0; i < sizeof reserved_variables / sizeof reserved_variables[0]; i++) {
            if (strcmp(key, reserved_variables[i]) == 0) {
                aws_call_error(call, 400, "InvalidParameterValueException",
                               "Lambda was unable to configure your environment variables because "
                               "the environment variables you have provided contains reserved "
                               "keys that are currently not supported for modification. Reserved "
                               "keys used in this request: %s",
                               key);
                return false;
            }
        }
        total += strlen(key) + json_string_length(value);
    }
    if (total > ENVIRONMENT_MAX_BYTES) {
        aws_call_error(call, 400, "InvalidParameterValueException",
                       "Lambda was unable to configure your environment variables because the "
                       "environment variables you have provided exceeded the 4KB limit. String "
                       "measured: %zu bytes",
                       total);
        return false;
    }
    return true;
}

/* Validates VpcConfig and returns the stored form {SubnetIds, SecurityGroupIds}; NULL after a reply. */
static json_t *validate_vpc(aws_call *call, json_t *vpc, const char *role)
{
    if (!json_is_object(vpc)) {
        aws_call_error(call, 400, "InvalidRequestContentException",
                       "Could not parse request body into json: VpcConfig must be an object");
        return NULL;
    }
    json_t *subnets = json_object_get(vpc, "SubnetIds");
    json_t *groups = json_object_get(vpc, "SecurityGroupIds");
    json_t *lists[] = {subnets, groups};
    for (size_t i = 0; i < 2; i++) {
        size_t k;
        json_t *item;
        if (lists[i] && !json_is_array(lists[i]))
            goto bad;
        json_array_foreach(lists[i], k, item) {
            if (!json_is_string(item))
                goto bad;
        }
    }
    if (json_array_size(subnets) > 16 || json_array_size(groups) > 5) {
        aws_call_error(call, 400, "ValidationException",
                       "1 validation error detected: VpcConfig takes at most 16 SubnetIds and 5 "
                       "SecurityGroupIds");
        return NULL;
    }
    if (json_array_size(subnets) > 0 && !lambda_api_role_allows_vpc(call, role)) {
        aws_call_error(call, 400, "InvalidParameterValueException",
                       "The provided execution role does not have permissions to call "
                       "CreateNetworkInterface on EC2");
        return NULL;
    }
    return json_pack("{s:O, s:O}", "SubnetIds", subnets ? subnets : json_array(),
                     "SecurityGroupIds", groups ? groups : json_array());
bad:
    aws_call_error(call, 400, "InvalidRequestContentException",
                   "Could not parse request body into json: VpcConfig.SubnetIds and "
                   "VpcConfig.SecurityGroupIds must be lists of strings");
    return NULL;
}

static bool validate_architectures(aws_call *call, json_t *architectures)
{
    if (!json_is_array(architectures) || json_array_size(architectures) != 1 ||
        !json_is_string(json_array_get(architectures, 0))) {
        aws_call_error(call, 400, "ValidationException",
                       "1 validation error detected: Value at 'architectures' failed to satisfy "
                       "constraint: Member must have length less than or equal to 1");
        return false;
    }
    const char *arch = json_string_value(json_array_get(architectures, 0));
    if (strcmp(arch, "x86_64") != 0) {
        aws_call_error(call, 400, "InvalidParameterValueException",
                       "Architecture %.32s is not supported: owlery runs functions on x86_64 only",
                       arch);
        return false;
    }
    return true;
}

/*
 * Applies the configuration members of body (Role, Handler, Description,
 * Timeout, MemorySize, Environment, VpcConfig, Runtime) to config. Returns
 * false after an error reply.
 */
static bool apply_configuration(aws_call *call, json_t *body, json_t *config)
{
    const char *role, *handler, *description, *runtime;
    if (!body_string(call, body, "Role", &role) || !body_string(call, body, "Handler", &handler) ||
        !body_string(call, body, "Description", &description) ||
        !body_string(call, body, "Runtime", &runtime))
        return false;
    if (runtime && !validate_runtime(call, runtime))
        return false;
    if (role && !validate_role(call, role))
        return false;
    if (handler && strlen(handler) > 128) {
        aws_call_error(call, 400, "ValidationException",
                       "1 validation error detected: Value at 'handler' failed to satisfy "
                       "constraint: Member must have length less than or equal to 128");
        return false;
    }
    if (description && strlen(description) > 256) {
        aws_call_error(call, 400, "ValidationException",
                       "1 validation error detected: Value at 'description' failed to satisfy "
                       "constraint: Member must have length less than or equal to 256");
        return false;
    }
    json_int_t timeout = json_integer_value(json_object_get(config, "Timeout"));
    json_int_t memory = json_integer_value(json_object_get(config, "MemorySize"));
    if (!body_int(call, body, "Timeout", "timeout", 1, 900, &timeout) ||
        !body_int(call, body, "MemorySize", "memorySize", 128, 10240, &memory))
        return false;

    json_t *environment = json_object_get(body, "Environment");
    if (environment && !validate_environment(call, environment))
        return false;
    const char *effective_role = role ? role : json_string_value(json_object_get(config, "Role"));
    json_t *vpc = json_object_get(body, "VpcConfig");
    json_t *vpc_stored = NULL;
    if (vpc && !(vpc_stored = validate_vpc(call, vpc, effective_role)))
        return false;

    if (runtime)
        json_object_set_new(config, "Runtime", json_string(runtime));
    if (role)
        json_object_set_new(config, "Role", json_string(role));
    if (handler)
        json_object_set_new(config, "Handler", json_string(handler));
    if (description)
        json_object_set_new(config, "Description", json_string(description));
    json_object_set_new(config, "Timeout", json_integer(timeout));
    json_object_set_new(config, "MemorySize", json_integer(memory));
    if (environment) {
        json_t *variables = json_object_get(environment, "Variables");
        json_object_set_new(config, "Environment",
                            json_pack("{s:O}", "Variables", variables ? variables : json_object()));
    }
    if (vpc_stored)
        json_object_set_new(config, "VpcConfig", vpc_stored);
    return true;
}

/*
 * Decodes and stores Code.ZipFile / ZipFile and sets CodeSha256 and CodeSize
 * in config. Returns false after an error reply.
 */
static bool apply_code(aws_call *call, json_t *code, json_t *config)
{
    const char *zip_b64, *bucket;
    if (!body_string(call, code, "ZipFile", &zip_b64) || !body_string(call, code, "S3Bucket", &bucket))
        return false;
    if (bucket) {
        /* TODO: read the package from S3 once the S3 module stores objects. */
        aws_call_error(call, 400, "InvalidParameterValueException",
                       "Code.S3Bucket and Code.S3Key are not supported yet: upload the package "
                       "inline as ZipFile (aws lambda ... --zip-file fileb://package.zip)");
        return false;
    }
    if (json_object_get(code, "ImageUri")) {
        aws_call_error(call, 400, "InvalidParameterValueException",
                       "Container images are not supported: owlery runs Zip packages only");
        return false;
    }
    if (!zip_b64) {
        aws_call_error(call, 400, "InvalidParameterValueException",
                       "Please provide a source for function code: ZipFile is missing.");
        return false;
    }
    size_t zip_len = 0;
    uint8_t *zip = lambda_base64_decode(zip_b64, strlen(zip_b64), &zip_len);
    if (!zip) {
        aws_call_error(call, 400, "InvalidRequestContentException",
                       "Could not parse request body into json: ZipFile is not valid base64");
        return false;
    }
    char b64[45], hex[65], err[512];
    lambda_code_digest(zip, zip_len, b64, hex);
    bool stored = lambda_code_store(owl_store_data_dir(call->store), zip, zip_len, hex, err,
                                    sizeof err);
    free(zip);
    if (!stored) {
        aws_call_error(call, 400, "InvalidParameterValueException", "%s", err);
        return false;
    }
    json_object_set_new(config, "CodeSha256", json_string(b64));
    json_object_set_new(config, "CodeSize", json_integer((json_int_t)zip_len));
    return true;
}

/* ------------------------------------------------------------------------
 * Versions
 * ---------------------------------------------------------------------- */

/* True when two configurations differ in more than their identity and revision. */
static bool config_changed(json_t *a, json_t *b)
{
    static const char *const ignored[] = {"FunctionArn", "Version", "RevisionId", "LastModified"};
    json_t *ca = json_deep_copy(a), *cb = json_deep_copy(b);
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++) {
        json_object_del(ca, ignored[i]);
        json_object_del(cb, ignored[i]);
    }
    bool changed = !json_equal(ca, cb);
    json_decref(ca);
    json_decref(cb);
    return changed;
}

/*
 * Publishes $LATEST (in the caller's transaction) as the next version, or
 * returns the newest version when nothing changed since it. Returns a new
 * reference to the version's configuration, or NULL on a store error.
 */
static json_t *publish_version(sqlite3 *db, const lambda_function *latest, const char *description)
{
    int newest = lambda_function_max_version(db, latest->account_id, latest->region, latest->name);
    if (newest > 0) {
        char number[16];
        snprintf(number, sizeof number, "%d", newest);
        lambda_function previous;
        if (lambda_function_load(db, latest->account_id, latest->region, latest->name, number,
                                 &previous) == LAMBDA_STORE_OK) {
            bool changed = config_changed(previous.config, latest->config);
            json_t *config = json_incref(previous.config);
            lambda_function_free(&previous);
            if (!changed)
                return config;
            json_decref(config);
        }
    }

    lambda_function version = *latest;
    snprintf(version.version, sizeof version.version, "%d", newest + 1);
    version.config = json_deep_copy(latest->config);
    version.tags = NULL;
    version.policy = NULL;
    char arn[256];
    lambda_function_arn(arn, sizeof arn, latest->region, latest->account_id, latest->name,
                        version.version);
    json_object_set_new(version.config, "FunctionArn", json_string(arn));
    json_object_set_new(version.config, "Version", json_string(version.version));
    if (description)
        json_object_set_new(version.config, "Description", json_string(description));
    lambda_api_touch(version.config, true);
    if (lambda_function_insert(db, &version) != LAMBDA_STORE_OK) {
        json_decref(version.config);
        return NULL;
    }
    return version.config;
}

/* ------------------------------------------------------------------------
 * Operations
 * ---------------------------------------------------------------------- */

void lambda_create_function(aws_call *call)
{
    json_t *body = request_body(call);
    if (!body)
        return;
    const char *name_param;
    lambda_ref ref;
    if (!body_string(call, body, "FunctionName", &name_param))
        goto out;
    if (!name_param) {
        aws_call_error(call, 400, "ValidationException",
                       "1 validation error detected: Value null at 'functionName' failed to "
                       "satisfy constraint: Member must not be null");
        goto out;
    }
    if (!lambda_api_resolve(call, name_param, NULL, &ref))
        goto out;
    if (!lambda_api_authorize(call, "lambda:CreateFunction", &ref, NULL))
        goto out;

    if (ref.qualifier[0]) {
        aws_call_error(call, 400, "InvalidParameterValueException",
                       "FunctionName must not have a qualifier: \"%s\"", name_param);
        goto out;
    }
    const char *package_type, *runtime, *handler, *role;
    if (!body_string(call, body, "PackageType", &package_type) ||
        !body_string(call, body, "Runtime", &runtime) ||
        !body_string(call, body, "Handler", &handler) || !body_string(call, body, "Role", &role))
        goto out;
    if (package_type && strcmp(package_type, "Zip") != 0) {
        aws_call_error(call, 400, "InvalidParameterValueException",
                       "PackageType %.32s is not supported: owlery runs Zip packages only",
                       package_type);
        goto out;
    }
    if (!runtime || !handler) {
        aws_call_error(call, 400, "InvalidParameterValueException",
                       "Runtime and Handler are mandatory parameters for functions created with "
                       "deployment packages.");
        goto out;
    }
    if (!role) {
        aws_call_error(call, 400, "ValidationException",
                       "1 validation error detected: Value null at 'role' failed to satisfy "
                       "constraint: Member must not be null");
        goto out;
    }
    json_t *tags = json_object_get(body, "Tags");
    if (tags && !json_is_object(tags)) {
        aws_call_error(call, 400, "InvalidRequestContentException",
                       "Could not parse request body into json: Tags must be an object");
        goto out;
    }
    json_t *architectures = json_object_get(body, "Architectures");
    if (architectures && !validate_architectures(call, architectures))
        goto out;
    json_t *code = json_object_get(body, "Code");
    if (!json_is_object(code)) {
        aws_call_error(call, 400, "ValidationException",
                       "1 validation error detected: Value null at 'code' failed to satisfy "
                       "constraint: Member must not be null");
        goto out;
    }

    char arn[256];
    lambda_function_arn(arn, sizeof arn, ref.region, ref.account_id, ref.name, NULL);
    json_t *config = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:i}", "FunctionName",
                               ref.name, "FunctionArn", arn, "Runtime", runtime, "Role", role,
                               "Handler", handler, "CodeSize", 0, "Description", "", "Timeout", 3,
                               "MemorySize", 128);
    if (!apply_configuration(call, body, config) || !apply_code(call, code, config)) {
        json_decref(config);
        goto out;
    }
    json_object_set_new(config, "Version", json_string(LAMBDA_LATEST));
    json_object_set_new(config, "TracingConfig", json_pack("{s:s}", "Mode", "PassThrough"));
    lambda_api_touch(config, true);
    json_object_set_new(config, "State", json_string("Active"));
    json_object_set_new(config, "LastUpdateStatus", json_string("Successful"));
    json_object_set_new(config, "PackageType", json_string("Zip"));
    json_object_set_new(config, "Architectures", json_pack("[s]", "x86_64"));
    json_object_set_new(config, "EphemeralStorage", json_pack("{s:i}", "Size", 512));
    json_object_set_new(config, "SnapStart",
                        json_pack("{s:s, s:s}", "ApplyOn", "None", "OptimizationStatus", "Off"));

    lambda_function fn = {.config = config, .tags = tags ? json_incref(tags) : json_object()};
    snprintf(fn.account_id, sizeof fn.account_id, "%s", ref.account_id);
    snprintf(fn.region, sizeof fn.region, "%s", ref.region);
    snprintf(fn.name, sizeof fn.name, "%s", ref.name);
    snprintf(fn.version, sizeof fn.version, "%s", LAMBDA_LATEST);

    sqlite3 *db = owl_store_acquire(call->store);
    json_t *published = NULL;
    lambda_store_status status = LAMBDA_STORE_ERROR;
    if (owl_store_begin(db) == SQLITE_OK) {
        status = lambda_function_insert(db, &fn);
        if (status == LAMBDA_STORE_OK && json_is_true(json_object_get(body, "Publish")) &&
            !(published = publish_version(db, &fn, NULL)))
            status = LAMBDA_STORE_ERROR;
        if (status == LAMBDA_STORE_OK && owl_store_commit(db) != SQLITE_OK)
            status = LAMBDA_STORE_ERROR;
        owl_store_rollback(db);
    }
    owl_store_release(call->store, db);

    if (status == LAMBDA_STORE_EXISTS)
        aws_call_error(call, 409, "ResourceConflictException", "Function already exist: %s",
                       ref.name);
    else if (status != LAMBDA_STORE_OK)
        lambda_api_store_failed(call);
    else
        aws_call_json_result(call, 201, published ? json_incref(published) : json_incref(config));
    json_decref(published);
    lambda_function_free(&fn);
out:
    json_decref(body);
}


bool lambda_api_load_for_read(aws_call *call, const char *name, const char *action, lambda_ref *ref,
                          lambda_function *fn)
{
    if (!lambda_api_resolve(call, name, aws_form_get(&call->form, "Qualifier"), ref))
        return false;
    sqlite3 *db = owl_store_acquire(call->store);
    lambda_store_status status = lambda_api_load(call, db, ref, fn);
    owl_store_release(call->store, db);
    if (status == LAMBDA_STORE_ERROR)
        return false;
    if (!lambda_api_authorize(call, action, ref, status == LAMBDA_STORE_OK ? fn : NULL)) {
        lambda_function_free(fn);
        return false;
    }
    if (status == LAMBDA_STORE_NOT_FOUND) {
        lambda_api_not_found(call, ref);
        return false;
    }
    return true;
}

void lambda_get_function(aws_call *call, const char *name)
{
    lambda_ref ref;
    lambda_function fn;
    if (!lambda_api_load_for_read(call, name, "lambda:GetFunction", &ref, &fn))
        return;
    const char *sha = json_string_value(json_object_get(fn.config, "CodeSha256"));
    size_t raw_len = 0;
    uint8_t *raw = sha ? lambda_base64_decode(sha, strlen(sha), &raw_len) : NULL;
    char hex[65] = "";
    if (raw && raw_len == 32)
        owl_hex_encode(raw, 32, hex);
    free(raw);
    /* NOTE: Lambda returns a presigned S3 URL; owlery points at the stored archive on its own
     * file system, which works for clients on the same host only. */
    char location[4200];
    snprintf(location, sizeof location, "file://%s/lambda/zips/%s.zip",
             owl_store_data_dir(call->store), hex);
    json_t *result = json_pack("{s:O, s:{s:s, s:s}}", "Configuration", fn.config, "Code",
                               "RepositoryType", "S3", "Location", location);
    if (json_object_size(fn.tags) > 0)
        json_object_set(result, "Tags", fn.tags);
    aws_call_json_result(call, 200, result);
    lambda_function_free(&fn);
}

void lambda_get_function_configuration(aws_call *call, const char *name)
{
    lambda_ref ref;
    lambda_function fn;
    if (!lambda_api_load_for_read(call, name, "lambda:GetFunctionConfiguration", &ref, &fn))
        return;
    aws_call_json_result(call, 200, json_incref(fn.config));
    lambda_function_free(&fn);
}

/* Reads MaxItems (1-10000, default 50); false after an error reply. */
static bool list_max_items(aws_call *call, int *max)
{
    const char *text = aws_form_get(&call->form, "MaxItems");
    *max = LIST_DEFAULT_MAX;
    if (!text)
        return true;
    char *end;
    long value = strtol(text, &end, 10);
    if (*end != '\0' || end == text || value < 1 || value > LIST_MAX) {
        aws_call_error(call, 400, "ValidationException",
                       "1 validation error detected: Value '%.20s' at 'maxItems' failed to "
                       "satisfy constraint: Member must be between 1 and %d",
                       text, LIST_MAX);
        return false;
    }
    *max = (int)value;
    return true;
}

void lambda_list_functions(aws_call *call)
{
    char region[64];
    snprintf(region, sizeof region, "%s", call->region);
    lambda_ref ref = {0};
    snprintf(ref.account_id, sizeof ref.account_id, "%s", call->identity->account_id);
    snprintf(ref.region, sizeof ref.region, "%s", region);
    snprintf(ref.name, sizeof ref.name, "*");
    if (!lambda_api_authorize(call, "lambda:ListFunctions", &ref, NULL))
        return;

    int max;
    if (!list_max_items(call, &max))
        return;
    const char *version = aws_form_get(&call->form, "FunctionVersion");
    if (version && strcmp(version, "ALL") != 0) {
        aws_call_error(call, 400, "ValidationException",
                       "1 validation error detected: Value '%.20s' at 'functionVersion' failed to "
                       "satisfy constraint: Member must satisfy enum value set: [ALL]",
                       version);
        return;
    }

    json_t *functions = json_array();
    char next[LAMBDA_NAME_MAX + 16];
    sqlite3 *db = owl_store_acquire(call->store);
    lambda_store_status status = lambda_function_list(
        db, ref.account_id, region, NULL, version != NULL, aws_form_get(&call->form, "Marker"),
        max, functions, next, sizeof next);
    owl_store_release(call->store, db);
    if (status != LAMBDA_STORE_OK) {
        json_decref(functions);
        lambda_api_store_failed(call);
        return;
    }
    json_t *result = json_pack("{s:o}", "Functions", functions);
    if (next[0])
        json_object_set_new(result, "NextMarker", json_string(next));
    aws_call_json_result(call, 200, result);
}

void lambda_list_versions(aws_call *call, const char *name)
{
    lambda_ref ref;
    lambda_function fn;
    if (!lambda_api_load_for_read(call, name, "lambda:ListVersionsByFunction", &ref, &fn))
        return;
    lambda_function_free(&fn);
    int max;
    if (!list_max_items(call, &max))
        return;
    json_t *versions = json_array();
    char next[LAMBDA_NAME_MAX + 16];
    sqlite3 *db = owl_store_acquire(call->store);
    lambda_store_status status =
        lambda_function_list(db, ref.account_id, ref.region, ref.name, true,
                             aws_form_get(&call->form, "Marker"), max, versions, next, sizeof next);
    owl_store_release(call->store, db);
    if (status != LAMBDA_STORE_OK) {
        json_decref(versions);
        lambda_api_store_failed(call);
        return;
    }
    json_t *result = json_pack("{s:o}", "Versions", versions);
    if (next[0])
        json_object_set_new(result, "NextMarker", json_string(next));
    aws_call_json_result(call, 200, result);
}

void lambda_delete_function(aws_call *call, const char *name)
{
    lambda_ref ref;
    lambda_function fn;
    if (!lambda_api_load_for_read(call, name, "lambda:DeleteFunction", &ref, &fn))
        return;
    lambda_function_free(&fn);
    if (strcmp(ref.qualifier, LAMBDA_LATEST) == 0) {
        aws_call_error(call, 400, "InvalidParameterValueException",
                       "$LATEST version cannot be deleted without deleting the function.");
        return;
    }

    sqlite3 *db = owl_store_acquire(call->store);
    lambda_store_status status = LAMBDA_STORE_ERROR;
    if (owl_store_begin(db) == SQLITE_OK) {
        status = lambda_function_delete(db, ref.account_id, ref.region, ref.name,
                                        ref.qualifier[0] ? ref.qualifier : NULL);
        if (status == LAMBDA_STORE_OK && owl_store_commit(db) != SQLITE_OK)
            status = LAMBDA_STORE_ERROR;
        owl_store_rollback(db);
    }
    owl_store_release(call->store, db);
    if (status == LAMBDA_STORE_NOT_FOUND) {
        lambda_api_not_found(call, &ref);
        return;
    }
    if (status != LAMBDA_STORE_OK) {
        lambda_api_store_failed(call);
        return;
    }
    if (!ref.qualifier[0])
        lambda_runtime_kill_function(ref.account_id, ref.region, ref.name);
    reply_empty(call, 204);
}

/*
 * The shape of every write to $LATEST: load it in a transaction, check the
 * RevisionId precondition, let `change` edit the function, store it, and
 * reply with `reply_status` and the new configuration. change returns false
 * after an error reply.
 */
typedef bool (*latest_change)(aws_call *call, json_t *body, lambda_function *fn, void *arg);

static void update_latest(aws_call *call, const char *name, const char *action, json_t *body,
                          latest_change change, void *arg)
{
    lambda_ref ref;
    if (!lambda_api_resolve(call, name, NULL, &ref))
        return;
    const char *revision_id;
    if (!body_string(call, body, "RevisionId", &revision_id))
        return;

    sqlite3 *db = owl_store_acquire(call->store);
    lambda_function fn = {0};
    json_t *published = NULL;
    if (owl_store_begin(db) != SQLITE_OK) {
        lambda_api_store_failed(call);
        goto out;
    }
    lambda_ref latest = ref;
    latest.qualifier[0] = '\0';
    lambda_store_status status = lambda_api_load(call, db, &latest, &fn);
    if (status == LAMBDA_STORE_ERROR)
        goto out;
    if (!lambda_api_authorize(call, action, &ref, status == LAMBDA_STORE_OK ? &fn : NULL))
        goto out;
    if (status == LAMBDA_STORE_NOT_FOUND) {
        lambda_api_not_found(call, &ref);
        goto out;
    }
    if (ref.qualifier[0] && strcmp(ref.qualifier, LAMBDA_LATEST) != 0) {
        aws_call_error(call, 400, "InvalidParameterValueException",
                       "Only $LATEST can be changed: version %s is immutable", ref.qualifier);
        goto out;
    }
    if (!revision_matches(call, &fn, revision_id) || !change(call, body, &fn, arg))
        goto out;
    lambda_api_touch(fn.config, true);
    if (json_is_true(json_object_get(body, "DryRun"))) {
        aws_call_json_result(call, 200, json_incref(fn.config));
        goto out;
    }
    if (lambda_function_update(db, &fn) != LAMBDA_STORE_OK ||
        (json_is_true(json_object_get(body, "Publish")) &&
         !(published = publish_version(db, &fn, NULL))) ||
        owl_store_commit(db) != SQLITE_OK) {
        lambda_api_store_failed(call);
        goto out;
    }
    aws_call_json_result(call, 200, published ? json_incref(published) : json_incref(fn.config));
out:
    owl_store_rollback(db);
    owl_store_release(call->store, db);
    json_decref(published);
    lambda_function_free(&fn);
}

static bool change_code(aws_call *call, json_t *body, lambda_function *fn, void *arg)
{
    (void)arg;
    json_t *architectures = json_object_get(body, "Architectures");
    if (architectures && !validate_architectures(call, architectures))
        return false;
    return apply_code(call, body, fn->config);
}

static bool change_configuration(aws_call *call, json_t *body, lambda_function *fn, void *arg)
{
    (void)arg;
    return apply_configuration(call, body, fn->config);
}

void lambda_update_function_code(aws_call *call, const char *name)
{
    json_t *body = request_body(call);
    if (!body)
        return;
    update_latest(call, name, "lambda:UpdateFunctionCode", body, change_code, NULL);
    json_decref(body);
}

void lambda_update_function_configuration(aws_call *call, const char *name)
{
    json_t *body = request_body(call);
    if (!body)
        return;
    /* The service model has no Publish or DryRun here: never honour them. */
    json_object_del(body, "Publish");
    json_object_del(body, "DryRun");
    update_latest(call, name, "lambda:UpdateFunctionConfiguration", body, change_configuration,
                  NULL);
    json_decref(body);
}

void lambda_publish_version(aws_call *call, const char *name)
{
    json_t *body = request_body(call);
    if (!body)
        return;
    lambda_ref ref;
    const char *code_sha, *description, *revision_id;
    if (!lambda_api_resolve(call, name, NULL, &ref) ||
        !body_string(call, body, "CodeSha256", &code_sha) ||
        !body_string(call, body, "Description", &description) ||
        !body_string(call, body, "RevisionId", &revision_id)) {
        json_decref(body);
        return;
    }

    sqlite3 *db = owl_store_acquire(call->store);
    lambda_function fn = {0};
    json_t *version = NULL;
    if (owl_store_begin(db) != SQLITE_OK) {
        lambda_api_store_failed(call);
        goto out;
    }
    lambda_ref latest = ref;
    latest.qualifier[0] = '\0';
    lambda_store_status status = lambda_api_load(call, db, &latest, &fn);
    if (status == LAMBDA_STORE_ERROR)
        goto out;
    if (!lambda_api_authorize(call, "lambda:PublishVersion", &ref,
                              status == LAMBDA_STORE_OK ? &fn : NULL))
        goto out;
    if (status == LAMBDA_STORE_NOT_FOUND) {
        lambda_api_not_found(call, &ref);
        goto out;
    }
    if (!revision_matches(call, &fn, revision_id))
        goto out;
    const char *current_sha = json_string_value(json_object_get(fn.config, "CodeSha256"));
    if (code_sha && current_sha && strcmp(code_sha, current_sha) != 0) {
        aws_call_error(call, 412, "PreconditionFailedException",
                       "CodeSHA256 (%.64s) is different from current CodeSHA256 in $LATEST (%s). "
                       "Please try again.",
                       code_sha, current_sha);
        goto out;
    }
    if (!(version = publish_version(db, &fn, description)) || owl_store_commit(db) != SQLITE_OK) {
        lambda_api_store_failed(call);
        goto out;
    }
    aws_call_json_result(call, 201, json_incref(version));
out:
    owl_store_rollback(db);
    owl_store_release(call->store, db);
    json_decref(version);
    lambda_function_free(&fn);
    json_decref(body);
}
