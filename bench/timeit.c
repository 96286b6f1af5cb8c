/* timeit.c - interleaved wall-clock timing of whole commands.
 *
 *   timeit [--warmup W] ROUNDS LABEL CMD [ARGS...] :: LABEL CMD ... :: ...
 *
 * Each round runs every command once, so the commands compared share the
 * same moments of a noisy machine (other builds, 2 cores), in an order
 * shuffled per round (a fixed seed: runs repeat): a command pays for work
 * its predecessor left behind (a VM's teardown finishing in the kernel,
 * RCU callbacks) and a fixed order would always give it the same
 * predecessor. W
 * warm-up rounds (default 1) are not recorded; 0 suits commands that run
 * for seconds, where a warm cache is noise and a round is expensive.
 * Per run it prints
 *   LABEL <tab> microseconds <tab> peak RSS KiB <tab> exit status <tab>
 *   CPU microseconds (user + system, all its threads: a busy machine
 *   stretches the wall clock far more than this)
 * Child stdout goes to /dev/null, stderr is kept. Timing is
 * CLOCK_MONOTONIC around fork..wait4, which is what a user waits for.
 * Processes a command leaves behind (simple-kvm's teardown helper,
 * kvm/teardown.h) are handed here, a subreaper, when it ends: they are
 * waited for before the next command starts, untimed, and their CPU is
 * added to the command's, so the CPU column is all the work and no
 * command runs beside the last one's leftovers. (Without a limit: the
 * commands here leave nothing that lives on.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 32

struct cmd {
    const char *label;
    char **argv;
};

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double cpu_of(const struct rusage *ru)
{
    return (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1e6 +
           (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec);
}

static int run_one(const struct cmd *c, int devnull, double *us, long *rss,
                   double *cpu_us)
{
    struct rusage ru, left;
    int status;
    double t0 = now_us();
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(devnull, STDOUT_FILENO);
        execvp(c->argv[0], c->argv);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1;
    *us = now_us() - t0;
    *rss = ru.ru_maxrss;
    *cpu_us = cpu_of(&ru);
    while (wait4(-1, NULL, 0, &left) > 0) /* its leftovers, if any */
        *cpu_us += cpu_of(&left);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
    struct cmd cmds[MAX_CMDS];
    int n = 0, warmup = 1, first = 1;
    int devnull = open("/dev/null", O_WRONLY);

    if (argc > 2 && strcmp(argv[1], "--warmup") == 0) {
        warmup = atoi(argv[2]);
        first = 3;
    }
    int rounds = argc > first ? atoi(argv[first]) : 0;
    for (int i = first + 1; i < argc && n < MAX_CMDS;) {
        if (i + 1 >= argc)
            break;
        cmds[n].label = argv[i];
        cmds[n].argv = &argv[i + 1];
        int j = i + 1;
        while (j < argc && strcmp(argv[j], "::") != 0)
            j++;
        if (j < argc)
            argv[j] = NULL; /* ends this command's argv */
        n++;
        i = j + 1;
    }
    if (rounds <= 0 || warmup < 0 || n == 0 || devnull < 0) {
        fprintf(stderr, "usage: timeit [--warmup W] ROUNDS LABEL CMD... "
                        "[:: LABEL CMD...]\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        perror("timeit: PR_SET_CHILD_SUBREAPER");
        return 1;
    }
    unsigned seed = 1;
    int order[MAX_CMDS];
    for (int k = 0; k < n; k++)
        order[k] = k;
    for (int r = -warmup; r < rounds; r++) {
        for (int k = n - 1; k > 0; k--) { /* Fisher-Yates */
            int j = (int)(rand_r(&seed) % (unsigned)(k + 1));
            int t = order[k];
            order[k] = order[j];
            order[j] = t;
        }
        for (int k = 0; k < n; k++) {
            const struct cmd *c = &cmds[order[k]];
            double us = 0, cpu_us = 0;
            long rss = 0;
            int code = run_one(c, devnull, &us, &rss, &cpu_us);
            if (r >= 0)
                printf("%s\t%.1f\t%ld\t%d\t%.0f\n", c->label, us, rss, code,
                       cpu_us);
        }
    }
    return 0;
}
