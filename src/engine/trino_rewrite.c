/*
 * Rewrites of Trino syntax that DuckDB 1.4's parser rejects, done on the SQL
 * text before DuckDB parses it. Every rewrite only inserts text, so each
 * position in the result maps back to one in the input:
 *
 *   if(c, v)         -> if(c, v, NULL)   DuckDB requires three arguments
 *   VALUES 1, 2      -> VALUES (1), (2)  DuckDB requires parentheses per row
 *   transform(a, f)  -> list_transform(a, f)
 *
 * The scanner knows SQL's comments, 'strings' with '' escapes and "quoted
 * names", so text inside them is never rewritten. Input is untrusted and
 * of any length; the scanner is fuzzed (fuzz/fuzz_engine_trino_rewrite.c).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/internal.h"

typedef enum scan_kind { SCAN_WORD, SCAN_PUNCT, SCAN_OTHER } scan_kind;

typedef struct scan_token {
    scan_kind kind;
    size_t offset;
    size_t len;
} scan_token;

typedef struct scan_tokens {
    scan_token *items;
    size_t count;
} scan_tokens;

static void scan_push(scan_tokens *tokens, scan_kind kind, size_t offset, size_t len) {
    tokens->items = realloc(tokens->items, (tokens->count + 1) * sizeof *tokens->items);
    if (!tokens->items)
        abort();
    tokens->items[tokens->count++] = (scan_token){kind, offset, len};
}

/* Splits sql into words, punctuation and other tokens (strings, names, numbers). */
static void scan(const char *sql, size_t len, scan_tokens *tokens) {
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)sql[i];
        size_t start = i;
        if (isspace(c)) {
            i++;
        } else if (c == '-' && i + 1 < len && sql[i + 1] == '-') {
            while (i < len && sql[i] != '\n')
                i++;
        } else if (c == '/' && i + 1 < len && sql[i + 1] == '*') {
            i += 2;
            while (i < len && !(sql[i] == '*' && i + 1 < len && sql[i + 1] == '/'))
                i++;
            i = i < len ? i + 2 : len;
        } else if (c == '\'' || c == '"') {
            /* An escaped quote ('') scans as two adjacent strings, which is harmless here. */
            i++;
            while (i < len && sql[i] != (char)c)
                i++;
            i = i < len ? i + 1 : len;
            scan_push(tokens, SCAN_OTHER, start, i - start);
        } else if (isalpha(c) || c == '_') {
            while (i < len && (isalnum((unsigned char)sql[i]) || sql[i] == '_' || sql[i] == '$'))
                i++;
            scan_push(tokens, SCAN_WORD, start, i - start);
        } else if (isdigit(c) || (c & 0x80)) {
            while (i < len && (isalnum((unsigned char)sql[i]) || sql[i] == '.' ||
                               ((unsigned char)sql[i] & 0x80)))
                i++;
            scan_push(tokens, SCAN_OTHER, start, i - start);
        } else {
            scan_push(tokens, SCAN_PUNCT, start, 1);
            i++;
        }
    }
}

static bool token_is(const char *sql, const scan_token *t, const char *text) {
    size_t n = strlen(text);
    if (t->kind == SCAN_PUNCT)
        return n == 1 && sql[t->offset] == text[0];
    return t->kind == SCAN_WORD && t->len == n && strncasecmp(sql + t->offset, text, n) == 0;
}

/* ---------------------------------------------------------------- insertions */

static void insert_at(engine_rewrite *rw, size_t offset, const char *text) {
    rw->insertions = realloc(rw->insertions, (rw->count + 1) * sizeof *rw->insertions);
    if (!rw->insertions)
        abort();
    rw->insertions[rw->count++] = (engine_insertion){offset, text};
}

