/*
 * Service log: one line per event on stderr, as
 *   2026-12-04T19:50:01.123Z level=info event=request key=value ...
 * Callers pass the key=value fields in fmt. Values that may contain spaces or
 * come from outside go through owl_log_quote(). Never pass a secret, a
 * signature or a session token.
 */
#ifndef OWL_COMMON_LOG_H
#define OWL_COMMON_LOG_H

#include <stddef.h>

enum owl_log_level { OWL_LOG_DEBUG, OWL_LOG_INFO, OWL_LOG_WARN, OWL_LOG_ERROR };

void owl_log_set_level(enum owl_log_level level);
void owl_log(enum owl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Writes value into out (size outlen) as a log field value: bare when it has
 * only safe characters, else double-quoted with \", \\ and \xNN escapes,
 * truncated to fit. Returns out.
 */
const char *owl_log_quote(char *out, size_t outlen, const char *value);

#define owl_log_info(...) owl_log(OWL_LOG_INFO, __VA_ARGS__)
#define owl_log_warn(...) owl_log(OWL_LOG_WARN, __VA_ARGS__)
#define owl_log_error(...) owl_log(OWL_LOG_ERROR, __VA_ARGS__)
#define owl_log_debug(...) owl_log(OWL_LOG_DEBUG, __VA_ARGS__)

#endif
