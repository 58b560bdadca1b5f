// Event descriptors: epoll (create1, ctl, wait, pwait, pwait2) over an eventfd, a timerfd
// and a pipe; eventfd counters and semaphores; timerfd settime/gettime; inotify on a
// scratch directory. Prints derived facts only (no times, no descriptor numbers).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static void check(int ok, const char *what) {
    if (!ok) { printf("FAILED %s: %s\n", what, strerror(errno)); exit(1); }
}

static void eventfds(void) {
    int e = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
    check(e >= 0, "eventfd");
    uint64_t v = 4;
    check(write(e, &v, 8) == 8, "eventfd write");
    check(read(e, &v, 8) == 8, "eventfd read");
    printf("eventfd counter: %llu\n", (unsigned long long)v);
    ssize_t n = read(e, &v, 8);
    printf("eventfd empty: %zd %s\n", n, strerror(errno));
    n = read(e, &v, 4);
    printf("eventfd short read: %zd %s\n", n, strerror(errno));
    close(e);
    int s = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    int reads = 0;
    while (read(s, &v, 8) == 8) reads++;
    printf("semaphore eventfd gave %d reads of %llu\n", reads, (unsigned long long)v);
    close(s);
}

static void timerfds(void) {
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    check(t >= 0, "timerfd_create");
    struct itimerspec spec = {.it_interval = {0, 5 * 1000 * 1000}, .it_value = {0, 10 * 1000 * 1000}}, old;
    check(timerfd_settime(t, 0, &spec, &old) == 0, "timerfd_settime");
    printf("old timer was disarmed: %d\n", old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0);
    struct itimerspec now;
    check(timerfd_gettime(t, &now) == 0, "timerfd_gettime");
    printf("gettime: interval %ld ns, remaining within the first period %d\n", now.it_interval.tv_nsec,
           now.it_value.tv_sec == 0 && now.it_value.tv_nsec > 0 && now.it_value.tv_nsec <= 10 * 1000 * 1000);
    uint64_t expirations = 0;
    check(read(t, &expirations, 8) == 8, "timerfd read");
    printf("timerfd expired at least once: %d\n", expirations >= 1);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    struct itimerspec absolute = {.it_value = {start.tv_sec, start.tv_nsec}};
    absolute.it_value.tv_nsec += 2 * 1000 * 1000;
    if (absolute.it_value.tv_nsec >= 1000000000) { absolute.it_value.tv_sec++; absolute.it_value.tv_nsec -= 1000000000; }
    check(timerfd_settime(t, TFD_TIMER_ABSTIME, &absolute, NULL) == 0, "absolute");
    check(read(t, &expirations, 8) == 8, "timerfd read 2");
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    long waited = (end.tv_sec - start.tv_sec) * 1000000000L + end.tv_nsec - start.tv_nsec;
    printf("absolute one-shot: %llu expiration, waited at least 2 ms: %d\n", (unsigned long long)expirations, waited >= 2000000);
    errno = 0;
    int r = timerfd_settime(t, 0, (struct itimerspec *)8, NULL);
    printf("settime from a bad pointer: %d %s\n", r, strerror(errno));
    close(t);
}

