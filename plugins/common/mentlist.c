/*
 * mentlist.c - the mentions a job gathered, to be emitted oldest first (see
 * mentlist.h).
 */
/* strdup(3) and reallocarray(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdlib.h>
#include <string.h>

#include "mentlist.h"
#include "strbuf.h"

/* Free the strings of a kept mention. */
static void
mentlist_item_free(struct mentlist_item *it)
{
	free((char *)it->m.id);
	free((char *)it->m.url);
	free((char *)it->m.author_handle);
	free((char *)it->m.author_name);
	free((char *)it->m.title);
	free((char *)it->m.text);
	free((char *)it->m.lang);
}

/* Append a copy of M with KEY. */
int
mentlist_add(struct mentlist *l, const struct md_mention *m, int64_t key)
{
	struct mentlist_item *c, *v;
	size_t n;
	int bad = 0;

	if (l->n == l->cap) {
		n = l->cap == 0 ? 64 : l->cap * 2;
		if ((v = reallocarray(l->v, n, sizeof *v)) == NULL)
			return -1;
		l->v = v;
		l->cap = n;
	}
	c = &l->v[l->n];
	c->m = *m;
	c->key = key;
	c->m.id = strbuf_dup(m->id, &bad);
	c->m.url = strbuf_dup(m->url, &bad);
	c->m.author_handle = strbuf_dup(m->author_handle, &bad);
	c->m.author_name = strbuf_dup(m->author_name, &bad);
	c->m.title = strbuf_dup(m->title, &bad);
	c->m.text = strbuf_dup(m->text, &bad);
	c->m.lang = strbuf_dup(m->lang, &bad);
	if (bad) {
		mentlist_item_free(c);
		return -1;
	}
	l->n++;
	return 0;
}

/* Is a mention with id ID kept? */
int
mentlist_has(const struct mentlist *l, const char *id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].m.id, id) == 0)
			return 1;
	return 0;
}

/* Order kept mentions by key, highest first; of equal keys, the one added
 * last first (the last of the list is emitted first). */
static int
mentlist_cmp(const void *a, const void *b)
{
	const struct mentlist_item *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

/* Sort the list, highest key first, keeping the order of equal keys. */
void
mentlist_sort(struct mentlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		l->v[i].seq = i;
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, mentlist_cmp);
}

/* The last mention, or NULL. */
struct mentlist_item *
mentlist_last(struct mentlist *l)
{
	return l->n > 0 ? &l->v[l->n - 1] : NULL;
}

/* Forget the last mention. */
void
mentlist_drop_last(struct mentlist *l)
{
	if (l->n > 0)
		mentlist_item_free(&l->v[--l->n]);
}

/* Forget every mention. */
void
mentlist_clear(struct mentlist *l)
{
	while (l->n > 0)
		mentlist_item_free(&l->v[--l->n]);
}

/* Forget every mention and the array. */
void
mentlist_free(struct mentlist *l)
{
	mentlist_clear(l);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}
