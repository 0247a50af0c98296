/*
 * The compiled policy form shared by policy.c (which builds it),
 * pattern.c and condition.c (which match parts of it) and evaluate.c. Not a
 * public interface: services use policy.h and evaluate.h.
 */
#ifndef OWL_IAM_POLICY_INTERNAL_H
#define OWL_IAM_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iam/evaluate.h"
#include "iam/policy.h"

/* Maximum length of an action or of expanded policy-variable text, including the NUL. */
#define IAM_TEXT_MAX 2048

/* How a pattern is matched, chosen once at compile time. */
typedef enum iam_pattern_kind {
    IAM_PATTERN_ANY,     /* "*" */
    IAM_PATTERN_LITERAL, /* no wildcard: compare bytes */
    IAM_PATTERN_PREFIX,  /* one trailing '*' and no other wildcard */
    IAM_PATTERN_GLOB,    /* anything else: '*' and '?' anywhere */
} iam_pattern_kind;

/*
 * An Action/NotAction or Resource/NotResource entry. Actions are stored
 * lowercased and service_len is the length of "service" before the colon.
 */
typedef struct iam_pattern {
    char *text;
    uint32_t len;
    uint32_t service_len;
    uint8_t kind;
    bool service_has_wildcard;
    bool has_variables; /* contains ${...} in a 2012-10-17 document */
    /* Resource PREFIX patterns whose literal part spans all five ARN separators compare by memcmp. */
    bool prefix_spans_components;
    /*
     * Actions: up to 8 literal bytes after the colon, and a mask over them.
     * A request whose action name starts otherwise cannot match, which
     * rejects most patterns with one compare (see iam_action_matches).
     */
    uint64_t head;
    uint64_t head_mask;
} iam_pattern;

typedef enum iam_principal_kind {
    IAM_PRINCIPAL_ENTRY_ANY,       /* "*" or {"AWS": "*"} */
    IAM_PRINCIPAL_ENTRY_ACCOUNT,   /* 12 digits or arn:PARTITION:iam::ID:root */
    IAM_PRINCIPAL_ENTRY_ARN,       /* user, role, session or federated-user ARN */
    IAM_PRINCIPAL_ENTRY_UNIQUE_ID, /* AIDA.../AROA... unique ID */
    IAM_PRINCIPAL_ENTRY_SERVICE,
    IAM_PRINCIPAL_ENTRY_CANONICAL,
    IAM_PRINCIPAL_ENTRY_FEDERATED,
} iam_principal_kind;

typedef struct iam_principal_entry {
    uint8_t kind;
    uint32_t len;
    uint64_t hash; /* iam_hash_service() of value, to reject ARNs without memcmp */
    char *value;   /* account ID for ACCOUNT entries */
} iam_principal_entry;

typedef enum iam_condition_op {
    IAM_OP_STRING_EQUALS,
    IAM_OP_STRING_EQUALS_IGNORE_CASE,
    IAM_OP_STRING_LIKE,
    IAM_OP_NUMERIC_EQUALS,
    IAM_OP_NUMERIC_LESS_THAN,
    IAM_OP_NUMERIC_LESS_THAN_EQUALS,
    IAM_OP_NUMERIC_GREATER_THAN,
    IAM_OP_NUMERIC_GREATER_THAN_EQUALS,
    IAM_OP_DATE_EQUALS,
    IAM_OP_DATE_LESS_THAN,
    IAM_OP_DATE_LESS_THAN_EQUALS,
    IAM_OP_DATE_GREATER_THAN,
    IAM_OP_DATE_GREATER_THAN_EQUALS,
    IAM_OP_BOOL,
    IAM_OP_BINARY_EQUALS,
    IAM_OP_IP_ADDRESS,
    IAM_OP_ARN_LIKE, /* ArnEquals and ArnLike match the same way */
    IAM_OP_NULL,
} iam_condition_op;

typedef enum iam_set_op { IAM_SET_NONE, IAM_SET_ANY_VALUE, IAM_SET_ALL_VALUES } iam_set_op;

/* An IPv4 or IPv6 network; IPv4 is stored as the IPv4-mapped IPv6 address. */
typedef struct iam_cidr {
    uint8_t addr[16];
    uint8_t prefix; /* in bits, counted on the 128-bit form */
} iam_cidr;

typedef struct iam_condition_value {
    char *text;
    uint32_t len;
    bool has_variables;
    bool valid; /* false when text does not parse for the operator: never matches */
    union {
        double number;  /* numeric operators */
        double seconds; /* date operators: seconds since the Unix epoch */
        bool boolean;   /* Bool and Null */
        iam_cidr cidr;  /* IpAddress */
    } parsed;
} iam_condition_value;

