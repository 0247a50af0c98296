/*
 * The function runtime: instances of a function are child processes running
 * the package's `bootstrap`, each polling its own Lambda Runtime API server
 * (API version 2018-06-01) on a private loopback port:
 *   GET  /2018-06-01/runtime/invocation/next
 *   POST /2018-06-01/runtime/invocation/REQUEST_ID/response
 *   POST /2018-06-01/runtime/invocation/REQUEST_ID/error
 *   POST /2018-06-01/runtime/init/error
 * Anything else, and a response for a request id the instance does not hold,
 * gets a 4xx; the instance keeps running.
 *
 * Pool: an idle (warm) instance of the same function version, code and
 * configuration is reused; otherwise a new one starts, up to
 * LAMBDA_INSTANCES_PER_FUNCTION per function version, beyond which the
 * invocation is throttled. Instances of an older configuration are stopped
 * when they become idle.
 *
 * Sandbox of an instance:
 *   - a new session and process group; timeouts, DeleteFunction and shutdown
 *     send SIGKILL to the whole group;
 *   - file descriptors other than stdin (/dev/null), stdout and stderr (a
 *     pipe into the function's log) are closed;
 *   - working directory: the read-only extracted package (LAMBDA_TASK_ROOT);
 *   - RLIMIT_AS = MemorySize + LAMBDA_MEMORY_HEADROOM_MB. The headroom exists
 *     because address space also counts reserved but untouched mappings
 *     (shared libraries, thread stacks, 64 MiB glibc malloc arenas per
 *     thread), so a limit of exactly MemorySize would break small programs;
 *   - when owlery runs as root, a user id of its own (from 200000, no
 *     account of the system) in the group of nobody, so instances cannot read
 *     each other's environment and credentials; the data directory (every
 *     account's keys, objects and state) is then private to owlery, and the
 *     package and the instance's temporary directory are the only paths the
 *     instance can reach under it. This needs every directory above the data
 *     directory to be searchable by others; when one is not, instances run
 *     as owlery's own user and lambda_runtime_start() logs why;
 *   - a per-instance temporary directory as TMPDIR, which is also mounted on
 *     /tmp in a private mount namespace when unprivileged user namespaces are
 *     available (Linux, tried per instance) and the data directory is not
 *     under /tmp (the mount would hide the package). Otherwise only TMPDIR
 *     separates the instances' temporary files.
 *
 * Threads: every instance has a waiter thread (reaps the process, fails its
 * invocation, tears the instance down) and a log thread (reads the pipe).
 * One mutex and one condition variable guard all runtime state.
 */
#include "lambda/internal.h"

#include "common/log.h"
#include "iam/sts.h"
#include "common/util.h"
#include "http/http.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LAMBDA_INSTANCES_PER_FUNCTION 10
#define LAMBDA_MEMORY_HEADROOM_MB 512
/* Time an instance has to start and ask for its first invocation, as Lambda's init phase. */
#define LAMBDA_INIT_TIMEOUT_MS 10000
/* Bytes of an invocation's log kept for LogType=Tail (Lambda returns the last 4 KB). */
#define LAMBDA_LOG_KEEP 8192
/* Lines of one invocation copied into owlery's log; the rest are counted. */
#define LAMBDA_LOG_LINES_MAX 200
#define RUNTIME_BODY_MAX (1u << 20)
#define RUNTIME_PREFIX "/2018-06-01/runtime/"

typedef enum invocation_state { INV_QUEUED, INV_RUNNING, INV_DONE } invocation_state;

typedef struct runtime_instance runtime_instance;

/* One invocation, owned by the invoking thread; others touch it only under rt.lock. */
typedef struct invocation {
    char request_id[40];
    char function_arn[256];
    const void *payload;
    size_t payload_len;
    int64_t timeout_ms;
    int64_t queued_ms;   /* monotonic */
    int64_t deadline_ms; /* monotonic, once running */
    int64_t started_ms;
    invocation_state state;
    runtime_instance *instance;
    lambda_invoke_result *result;
    int log_lines;
} invocation;

struct runtime_instance {
    runtime_instance *next;
    char id[17];
    /* Function version this instance runs, and the code and configuration it started with. */
    char account_id[13], region[64], name[LAMBDA_NAME_MAX + 1], version[LAMBDA_QUALIFIER_MAX + 1];
    char config_key[160];
    pid_t pid;
    bool exited;
    /* Set when the instance must stop (timeout, DeleteFunction, stale configuration). */
    bool retired;
    invocation *current;
    /*
     * Output lines logged since the last invocation ended, for the
     * LAMBDA_LOG_LINES_MAX cap. Reset when the next invocation starts.
     */
    int idle_log_lines;
    http_server *api;
    int log_fd;
    pthread_t log_thread;
    char tmp_dir[PATH_MAX];
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool running;
    owl_store *store;
    char endpoint_url[256];
    char data_dir[PATH_MAX];
    runtime_instance *instances;
    int instance_count;
    bool drop_privileges; /* run instances as their own uid and instance_gid */
    uid_t instance_uid;   /* nobody: the fallback when no free uid is left */
    gid_t instance_gid;
    atomic_uint next_uid_offset;
} rt = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The user ids of instances when owlery serve runs as root. */
#define INSTANCE_UID_BASE 200000u
#define INSTANCE_UID_COUNT 65536u

/*
 * Returns the user id for a new instance: the next of INSTANCE_UID_COUNT
 * ids from INSTANCE_UID_BASE that no account on the system uses. Instances
 * running at the same time never share one, so none can read another's
 * environment (its credentials) through /proc.
 */
