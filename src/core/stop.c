/* stop.c - stop requests from signals and the timeout (see stop.h). */
#include "core/stop.h"

#include <signal.h>
#include <stddef.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t stop_signo;    /* SIGINT/SIGTERM, sticky */
static volatile sig_atomic_t timeout_fired; /* until disarmed */
static volatile uint8_t *volatile kick_byte;
/* With ticks, SIGALRM is periodic and the timeout a deadline on the
 * monotonic clock; both are set while the timer is off. */
static volatile sig_atomic_t tick_us; /* read by the handler */
static bool timer_armed;
static volatile sig_atomic_t have_deadline;
static struct timespec deadline;

static bool past_deadline(void)
{
    struct timespec now;

    if (!have_deadline || clock_gettime(CLOCK_MONOTONIC, &now) < 0)
        return false;
    return now.tv_sec > deadline.tv_sec ||
           (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

static void on_signal(int signo)
{
    if (signo == SIGALRM) {
        if (!tick_us || past_deadline())
            timeout_fired = 1;
    } else if (!stop_signo)
        stop_signo = signo;
    if (kick_byte)
        *kick_byte = 1;
}

void stop_install(void)
{
    static const int signals[] = {SIGINT, SIGTERM, SIGALRM};
    static bool installed; /* main's call did it; each run asks again */
    struct sigaction sa = {0};

    if (installed)
        return;
    installed = true;
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

#define US_PER_S 1000000L
#define NS_PER_US 1000L
#define NS_PER_S 1000000000L

static struct timeval tick_interval(void)
{
    long us = tick_us;

    return (struct timeval){.tv_sec = (time_t)(us / US_PER_S),
                            .tv_usec = (suseconds_t)(us % US_PER_S)};
}

void stop_timeout_arm(double seconds)
{
    struct itimerval it = {0};

    timeout_fired = 0;
    have_deadline = 0;
    if (seconds > 0) {
        it.it_value.tv_sec = (time_t)seconds;
        it.it_value.tv_usec =
            (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
        if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
            it.it_value.tv_usec = 1;
    }
    if (tick_us) {
        if (seconds > 0 && clock_gettime(CLOCK_MONOTONIC, &deadline) == 0) {
            deadline.tv_sec += it.it_value.tv_sec;
            deadline.tv_nsec += (long)it.it_value.tv_usec * NS_PER_US;
            if (deadline.tv_nsec >= NS_PER_S) {
                deadline.tv_sec++;
                deadline.tv_nsec -= NS_PER_S;
            }
            have_deadline = 1;
        }
        it.it_value = it.it_interval = tick_interval();
    }
    if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
        return;
    setitimer(ITIMER_REAL, &it, NULL);
    timer_armed = true;
}

void stop_ticks(unsigned us)
{
    tick_us = (sig_atomic_t)us;
    if (timer_armed && us) {
        struct itimerval it = {.it_value = tick_interval(),
                               .it_interval = tick_interval()};
        setitimer(ITIMER_REAL, &it, NULL);
    }
}

void stop_timeout_disarm(void)
{
    struct itimerval off = {0};

    if (timer_armed) /* nothing to stop otherwise: a syscall saved */
        setitimer(ITIMER_REAL, &off, NULL);
    timer_armed = false;
    tick_us = 0;
    have_deadline = 0;
    timeout_fired = 0;
}
