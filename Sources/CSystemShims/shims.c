#define _GNU_SOURCE
#include <sched.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <linux/nsfs.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/fs.h>
#include <linux/membarrier.h>
#include <time.h>
#include "CSystemShims.h"

int csys_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }
int csys_unshare_net(void) { return unshare(CLONE_NEWNET); }
int csys_unshare_mount(void) { return unshare(CLONE_NEWNS); }
pid_t csys_gettid(void) { return (pid_t)syscall(SYS_gettid); }

long csys_statfs_type(const char *path) {
    struct statfs s;
    if (statfs(path, &s) != 0) return -1;
    return (long)s.f_type;
}

long csys_fstatfs_type(int fd) {
    struct statfs s;
    if (fstatfs(fd, &s) != 0) return -1;
    return (long)s.f_type;
}

long csys_nsfs_magic(void) { return NSFS_MAGIC; }
long csys_proc_magic(void) { return PROC_SUPER_MAGIC; }

int csys_bind_mount(const char *source, const char *target) {
    return mount(source, target, NULL, MS_BIND, NULL);
}

int csys_detach_unmount(const char *target) { return umount2(target, MNT_DETACH); }

int csys_namespace_type(int fd) { return ioctl(fd, NS_GET_NSTYPE); }
int csys_clone_newnet(void) { return CLONE_NEWNET; }

int csys_exchange_names(int from_dir, const char *from, int to_dir, const char *to) {
    return (int)syscall(SYS_renameat2, from_dir, from, to_dir, to, RENAME_EXCHANGE);
}

/* Closes every descriptor but the `count` in `keep`: close_range over the gaps between them. */
static void close_all_but(const int *keep, int count) {
    int sorted[9];
    for (int i = 0; i < count; i++) {
        int j = i;
        for (; j > 0 && sorted[j - 1] > keep[i]; j--) sorted[j] = sorted[j - 1];
        sorted[j] = keep[i];
    }
    unsigned int next = 0;
    for (int i = 0; i <= count; i++) {
        unsigned int last = i < count ? (unsigned int)sorted[i] : ~0U;
        if (i < count && last < next) continue;
        if (last > next && syscall(SYS_close_range, next, last == ~0U ? ~0U : last - 1, 0) != 0) {
            /* Kernels before 5.9: close one by one, up to a bound the plugin never reaches. */
            for (unsigned int fd = next; fd < last && fd < 4096; fd++) close((int)fd);
        }
        next = last + 1;
    }
}

static void send_and_report(int request_fd, const void *request, size_t length, int report) {
    unsigned char reply[4096];
    int status = 0;
    ssize_t received = 0;
    ssize_t sent;
    do { sent = send(request_fd, request, length, 0); } while (sent < 0 && errno == EINTR);
    if (sent < 0) status = errno;
    if (status == 0) {
        do {
            received = recv(request_fd, reply + 4, sizeof reply - 4, 0);
        } while (received < 0 && errno == EINTR);
        if (received < 0) { status = errno; received = 0; }
    }
    memcpy(reply, &status, 4);
    ssize_t written;
    do { written = write(report, reply, (size_t)received + 4); } while (written < 0 && errno == EINTR);
    close(report);
}

/* Waits for `count` RCU grace periods: MEMBARRIER_CMD_GLOBAL returns after synchronize_rcu(). */
static void wait_grace_periods(int count) {
    for (int i = 0; i < count; i++) {
        if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0) continue;
        struct timespec pause = { .tv_sec = 0, .tv_nsec = 20 * 1000 * 1000 };
        while (nanosleep(&pause, &pause) < 0 && errno == EINTR) {}
    }
}

pid_t csys_fork_lingering(const int *kept, int kept_count, int lifeline, int request_fd,
                          const void *request, size_t request_length, int report, int linger_ms,
                          int grace_periods) {
    if (kept_count < 0 || kept_count > 8) { errno = EINVAL; return -1; }
    pid_t pid = fork();
    if (pid != 0) return pid;
    int keep[9];
    for (int i = 0; i < kept_count; i++) keep[i] = kept[i];
    keep[kept_count] = lifeline;
    close_all_but(keep, kept_count + 1);
    if (request_fd >= 0) send_and_report(request_fd, request, request_length, report);
    struct pollfd watch = { .fd = lifeline, .events = POLLIN };
    /* The write end is never written: readable means every holder has exited. */
    while (poll(&watch, 1, linger_ms) < 0 && errno == EINTR) {}
    wait_grace_periods(grace_periods);
    _exit(0);
}
