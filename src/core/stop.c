/* stop.c - stop requests from signals and the timeout (see stop.h). */
#include "core/stop.h"

#include <signal.h>
#include <stddef.h>
#include <sys/time.h>

static volatile sig_atomic_t stop_signo;    /* SIGINT/SIGTERM, sticky */
static volatile sig_atomic_t timeout_fired; /* until disarmed */
static volatile uint8_t *volatile kick_byte;

static void on_signal(int signo)
{
    if (signo == SIGALRM)
        timeout_fired = 1;
    else if (!stop_signo)
        stop_signo = signo;
    if (kick_byte)
        *kick_byte = 1;
}

void stop_install(void)
{
    static const int signals[] = {SIGINT, SIGTERM, SIGALRM};
    struct sigaction sa = {0};

    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask); /* one handler at a time */
    sa.sa_flags = 0;         /* no SA_RESTART: blocking calls see EINTR */
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        sigaction(signals[i], &sa, NULL);
    /* A closed pipe is then a write error (EPIPE) the writer reports,
     * not a silent death. */
    signal(SIGPIPE, SIG_IGN);
    /* A parent may have blocked them across exec (a signal sent before
     * main ran is then pending): they are ours to handle from now on. */
    sigset_t mine;
    sigemptyset(&mine);
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        sigaddset(&mine, signals[i]);
    sigprocmask(SIG_UNBLOCK, &mine, NULL);
}

int stop_signal(void)
{
    return stop_signo;
}

bool stop_timed_out(void)
{
    return timeout_fired;
}

bool stop_requested(void)
{
    return stop_signo || timeout_fired;
}

void stop_set_kick(volatile uint8_t *kick)
{
    kick_byte = kick;
    /* A signal between the last check and this call is not lost. */
    if (kick && stop_requested())
        *kick = 1;
}

void stop_timeout_arm(double seconds)
{
    struct itimerval it = {0};

    timeout_fired = 0;
    if (seconds <= 0)
        return;
    it.it_value.tv_sec = (time_t)seconds;
    it.it_value.tv_usec =
        (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
    if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
        it.it_value.tv_usec = 1;
    setitimer(ITIMER_REAL, &it, NULL);
}

void stop_timeout_disarm(void)
{
    struct itimerval off = {0};

    setitimer(ITIMER_REAL, &off, NULL);
    timeout_fired = 0;
}
