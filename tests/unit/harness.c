/*
 * harness.c - temporary folders, ports and child processes for unit tests.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

char *
harness_tmpdir(void)
{
	char tmpl[] = "/tmp/mentiond-test-XXXXXX";

	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		abort();
	}
	return strdup(tmpl);
}

static int
harness_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

void
harness_rmtree(const char *path)
{
	if (path != NULL)
		nftw(path, harness_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
harness_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		perror("harness_free_port");
		abort();
	}
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

int
harness_wait_port(int port, int timeout_ms)
{
	struct sockaddr_in sin;
	int i, fd, ok;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	for (i = 0; i < timeout_ms / 10; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
		close(fd);
		if (ok)
			return 0;
		usleep(10000);
	}
	return -1;
}

pid_t
harness_spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();
	int fd;

	if (pid != 0)
		return pid;
	if (log != NULL) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
	}
	execvp(argv[0], argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int
harness_stop(pid_t pid)
{
	int i, status = 0;

	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	for (i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

int
harness_redis_start(struct harness_redis *r)
{
	char port[16], log[512];

	if (r->dir == NULL)
		r->dir = harness_tmpdir();
	if (r->port <= 0)
		r->port = harness_free_port();
	snprintf(port, sizeof(port), "%d", r->port);
	snprintf(log, sizeof(log), "%s/redis.log", r->dir);
	char *const argv[] = {
		"redis-server", "--port", port, "--bind", "127.0.0.1",
		"--dir", r->dir, "--save", "", "--appendonly", "yes",
		"--appendfsync", "always", "--daemonize", "no", NULL
	};
	r->pid = harness_spawn(argv, log);
	if (r->pid == -1 || harness_wait_port(r->port, 5000) == -1) {
		fprintf(stderr, "redis-server did not start on port %d (see %s)\n",
		    r->port, log);
		return -1;
	}
	return 0;
}

int
harness_redis_restart(struct harness_redis *r)
{
	return harness_redis_start(r);
}

void
harness_redis_kill(struct harness_redis *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		r->pid = -1;
	}
}

void
harness_redis_stop(struct harness_redis *r)
{
	if (r->pid > 0)
		harness_stop(r->pid);
	r->pid = -1;
	harness_rmtree(r->dir);
	free(r->dir);
	r->dir = NULL;
}
