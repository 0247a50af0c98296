/*
 * Condition operators of the IAM policy language: parsing operator names and
 * values at compile time, and matching them against the request context.
 *
 * Semantics, as AWS documents them for the IAM JSON policy language:
 *  - values listed for one key are OR'd; keys in one operator block and the
 *    operator blocks of a statement are AND'd;
 *  - a key absent from the request makes a positive operator false and a
 *    negated one (StringNotEquals, NumericNotEquals, DateNotEquals,
 *    NotIpAddress, ArnNotEquals, ArnNotLike, StringNotLike, ...) true;
 *  - the ...IfExists suffix makes the condition true when the key is absent;
 *  - ForAnyValue: true when at least one request value matches (false when
 *    the key is absent); ForAllValues: true when every request value matches
 *    (true when the key is absent or empty). A negated operator inside a set
 *    operator negates the per-value test;
 *  - Null checks presence only: "true" means the key must be absent.
 * Dates accept ISO 8601 (2026-12-04, 2026-12-04T19:50:01Z, with fractions
 * and +hh:mm offsets) and epoch seconds. IpAddress accepts IPv4 and IPv6
 * addresses or CIDRs.
 */
#include "iam/policy_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct op_name {
    const char *name;
    uint8_t op;
    bool negated;
} op_name;

static const op_name op_names[] = {
    {"StringEquals", IAM_OP_STRING_EQUALS, false},
    {"StringNotEquals", IAM_OP_STRING_EQUALS, true},
    {"StringEqualsIgnoreCase", IAM_OP_STRING_EQUALS_IGNORE_CASE, false},
    {"StringNotEqualsIgnoreCase", IAM_OP_STRING_EQUALS_IGNORE_CASE, true},
    {"StringLike", IAM_OP_STRING_LIKE, false},
    {"StringNotLike", IAM_OP_STRING_LIKE, true},
    {"NumericEquals", IAM_OP_NUMERIC_EQUALS, false},
    {"NumericNotEquals", IAM_OP_NUMERIC_EQUALS, true},
    {"NumericLessThan", IAM_OP_NUMERIC_LESS_THAN, false},
    {"NumericLessThanEquals", IAM_OP_NUMERIC_LESS_THAN_EQUALS, false},
    {"NumericGreaterThan", IAM_OP_NUMERIC_GREATER_THAN, false},
    {"NumericGreaterThanEquals", IAM_OP_NUMERIC_GREATER_THAN_EQUALS, false},
    {"DateEquals", IAM_OP_DATE_EQUALS, false},
    {"DateNotEquals", IAM_OP_DATE_EQUALS, true},
    {"DateLessThan", IAM_OP_DATE_LESS_THAN, false},
    {"DateLessThanEquals", IAM_OP_DATE_LESS_THAN_EQUALS, false},
    {"DateGreaterThan", IAM_OP_DATE_GREATER_THAN, false},
    {"DateGreaterThanEquals", IAM_OP_DATE_GREATER_THAN_EQUALS, false},
    {"Bool", IAM_OP_BOOL, false},
    {"BinaryEquals", IAM_OP_BINARY_EQUALS, false},
    {"IpAddress", IAM_OP_IP_ADDRESS, false},
    {"NotIpAddress", IAM_OP_IP_ADDRESS, true},
    {"ArnEquals", IAM_OP_ARN_LIKE, false},
    {"ArnLike", IAM_OP_ARN_LIKE, false},
    {"ArnNotEquals", IAM_OP_ARN_LIKE, true},
    {"ArnNotLike", IAM_OP_ARN_LIKE, true},
    {"Null", IAM_OP_NULL, false},
};

/*
 * Parses an operator name such as "ForAllValues:StringLikeIfExists" into
 * condition->op, set, negated and if_exists. Names are case-sensitive, as in
 * IAM. Returns false for an unknown operator; Null takes no IfExists.
 */