static uid_t next_instance_uid(void)
{
    for (unsigned tries = 0; tries < INSTANCE_UID_COUNT; tries++) {
        unsigned offset = atomic_fetch_add(&rt.next_uid_offset, 1) % INSTANCE_UID_COUNT;
        uid_t uid = INSTANCE_UID_BASE + offset;
        struct passwd entry, *found = NULL;
        char buffer[1024];
        if (getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && !found)
            return uid;
    }
    return rt.instance_uid;
}

static void wait_until(int64_t deadline_ms)
{
    int64_t left = deadline_ms - owl_monotonic_ms();
    if (left <= 0)
        return;
    if (left > 1000)
        left = 1000;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += left / 1000;
    ts.tv_nsec += (left % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&rt.changed, &rt.lock, &ts);
}

/* ------------------------------------------------------------------------
 * Invocation results (all under rt.lock)
 * ---------------------------------------------------------------------- */

static void log_append(invocation *inv, const char *text, size_t len)
{
    owl_buf *log = &inv->result->log;
    owl_buf_append(log, text, len);
    if (log->len > 2 * LAMBDA_LOG_KEEP) {
        memmove(log->data, log->data + log->len - LAMBDA_LOG_KEEP, LAMBDA_LOG_KEEP);
        log->len = LAMBDA_LOG_KEEP;
        log->data[log->len] = '\0';
    }
}

static void invocation_finish(invocation *inv, lambda_invoke_outcome outcome, const void *payload,
                              size_t len)
{
    if (inv->state == INV_DONE)
        return;
    lambda_invoke_result *result = inv->result;
    result->outcome = outcome;
    owl_buf_reset(&result->payload);
    owl_buf_append(&result->payload, payload, len);

    int64_t duration = inv->started_ms ? owl_monotonic_ms() - inv->started_ms : 0;
    char line[256];
    int n = snprintf(line, sizeof line, "END RequestId: %s\nREPORT RequestId: %s\tDuration: %" PRId64
                     ".00 ms\tBilled Duration: %" PRId64 " ms\n",
                     inv->request_id, inv->request_id, duration, duration ? duration : 1);
    log_append(inv, line, (size_t)n);

    inv->state = INV_DONE;
    if (inv->instance && inv->instance->current == inv)
        inv->instance->current = NULL;
    inv->instance = NULL;
    pthread_cond_broadcast(&rt.changed);
}

/* Finishes inv with a function error {"errorMessage": message, "errorType": type}. */
static void invocation_fail(invocation *inv, const char *type, const char *message)
{
    json_t *error = json_pack("{s:s, s:s}", "errorMessage", message, "errorType", type);
    char *text = json_dumps(error, JSON_COMPACT);
    json_decref(error);
    if (!text)
        abort();
    invocation_finish(inv, LAMBDA_INVOKE_FUNCTION_ERROR, text, strlen(text));
    free(text);
}

static void instance_kill(runtime_instance *inst)
{
    inst->retired = true;
    if (!inst->exited)
        kill(-inst->pid, SIGKILL);
    pthread_cond_broadcast(&rt.changed);
}

/* ------------------------------------------------------------------------
 * The Runtime API of one instance
 * ---------------------------------------------------------------------- */

static void api_reply(http_response *resp, int status, const char *type, const char *message)
{
    json_t *body = json_pack("{s:s, s:s}", "errorMessage", message, "errorType", type);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text)
        abort();
    http_response_set_body(resp, status, "application/json", text, strlen(text));
    free(text);
}

static void api_accepted(http_response *resp)
{
    static const char ok[] = "{\"status\":\"OK\"}";
    http_response_set_body(resp, 202, "application/json", ok, sizeof ok - 1);
}

/*
 * Splits /2018-06-01/runtime/invocation/ID/ACTION; returns false for other
 * paths. id receives at most idlen-1 bytes.
 */
static bool api_invocation_path(const char *path, char *id, size_t idlen, const char **action)
{
    const char *prefix = RUNTIME_PREFIX "invocation/";
    if (strncmp(path, prefix, strlen(prefix)) != 0)
        return false;
    const char *start = path + strlen(prefix);
    const char *slash = strchr(start, '/');
    if (!slash || slash == start || (size_t)(slash - start) >= idlen)
        return false;
    memcpy(id, start, (size_t)(slash - start));
    id[slash - start] = '\0';
    *action = slash + 1;
    return true;
}

static int api_begin(void *ctx, http_request *req, http_response *resp)
{
    (void)ctx;
    (void)resp;
    char id[64];
    const char *action;
    bool response = api_invocation_path(req->raw_path, id, sizeof id, &action) &&
                    strcmp(action, "response") == 0;
    req->body_limit = response ? LAMBDA_SYNC_RESPONSE_MAX : RUNTIME_BODY_MAX;
    return 0;
}

/* Returns the invocation the instance runs when id names it, else NULL (under rt.lock). */
static invocation *api_running(runtime_instance *inst, const char *id)
{
    invocation *inv = inst->current;
    if (!inv || inv->state != INV_RUNNING || strcmp(inv->request_id, id) != 0)
        return NULL;
    return inv;
}

static void api_body_too_large(void *ctx, http_request *req, http_response *resp)
{
    runtime_instance *inst = ctx;
    char id[64];
    const char *action;
    if (api_invocation_path(req->raw_path, id, sizeof id, &action) &&
        strcmp(action, "response") == 0) {
        pthread_mutex_lock(&rt.lock);
        invocation *inv = api_running(inst, id);
        if (inv) {
            char message[128];
            snprintf(message, sizeof message,
                     "Response payload size exceeded maximum allowed payload size (%d bytes).",
                     LAMBDA_SYNC_RESPONSE_MAX);
            invocation_fail(inv, "Function.ResponseSizeTooLarge", message);
        }
        pthread_mutex_unlock(&rt.lock);
    }
    api_reply(resp, 413, "RequestEntityTooLarge", "Request body is larger than the limit");
}

