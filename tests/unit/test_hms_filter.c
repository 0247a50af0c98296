/*
 * Unit tests for the partition filter parser and evaluator (src/hms/filter.c):
 * every operator, precedence, literal forms, errors with positions, and
 * the SQL prefilter.
 */
#include "hms/filter.h"
#include "unit.h"

#include <stdlib.h>

/* Parses text and returns its parenthesized rendering, or "ERROR: <message>". */
static char *render(const char *text)
{
    hms_filter_error err;
    hms_filter *f = hms_filter_parse(text, strlen(text), &err);
    owl_buf out = OWL_BUF_INIT;
    if (f)
        hms_filter_format(f, &out);
    else
        owl_buf_printf(&out, "ERROR: %s", err.message);
    hms_filter_free(f);
    return owl_buf_detach(&out, NULL);
}

#define CHECK_RENDER(text, expected)       \
    do {                                   \
        char *r_ = render(text);           \
        CHECK_STR(r_, expected);           \
        free(r_);                          \
    } while (0)

static const hms_partition_key keys[] = {{"dt", "string"}, {"hr", "int"}, {"region", "string"}};

/* Evaluates text against one partition's values (dt, hr, region). */
static int eval(const char *text, const char *dt, const char *hr, const char *region)
{
    hms_filter_error err;
    hms_filter *f = hms_filter_parse(text, strlen(text), &err);
    if (!f) {
        fprintf(stderr, "parse failed: %s: %s\n", text, err.message);
        return -1;
    }
    if (!hms_filter_bind(f, keys, 3, &err)) {
        fprintf(stderr, "bind failed: %s: %s\n", text, err.message);
        hms_filter_free(f);
        return -1;
    }
    const char *values[] = {dt, hr, region};
    size_t lengths[] = {strlen(dt), strlen(hr), strlen(region)};
    int result = hms_filter_eval(f, values, lengths, 3);
    hms_filter_free(f);
    return result;
}

static void test_filter_operators(void)
{
    CHECK_RENDER("dt = 'a'", "(dt = \"a\")");
    CHECK_RENDER("dt <> \"a\"", "(dt <> \"a\")");
    CHECK_RENDER("dt != 'a'", "(dt <> \"a\")");
    CHECK_RENDER("hr < 5", "(hr < 5)");
    CHECK_RENDER("hr<=5", "(hr <= 5)");
    CHECK_RENDER("hr > -5", "(hr > -5)");
    CHECK_RENDER("hr >= 5", "(hr >= 5)");
    CHECK_RENDER("dt like '2024.*'", "(dt LIKE \"2024.*\")");
    CHECK_RENDER("dt LiKe '2024.*'", "(dt LIKE \"2024.*\")");
}

static void test_filter_reversed_literal(void)
{
    CHECK_RENDER("5 < hr", "(hr > 5)");
    CHECK_RENDER("5 >= hr", "(hr <= 5)");
    CHECK_RENDER("'a' = dt", "(dt = \"a\")");
    CHECK_RENDER("'a' like dt", "ERROR: LIKE needs the key on its left at position 4");
}

static void test_filter_precedence(void)
{
    CHECK_RENDER("dt = 'a' or dt = 'b' and hr = 1", "((dt = \"a\") OR ((dt = \"b\") AND (hr = 1)))");
    CHECK_RENDER("dt = 'a' and dt = 'b' or hr = 1", "(((dt = \"a\") AND (dt = \"b\")) OR (hr = 1))");
    CHECK_RENDER("(dt = 'a' or dt = 'b') and hr = 1", "(((dt = \"a\") OR (dt = \"b\")) AND (hr = 1))");
    CHECK_RENDER("a = 1 and b = 2 and c = 3", "(((a = 1) AND (b = 2)) AND (c = 3))");
    CHECK_RENDER("((((dt = 'x'))))", "(dt = \"x\")");
}

static void test_filter_between_and_in(void)
{
    CHECK_RENDER("hr between 1 and 3", "((hr >= 1) AND (hr <= 3))");
    CHECK_RENDER("hr not between 1 and 3", "((hr < 1) OR (hr > 3))");
    CHECK_RENDER("dt in ('a', 'b', 'c')", "(((dt = \"a\") OR (dt = \"b\")) OR (dt = \"c\"))");
    CHECK_RENDER("dt not in ('a')", "(dt <> \"a\")");
}