bool iam_condition_parse_op(const char *name, iam_condition *condition)
{
    static const char any[] = "ForAnyValue:", all[] = "ForAllValues:", if_exists[] = "IfExists";
    size_t len;

    condition->set = IAM_SET_NONE;
    if (strncmp(name, any, sizeof(any) - 1) == 0) {
        condition->set = IAM_SET_ANY_VALUE;
        name += sizeof(any) - 1;
    } else if (strncmp(name, all, sizeof(all) - 1) == 0) {
        condition->set = IAM_SET_ALL_VALUES;
        name += sizeof(all) - 1;
    }
    len = strlen(name);
    condition->if_exists = false;
    if (len > sizeof(if_exists) - 1 &&
        strcmp(name + len - (sizeof(if_exists) - 1), if_exists) == 0) {
        condition->if_exists = true;
        len -= sizeof(if_exists) - 1;
    }
    for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
        if (strlen(op_names[i].name) == len && strncmp(op_names[i].name, name, len) == 0) {
            if (op_names[i].op == IAM_OP_NULL && (condition->if_exists || condition->set))
                return false;
            condition->op = op_names[i].op;
            condition->negated = op_names[i].negated;
            return true;
        }
    }
    return false;
}

static bool parse_number(const char *s, size_t len, double *out)
{
    char buf[64], *end;
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (isspace((unsigned char)buf[0]))
        return false;
    *out = strtod(buf, &end);
    return *end == '\0' && isfinite(*out);
}

static bool digits(const char *s, size_t n, int *out)
{
    int value = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        value = value * 10 + (s[i] - '0');
    }
    *out = value;
    return true;
}

/* Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool iam_parse_date(const char *s, size_t len, double *seconds)
{
    int year, month, day, hour = 0, minute = 0, second = 0;
    size_t i = 10;
    double fraction = 0, offset = 0;

    if (len > 0 && len <= 12 && (isdigit((unsigned char)s[0]) || s[0] == '-')) {
        size_t j = s[0] == '-';
        while (j < len && isdigit((unsigned char)s[j]))
            j++;
        if (j == len && len > (size_t)(s[0] == '-'))
            return parse_number(s, len, seconds);
    }
    if (len < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &year) || !digits(s + 5, 2, &month) ||
        !digits(s + 8, 2, &day) || month < 1 || month > 12 || day < 1 || day > 31)
        return false;
    if (i < len) {
        if (s[i] != 'T' && s[i] != 't')
            return false;
        if (len < i + 6 || !digits(s + i + 1, 2, &hour) || s[i + 3] != ':' ||
            !digits(s + i + 4, 2, &minute))
            return false;
        i += 6;
        if (i < len && s[i] == ':') {
            if (len < i + 3 || !digits(s + i + 1, 2, &second))
                return false;
            i += 3;
            if (i < len && s[i] == '.') {
                double scale = 0.1;
                if (++i >= len || !isdigit((unsigned char)s[i]))
                    return false;
                for (; i < len && isdigit((unsigned char)s[i]); i++, scale /= 10)
                    fraction += (s[i] - '0') * scale;
            }
        }
        if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < len && (s[i] == '+' || s[i] == '-')) {
            int oh, om;
            if (len != i + 6 || !digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
                !digits(s + i + 4, 2, &om))
                return false;
            offset = (s[i] == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
            i += 6;
        }
        if (i != len || hour > 23 || minute > 59 || second > 60)
            return false;
    }
    *seconds = (double)days_from_civil(year, month, day) * 86400.0 + hour * 3600.0 + minute * 60.0 +
               second + fraction - offset;
    return true;
}

/* Parses an IPv4 or IPv6 address, with "/prefix" when allow_prefix. */
bool iam_parse_cidr(const char *s, size_t len, iam_cidr *out, bool allow_prefix)
{
    char buf[64];
    const char *slash;
    int prefix = -1, max;
    uint8_t v4[4];

    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    slash = strchr(buf, '/');
    if (slash) {
        if (!allow_prefix || !digits(slash + 1, strlen(slash + 1), &prefix) || slash[1] == '\0' ||
            strlen(slash + 1) > 3)
            return false;
        buf[slash - buf] = '\0';
    }
    memset(out->addr, 0, sizeof(out->addr));
    if (inet_pton(AF_INET, buf, v4) == 1) {
        out->addr[10] = out->addr[11] = 0xff;
        memcpy(out->addr + 12, v4, 4);
        max = 32;
        if (prefix > max)
            return false;
        out->prefix = (uint8_t)(96 + (prefix < 0 ? max : prefix));
        return true;
    }
    if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        max = 128;
        if (prefix > max)
            return false;
        out->prefix = (uint8_t)(prefix < 0 ? max : prefix);
        return true;
    }
    return false;
}

