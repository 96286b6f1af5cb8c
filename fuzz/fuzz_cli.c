/* fuzz_cli.c - libFuzzer target: the option parser and its validation.
 *
 * The input is split at NUL bytes into argv; whatever it holds, cli_parse
 * and cli_validate must return 0 or -1 with a usage error, never crash,
 * and every error message must be one line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    char *argv[MAX_ARGS + 1] = {"simple-kvm"};
    int argc = 1;
    struct options opts;
    struct skvm_err err;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    for (size_t i = 0; i <= size && argc < MAX_ARGS;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;
    if (cli_parse(argc, argv, &opts, &err) == 0)
        (void)cli_validate(&opts, &err) ;
    else if (err.status != SKVM_USAGE || strchr(err.msg, '\n'))
        abort();
    free(buf);
    return 0;
}
