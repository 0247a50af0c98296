/*
 * libFuzzer target for the partition filter parser (src/hms/filter.c).
 * Each input is parsed; a filter that parses is bound to three partition
 * keys, turned into SQL, evaluated on fixed values and rendered. An error
 * position must lie within the input. Any crash, leak, sanitizer report
 * or abort is a bug. Seed corpus: fuzz/corpus/hms_filter/.
 */
#include "hms/filter.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const hms_partition_key keys[] = {{"dt", "string"}, {"hr", "int"}, {"region", "string"}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hms_filter_error err;
    hms_filter *f = hms_filter_parse((const char *)data, size, &err);
    if (!f) {
        if (err.position > size && err.position != HMS_FILTER_MAX_LENGTH)
            abort();
        return 0;
    }

    if (hms_filter_bind(f, keys, 3, &err)) {
        owl_buf sql = OWL_BUF_INIT;
        hms_filter_sql_param *params = NULL;
        size_t count = 0;
        hms_filter_sql(f, &sql, &params, &count, 30000);
        const char *values[] = {"2024-01-01", "7", "eu"};
        size_t lengths[] = {10, 1, 2};
        (void)hms_filter_eval(f, values, lengths, 3);
        free(params);
        owl_buf_free(&sql);
    }
    owl_buf text = OWL_BUF_INIT;
    hms_filter_format(f, &text);
    owl_buf_free(&text);
    hms_filter_free(f);
    return 0;
}
