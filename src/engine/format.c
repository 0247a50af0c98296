/*
 * Formats DuckDB values as Athena (Trino 4xx) prints them in result files
 * and GetQueryResults, and names their Athena types.
 *
 *   boolean         true / false
 *   double, real    Java's Double.toString / Float.toString: shortest
 *                   round-trip digits; plain notation with at least one
 *                   fraction digit when 1e-3 <= |x| < 1e7 (1.5, 100.0),
 *                   else d.dddE<n> (1.0E10, 1.0E-4); NaN, Infinity
 *   decimal(p,s)    plain digits with exactly s fraction digits (12.50)
 *   date            2026-12-04
 *   timestamp       2026-12-04 19:50:01.000 (milliseconds, Athena's timestamp(3))
 *   timestamp tz    2026-12-04 19:50:01.000 UTC (the session zone is UTC)
 *   varbinary       hex bytes separated by spaces (68 65 6c)
 *   array, map, row [1, 2], {k=v}, {a=1, b=x}; NULL inside them is "null"
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

static void put_java_double(owl_buf *b, double v, int max_digits) {
    if (isnan(v)) {
        owl_buf_puts(b, "NaN");
        return;
    }
    if (isinf(v)) {
        owl_buf_puts(b, v < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (v == 0) {
        owl_buf_puts(b, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    /* Shortest digit string that reads back as the same value. */
    char sci[40];
    for (int p = 1; p <= max_digits; p++) {
        snprintf(sci, sizeof sci, "%.*e", p - 1, v);
        if (max_digits <= 9 ? (float)strtod(sci, NULL) == (float)v : strtod(sci, NULL) == v)
            break;
    }
    char digits[24];
    size_t nd = 0;
    const char *p = sci;
    bool negative = *p == '-';
    if (negative)
        p++;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && nd < sizeof digits - 1)
            digits[nd++] = *p;
    digits[nd] = '\0';
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';
    int exponent = atoi(strchr(sci, 'e') + 1);
    if (negative)
        owl_buf_putc(b, '-');
    if (exponent >= -3 && exponent < 7) {
        if (exponent < 0) {
            owl_buf_puts(b, "0.");
            for (int i = -1; i > exponent; i--)
                owl_buf_putc(b, '0');
            owl_buf_puts(b, digits);
        } else {
            for (int i = 0; i <= exponent; i++)
                owl_buf_putc(b, (size_t)i < nd ? digits[i] : '0');
            owl_buf_putc(b, '.');
            if ((size_t)exponent + 1 < nd)
                owl_buf_puts(b, digits + exponent + 1);
            else
                owl_buf_putc(b, '0');
        }
    } else {
        owl_buf_putc(b, digits[0]);
        owl_buf_putc(b, '.');
        owl_buf_puts(b, nd > 1 ? digits + 1 : "0");
        owl_buf_printf(b, "E%d", exponent);
    }
}

static void put_int128(owl_buf *b, __int128 v, int scale) {
    char tmp[64];
    int n = 0;
    bool negative = v < 0;
    unsigned __int128 u = negative ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u && n < 60);
    while (n <= scale)
        tmp[n++] = '0';
    if (negative)
        owl_buf_putc(b, '-');
    for (int i = n - 1; i >= 0; i--) {
        owl_buf_putc(b, tmp[i]);
        if (i == scale && scale > 0)
            owl_buf_putc(b, '.');
    }
}

static void put_timestamp_us(owl_buf *b, int64_t micros) {
    duckdb_timestamp_struct ts = duckdb_from_timestamp((duckdb_timestamp){micros});
    owl_buf_printf(b, "%04d-%02d-%02d %02d:%02d:%02d.%03d", ts.date.year, ts.date.month, ts.date.day,
                   ts.time.hour, ts.time.min, ts.time.sec, ts.time.micros / 1000);
}

static bool valid_at(duckdb_vector vec, idx_t row) {
    uint64_t *validity = duckdb_vector_get_validity(vec);
    return !validity || duckdb_validity_row_is_valid(validity, row);
}

