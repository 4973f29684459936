/*
 * The system calls on a virtual device node, interposed by name: open and
 * openat (and glibc's fortified and 64-bit names for them), fstat (libfido2
 * insists on a character device), ioctl for the hidraw requests, close.
 * read, write, poll and ppoll are not interposed: they work on the socket.
 * Every other path and descriptor goes straight to the C library.
 *
 * Not the build's configuration header: its large-file and fortify settings would
 * rename or wrap the very functions this file defines.
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/hidraw.h>
#include <linux/input.h>

#include "hidshim.h"

#define HIDRAW_MAJOR 243   /* what the kernel's dynamic major usually is */
#define MAX_OPEN 256
#define CLOSE_WAIT_MS 2000  /* how long close waits for the device to read what it was sent */

/* Descriptors of virtual devices: the program's end, and which device. */
static struct {
	int fd;
	size_t idx;
	pid_t pid;   /* the process that opened it: the one whose thread serves it */
} opened[MAX_OPEN];
static size_t n_opened;
static pthread_mutex_t opened_mu = PTHREAD_MUTEX_INITIALIZER;

static void *real(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static int tracked(int fd, size_t *idx)
{
	int found = 0;

	pthread_mutex_lock(&opened_mu);
	for (size_t i = 0; i < n_opened && !found; i++)
		if (opened[i].fd == fd) {
			*idx = opened[i].idx;
			found = 1;
		}
	pthread_mutex_unlock(&opened_mu);
	return found;
}

static int track(int fd, size_t idx)
{
	int ok = 0;

	pthread_mutex_lock(&opened_mu);
	if (n_opened < MAX_OPEN) {
		opened[n_opened].fd = fd;
		opened[n_opened].pid = getpid();
		opened[n_opened++].idx = idx;
		ok = 1;
	}
	pthread_mutex_unlock(&opened_mu);
	return ok;
}

/* Forget fd; true if this process opened it (its server thread is here). */
static int untrack(int fd)
{
	int own = 0;

	pthread_mutex_lock(&opened_mu);
	for (size_t i = 0; i < n_opened; i++)
		if (opened[i].fd == fd) {
			own = opened[i].pid == getpid();
			opened[i] = opened[--n_opened];
			break;
		}
	pthread_mutex_unlock(&opened_mu);
	return own;
}

/* A plugged-in device: the program's end of a new socket pair. */
static int virtual_open(size_t idx, int flags)
{
	int (*real_close)(int) = real("close");
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	if ((!(flags & O_CLOEXEC) && fcntl(sv[0], F_SETFD, 0) != 0) ||
	    ((flags & O_NONBLOCK) && fcntl(sv[0], F_SETFL, O_NONBLOCK) != 0) ||
	    !track(sv[0], idx))
		goto fail;
	if (!hidshim_serve(idx, sv[1])) {
		(void)untrack(sv[0]);
		real_close(sv[0]);
		errno = ENXIO;  /* as a node whose device just went away */
		return -1;
	}
	return sv[0];
fail:
	real_close(sv[0]);
	real_close(sv[1]);
	errno = EMFILE;
	return -1;
}

/* glibc's names for open and openat under _FORTIFY_SOURCE (its fortified fcntl header). */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);

static int mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, int) : 0;
}

#define NO_DIRFD INT_MIN   /* open(), not openat(); AT_FDCWD is a real value */

/* A virtual device node, or the C library's function name for every other path. */
static int open_any(const char *name, int dirfd, const char *path, int flags, int mode)
{
	int i = hidshim_index(path, HIDSHIM_DEVNODE_PREFIX);

	if (i >= 0)   /* an absolute path: dirfd does not matter */
		return virtual_open((size_t)i, flags);
	if (dirfd == NO_DIRFD)
		return ((int (*)(const char *, int, ...))real(name))(path, flags, mode);
	return ((int (*)(int, const char *, int, ...))real(name))(dirfd, path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return open_any("open", NO_DIRFD, path, flags, mode);
}

int __open_2(const char *path, int flags)
{
	return open_any("__open_2", NO_DIRFD, path, flags, 0);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return open_any("openat", dirfd, path, flags, mode);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	return open_any("__openat_2", dirfd, path, flags, 0);
}

/*
 * The 64-bit names are the same functions where off_t is 64 bits already,
 * as in glibc on every 64-bit target.
 */
_Static_assert(sizeof(off_t) == 8, "the shim's open64 is open: 64-bit off_t only");
int open64(const char *path, int flags, ...) __attribute__((alias("open")));
int __open64_2(const char *path, int flags) __attribute__((alias("__open_2")));
int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

/* A hidraw node: a character device, crw------- root. */
static void fake_stat(size_t idx, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR | 0600;
	st->st_rdev = makedev(HIDRAW_MAJOR, (unsigned)idx);
	st->st_nlink = 1;
	st->st_blksize = 4096;
}

int fstat(int fd, struct stat *st)
{
	int (*f)(int, struct stat *) = real("fstat");
	size_t idx;

	if (tracked(fd, &idx)) {
		fake_stat(idx, st);
		return 0;
	}
	return f(fd, st);
}

int fstat64(int fd, struct stat64 *st)
{
	int (*f)(int, struct stat64 *) = real("fstat64");
	size_t idx;

	if (tracked(fd, &idx)) {
		fake_stat(idx, (struct stat *)st);
		return 0;
	}
	return f(fd, st);
}

static int hid_ioctl(size_t idx, unsigned long req, void *arg)
{
	const struct hidshim_config *c = hidshim_config();
	struct hidraw_report_descriptor *hrd = arg;
	struct hidraw_devinfo *info = arg;
	const unsigned char *d;
	size_t len;

	d = hidshim_rdesc(c->dev[idx].mode, &len);
	if (arg == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (req == HIDIOCGRDESCSIZE) {
		*(int *)arg = (int)len;
		return 0;
	}
	if (req == HIDIOCGRDESC) {
		if (hrd->size > HID_MAX_DESCRIPTOR_SIZE) {
			errno = EINVAL;
			return -1;
		}
		/* As the kernel does: at most what was asked for and what there is. */
		memcpy(hrd->value, d, hrd->size < len ? hrd->size : len);
		return 0;
	}
	if (req == HIDIOCGRAWINFO) {
		info->bustype = BUS_USB;
		info->vendor = 0x1050;
		info->product = 0x0407;
		return 0;
	}
	errno = EINVAL;
	return -1;
}

int ioctl(int fd, unsigned long req, ...)
{
	int (*f)(int, unsigned long, void *) = real("ioctl");
	void *arg;
	size_t idx;
	va_list ap;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (tracked(fd, &idx))
		return hid_ioctl(idx, req, arg);
	return f(fd, req, arg);
}

/*
 * A real key has read every report written to it before the node closes
 * (a CANCEL sent just before close included); the server thread may not
 * have, and a process that exits next would kill it first. So end our
 * side, then wait (bounded) until the server has read all and hung up.
 */
static void wait_device_done(int fd)
{
	unsigned char sink[128];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (shutdown(fd, SHUT_WR) != 0)
		return;
	while (poll(&p, 1, CLOSE_WAIT_MS) > 0 && recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
}

int close(int fd)
{
	int (*f)(int) = real("close");

	if (untrack(fd))  /* the server sees the end of its socket and stops */
		wait_device_done(fd);
	return f(fd);
}
