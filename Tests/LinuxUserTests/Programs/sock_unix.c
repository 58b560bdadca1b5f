// AF_UNIX sockets: socketpair with sendmsg/recvmsg carrying SCM_RIGHTS and SCM_CREDENTIALS,
// sendmmsg/recvmmsg on datagrams, a bound stream socket with listen/accept4/connect,
// getsockopt/setsockopt, shutdown. Prints derived facts only.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void check(int ok, const char *what) {
    if (!ok) { printf("FAILED %s: %s\n", what, strerror(errno)); exit(1); }
}

static void rights(void) {
    int sv[2];
    check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    int p[2];
    check(pipe(p) == 0, "pipe");
    char data[] = "with two descriptors";
    struct iovec iov[2] = {{data, 5}, {data + 5, sizeof data - 5}};
    union { struct cmsghdr h; char buf[CMSG_SPACE(2 * sizeof(int))]; } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = {0};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(2 * sizeof(int));
    memcpy(CMSG_DATA(c), p, 2 * sizeof(int));
    ssize_t n = sendmsg(sv[0], &msg, 0);
    printf("sendmsg sent %zd bytes\n", n);
    close(p[0]);
    close(p[1]);

    char in[64] = {0};
    struct iovec riov[2] = {{in, 3}, {in + 3, sizeof in - 3}};
    union { struct cmsghdr h; char buf[CMSG_SPACE(4 * sizeof(int))]; } rcontrol;
    struct msghdr r = {0};
    r.msg_iov = riov;
    r.msg_iovlen = 2;
    r.msg_control = rcontrol.buf;
    r.msg_controllen = sizeof rcontrol.buf;
    n = recvmsg(sv[1], &r, MSG_CMSG_CLOEXEC);
    printf("recvmsg got %zd bytes: \"%s\", controllen %zu, flags %d\n", n, in, (size_t)r.msg_controllen, r.msg_flags);
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&r); h; h = CMSG_NXTHDR(&r, h)) {
        printf("cmsg level %d type %d len %zu\n", h->cmsg_level, h->cmsg_type, (size_t)h->cmsg_len);
        if (h->cmsg_type == SCM_RIGHTS) {
            int fds[2];
            memcpy(fds, CMSG_DATA(h), sizeof fds);
            printf("received descriptors are new: %d, close-on-exec: %d\n", fds[0] > sv[1] && fds[1] > sv[1],
                   (fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0);
            check(write(fds[1], "through the passed pipe", 23) == 23, "write passed pipe");
            char b[32] = {0};
            check(read(fds[0], b, sizeof b) == 23, "read passed pipe");
            printf("passed pipe carries: %s\n", b);
            close(fds[0]);
            close(fds[1]);
        }
    }

    // Truncated control: room for one descriptor only.
    check(pipe(p) == 0, "pipe");
    msg.msg_control = control.buf;
    memcpy(CMSG_DATA(c), p, 2 * sizeof(int));
    check(sendmsg(sv[0], &msg, 0) > 0, "sendmsg 2");
    close(p[0]);
    close(p[1]);
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } small;
    r.msg_control = small.buf;
    r.msg_controllen = CMSG_LEN(sizeof(int));
    memset(in, 0, sizeof in);
    n = recvmsg(sv[1], &r, 0);
    printf("truncated: %zd bytes, MSG_CTRUNC %d, controllen %zu\n", n, (r.msg_flags & MSG_CTRUNC) != 0, (size_t)r.msg_controllen);
    struct cmsghdr *h = CMSG_FIRSTHDR(&r);
    if (h && h->cmsg_type == SCM_RIGHTS) { int fd; memcpy(&fd, CMSG_DATA(h), sizeof fd); close(fd); }

    // A bad pointer in the control buffer is EFAULT, not a crash.
    msg.msg_control = (void *)16;
    errno = 0;
    n = sendmsg(sv[0], &msg, 0);
    printf("bad control pointer: %zd %s\n", n, strerror(errno));
    close(sv[0]);
    close(sv[1]);
}