static bool cidr_contains(const iam_cidr *net, const iam_cidr *addr)
{
    size_t full = net->prefix / 8, rest = net->prefix % 8;
    if (memcmp(net->addr, addr->addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (net->addr[full] & mask) == (addr->addr[full] & mask);
}

static bool parse_bool(const char *s, size_t len, bool *out)
{
    if (len == 4 && strncasecmp(s, "true", 4) == 0)
        *out = true;
    else if (len == 5 && strncasecmp(s, "false", 5) == 0)
        *out = false;
    else
        return false;
    return true;
}

/* Parses value->text for condition->op into value->parsed; sets value->valid. */
static void parse_typed(uint8_t op, const char *text, size_t len, iam_condition_value *value)
{
    switch (op) {
    case IAM_OP_NUMERIC_EQUALS:
    case IAM_OP_NUMERIC_LESS_THAN:
    case IAM_OP_NUMERIC_LESS_THAN_EQUALS:
    case IAM_OP_NUMERIC_GREATER_THAN:
    case IAM_OP_NUMERIC_GREATER_THAN_EQUALS:
        value->valid = parse_number(text, len, &value->parsed.number);
        break;
    case IAM_OP_DATE_EQUALS:
    case IAM_OP_DATE_LESS_THAN:
    case IAM_OP_DATE_LESS_THAN_EQUALS:
    case IAM_OP_DATE_GREATER_THAN:
    case IAM_OP_DATE_GREATER_THAN_EQUALS:
        value->valid = iam_parse_date(text, len, &value->parsed.seconds);
        break;
    case IAM_OP_BOOL:
    case IAM_OP_NULL:
        value->valid = parse_bool(text, len, &value->parsed.boolean);
        break;
    case IAM_OP_IP_ADDRESS:
        value->valid = iam_parse_cidr(text, len, &value->parsed.cidr, true);
        break;
    default:
        value->valid = true;
        break;
    }
}

/*
 * Parses a policy value for its operator. Returns false when the value can
 * never be valid for it (a Null value other than true/false); other
 * unparsable values are kept and never match.
 */
bool iam_condition_value_parse(iam_condition *condition, iam_condition_value *value)
{
    if (value->has_variables) {
        value->valid = true; /* parsed after expansion, per request */
        return true;
    }
    parse_typed(condition->op, value->text, value->len, value);
    return condition->op != IAM_OP_NULL || value->valid;
}

static bool compare(uint8_t op, double policy, double request)
{
    switch (op) {
    case IAM_OP_NUMERIC_EQUALS:
    case IAM_OP_DATE_EQUALS:
        return request == policy;
    case IAM_OP_NUMERIC_LESS_THAN:
    case IAM_OP_DATE_LESS_THAN:
        return request < policy;
    case IAM_OP_NUMERIC_LESS_THAN_EQUALS:
    case IAM_OP_DATE_LESS_THAN_EQUALS:
        return request <= policy;
    case IAM_OP_NUMERIC_GREATER_THAN:
    case IAM_OP_DATE_GREATER_THAN:
        return request > policy;
    default:
        return request >= policy;
    }
}

/* The positive test of one policy value against one request value. */
static bool value_matches(const iam_condition *condition, const iam_condition_value *policy_value,
                          bool variables, const iam_eval_context *ctx, const char *request_value)
{
    const char *text = policy_value->text;
    size_t len = policy_value->len, request_len = strlen(request_value);
    char expanded[IAM_TEXT_MAX];
    uint8_t literal_mask[IAM_TEXT_MAX];
    const uint8_t *literal = NULL;
    iam_condition_value typed = *policy_value;
    double number;
    bool boolean;
    iam_cidr addr;

    if (variables && policy_value->has_variables) {
        if (!iam_expand_variables(text, len, ctx, expanded, literal_mask, &len))
            return false;
        text = expanded;
        literal = literal_mask;
        parse_typed(condition->op, text, len, &typed);
    }
    if (!typed.valid)
        return false;

    switch (condition->op) {
    case IAM_OP_STRING_EQUALS:
    case IAM_OP_BINARY_EQUALS:
        return len == request_len && memcmp(text, request_value, len) == 0;
    case IAM_OP_STRING_EQUALS_IGNORE_CASE:
        return len == request_len && strncasecmp(text, request_value, len) == 0;
    case IAM_OP_STRING_LIKE:
        return iam_glob(text, len, literal, request_value, request_len);
    case IAM_OP_ARN_LIKE:
        return iam_arn_like(text, len, literal, request_value, request_len);
    case IAM_OP_BOOL:
        return parse_bool(request_value, request_len, &boolean) && boolean == typed.parsed.boolean;
    case IAM_OP_IP_ADDRESS:
        return iam_parse_cidr(request_value, request_len, &addr, false) &&
               cidr_contains(&typed.parsed.cidr, &addr);
    case IAM_OP_DATE_EQUALS:
    case IAM_OP_DATE_LESS_THAN:
    case IAM_OP_DATE_LESS_THAN_EQUALS:
    case IAM_OP_DATE_GREATER_THAN:
    case IAM_OP_DATE_GREATER_THAN_EQUALS:
        return iam_parse_date(request_value, request_len, &number) &&
               compare(condition->op, typed.parsed.seconds, number);
    default:
        return parse_number(request_value, request_len, &number) &&
               compare(condition->op, typed.parsed.number, number);
    }
}

/* True when some policy value matches request_value (values are OR'd). */
static bool any_value_matches(const iam_condition *condition, bool variables,
                              const iam_eval_context *ctx, const char *request_value)
{
    for (uint32_t i = 0; i < condition->value_count; i++) {
        if (value_matches(condition, &condition->values[i], variables, ctx, request_value))
            return true;
    }
    return false;
}

static bool condition_matches(const iam_condition *condition, bool variables,
                              const iam_eval_context *ctx)
{
    iam_values values = {NULL, 0};
    bool present = iam_context_lookup(ctx, condition->key, strlen(condition->key), &values);

    if (condition->op == IAM_OP_NULL) {
        for (uint32_t i = 0; i < condition->value_count; i++) {
            if (condition->values[i].valid && condition->values[i].parsed.boolean == !present)
                return true;
        }
        return false;
    }
    if (!present) {
        if (condition->if_exists || condition->set == IAM_SET_ALL_VALUES)
            return true;
        if (condition->set == IAM_SET_ANY_VALUE)
            return false;
        return condition->negated;
    }

    switch (condition->set) {
    case IAM_SET_ANY_VALUE:
        for (size_t i = 0; i < values.count; i++) {
            if (any_value_matches(condition, variables, ctx, values.values[i]) != condition->negated)
                return true;
        }
        return false;
    case IAM_SET_ALL_VALUES:
        for (size_t i = 0; i < values.count; i++) {
            if (any_value_matches(condition, variables, ctx, values.values[i]) == condition->negated)
                return false;
        }
        return true;
    default:
        for (size_t i = 0; i < values.count; i++) {
            if (any_value_matches(condition, variables, ctx, values.values[i]))
                return !condition->negated;
        }
        return condition->negated;
    }
}

bool iam_conditions_match(const iam_statement *statement, bool variables,
                          const iam_eval_context *ctx)
{
    for (uint32_t i = 0; i < statement->condition_count; i++) {
        if (!condition_matches(&statement->conditions[i], variables, ctx))
            return false;
    }
    return true;
}