static void api_next(runtime_instance *inst, http_response *resp)
{
    pthread_mutex_lock(&rt.lock);
    while (!inst->exited && !inst->retired && rt.running &&
           !(inst->current && inst->current->state == INV_QUEUED))
        pthread_cond_wait(&rt.changed, &rt.lock);
    invocation *inv = inst->retired || inst->exited || !rt.running ? NULL : inst->current;
    if (!inv) {
        pthread_mutex_unlock(&rt.lock);
        api_reply(resp, 410, "InstanceStopping", "The instance is stopping");
        return;
    }

    inv->state = INV_RUNNING;
    inv->started_ms = owl_monotonic_ms();
    inv->deadline_ms = inv->started_ms + inv->timeout_ms;
    char line[128];
    int n = snprintf(line, sizeof line, "START RequestId: %s Version: %s\n", inv->request_id,
                     inst->version);
    log_append(inv, line, (size_t)n);

    char deadline[32];
    snprintf(deadline, sizeof deadline, "%" PRId64, owl_now_ms() + inv->timeout_ms);
    char trace[96];
    snprintf(trace, sizeof trace, "Root=1-%08llx-%.24s;Parent=0000000000000000;Sampled=0",
             (unsigned long long)(owl_now_ms() / 1000), inv->request_id);
    http_response_set_body(resp, 200, "application/json", inv->payload, inv->payload_len);
    http_response_add_header(resp, "Lambda-Runtime-Aws-Request-Id", inv->request_id);
    http_response_add_header(resp, "Lambda-Runtime-Deadline-Ms", deadline);
    http_response_add_header(resp, "Lambda-Runtime-Invoked-Function-Arn", inv->function_arn);
    http_response_add_header(resp, "Lambda-Runtime-Trace-Id", trace);
    pthread_mutex_unlock(&rt.lock);
}

/*
 * The error document a function returns: the runtime's body when it is a
 * JSON object, else {"errorMessage": body, "errorType": header or
 * Runtime.Unknown}. Returns malloc'ed compact JSON.
 */
static char *api_error_document(const http_request *req)
{
    json_t *body = req->body.len ? json_loadb(req->body.data, req->body.len, 0, NULL) : NULL;
    if (!json_is_object(body)) {
        json_decref(body);
        const char *type = http_request_header(req, "lambda-runtime-function-error-type");
        char *message = strndup(req->body.data ? req->body.data : "", req->body.len);
        if (!message)
            abort();
        body = json_pack("{s:s?, s:s}", "errorMessage",
                         owl_utf8_valid(message, strlen(message)) ? message : NULL, "errorType",
                         type && *type ? type : "Runtime.Unknown");
        free(message);
        if (!body)
            body = json_pack("{s:s}", "errorType", "Runtime.Unknown");
    }
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text)
        abort();
    return text;
}

static void api_finish(void *ctx, http_request *req, http_response *resp)
{
    runtime_instance *inst = ctx;
    const char *path = req->raw_path;
    bool get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;

    if (strcmp(path, RUNTIME_PREFIX "invocation/next") == 0) {
        if (!get) {
            api_reply(resp, 405, "MethodNotAllowed", "invocation/next takes GET");
            return;
        }
        api_next(inst, resp);
        return;
    }

    if (strcmp(path, RUNTIME_PREFIX "init/error") == 0) {
        if (!post) {
            api_reply(resp, 405, "MethodNotAllowed", "init/error takes POST");
            return;
        }
        char *error = api_error_document(req);
        pthread_mutex_lock(&rt.lock);
        if (inst->current)
            invocation_finish(inst->current, LAMBDA_INVOKE_FUNCTION_ERROR, error, strlen(error));
        instance_kill(inst);
        pthread_mutex_unlock(&rt.lock);
        free(error);
        api_accepted(resp);
        return;
    }

    char id[64];
    const char *action;
    if (!api_invocation_path(path, id, sizeof id, &action) ||
        (strcmp(action, "response") != 0 && strcmp(action, "error") != 0)) {
        api_reply(resp, 404, "NotFound", "Unknown Runtime API path");
        return;
    }
    if (!post) {
        api_reply(resp, 405, "MethodNotAllowed", "invocation responses and errors take POST");
        return;
    }

    char *error = strcmp(action, "error") == 0 ? api_error_document(req) : NULL;
    pthread_mutex_lock(&rt.lock);
    invocation *inv = api_running(inst, id);
    if (inv && error)
        invocation_finish(inv, LAMBDA_INVOKE_FUNCTION_ERROR, error, strlen(error));
    else if (inv)
        invocation_finish(inv, LAMBDA_INVOKE_SUCCESS, req->body.data ? req->body.data : "",
                          req->body.len);
    pthread_mutex_unlock(&rt.lock);
    free(error);
    if (!inv) {
        api_reply(resp, 400, "InvalidRequestID", "The request id is not the instance's running invocation");
        return;
    }
    api_accepted(resp);
}

static void api_done(void *ctx, http_request *req, int status)
{
    (void)ctx;
    (void)req;
    (void)status;
}

/* ------------------------------------------------------------------------
 * Instance processes
 * ---------------------------------------------------------------------- */

typedef struct spawn_plan {
    char code_dir[PATH_MAX];
    char bootstrap[PATH_MAX];
    char **envp;
    size_t envc;
    struct rlimit memory;
    /* Prepared before fork: the child may only make async-signal-safe calls. */
    char uid_map[64];
    char gid_map[64];
    const char *tmp_dir;
    /* False when the package or the temporary directory lies under /tmp, which the mount would hide. */
    bool private_tmp;
    bool drop_privileges;
    uid_t uid;
    gid_t gid;
} spawn_plan;

