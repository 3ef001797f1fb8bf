/*
 * jsonmap.c - the generic connectors' field mapping (see jsonmap.h): paths
 * compiled once from the settings, looked up in each item, values turned
 * into mention fields (ids and counts from strings or numbers, times from
 * numbers or dates, links resolved), and JSON errors told with their place.
 * Nothing here trusts the document: a missing member, a wrong type or a
 * huge number just leaves that field unknown.
 */
/* strdup(3), strndup(3) under -std=c11. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "jsonmap.h"
#include "langtag.h"
#include "ptime.h"
#include "strbuf.h"

#define JSONMAP_QUIET_EVERY	60	/* seconds between repeated warnings */

/* The setting names of the fields, for messages. */
static const char *const jsonmap_names[JSONMAP_NFIELDS] = {
	"id", "link", "title", "text", "author", "author_name", "published",
	"lang", "score", "replies", "reposts"
};

/* Free path P's names. */
static void
jsonmap_path_clear(struct jsonmap_path *p)
{
	size_t i;

	for (i = 0; i < p->nseg; i++)
		free(p->seg[i]);
	free(p->seg);
	p->seg = NULL;
	p->nseg = 0;
}

/* Append name S (LEN bytes, escapes already removed) to P; -1 when out of
 * memory. */
static int
jsonmap_path_add(struct jsonmap_path *p, const char *s, size_t len)
{
	char **seg;

	if ((seg = realloc(p->seg, (p->nseg + 1) * sizeof(*seg))) == NULL)
		return -1;
	p->seg = seg;
	if ((seg[p->nseg] = strndup(s, len)) == NULL)
		return -1;
	p->nseg++;
	return 0;
}

/* Compile one path, TEXT[0..LEN), into P. */
static int
jsonmap_path_parse(struct jsonmap_path *p, const char *text, size_t len,
    const char *whole, char **cause)
{
	char *name;
	size_t i, n = 0;

	memset(p, 0, sizeof(*p));
	if ((name = malloc(len + 1)) == NULL)
		goto oom;
	for (i = 0; i <= len; i++) {
		if (i == len || text[i] == '.') {
			if (n == 0) {
				*cause = strbuf_msg("path '%s' has an empty "
				    "name (two dots, or a dot at an end)",
				    whole);
				goto fail;
			}
			if (jsonmap_path_add(p, name, n) != 0)
				goto oom;
			n = 0;
		} else if (text[i] == '\\') {
			if (i + 1 == len || (text[i + 1] != '.' &&
			    text[i + 1] != '\\' && text[i + 1] != '|')) {
				*cause = strbuf_msg("path '%s': a backslash "
				    "must come before '.', '|' or '\\'", whole);
				goto fail;
			}
			name[n++] = text[++i];
		} else
			name[n++] = text[i];
	}
	free(name);
	return 0;
oom:
	*cause = strdup("out of memory");
fail:
	free(name);
	jsonmap_path_clear(p);
	return -1;
}

/* Free A's paths. */
void
jsonmap_alts_clear(struct jsonmap_alts *a)
{
	size_t i;

	for (i = 0; i < a->nalt; i++)
		jsonmap_path_clear(&a->alt[i]);
	free(a->alt);
	a->alt = NULL;
	a->nalt = 0;
}

/* Compile TEXT, paths separated by unescaped '|', into A. */
int
jsonmap_alts_parse(struct jsonmap_alts *a, const char *text, char **cause)
{
	struct jsonmap_path *alt;
	const char *p, *start, *end;

	memset(a, 0, sizeof(*a));
	a->text = text;
	if (text == NULL)
		return 0;
	for (p = text; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '\0')
		return 0;	/* empty: maps nothing */
	for (start = p;; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p != '|' && *p != '\0')
			continue;
		/* One alternative, START to P, trimmed. */
		end = p;
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == start) {
			*cause = strbuf_msg("path list '%s' has an empty "
			    "alternative", text);
			goto fail;
		}
		alt = realloc(a->alt, (a->nalt + 1) * sizeof(*alt));
		if (alt == NULL) {
			*cause = strdup("out of memory");
			goto fail;
		}
		a->alt = alt;
		if (jsonmap_path_parse(&a->alt[a->nalt], start,
		    (size_t)(end - start), text, cause) != 0)
			goto fail;
		a->nalt++;
		if (*p == '\0')
			break;
		start = p + 1;
	}
	return 0;
