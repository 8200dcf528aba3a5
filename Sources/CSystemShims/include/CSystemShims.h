#ifndef CSYSTEMSHIMS_H
#define CSYSTEMSHIMS_H

#include <sys/types.h>

/// setns(fd, CLONE_NEWNET). Glibc hides setns behind _GNU_SOURCE, which Swift's Glibc module lacks.
int csys_setns_net(int fd);
/// unshare(CLONE_NEWNET).
int csys_unshare_net(void);
/// unshare(CLONE_NEWNS) — a private mount namespace for test helpers.
int csys_unshare_mount(void);
/// gettid(2); `syscall` is variadic and unavailable from Swift.
pid_t csys_gettid(void);
/// The f_type of statfs(2) on `path`, or -1 with errno set.
long csys_statfs_type(const char *path);
/// The f_type of fstatfs(2) on `fd`, or -1 with errno set.
long csys_fstatfs_type(int fd);
/// NSFS_MAGIC and PROC_SUPER_MAGIC, which come from <linux/magic.h>.
long csys_nsfs_magic(void);
long csys_proc_magic(void);
/// mount(source, target, NULL, MS_BIND, NULL): publishes a namespace file (test helpers).
int csys_bind_mount(const char *source, const char *target);
/// umount2(target, MNT_DETACH).
int csys_detach_unmount(const char *target);
/// ioctl(fd, NS_GET_NSTYPE): the CLONE_NEW* type of a namespace fd, or -1 with errno set.
int csys_namespace_type(int fd);
/// CLONE_NEWNET, which Swift's Glibc module does not expose without _GNU_SOURCE.
int csys_clone_newnet(void);
/// renameat2(..., RENAME_EXCHANGE): swaps two names atomically; -1 with errno set (EINVAL where
/// the file system cannot exchange, ENOENT when either name is missing).
int csys_exchange_names(int from_dir, const char *from, int to_dir, const char *to);
/// Forks a child that outlives the caller; see `LingeringChild` in LinuxSupport. The child keeps
/// open only the `kept_count` (at most 8) descriptors of `kept` and `lifeline`. When `request_fd`
/// is not -1 (it must be among `kept`), the child sends the `request_length` bytes of `request`
/// on it, receives one datagram, and writes to `report` (also among `kept`) a 4-byte errno, 0 on
/// success, followed by up to 4,092 bytes of that datagram; then it closes `report`. It then
/// waits until `lifeline` reads end-of-file, or `linger_ms` passed, then for `grace_periods` RCU
/// grace periods (`membarrier(MEMBARRIER_CMD_GLOBAL)`, or 20 ms each where that fails), and exits.
/// Returns the child's pid, or -1 with errno set. Only async-signal-safe calls run in the child.
pid_t csys_fork_lingering(const int *kept, int kept_count, int lifeline, int request_fd,
                          const void *request, size_t request_length, int report, int linger_ms,
                          int grace_periods);

#endif