static void env_add(spawn_plan *plan, const char *name, const char *value)
{
    char **grown = realloc(plan->envp, (plan->envc + 2) * sizeof *grown);
    if (!grown)
        abort();
    plan->envp = grown;
    size_t n = strlen(name) + strlen(value) + 2;
    char *entry = malloc(n);
    if (!entry)
        abort();
    snprintf(entry, n, "%s=%s", name, value);
    plan->envp[plan->envc++] = entry;
    plan->envp[plan->envc] = NULL;
}

static void env_free(spawn_plan *plan)
{
    for (size_t i = 0; i < plan->envc; i++)
        free(plan->envp[i]);
    free(plan->envp);
}

static bool write_file_in_child(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t len = (ssize_t)strlen(text);
    bool ok = write(fd, text, (size_t)len) == len;
    close(fd);
    return ok;
}

/* In the child: mounts the instance's temporary directory on a private /tmp when allowed. */
static void child_private_tmp(const spawn_plan *plan)
{
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
        return;
    if (!write_file_in_child("/proc/self/setgroups", "deny") ||
        !write_file_in_child("/proc/self/uid_map", plan->uid_map) ||
        !write_file_in_child("/proc/self/gid_map", plan->gid_map))
        return;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return;
    mount(plan->tmp_dir, "/tmp", NULL, MS_BIND | MS_REC, NULL);
}

