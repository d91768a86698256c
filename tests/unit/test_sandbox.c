/*
 * Each role's seccomp policy, applied in a forked child: what the role
 * must never do kills it with SIGSYS; what it needs still works.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "test.h"

enum act {
	A_SOCKET_INET, A_SOCKET_UNIX, A_CONNECT, A_EXECVE, A_FORK,
	A_OPEN_WRITE, A_OPEN_RDWR, A_OPEN_CREAT, A_OPEN_READ, A_MMAP_EXEC,
	A_MMAP_RW, A_IOCTL, A_PTRACE, A_SOCKETPAIR, A_SOCKET_UNIX_EACCES,
	A_SOCKET_NETLINK_EACCES, A_SOCKET_PACKET,
};

/* Runs act under the role's policy; returns the wait status. */
static int
run(void (*policy)(void), enum act a)
{
	int status, fd;
	pid_t pid;
	char truepath[] = "/bin/true";
	char *argv[] = { truepath, NULL };
	struct termios t;
	int sv[2];

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		policy();
		switch (a) {
		case A_SOCKET_INET:
			fd = socket(AF_INET, SOCK_STREAM, 0);
			_exit(fd >= 0 ? 0 : 3);
		case A_SOCKET_UNIX:
			fd = socket(AF_UNIX, SOCK_STREAM, 0);
			_exit(fd >= 0 ? 0 : 3);
		case A_SOCKET_UNIX_EACCES:
			/* Refused softly: what glibc's nscd probe sees. */
			fd = socket(AF_UNIX, SOCK_STREAM, 0);
			_exit(fd == -1 && errno == EACCES ? 0 : 3);
		case A_SOCKET_NETLINK_EACCES:
			fd = socket(AF_NETLINK, SOCK_RAW, 0);
			_exit(fd == -1 && errno == EACCES ? 0 : 3);
		case A_SOCKET_PACKET:
			fd = socket(AF_PACKET, SOCK_RAW, 0);
			_exit(fd >= 0 ? 0 : 3);
		case A_SOCKETPAIR:
			_exit(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 ? 0 : 3);
		case A_CONNECT:
			syscall(SYS_connect, -1, NULL, 0);
			_exit(0);
		case A_EXECVE:
			execve(argv[0], argv, NULL);
			_exit(3);
		case A_FORK:
			_exit(fork() >= 0 ? 0 : 3);
		case A_OPEN_WRITE:
			_exit(open("/dev/null", O_WRONLY) >= 0 ? 0 : 3);
		case A_OPEN_RDWR:
			_exit(open("/dev/null", O_RDWR) >= 0 ? 0 : 3);
		case A_OPEN_CREAT:
			_exit(open("/tmp/airlock-sandbox-test",
			    O_RDONLY | O_CREAT, 0600) >= 0 ? 0 : 3);
		case A_OPEN_READ:
			_exit(open("/dev/null", O_RDONLY) >= 0 ? 0 : 3);
		case A_MMAP_EXEC:
			_exit(mmap(NULL, 4096, PROT_READ | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED ?
			    0 : 3);
		case A_MMAP_RW:
			_exit(mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED ?
			    0 : 3);
		case A_IOCTL:
			/* Denied softly: an error, not death. */
			_exit(ioctl(0, TCGETS, &t) == -1 && errno == ENOTTY ?
			    0 : 3);
		case A_PTRACE:
			syscall(SYS_ptrace, 0, 0, 0, 0);
			_exit(0);
		}
		_exit(4);
	}
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	return status;
}

static int
killed(void (*policy)(void), enum act a)
{
	int st = run(policy, a);

	return WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
}

