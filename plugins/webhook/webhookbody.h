/*
 * webhookbody.h - what the webhook connector makes of a POSTed body, apart
 * from HTTP and signatures, so that mentionctl parse and the fuzzer run the
 * very code the listener runs.
 */
#ifndef WEBHOOKBODY_H
#define WEBHOOKBODY_H

#include <stddef.h>

#include "mentiond/plugin.h"

#include "jsonmap.h"

/* Called once per mention of a body; return 0 to go on, -1 to stop. */
typedef int	(*webhook_body_fn)(void *arg, const struct md_mention *m);

/* webhook_body - BODY (LEN bytes) as one mention object or an array of them
 * (or, with MAP's items path, a document holding them), mapped with MAP.
 * All or nothing: FN is called for each item, in order, only once every
 * item has mapped. Returns the number of items; or -1 with *cause
 * (malloc'd), the reason for a 400: where the JSON broke, or which item
 * lacks what. */
int		 webhook_body(const struct jsonmap *map, const char *body,
		    size_t len, webhook_body_fn fn, void *arg, char **cause);

/* webhook_json_type - whether the Content-Type TYPE is JSON:
 * application/json or application/...+json, any parameters. */
int		 webhook_json_type(const char *type);

#endif
