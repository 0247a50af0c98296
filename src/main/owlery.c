/*
 * owlery: the service endpoint (serve), account administration, the SQL
 * client and the demo. See src/cli for the subcommands.
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: owlery serve|account|sql|demo ...\n");
        return argc < 2 ? 2 : 0;
    }
    fprintf(stderr, "owlery: unknown command \"%s\"\n", argv[1]);
    return 2;
}
