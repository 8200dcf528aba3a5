#define _GNU_SOURCE
#include <sched.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <linux/nsfs.h>
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