static int insertion_order(const void *a, const void *b) {
    const engine_insertion *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * Returns the index of the token that closes the parenthesis opened at
 * open, or tokens->count when it is not closed; *commas receives the
 * number of commas directly inside.
 */
static size_t matching_paren(const char *sql, const scan_tokens *tokens, size_t open,
                             size_t *commas) {
    int depth = 0;
    *commas = 0;
    for (size_t i = open; i < tokens->count; i++) {
        const scan_token *t = &tokens->items[i];
        if (token_is(sql, t, "(")) {
            depth++;
        } else if (token_is(sql, t, ")")) {
            if (--depth == 0)
                return i;
        } else if (depth == 1 && token_is(sql, t, ",")) {
            (*commas)++;
        }
    }
    return tokens->count;
}

static bool ends_values(const char *sql, const scan_token *t) {
    static const char *const words[] = {"order", "limit", "offset", "union", "except",
                                        "intersect", "fetch", "window"};
    if (token_is(sql, t, ")") || token_is(sql, t, ";"))
        return true;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (token_is(sql, t, words[i]))
            return true;
    return false;
}

/* Wraps each row of VALUES at tokens[at] that lacks parentheses. */
static void rewrite_values(const char *sql, const scan_tokens *tokens, size_t at, size_t len,
                           engine_rewrite *rw) {
    size_t i = at + 1;
    while (i < tokens->count) {
        const scan_token *first = &tokens->items[i];
        bool wrap = !token_is(sql, first, "(") && !ends_values(sql, first);
        int depth = 0;
        size_t j = i;
        for (; j < tokens->count; j++) {
            const scan_token *t = &tokens->items[j];
            if (depth == 0 && (token_is(sql, t, ",") || ends_values(sql, t)))
                break;
            if (token_is(sql, t, "("))
                depth++;
            else if (token_is(sql, t, ")"))
                depth--;
        }
        if (wrap && j > i) {
            insert_at(rw, first->offset, "(");
            insert_at(rw, j < tokens->count ? tokens->items[j].offset : len, ")");
        }
        if (j >= tokens->count || !token_is(sql, &tokens->items[j], ","))
            break;
        i = j + 1;
    }
}

bool engine_trino_rewrite(const char *sql, size_t len, engine_rewrite *rw) {
    memset(rw, 0, sizeof *rw);
    scan_tokens tokens = {0};
    scan(sql, len, &tokens);
    for (size_t i = 0; i < tokens.count; i++) {
        const scan_token *t = &tokens.items[i];
        bool call = i + 1 < tokens.count && token_is(sql, &tokens.items[i + 1], "(") &&
                    !(i > 0 && token_is(sql, &tokens.items[i - 1], "."));
        size_t commas;
        if (call && token_is(sql, t, "if")) {
            size_t close = matching_paren(sql, &tokens, i + 1, &commas);
            if (close < tokens.count && commas == 1)
                insert_at(rw, tokens.items[close].offset, ", NULL");
        } else if (call && token_is(sql, t, "transform")) {
            insert_at(rw, t->offset, "list_");
        } else if (token_is(sql, t, "values")) {
            rewrite_values(sql, &tokens, i, len, rw);
        }
    }
    free(tokens.items);
    if (rw->count == 0)
        return false;
    qsort(rw->insertions, rw->count, sizeof *rw->insertions, insertion_order);

    owl_buf out = OWL_BUF_INIT;
    size_t copied = 0;
    for (size_t k = 0; k < rw->count; k++) {
        owl_buf_append(&out, sql + copied, rw->insertions[k].offset - copied);
        owl_buf_puts(&out, rw->insertions[k].text);
        copied = rw->insertions[k].offset;
    }
    owl_buf_append(&out, sql + copied, len - copied);
    rw->sql = owl_buf_detach(&out, NULL);
    return true;
}

long engine_rewrite_map_back(const engine_rewrite *rw, long offset) {
    if (!rw || offset < 0)
        return offset;
    long shift = 0;
    for (size_t k = 0; k < rw->count; k++) {
        long at = (long)rw->insertions[k].offset + shift;
        long n = (long)strlen(rw->insertions[k].text);
        if (offset >= at + n)
            shift += n;
        else if (offset >= at)
            return (long)rw->insertions[k].offset;
        else
            break;
    }
    return offset - shift;
}

void engine_rewrite_free(engine_rewrite *rw) {
    free(rw->insertions);
    free(rw->sql);
    memset(rw, 0, sizeof *rw);
}
