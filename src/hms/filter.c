/*
 * Partition filter parser and evaluator; the grammar and semantics are in
 * filter.h. A hand-written recursive-descent parser over bytes from the
 * network, so every step checks the length and the limits.
 */
#include "hms/filter.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HMS_STRINGIFY_(x) #x
#define HMS_STRINGIFY(x) HMS_STRINGIFY_(x)

typedef enum filter_kind { FILTER_AND, FILTER_OR, FILTER_COMPARE } filter_kind;

typedef enum filter_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_LIKE } filter_op;

static const char *const op_text[] = {"=", "<>", "<", "<=", ">", ">=", "LIKE"};

struct hms_filter {
    filter_kind kind;
    hms_filter *left, *right; /* AND, OR */

    /* FILTER_COMPARE */
    char *key;
    size_t key_offset; /* where the key starts in the text, for errors */
    int key_index; /* position in partitionKeys once bound, else -1 */
    bool key_integral; /* key type is tinyint, smallint, int or bigint */
    filter_op op;
    bool literal_is_integer;
    char *literal; /* bytes as written (strings unquoted and unescaped) */
    size_t literal_len;
    int64_t literal_integer;
    regex_t *regex; /* LIKE */
};

typedef enum token_kind {
    TOK_END, TOK_LPAREN, TOK_RPAREN, TOK_COMMA, TOK_OP, TOK_KEY, TOK_STRING, TOK_INTEGER,
    TOK_AND, TOK_OR, TOK_NOT, TOK_BETWEEN, TOK_IN,
} token_kind;

typedef struct token {
    token_kind kind;
    size_t offset;
    filter_op op;
    char *text; /* KEY, STRING, INTEGER: malloc'ed */
    size_t len;
    int64_t integer;
} token;

typedef struct parser {
    const char *text;
    size_t len, pos;
    token tok; /* current token */
    unsigned depth;
    size_t nodes;
    hms_filter_error *err;
    bool failed;
} parser;

