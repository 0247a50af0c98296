/*
 * owlery-metastore benchmark: get_table calls per second from 4
 * connections, partitions added per second (add_partitions in batches of
 * 1,000), and the server's resident memory with 100,000 partitions.
 *
 * The server is the real binary (argv[1]), started on a free loopback
 * port with a fresh data directory and its call log going to a file, as
 * in production. The clients are src/hms/client.c over the binary
 * protocol and buffered transport. Build and run with bench/metastore.sh.
 */
#include "hms/client.h"
#include "hms/hms.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PARTITIONS 100000
#define BATCH 1000
#define THREADS 4
#define SECONDS 5

static char uri[64];

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static hms_client *connect_client(void)
{
    hms_client_config config = {.uris = uri, .connect_timeout_ms = 2000, .socket_timeout_ms = 60000,
                                .protocol = THRIFT_PROTOCOL_BINARY};
    hms_error err;
    hms_client *client = hms_client_new(&config, &err);
    if (!client) {
        fprintf(stderr, "bench_metastore: %s\n", err.message);
        exit(1);
    }
    return client;
}

/* Calls method and exits on any error or metastore exception. */
static void call_or_die(hms_client *client, const char *method, thrift_value *args)
{
    thrift_value *result = NULL;
    hms_error err;
    if (!hms_client_call(client, method, args, &result, &err)) {
        fprintf(stderr, "bench_metastore: %s: %s\n", method, err.message);
        exit(1);
    }
    for (size_t i = 0; i < result->u.fields.count; i++) {
        if (result->u.fields.fields[i].id != 0) {
            fprintf(stderr, "bench_metastore: %s raised %s\n", method,
                    thrift_struct_get_string(result->u.fields.fields[i].value, 1, NULL));
            exit(1);
        }
    }
    thrift_value_free(result);
    thrift_value_free(args);
}

static thrift_value *storage_descriptor(const char *location)
{
    thrift_value *sd = thrift_value_new_struct();
    thrift_value *cols = thrift_value_new_list(THRIFT_STRUCT);
    const char *names[] = {"id", "name", "amount", "ts"};
    const char *types[] = {"bigint", "string", "double", "timestamp"};
    for (int i = 0; i < 4; i++) {
        thrift_value *col = thrift_value_new_struct();
        thrift_struct_set(col, HMS_FIELD_SCHEMA_NAME, thrift_value_new_cstring(names[i]));
        thrift_struct_set(col, HMS_FIELD_SCHEMA_TYPE, thrift_value_new_cstring(types[i]));
        thrift_list_append(cols, col);
    }
    thrift_struct_set(sd, HMS_SD_COLS, cols);
    thrift_struct_set(sd, HMS_SD_LOCATION, thrift_value_new_cstring(location));
    thrift_struct_set(sd, HMS_SD_INPUT_FORMAT,
                      thrift_value_new_cstring("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"));
    thrift_struct_set(sd, HMS_SD_OUTPUT_FORMAT,
                      thrift_value_new_cstring("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"));
    thrift_value *serde = thrift_value_new_struct();
    thrift_struct_set(serde, HMS_SERDE_INFO_SERIALIZATION_LIB,
                      thrift_value_new_cstring("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"));
    thrift_struct_set(sd, HMS_SD_SERDE_INFO, serde);
    return sd;
}

static void *get_table_worker(void *arg)
{
    long *calls = arg;
    hms_client *client = connect_client();
    double end = now_seconds() + SECONDS;
    while (now_seconds() < end) {
        thrift_value *args = thrift_value_new_struct();
        thrift_struct_set(args, 1, thrift_value_new_cstring("bench"));
        thrift_struct_set(args, 2, thrift_value_new_cstring("events"));
        call_or_die(client, "get_table", args);
        (*calls)++;
    }
    hms_client_free(client);
    return NULL;
}

