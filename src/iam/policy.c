/*
 * Policy document validation and compilation (see policy.h).
 *
 * The document is parsed with jansson (duplicate keys rejected), checked
 * element by element in document order, and compiled statement by statement.
 * The first problem found is reported with IAM's MalformedPolicyDocument
 * wording and the statement where it sits. After compiling, every statement
 * is indexed under the service prefixes its actions name, so the evaluator
 * looks only at statements that can match the requested action.
 *
 * NOTE: IAM's exact wording is known for the common errors: missing
 * Effect/Principal, prohibited Principal/Resource, invalid principal, SID
 * rules, vendor prefix, ARN format and size quota. For the rest (unknown
 * elements, both Action and NotAction, wrong JSON types, unknown condition
 * operators) the wording is a best guess, mostly IAM's generic "Syntax
 * errors in policy." with a detail.
 */
#include "iam/policy_internal.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_SYNTAX "Syntax errors in policy."
#define MSG_NO_PRINCIPAL "Policy document should not specify a principal."
#define MSG_NO_ACTIONS "Policy statement must contain actions."
#define MSG_NO_RESOURCES "Policy statement must contain resources."
#define MSG_VENDOR "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
#define MSG_ONE_COLON "Actions/Condition can contain only one colon."
#define MSG_SID_ALNUM                                                                              \
    "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular "     \
    "expression [0-9A-Za-z]*"
#define MSG_SID_UNIQUE "Statement IDs (SID) in a single policy must be unique."

typedef struct parse_state {
    iam_policy_kind kind;
    iam_policy_error *error;
    int statement; /* index being compiled, -1 outside statements */
    const char *sid;
} parse_state;

static void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size);
    if (p == NULL)
        abort(); /* as owl_buf: no caller can continue without memory */
    return p;
}

static char *xstrndup(const char *s, size_t len)
{
    char *p = xcalloc(len + 1, 1);
    memcpy(p, s, len);
    return p;
}

