/*
 * libFuzzer target for the parser of the AWS CLI's shared config and
 * credentials files (~/.aws/config, ~/.aws/credentials) that owlery sql
 * reads. Every section the parser finds is then read back the way the
 * settings resolver reads it: plain options, and nested values such as a
 * services section's "athena =\n  endpoint_url = ...".
 */
#include "cli/sql.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool read_section(const char *section, void *arg)
{
    sql_ini *ini = arg;
    static const char *const keys[] = {"aws_access_key_id", "aws_secret_access_key",
                                       "aws_session_token", "region", "endpoint_url",
                                       "services", "role_arn"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *value = sql_ini_get(ini, section, keys[i]);
        if (value)
            (void)strlen(value);
    }
    char *nested = sql_ini_get_nested(ini, section, "athena", "endpoint_url");
    free(nested);
    return sql_ini_has_section(ini, section);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    sql_ini *ini = sql_ini_parse((const char *)data, size, err, sizeof err);
    if (!ini)
        return 0;
    sql_ini_each_section(ini, read_section, ini);
    sql_ini_free(ini);
    return 0;
}
