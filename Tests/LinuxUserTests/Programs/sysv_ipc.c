// System V IPC: a shared memory segment attached twice (read-write and read-only), shared
// with a forked child, at a chosen address (SHM_RND, SHM_REMAP), detached, seen in
// /proc/self/maps, removed while attached; a semaphore set and a message queue. Prints
// derived facts only.
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void check(int ok, const char *what) {
    if (!ok) { printf("FAILED %s: %s\n", what, strerror(errno)); exit(1); }
}

static void result(const char *what, long r) {
    if (r < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else printf("%s: %ld\n", what, r);
}

static int attachments(int id) {
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) != 0) return -errno;
    return (int)ds.shm_nattch;
}

/// The permissions and length of the /proc/self/maps line starting at `p`.
static int segmentId;

static void showMapping(const char *label, const void *p) {
    FILE *maps = fopen("/proc/self/maps", "r");
    check(maps != NULL, "maps");
    char line[512];
    while (fgets(line, sizeof line, maps)) {
        unsigned long start, end;
        char permissions[8];
        unsigned long inode;
        if (sscanf(line, "%lx-%lx %7s %*x %*s %lu", &start, &end, permissions, &inode) == 4 && start == (uintptr_t)p) {
            const char *name = strstr(line, "/SYSV");
            printf("%s: %s, %lu bytes, named SYSV %d, deleted %d, inode is the id %d\n", label, permissions, end - start,
                   name != NULL, strstr(line, "(deleted)") != NULL, inode == (unsigned long)segmentId);
            fclose(maps);
            return;
        }
    }
    printf("%s: not in maps\n", label);
    fclose(maps);
}

static sigjmp_buf recover;
static void onSegv(int sig) { siglongjmp(recover, sig); }

