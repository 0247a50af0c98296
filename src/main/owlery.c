/*
 * owlery: the service endpoint (serve), account administration, the SQL
 * client (sql) and the demo. The subcommands live in src/cli.
 */
#include "cli/cli.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Runs the cross-account demo: scripts/demo of the source tree this binary
 * was built in (build/bin/owlery -> ../../scripts/demo), as `make demo` does.
 */
static int run_demo(const char *self)
{
    char binary[PATH_MAX];
    if (!realpath(self, binary) && !realpath("/proc/self/exe", binary)) {
        fprintf(stderr, "owlery demo: cannot find this program's path: %s\n", strerror(errno));
        return 1;
    }
    char script[PATH_MAX + 32];
    char *dir = dirname(binary);
    snprintf(script, sizeof script, "%s/../../scripts/demo", dir);
    if (access(script, X_OK) != 0) {
        fprintf(stderr, "owlery demo: %s not found: the demo runs from the source tree "
                        "(run make demo there)\n", script);
        return 1;
    }
    execl(script, script, (char *)NULL);
    fprintf(stderr, "owlery demo: cannot run %s: %s\n", script, strerror(errno));
    return 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: owlery <command> [options]\n"
            "commands:\n"
            "  serve     run the AWS-compatible service endpoint\n"
            "  account   create and list accounts (owlery account --help)\n"
            "  sql       run SQL through the Athena API (owlery sql --help)\n"
            "  demo      run the cross-account demo (scripts/demo of the source tree)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(command, "serve") == 0)
        return owl_cli_serve(argc - 1, argv + 1);
    if (strcmp(command, "account") == 0)
        return owl_cli_account(argc - 1, argv + 1);
    if (strcmp(command, "demo") == 0)
        return run_demo(argv[0]);
    if (strcmp(command, "sql") == 0)
        return owl_cli_sql(argc - 1, argv + 1);
    fprintf(stderr, "owlery: unknown command \"%s\"\n", command);
    usage(stderr);
    return 2;
}
