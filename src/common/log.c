/*
 * Service log lines: timestamp, level and key=value fields, one write(2) per
 * line so lines from concurrent threads never interleave.
 */
#include "common/log.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static enum owl_log_level min_level = OWL_LOG_INFO;

static const char *level_names[] = {"debug", "info", "warn", "error"};

void owl_log_set_level(enum owl_log_level level)
{
    min_level = level;
}

/*
 * Writes "2026-12-04T19:50:01.123Z level=info " to line and returns its
 * length. The date and time up to the seconds are formatted once per
 * second per thread; a request log line otherwise paid a gmtime_r() and a
 * printf-style format for them every time.
 */
static int log_format_prefix(char *line, struct timeval now, enum owl_log_level level)
{
    static _Thread_local time_t cached_second = -1;
    static _Thread_local char cached_text[64]; /* "2026-12-04T19:50:01." */
    if (now.tv_sec != cached_second) {
        struct tm tm;
        gmtime_r(&now.tv_sec, &tm);
        snprintf(cached_text, sizeof cached_text, "%04d-%02d-%02dT%02d:%02d:%02d.",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached_second = now.tv_sec;
    }
    size_t n = strlen(cached_text);
    memcpy(line, cached_text, n);
    int ms = (int)(now.tv_usec / 1000);
    line[n++] = (char)('0' + ms / 100);
    line[n++] = (char)('0' + ms / 10 % 10);
    line[n++] = (char)('0' + ms % 10);
    memcpy(line + n, "Z level=", 8);
    n += 8;
    size_t name_len = strlen(level_names[level]);
    memcpy(line + n, level_names[level], name_len);
    n += name_len;
    line[n++] = ' ';
    return (int)n;
}

void owl_log(enum owl_log_level level, const char *fmt, ...)
{
    assert(level <= OWL_LOG_ERROR);
    if (level < min_level)
        return;

    char line[4096];
    struct timeval now;
    gettimeofday(&now, NULL);
    int n = log_format_prefix(line, now, level);

    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';

    ssize_t written = write(STDERR_FILENO, line, len);
    (void)written;
}

const char *owl_log_quote(char *out, size_t outlen, const char *value)
{
    assert(outlen >= 8);
    if (!value) {
        snprintf(out, outlen, "-");
        return out;
    }
    int bare = *value != '\0';
    for (const char *p = value; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c == '"' || c == '\\' || c == '=' || c >= 0x7f) {
            bare = 0;
            break;
        }
    }
    if (bare) {
        size_t len = strnlen(value, outlen - 1);
        memcpy(out, value, len);
        out[len] = '\0';
        return out;
    }

    size_t o = 0;
    out[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)value; *p && o + 6 < outlen; p++) {
        if (*p == '"' || *p == '\\') {
            out[o++] = '\\';
            out[o++] = (char)*p;
        } else if (*p < ' ' || *p == 0x7f) {
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", *p);
        } else {
            out[o++] = (char)*p;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}
