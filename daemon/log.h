/*
 * log.h - the daemon's log: one line per event on stderr, each naming the
 * subsystem or source it is about. When stderr is the journal (JOURNAL_STREAM
 * matches it) lines carry sd-daemon "<N>" priority prefixes and no timestamp;
 * otherwise an ISO 8601 local timestamp and the level name lead the line.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <syslog.h>

/* log_init - decide the line format from the environment; LEVEL is the highest
 * syslog level printed (LOG_INFO by default). */
void	log_init(int level);
/* log_set_level - change the highest level printed (config reload, -v). */
void	log_set_level(int level);
int	log_get_level(void);
/* log_level_parse - "debug", "info", "notice", "warning", "error" to a level,
 * or -1. */
int	log_level_parse(const char *name);
/* log_msg - print one line about SUBSYS (e.g. "redis", "source feeds"). */
void	log_msg(int level, const char *subsys, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	log_vmsg(int level, const char *subsys, const char *fmt, va_list ap)
	    __attribute__((format(printf, 3, 0)));

#define log_err(s, ...)		log_msg(LOG_ERR, s, __VA_ARGS__)
#define log_warn(s, ...)	log_msg(LOG_WARNING, s, __VA_ARGS__)
#define log_notice(s, ...)	log_msg(LOG_NOTICE, s, __VA_ARGS__)
#define log_info(s, ...)	log_msg(LOG_INFO, s, __VA_ARGS__)
#define log_debug(s, ...)	log_msg(LOG_DEBUG, s, __VA_ARGS__)

#endif