static bool parser_fail(parser *p, size_t offset, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool parser_fail(parser *p, size_t offset, const char *fmt, ...)
{
    if (p->failed)
        return false;
    p->failed = true;
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    p->err->position = offset;
    snprintf(p->err->message, sizeof p->err->message, "%s at position %zu", what, offset);
    return false;
}

/* ---- Lexer ---- */

static bool is_key_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static bool keyword_is(const char *s, size_t len, const char *keyword)
{
    return strlen(keyword) == len && strncasecmp(s, keyword, len) == 0;
}

static bool lex_string(parser *p, token *t)
{
    char quote = p->text[p->pos++];
    owl_buf b = OWL_BUF_INIT;
    for (;;) {
        if (p->pos >= p->len) {
            owl_buf_free(&b);
            return parser_fail(p, t->offset, "unterminated string literal");
        }
        char c = p->text[p->pos++];
        if (c == quote)
            break;
        if (c == '\\') {
            if (p->pos >= p->len) {
                owl_buf_free(&b);
                return parser_fail(p, t->offset, "unterminated string literal");
            }
            c = p->text[p->pos++];
        }
        owl_buf_putc(&b, c);
    }
    t->kind = TOK_STRING;
    t->text = owl_buf_detach(&b, &t->len);
    return true;
}

static bool lex_integer(parser *p, token *t)
{
    size_t start = p->pos;
    if (p->text[p->pos] == '-')
        p->pos++;
    size_t digits = p->pos;
    while (p->pos < p->len && isdigit((unsigned char)p->text[p->pos]))
        p->pos++;
    if (p->pos == digits || (p->pos < p->len && is_key_char(p->text[p->pos])))
        return parser_fail(p, t->offset, "invalid integer literal");
    t->len = p->pos - start;
    t->text = strndup(p->text + start, t->len);
    if (!t->text)
        abort();
    errno = 0;
    char *end;
    long long v = strtoll(t->text, &end, 10);
    if (errno == ERANGE || *end != '\0')
        return parser_fail(p, t->offset, "integer literal %s is out of the 64-bit range", t->text);
    t->kind = TOK_INTEGER;
    t->integer = v;
    return true;
}

/* Reads the next token into p->tok, freeing the previous one. */
static bool lex_next(parser *p)
{
    free(p->tok.text);
    memset(&p->tok, 0, sizeof p->tok);
    token *t = &p->tok;
    while (p->pos < p->len && strchr(" \t\r\n", p->text[p->pos]))
        p->pos++;
    t->offset = p->pos;
    if (p->pos >= p->len) {
        t->kind = TOK_END;
        return true;
    }

    const char *s = p->text + p->pos;
    size_t left = p->len - p->pos;
    switch (s[0]) {
    case '(': t->kind = TOK_LPAREN; p->pos++; return true;
    case ')': t->kind = TOK_RPAREN; p->pos++; return true;
    case ',': t->kind = TOK_COMMA; p->pos++; return true;
    case '=': t->kind = TOK_OP; t->op = OP_EQ; p->pos++; return true;
    case '<':
        t->kind = TOK_OP;
        if (left > 1 && s[1] == '>') {
            t->op = OP_NE;
            p->pos += 2;
        } else if (left > 1 && s[1] == '=') {
            t->op = OP_LE;
            p->pos += 2;
        } else {
            t->op = OP_LT;
            p->pos++;
        }
        return true;
    case '>':
        t->kind = TOK_OP;
        if (left > 1 && s[1] == '=') {
            t->op = OP_GE;
            p->pos += 2;
        } else {
            t->op = OP_GT;
            p->pos++;
        }
        return true;
    case '!':
        if (left > 1 && s[1] == '=') {
            t->kind = TOK_OP;
            t->op = OP_NE;
            p->pos += 2;
            return true;
        }
        return parser_fail(p, p->pos, "unexpected character '!'");
    case '\'':
    case '"':
        return lex_string(p, t);
    case '`': {
        const char *close = memchr(s + 1, '`', left - 1);
        if (!close)
            return parser_fail(p, p->pos, "unterminated quoted key");
        t->kind = TOK_KEY;
        t->len = (size_t)(close - s - 1);
        t->text = strndup(s + 1, t->len);
        if (!t->text)
            abort();
        p->pos += t->len + 2;
        return true;
    }
    default:
        break;
    }

    if (s[0] == '-' || isdigit((unsigned char)s[0])) {
        /* A digit-led run with letters or '_' is a key name ("2nd"), as Hive allows. */
        size_t n = 0;
        while (n < left && is_key_char(s[n]))
            n++;
        bool all_digits = true;
        for (size_t i = 0; i < n; i++)
            all_digits = all_digits && isdigit((unsigned char)s[i]);
        if (s[0] == '-' || all_digits)
            return lex_integer(p, t);
    }
    if (is_key_char(s[0])) {
        size_t n = 0;
        while (n < left && is_key_char(s[n]))
            n++;
        p->pos += n;
        if (keyword_is(s, n, "AND"))
            t->kind = TOK_AND;
        else if (keyword_is(s, n, "OR"))
            t->kind = TOK_OR;
        else if (keyword_is(s, n, "NOT"))
            t->kind = TOK_NOT;
        else if (keyword_is(s, n, "BETWEEN"))
            t->kind = TOK_BETWEEN;
        else if (keyword_is(s, n, "IN"))
            t->kind = TOK_IN;
        else if (keyword_is(s, n, "LIKE")) {
            t->kind = TOK_OP;
            t->op = OP_LIKE;
        } else {
            t->kind = TOK_KEY;
            t->len = n;
            t->text = strndup(s, n);
            if (!t->text)
                abort();
        }
        return true;
    }
    if ((unsigned char)s[0] >= 0x20 && (unsigned char)s[0] < 0x7f)
        return parser_fail(p, p->pos, "unexpected character '%c'", s[0]);
    return parser_fail(p, p->pos, "unexpected byte 0x%02x", (unsigned char)s[0]);
}

static const char *token_name(const token *t)
{
    switch (t->kind) {
    case TOK_END: return "end of filter";
    case TOK_LPAREN: return "'('";
    case TOK_RPAREN: return "')'";
    case TOK_COMMA: return "','";
    case TOK_OP: return "an operator";
    case TOK_KEY: return "a key";
    case TOK_STRING: return "a string";
    case TOK_INTEGER: return "an integer";
    case TOK_AND: return "AND";
    case TOK_OR: return "OR";
    case TOK_NOT: return "NOT";
    case TOK_BETWEEN: return "BETWEEN";
    case TOK_IN: return "IN";
    }
    return "a token";
}

/* ---- Tree ---- */

void hms_filter_free(hms_filter *f)
{
    if (!f)
        return;
    hms_filter_free(f->left);
    hms_filter_free(f->right);
    free(f->key);
    free(f->literal);
    if (f->regex) {
        regfree(f->regex);
        free(f->regex);
    }
    free(f);
}

static hms_filter *node_new(parser *p, filter_kind kind)
{
    if (++p->nodes > HMS_FILTER_MAX_NODES) {
        parser_fail(p, p->tok.offset, "filter has more than %d nodes", HMS_FILTER_MAX_NODES);
        return NULL;
    }
    hms_filter *f = calloc(1, sizeof *f);
    if (!f)
        abort();
    f->kind = kind;
    f->key_index = -1;
    return f;
}

static hms_filter *node_join(parser *p, filter_kind kind, hms_filter *left, hms_filter *right)
{
    hms_filter *f = node_new(p, kind);
    if (!f) {
        hms_filter_free(left);
        hms_filter_free(right);
        return NULL;
    }
    f->left = left;
    f->right = right;
    return f;
}

/*
 * Returns why a LIKE pattern is rejected before regcomp, or NULL. glibc's
 * regcomp copies the pattern tree for every repetition operator, so
 * stacked or counted repetitions ("a++++", "a{99}{99}") take exponential
 * time and memory: patterns are capped in length and in repetitions, and
 * {m,n} is rejected.
 */
static const char *like_pattern_problem(const char *pattern, size_t len)
{
    if (memchr(pattern, '\0', len))
        return "LIKE pattern contains a NUL byte";
    if (len > HMS_FILTER_MAX_LIKE_LENGTH)
        return "LIKE pattern is longer than " HMS_STRINGIFY(HMS_FILTER_MAX_LIKE_LENGTH) " bytes";
    unsigned repetitions = 0;
    bool after_repetition = false;
    for (size_t i = 0; i < len; i++) {
        char c = pattern[i];
        if (c == '\\') {
            i++;
            after_repetition = false;
            continue;
        }
        if (c == '{')
            return "LIKE pattern may not use {m,n} repetition";
        bool repetition = c == '*' || c == '+' || c == '?';
        if (repetition && after_repetition)
            return "LIKE pattern repeats a repetition (such as \"a**\")";
        if (repetition && ++repetitions > HMS_FILTER_MAX_LIKE_REPETITIONS)
            return "LIKE pattern has more than " HMS_STRINGIFY(HMS_FILTER_MAX_LIKE_REPETITIONS) " repetition operators";
        after_repetition = repetition;
    }
    return NULL;
}

/* Builds "key op literal" from the literal token lit (whose text it takes). */
static hms_filter *node_compare(parser *p, const char *key, size_t key_offset, filter_op op, token *lit)
{
    if (op == OP_LIKE && lit->kind != TOK_STRING) {
        parser_fail(p, lit->offset, "LIKE needs a string pattern");
        return NULL;
    }
    hms_filter *f = node_new(p, FILTER_COMPARE);
    if (!f)
        return NULL;
    f->key = strdup(key);
    if (!f->key)
        abort();
    f->key_offset = key_offset;
    f->op = op;
    f->literal_is_integer = lit->kind == TOK_INTEGER;
    f->literal_integer = lit->integer;
    f->literal = lit->text;
    f->literal_len = lit->len;
    lit->text = NULL;

    if (op == OP_LIKE) {
        const char *why = like_pattern_problem(f->literal, f->literal_len);
        if (why) {
            parser_fail(p, lit->offset, "%s", why);
            hms_filter_free(f);
            return NULL;
        }
        owl_buf anchored = OWL_BUF_INIT;
        owl_buf_printf(&anchored, "^(%s)$", f->literal);
        f->regex = malloc(sizeof *f->regex);
        if (!f->regex)
            abort();
        int rc = regcomp(f->regex, anchored.data, REG_EXTENDED | REG_NOSUB);
        owl_buf_free(&anchored);
        if (rc != 0) {
            char reason[128];
            regerror(rc, f->regex, reason, sizeof reason);
            free(f->regex);
            f->regex = NULL;
            parser_fail(p, lit->offset, "invalid LIKE pattern: %s", reason);
            hms_filter_free(f);
            return NULL;
        }
    }
    return f;
}

static bool is_literal(const token *t)
{
    return t->kind == TOK_STRING || t->kind == TOK_INTEGER;
}

/* Takes the current literal token out of the parser and advances. */
static bool take_literal(parser *p, token *out, const char *context)
{
    if (!is_literal(&p->tok))
        return parser_fail(p, p->tok.offset, "expected a string or integer %s, found %s", context,
                           token_name(&p->tok));
    *out = p->tok;
    p->tok.text = NULL;
    if (lex_next(p))
        return true;
    free(out->text);
    out->text = NULL;
    return false;
}

static filter_op op_reverse(filter_op op)
{
    switch (op) {
    case OP_LT: return OP_GT;
    case OP_LE: return OP_GE;
    case OP_GT: return OP_LT;
    case OP_GE: return OP_LE;
    default: return op;
    }
}

static hms_filter *parse_between(parser *p, const char *key, size_t key_offset, bool negated)
{
    token low = {0}, high = {0};
    hms_filter *result = NULL;
    if (!lex_next(p) || !take_literal(p, &low, "after BETWEEN"))
        goto done;
    if (p->tok.kind != TOK_AND) {
        parser_fail(p, p->tok.offset, "expected AND in BETWEEN, found %s", token_name(&p->tok));
        goto done;
    }
    if (!lex_next(p) || !take_literal(p, &high, "after BETWEEN ... AND"))
        goto done;
    /* NOT BETWEEN is the complement: key < low OR key > high. */
    hms_filter *a = node_compare(p, key, key_offset, negated ? OP_LT : OP_GE, &low);
    hms_filter *b = a ? node_compare(p, key, key_offset, negated ? OP_GT : OP_LE, &high) : NULL;
    if (!a || !b) {
        hms_filter_free(a);
        goto done;
    }
    result = node_join(p, negated ? FILTER_OR : FILTER_AND, a, b);
done:
    free(low.text);
    free(high.text);
    return result;
}

static hms_filter *parse_in(parser *p, const char *key, size_t key_offset, bool negated)
{
    if (!lex_next(p))
        return NULL;
    if (p->tok.kind != TOK_LPAREN) {
        parser_fail(p, p->tok.offset, "expected '(' after IN, found %s", token_name(&p->tok));
        return NULL;
    }
    if (!lex_next(p))
        return NULL;
    /* IN is an OR of equalities; NOT IN an AND of inequalities. */
    hms_filter *result = NULL;
    for (;;) {
        token lit = {0};
        if (!take_literal(p, &lit, "in the IN list")) {
            hms_filter_free(result);
            return NULL;
        }
        hms_filter *c = node_compare(p, key, key_offset, negated ? OP_NE : OP_EQ, &lit);
        free(lit.text);
        if (!c) {
            hms_filter_free(result);
            return NULL;
        }
        result = result ? node_join(p, negated ? FILTER_AND : FILTER_OR, result, c) : c;
        if (!result)
            return NULL;
        if (p->tok.kind == TOK_RPAREN)
            break;
        if (p->tok.kind != TOK_COMMA) {
            parser_fail(p, p->tok.offset, "expected ',' or ')' in the IN list, found %s", token_name(&p->tok));
            hms_filter_free(result);
            return NULL;
        }
        if (!lex_next(p)) {
            hms_filter_free(result);
            return NULL;
        }
    }
    if (!lex_next(p)) {
        hms_filter_free(result);
        return NULL;
    }
    return result;
}

static hms_filter *parse_comparison(parser *p)
{
    if (is_literal(&p->tok)) {
        /* literal op key */
        token lit;
        if (!take_literal(p, &lit, "value"))
            return NULL;
        hms_filter *f = NULL;
        if (p->tok.kind != TOK_OP) {
            parser_fail(p, p->tok.offset, "expected an operator after the literal, found %s", token_name(&p->tok));
        } else if (p->tok.op == OP_LIKE) {
            parser_fail(p, p->tok.offset, "LIKE needs the key on its left");
        } else {
            filter_op op = op_reverse(p->tok.op);
            if (lex_next(p)) {
                if (p->tok.kind != TOK_KEY)
                    parser_fail(p, p->tok.offset, "expected a partition key after the operator, found %s",
                                token_name(&p->tok));
                else {
                    f = node_compare(p, p->tok.text, p->tok.offset, op, &lit);
                    if (f && !lex_next(p)) {
                        hms_filter_free(f);
                        f = NULL;
                    }
                }
            }
        }
        free(lit.text);
        return f;
    }

    if (p->tok.kind != TOK_KEY) {
        parser_fail(p, p->tok.offset, "expected a partition key, a literal or '(', found %s", token_name(&p->tok));
        return NULL;
    }
    char *key = p->tok.text;
    size_t key_offset = p->tok.offset;
    p->tok.text = NULL;
    hms_filter *f = NULL;
    if (!lex_next(p))
        goto done;

    bool negated = false;
    if (p->tok.kind == TOK_NOT) {
        negated = true;
        if (!lex_next(p))
            goto done;
        if (p->tok.kind != TOK_BETWEEN && p->tok.kind != TOK_IN) {
            parser_fail(p, p->tok.offset, "expected BETWEEN or IN after NOT, found %s", token_name(&p->tok));
            goto done;
        }
    }
    if (p->tok.kind == TOK_BETWEEN) {
        f = parse_between(p, key, key_offset, negated);
        goto done;
    }
    if (p->tok.kind == TOK_IN) {
        f = parse_in(p, key, key_offset, negated);
        goto done;
    }
    if (p->tok.kind != TOK_OP) {
        parser_fail(p, p->tok.offset, "expected an operator after key \"%s\", found %s", key, token_name(&p->tok));
        goto done;
    }
    filter_op op = p->tok.op;
    if (!lex_next(p))
        goto done;
    token lit;
    if (!take_literal(p, &lit, "after the operator"))
        goto done;
    f = node_compare(p, key, key_offset, op, &lit);
    free(lit.text);
done:
    free(key);
    return f;
}

static hms_filter *parse_or(parser *p);

static hms_filter *parse_primary(parser *p)
{
    if (p->tok.kind != TOK_LPAREN)
        return parse_comparison(p);
    size_t open = p->tok.offset;
    if (++p->depth > HMS_FILTER_MAX_DEPTH) {
        parser_fail(p, open, "parentheses nested deeper than %d", HMS_FILTER_MAX_DEPTH);
        return NULL;
    }
    if (!lex_next(p))
        return NULL;
    hms_filter *f = parse_or(p);
    if (!f)
        return NULL;
    if (p->tok.kind != TOK_RPAREN) {
        parser_fail(p, p->tok.offset, "expected ')' to close '(' at position %zu, found %s", open,
                    token_name(&p->tok));
        hms_filter_free(f);
        return NULL;
    }
    p->depth--;
    if (!lex_next(p)) {
        hms_filter_free(f);
        return NULL;
    }
    return f;
}

static hms_filter *parse_and(parser *p)
{
    hms_filter *left = parse_primary(p);
    while (left && p->tok.kind == TOK_AND) {
        if (!lex_next(p)) {
            hms_filter_free(left);
            return NULL;
        }
        hms_filter *right = parse_primary(p);
        if (!right) {
            hms_filter_free(left);
            return NULL;
        }
        left = node_join(p, FILTER_AND, left, right);
    }
    return left;
}

static hms_filter *parse_or(parser *p)
{
    hms_filter *left = parse_and(p);
    while (left && p->tok.kind == TOK_OR) {
        if (!lex_next(p)) {
            hms_filter_free(left);
            return NULL;
        }
        hms_filter *right = parse_and(p);
        if (!right) {
            hms_filter_free(left);
            return NULL;
        }
        left = node_join(p, FILTER_OR, left, right);
    }
    return left;
}

hms_filter *hms_filter_parse(const char *text, size_t len, hms_filter_error *err)
{
    parser p = {.text = text, .len = len, .err = err};
    err->position = 0;
    err->message[0] = '\0';
    if (len > HMS_FILTER_MAX_LENGTH) {
        parser_fail(&p, HMS_FILTER_MAX_LENGTH, "filter is longer than %d bytes", HMS_FILTER_MAX_LENGTH);
        return NULL;
    }
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        parser_fail(&p, (size_t)(nul - text), "filter contains a NUL byte");
        return NULL;
    }

    hms_filter *f = NULL;
    if (lex_next(&p)) {
        if (p.tok.kind == TOK_END)
            parser_fail(&p, 0, "filter is empty");
        else
            f = parse_or(&p);
    }
    if (f && p.tok.kind != TOK_END) {
        parser_fail(&p, p.tok.offset, "expected AND, OR or the end of the filter, found %s", token_name(&p.tok));
        hms_filter_free(f);
        f = NULL;
    }
    free(p.tok.text);
    assert(f || p.failed);
    return f;
}