fail:
	jsonmap_alts_clear(a);
	return -1;
}

/* Compile the settings (see jsonmap.h). */
int
jsonmap_init(struct jsonmap *map, const struct jsonmap_settings *s,
    char **cause)
{
	char *why = NULL;
	int i;

	memset(map, 0, sizeof(*map));
	map->url_base = s->url_base;
	if (jsonmap_alts_parse(&map->items, s->items, &why) != 0) {
		*cause = strbuf_msg("items: %s", why);
		goto fail;
	}
	for (i = 0; i < JSONMAP_NFIELDS; i++) {
		if (jsonmap_alts_parse(&map->field[i], s->field[i],
		    &why) != 0) {
			*cause = strbuf_msg("%s: %s", jsonmap_names[i], why);
			goto fail;
		}
	}
	if (map->field[JSONMAP_ID].nalt == 0) {
		*cause = strdup("id: a path is required (items without an id "
		    "cannot be told apart)");
		goto fail;
	}
	if (map->field[JSONMAP_TEXT].nalt == 0 &&
	    map->field[JSONMAP_TITLE].nalt == 0) {
		*cause = strdup("text, title: one of them needs a path");
		goto fail;
	}
	return 0;
fail:
	free(why);
	jsonmap_clear(map);
	return -1;
}

/* Free what jsonmap_init compiled. */
void
jsonmap_clear(struct jsonmap *map)
{
	int i;

	jsonmap_alts_clear(&map->items);
	for (i = 0; i < JSONMAP_NFIELDS; i++)
		jsonmap_alts_clear(&map->field[i]);
}

/* Name S as an array index into an array of SIZE items, or -1. */
static int
jsonmap_index(const char *s, int size)
{
	long v;
	char *end;
	int neg = *s == '-';

	if (!isdigit((unsigned char)s[neg]))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return -1;
	if (v < 0)
		v += size;
	return v >= 0 && v < size ? (int)v : -1;
}

/* The value at path P in ROOT, or NULL. */
static const cJSON *
jsonmap_path_get(const struct jsonmap_path *p, const cJSON *root)
{
	const cJSON *v = root;
	size_t i;
	int idx;

	for (i = 0; i < p->nseg && v != NULL; i++) {
		if (cJSON_IsObject(v))
			v = cJSON_GetObjectItemCaseSensitive(v, p->seg[i]);
		else if (cJSON_IsArray(v)) {
			idx = jsonmap_index(p->seg[i], cJSON_GetArraySize(v));
			v = idx >= 0 ? cJSON_GetArrayItem(v, idx) : NULL;
		} else
			v = NULL;
	}
	return v;
}

/* The first value of A's paths that is there and not null or "". */
const cJSON *
jsonmap_get(const struct jsonmap_alts *a, const cJSON *root)
{
	const cJSON *v;
	size_t i;

	for (i = 0; i < a->nalt; i++) {
		v = jsonmap_path_get(&a->alt[i], root);
		if (v == NULL || cJSON_IsNull(v))
			continue;
		if (cJSON_IsString(v) && (v->valuestring == NULL ||
		    v->valuestring[0] == '\0'))
			continue;
		return v;
	}
	return NULL;
}