/* Fills the error with message and a printf-style detail; always returns -1. */
static int fail(parse_state *ps, const char *message, const char *detail_fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(parse_state *ps, const char *message, const char *detail_fmt, ...)
{
    iam_policy_error *error = ps->error;
    va_list ap;

    snprintf(error->message, sizeof(error->message), "%s", message);
    error->statement = ps->statement;
    snprintf(error->sid, sizeof(error->sid), "%s", ps->sid ? ps->sid : "");
    error->detail[0] = '\0';
    if (detail_fmt) {
        va_start(ap, detail_fmt);
        vsnprintf(error->detail, sizeof(error->detail), detail_fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Like fail(), for messages that embed the offending value; detail may be NULL. */
static int fail_value(parse_state *ps, const char *detail, const char *message_fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_value(parse_state *ps, const char *detail, const char *message_fmt, ...)
{
    va_list ap;

    fail(ps, "", "%s", detail ? detail : "");
    va_start(ap, message_fmt);
    vsnprintf(ps->error->message, sizeof(ps->error->message), message_fmt, ap);
    va_end(ap);
    return -1;
}

int iam_policy_error_format(const iam_policy_error *error, char *out, size_t outlen)
{
    char where[200] = "";

    if (error->statement >= 0 && error->sid[0])
        snprintf(where, sizeof(where), "Statement[%d], Sid \"%s\"", error->statement, error->sid);
    else if (error->statement >= 0)
        snprintf(where, sizeof(where), "Statement[%d]", error->statement);

    if (where[0] && error->detail[0])
        return snprintf(out, outlen, "%s (%s: %s)", error->message, where, error->detail);
    if (where[0] || error->detail[0])
        return snprintf(out, outlen, "%s (%s)", error->message, where[0] ? where : error->detail);
    return snprintf(out, outlen, "%s", error->message);
}

/* Counts characters (UTF-8 code points) other than JSON whitespace, as IAM's size quota does. */
static size_t policy_size(const char *json, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)json[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && (c & 0xc0) != 0x80)
            n++;
    }
    return n;
}

static bool is_one_of(const char *key, const char *const *names)
{
    for (; *names; names++) {
        if (strcmp(key, *names) == 0)
            return true;
    }
    return false;
}

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

/*
 * Parses "arn:PARTITION:SERVICE::ACCOUNT:RESOURCE" for the IAM and STS
 * principal forms. Stores the account (12 digits) and a pointer to the
 * resource part; returns false on any other shape.
 */
static bool split_principal_arn(const char *s, char account[13], const char **service,
                                size_t *service_len, const char **resource)
{
    const char *p = s, *fields[6];
    size_t lens[5];

    if (strncmp(s, "arn:", 4) != 0)
        return false;
    for (int i = 0; i < 5; i++) {
        const char *colon = strchr(p, ':');
        if (colon == NULL)
            return false;
        fields[i] = p;
        lens[i] = (size_t)(colon - p);
        p = colon + 1;
    }
    fields[5] = p;
    if (lens[1] == 0 || lens[3] != 0 || lens[4] != 12)
        return false;
    memcpy(account, fields[4], 12);
    account[12] = '\0';
    if (!all_digits(account, 12))
        return false;
    *service = fields[2];
    *service_len = lens[2];
    *resource = fields[5];
    return true;
}

static bool has_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 && s[n] != '\0';
}

static bool is_service_name(const char *s)
{
    size_t len = strlen(s);
    static const char *const suffixes[] = {".amazonaws.com", ".amazonaws.com.cn", NULL};

    for (size_t i = 0; i < len; i++) {
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '.' && s[i] != '-')
            return false;
    }
    for (int i = 0; suffixes[i]; i++) {
        size_t n = strlen(suffixes[i]);
        if (len > n && strcmp(s + len - n, suffixes[i]) == 0)
            return true;
    }
    return false;
}

static bool is_unique_id(const char *s)
{
    size_t len = strlen(s);
    if (len < 16 || len > 128 || (strncmp(s, "AIDA", 4) != 0 && strncmp(s, "AROA", 4) != 0))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* Classifies one principal value of type (AWS, Service, ...); returns false when invalid. */
static bool principal_entry(const char *type, const char *value, iam_principal_entry *entry)
{
    char account[13];
    const char *service, *resource;
    size_t service_len;

    if (strcmp(type, "AWS") == 0) {
        if (strcmp(value, "*") == 0) {
            entry->kind = IAM_PRINCIPAL_ENTRY_ANY;
            entry->value = xstrndup("*", 1);
            return true;
        }
        if (all_digits(value, 12)) {
            entry->kind = IAM_PRINCIPAL_ENTRY_ACCOUNT;
            entry->value = xstrndup(value, 12);
            return true;
        }
        if (is_unique_id(value)) {
            entry->kind = IAM_PRINCIPAL_ENTRY_UNIQUE_ID;
            entry->value = xstrndup(value, strlen(value));
            return true;
        }
        if (!split_principal_arn(value, account, &service, &service_len, &resource))
            return false;
        if (service_len == 3 && strncmp(service, "iam", 3) == 0) {
            if (strcmp(resource, "root") == 0) {
                entry->kind = IAM_PRINCIPAL_ENTRY_ACCOUNT;
                entry->value = xstrndup(account, 12);
                return true;
            }
            if (!has_prefix(resource, "user/") && !has_prefix(resource, "role/") &&
                !has_prefix(resource, "federated-user/"))
                return false;
        } else if (!(service_len == 3 && strncmp(service, "sts", 3) == 0 &&
                     (has_prefix(resource, "assumed-role/") ||
                      has_prefix(resource, "federated-user/")))) {
            return false;
        }
        entry->kind = IAM_PRINCIPAL_ENTRY_ARN;
    } else if (strcmp(type, "Service") == 0) {
        if (!is_service_name(value))
            return false;
        entry->kind = IAM_PRINCIPAL_ENTRY_SERVICE;
    } else if (strcmp(type, "CanonicalUser") == 0) {
        if (strlen(value) != 64)
            return false;
        for (size_t i = 0; i < 64; i++) {
            if (!isxdigit((unsigned char)value[i]))
                return false;
        }
        entry->kind = IAM_PRINCIPAL_ENTRY_CANONICAL;
    } else if (strcmp(type, "Federated") == 0) {
        bool provider_arn = split_principal_arn(value, account, &service, &service_len, &resource) &&
                            service_len == 3 && strncmp(service, "iam", 3) == 0 &&
                            (has_prefix(resource, "saml-provider/") ||
                             has_prefix(resource, "oidc-provider/"));
        if (!provider_arn && (strchr(value, '.') == NULL || strpbrk(value, " \t*") != NULL))
            return false;
        entry->kind = IAM_PRINCIPAL_ENTRY_FEDERATED;
    } else {
        return false;
    }
    entry->value = xstrndup(value, strlen(value));
    return true;
}

static int compile_principal(parse_state *ps, json_t *value, iam_statement *st)
{
    const char *type;
    json_t *entries;
    size_t count = 0;

    if (json_is_string(value)) {
        if (strcmp(json_string_value(value), "*") != 0)
            return fail_value(ps, NULL, "Invalid principal in policy: \"%.200s\"",
                              json_string_value(value));
        st->principals = xcalloc(1, sizeof(*st->principals));
        st->principals[0].kind = IAM_PRINCIPAL_ENTRY_ANY;
        st->principals[0].value = xstrndup("*", 1);
        st->principals[0].len = 1;
        st->principals[0].hash = iam_hash_text("*", 1);
        st->principal_count = 1;
        st->principal_filter = UINT64_MAX;
        return 0;
    }
    if (!json_is_object(value) || json_object_size(value) == 0)
        return fail(ps, MSG_SYNTAX, "Principal must be \"*\" or an object such as {\"AWS\": ...}");

    json_object_foreach(value, type, entries) {
        count += json_is_array(entries) ? json_array_size(entries) : 1;
    }
    st->principals = xcalloc(count, sizeof(*st->principals));
    json_object_foreach(value, type, entries) {
        size_t n = json_is_array(entries) ? json_array_size(entries) : 1;
        if (n == 0)
            return fail(ps, MSG_SYNTAX, "Principal \"%s\" has an empty list", type);
        for (size_t i = 0; i < n; i++) {
            json_t *item = json_is_array(entries) ? json_array_get(entries, i) : entries;
            if (!json_is_string(item))
                return fail(ps, MSG_SYNTAX, "Principal \"%s\" values must be strings", type);
            if (!principal_entry(type, json_string_value(item), &st->principals[st->principal_count])) {
                return fail_value(ps, NULL, "Invalid principal in policy: \"%.40s\":\"%.180s\"",
                                  type, json_string_value(item));
            }
            iam_principal_entry *entry = &st->principals[st->principal_count++];
            entry->len = (uint32_t)strlen(entry->value);
            entry->hash = iam_hash_text(entry->value, entry->len);
            if (entry->kind == IAM_PRINCIPAL_ENTRY_ANY || entry->kind == IAM_PRINCIPAL_ENTRY_UNIQUE_ID ||
                entry->kind == IAM_PRINCIPAL_ENTRY_CANONICAL)
                st->principal_filter = UINT64_MAX;
            else
                st->principal_filter |= UINT64_C(1) << (entry->hash % 64);
        }
    }
    return 0;
}

/* Returns the strings of an element that may be one string or a list of strings. */
static int string_list(parse_state *ps, json_t *value, const char *element, size_t *count)
{
    if (json_is_string(value)) {
        *count = 1;
        return 0;
    }
    if (!json_is_array(value))
        return fail(ps, MSG_SYNTAX, "%s must be a string or a list of strings", element);
    for (size_t i = 0; i < json_array_size(value); i++) {
        if (!json_is_string(json_array_get(value, i)))
            return fail(ps, MSG_SYNTAX, "%s must be a string or a list of strings", element);
    }
    *count = json_array_size(value);
    return 0;
}

static const char *list_item(json_t *value, size_t i)
{
    return json_string_value(json_is_array(value) ? json_array_get(value, i) : value);
}

static bool valid_action_char(char c)
{
    return isalnum((unsigned char)c) || c == '*' || c == '?' || c == '-' || c == '_';
}

static int compile_actions(parse_state *ps, json_t *value, iam_statement *st)
{
    size_t count;

    if (string_list(ps, value, st->not_action ? "NotAction" : "Action", &count) < 0)
        return -1;
    if (count == 0)
        return fail(ps, MSG_NO_ACTIONS, NULL);
    st->actions = xcalloc(count, sizeof(*st->actions));
    for (size_t i = 0; i < count; i++) {
        const char *text = list_item(value, i);
        const char *colon = strchr(text, ':');
        size_t len = strlen(text);
        iam_pattern *pattern = &st->actions[i];

        if (strcmp(text, "*") != 0) {
            if (colon == NULL || colon == text)
                return fail(ps, MSG_VENDOR, "action \"%s\"", text);
            if (strchr(colon + 1, ':'))
                return fail(ps, MSG_ONE_COLON, "action \"%s\"", text);
            for (const char *c = text; *c; c++) {
                if (c != colon && !valid_action_char(*c))
                    return fail(ps, MSG_SYNTAX, "invalid character in action \"%s\"", text);
            }
            if (colon[1] == '\0')
                return fail(ps, MSG_SYNTAX, "action \"%s\" has no action name", text);
        }
        pattern->text = xstrndup(text, len);
        for (size_t j = 0; j < len; j++)
            pattern->text[j] = (char)tolower((unsigned char)pattern->text[j]);
        pattern->len = (uint32_t)len;
        pattern->service_len = colon ? (uint32_t)(colon - text) : 0;
        iam_pattern_classify(pattern);
        if (pattern->kind == IAM_PATTERN_ANY)
            pattern->service_has_wildcard = true;
        st->action_count++;
    }
    return 0;
}

static bool has_variables(const char *text)
{
    const char *open = strstr(text, "${");
    return open != NULL && strchr(open, '}') != NULL;
}

static int compile_resources(parse_state *ps, json_t *value, iam_statement *st, bool variables)
{
    size_t count;

    if (string_list(ps, value, st->not_resource ? "NotResource" : "Resource", &count) < 0)
        return -1;
    if (count == 0)
        return fail(ps, MSG_NO_RESOURCES, NULL);
    st->resources = xcalloc(count, sizeof(*st->resources));
    for (size_t i = 0; i < count; i++) {
        const char *text = list_item(value, i);
        size_t colons = 0;
        for (const char *c = text; *c; c++)
            colons += *c == ':';
        if (strcmp(text, "*") != 0 && (strncmp(text, "arn:", 4) != 0 || colons < 5)) {
            return fail_value(ps, NULL, "Resource %.180s must be in ARN format or \"*\".", text);
        }
        iam_pattern *pattern = &st->resources[i];
        pattern->len = (uint32_t)strlen(text);
        pattern->text = xstrndup(text, pattern->len);
        pattern->has_variables = variables && has_variables(text);
        iam_pattern_classify(pattern);
        st->resource_count++;
    }
    return 0;
}

/* Renders a JSON scalar condition value as IAM compares it: strings as is, numbers and booleans as text. */
static bool scalar_text(json_t *value, char *buf, size_t buflen, const char **text)
{
    if (json_is_string(value)) {
        *text = json_string_value(value);
    } else if (json_is_integer(value)) {
        snprintf(buf, buflen, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        *text = buf;
    } else if (json_is_real(value)) {
        snprintf(buf, buflen, "%.15g", json_real_value(value));
        *text = buf;
    } else if (json_is_boolean(value)) {
        *text = json_is_true(value) ? "true" : "false";
    } else {
        return false;
    }
    return true;
}

static int compile_conditions(parse_state *ps, json_t *block, iam_statement *st, bool variables)
{
    const char *op_name, *key;
    json_t *keys, *values;
    size_t count = 0;

    if (!json_is_object(block))
        return fail(ps, MSG_SYNTAX, "Condition must be an object");
    json_object_foreach(block, op_name, keys) {
        if (!json_is_object(keys))
            return fail(ps, MSG_SYNTAX, "Condition operator \"%s\" must map keys to values", op_name);
        count += json_object_size(keys);
    }
    st->conditions = xcalloc(count, sizeof(*st->conditions));

    json_object_foreach(block, op_name, keys) {
        iam_condition parsed_op = {0};
        if (!iam_condition_parse_op(op_name, &parsed_op)) {
            return fail_value(ps, NULL, "Invalid Condition type : %.200s.", op_name);
        }
        json_object_foreach(keys, key, values) {
            iam_condition *condition = &st->conditions[st->condition_count];
            const char *colon = strchr(key, ':');
            size_t n = json_is_array(values) ? json_array_size(values) : 1;

            if (colon == NULL || colon == key || colon[1] == '\0')
                return fail(ps, MSG_VENDOR, "condition key \"%s\"", key);
            if (n == 0)
                return fail(ps, MSG_SYNTAX, "condition key \"%s\" has an empty list", key);

            *condition = parsed_op;
            condition->key = xstrndup(key, strlen(key));
            condition->values = xcalloc(n, sizeof(*condition->values));
            st->condition_count++;
            for (size_t i = 0; i < n; i++) {
                json_t *item = json_is_array(values) ? json_array_get(values, i) : values;
                iam_condition_value *cv = &condition->values[i];
                char buf[64];
                const char *text;
                if (!scalar_text(item, buf, sizeof(buf), &text))
                    return fail(ps, MSG_SYNTAX, "condition key \"%s\" values must be strings, numbers or booleans", key);
                cv->len = (uint32_t)strlen(text);
                cv->text = xstrndup(text, cv->len);
                cv->has_variables = variables && condition->op != IAM_OP_NULL && has_variables(text);
                condition->value_count++;
                if (!iam_condition_value_parse(condition, cv))
                    return fail(ps, MSG_SYNTAX, "Null takes \"true\" or \"false\", not \"%s\"", text);
            }
        }
    }
    return 0;
}

static bool sid_is_alphanumeric(const char *sid)
{
    for (; *sid; sid++) {
        if (!isalnum((unsigned char)*sid))
            return false;
    }
    return true;
}

static int compile_statement(parse_state *ps, json_t *object, iam_statement *st, bool variables)
{
    static const char *const elements[] = {"Sid", "Effect", "Principal", "NotPrincipal", "Action",
                                           "NotAction", "Resource", "NotResource", "Condition", NULL};
    const char *key;
    json_t *value, *sid, *effect, *principal, *action, *resource, *condition;

    if (!json_is_object(object))
        return fail(ps, MSG_SYNTAX, "a statement must be an object");

    sid = json_object_get(object, "Sid");
    if (sid) {
        if (!json_is_string(sid))
            return fail(ps, MSG_SYNTAX, "Sid must be a string");
        st->sid = xstrndup(json_string_value(sid), strlen(json_string_value(sid)));
        ps->sid = st->sid;
    }
    json_object_foreach(object, key, value) {
        if (!is_one_of(key, elements))
            return fail(ps, MSG_SYNTAX, "unknown element \"%.100s\"", key);
    }
    if (st->sid && ps->kind != IAM_POLICY_RESOURCE && !sid_is_alphanumeric(st->sid))
        return fail(ps, MSG_SID_ALNUM, NULL);

    effect = json_object_get(object, "Effect");
    if (effect == NULL)
        return fail(ps, "Missing required field Effect.", NULL);
    if (!json_is_string(effect) ||
        (strcmp(json_string_value(effect), "Allow") != 0 && strcmp(json_string_value(effect), "Deny") != 0)) {
        return fail_value(ps, NULL, "Invalid effect: %.200s",
                          json_is_string(effect) ? json_string_value(effect) : "(not a string)");
    }
    st->deny = strcmp(json_string_value(effect), "Deny") == 0;

    principal = json_object_get(object, "Principal");
    if (json_object_get(object, "NotPrincipal")) {
        if (principal)
            return fail(ps, MSG_SYNTAX, "a statement cannot have both Principal and NotPrincipal");
        principal = json_object_get(object, "NotPrincipal");
        st->not_principal = true;
    }
    if (ps->kind == IAM_POLICY_IDENTITY && principal)
        return fail(ps, MSG_NO_PRINCIPAL, NULL);
    if (ps->kind != IAM_POLICY_IDENTITY) {
        if (principal == NULL)
            return fail(ps, "Missing required field Principal.", NULL);
        st->has_principal = true;
        if (compile_principal(ps, principal, st) < 0)
            return -1;
    }

    action = json_object_get(object, "Action");
    if (json_object_get(object, "NotAction")) {
        if (action)
            return fail(ps, MSG_SYNTAX, "a statement cannot have both Action and NotAction");
        action = json_object_get(object, "NotAction");
        st->not_action = true;
    }
    if (action == NULL)
        return fail(ps, MSG_NO_ACTIONS, NULL);
    if (compile_actions(ps, action, st) < 0)
        return -1;

    resource = json_object_get(object, "Resource");
    if (json_object_get(object, "NotResource")) {
        if (resource)
            return fail(ps, MSG_SYNTAX, "a statement cannot have both Resource and NotResource");
        resource = json_object_get(object, "NotResource");
        st->not_resource = true;
    }
    if (ps->kind == IAM_POLICY_TRUST && resource)
        return fail(ps, st->not_resource ? "Has prohibited field NotResource." : "Has prohibited field Resource.", NULL);
    if (ps->kind != IAM_POLICY_TRUST) {
        if (resource == NULL)
            return fail(ps, MSG_NO_RESOURCES, NULL);
        st->has_resource = true;
        if (compile_resources(ps, resource, st, variables) < 0)
            return -1;
    }

    condition = json_object_get(object, "Condition");
    if (condition && compile_conditions(ps, condition, st, variables) < 0)
        return -1;
    return 0;
}

static bool statement_is_generic(const iam_statement *st)
{
    if (st->not_action)
        return true;
    for (uint32_t i = 0; i < st->action_count; i++) {
        if (st->actions[i].service_has_wildcard)
            return true;
    }
    return false;
}

static bool statement_names_service(const iam_statement *st, const char *service, size_t len)
{
    for (uint32_t i = 0; i < st->action_count; i++) {
        if (st->actions[i].service_len == len && memcmp(st->actions[i].text, service, len) == 0)
            return true;
    }
    return false;
}

/* Returns the first letters of the action names of st within service (NULL: every service). */
static uint32_t first_letters(const iam_statement *st, bool generic, const char *service, size_t service_len)
{
    uint32_t letters = 0;

    if (generic)
        return UINT32_MAX;
    for (uint32_t a = 0; a < st->action_count; a++) {
        const iam_pattern *action = &st->actions[a];
        char first = action->text[action->service_len + 1];
        if (action->service_len != service_len || memcmp(action->text, service, service_len) != 0)
            continue;
        letters |= first == '*' || first == '?' ? UINT32_MAX : iam_action_letter(first);
    }
    return letters;
}

/* Fills list with the statements for which include[i] is true, and its Deny subset. */
static void fill_list(const iam_policy *policy, const bool *include, const bool *generic,
                      const char *service, size_t service_len, iam_statement_list *list)
{
    uint32_t n = policy->statement_count;

    list->statements = xcalloc(n, sizeof(uint32_t));
    list->letters = xcalloc(n, sizeof(uint32_t));
    list->denies = xcalloc(n, sizeof(uint32_t));
    list->deny_letters = xcalloc(n, sizeof(uint32_t));
    for (uint32_t i = 0; i < n; i++) {
        const iam_statement *st = &policy->statements[i];
        uint32_t letters;
        if (!include[i])
            continue;
        letters = service ? first_letters(st, generic[i], service, service_len) : UINT32_MAX;
        list->letters[list->count] = letters;
        list->statements[list->count++] = i;
        if (st->deny) {
            list->deny_letters[list->deny_count] = letters;
            list->denies[list->deny_count++] = i;
        }
    }
}

/* Adds the service prefix of action to policy->services unless it is there already. */
static void add_service(iam_policy *policy, const iam_pattern *action)
{
    uint64_t hash = iam_hash_text(action->text, action->service_len);

    for (uint32_t s = 0; s < policy->service_count; s++) {
        const iam_service_index *index = &policy->services[s];
        if (index->hash == hash && index->service_len == action->service_len &&
            memcmp(index->service, action->text, action->service_len) == 0)
            return;
    }
    iam_service_index *index = &policy->services[policy->service_count++];
    index->hash = hash;
    index->service = xstrndup(action->text, action->service_len);
    index->service_len = action->service_len;
}

/*
 * Builds policy->services, its hash table and policy->generic. A statement
 * whose actions all name literal services is listed under those services. A
 * statement with NotAction or a wildcard in a service prefix ("*", "*:Get*")
 * is generic, so it is listed under every service and in generic.
 */
static void build_service_index(iam_policy *policy)
{
    uint32_t n = policy->statement_count, total_actions = 0, size = 4;
    bool *generic = xcalloc(n, sizeof(bool)), *include = xcalloc(n, sizeof(bool));

    for (uint32_t i = 0; i < n; i++) {
        generic[i] = statement_is_generic(&policy->statements[i]);
        total_actions += policy->statements[i].action_count;
    }
    policy->services = xcalloc(total_actions, sizeof(iam_service_index));
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t a = 0; !generic[i] && a < policy->statements[i].action_count; a++)
            add_service(policy, &policy->statements[i].actions[a]);
    }
    fill_list(policy, generic, generic, NULL, 0, &policy->generic);

    for (uint32_t s = 0; s < policy->service_count; s++) {
        iam_service_index *index = &policy->services[s];
        for (uint32_t i = 0; i < n; i++)
            include[i] = generic[i] ||
                         statement_names_service(&policy->statements[i], index->service, index->service_len);
        fill_list(policy, include, generic, index->service, index->service_len, &index->list);
    }

    while (size < 2 * policy->service_count)
        size *= 2;
    policy->service_mask = size - 1;
    policy->service_table = xcalloc(size, sizeof(uint32_t));
    memset(policy->service_table, 0xff, size * sizeof(uint32_t));
    for (uint32_t s = 0; s < policy->service_count; s++) {
        uint32_t slot = (uint32_t)policy->services[s].hash & policy->service_mask;
        while (policy->service_table[slot] != UINT32_MAX)
            slot = (slot + 1) & policy->service_mask;
        policy->service_table[slot] = s;
    }
    free(generic);
    free(include);
}

static int compile_document(parse_state *ps, json_t *root, iam_policy *policy)
{
    static const char *const elements[] = {"Version", "Id", "Statement", NULL};
    const char *key;
    json_t *value, *version, *statements;
    size_t count;

    if (!json_is_object(root))
        return fail(ps, MSG_SYNTAX, "the policy must be a JSON object");
    json_object_foreach(root, key, value) {
        if (!is_one_of(key, elements))
            return fail(ps, MSG_SYNTAX, "unknown element \"%.100s\"", key);
    }

    version = json_object_get(root, "Version");
    policy->variables = false;
    if (version) {
        const char *v = json_string_value(version);
        if (v == NULL || (strcmp(v, "2012-10-17") != 0 && strcmp(v, "2008-10-17") != 0))
            return fail(ps, MSG_SYNTAX, "Version must be \"2012-10-17\" or \"2008-10-17\"");
        policy->variables = strcmp(v, "2012-10-17") == 0;
    }
    value = json_object_get(root, "Id");
    if (value && !json_is_string(value))
        return fail(ps, MSG_SYNTAX, "Id must be a string");

    statements = json_object_get(root, "Statement");
    if (statements == NULL)
        return fail(ps, "Missing required field Statement.", NULL);
    if (!json_is_object(statements) && !json_is_array(statements))
        return fail(ps, MSG_SYNTAX, "Statement must be an object or a list of objects");
    count = json_is_array(statements) ? json_array_size(statements) : 1;
    if (count == 0)
        return fail(ps, MSG_SYNTAX, "Statement is an empty list");

    policy->statements = xcalloc(count, sizeof(*policy->statements));
    for (size_t i = 0; i < count; i++) {
        json_t *object = json_is_array(statements) ? json_array_get(statements, i) : statements;
        ps->statement = (int)i;
        ps->sid = NULL;
        policy->statement_count++;
        if (compile_statement(ps, object, &policy->statements[i], policy->variables) < 0)
            return -1;
        if (policy->statements[i].deny)
            policy->has_deny = true;
        for (size_t j = 0; j < i && policy->statements[i].sid; j++) {
            const char *other = policy->statements[j].sid;
            if (other && other[0] && strcmp(other, policy->statements[i].sid) == 0)
                return fail(ps, MSG_SID_UNIQUE, "Sid \"%.100s\" repeats statement %zu", other, j);
        }
    }
    ps->statement = -1;
    ps->sid = NULL;
    build_service_index(policy);
    return 0;
}

int iam_policy_parse(const char *json, size_t len, iam_policy_kind kind, size_t max_size,
                     iam_policy **out, iam_policy_error *error)
{
    parse_state ps = {kind, error, -1, NULL};
    json_error_t json_error;
    json_t *root;
    iam_policy *policy;
    size_t size = policy_size(json, len);

    *out = NULL;
    if (max_size && size > max_size) {
        char detail[80];
        snprintf(detail, sizeof(detail), "the policy has %zu characters without whitespace", size);
        return fail_value(&ps, detail, "Cannot exceed quota for PolicySize: %zu", max_size);
    }
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &json_error);
    if (root == NULL)
        return fail(&ps, MSG_SYNTAX, "invalid JSON at line %d, column %d: %s", json_error.line,
                    json_error.column, json_error.text);

    policy = xcalloc(1, sizeof(*policy));
    policy->kind = kind;
    if (compile_document(&ps, root, policy) < 0) {
        json_decref(root);
        iam_policy_free(policy);
        return -1;
    }
    json_decref(root);
    memset(error, 0, sizeof(*error));
    error->statement = -1;
    *out = policy;
    return 0;
}

