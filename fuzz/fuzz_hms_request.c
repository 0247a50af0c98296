/*
 * libFuzzer target for the metastore service's request handling
 * (src/hms/service.c, catalog.c, partitions.c): the input is the byte
 * stream of one connection (binary-protocol messages: header and
 * arguments), fed to hms_service_handle_message until it asks to close.
 * The service runs on a store in a fresh directory under /dev/shm (or
 * /tmp), kept across inputs, so inputs can build on each other's
 * databases and tables. Any crash, leak, sanitizer report or abort is a
 * bug. Seed corpus: fuzz/corpus/hms_request/.
 */
#include "hms/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hms_service *fuzz_service(void)
{
    static hms_service *service;
    if (service)
        return service;
    static char dir[] = "/dev/shm/owlery-fuzz-hms-XXXXXX";
    static char fallback[] = "/tmp/owlery-fuzz-hms-XXXXXX";
    const char *made = mkdtemp(dir);
    if (!made)
        made = mkdtemp(fallback);
    if (!made)
        abort();
    char err[256];
    service = hms_service_open(made, err, sizeof err);
    if (!service) {
        fprintf(stderr, "fuzz_hms_request: %s\n", err);
        abort();
    }
    hms_service_set_call_log(service, false);
    /* Smaller limits keep one input's memory in check. */
    thrift_limits limits = thrift_limits_default();
    limits.max_message_size = 1u << 20;
    limits.max_container_count = 10000;
    hms_service_set_limits(service, &limits);
    return service;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hms_service *service = fuzz_service();
    owl_buf reply = OWL_BUF_INIT;
    thrift_transport *in = thrift_memory_transport_new(data, size, NULL);
    thrift_transport *out = thrift_memory_transport_new(NULL, 0, &reply);
    for (int i = 0; i < 64 && hms_service_handle_message(service, in, out, "fuzz"); i++)
        owl_buf_reset(&reply);
    thrift_transport_free(in);
    thrift_transport_free(out);
    owl_buf_free(&reply);
    return 0;
}
