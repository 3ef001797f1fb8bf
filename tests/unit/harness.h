/*
 * harness.h - what unit tests share: temporary folders, free loopback ports,
 * child processes (a real redis-server, the scripted HTTP server
 * tests/tools/httpd.py) started for a test and stopped after it.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <sys/types.h>

/* harness_tmpdir - a new empty folder under /tmp (malloc'd path). */
char	*harness_tmpdir(void);
/* harness_rmtree - remove PATH recursively. */
void	 harness_rmtree(const char *path);
/* harness_free_port - a loopback TCP port nobody listens on right now. */
int	 harness_free_port(void);
/* harness_wait_port - wait up to TIMEOUT_MS for 127.0.0.1:PORT to accept;
 * 0 when it does, -1 otherwise. */
int	 harness_wait_port(int port, int timeout_ms);
/* harness_spawn - fork/exec ARGV (NULL-terminated), stdout/stderr to LOG
 * (NULL: inherit). Returns the pid, or -1. */
pid_t	 harness_spawn(char *const argv[], const char *log);
/* harness_stop - SIGTERM PID, SIGKILL after 5 s, reap it; returns the exit
 * status as waitpid gives it. */
int	 harness_stop(pid_t pid);

/* A redis-server started for a test on a free loopback port. */
struct harness_redis {
	pid_t	 pid;
	int	 port;
	char	*dir;
};
/* harness_redis_start - start redis-server (appendonly, no RDB saves) in a
 * fresh folder, or on PORT when PORT > 0 and DIR given (restart). 0 or -1. */
int	 harness_redis_start(struct harness_redis *r);
/* harness_redis_restart - start again on the same port and folder. */
int	 harness_redis_restart(struct harness_redis *r);
/* harness_redis_kill - SIGKILL (a crash), reaped. */
void	 harness_redis_kill(struct harness_redis *r);
void	 harness_redis_stop(struct harness_redis *r);	/* stop and remove */

#endif
