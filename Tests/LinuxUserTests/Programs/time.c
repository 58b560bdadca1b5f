// Time: only facts that do not depend on when the program runs (clock ordering, formatting of
// fixed instants, sleeping at least as long as asked).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

static double seconds(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void) {
    setenv("TZ", "UTC", 1);
    tzset();
    time_t now = time(NULL);
    printf("time after 2020 %d\n", now > 1577836800);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("gettimeofday agrees with time %d usec in range %d\n", labs(tv.tv_sec - now) <= 2, tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    printf("realtime agrees %d\n", labs((long)seconds(CLOCK_REALTIME) - now) <= 2);
    double m1 = seconds(CLOCK_MONOTONIC);
    double m2 = seconds(CLOCK_MONOTONIC);
    printf("monotonic does not go back %d\n", m2 >= m1);
    struct timespec resolution;
    int got = clock_getres(CLOCK_MONOTONIC, &resolution);
    printf("clock_getres %d fine %d\n", got, resolution.tv_sec == 0 && resolution.tv_nsec <= 1000000);
    double start = seconds(CLOCK_MONOTONIC);
    struct timespec nap = { 0, 30 * 1000 * 1000 };
    nanosleep(&nap, NULL);
    double slept = seconds(CLOCK_MONOTONIC) - start;
    printf("nanosleep 30ms took at least that %d\n", slept >= 0.03);
    start = seconds(CLOCK_MONOTONIC);
    usleep(20000);
    printf("usleep 20ms %d\n", seconds(CLOCK_MONOTONIC) - start >= 0.02);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += 10 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
    printf("clock_nanosleep absolute %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL));
    printf("monotonic passed the deadline %d\n", seconds(CLOCK_MONOTONIC) >= until.tv_sec + until.tv_nsec / 1e9);
    double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
    volatile unsigned long spin = 0;
    for (unsigned long i = 0; i < 3000000; i++) spin += i;
    printf("process cpu time advances %d\n", seconds(CLOCK_PROCESS_CPUTIME_ID) >= cpu);
    struct tms t;
    printf("times non-negative %d clock() non-negative %d\n", times(&t) != (clock_t)-1, clock() >= 0);

    const time_t instants[] = { 0, 86399, 951782400, 1234567890, 2147483647, 4102444800LL, -1 };
    for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
        struct tm tm;
        gmtime_r(&instants[i], &tm);
        char text[128];
        strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S %a %b %j %U %w %Z", &tm);
        struct tm local;
        localtime_r(&instants[i], &local);
        printf("%lld: %s | yday %d | mktime back %lld | asctime %s", (long long)instants[i], text, tm.tm_yday,
               (long long)mktime(&local), asctime(&tm));
    }
    struct tm parsed;
    memset(&parsed, 0, sizeof parsed);
    strptime("2001-02-03 04:05:06", "%Y-%m-%d %H:%M:%S", &parsed);
    printf("strptime %d-%d-%d %d:%d:%d timegm %lld\n", parsed.tm_year + 1900, parsed.tm_mon + 1, parsed.tm_mday,
           parsed.tm_hour, parsed.tm_min, parsed.tm_sec, (long long)timegm(&parsed));
    printf("difftime %g\n", difftime(1000, 250));
    return 0;
}