bool engine_format_value(owl_buf *b, duckdb_vector vec, duckdb_logical_type type, idx_t row,
                         bool nested) {
    if (!valid_at(vec, row)) {
        if (nested)
            owl_buf_puts(b, "null");
        return false;
    }
    void *data = duckdb_vector_get_data(vec);
    duckdb_type id = duckdb_get_type_id(type);
    switch (id) {
    case DUCKDB_TYPE_BOOLEAN: owl_buf_puts(b, ((bool *)data)[row] ? "true" : "false"); break;
    case DUCKDB_TYPE_TINYINT: owl_buf_printf(b, "%d", ((int8_t *)data)[row]); break;
    case DUCKDB_TYPE_SMALLINT: owl_buf_printf(b, "%d", ((int16_t *)data)[row]); break;
    case DUCKDB_TYPE_INTEGER: owl_buf_printf(b, "%d", ((int32_t *)data)[row]); break;
    case DUCKDB_TYPE_BIGINT: owl_buf_printf(b, "%lld", (long long)((int64_t *)data)[row]); break;
    case DUCKDB_TYPE_UTINYINT: owl_buf_printf(b, "%u", ((uint8_t *)data)[row]); break;
    case DUCKDB_TYPE_USMALLINT: owl_buf_printf(b, "%u", ((uint16_t *)data)[row]); break;
    case DUCKDB_TYPE_UINTEGER: owl_buf_printf(b, "%u", ((uint32_t *)data)[row]); break;
    case DUCKDB_TYPE_UBIGINT: owl_buf_printf(b, "%llu", (unsigned long long)((uint64_t *)data)[row]); break;
    case DUCKDB_TYPE_HUGEINT: {
        duckdb_hugeint h = ((duckdb_hugeint *)data)[row];
        put_int128(b, ((__int128)h.upper << 64) | (__int128)h.lower, 0);
        break;
    }
    case DUCKDB_TYPE_FLOAT: put_java_double(b, ((float *)data)[row], 9); break;
    case DUCKDB_TYPE_DOUBLE: put_java_double(b, ((double *)data)[row], 17); break;
    case DUCKDB_TYPE_DECIMAL: {
        int scale = duckdb_decimal_scale(type);
        __int128 v;
        switch (duckdb_decimal_internal_type(type)) {
        case DUCKDB_TYPE_SMALLINT: v = ((int16_t *)data)[row]; break;
        case DUCKDB_TYPE_INTEGER: v = ((int32_t *)data)[row]; break;
        case DUCKDB_TYPE_BIGINT: v = ((int64_t *)data)[row]; break;
        default: {
            duckdb_hugeint h = ((duckdb_hugeint *)data)[row];
            v = ((__int128)h.upper << 64) | (__int128)h.lower;
        }
        }
        put_int128(b, v, scale);
        break;
    }
    case DUCKDB_TYPE_VARCHAR: {
        duckdb_string_t *s = &((duckdb_string_t *)data)[row];
        owl_buf_append(b, duckdb_string_t_data(s), duckdb_string_t_length(*s));
        break;
    }
    case DUCKDB_TYPE_BLOB: {
        duckdb_string_t *s = &((duckdb_string_t *)data)[row];
        const unsigned char *bytes = (const unsigned char *)duckdb_string_t_data(s);
        uint32_t n = duckdb_string_t_length(*s);
        for (uint32_t i = 0; i < n; i++)
            owl_buf_printf(b, i ? " %02x" : "%02x", bytes[i]);
        break;
    }
    case DUCKDB_TYPE_DATE: {
        duckdb_date_struct d = duckdb_from_date(((duckdb_date *)data)[row]);
        owl_buf_printf(b, "%04d-%02d-%02d", d.year, d.month, d.day);
        break;
    }
    case DUCKDB_TYPE_TIME: {
        duckdb_time_struct t = duckdb_from_time(((duckdb_time *)data)[row]);
        owl_buf_printf(b, "%02d:%02d:%02d.%03d", t.hour, t.min, t.sec, t.micros / 1000);
        break;
    }
    case DUCKDB_TYPE_TIMESTAMP: put_timestamp_us(b, ((int64_t *)data)[row]); break;
    case DUCKDB_TYPE_TIMESTAMP_S: put_timestamp_us(b, ((int64_t *)data)[row] * 1000000); break;
    case DUCKDB_TYPE_TIMESTAMP_MS: put_timestamp_us(b, ((int64_t *)data)[row] * 1000); break;
    case DUCKDB_TYPE_TIMESTAMP_NS: put_timestamp_us(b, ((int64_t *)data)[row] / 1000); break;
    case DUCKDB_TYPE_TIMESTAMP_TZ:
        put_timestamp_us(b, ((int64_t *)data)[row]);
        owl_buf_puts(b, " UTC");
        break;
    case DUCKDB_TYPE_INTERVAL: {
        duckdb_interval iv = ((duckdb_interval *)data)[row];
        int64_t us = iv.micros;
        bool negative = us < 0;
        if (negative)
            us = -us;
        if (iv.months)
            owl_buf_printf(b, "%d-%d ", iv.months / 12, iv.months % 12);
        owl_buf_printf(b, "%s%d %02lld:%02lld:%02lld.%03lld", negative ? "-" : "", iv.days,
                       (long long)(us / 3600000000LL), (long long)(us / 60000000LL % 60),
                       (long long)(us / 1000000LL % 60), (long long)(us / 1000 % 1000));
        break;
    }
    case DUCKDB_TYPE_UUID: {
        duckdb_hugeint h = ((duckdb_hugeint *)data)[row];
        /* DuckDB stores UUIDs with the top bit flipped so they sort as signed. */
        uint64_t hi = (uint64_t)h.upper ^ (1ULL << 63), lo = h.lower;
        owl_buf_printf(b, "%08llx-%04llx-%04llx-%04llx-%012llx", (unsigned long long)(hi >> 32),
                       (unsigned long long)((hi >> 16) & 0xffff), (unsigned long long)(hi & 0xffff),
                       (unsigned long long)(lo >> 48), (unsigned long long)(lo & 0xffffffffffffULL));
        break;
    }
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_MAP: {
        duckdb_list_entry e = ((duckdb_list_entry *)data)[row];
        duckdb_vector child = duckdb_list_vector_get_child(vec);
        if (id == DUCKDB_TYPE_MAP) {
            duckdb_logical_type kt = duckdb_map_type_key_type(type);
            duckdb_logical_type vt = duckdb_map_type_value_type(type);
            duckdb_vector keys = duckdb_struct_vector_get_child(child, 0);
            duckdb_vector values = duckdb_struct_vector_get_child(child, 1);
            owl_buf_putc(b, '{');
            for (idx_t i = 0; i < e.length; i++) {
                if (i)
                    owl_buf_puts(b, ", ");
                engine_format_value(b, keys, kt, e.offset + i, true);
                owl_buf_putc(b, '=');
                engine_format_value(b, values, vt, e.offset + i, true);
            }
            owl_buf_putc(b, '}');
            duckdb_destroy_logical_type(&kt);
            duckdb_destroy_logical_type(&vt);
        } else {
            duckdb_logical_type ct = duckdb_list_type_child_type(type);
            owl_buf_putc(b, '[');
            for (idx_t i = 0; i < e.length; i++) {
                if (i)
                    owl_buf_puts(b, ", ");
                engine_format_value(b, child, ct, e.offset + i, true);
            }
            owl_buf_putc(b, ']');
            duckdb_destroy_logical_type(&ct);
        }
        break;
    }
    case DUCKDB_TYPE_ARRAY: {
        idx_t size = duckdb_array_type_array_size(type);
        duckdb_vector child = duckdb_array_vector_get_child(vec);
        duckdb_logical_type ct = duckdb_array_type_child_type(type);
        owl_buf_putc(b, '[');
        for (idx_t i = 0; i < size; i++) {
            if (i)
                owl_buf_puts(b, ", ");
            engine_format_value(b, child, ct, row * size + i, true);
        }
        owl_buf_putc(b, ']');
        duckdb_destroy_logical_type(&ct);
        break;
    }
    case DUCKDB_TYPE_STRUCT: {
        idx_t n = duckdb_struct_type_child_count(type);
        owl_buf_putc(b, '{');
        for (idx_t i = 0; i < n; i++) {
            char *fname = duckdb_struct_type_child_name(type, i);
            duckdb_logical_type ft = duckdb_struct_type_child_type(type, i);
            owl_buf_printf(b, "%s%s=", i ? ", " : "", fname);
            engine_format_value(b, duckdb_struct_vector_get_child(vec, i), ft, row, true);
            duckdb_destroy_logical_type(&ft);
            duckdb_free(fname);
        }
        owl_buf_putc(b, '}');
        break;
    }
    default:
        /* NOTE: enums, unions, bit strings and bignums have no Athena form; they print as a marker. */
        owl_buf_printf(b, "<unsupported type %d>", (int)id);
        break;
    }
    return true;
}

