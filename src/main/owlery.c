/*
 * owlery: the service endpoint (serve) and account administration. The
 * subcommands live in src/cli.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: owlery <command> [options]\n"
            "commands:\n"
            "  serve     run the AWS-compatible service endpoint\n"
            "  account   create and list accounts (owlery account --help)\n"
            "  sql       run SQL through Athena (not built yet)\n"
            "  demo      run the cross-account demo (not built yet)\n");
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
    if (strcmp(command, "sql") == 0 || strcmp(command, "demo") == 0) {
        fprintf(stderr, "owlery %s: not built yet in this version\n", command);
        return 1;
    }
    fprintf(stderr, "owlery: unknown command \"%s\"\n", command);
    usage(stderr);
    return 2;
}
