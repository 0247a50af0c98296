/*
 * owlery account create --data-dir DIR --account-id ID [--name NAME]
 *                       [--access-key-id KEY --secret-access-key SECRET]
 * owlery account list --data-dir DIR
 *
 * Works on the state database directly, whether or not owlery serve runs on
 * the same data directory (SQLite WAL lets both in).
 */
#include "cli/cli.h"

#include "iam/account.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void account_usage(FILE *out)
{
    fprintf(out,
            "usage: owlery account create --data-dir DIR --account-id ID [--name NAME]\n"
            "                             [--access-key-id KEY --secret-access-key SECRET]\n"
            "       owlery account list --data-dir DIR\n"
            "  create prints {\"AccountId\",\"Arn\",\"CanonicalUserId\",\"AccessKeyId\",\n"
            "  \"SecretAccessKey\"} as JSON; without a key pair a fresh root key is generated.\n");
}

static int print_json(json_t *value)
{
    char *text = json_dumps(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(value);
    if (!text)
        return 1;
    printf("%s\n", text);
    free(text);
    return fflush(stdout) == 0 ? 0 : 1;
}

static int account_create(const char *data_dir, const char *account_id, const char *name,
                          const char *key, const char *secret)
{
    char err[512];
    owl_store *store = owl_cli_open_store(data_dir, err, sizeof err);
    if (!store) {
        fprintf(stderr, "owlery account create: %s\n", err);
        return 1;
    }
    sqlite3 *db = owl_store_acquire(store);
    iam_account account;
    char key_out[IAM_ACCESS_KEY_MAX + 1], secret_out[IAM_SECRET_KEY_MAX + 1];
    iam_status status = iam_account_create(db, account_id, name, key, secret, &account, key_out,
                                           secret_out, err, sizeof err);
    owl_store_release(store, db);
    owl_store_close(store);
    if (status != IAM_OK) {
        fprintf(stderr, "owlery account create: %s\n", err);
        return status == IAM_INVALID ? 2 : 1;
    }
    return print_json(json_pack("{s:s, s:s, s:s, s:s, s:s}", "AccountId", account.account_id,
                                "Arn", account.arn, "CanonicalUserId", account.canonical_user_id,
                                "AccessKeyId", key_out, "SecretAccessKey", secret_out));
}

static bool append_account(const iam_account *account, void *arg)
{
    json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:s}", "AccountId", account->account_id,
                                         "Name", account->name, "Arn", account->arn,
                                         "CanonicalUserId", account->canonical_user_id));
    return true;
}

static int account_list(const char *data_dir)
{
    char err[512];
    owl_store *store = owl_cli_open_store(data_dir, err, sizeof err);
    if (!store) {
        fprintf(stderr, "owlery account list: %s\n", err);
        return 1;
    }
    sqlite3 *db = owl_store_acquire(store);
    json_t *accounts = json_array();
    iam_status status = iam_account_list(db, append_account, accounts);
    owl_store_release(store, db);
    owl_store_close(store);
    if (status != IAM_OK) {
        json_decref(accounts);
        fprintf(stderr, "owlery account list: cannot read accounts from %s\n", data_dir);
        return 1;
    }
    return print_json(json_pack("{s:o}", "Accounts", accounts));
}

int owl_cli_account(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        account_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *command = argv[1];
    const char *data_dir = NULL, *account_id = NULL, *name = NULL, *key = NULL, *secret = NULL;
    static const struct option options[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"account-id", required_argument, NULL, 'a'},
        {"name", required_argument, NULL, 'n'},
        {"access-key-id", required_argument, NULL, 'k'},
        {"secret-access-key", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 2;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': data_dir = optarg; break;
        case 'a': account_id = optarg; break;
        case 'n': name = optarg; break;
        case 'k': key = optarg; break;
        case 's': secret = optarg; break;
        default: account_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "owlery account: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    if (!data_dir) {
        fprintf(stderr, "owlery account %s: missing --data-dir\n", command);
        return 2;
    }
    if (strcmp(command, "create") == 0) {
        if (!account_id) {
            fprintf(stderr, "owlery account create: missing --account-id (12 digits)\n");
            return 2;
        }
        return account_create(data_dir, account_id, name, key, secret);
    }
    if (strcmp(command, "list") == 0) {
        if (account_id || name || key || secret) {
            fprintf(stderr, "owlery account list: takes only --data-dir\n");
            return 2;
        }
        return account_list(data_dir);
    }
    fprintf(stderr, "owlery account: unknown command \"%s\": expected create or list\n", command);
    return 2;
}
