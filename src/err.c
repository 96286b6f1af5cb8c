/* err.c - filling struct skvm_err. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int skvm_fail(struct skvm_err *err, enum skvm_status status, const char *fmt,
              ...)
{
    va_list ap;

    err->status = status;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    /* Messages quote user input (paths, option values): keep them to one
     * printable line whatever those hold. */
    for (char *c = err->msg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    return -1;
}

int skvm_exit_code(const struct skvm_err *err)
{
    if (err->status == SKVM_SIGNAL)
        return SKVM_SIGNAL + err->signo;
    return (int)err->status;
}

int skvm_fail_signal(struct skvm_err *err, int signo)
{
    skvm_fail(err, SKVM_SIGNAL, "stopped by %s", strsignal(signo));
    err->signo = signo;
    return -1;
}
