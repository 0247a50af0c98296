/*
 * Partition filters of get_partitions_by_filter: a parser for the Hive
 * metastore's filter language (Hive 2.3 / 3.1 Filter.g) and an evaluator
 * over partition values.
 *
 * Grammar, keywords case-insensitive:
 *
 *   filter     := or_expr
 *   or_expr    := and_expr ("OR" and_expr)*
 *   and_expr   := primary ("AND" primary)*
 *   primary    := "(" or_expr ")" | comparison
 *   comparison := key op literal | literal op key
 *               | key ["NOT"] "BETWEEN" literal "AND" literal
 *               | key ["NOT"] "IN" "(" literal ("," literal)* ")"
 *   op         := "=" | "<>" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE"
 *   key        := [A-Za-z0-9_]+ | `any text but backquote`
 *   literal    := '...' | "..." (a backslash takes the next byte as is)
 *               | -?[0-9]+ (a signed 64-bit integer)
 *
 * AND binds tighter than OR. "literal op key" is turned around ("5 < hr"
 * is "hr > 5"). LIKE takes a string pattern that must match the whole
 * value; as in Hive, the pattern is a regular expression, not SQL's % and
 * _. NOTE: owlery compiles it as a POSIX extended regex, which agrees with
 * Java's syntax for the usual ".*", "[0-9]+" and alternation, but not for
 * Java-only escapes such as \d.
 *
 * Comparisons: an integer literal against a key of type tinyint,
 * smallint, int or bigint compares numerically, and a value that is not an
 * integer does not match. Every other comparison compares bytes, and an
 * integer literal is then compared as the text it was written as.
 *
 * Limits: filter text up to HMS_FILTER_MAX_LENGTH bytes, nesting up to
 * HMS_FILTER_MAX_DEPTH parentheses, up to HMS_FILTER_MAX_NODES comparisons.
 * A LIKE pattern has up to HMS_FILTER_MAX_LIKE_LENGTH bytes and
 * HMS_FILTER_MAX_LIKE_REPETITIONS of '*', '+' and '?', none directly after
 * another, and no {m,n}: regcomp's cost grows exponentially with stacked
 * repetitions.
 */
#ifndef OWL_HMS_FILTER_H
#define OWL_HMS_FILTER_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HMS_FILTER_MAX_LENGTH 65536
#define HMS_FILTER_MAX_DEPTH 100
#define HMS_FILTER_MAX_NODES 10000
#define HMS_FILTER_MAX_LIKE_LENGTH 1000
#define HMS_FILTER_MAX_LIKE_REPETITIONS 32

typedef struct hms_filter hms_filter;

typedef struct hms_filter_error {
    size_t position; /* byte offset into the filter text */
    char message[256]; /* "<what> at position <n>", without a prefix */
} hms_filter_error;

/* A partition key of the table, in partitionKeys order. */
typedef struct hms_partition_key {
    const char *name;
    const char *type; /* Hive type name, e.g. "string", "int" */
} hms_partition_key;

/*
 * Parses text (len bytes, NULs rejected). Returns a new filter that the
 * caller frees with hms_filter_free, or NULL with err filled.
 */
hms_filter *hms_filter_parse(const char *text, size_t len, hms_filter_error *err);
void hms_filter_free(hms_filter *filter);

/*
 * Resolves the key names of filter against keys (ignoring ASCII case) and
 * records their types. Returns false with err filled, naming the key, when
 * a key is not a partition key: "Specified key <x> is not a partitioning
 * key for the table", the message Hive uses.
 */
bool hms_filter_bind(hms_filter *filter, const hms_partition_key *keys, size_t count, hms_filter_error *err);

/* Returns true when the partition values (count = number of keys) satisfy a bound filter. */
bool hms_filter_eval(const hms_filter *filter, const char *const *values, const size_t *lengths, size_t count);

/* A parameter of the SQL from hms_filter_sql: text, or an integer position. */
typedef struct hms_filter_sql_param {
    bool is_text;
    const char *text; /* borrowed from the filter */
    size_t text_len;
    int64_t integer;
} hms_filter_sql_param;

/*
 * Appends to sql a condition on partition rows that holds for every
 * partition the bound filter matches, and for as few others as the index
 * allows; the caller still checks each row with hms_filter_eval. Byte
 * comparisons become "p.id IN (SELECT partition_id FROM
 * hms_partition_values WHERE table_id = ?1 AND position = ? AND value <op>
 * ?)", where ?1 is the caller's table id. Comparisons the index cannot
 * answer (numeric, LIKE) become 1. Parameters after ?1 are appended to
 * *params (malloc'ed, grown as needed; *count is updated). Returns false
 * only when more than max_params parameters would be needed.
 */
bool hms_filter_sql(const hms_filter *filter, owl_buf *sql, hms_filter_sql_param **params, size_t *count,
                    size_t max_params);

/* Appends a fully parenthesized rendering, e.g. ((dt = "a") OR (hr > 5)), for tests and logs. */
void hms_filter_format(const hms_filter *filter, owl_buf *out);

#endif