/* Line and column (from 1) of byte OFF of BODY. */
static void
jsonmap_where(const char *body, size_t off, size_t *line, size_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (body[i] == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}

/* What a document cut at nesting DEPTH (brackets in STACK) ends inside. */
static const char *
jsonmap_inside(const char *stack, size_t depth)
{
	if (depth == 0)
		return "a value";
	return stack[depth - 1] == '[' ? "an array" : "an object";
}

/*
 * Whether BODY (LEN bytes) is a proper prefix of a JSON document: valid as
 * far as it goes, and cut short. Returns what it ends inside ("a string",
 * "an array", "an object", "a value"), or NULL when it is broken (or too
 * deep to tell) rather than cut. What cJSON alone cannot say: it points at
 * the token it failed on, not at whether more bytes would have mended it.
 */
static const char *
jsonmap_cut(const char *b, size_t len)
{
	enum { VALUE, VALUE_OR_END, KEY, KEY_OR_END, COLON, NEXT, DONE } want;
	static const char *const words[] = { "true", "false", "null" };
	char stack[256];
	size_t i = 0, depth = 0, k, n;
	int c;

	want = VALUE;
	if (len >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len) {
		c = (unsigned char)b[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
			continue;
		}
		switch (want) {
		case VALUE_OR_END:
		case KEY_OR_END:
			if (c == (want == VALUE_OR_END ? ']' : '}')) {
				depth--;
				i++;
				want = depth == 0 ? DONE : NEXT;
				continue;
			}
			want = want == VALUE_OR_END ? VALUE : KEY;
			continue;
		case KEY:
		case VALUE:
			if (c == '"') {
				for (i++; i < len && b[i] != '"'; i++)
					if (b[i] == '\\')
						i++;
				if (i >= len)
					return "a string";
				i++;
				if (want == KEY) {
					want = COLON;
					continue;
				}
			} else if (want == KEY)
				return NULL;
			else if (c == '{' || c == '[') {
				if (depth == sizeof(stack))
					return NULL;
				stack[depth++] = (char)c;
				i++;
				want = c == '{' ? KEY_OR_END : VALUE_OR_END;
				continue;
			} else if (c == '-' || (c >= '0' && c <= '9')) {
				while (i < len && strchr("0123456789+-.eE",
				    b[i]) != NULL)
					i++;
				if (i >= len)
					return jsonmap_inside(stack, depth);
			} else {
				for (k = 0; k < 3 && words[k][0] != c; k++)
					;
				if (k == 3)
					return NULL;
				n = strlen(words[k]);
				if (len - i < n)
					return strncmp(b + i, words[k],
					    len - i) == 0 ? jsonmap_inside(stack,
					    depth) : NULL;
				if (strncmp(b + i, words[k], n) != 0)
					return NULL;
				i += n;
			}
			want = depth == 0 ? DONE : NEXT;
			continue;
		case COLON:
			if (c != ':')
				return NULL;
			i++;
			want = VALUE;
			continue;
		case NEXT:
			if (c == ',') {
				i++;
				want = stack[depth - 1] == '{' ? KEY : VALUE;
				continue;
			}
			if (c != (stack[depth - 1] == '{' ? '}' : ']'))
				return NULL;
			depth--;
			i++;
			want = depth == 0 ? DONE : NEXT;
			continue;
		case DONE:
			return NULL;
		}
	}
	return want == DONE ? NULL : jsonmap_inside(stack, depth);
}

/* Parse a document, or say where it broke (see jsonmap.h). */
cJSON *
jsonmap_parse(const char *body, size_t len, char **cause)
{
	const char *end = NULL, *open;
	char near[24];
	size_t off, n, line, col;
	cJSON *doc;

	for (off = 0; off < len && isspace((unsigned char)body[off]); off++)
		;
	if (off == len) {
		*cause = strdup(len == 0 ? "empty body, not JSON" :
		    "blank body, not JSON");
		return NULL;
	}
	doc = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (doc != NULL) {
		off = end != NULL && end >= body ? (size_t)(end - body) : len;
		while (off < len && isspace((unsigned char)body[off]))
			off++;
		if (off >= len)
			return doc;
		cJSON_Delete(doc);
		jsonmap_where(body, off, &line, &col);
		*cause = strbuf_msg("more after the JSON document at byte %zu "
		    "(line %zu, column %zu)", off, line, col);
		return NULL;
	}
	off = end != NULL && end >= body && end <= body + len ?
	    (size_t)(end - body) : len;
	if ((open = jsonmap_cut(body, len)) != NULL) {
		jsonmap_where(body, len, &line, &col);
		*cause = strbuf_msg("JSON ends early, inside %s, at byte %zu "
		    "(line %zu, column %zu): truncated?", open, len, line, col);
		return NULL;
	}
	jsonmap_where(body, off, &line, &col);
	for (n = 0; n + 1 < sizeof(near) && off + n < len && n < 16; n++)
		near[n] = isprint((unsigned char)body[off + n]) &&
		    body[off + n] != '\'' ? body[off + n] : '?';
	near[n] = '\0';
	*cause = strbuf_msg("bad JSON at byte %zu (line %zu, column %zu), "
	    "near '%s'", off, line, col, near);
	return NULL;
}

/* The items of ROOT (see jsonmap.h). */
int
jsonmap_items(const struct jsonmap *map, const cJSON *root,
    const cJSON ***items, size_t *n, char **cause)
{
	const cJSON *list = root, *it;
	const cJSON **out;
	size_t k = 0;
	int size;

	*items = NULL;
	*n = 0;
	if (map->items.nalt > 0) {
		list = jsonmap_get(&map->items, root);
		if (list == NULL) {
			*cause = strbuf_msg("no items at '%s'",
			    map->items.text);
			return -1;
		}
		if (!cJSON_IsArray(list) && !cJSON_IsObject(list)) {
			*cause = strbuf_msg("'%s' is not an array of items",
			    map->items.text);
			return -1;
		}
	}
	if (!cJSON_IsArray(list)) {
		if (!cJSON_IsObject(list)) {
			*cause = strdup("the document is neither an object nor "
			    "an array");
			return -1;
		}
		if ((*items = malloc(sizeof(**items))) == NULL) {
			*cause = strdup("out of memory");
			return -1;
		}
		(*items)[0] = list;
		*n = 1;
		return 0;
	}
	size = cJSON_GetArraySize(list);
	if ((out = malloc((size > 0 ? (size_t)size : 1) * sizeof(*out))) ==
	    NULL) {
		*cause = strdup("out of memory");
		return -1;
	}
	cJSON_ArrayForEach(it, list) {
		if ((int)k < size)
			out[k++] = it;
	}
	*items = out;
	*n = k;
	return 0;
}

/* A string or a number as text (see jsonmap.h). */
const char *
jsonmap_scalar(const cJSON *value, char *buf, size_t size)
{
	double d;

	if (cJSON_IsString(value))
		return value->valuestring;
	if (!cJSON_IsNumber(value))
		return NULL;
	d = value->valuedouble;
	if (!isfinite(d))
		return NULL;
	if (d == floor(d) && fabs(d) < 1e18)
		snprintf(buf, size, "%.0f", d);
	else
		snprintf(buf, size, "%.17g", d);
	return buf;
}

/* A count from a number or a numeric string; -1 when none or, unless
 * SIGNED, below zero. */
static long long
jsonmap_count(const cJSON *value, int sign)
{
	double d;
	char *end;

	if (cJSON_IsNumber(value))
		d = value->valuedouble;
	else if (cJSON_IsString(value) && value->valuestring[0] != '\0') {
		d = strtod(value->valuestring, &end);
		while (isspace((unsigned char)*end))
			end++;
		if (*end != '\0')
			return -1;
	} else
		return -1;
	if (!isfinite(d) || (!sign && d < 0) || fabs(d) > 9e18)
		return -1;
	return (long long)d;
}

/* Seconds from a number that may be in ms, us or ns. */
static int64_t
jsonmap_seconds(double v)
{
	if (!isfinite(v) || v <= 0)
		return 0;
	/* 1e11 s is the year 5138: anything above is a finer unit. */
	while (v >= 1e11)
		v /= 1000;
	return (int64_t)v;
}

/* A date string as unix seconds (see jsonmap.h). */
int64_t
jsonmap_date(const char *s)
{
	const char *p;
	char *end;
	double v;
	int64_t when;
	time_t t;

	if (s == NULL)
		return 0;
	while (isspace((unsigned char)*s))
		s++;
	for (p = s; isdigit((unsigned char)*p) || *p == '.'; p++)
		;
	if (p > s && (*p == '\0' || isspace((unsigned char)*p))) {
		v = strtod(s, &end);
		return end == p ? jsonmap_seconds(v) : 0;
	}
	/* RFC 3339 loosely: a date alone, no seconds, no zone (UTC). */
	if (ptime_seconds(s, PTIME_LOOSE, &when) == 0 && when > 0)
		return when;
	if (strlen(s) > 64)
		return 0;
	t = curl_getdate(s, NULL);
	return t > 0 ? (int64_t)t : 0;
}

/* A time value as unix seconds (see jsonmap.h). */
int64_t
jsonmap_time(const cJSON *value)
{
	if (cJSON_IsNumber(value))
		return jsonmap_seconds(value->valuedouble);
	if (cJSON_IsString(value))
		return jsonmap_date(value->valuestring);
	return 0;
}

/* The string at field F of ITEM, or NULL. */
static const char *
jsonmap_string(const struct jsonmap *map, int f, const cJSON *item)
{
	const cJSON *v = jsonmap_get(&map->field[f], item);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* LINK resolved against BASE into IT->url; LINK itself when absolute, no
 * base, or not resolvable. */
static const char *
jsonmap_link(const char *link, const char *base, struct jsonmap_item *it)
{
	CURLU *u;
	char *full = NULL;
	const char *p;

	for (p = link; isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.'; p++)
		;
	if ((*p == ':' && p > link) || base == NULL)
		return link;
	if ((u = curl_url()) == NULL)
		return link;
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, link, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK) {
		free(it->url);
		it->url = strdup(full);
	}
	curl_free(full);
	curl_url_cleanup(u);
	return it->url != NULL ? it->url : link;
}

/* Map one item (see jsonmap.h). */
int
jsonmap_mention(const struct jsonmap *map, const cJSON *item,
    const char *base, struct jsonmap_item *it, struct md_mention *m,
    char **cause)
{
	const cJSON *v, *a;
	const char *s;
	long long n;

	jsonmap_item_clear(it);
	if (!cJSON_IsObject(item)) {
		*cause = strdup("item is not an object");
		return -1;
	}
	m->id = jsonmap_scalar(jsonmap_get(&map->field[JSONMAP_ID], item),
	    it->id, sizeof(it->id));
	if (m->id == NULL || m->id[0] == '\0') {
		*cause = strbuf_msg("no id at '%s'",
		    map->field[JSONMAP_ID].text);
		return -1;
	}
	m->text = jsonmap_string(map, JSONMAP_TEXT, item);
	m->title = jsonmap_string(map, JSONMAP_TITLE, item);
	if ((m->text == NULL || m->text[0] == '\0') &&
	    (m->title == NULL || m->title[0] == '\0')) {
		*cause = strbuf_msg("no text at '%s' and no title at '%s'",
		    map->field[JSONMAP_TEXT].text != NULL ?
		    map->field[JSONMAP_TEXT].text : "",
		    map->field[JSONMAP_TITLE].text != NULL ?
		    map->field[JSONMAP_TITLE].text : "");
		return -1;
	}
	if (m->text == NULL)
		m->text = "";

	if ((s = jsonmap_string(map, JSONMAP_URL, item)) != NULL)
		m->url = jsonmap_link(s, map->url_base != NULL ?
		    map->url_base : base, it);

	v = jsonmap_get(&map->field[JSONMAP_AUTHOR], item);
	if (cJSON_IsObject(v)) {
		m->author_handle = jsonmap_scalar(cJSON_GetObjectItem(v,
		    "handle"), it->handle, sizeof(it->handle));
		m->author_name = jsonmap_scalar(cJSON_GetObjectItem(v,
		    "name"), it->name, sizeof(it->name));
		a = cJSON_GetObjectItem(v, "followers");
		if ((n = jsonmap_count(a, 0)) >= 0)
			m->author_followers = n;
	} else
		m->author_handle = jsonmap_scalar(v, it->handle,
		    sizeof(it->handle));
	v = jsonmap_get(&map->field[JSONMAP_AUTHOR_NAME], item);
	if ((s = jsonmap_scalar(v, it->name, sizeof(it->name))) != NULL)
		m->author_name = s;

	m->published = jsonmap_time(jsonmap_get(&map->field[JSONMAP_PUBLISHED],
	    item));
	if ((s = jsonmap_string(map, JSONMAP_LANG, item)) != NULL)
		m->lang = langtag_primary(s, it->lang);
	v = jsonmap_get(&map->field[JSONMAP_SCORE], item);
	if (v != NULL && (n = jsonmap_count(v, 1)) != -1)
		m->score = n;
	if ((n = jsonmap_count(jsonmap_get(&map->field[JSONMAP_REPLIES],
	    item), 0)) >= 0)
		m->replies = n;
	if ((n = jsonmap_count(jsonmap_get(&map->field[JSONMAP_REPOSTS],
	    item), 0)) >= 0)
		m->reposts = n;
	return 0;
}

/* Free what a mapped item allocated. */
void
jsonmap_item_clear(struct jsonmap_item *it)
{
	free(it->url);
	it->url = NULL;
}

/* May a repeated warning be logged now (see jsonmap.h)? */
int
jsonmap_quiet_due(struct jsonmap_quiet *q, unsigned long *held)
{
	time_t now = time(NULL);

	if (q->last != 0 && now - q->last < JSONMAP_QUIET_EVERY &&
	    now >= q->last) {
		q->held++;
		return 0;
	}
	*held = q->held;
	q->held = 0;
	q->last = now;
	return 1;
}
