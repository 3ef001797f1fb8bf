/*
 * ctl.h - mentionctl's subcommands that live in their own files; each takes
 * the arguments after the subcommand name's position (argv[0] is the
 * subcommand) and returns the exit status.
 */
#ifndef CTL_H
#define CTL_H

/* ctl_classify_main - `mentionctl classify` (ctl_classify.c). */
int	ctl_classify_main(int argc, char **argv);
/* ctl_dedup_main - `mentionctl dedup` (ctl_dedup.c). */
int	ctl_dedup_main(int argc, char **argv);
/* ctl_parse_main - `mentionctl parse` (ctl_parse.c). */
int	ctl_parse_main(int argc, char **argv);
/* ctl_match_main - `mentionctl match` (ctl_match.c). */
int	ctl_match_main(int argc, char **argv);

#endif
