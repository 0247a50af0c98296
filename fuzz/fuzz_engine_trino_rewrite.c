/*
 * libFuzzer target for the Trino syntax rewrites (src/engine/trino_rewrite.c),
 * which scan the SQL text of every query before DuckDB parses it. Checks
 * that the rewrite only inserts text: removing the insertions gives back
 * the input, and every offset maps back inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *sql = (const char *)data;
    engine_rewrite rw;
    if (engine_trino_rewrite(sql, size, &rw)) {
        size_t out_len = strlen(rw.sql);
        for (size_t k = 1; k < rw.count; k++)
            if (rw.insertions[k].offset < rw.insertions[k - 1].offset)
                abort();
        /* Input with a NUL byte ends rw.sql early; compare NUL-free input only. */
        if (memchr(sql, '\0', size) == NULL) {
            size_t in = 0, out = 0;
            for (size_t k = 0; k < rw.count; k++) {
                size_t kept = rw.insertions[k].offset - in;
                size_t n = strlen(rw.insertions[k].text);
                if (rw.insertions[k].offset > size || out + kept + n > out_len ||
                    memcmp(rw.sql + out, sql + in, kept) != 0 ||
                    memcmp(rw.sql + out + kept, rw.insertions[k].text, n) != 0)
                    abort();
                out += kept + n;
                in = rw.insertions[k].offset;
            }
            if (out_len - out != size - in || memcmp(rw.sql + out, sql + in, size - in) != 0)
                abort();
        }
        for (size_t offset = 0; offset <= out_len; offset++) {
            long back = engine_rewrite_map_back(&rw, (long)offset);
            if (back < 0 || (size_t)back > size)
                abort();
        }
    }
    engine_rewrite_free(&rw);
    return 0;
}
