/*
 * The listing walk. See list.h.
 */
#include "s3/list.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Returns the common prefix key rolls up into (malloc'ed), or NULL when key
 * has no delimiter after the prefix.
 */
static char *common_prefix_of(const char *key, const char *prefix, const char *delimiter)
{
    if (!delimiter[0])
        return NULL;
    size_t plen = strlen(prefix);
    const char *found = strstr(key + plen, delimiter);
    if (!found)
        return NULL;
    char *cp = strndup(key, (size_t)(found - key) + strlen(delimiter));
    if (!cp)
        abort();
    return cp;
}

/*
 * Returns the smallest string greater than every string that starts with
 * cp (malloc'ed): cp with its last byte below 0xFF incremented and the
 * rest dropped. Returns NULL when no such string exists.
 */
static char *prefix_successor(const char *cp)
{
    size_t n = strlen(cp);
    while (n > 0 && (unsigned char)cp[n - 1] == 0xFF)
        n--;
    if (n == 0)
        return NULL;
    char *next = strndup(cp, n);
    if (!next)
        abort();
    next[n - 1] = (char)((unsigned char)next[n - 1] + 1);
    return next;
}

static void add_entry(s3_list_result *result, s3_list_entry *entry)
{
    result->entries = realloc(result->entries, (result->count + 1) * sizeof *result->entries);
    if (!result->entries)
        abort();
    result->entries[result->count++] = *entry;
}

static void add_prefix(s3_list_result *result, char *cp)
{
    result->common_prefixes = realloc(result->common_prefixes,
                                      (result->prefix_count + 1) * sizeof *result->common_prefixes);
    if (!result->common_prefixes)
        abort();
    result->common_prefixes[result->prefix_count++] = cp;
}

static void set_last(s3_list_result *result, const char *last)
{
    free(result->last);
    result->last = strdup(last);
    if (!result->last)
        abort();
}

void s3_list_run(const s3_list_params *params, s3_list_seek_fn seek, void *arg,
                 s3_list_result *result)
{
    memset(result, 0, sizeof *result);
    const char *prefix = params->prefix ? params->prefix : "";
    const char *delimiter = params->delimiter ? params->delimiter : "";
    const char *after = params->after ? params->after : "";

    /* The position to seek from: the prefix, or past the resume point when that is later. */
    char *from = strdup(prefix);
    bool exclusive = false;
    if (!from)
        abort();
    if (after[0] && strcmp(after, prefix) >= 0) {
        free(from);
        char *cp = starts_with(after, prefix) ? common_prefix_of(after, prefix, delimiter) : NULL;
        if (cp && strcmp(cp, after) == 0) {
            from = prefix_successor(cp);
            exclusive = false;
        } else {
            from = strdup(after);
            exclusive = true;
        }
        free(cp);
    }

    size_t taken = 0;
    s3_list_entry entry;
    while (from) {
        memset(&entry, 0, sizeof entry);
        if (!seek(arg, from, exclusive, &entry))
            break;
        if (!starts_with(entry.key, prefix)) {
            free(entry.key);
            break;
        }
        if (taken == (size_t)(params->max_keys > 0 ? params->max_keys : 0)) {
            /* One more entry exists past a full page. */
            result->is_truncated = params->max_keys > 0;
            free(entry.key);
            break;
        }
        free(from);
        char *cp = common_prefix_of(entry.key, prefix, delimiter);
        if (cp) {
            free(entry.key);
            set_last(result, cp);
            from = prefix_successor(cp);
            exclusive = false;
            add_prefix(result, cp);
        } else {
            set_last(result, entry.key);
            from = strdup(entry.key);
            if (!from)
                abort();
            exclusive = true;
            add_entry(result, &entry);
        }
        taken++;
    }
    free(from);
}

void s3_list_result_free(s3_list_result *result)
{
    for (size_t i = 0; i < result->count; i++)
        free(result->entries[i].key);
    free(result->entries);
    for (size_t i = 0; i < result->prefix_count; i++)
        free(result->common_prefixes[i]);
    free(result->common_prefixes);
    free(result->last);
    memset(result, 0, sizeof *result);
}

char *s3_list_token_encode(const char *after)
{
    size_t n = strlen(after);
    char *token = malloc(2 * n + 1);
    if (!token)
        abort();
    owl_hex_encode((const uint8_t *)after, n, token);
    return token;
}

char *s3_list_token_decode(const char *token)
{
    size_t n = strlen(token);
    if (n == 0 || n % 2 != 0)
        return NULL;
    char *after = malloc(n / 2 + 1);
    if (!after)
        abort();
    if (!owl_hex_decode(token, (uint8_t *)after, n / 2) || memchr(after, '\0', n / 2)) {
        free(after);
        return NULL;
    }
    after[n / 2] = '\0';
    return after;
}
