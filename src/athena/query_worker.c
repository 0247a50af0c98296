/*
 * The pool that runs query executions: a fixed number of worker threads,
 * each with its own engine_db (an engine_db serves one query at a time),
 * fed from a FIFO queue of bounded length. StartQueryExecution returns
 * TooManyRequestsException when the queue is full.
 *
 * Settings, read from the environment of owlery serve when the pool starts:
 *   OWLERY_QUERY_WORKERS       worker threads, 1-64 (default 2)
 *   OWLERY_QUERY_QUEUE_MAX     queued queries, 1-100000 (default 100)
 *   OWLERY_QUERY_MEMORY_LIMIT  DuckDB memory_limit of each worker, such as
 *                              "2GB" (default: physical memory divided by
 *                              twice the number of workers)
 *   OWLERY_QUERY_TIMEOUT_SECONDS  time a query may run, 1-86400 (default
 *                              1800, Athena's default DML timeout); a watchdog
 *                              thread interrupts a query past it
 *
 * Stopping: a queued job leaves the queue; a running job gets its
 * cancel_requested flag and, while it is inside engine_query_run(),
 * engine_db_interrupt() on its worker's database.
 */
#include "athena/query.h"

#include "common/log.h"
#include "common/util.h"
#include "engine/engine.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define QUERY_WORKERS_DEFAULT 2
#define QUERY_WORKERS_MAX 64
#define QUERY_QUEUE_DEFAULT 100
#define QUERY_QUEUE_LIMIT 100000
#define QUERY_TIMEOUT_DEFAULT 1800
#define QUERY_TIMEOUT_MAX 86400

typedef struct query_worker {
    pthread_t thread;
    engine_db *db;
    athena_query_job *job; /* running job, or NULL */
    bool in_engine;
} query_worker;

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static athena_query_job *queue_head, *queue_tail;
static size_t queue_length;
static query_worker workers[QUERY_WORKERS_MAX];
static int worker_count = QUERY_WORKERS_DEFAULT;
static int queue_max = QUERY_QUEUE_DEFAULT;
static owl_store *pool_store;
static bool pool_started, pool_stopping;
static bool thread_started[QUERY_WORKERS_MAX];
static int timeout_seconds = QUERY_TIMEOUT_DEFAULT;
static pthread_t watchdog_thread;
static pthread_cond_t watchdog_wake = PTHREAD_COND_INITIALIZER;
static bool watchdog_started;

void athena_query_job_free(athena_query_job *job)
{
    if (!job)
        return;
    free(job->sql);
    free(job->catalog);
    free(job->database);
    free(job->output_location);
    free(job);
}

static void *worker_main(void *arg)
{
    query_worker *worker = arg;
    for (;;) {
        pthread_mutex_lock(&pool_lock);
        while (!queue_head && !pool_stopping)
            pthread_cond_wait(&pool_wake, &pool_lock);
        if (pool_stopping) {
            pthread_mutex_unlock(&pool_lock);
            break;
        }
        athena_query_job *job = queue_head;
        queue_head = job->next;
        if (!queue_head)
            queue_tail = NULL;
        queue_length--;
        worker->job = job;
        job->timeout_seconds = timeout_seconds;
        job->started_ms = owl_monotonic_ms();
        pthread_mutex_unlock(&pool_lock);

        athena_query_run(job, worker->db);

        pthread_mutex_lock(&pool_lock);
        worker->job = NULL;
        pthread_mutex_unlock(&pool_lock);
        athena_query_job_free(job);
    }
    return NULL;
}

/* Interrupts, once a second, the queries that have run past the time limit. */
static void *watchdog_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&pool_lock);
    while (!pool_stopping) {
        struct timespec wake;
        clock_gettime(CLOCK_REALTIME, &wake);
        wake.tv_sec += 1;
        pthread_cond_timedwait(&watchdog_wake, &pool_lock, &wake);
        int64_t now = owl_monotonic_ms();
        for (int i = 0; i < worker_count; i++) {
            athena_query_job *job = workers[i].job;
            if (!job || atomic_load(&job->timed_out) ||
                now - job->started_ms < (int64_t)job->timeout_seconds * 1000)
                continue;
            atomic_store(&job->timed_out, true);
            atomic_store(&job->cancel_requested, true);
            if (workers[i].in_engine)
                engine_db_interrupt(workers[i].db);
        }
    }
    pthread_mutex_unlock(&pool_lock);
    return NULL;
}