/* ---- Binding and evaluation ---- */

static bool type_is_integral(const char *type)
{
    return type && (strcasecmp(type, "tinyint") == 0 || strcasecmp(type, "smallint") == 0 ||
                    strcasecmp(type, "int") == 0 || strcasecmp(type, "bigint") == 0);
}

bool hms_filter_bind(hms_filter *f, const hms_partition_key *keys, size_t count, hms_filter_error *err)
{
    if (f->kind != FILTER_COMPARE)
        return hms_filter_bind(f->left, keys, count, err) && hms_filter_bind(f->right, keys, count, err);
    for (size_t i = 0; i < count; i++) {
        if (keys[i].name && strcasecmp(keys[i].name, f->key) == 0) {
            f->key_index = (int)i;
            f->key_integral = type_is_integral(keys[i].type);
            return true;
        }
    }
    err->position = f->key_offset;
    snprintf(err->message, sizeof err->message, "Specified key <%s> is not a partitioning key for the table",
             f->key);
    return false;
}

/* Parses a whole value as a signed 64-bit integer. */
static bool parse_int64(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 20)
        return false;
    char digits[24];
    memcpy(digits, s, len);
    digits[len] = '\0';
    size_t i = digits[0] == '-' ? 1 : 0;
    if (i == len)
        return false;
    for (; i < len; i++)
        if (!isdigit((unsigned char)digits[i]))
            return false;
    errno = 0;
    long long v = strtoll(digits, NULL, 10);
    if (errno == ERANGE)
        return false;
    *out = v;
    return true;
}

