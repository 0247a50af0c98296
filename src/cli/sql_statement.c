/*
 * Splitting SQL text into statements for -e, -f, standard input and the
 * REPL. A ';' ends a statement unless it sits inside a string literal
 * ('...' with '' as an escaped quote), a quoted identifier ("..." or
 * `...`), a line comment (-- to the end of the line) or a block comment
 * (slash-star to star-slash, not nested, as in Trino).
 */
#include "cli/sql.h"

#include <ctype.h>

typedef enum scan_state {
    SCAN_CODE,
    SCAN_QUOTED,        /* inside '...', "..." or `...`; quote is the delimiter */
    SCAN_LINE_COMMENT,
    SCAN_BLOCK_COMMENT,
} scan_state;

bool sql_statement_next(const char *text, size_t len, size_t *statement_len, size_t *consumed)
{
    scan_state state = SCAN_CODE;
    char quote = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        char next = i + 1 < len ? text[i + 1] : '\0';
        switch (state) {
        case SCAN_CODE:
            if (c == ';') {
                *statement_len = i;
                *consumed = i + 1;
                return true;
            }
            if (c == '\'' || c == '"' || c == '`') {
                state = SCAN_QUOTED;
                quote = c;
            } else if (c == '-' && next == '-') {
                state = SCAN_LINE_COMMENT;
                i++;
            } else if (c == '/' && next == '*') {
                state = SCAN_BLOCK_COMMENT;
                i++;
            }
            break;
        case SCAN_QUOTED:
            /* A doubled delimiter is an escaped one and stays inside. */
            if (c == quote && next == quote)
                i++;
            else if (c == quote)
                state = SCAN_CODE;
            break;
        case SCAN_LINE_COMMENT:
            if (c == '\n')
                state = SCAN_CODE;
            break;
        case SCAN_BLOCK_COMMENT:
            if (c == '*' && next == '/') {
                state = SCAN_CODE;
                i++;
            }
            break;
        }
    }
    return false;
}

bool sql_statement_blank(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (isspace((unsigned char)text[i])) {
            i++;
        } else if (text[i] == '-' && i + 1 < len && text[i + 1] == '-') {
            while (i < len && text[i] != '\n')
                i++;
        } else if (text[i] == '/' && i + 1 < len && text[i + 1] == '*') {
            i += 2;
            while (i < len && !(text[i] == '*' && i + 1 < len && text[i + 1] == '/'))
                i++;
            i += 2;
        } else {
            return false;
        }
    }
    return true;
}