/* Fails the executions an earlier process left unfinished. */
static void fail_orphans(void)
{
    sqlite3 *db = owl_store_acquire(pool_store);
    if (!db)
        return;
    const char *params[] = {"owlery restarted before the query finished; run it again"};
    int rc = owl_store_exec(db,
                            "UPDATE athena_query_executions SET state = 'FAILED', reason = ?1, "
                            "error_category = 1, completed_ms = CAST(strftime('%s','now') AS "
                            "INTEGER) * 1000 WHERE state IN ('QUEUED', 'RUNNING')",
                            1, params);
    if (rc != SQLITE_OK && rc != SQLITE_DONE)
        owl_log_error("event=athena_query_orphans_failed sqlite_rc=%d", rc);
    owl_store_release(pool_store, db);
}

/* Reads the integer environment variable name, keeping fallback when it is unset or invalid. */
static int env_int(const char *name, int fallback, int min, int max)
{
    const char *text = getenv(name);
    if (!text || !*text)
        return fallback;
    char *end;
    long value = strtol(text, &end, 10);
    if (*end || value < min || value > max) {
        owl_log_warn("event=athena_setting_invalid name=%s value=\"%.40s\" expected=%d-%d "
                     "used=%d",
                     name, text, min, max, fallback);
        return fallback;
    }
    return (int)value;
}

static void pool_start(void)
{
    fail_orphans();
    worker_count = env_int("OWLERY_QUERY_WORKERS", QUERY_WORKERS_DEFAULT, 1, QUERY_WORKERS_MAX);
    queue_max = env_int("OWLERY_QUERY_QUEUE_MAX", QUERY_QUEUE_DEFAULT, 1, QUERY_QUEUE_LIMIT);
    timeout_seconds = env_int("OWLERY_QUERY_TIMEOUT_SECONDS", QUERY_TIMEOUT_DEFAULT, 1,
                              QUERY_TIMEOUT_MAX);
    char memory_limit[32];
    const char *configured = getenv("OWLERY_QUERY_MEMORY_LIMIT");
    if (configured && *configured) {
        snprintf(memory_limit, sizeof memory_limit, "%.31s", configured);
    } else {
        long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGE_SIZE);
        unsigned long long total_mb =
            pages > 0 && page_size > 0 ? (unsigned long long)pages * page_size >> 20 : 4096;
        snprintf(memory_limit, sizeof memory_limit, "%lluMB",
                 total_mb / (2ULL * (unsigned)worker_count));
    }
    for (int i = 0; i < worker_count; i++) {
        char *err = NULL;
        engine_db_options options = {.memory_limit = memory_limit};
        workers[i].db = engine_db_open(&options, &err);
        if (!workers[i].db && configured && *configured) {
            /* A limit DuckDB does not accept must not leave the pool without workers. */
            char quoted[600];
            owl_log_error("event=athena_setting_invalid name=OWLERY_QUERY_MEMORY_LIMIT "
                          "value=\"%.31s\" error=%s used=default",
                          configured, owl_log_quote(quoted, sizeof quoted, err ? err : ""));
            free(err);
            err = NULL;
            options.memory_limit = NULL;
            workers[i].db = engine_db_open(&options, &err);
        }
        if (!workers[i].db) {
            owl_log_error("event=athena_engine_open_failed worker=%d error=\"%s\"", i,
                          err ? err : "");
            free(err);
            continue;
        }
        if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0) {
            owl_log_error("event=athena_worker_start_failed worker=%d", i);
            engine_db_close(workers[i].db);
            workers[i].db = NULL;
            continue;
        }
        thread_started[i] = true;
    }
    watchdog_started = pthread_create(&watchdog_thread, NULL, watchdog_main, NULL) == 0;
    if (!watchdog_started)
        owl_log_error("event=athena_watchdog_start_failed");
    pthread_mutex_lock(&pool_lock);
    pool_started = true;
    pthread_mutex_unlock(&pool_lock);
    owl_log_info("event=athena_query_pool_started workers=%d queue_max=%d memory_limit=%s "
                 "timeout_seconds=%d",
                 worker_count, queue_max, memory_limit, timeout_seconds);
}

