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

void owl_log(enum owl_log_level level, const char *fmt, ...)
{
    assert(level <= OWL_LOG_ERROR);
    if (level < min_level)
        return;

    char line[4096];
    struct timeval now;
    gettimeofday(&now, NULL);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ level=%s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (int)(now.tv_usec / 1000), level_names[level]);

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
        snprintf(out, outlen, "%s", value);
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