typedef struct iam_condition {
    uint8_t op;
    uint8_t set;
    bool negated; /* StringNotEquals, NotIpAddress, ArnNotLike, ... */
    bool if_exists;
    char *key;
    iam_condition_value *values;
    uint32_t value_count;
} iam_condition;

typedef struct iam_statement {
    char *sid;
    bool deny;
    bool not_action;
    bool not_resource;
    bool has_resource; /* false in trust policies: every resource matches */
    bool not_principal;
    bool has_principal;
    iam_pattern *actions;
    uint32_t action_count;
    iam_pattern *resources;
    uint32_t resource_count;
    iam_principal_entry *principals;
    uint32_t principal_count;
    iam_condition *conditions;
    uint32_t condition_count;
    /*
     * Bloom filter over the Principal entries: bit (hash % 64) of each ARN,
     * account, service or provider entry, all bits for "*", unique IDs and
     * canonical users. A principal whose iam_eval_context.principal_bits
     * share no bit with it matches no entry. Unused with NotPrincipal.
     */
    uint64_t principal_filter;
} iam_statement;

/*
 * A list of statement indexes in document order, and the Deny statements
 * among them. letters[i] (deny_letters[i]) is the set of first letters of
 * the action names the statement can match for the list's service: bit
 * c - 'a' for a letter, bit 26 for anything else, all bits when a name starts
 * with a wildcard. A request action starting with another letter skips the
 * statement without reading it.
 */
typedef struct iam_statement_list {
    uint32_t *statements;
    uint32_t *letters;
    uint32_t count;
    uint32_t *denies;
    uint32_t *deny_letters;
    uint32_t deny_count;
} iam_statement_list;

/* Statements that can match actions of one service. */
typedef struct iam_service_index {
    uint64_t hash;
    char *service;
    uint32_t service_len;
    iam_statement_list list;
} iam_service_index;

struct iam_policy {
    iam_policy_kind kind;
    bool variables;
    bool has_deny;
    iam_statement *statements;
    uint32_t statement_count;
    iam_service_index *services;
    uint32_t service_count;
    /* Open-addressing table of indexes into services (UINT32_MAX: empty), size service_mask + 1. */
    uint32_t *service_table;
    uint32_t service_mask;
    /* Statements for services with no entry in services: NotAction or wildcard services. */
    iam_statement_list generic;
};

/* Values of one condition key as the evaluator sees them. */
typedef struct iam_values {
    const char *const *values;
    size_t count;
} iam_values;

/* Per-request state built once by iam_evaluate() and read by the matchers. */
typedef struct iam_eval_context {
    const iam_request *request;
    char action[IAM_TEXT_MAX]; /* lowercased */
    size_t action_len;
    size_t service_len;
    uint64_t service_hash;
    uint64_t action_head; /* first 8 bytes after the colon, zero-padded */
    uint32_t action_letter; /* iam_action_letter() of the action name */
    size_t resource_len;
    size_t arn_len;      /* of request->principal.arn, 0 when NULL */
    size_t role_arn_len; /* of request->principal.role_arn, 0 when NULL */
    uint64_t arn_hash;
    uint64_t role_arn_hash;
    uint64_t principal_bits; /* see iam_statement.principal_filter */
    const char *principal_arn_value[1];
    const char *principal_type_value[1];
} iam_eval_context;

/* pattern.c */
uint64_t iam_hash_text(const char *s, size_t len);
uint64_t iam_action_head(const char *s, size_t len, size_t *literal_len);
uint32_t iam_action_letter(char c);
bool iam_glob(const char *pattern, size_t pattern_len, const uint8_t *literal, const char *s,
              size_t len);
bool iam_arn_like(const char *pattern, size_t pattern_len, const uint8_t *literal, const char *arn,
                  size_t arn_len);
void iam_pattern_classify(iam_pattern *pattern);
bool iam_action_matches(const iam_pattern *pattern, const iam_eval_context *ctx);
bool iam_resource_matches(const iam_pattern *pattern, bool variables, const iam_eval_context *ctx);
bool iam_expand_variables(const char *text, size_t len, const iam_eval_context *ctx, char *out,
                          uint8_t *literal, size_t *out_len);
bool iam_context_lookup(const iam_eval_context *ctx, const char *key, size_t key_len,
                        iam_values *out);

/* condition.c */
bool iam_condition_parse_op(const char *name, iam_condition *condition);
bool iam_condition_value_parse(iam_condition *condition, iam_condition_value *value);
bool iam_conditions_match(const iam_statement *statement, bool variables,
                          const iam_eval_context *ctx);
bool iam_parse_date(const char *s, size_t len, double *seconds);
bool iam_parse_cidr(const char *s, size_t len, iam_cidr *out, bool allow_prefix);

#endif
