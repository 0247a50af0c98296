/*
 * The list of module schemas every owlery process applies to its store.
 */
#include "cli/cli.h"

#include "athena/athena.h"
#include "iam/account.h"
#include "lambda/lambda.h"
#include "s3/s3.h"

owl_store *owl_cli_open_store(const char *data_dir, char *err, size_t errlen)
{
    static const owl_schema *const schemas[] = {
        &owl_iam_schema,
        &owl_lambda_schema,
        &owl_s3_schema,
        &owl_athena_schema,
    };
    return owl_store_open(data_dir, schemas, sizeof schemas / sizeof schemas[0], err, errlen);
}