void athena_query_pool_init(owl_store *store)
{
    pthread_mutex_lock(&pool_lock);
    if (!pool_store)
        pool_store = store;
    pthread_mutex_unlock(&pool_lock);
    pthread_once(&pool_once, pool_start);
}

void athena_service_stop(void)
{
    pthread_mutex_lock(&pool_lock);
    if (!pool_started) {
        pool_stopping = true;
        pthread_mutex_unlock(&pool_lock);
        return;
    }
    pool_stopping = true;
    int running = 0;
    for (int i = 0; i < worker_count; i++) {
        athena_query_job *job = workers[i].job;
        if (!job)
            continue;
        running++;
        atomic_store(&job->cancel_requested, true);
        if (workers[i].in_engine)
            engine_db_interrupt(workers[i].db);
    }
    pthread_cond_broadcast(&pool_wake);
    pthread_cond_signal(&watchdog_wake);
    pthread_mutex_unlock(&pool_lock);
    owl_log_info("event=athena_query_pool_stopping running=%d queued=%zu", running, queue_length);

    if (watchdog_started)
        pthread_join(watchdog_thread, NULL);
    for (int i = 0; i < worker_count; i++) {
        if (!thread_started[i])
            continue;
        pthread_join(workers[i].thread, NULL);
        engine_db_close(workers[i].db);
        workers[i].db = NULL;
    }
    /* Queued jobs stay QUEUED in the store; the next process fails them. */
    while (queue_head) {
        athena_query_job *job = queue_head;
        queue_head = job->next;
        athena_query_job_free(job);
    }
    queue_tail = NULL;
    queue_length = 0;
}

bool athena_query_submit(athena_query_job *job)
{
    pthread_mutex_lock(&pool_lock);
    if (pool_stopping || queue_length >= (size_t)queue_max) {
        pthread_mutex_unlock(&pool_lock);
        return false;
    }
    job->next = NULL;
    if (queue_tail)
        queue_tail->next = job;
    else
        queue_head = job;
    queue_tail = job;
    queue_length++;
    pthread_cond_signal(&pool_wake);
    pthread_mutex_unlock(&pool_lock);
    return true;
}

bool athena_query_cancel(const char *id, bool *was_queued)
{
    *was_queued = false;
    pthread_mutex_lock(&pool_lock);
    athena_query_job *previous = NULL;
    for (athena_query_job *job = queue_head; job; previous = job, job = job->next) {
        if (strcmp(job->id, id) != 0)
            continue;
        if (previous)
            previous->next = job->next;
        else
            queue_head = job->next;
        if (queue_tail == job)
            queue_tail = previous;
        queue_length--;
        pthread_mutex_unlock(&pool_lock);
        athena_query_job_free(job);
        *was_queued = true;
        return true;
    }
    for (int i = 0; i < worker_count; i++) {
        athena_query_job *job = workers[i].job;
        if (!job || strcmp(job->id, id) != 0)
            continue;
        atomic_store(&job->cancel_requested, true);
        if (workers[i].in_engine)
            engine_db_interrupt(workers[i].db);
        pthread_mutex_unlock(&pool_lock);
        return true;
    }
    pthread_mutex_unlock(&pool_lock);
    return false;
}

static query_worker *worker_of(athena_query_job *job)
{
    for (int i = 0; i < worker_count; i++)
        if (workers[i].job == job)
            return &workers[i];
    return NULL;
}

void athena_query_engine_enter(athena_query_job *job)
{
    pthread_mutex_lock(&pool_lock);
    query_worker *worker = worker_of(job);
    if (worker)
        worker->in_engine = true;
    pthread_mutex_unlock(&pool_lock);
}

void athena_query_engine_leave(athena_query_job *job)
{
    pthread_mutex_lock(&pool_lock);
    query_worker *worker = worker_of(job);
    if (worker)
        worker->in_engine = false;
    pthread_mutex_unlock(&pool_lock);
}