static int compare_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static bool eval_compare(const hms_filter *f, const char *value, size_t len)
{
    if (f->op == OP_LIKE) {
        /* regexec needs a C string: a value with a NUL byte matches up to it, as C sees it. */
        return regexec(f->regex, value, 0, NULL, 0) == 0;
    }
    int c;
    if (f->key_integral && f->literal_is_integer) {
        int64_t v;
        if (!parse_int64(value, len, &v))
            return false;
        c = v < f->literal_integer ? -1 : v > f->literal_integer ? 1 : 0;
    } else {
        c = compare_bytes(value, len, f->literal, f->literal_len);
    }
    switch (f->op) {
    case OP_EQ: return c == 0;
    case OP_NE: return c != 0;
    case OP_LT: return c < 0;
    case OP_LE: return c <= 0;
    case OP_GT: return c > 0;
    case OP_GE: return c >= 0;
    case OP_LIKE: break;
    }
    return false;
}

bool hms_filter_eval(const hms_filter *f, const char *const *values, const size_t *lengths, size_t count)
{
    switch (f->kind) {
    case FILTER_AND:
        return hms_filter_eval(f->left, values, lengths, count) && hms_filter_eval(f->right, values, lengths, count);
    case FILTER_OR:
        return hms_filter_eval(f->left, values, lengths, count) || hms_filter_eval(f->right, values, lengths, count);
    case FILTER_COMPARE:
        break;
    }
    assert(f->key_index >= 0);
    if (f->key_index < 0 || (size_t)f->key_index >= count)
        return false;
    return eval_compare(f, values[f->key_index], lengths[f->key_index]);
}

