/*
 * localredis.c - start and stop a private redis-server (see localredis.h).
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "localredis.h"
#include "log.h"
#include "xmalloc.h"

struct localredis {
	pid_t	 pid;
	char	*sock;
	char	*url;
};

/* Can we connect to the unix socket PATH yet? */
static int
localredis_accepts(const char *path)
{
	struct sockaddr_un sun;
	int fd, ok;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

struct localredis *
localredis_start(const char *dir, char **cause)
{
	struct localredis *lr;
	char *log;
	int fd, status, i;

	lr = xcalloc(1, sizeof(*lr));
	lr->sock = xasprintf("%s/redis.sock", dir);
	lr->url = xasprintf("unix://%s", lr->sock);
	log = xasprintf("%s/redis.log", dir);
	unlink(lr->sock);
	lr->pid = fork();
	if (lr->pid == -1) {
		*cause = xasprintf("fork: %s", strerror(errno));
		goto fail;
	}
	if (lr->pid == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0640)) != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execlp("redis-server", "redis-server", "--port", "0",
		    "--unixsocket", lr->sock, "--unixsocketperm", "700",
		    "--dir", dir, "--save", "", "--appendonly", "no",
		    "--daemonize", "no", (char *)NULL);
		_exit(127);
	}
	/* Bounded wait: 5 s for the socket to accept. */
	for (i = 0; i < 500; i++) {
		if (localredis_accepts(lr->sock))
			goto ok;
		if (waitpid(lr->pid, &status, WNOHANG) == lr->pid) {
			lr->pid = -1;
			*cause = xstrdup(WIFEXITED(status) &&
			    WEXITSTATUS(status) == 127 ?
			    "redis-server not found: install it "
			    "(apt-get install redis-server) or set [redis] url" :
			    "redis-server exited at start");
			goto fail;
		}
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	*cause = xasprintf("redis-server did not accept on %s within 5 s (see %s)",
	    lr->sock, log);
	goto fail;
ok:
	log_info("redis", "private redis-server (pid %d) on %s, log %s",
	    (int)lr->pid, lr->url, log);
	free(log);
	return lr;
fail:
	free(log);
	localredis_stop(lr);
	return NULL;
}

const char *
localredis_url(const struct localredis *lr)
{
	return lr->url;
}

void
localredis_stop(struct localredis *lr)
{
	int i;

	if (lr == NULL)
		return;
	if (lr->pid > 0) {
		kill(lr->pid, SIGTERM);
		for (i = 0; i < 300; i++) {
			if (waitpid(lr->pid, NULL, WNOHANG) == lr->pid)
				break;
			nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
		}
		if (i == 300) {
			kill(lr->pid, SIGKILL);
			waitpid(lr->pid, NULL, 0);
		}
	}
	if (lr->sock != NULL)
		unlink(lr->sock);
	free(lr->sock);
	free(lr->url);
	free(lr);
}