static void sharedMemory(void) {
    int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
    check(id >= 0, "shmget");
    segmentId = id;
    struct shmid_ds ds;
    check(shmctl(id, IPC_STAT, &ds) == 0, "IPC_STAT");
    printf("segment: size %zu, mode %o, attached %d, creator is me %d\n", ds.shm_segsz, ds.shm_perm.mode & 0777,
           (int)ds.shm_nattch, ds.shm_cpid == getpid());

    char *p = shmat(id, NULL, 0);
    check(p != (void *)-1, "shmat");
    char *q = shmat(id, NULL, SHM_RDONLY);
    check(q != (void *)-1, "shmat read-only");
    printf("attached twice: %d, distinct %d, page aligned %d\n", attachments(id), p != q, ((uintptr_t)p & 4095) == 0);
    printf("fresh segment reads zero: %d\n", p[0] == 0 && p[9999] == 0 && p[12287] == 0);
    strcpy(p, "through the first attachment");
    printf("second sees: %s\n", q);
    showMapping("read-write attachment", p);
    showMapping("read-only attachment", q);

    signal(SIGSEGV, onSegv);
    int sig = sigsetjmp(recover, 1);
    if (sig == 0) {
        q[0] = 'X';
        printf("write to the read-only attachment: allowed\n");
    } else {
        printf("write to the read-only attachment: %s\n", sigabbrev_np(sig));
    }
    signal(SIGSEGV, SIG_DFL);

    pid_t child = fork();
    if (child == 0) {
        strcpy(p + 100, "from the child");
        _exit(attachments(id));
    }
    int status;
    waitpid(child, &status, 0);
    printf("child saw %d attachments, wrote: %s; after its exit %d\n", WEXITSTATUS(status), q + 100, attachments(id));

    // A chosen address: a free range found with mmap, then given back.
    char *range = mmap(NULL, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(range != MAP_FAILED, "mmap");
    munmap(range, 1 << 20);
    char *at = shmat(id, range + 8192, 0);
    printf("at the address asked: %d, contents shared %d\n", at == range + 8192, at != (void *)-1 && strcmp(at, p) == 0);
    errno = 0;
    result("unaligned without SHM_RND", (long)shmat(id, range + 8192 + 100, 0) == -1 ? -1 : 0);
    char *rounded = shmat(id, range + 65536 + 100, SHM_RND);
    printf("unaligned with SHM_RND: rounded down %d\n", rounded == range + 65536);
    result("over an attachment without SHM_REMAP", (long)shmat(id, range + 65536, 0) == -1 ? -1 : 0);
    char *remapped = shmat(id, range + 65536, SHM_REMAP);
    printf("over it with SHM_REMAP: %d, attachments %d\n", remapped == range + 65536, attachments(id));
    result("SHM_REMAP without an address", (long)shmat(id, NULL, SHM_REMAP) == -1 ? -1 : 0);

    // Detaching: at the start of an attachment only.
    result("shmdt inside an attachment", shmdt(at + 4096));
    result("shmdt unaligned", shmdt(at + 1));
    result("shmdt", shmdt(at));
    result("shmdt again", shmdt(at));
    printf("attachments: %d\n", attachments(id));
    // mprotect splits an attachment; shmdt takes all of it; munmap detaches too.
    check(mprotect(rounded, 4096, PROT_READ) == 0, "mprotect");
    result("shmdt after mprotect", shmdt(rounded));
    showMapping("after shmdt", rounded);
    check(munmap(q, 12288) == 0, "munmap");
    printf("after munmap of the read-only one: %d\n", attachments(id));

    // Removed while attached: the memory stays until the last detach.
    check(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID");
    check(shmctl(id, IPC_STAT, &ds) == 0, "IPC_STAT after IPC_RMID");
    printf("removed while attached: marked %d, still readable: %s\n", (ds.shm_perm.mode & SHM_DEST) != 0, p);
    result("shmdt the last", shmdt(p));
    result("IPC_STAT once gone", shmctl(id, IPC_STAT, &ds));
    result("shmat once gone", (long)shmat(id, NULL, 0) == -1 ? -1 : 0);
    result("shmget size 0 for a new private", shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600));
    struct shminfo info;
    printf("IPC_INFO: index %d\n", shmctl(0, IPC_INFO, (struct shmid_ds *)&info) >= 0);
    result("IPC_STAT to a bad pointer", shmctl(id, IPC_STAT, (struct shmid_ds *)8));
}

static void semaphores(void) {
    int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    check(id >= 0, "semget");
    unsigned short values[3] = {1, 2, 3}, read[3] = {0};
    result("SETALL", semctl(id, 0, SETALL, values));
    result("GETALL", semctl(id, 0, GETALL, read));
    printf("  values %u %u %u\n", read[0], read[1], read[2]);
    struct sembuf operations[2] = {{0, -1, 0}, {2, 2, 0}};
    result("semop", semop(id, operations, 2));
    result("GETVAL 0", semctl(id, 0, GETVAL));
    result("GETVAL 2", semctl(id, 2, GETVAL));
    result("SETVAL 1", semctl(id, 1, SETVAL, 7));
    result("GETVAL 1", semctl(id, 1, GETVAL));
    result("GETPID is me", semctl(id, 0, GETPID) == getpid());
    struct sembuf take = {0, -1, IPC_NOWAIT};
    result("semop would block", semop(id, &take, 1));
    take.sem_flg = 0;
    struct timespec wait = {0, 10000000};
    result("semtimedop times out", semtimedop(id, &take, 1, &wait));
    struct semid_ds ds;
    result("IPC_STAT", semctl(id, 0, IPC_STAT, &ds));
    printf("  nsems %lu mode %o\n", (unsigned long)ds.sem_nsems, ds.sem_perm.mode & 0777);
    result("semop on a bad number", semop(id, &(struct sembuf){5, 1, 0}, 1));
    result("IPC_RMID", semctl(id, 0, IPC_RMID));
    result("semop once removed", semop(id, operations, 1));
}

struct message {
    long type;
    char text[32];
};

static void messages(void) {
    int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    check(id >= 0, "msgget");
    struct message m = {2, "second type"};
    result("msgsnd type 2", msgsnd(id, &m, strlen(m.text) + 1, 0));
    m.type = 1;
    strcpy(m.text, "first type");
    result("msgsnd type 1", msgsnd(id, &m, strlen(m.text) + 1, 0));
    struct msqid_ds ds;
    result("IPC_STAT", msgctl(id, IPC_STAT, &ds));
    printf("  messages %lu bytes %lu\n", (unsigned long)ds.msg_qnum, (unsigned long)ds.msg_cbytes);
    memset(&m, 0, sizeof m);
    result("msgrcv type 1", msgrcv(id, &m, sizeof m.text, 1, 0));
    printf("  %ld: %s\n", m.type, m.text);
    result("msgrcv any", msgrcv(id, &m, sizeof m.text, 0, 0));
    printf("  %ld: %s\n", m.type, m.text);
    result("msgrcv empty", msgrcv(id, &m, sizeof m.text, 0, IPC_NOWAIT));
    m.type = 3;
    result("msgsnd too small a buffer later", msgsnd(id, &m, 20, 0));
    result("msgrcv too long", msgrcv(id, &m, 4, 0, IPC_NOWAIT));
    result("msgrcv truncated", msgrcv(id, &m, 4, 0, IPC_NOWAIT | MSG_NOERROR));
    result("msgsnd type 0", msgsnd(id, &m, 4, 0));
    result("IPC_RMID", msgctl(id, IPC_RMID, NULL));
    result("msgsnd once removed", msgsnd(id, &m, 4, 0));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    sharedMemory();
    semaphores();
    messages();
    return 0;
}