static void credentials(void) {
    int sv[2];
    check(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair dgram");
    int on = 1;
    check(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == 0, "SO_PASSCRED");
    int got = 0;
    socklen_t len = sizeof got;
    check(getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &got, &len) == 0, "getsockopt");
    printf("SO_PASSCRED reads %d (len %u)\n", got, len);
    struct ucred me = {getpid(), getuid(), getgid()};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(struct ucred))]; } control;
    memset(&control, 0, sizeof control);
    char data[] = "credentials";
    struct iovec iov = {data, sizeof data};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof me);
    memcpy(CMSG_DATA(c), &me, sizeof me);
    check(sendmsg(sv[0], &msg, 0) == sizeof data, "sendmsg creds");
    char in[32];
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(struct ucred)) + 64]; } rc;
    struct iovec riov = {in, sizeof in};
    struct msghdr r = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = rc.buf, .msg_controllen = sizeof rc.buf};
    ssize_t n = recvmsg(sv[1], &r, 0);
    struct cmsghdr *h = CMSG_FIRSTHDR(&r);
    struct ucred them;
    memcpy(&them, CMSG_DATA(h), sizeof them);
    printf("got %zd bytes with %s: pid is mine %d, uid %d, gid %d\n", n, h->cmsg_type == SCM_CREDENTIALS ? "SCM_CREDENTIALS" : "?",
           them.pid == getpid(), them.uid == getuid(), them.gid == getgid());

    // A forged pid is refused by the kernel (unless privileged: then it is accepted).
    me.pid = 1;
    memcpy(CMSG_DATA(c), &me, sizeof me);
    errno = 0;
    n = sendmsg(sv[0], &msg, 0);
    printf("forged pid: %s\n", n >= 0 || errno == EPERM ? "consistent" : strerror(errno));
    if (n >= 0) recvmsg(sv[1], &r, 0);

    // sendmmsg / recvmmsg: three datagrams at once.
    struct mmsghdr out[3];
    struct iovec oiov[3];
    char texts[3][16] = {"first", "second one", "third"};
    memset(out, 0, sizeof out);
    for (int i = 0; i < 3; i++) {
        oiov[i].iov_base = texts[i];
        oiov[i].iov_len = strlen(texts[i]);
        out[i].msg_hdr.msg_iov = &oiov[i];
        out[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(sv[0], out, 3, 0);
    printf("sendmmsg: %d, lengths %u %u %u\n", sent, out[0].msg_len, out[1].msg_len, out[2].msg_len);
    struct mmsghdr inm[4];
    struct iovec iiov[4];
    char bufs[4][32];
    memset(inm, 0, sizeof inm);
    memset(bufs, 0, sizeof bufs);
    for (int i = 0; i < 4; i++) {
        iiov[i].iov_base = bufs[i];
        iiov[i].iov_len = sizeof bufs[i];
        inm[i].msg_hdr.msg_iov = &iiov[i];
        inm[i].msg_hdr.msg_iovlen = 1;
    }
    int got3 = recvmmsg(sv[1], inm, 4, MSG_DONTWAIT, NULL);
    printf("recvmmsg: %d:", got3);
    for (int i = 0; i < got3; i++) printf(" [%s %u]", bufs[i], inm[i].msg_len);
    printf("\n");
    close(sv[0]);
    close(sv[1]);
}

static void bound(void) {
    char dir[] = "unixXXXXXX";
    check(mkdtemp(dir) != NULL, "mkdtemp");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s/sock", dir);
    int server = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    check(server >= 0, "socket");
    check(bind(server, (struct sockaddr *)&addr, offsetof(struct sockaddr_un, sun_path) + strlen(addr.sun_path) + 1) == 0, "bind");
    check(listen(server, 4) == 0, "listen");
    struct stat st;
    printf("socket file is a socket: %d\n", stat(addr.sun_path, &st) == 0 && S_ISSOCK(st.st_mode));
    int type = 0;
    socklen_t len = sizeof type;
    check(getsockopt(server, SOL_SOCKET, SO_TYPE, &type, &len) == 0, "SO_TYPE");
    int accepting = 0;
    len = sizeof accepting;
    getsockopt(server, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len);
    printf("SO_TYPE stream %d, accepting %d\n", type == SOCK_STREAM, accepting);

    pid_t child = fork();
    if (child == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        check(connect(c, (struct sockaddr *)&addr, sizeof addr) == 0, "connect");
        write(c, "hello from the child", 20);
        shutdown(c, SHUT_WR);
        char b[64] = {0};
        ssize_t n = read(c, b, sizeof b);
        printf("child read back %zd: %s\n", n, b);
        fflush(stdout);
        _exit(0);
    }
    struct sockaddr_un peer;
    len = sizeof peer;
    int conn = accept4(server, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
    check(conn >= 0, "accept4");
    printf("accepted: peer address length %u, family %d, close-on-exec %d\n", len, peer.sun_family, (fcntl(conn, F_GETFD) & FD_CLOEXEC) != 0);
    struct ucred cred;
    len = sizeof cred;
    check(getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0, "SO_PEERCRED");
    printf("peer credentials: pid is the child %d\n", cred.pid == child);
    char b[64] = {0};
    ssize_t total = 0, n;
    while ((n = read(conn, b + total, sizeof b - 1 - total)) > 0) total += n;
    printf("server read %zd until end: %s\n", total, b);
    for (char *p = b; *p; p++) if (*p >= 'a' && *p <= 'z') *p -= 32;
    write(conn, b, total);
    close(conn);
    int status;
    waitpid(child, &status, 0);
    printf("child exited %d\n", WEXITSTATUS(status));
    struct sockaddr_un self;
    len = sizeof self;
    getsockname(server, (struct sockaddr *)&self, &len);
    printf("getsockname: length %u, path matches %d\n", len, strcmp(self.sun_path, addr.sun_path) == 0);
    close(server);
    unlink(addr.sun_path);
    rmdir(dir);

    // Bad lengths: negative and too long.
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    int r = bind(s, (struct sockaddr *)&addr, (socklen_t)-1);
    printf("bind with length -1: %d %s\n", r, strerror(errno));
    r = connect(s, (struct sockaddr *)&addr, 200);
    printf("connect with length 200: %d %s\n", r, strerror(errno));
    r = connect(s, (struct sockaddr *)8, sizeof addr);
    printf("connect with a bad address: %d %s\n", r, strerror(errno));
    close(s);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    rights();
    credentials();
    bound();
    return 0;
}