/* ---- SQL ---- */

static void sql_param_add(hms_filter_sql_param **params, size_t *count, hms_filter_sql_param param)
{
    hms_filter_sql_param *grown = realloc(*params, (*count + 1) * sizeof *grown);
    if (!grown)
        abort();
    grown[*count] = param;
    *params = grown;
    (*count)++;
}

bool hms_filter_sql(const hms_filter *f, owl_buf *sql, hms_filter_sql_param **params, size_t *count,
                    size_t max_params)
{
    if (f->kind != FILTER_COMPARE) {
        owl_buf_putc(sql, '(');
        if (!hms_filter_sql(f->left, sql, params, count, max_params))
            return false;
        owl_buf_puts(sql, f->kind == FILTER_AND ? " AND " : " OR ");
        if (!hms_filter_sql(f->right, sql, params, count, max_params))
            return false;
        owl_buf_putc(sql, ')');
        return true;
    }
    if (f->op == OP_LIKE || (f->key_integral && f->literal_is_integer)) {
        owl_buf_putc(sql, '1');
        return true;
    }
    if (*count + 2 > max_params)
        return false;
    /* Parameters are numbered from ?2: ?1 is the table id. */
    size_t position_param = *count + 2, value_param = *count + 3;
    sql_param_add(params, count, (hms_filter_sql_param){.is_text = false, .integer = f->key_index});
    sql_param_add(params, count,
                  (hms_filter_sql_param){.is_text = true, .text = f->literal, .text_len = f->literal_len});
    owl_buf_printf(sql,
                   "p.id IN (SELECT partition_id FROM hms_partition_values WHERE table_id = ?1"
                   " AND position = ?%zu AND value %s ?%zu)",
                   position_param, f->op == OP_NE ? "<>" : op_text[f->op], value_param);
    return true;
}

void hms_filter_format(const hms_filter *f, owl_buf *out)
{
    if (f->kind != FILTER_COMPARE) {
        owl_buf_putc(out, '(');
        hms_filter_format(f->left, out);
        owl_buf_puts(out, f->kind == FILTER_AND ? " AND " : " OR ");
        hms_filter_format(f->right, out);
        owl_buf_putc(out, ')');
        return;
    }
    owl_buf_printf(out, "(%s %s ", f->key, op_text[f->op]);
    if (f->literal_is_integer) {
        owl_buf_printf(out, "%" PRId64, f->literal_integer);
    } else {
        owl_buf_putc(out, '"');
        owl_buf_append(out, f->literal, f->literal_len);
        owl_buf_putc(out, '"');
    }
    owl_buf_putc(out, ')');
}