static void test_filter_literals(void)
{
    CHECK_RENDER("dt = 'it''s'", "ERROR: expected AND, OR or the end of the filter, found a string at position 9");
    CHECK_RENDER("dt = 'it\\'s'", "(dt = \"it's\")");
    CHECK_RENDER("dt = \"say \\\"hi\\\"\"", "(dt = \"say \"hi\"\")");
    CHECK_RENDER("`odd key` = 1", "(odd key = 1)");
    CHECK_RENDER("2nd = 1", "(2nd = 1)");
    CHECK_RENDER("hr = 9223372036854775807", "(hr = 9223372036854775807)");
    CHECK_RENDER("hr = 9223372036854775808",
                 "ERROR: integer literal 9223372036854775808 is out of the 64-bit range at position 5");
}

static void test_filter_errors(void)
{
    CHECK_RENDER("", "ERROR: filter is empty at position 0");
    CHECK_RENDER("   ", "ERROR: filter is empty at position 0");
    CHECK_RENDER("dt =", "ERROR: expected a string or integer after the operator, found end of filter at position 4");
    CHECK_RENDER("dt 'a'", "ERROR: expected an operator after key \"dt\", found a string at position 3");
    CHECK_RENDER("dt = 'a' and", "ERROR: expected a partition key, a literal or '(', found end of filter at position 12");
    CHECK_RENDER("(dt = 'a'", "ERROR: expected ')' to close '(' at position 0, found end of filter at position 9");
    CHECK_RENDER("dt = 'a')", "ERROR: expected AND, OR or the end of the filter, found ')' at position 8");
    CHECK_RENDER("dt = 'abc", "ERROR: unterminated string literal at position 5");
    CHECK_RENDER("dt = 'a' # x", "ERROR: unexpected character '#' at position 9");
    CHECK_RENDER("dt ! 'a'", "ERROR: unexpected character '!' at position 3");
    /* A digit-led word is a key name, as in Hive, so "12ab" is not a literal. */
    CHECK_RENDER("hr = 12ab", "ERROR: expected a string or integer after the operator, found a key at position 5");
    CHECK_RENDER("hr = 12-", "ERROR: invalid integer literal at position 7");
    CHECK_RENDER("hr = -", "ERROR: invalid integer literal at position 5");
    CHECK_RENDER("dt like 5", "ERROR: LIKE needs a string pattern at position 8");
    /* The regex library words the reason; only the prefix and the position are ours. */
    char *bad_regex = render("dt like '('");
    CHECK(strncmp(bad_regex, "ERROR: invalid LIKE pattern: ", 29) == 0);
    CHECK(strstr(bad_regex, " at position 8") != NULL);
    free(bad_regex);
    CHECK_RENDER("dt like 'a++'", "ERROR: LIKE pattern repeats a repetition (such as \"a**\") at position 8");
    CHECK_RENDER("dt like 'a{2}'", "ERROR: LIKE pattern may not use {m,n} repetition at position 8");
    CHECK_RENDER("dt like 'a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q*r*s*t*u*v*w*x*y*z*A*B*C*D*E*F*G*'",
                 "ERROR: LIKE pattern has more than 32 repetition operators at position 8");
    CHECK_RENDER("hr not = 1", "ERROR: expected BETWEEN or IN after NOT, found an operator at position 7");
    CHECK_RENDER("hr between 1 or 2", "ERROR: expected AND in BETWEEN, found OR at position 13");
    CHECK_RENDER("dt in 'a'", "ERROR: expected '(' after IN, found a string at position 6");
    CHECK_RENDER("dt in ('a' 'b')", "ERROR: expected ',' or ')' in the IN list, found a string at position 11");
    CHECK_RENDER("`dt = 1", "ERROR: unterminated quoted key at position 0");

    hms_filter_error err;
    CHECK(hms_filter_parse("dt = 'a\0b'", 10, &err) == NULL);
    CHECK_STR(err.message, "filter contains a NUL byte at position 7");
    CHECK_INT(err.position, 7);
}

static void test_filter_depth_limit(void)
{
    owl_buf deep = OWL_BUF_INIT;
    for (int i = 0; i < HMS_FILTER_MAX_DEPTH + 1; i++)
        owl_buf_putc(&deep, '(');
    owl_buf_puts(&deep, "dt = 'a'");
    for (int i = 0; i < HMS_FILTER_MAX_DEPTH + 1; i++)
        owl_buf_putc(&deep, ')');
    hms_filter_error err;
    CHECK(hms_filter_parse(deep.data, deep.len, &err) == NULL);
    CHECK_STR(err.message, "parentheses nested deeper than 100 at position 100");

    owl_buf long_text = OWL_BUF_INIT;
    for (int i = 0; i < HMS_FILTER_MAX_LENGTH; i++)
        owl_buf_putc(&long_text, ' ');
    owl_buf_puts(&long_text, "dt = 'a'");
    CHECK(hms_filter_parse(long_text.data, long_text.len, &err) == NULL);
    CHECK_STR(err.message, "filter is longer than 65536 bytes at position 65536");
    owl_buf_free(&deep);
    owl_buf_free(&long_text);
}

