// Loopback TCP and UDP: a forked echo server on an ephemeral port, sendto/recvfrom with
// addresses, socket options, shutdown, poll on a socket. Prints derived facts only (never
// port numbers).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void check(int ok, const char *what) {
    if (!ok) { printf("FAILED %s: %s\n", what, strerror(errno)); exit(1); }
}

static void tcp(void) {
    int server = socket(AF_INET, SOCK_STREAM, 0);
    check(server >= 0, "socket");
    int on = 1, value = 0;
    socklen_t len = sizeof value;
    check(setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0, "SO_REUSEADDR");
    getsockopt(server, SOL_SOCKET, SO_REUSEADDR, &value, &len);
    printf("SO_REUSEADDR %d (len %u)\n", value != 0, len);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    check(bind(server, (struct sockaddr *)&addr, sizeof addr) == 0, "bind");
    check(listen(server, 8) == 0, "listen");
    len = sizeof addr;
    check(getsockname(server, (struct sockaddr *)&addr, &len) == 0, "getsockname");
    printf("bound to loopback: %d, ephemeral port chosen: %d, length %u\n", addr.sin_addr.s_addr == htonl(INADDR_LOOPBACK), addr.sin_port != 0, len);

    pid_t child = fork();
    if (child == 0) {
        // The echo server: one connection, echo until the peer shuts down its side.
        struct sockaddr_in peer;
        socklen_t plen = sizeof peer;
        int conn = accept(server, (struct sockaddr *)&peer, &plen);
        check(conn >= 0, "accept");
        char b[256];
        ssize_t n;
        long total = 0;
        while ((n = recv(conn, b, sizeof b, 0)) > 0) {
            total += n;
            for (ssize_t i = 0; i < n; i++) if (b[i] >= 'a' && b[i] <= 'z') b[i] -= 32;
            check(send(conn, b, n, MSG_NOSIGNAL) == n, "send");
        }
        printf("server: echoed %ld bytes, peer from loopback %d\n", total, peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
        fflush(stdout);
        close(conn);
        _exit(0);
    }
    close(server);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    check(connect(c, (struct sockaddr *)&addr, sizeof addr) == 0, "connect");
    check(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0, "TCP_NODELAY");
    len = sizeof value;
    getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &value, &len);
    printf("TCP_NODELAY %d\n", value != 0);
    struct sockaddr_in peer;
    len = sizeof peer;
    check(getpeername(c, (struct sockaddr *)&peer, &len) == 0, "getpeername");
    printf("peer is the server: %d\n", peer.sin_port == addr.sin_port);
    const char *lines[] = {"hello, echo\n", "a second line\n", "and the last one\n"};
    char got[256];
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(lines[i]);
        check(send(c, lines[i], n, 0) == (ssize_t)n, "send line");
        size_t have = 0;
        while (have < n) {
            struct pollfd p = {c, POLLIN, 0};
            check(poll(&p, 1, 10000) == 1, "poll");
            ssize_t r = recv(c, got + have, sizeof got - have, 0);
            check(r > 0, "recv");
            have += r;
        }
        got[have] = 0;
        printf("echo: %s", got);
    }
    check(shutdown(c, SHUT_WR) == 0, "shutdown");
    printf("after shutdown, recv returns %zd\n", recv(c, got, sizeof got, 0));
    int error = -1;
    len = sizeof error;
    getsockopt(c, SOL_SOCKET, SO_ERROR, &error, &len);
    printf("SO_ERROR %d\n", error);
    close(c);
    int status;
    waitpid(child, &status, 0);
    printf("server exited %d\n", WEXITSTATUS(status));

    // Connecting to a port nobody listens on (the closed server's) is refused.
    int d = socket(AF_INET, SOCK_STREAM, 0);
    int r = connect(d, (struct sockaddr *)&addr, sizeof addr);
    printf("connect to a closed port: %d %s\n", r, r < 0 ? strerror(errno) : "");
    close(d);
}

static void udp(void) {
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in aa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)}, ba = aa;
    check(bind(a, (struct sockaddr *)&aa, sizeof aa) == 0, "bind a");
    check(bind(b, (struct sockaddr *)&ba, sizeof ba) == 0, "bind b");
    socklen_t len = sizeof aa;
    getsockname(a, (struct sockaddr *)&aa, &len);
    len = sizeof ba;
    getsockname(b, (struct sockaddr *)&ba, &len);
    check(sendto(a, "datagram one", 12, 0, (struct sockaddr *)&ba, sizeof ba) == 12, "sendto");
    check(sendto(a, "two", 3, 0, (struct sockaddr *)&ba, sizeof ba) == 3, "sendto 2");
    char buf[64] = {0};
    struct sockaddr_in from;
    len = sizeof from;
    ssize_t n = recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    printf("udp: %zd bytes \"%s\" from the sender %d (length %u)\n", n, buf, from.sin_port == aa.sin_port, len);
    memset(buf, 0, sizeof buf);
    n = recvfrom(b, buf, 2, MSG_TRUNC, NULL, NULL);
    printf("udp truncated: %zd (MSG_TRUNC gives the real length) \"%s\"\n", n, buf);
    n = recvfrom(b, buf, sizeof buf, MSG_DONTWAIT, NULL, NULL);
    printf("udp empty: %zd %s\n", n, n < 0 ? strerror(errno) : "");
    int size = 0;
    len = sizeof size;
    int small = 4096;
    setsockopt(b, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    getsockopt(b, SOL_SOCKET, SO_RCVBUF, &size, &len);
    printf("SO_RCVBUF set 4096 reads %d\n", size);
    struct timeval tv = {0, 20000};
    setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    n = recv(b, buf, sizeof buf, 0);
    printf("recv with SO_RCVTIMEO: %zd %s\n", n, n < 0 ? strerror(errno) : "");
    int r = getsockopt(b, SOL_SOCKET, SO_RCVBUF, (void *)8, &len);
    printf("getsockopt into a bad pointer: %d %s\n", r, r < 0 ? strerror(errno) : "");
    close(a);
    close(b);

    int six = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int ok = six >= 0 && bind(six, (struct sockaddr *)&s6, sizeof s6) == 0;
    if (ok) {
        len = sizeof s6;
        getsockname(six, (struct sockaddr *)&s6, &len);
        sendto(six, "v6", 2, 0, (struct sockaddr *)&s6, sizeof s6);
        n = recv(six, buf, sizeof buf, 0);
        printf("ipv6 loopback: %zd bytes, address length %u\n", n, len);
    } else {
        printf("ipv6 loopback: unavailable\n");
    }
    if (six >= 0) close(six);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    tcp();
    udp();
    return 0;
}
