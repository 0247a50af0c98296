/*
 * The metadata cache: responses of catalog metadata functions kept in
 * memory for a catalog's metadata-cache-ttl-seconds. Callers build the key
 * from the caller's principal ARN, the catalog, the function and the
 * request, so one principal never sees an answer that was fetched (and
 * authorized) for another.
 *
 * Entries are text (the decoded apiResponse JSON), copied in and out, so no
 * JSON value is shared between request threads. At most CACHE_MAX_ENTRIES
 * are kept: a full cache first drops expired entries, then the entry that
 * expires soonest. Lookups are linear scans, sized for a few hundred
 * entries per process; a restart empties the cache.
 */
#include "athena/internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_MAX_ENTRIES 512

typedef struct cache_entry {
    char *key;
    char *text;
    int64_t expires_ms;
} cache_entry;

static struct {
    pthread_mutex_t lock;
    cache_entry entries[CACHE_MAX_ENTRIES];
    size_t count;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void entry_drop(size_t i)
{
    free(cache.entries[i].key);
    free(cache.entries[i].text);
    cache.entries[i] = cache.entries[--cache.count];
}

static cache_entry *entry_find(const char *key)
{
    for (size_t i = 0; i < cache.count; i++)
        if (strcmp(cache.entries[i].key, key) == 0)
            return &cache.entries[i];
    return NULL;
}

char *athena_cache_get(const char *key, int64_t now_ms)
{
    char *copy = NULL;
    pthread_mutex_lock(&cache.lock);
    cache_entry *entry = entry_find(key);
    if (entry && entry->expires_ms > now_ms)
        copy = athena_strdup(entry->text);
    else if (entry)
        entry_drop((size_t)(entry - cache.entries));
    pthread_mutex_unlock(&cache.lock);
    return copy;
}

void athena_cache_put(const char *key, const char *text, int64_t now_ms, int64_t ttl_ms)
{
    if (ttl_ms <= 0)
        return;
    pthread_mutex_lock(&cache.lock);
    cache_entry *entry = entry_find(key);
    if (entry) {
        free(entry->text);
    } else {
        if (cache.count == CACHE_MAX_ENTRIES) {
            for (size_t i = cache.count; i-- > 0;)
                if (cache.entries[i].expires_ms <= now_ms)
                    entry_drop(i);
        }
        if (cache.count == CACHE_MAX_ENTRIES) {
            size_t soonest = 0;
            for (size_t i = 1; i < cache.count; i++)
                if (cache.entries[i].expires_ms < cache.entries[soonest].expires_ms)
                    soonest = i;
            entry_drop(soonest);
        }
        entry = &cache.entries[cache.count++];
        entry->key = athena_strdup(key);
    }
    entry->text = athena_strdup(text);
    entry->expires_ms = now_ms + ttl_ms;
    pthread_mutex_unlock(&cache.lock);
}

void athena_cache_clear(void)
{
    pthread_mutex_lock(&cache.lock);
    while (cache.count > 0)
        entry_drop(cache.count - 1);
    pthread_mutex_unlock(&cache.lock);
}