static void test_filter_bind_unknown_key(void)
{
    hms_filter_error err;
    hms_filter *f = hms_filter_parse("dt = 'a' and  month = 5", 23, &err);
    CHECK(f != NULL);
    CHECK(!hms_filter_bind(f, keys, 3, &err));
    CHECK_STR(err.message, "Specified key <month> is not a partitioning key for the table");
    CHECK_INT(err.position, 14);
    hms_filter_free(f);
}

static void test_filter_eval(void)
{
    CHECK_INT(eval("dt = '2024-01-01'", "2024-01-01", "5", "eu"), 1);
    CHECK_INT(eval("dt = '2024-01-01'", "2024-01-02", "5", "eu"), 0);
    CHECK_INT(eval("dt <> '2024-01-01'", "2024-01-02", "5", "eu"), 1);
    CHECK_INT(eval("dt < '2024-01-02'", "2024-01-01", "5", "eu"), 1);
    CHECK_INT(eval("dt >= '2024-01-02'", "2024-01-01", "5", "eu"), 0);
    /* hr is an int key: integer literals compare numerically, so 10 > 9. */
    CHECK_INT(eval("hr > 9", "x", "10", "eu"), 1);
    CHECK_INT(eval("hr = 5", "x", "05", "eu"), 1);
    CHECK_INT(eval("hr = 5", "x", "five", "eu"), 0);
    CHECK_INT(eval("hr <> 5", "x", "five", "eu"), 0);
    /* A string literal on an int key compares bytes: "10" < "9". */
    CHECK_INT(eval("hr > '9'", "x", "10", "eu"), 0);
    /* An integer literal on a string key compares as its text. */
    CHECK_INT(eval("region = 10", "x", "1", "10"), 1);
    CHECK_INT(eval("dt like '2024-01-.*'", "2024-01-31", "1", "eu"), 1);
    CHECK_INT(eval("dt like '2024-01'", "2024-01-31", "1", "eu"), 0);
    CHECK_INT(eval("region like 'eu|us'", "x", "1", "us"), 1);
    CHECK_INT(eval("dt = 'a' or hr = 1 and region = 'eu'", "a", "2", "us"), 1);
    CHECK_INT(eval("(dt = 'a' or hr = 1) and region = 'eu'", "a", "2", "us"), 0);
    CHECK_INT(eval("hr between 2 and 4", "a", "4", "us"), 1);
    CHECK_INT(eval("hr not between 2 and 4", "a", "4", "us"), 0);
    CHECK_INT(eval("region in ('eu', 'us')", "a", "4", "us"), 1);
    CHECK_INT(eval("region not in ('eu', 'us')", "a", "4", "us"), 0);
    CHECK_INT(eval("DT = 'a'", "a", "4", "us"), 1);
}

static void test_filter_sql(void)
{
    hms_filter_error err;
    const char *text = "dt = 'a' or hr > 3 and region like 'e.*'";
    hms_filter *f = hms_filter_parse(text, strlen(text), &err);
    CHECK(f && hms_filter_bind(f, keys, 3, &err));
    owl_buf sql = OWL_BUF_INIT;
    hms_filter_sql_param *params = NULL;
    size_t count = 0;
    CHECK(hms_filter_sql(f, &sql, &params, &count, 100));
    CHECK_STR(sql.data, "(p.id IN (SELECT partition_id FROM hms_partition_values WHERE table_id = ?1 AND "
                        "position = ?2 AND value = ?3) OR (1 AND 1))");
    CHECK_INT(count, 2);
    CHECK(!params[0].is_text);
    CHECK_INT(params[0].integer, 0);
    CHECK(params[1].is_text);
    CHECK_MEM(params[1].text, params[1].text_len, "a", 1);

    size_t small = 0;
    hms_filter_sql_param *none = NULL;
    owl_buf_reset(&sql);
    CHECK(!hms_filter_sql(f, &sql, &none, &small, 1));
    free(none);
    free(params);
    owl_buf_free(&sql);
    hms_filter_free(f);
}

int main(void)
{
    UNIT_RUN(test_filter_operators);
    UNIT_RUN(test_filter_reversed_literal);
    UNIT_RUN(test_filter_precedence);
    UNIT_RUN(test_filter_between_and_in);
    UNIT_RUN(test_filter_literals);
    UNIT_RUN(test_filter_errors);
    UNIT_RUN(test_filter_depth_limit);
    UNIT_RUN(test_filter_bind_unknown_key);
    UNIT_RUN(test_filter_eval);
    UNIT_RUN(test_filter_sql);
    return UNIT_SUMMARY();
}