static void free_patterns(iam_pattern *patterns, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        free(patterns[i].text);
    free(patterns);
}

void iam_policy_free(iam_policy *policy)
{
    if (policy == NULL)
        return;
    for (uint32_t i = 0; i < policy->statement_count; i++) {
        iam_statement *st = &policy->statements[i];
        free(st->sid);
        free_patterns(st->actions, st->action_count);
        free_patterns(st->resources, st->resource_count);
        for (uint32_t p = 0; p < st->principal_count; p++)
            free(st->principals[p].value);
        free(st->principals);
        for (uint32_t c = 0; c < st->condition_count; c++) {
            for (uint32_t v = 0; v < st->conditions[c].value_count; v++)
                free(st->conditions[c].values[v].text);
            free(st->conditions[c].values);
            free(st->conditions[c].key);
        }
        free(st->conditions);
    }
    free(policy->statements);
    for (uint32_t s = 0; s < policy->service_count; s++) {
        free(policy->services[s].service);
        free(policy->services[s].list.statements);
        free(policy->services[s].list.letters);
        free(policy->services[s].list.denies);
        free(policy->services[s].list.deny_letters);
    }
    free(policy->services);
    free(policy->service_table);
    free(policy->generic.statements);
    free(policy->generic.letters);
    free(policy->generic.denies);
    free(policy->generic.deny_letters);
    free(policy);
}

size_t iam_policy_statement_count(const iam_policy *policy)
{
    return policy->statement_count;
}

const char *iam_policy_statement_sid(const iam_policy *policy, size_t index)
{
    if (index >= policy->statement_count)
        return NULL;
    return policy->statements[index].sid;
}

bool iam_policy_has_variables(const iam_policy *policy)
{
    return policy->variables;
}