void engine_athena_type(duckdb_logical_type type, engine_result_column *col, owl_buf *name) {
    col->precision = 0;
    col->scale = 0;
    char *alias = duckdb_logical_type_get_alias(type);
    if (alias && strcmp(alias, "JSON") == 0) {
        duckdb_free(alias);
        owl_buf_puts(name, "json");
        return;
    }
    duckdb_free(alias);
    switch (duckdb_get_type_id(type)) {
    case DUCKDB_TYPE_BOOLEAN: owl_buf_puts(name, "boolean"); break;
    case DUCKDB_TYPE_TINYINT: owl_buf_puts(name, "tinyint"); break;
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_UTINYINT: owl_buf_puts(name, "smallint"); break;
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_USMALLINT: owl_buf_puts(name, "integer"); break;
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UINTEGER: owl_buf_puts(name, "bigint"); break;
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
        col->precision = 38;
        owl_buf_puts(name, "decimal(38,0)");
        break;
    case DUCKDB_TYPE_FLOAT: owl_buf_puts(name, "real"); break;
    case DUCKDB_TYPE_DOUBLE: owl_buf_puts(name, "double"); break;
    case DUCKDB_TYPE_DECIMAL:
        col->precision = duckdb_decimal_width(type);
        col->scale = duckdb_decimal_scale(type);
        owl_buf_printf(name, "decimal(%d,%d)", col->precision, col->scale);
        break;
    case DUCKDB_TYPE_VARCHAR: owl_buf_puts(name, "varchar"); break;
    case DUCKDB_TYPE_BLOB: owl_buf_puts(name, "varbinary"); break;
    case DUCKDB_TYPE_DATE: owl_buf_puts(name, "date"); break;
    case DUCKDB_TYPE_TIME: owl_buf_puts(name, "time"); break;
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS: owl_buf_puts(name, "timestamp"); break;
    case DUCKDB_TYPE_TIMESTAMP_TZ: owl_buf_puts(name, "timestamp with time zone"); break;
    case DUCKDB_TYPE_INTERVAL: owl_buf_puts(name, "interval day to second"); break;
    case DUCKDB_TYPE_UUID: owl_buf_puts(name, "uuid"); break;
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY: owl_buf_puts(name, "array"); break;
    case DUCKDB_TYPE_MAP: owl_buf_puts(name, "map"); break;
    case DUCKDB_TYPE_STRUCT: owl_buf_puts(name, "row"); break;
    case DUCKDB_TYPE_SQLNULL: owl_buf_puts(name, "unknown"); break;
    default: owl_buf_puts(name, "varchar"); break;
    }
}
