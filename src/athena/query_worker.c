/*
 * The pool that runs query executions: QUERY_WORKERS threads, each with
 * its own engine_db (an engine_db serves one query at a time), fed from a
 * FIFO queue of at most QUERY_QUEUE_MAX jobs. StartQueryExecution returns
 * TooManyRequestsException when the queue is full.
 *
 * Stopping: a queued job leaves the queue; a running job gets its
 * cancel_requested flag and, while it is inside engine_query_run(),
 * engine_db_interrupt() on its worker's database.
 */
#include "athena/query.h"

#include "common/log.h"
#include "engine/engine.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_WORKERS 2
#define QUERY_QUEUE_MAX 100

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
static query_worker workers[QUERY_WORKERS];
static owl_store *pool_store;

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
        while (!queue_head)
            pthread_cond_wait(&pool_wake, &pool_lock);
        athena_query_job *job = queue_head;
        queue_head = job->next;
        if (!queue_head)
            queue_tail = NULL;
        queue_length--;
        worker->job = job;
        pthread_mutex_unlock(&pool_lock);

        athena_query_run(job, worker->db);

        pthread_mutex_lock(&pool_lock);
        worker->job = NULL;
        pthread_mutex_unlock(&pool_lock);
        athena_query_job_free(job);
    }
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

static void pool_start(void)
{
    fail_orphans();
    for (int i = 0; i < QUERY_WORKERS; i++) {
        char *err = NULL;
        engine_db_options options = {0};
        workers[i].db = engine_db_open(&options, &err);
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
        }
    }
    owl_log_info("event=athena_query_pool_started workers=%d queue_max=%d", QUERY_WORKERS,
                 QUERY_QUEUE_MAX);
}

void athena_query_pool_init(owl_store *store)
{
    pthread_mutex_lock(&pool_lock);
    if (!pool_store)
        pool_store = store;
    pthread_mutex_unlock(&pool_lock);
    pthread_once(&pool_once, pool_start);
}

bool athena_query_submit(athena_query_job *job)
{
    pthread_mutex_lock(&pool_lock);
    if (queue_length >= QUERY_QUEUE_MAX) {
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
    for (int i = 0; i < QUERY_WORKERS; i++) {
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
    for (int i = 0; i < QUERY_WORKERS; i++)
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
