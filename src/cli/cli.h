/*
 * owlery's subcommands. Each takes the arguments after its name and returns
 * the process exit code: 0 on success, 1 on a failure, 2 on bad usage.
 */
#ifndef OWL_CLI_CLI_H
#define OWL_CLI_CLI_H

#include "store/store.h"

int owl_cli_serve(int argc, char **argv);
int owl_cli_account(int argc, char **argv);
/* owlery sql: the Athena SQL client (src/cli/sql.c). */
int owl_cli_sql(int argc, char **argv);

/* Opens the state store with every module's schema; NULL with a message in err. */
owl_store *owl_cli_open_store(const char *data_dir, char *err, size_t errlen);

#endif