static void child_exec(const spawn_plan *plan, int devnull, int log_fd)
{
    setsid();
    if (dup2(devnull, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
        _exit(126);
    if (close_range(3, ~0u, 0) != 0)
        for (int fd = 3; fd < 65536; fd++)
            close(fd);
    if (plan->drop_privileges &&
        (setgroups(0, NULL) != 0 || setgid(plan->gid) != 0 || setuid(plan->uid) != 0)) {
        static const char failed[] = "owlery: cannot switch to the function's user\n";
        ssize_t ignored = write(2, failed, sizeof failed - 1);
        (void)ignored;
        _exit(126);
    }
    if (plan->private_tmp)
        child_private_tmp(plan);
    if (chdir(plan->code_dir) != 0) {
        static const char failed[] = "owlery: cannot enter the code directory\n";
        ssize_t ignored = write(2, failed, sizeof failed - 1);
        (void)ignored;
        _exit(126);
    }
    setrlimit(RLIMIT_AS, &plan->memory);
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    char *argv[] = {(char *)plan->bootstrap, NULL};
    execve(plan->bootstrap, argv, plan->envp);
    static const char failed[] = "owlery: cannot execute bootstrap\n";
    ssize_t ignored = write(2, failed, sizeof failed - 1);
    (void)ignored;
    _exit(127);
}

static void *instance_log_thread(void *arg)
{
    runtime_instance *inst = arg;
    char chunk[4096];
    owl_buf line = OWL_BUF_INIT;
    ssize_t n;
    while ((n = read(inst->log_fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR)) {
        if (n < 0)
            continue;
        char request_id[40] = "-";
        pthread_mutex_lock(&rt.lock);
        invocation *inv = inst->current;
        if (inv && inv->state != INV_DONE) {
            log_append(inv, chunk, (size_t)n);
            snprintf(request_id, sizeof request_id, "%s", inv->request_id);
        }
        pthread_mutex_unlock(&rt.lock);

        /* Copy complete lines into owlery's log, at most LAMBDA_LOG_LINES_MAX per invocation. */
        for (ssize_t i = 0; i < n; i++) {
            if (chunk[i] != '\n' && line.len < 1024) {
                owl_buf_putc(&line, chunk[i]);
                continue;
            }
            if (chunk[i] != '\n')
                continue;
            pthread_mutex_lock(&rt.lock);
            int count = inst->current ? ++inst->current->log_lines : ++inst->idle_log_lines;
            pthread_mutex_unlock(&rt.lock);
            if (count <= LAMBDA_LOG_LINES_MAX) {
                char quoted[1200];
                owl_log_info("event=function_log function=%s version=%s instance=%s request_id=%s "
                             "message=%s",
                             inst->name, inst->version, inst->id, request_id,
                             owl_log_quote(quoted, sizeof quoted, line.data ? line.data : ""));
            } else if (count == LAMBDA_LOG_LINES_MAX + 1) {
                owl_log_warn("event=function_log_suppressed function=%s request_id=%s limit=%d",
                             inst->name, request_id, LAMBDA_LOG_LINES_MAX);
            }
            owl_buf_reset(&line);
        }
    }
    owl_buf_free(&line);
    return NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static void describe_exit(int status, char *out, size_t outlen)
{
    if (WIFEXITED(status)) {
        snprintf(out, outlen, "exit status %d", WEXITSTATUS(status));
        return;
    }
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    const char *name = sig == SIGKILL ? "killed" : sig == SIGSEGV ? "segmentation fault"
                     : sig == SIGABRT ? "aborted" : sig == SIGTERM ? "terminated"
                     : sig == SIGBUS ? "bus error" : NULL;
    if (name)
        snprintf(out, outlen, "signal: %s", name);
    else
        snprintf(out, outlen, "signal: %d", sig);
}

static void *instance_waiter_thread(void *arg)
{
    runtime_instance *inst = arg;
    siginfo_t info;
    /* Wait without reaping, so the process group id stays valid for kill() until it is marked. */
    while (waitid(P_PID, (id_t)inst->pid, &info, WEXITED | WNOWAIT) != 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&rt.lock);
    inst->exited = true;
    kill(-inst->pid, SIGKILL); /* children the bootstrap left behind */
    int status = 0;
    waitpid(inst->pid, &status, 0);
    char reason[64];
    describe_exit(status, reason, sizeof reason);
    if (inst->current) {
        invocation *inv = inst->current;
        char message[256];
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            snprintf(message, sizeof message,
                     "RequestId: %s Error: Runtime exited without providing a reason",
                     inv->request_id);
        else
            snprintf(message, sizeof message, "RequestId: %s Error: Runtime exited with error: %s",
                     inv->request_id, reason);
        invocation_fail(inv, "Runtime.ExitError", message);
    }
    pthread_cond_broadcast(&rt.changed);
    pthread_mutex_unlock(&rt.lock);
    owl_log_info("event=function_instance_stopped function=%s version=%s instance=%s pid=%d "
                 "reason=\"%s\"",
                 inst->name, inst->version, inst->id, (int)inst->pid, reason);

    http_server_stop(inst->api);
    pthread_join(inst->log_thread, NULL);
    close(inst->log_fd);
    nftw(inst->tmp_dir, remove_entry, 16, FTW_PHYS | FTW_DEPTH);

    pthread_mutex_lock(&rt.lock);
    for (runtime_instance **p = &rt.instances; *p; p = &(*p)->next) {
        if (*p == inst) {
            *p = inst->next;
            break;
        }
    }
    rt.instance_count--;
    pthread_cond_broadcast(&rt.changed);
    pthread_mutex_unlock(&rt.lock);
    free(inst);
    return NULL;
}

/* Writes the key that identifies which code and configuration an instance runs. */
static void config_key(const lambda_function *fn, char *out, size_t outlen)
{
    const char *sha = json_string_value(json_object_get(fn->config, "CodeSha256"));
    const char *modified = json_string_value(json_object_get(fn->config, "LastModified"));
    snprintf(out, outlen, "%s|%s", sha ? sha : "", modified ? modified : "");
}

static bool code_dir_of(const lambda_function *fn, char *out, size_t outlen)
{
    const char *sha = json_string_value(json_object_get(fn->config, "CodeSha256"));
    size_t raw_len = 0;
    uint8_t *raw = sha ? lambda_base64_decode(sha, strlen(sha), &raw_len) : NULL;
    if (!raw || raw_len != 32) {
        free(raw);
        return false;
    }
    char hex[65];
    owl_hex_encode(raw, 32, hex);
    free(raw);
    int n = snprintf(out, outlen, "%s/lambda/code/%s", rt.data_dir, hex);
    return n > 0 && (size_t)n < outlen;
}

/*
 * Gives the instance temporary credentials of the function's execution role,
 * as Lambda does: the role's trust policy must let lambda.amazonaws.com
 * assume it. Without a usable role the instance runs without credentials
 * and the reason is logged.
 */
static void plan_role_credentials(spawn_plan *plan, const lambda_function *fn)
{
    const char *role = json_string_value(json_object_get(fn->config, "Role"));
    if (!role)
        return;
    sqlite3 *db = owl_store_acquire(rt.store);
    if (!db)
        return;
    sts_credentials creds;
    /* NOTE: credentials last the role's default session of one hour; a warm instance older
     * than that keeps expired credentials until it is replaced. */
    iam_status status = iam_role_assume_for_service(db, role, "lambda.amazonaws.com", fn->name,
                                                    3600, &creds);
    owl_store_release(rt.store, db);
    if (status != IAM_OK) {
        char quoted[600];
        owl_log_warn("event=function_role_not_assumed function=%s role=%s status=%d", fn->name,
                     owl_log_quote(quoted, sizeof quoted, role), (int)status);
        return;
    }
    env_add(plan, "AWS_ACCESS_KEY_ID", creds.access_key_id);
    env_add(plan, "AWS_SECRET_ACCESS_KEY", creds.secret_access_key);
    env_add(plan, "AWS_SESSION_TOKEN", creds.session_token);
    explicit_bzero(&creds, sizeof creds);
}

static void plan_environment(spawn_plan *plan, const lambda_function *fn, uint16_t port,
                             const char *instance_id)
{
    json_t *config = fn->config;
    char value[256];
    snprintf(value, sizeof value, "127.0.0.1:%u", port);
    env_add(plan, "AWS_LAMBDA_RUNTIME_API", value);
    env_add(plan, "AWS_LAMBDA_FUNCTION_NAME", fn->name);
    env_add(plan, "AWS_LAMBDA_FUNCTION_VERSION", fn->version);
    snprintf(value, sizeof value, "%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(config, "MemorySize")));
    env_add(plan, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", value);
    env_add(plan, "AWS_REGION", fn->region);
    env_add(plan, "AWS_DEFAULT_REGION", fn->region);
    const char *handler = json_string_value(json_object_get(config, "Handler"));
    env_add(plan, "_HANDLER", handler ? handler : "");
    env_add(plan, "LAMBDA_TASK_ROOT", plan->code_dir);
    env_add(plan, "LAMBDA_RUNTIME_DIR", plan->code_dir);
    const char *runtime = json_string_value(json_object_get(config, "Runtime"));
    snprintf(value, sizeof value, "AWS_Lambda_%s", runtime ? runtime : "provided");
    env_add(plan, "AWS_EXECUTION_ENV", value);
    snprintf(value, sizeof value, "/aws/lambda/%s", fn->name);
    env_add(plan, "AWS_LAMBDA_LOG_GROUP_NAME", value);
    env_add(plan, "AWS_LAMBDA_LOG_STREAM_NAME", instance_id);
    env_add(plan, "AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    env_add(plan, "AWS_ENDPOINT_URL", rt.endpoint_url);
    env_add(plan, "TMPDIR", plan->tmp_dir);
    env_add(plan, "PATH", "/usr/local/bin:/usr/bin:/bin");
    env_add(plan, "LANG", "C.UTF-8");
    env_add(plan, "TZ", ":UTC");
    plan_role_credentials(plan, fn);

    const char *key;
    json_t *variable;
    json_t *variables = json_object_get(json_object_get(config, "Environment"), "Variables");
    json_object_foreach(variables, key, variable) {
        if (json_is_string(variable))
            env_add(plan, key, json_string_value(variable));
    }
}

static const struct http_server_handler runtime_api_handler = {
    .begin = api_begin,
    .body_too_large = api_body_too_large,
    .finish = api_finish,
    .done = api_done,
};

/*
 * Starts an instance of fn (under rt.lock). Returns NULL with an error type
 * and message for the invocation when the package has no usable bootstrap
 * or the process cannot start.
 */
static runtime_instance *instance_start(const lambda_function *fn, const char **error_type,
                                        char *message, size_t messagelen)
{
    runtime_instance *inst = calloc(1, sizeof *inst);
    if (!inst)
        abort();
    owl_random_string(inst->id, 16, "abcdef0123456789");
    snprintf(inst->account_id, sizeof inst->account_id, "%s", fn->account_id);
    snprintf(inst->region, sizeof inst->region, "%s", fn->region);
    snprintf(inst->name, sizeof inst->name, "%s", fn->name);
    snprintf(inst->version, sizeof inst->version, "%s", fn->version);
    config_key(fn, inst->config_key, sizeof inst->config_key);
    inst->log_fd = -1;

    spawn_plan plan;
    memset(&plan, 0, sizeof plan);
    struct stat st;
    if (!code_dir_of(fn, plan.code_dir, sizeof plan.code_dir) ||
        snprintf(plan.bootstrap, sizeof plan.bootstrap, "%s/bootstrap", plan.code_dir) >=
            (int)sizeof plan.bootstrap ||
        stat(plan.bootstrap, &st) != 0 || !S_ISREG(st.st_mode) ||
        access(plan.bootstrap, X_OK) != 0) {
        *error_type = "Runtime.InvalidEntrypoint";
        snprintf(message, messagelen,
                 "Couldn't find valid bootstrap(s): [%s/bootstrap]: the package needs an executable "
                 "file named bootstrap at its root",
                 plan.code_dir);
        free(inst);
        return NULL;
    }

    /* lambda_runtime_start() checked that data_dir leaves room for these suffixes. */
    char tmp_root[PATH_MAX];
    if (snprintf(tmp_root, sizeof tmp_root, "%s/lambda/tmp", rt.data_dir) >= (int)sizeof tmp_root ||
        snprintf(inst->tmp_dir, sizeof inst->tmp_dir, "%s/%s", tmp_root, inst->id) >=
            (int)sizeof inst->tmp_dir)
        abort();
    if (mkdir(tmp_root, 0711) == 0 || errno == EEXIST)
        chmod(tmp_root, 0711);
    plan.tmp_dir = inst->tmp_dir;
    plan.private_tmp = strncmp(plan.code_dir, "/tmp/", 5) != 0 && strncmp(inst->tmp_dir, "/tmp/", 5) != 0;

    char err[256] = "";
    http_server_config config = {.host = "127.0.0.1", .port = 0, .connection_limit = 16,
                                 .idle_timeout_seconds = 3600};
    http_server_handler handler = runtime_api_handler;
    handler.ctx = inst;
    int pipe_fds[2] = {-1, -1};
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    plan.drop_privileges = rt.drop_privileges;
    plan.uid = plan.drop_privileges ? next_instance_uid() : getuid();
    plan.gid = plan.drop_privileges ? rt.instance_gid : getgid();
    if (mkdir(inst->tmp_dir, 0700) != 0 ||
        (plan.drop_privileges && chown(inst->tmp_dir, plan.uid, plan.gid) != 0) || devnull < 0 ||
        pipe2(pipe_fds, O_CLOEXEC) != 0 ||
        !(inst->api = http_server_start(&config, &handler, err, sizeof err))) {
        owl_log_error("event=function_instance_failed function=%s error=\"%s\"", fn->name,
                      err[0] ? err : strerror(errno));
        if (devnull >= 0)
            close(devnull);
        if (pipe_fds[0] >= 0) {
            close(pipe_fds[0]);
            close(pipe_fds[1]);
        }
        rmdir(inst->tmp_dir);
        free(inst);
        *error_type = "Runtime.Unknown";
        snprintf(message, messagelen, "owlery could not start an instance of the function");
        return NULL;
    }

    plan_environment(&plan, fn, http_server_port(inst->api), inst->id);
    json_int_t memory_mb = json_integer_value(json_object_get(fn->config, "MemorySize"));
    plan.memory.rlim_cur = plan.memory.rlim_max =
        (rlim_t)(memory_mb + LAMBDA_MEMORY_HEADROOM_MB) * 1024 * 1024;
    snprintf(plan.uid_map, sizeof plan.uid_map, "%u %u 1", (unsigned)plan.uid, (unsigned)plan.uid);
    snprintf(plan.gid_map, sizeof plan.gid_map, "%u %u 1", (unsigned)plan.gid, (unsigned)plan.gid);

    pid_t pid = fork();
    if (pid == 0)
        child_exec(&plan, devnull, pipe_fds[1]);
    close(devnull);
    close(pipe_fds[1]);
    env_free(&plan);
    if (pid < 0) {
        owl_log_error("event=function_instance_failed function=%s error=\"fork: %s\"", fn->name,
                      strerror(errno));
        close(pipe_fds[0]);
        http_server_stop(inst->api);
        rmdir(inst->tmp_dir);
        free(inst);
        *error_type = "Runtime.Unknown";
        snprintf(message, messagelen, "owlery could not start an instance of the function");
        return NULL;
    }
    inst->pid = pid;
    inst->log_fd = pipe_fds[0];
    inst->next = rt.instances;
    rt.instances = inst;
    rt.instance_count++;

    pthread_t waiter;
    if (pthread_create(&inst->log_thread, NULL, instance_log_thread, inst) != 0 ||
        pthread_create(&waiter, NULL, instance_waiter_thread, inst) != 0)
        abort();
    pthread_detach(waiter);
    owl_log_info("event=function_instance_started function=%s version=%s instance=%s pid=%d "
                 "runtime_api_port=%u",
                 fn->name, fn->version, inst->id, (int)pid, http_server_port(inst->api));
    return inst;
}

static bool same_function(const runtime_instance *inst, const lambda_function *fn)
{
    return strcmp(inst->account_id, fn->account_id) == 0 && strcmp(inst->region, fn->region) == 0 &&
           strcmp(inst->name, fn->name) == 0 && strcmp(inst->version, fn->version) == 0;
}

/*
 * Picks a warm instance or starts one (under rt.lock); stops idle instances
 * of an older configuration. Returns NULL when throttled (*error_type NULL)
 * or when no instance could start.
 */
static runtime_instance *instance_acquire(const lambda_function *fn, const char **error_type,
                                          char *message, size_t messagelen)
{
    char key[160];
    config_key(fn, key, sizeof key);
    runtime_instance *idle = NULL;
    int live = 0;
    for (runtime_instance *inst = rt.instances; inst; inst = inst->next) {
        if (!same_function(inst, fn) || inst->exited || inst->retired)
            continue;
        if (strcmp(inst->config_key, key) != 0) {
            if (!inst->current)
                instance_kill(inst);
            continue;
        }
        live++;
        if (!inst->current && !idle)
            idle = inst;
    }
    if (idle)
        return idle;
    *error_type = NULL;
    if (live >= LAMBDA_INSTANCES_PER_FUNCTION)
        return NULL;
    return instance_start(fn, error_type, message, messagelen);
}

/* ------------------------------------------------------------------------
 * Public entry points
 * ---------------------------------------------------------------------- */

void lambda_runtime_invoke(const lambda_function *fn, const char *request_id, const void *payload,
                           size_t payload_len, lambda_invoke_result *result)
{
    invocation inv;
    memset(&inv, 0, sizeof inv);
    snprintf(inv.request_id, sizeof inv.request_id, "%s", request_id);
    const char *arn = json_string_value(json_object_get(fn->config, "FunctionArn"));
    snprintf(inv.function_arn, sizeof inv.function_arn, "%s", arn ? arn : "");
    inv.payload = payload;
    inv.payload_len = payload_len;
    json_int_t timeout_s = json_integer_value(json_object_get(fn->config, "Timeout"));
    inv.timeout_ms = (int64_t)timeout_s * 1000;
    inv.result = result;
    result->outcome = LAMBDA_INVOKE_SUCCESS;

    pthread_mutex_lock(&rt.lock);
    if (!rt.running) {
        pthread_mutex_unlock(&rt.lock);
        result->outcome = LAMBDA_INVOKE_UNAVAILABLE;
        return;
    }
    const char *error_type = NULL;
    char message[PATH_MAX + 200];
    runtime_instance *inst = instance_acquire(fn, &error_type, message, sizeof message);
    if (!inst) {
        if (!error_type) {
            result->outcome = LAMBDA_INVOKE_THROTTLED;
        } else {
            char full[sizeof message + 64];
            snprintf(full, sizeof full, "RequestId: %s Error: %s", request_id, message);
            invocation_fail(&inv, error_type, full);
        }
        pthread_mutex_unlock(&rt.lock);
        return;
    }
    inv.instance = inst;
    inv.state = INV_QUEUED;
    inv.queued_ms = owl_monotonic_ms();
    inst->current = &inv;
    /*
     * A runtime may log an invocation after posting its response (the
     * connector logs its status line then), so the idle cap applies to each
     * gap between invocations, not to the instance's whole life.
     */
    inst->idle_log_lines = 0;
    pthread_cond_broadcast(&rt.changed);

    while (inv.state != INV_DONE) {
        int64_t deadline = inv.state == INV_QUEUED
                               ? inv.queued_ms + LAMBDA_INIT_TIMEOUT_MS + inv.timeout_ms
                               : inv.deadline_ms;
        if (owl_monotonic_ms() >= deadline) {
            snprintf(message, sizeof message, "RequestId: %s Error: Task timed out after %d.00 seconds",
                     request_id, (int)timeout_s);
            runtime_instance *running = inv.instance;
            invocation_fail(&inv, "Sandbox.Timedout", message);
            if (running)
                instance_kill(running);
            owl_log_warn("event=function_timeout function=%s request_id=%s timeout_s=%d",
                         fn->name, request_id, (int)timeout_s);
            break;
        }
        wait_until(deadline);
    }
    pthread_mutex_unlock(&rt.lock);
}

void lambda_runtime_kill_function(const char *account_id, const char *region, const char *name)
{
    pthread_mutex_lock(&rt.lock);
    for (runtime_instance *inst = rt.instances; inst; inst = inst->next)
        if (strcmp(inst->account_id, account_id) == 0 && strcmp(inst->region, region) == 0 &&
            strcmp(inst->name, name) == 0)
            instance_kill(inst);
    pthread_mutex_unlock(&rt.lock);
}

/*
 * Kills function instances left behind by an earlier owlery serve of this data
 * directory that was killed without stopping them (kill -9): every process
 * whose working directory is under DATA_DIR/lambda/code, with its process
 * group (instances lead their own session). Then removes stale instance
 * temporary directories.
 */
static void reap_orphaned_instances(const char *data_dir)
{
    char code_root[PATH_MAX];
    int n = snprintf(code_root, sizeof code_root, "%s/lambda/code/", data_dir);
    if (n < 0 || (size_t)n >= sizeof code_root)
        return;
    DIR *proc = opendir("/proc");
    if (proc) {
        struct dirent *entry;
        while ((entry = readdir(proc)) != NULL) {
            char *end;
            long pid = strtol(entry->d_name, &end, 10);
            if (*end != '\0' || pid <= 1 || pid == (long)getpid())
                continue;
            char link[64], cwd[PATH_MAX];
            snprintf(link, sizeof link, "/proc/%ld/cwd", pid);
            ssize_t len = readlink(link, cwd, sizeof cwd - 1);
            if (len <= 0)
                continue;
            cwd[len] = '\0';
            if (strncmp(cwd, code_root, (size_t)n) != 0)
                continue;
            owl_log_warn("event=function_instance_orphan_killed pid=%ld", pid);
            kill(-(pid_t)pid, SIGKILL);
            kill((pid_t)pid, SIGKILL);
        }
        closedir(proc);
    }

    char tmp_root[PATH_MAX];
    n = snprintf(tmp_root, sizeof tmp_root, "%s/lambda/tmp", data_dir);
    if (n > 0 && (size_t)n < sizeof tmp_root)
        nftw(tmp_root, remove_entry, 16, FTW_PHYS | FTW_DEPTH);
}

/*
 * Returns NULL when the user nobody may search every directory from / down
 * to DATA_DIR/lambda/code, else the first directory that stops it.
 */
static const char *unsearchable_parent(const char *data_dir, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s/lambda/code", data_dir);
    for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash)
            *slash = '\0';
        struct stat st;
        bool searchable = stat(path, &st) == 0 && (st.st_mode & S_IXOTH);
        if (!searchable)
            return path;
        if (!slash)
            return NULL;
        *slash = '/';
    }
}

/*
 * Takes group and other permissions off every entry of data_dir but the
 * runtime's own directory, and off DATA_DIR/lambda/zips, for data
 * directories written before owlery ran instances as another user.
 */
static void make_entries_private(const char *data_dir)
{
    DIR *dir = opendir(data_dir);
    if (!dir)
        return;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0 ||
            strcmp(entry->d_name, "lambda") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            !S_ISLNK(st.st_mode) && (st.st_mode & 077))
            fchmodat(dirfd(dir), entry->d_name, st.st_mode & 07700, 0);
    }
    closedir(dir);
    char zips[PATH_MAX];
    snprintf(zips, sizeof zips, "%s/lambda/zips", data_dir);
    chmod(zips, 0700);
}

/*
 * Decides which user runs function instances. As root, owlery makes the
 * data directory and the runtime's directories searchable but not
 * readable by others and runs instances as nobody, so a function cannot
 * read other accounts' keys, objects or state.
 */
static void choose_instance_user(const char *data_dir)
{
    rt.drop_privileges = false;
    if (geteuid() != 0)
        return;
    struct passwd *nobody = getpwnam("nobody");
    if (!nobody) {
        owl_log_warn("event=function_isolation_off reason=\"no user named nobody\"");
        return;
    }
    char path[PATH_MAX];
    make_entries_private(data_dir);
    const char *dirs[] = {"", "/lambda", "/lambda/code", "/lambda/tmp"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(path, sizeof path, "%s%s", data_dir, dirs[i]);
        if (mkdir(path, 0711) != 0 && errno != EEXIST)
            owl_log_warn("event=function_dir_failed path=%s errno=%d", path, errno);
        chmod(path, 0711);
    }
    const char *blocked = unsearchable_parent(data_dir, path, sizeof path);
    if (blocked) {
        owl_log_warn("event=function_isolation_off reason=\"directory %s is not searchable by "
                     "others, so instances run as owlery's own user\"",
                     blocked);
        return;
    }
    rt.instance_uid = nobody->pw_uid;
    rt.instance_gid = nobody->pw_gid;
    rt.drop_privileges = true;
    owl_log_info("event=function_isolation_on first_uid=%u gid=%u", INSTANCE_UID_BASE,
                 (unsigned)nobody->pw_gid);
}

bool lambda_runtime_start(owl_store *store, const char *endpoint_url, char *err, size_t errlen)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&rt.changed, &attr);
    pthread_condattr_destroy(&attr);

    /* Absolute, because instances get paths under it after changing directory. */
    char data_dir[PATH_MAX];
    if (!realpath(owl_store_data_dir(store), data_dir)) {
        snprintf(err, errlen, "cannot resolve the data directory %s: %s", owl_store_data_dir(store),
                 strerror(errno));
        return false;
    }
    if (strlen(data_dir) >= sizeof rt.data_dir - 64 || strlen(endpoint_url) >= sizeof rt.endpoint_url) {
        snprintf(err, errlen, "data directory or endpoint URL is too long for the Lambda runtime");
        return false;
    }
    pthread_mutex_lock(&rt.lock);
    rt.store = store;
    snprintf(rt.data_dir, sizeof rt.data_dir, "%s", data_dir);
    snprintf(rt.endpoint_url, sizeof rt.endpoint_url, "%s", endpoint_url);
    rt.running = true;
    pthread_mutex_unlock(&rt.lock);

    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/lambda", data_dir);
    mkdir(path, 0711);
    choose_instance_user(data_dir);
    reap_orphaned_instances(data_dir);
    return true;
}

void lambda_runtime_stop(void)
{
    pthread_mutex_lock(&rt.lock);
    rt.running = false;
    for (runtime_instance *inst = rt.instances; inst; inst = inst->next)
        instance_kill(inst);
    while (rt.instance_count > 0)
        pthread_cond_wait(&rt.changed, &rt.lock);
    pthread_mutex_unlock(&rt.lock);
}

bool lambda_runtime_running(void)
{
    pthread_mutex_lock(&rt.lock);
    bool running = rt.running;
    pthread_mutex_unlock(&rt.lock);
    return running;
}