static int
allowed(void (*policy)(void), enum act a)
{
	int st = run(policy, a);

	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void
test_worker_forbidden(void)
{
	CHECK(killed(sandbox_worker, A_SOCKET_INET));
	CHECK(killed(sandbox_worker, A_SOCKET_UNIX));
	CHECK(killed(sandbox_worker, A_SOCKETPAIR));
	CHECK(killed(sandbox_worker, A_CONNECT));
	CHECK(killed(sandbox_worker, A_EXECVE));
	CHECK(killed(sandbox_worker, A_FORK));
	CHECK(killed(sandbox_worker, A_OPEN_WRITE));
	CHECK(killed(sandbox_worker, A_OPEN_RDWR));
	CHECK(killed(sandbox_worker, A_OPEN_CREAT));
	CHECK(killed(sandbox_worker, A_MMAP_EXEC));
	CHECK(killed(sandbox_worker, A_PTRACE));
}

static void
test_worker_allowed(void)
{
	CHECK(allowed(sandbox_worker, A_OPEN_READ));
	CHECK(allowed(sandbox_worker, A_MMAP_RW));
	CHECK(allowed(sandbox_worker, A_IOCTL));
}

static void
test_auth_forbidden(void)
{
	CHECK(killed(sandbox_auth, A_SOCKET_INET));
	CHECK(killed(sandbox_auth, A_SOCKET_UNIX));
	CHECK(killed(sandbox_auth, A_CONNECT));
	CHECK(killed(sandbox_auth, A_EXECVE));
	CHECK(killed(sandbox_auth, A_FORK));
	CHECK(killed(sandbox_auth, A_MMAP_EXEC));
	CHECK(killed(sandbox_auth, A_PTRACE));
}

static void
test_auth_allowed(void)
{
	/* SQLite writes its files. */
	CHECK(allowed(sandbox_auth, A_OPEN_RDWR));
	CHECK(allowed(sandbox_auth, A_OPEN_READ));
	CHECK(allowed(sandbox_auth, A_IOCTL));
	unlink("/tmp/airlock-sandbox-test");
}

static void
test_sync_forbidden(void)
{
	CHECK(killed(sandbox_sync, A_EXECVE));
	CHECK(killed(sandbox_sync, A_FORK));
	CHECK(killed(sandbox_sync, A_SOCKET_PACKET));
	CHECK(killed(sandbox_sync, A_MMAP_EXEC));
	CHECK(killed(sandbox_sync, A_PTRACE));
}

static void
test_sync_allowed(void)
{
	/* The one role with a network. */
	CHECK(allowed(sandbox_sync, A_SOCKET_INET));
	/* An anonymous pair reaches nothing; libcurl wakes itself with it. */
	CHECK(allowed(sandbox_sync, A_SOCKETPAIR));
	/* getaddrinfo's nscd and AI_ADDRCONFIG probes fail, not kill. */
	CHECK(allowed(sandbox_sync, A_SOCKET_UNIX_EACCES));
	CHECK(allowed(sandbox_sync, A_SOCKET_NETLINK_EACCES));
	CHECK(allowed(sandbox_sync, A_OPEN_RDWR));
}

/* The key holder: no network, no files at all (open fails softly). */
static void
test_keys_forbidden(void)
{
	CHECK(killed(sandbox_keys, A_SOCKET_INET));
	CHECK(killed(sandbox_keys, A_SOCKET_UNIX));
	CHECK(killed(sandbox_keys, A_SOCKETPAIR));
	CHECK(killed(sandbox_keys, A_CONNECT));
	CHECK(killed(sandbox_keys, A_EXECVE));
	CHECK(killed(sandbox_keys, A_FORK));
	CHECK(killed(sandbox_keys, A_MMAP_EXEC));
	CHECK(killed(sandbox_keys, A_PTRACE));
	CHECK(!allowed(sandbox_keys, A_OPEN_READ));
	CHECK(!allowed(sandbox_keys, A_OPEN_RDWR));
	CHECK(allowed(sandbox_keys, A_MMAP_RW));
}

int
main(void)
{
	log_init("test", LOG_LVL_ERROR);
	RUN(test_worker_forbidden);
	RUN(test_worker_allowed);
	RUN(test_auth_forbidden);
	RUN(test_auth_allowed);
	RUN(test_sync_forbidden);
	RUN(test_sync_allowed);
	RUN(test_keys_forbidden);
	TEST_EXIT();
}