static long resident_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_metastore PATH-TO-owlery-metastore\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    char dir[] = "/tmp/owlery-bench-metastore-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char log_path[128], data_dir[128];
    snprintf(log_path, sizeof log_path, "%s/metastore.log", dir);
    snprintf(data_dir, sizeof data_dir, "%s/data", dir);

    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(log_path, "w", stderr))
            _exit(127);
        execl(argv[1], argv[1], "--data-dir", data_dir, "--listen", "127.0.0.1:0", (char *)NULL);
        _exit(127);
    }
    unsigned port = 0;
    for (int i = 0; i < 500 && !port; i++) {
        usleep(10000);
        FILE *f = fopen(log_path, "r");
        char line[512];
        while (f && fgets(line, sizeof line, f)) {
            const char *at = strstr(line, "event=listening address=127.0.0.1:");
            if (at)
                port = (unsigned)strtoul(at + strlen("event=listening address=127.0.0.1:"), NULL, 10);
        }
        if (f)
            fclose(f);
    }
    if (!port) {
        fprintf(stderr, "bench_metastore: the metastore did not start; see %s\n", log_path);
        kill(pid, SIGKILL);
        return 1;
    }
    snprintf(uri, sizeof uri, "thrift://127.0.0.1:%u", port);
    printf("metastore pid %d at %s, data in %s\n", (int)pid, uri, dir);
    printf("resident at start: %ld KiB\n", resident_kib(pid));

    hms_client *client = connect_client();
    thrift_value *db = thrift_value_new_struct();
    thrift_struct_set(db, HMS_DATABASE_NAME, thrift_value_new_cstring("bench"));
    thrift_value *args = thrift_value_new_struct();
    thrift_struct_set(args, 1, db);
    call_or_die(client, "create_database", args);

    thrift_value *table = thrift_value_new_struct();
    thrift_struct_set(table, HMS_TABLE_TABLE_NAME, thrift_value_new_cstring("events"));
    thrift_struct_set(table, HMS_TABLE_DB_NAME, thrift_value_new_cstring("bench"));
    thrift_struct_set(table, HMS_TABLE_SD, storage_descriptor("s3://bench/events"));
    thrift_value *keys = thrift_value_new_list(THRIFT_STRUCT);
    const char *key_names[] = {"dt", "hr"};
    for (int i = 0; i < 2; i++) {
        thrift_value *key = thrift_value_new_struct();
        thrift_struct_set(key, HMS_FIELD_SCHEMA_NAME, thrift_value_new_cstring(key_names[i]));
        thrift_struct_set(key, HMS_FIELD_SCHEMA_TYPE, thrift_value_new_cstring("string"));
        thrift_list_append(keys, key);
    }
    thrift_struct_set(table, HMS_TABLE_PARTITION_KEYS, keys);
    thrift_struct_set(table, HMS_TABLE_TABLE_TYPE, thrift_value_new_cstring("EXTERNAL_TABLE"));
    args = thrift_value_new_struct();
    thrift_struct_set(args, 1, table);
    call_or_die(client, "create_table", args);

    double start = now_seconds();
    for (int base = 0; base < PARTITIONS; base += BATCH) {
        thrift_value *parts = thrift_value_new_list(THRIFT_STRUCT);
        for (int i = base; i < base + BATCH; i++) {
            char dt[16], hr[8], location[96];
            snprintf(dt, sizeof dt, "d%05d", i / 24);
            snprintf(hr, sizeof hr, "%02d", i % 24);
            snprintf(location, sizeof location, "s3://bench/events/dt=%s/hr=%s", dt, hr);
            const char *values[] = {dt, hr};
            thrift_value *part = thrift_value_new_struct();
            thrift_struct_set(part, HMS_PARTITION_VALUES, hms_string_list(values, 2));
            thrift_struct_set(part, HMS_PARTITION_DB_NAME, thrift_value_new_cstring("bench"));
            thrift_struct_set(part, HMS_PARTITION_TABLE_NAME, thrift_value_new_cstring("events"));
            thrift_struct_set(part, HMS_PARTITION_SD, storage_descriptor(location));
            thrift_list_append(parts, part);
        }
        args = thrift_value_new_struct();
        thrift_struct_set(args, 1, parts);
        call_or_die(client, "add_partitions", args);
    }
    double elapsed = now_seconds() - start;
    printf("add_partitions: %d partitions in %.2f s = %.0f partitions/s (batches of %d)\n", PARTITIONS, elapsed,
           PARTITIONS / elapsed, BATCH);
    long resident_with_partitions = resident_kib(pid);
    printf("resident with %d partitions: %ld KiB\n", PARTITIONS, resident_with_partitions);

    pthread_t threads[THREADS];
    long calls[THREADS] = {0};
    for (int i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, get_table_worker, &calls[i]);
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        total += calls[i];
    }
    printf("get_table: %ld calls in %d s from %d connections = %.0f calls/s\n", total, SECONDS, THREADS,
           (double)total / SECONDS);
    long resident_after = resident_kib(pid);
    printf("resident after get_table: %ld KiB\n", resident_after);

    /* Lines scripts/bench collects: metric NAME VALUE UNIT TARGET. */
    printf("metric add_partitions %.0f partitions/s -\n", PARTITIONS / elapsed);
    printf("metric get_table_%dconnections %.0f calls/s >=20000\n", THREADS, (double)total / SECONDS);
    printf("metric resident_%dk_partitions %.1f MiB <20\n", PARTITIONS / 1000,
           (double)(resident_after > resident_with_partitions ? resident_after : resident_with_partitions) /
               1024.0);

    hms_client_free(client);
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    char command[160];
    snprintf(command, sizeof command, "rm -rf %s", dir);
    return system(command) == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