static void epolls(void) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    check(ep >= 0, "epoll_create1");
    int e = eventfd(0, EFD_NONBLOCK);
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    int p[2];
    check(pipe2(p, O_NONBLOCK) == 0, "pipe2");
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1111222233334444ULL};
    check(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev) == 0, "add eventfd");
    ev.data.u64 = 2;
    check(epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev) == 0, "add timerfd");
    ev.data.u64 = 3;
    ev.events = EPOLLIN | EPOLLET;
    check(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "add pipe");
    int r = epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    printf("adding twice: %d %s\n", r, strerror(errno));
    struct epoll_event out[8];
    printf("nothing ready: %d\n", epoll_wait(ep, out, 8, 0));
    uint64_t one = 1;
    write(e, &one, 8);
    int n = epoll_wait(ep, out, 8, 1000);
    printf("eventfd ready: %d event(s), data %llx, EPOLLIN %d\n", n, (unsigned long long)out[0].data.u64, (out[0].events & EPOLLIN) != 0);
    uint64_t v;
    read(e, &v, 8);
    struct itimerspec spec = {.it_value = {0, 3 * 1000 * 1000}};
    timerfd_settime(t, 0, &spec, NULL);
    sigset_t mask;
    sigemptyset(&mask);
    n = epoll_pwait(ep, out, 8, 5000, &mask);
    printf("timer via epoll_pwait: %d event(s), data %llu\n", n, (unsigned long long)out[0].data.u64);
    read(t, &v, 8);
    write(p[1], "xy", 2);
    struct timespec timeout = {5, 0};
    n = epoll_pwait2(ep, out, 8, &timeout, NULL);
    if (n < 0 && errno == ENOSYS) {
        printf("pipe via epoll_pwait2: unsupported\n");
        n = epoll_wait(ep, out, 8, 5000);
    } else {
        printf("pipe via epoll_pwait2: %d event(s), data %llu\n", n, (unsigned long long)out[0].data.u64);
    }
    // Edge-triggered: no new data, no new event.
    printf("edge-triggered again: %d\n", epoll_wait(ep, out, 8, 0));
    ev.events = EPOLLOUT;
    ev.data.u64 = 4;
    check(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) == 0, "add write end");
    n = epoll_wait(ep, out, 8, 0);
    printf("write end writable: %d event(s), data %llu, EPOLLOUT %d\n", n, (unsigned long long)out[0].data.u64, (out[0].events & EPOLLOUT) != 0);
    check(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == 0, "del");
    r = epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev);
    printf("modifying a removed descriptor: %d %s\n", r, strerror(errno));
    r = epoll_wait(ep, out, 0, 0);
    printf("maxevents 0: %d %s\n", r, strerror(errno));
    r = epoll_wait(ep, (struct epoll_event *)8, 8, 0);
    printf("events at a bad pointer: %d %s\n", r, strerror(errno));
    close(p[0]);
    close(p[1]);
    close(t);
    close(e);
    close(ep);
}

static void inotifies(void) {
    char dir[] = "watchXXXXXX";
    check(mkdtemp(dir) != NULL, "mkdtemp");
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    check(in >= 0, "inotify_init1");
    int w = inotify_add_watch(in, dir, IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO);
    check(w >= 0, "inotify_add_watch");
    char path[64], path2[64];
    snprintf(path, sizeof path, "%s/file", dir);
    snprintf(path2, sizeof path2, "%s/renamed", dir);
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    write(fd, "x", 1);
    close(fd);
    rename(path, path2);
    unlink(path2);
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n = read(in, buf, sizeof buf);
    printf("inotify read %s\n", n > 0 ? "events" : "nothing");
    for (char *p = buf; p < buf + n;) {
        struct inotify_event *ev = (struct inotify_event *)p;
        printf("  watch ok %d mask %08x cookie-set %d name %s\n", ev->wd == w, ev->mask, ev->cookie != 0, ev->len ? ev->name : "");
        p += sizeof *ev + ev->len;
    }
    check(inotify_rm_watch(in, w) == 0, "inotify_rm_watch");
    n = read(in, buf, sizeof buf);
    if (n > 0) printf("after rm_watch: IN_IGNORED %d\n", (((struct inotify_event *)buf)->mask & IN_IGNORED) != 0);
    int r = inotify_rm_watch(in, w);
    printf("removing twice: %d %s\n", r, strerror(errno));
    r = inotify_add_watch(in, "/nonexistent/path", IN_CREATE);
    printf("watching a missing path: %d %s\n", r, strerror(errno));
    close(in);
    rmdir(dir);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    eventfds();
    timerfds();
    epolls();
    inotifies();
    return 0;
}
