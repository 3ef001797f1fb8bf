/*
 * urlcanon.h - the canonical form of a URL, so that two mentions whose links
 * point at the same page are seen as one story by deduplication.
 *
 * The form is scheme-less: http://WWW.Example.com:80/a/./b/?utm_source=x&y=2
 * and https://example.com/a/b?y=2 are both "example.com/a/b?y=2". It is a
 * comparison key, not a URL to fetch: "http://" + it parses back to it (the
 * fuzz target checks that urlcanon("http://" + out) == out).
 *
 * What is done, in this order (libcurl's URL API splits the URL first):
 *  - Only absolute http and https URLs are taken (scheme in any case, ASCII
 *    white space around the URL trimmed); any other scheme, a relative or
 *    scheme-less URL, one longer than URLCANON_MAX, or one libcurl refuses
 *    gives NULL, as does a form longer than URLCANON_MAX - 8 (so that
 *    "http://" + it is still taken). The scheme is then dropped, so http
 *    and https are equal.
 *  - Userinfo is dropped. The port is dropped when it is 80 or 443 whatever
 *    the scheme (the output has none, and keeping 80 on https would make the
 *    form change when parsed again as http); any other port is kept.
 *  - Host: lower case (ASCII, and each code point of valid UTF-8 through
 *    utf8proc); trailing dots removed; only letters, digits, '-', '_', '.'
 *    and non-ASCII bytes are accepted (else NULL), or a bracketed IPv6
 *    address, whose zone id is dropped; a host that is a number is written
 *    as libcurl writes IPv4 (0x7f.1 is 127.0.0.1). IDN is left as given:
 *    a punycode xn-- host and its Unicode form are NOT merged. Leading
 *    "www.", "m." and "mobile." labels are folded away as long as two
 *    labels remain: the mobile host of a site serves the same page under
 *    the same path (m.youtube.com, mobile.twitter.com, m.facebook.com,
 *    m.lemonde.fr), and a site whose m. host is another site under the
 *    same paths is rare enough that a missed duplicate costs more.
 *    "www2." and the like are not folded. Then the host aliases (the site
 *    list below) apply.
 *  - Path, percent-encoding first: %XX of an unreserved character (ALPHA,
 *    DIGIT, '-', '.', '_', '~') decoded, other %XX in upper case, a '%' not
 *    followed by two hex digits and any byte outside the unreserved and
 *    reserved sets (space, '"', '\', controls, non-ASCII) encoded. Reserved
 *    characters are left as they are, encoded or not ("%2F" is not "/").
 *    Then duplicate slashes collapsed, dot segments removed (after the
 *    decoding, so "%2E%2E" counts), a final index.html, index.htm,
 *    index.php, default.aspx or default.asp (any case) removed, and a
 *    trailing slash removed except for the root "/". Path case is kept.
 *  - Query: split on '&', each parameter percent-normalised as the path and
 *    '+' read as a space (%20), as form encoding means it; empty parameters
 *    and tracking parameters (the table in urlcanon.c: utm_* and the click
 *    ids everywhere, a few per site such as s and t on x.com, si and feature
 *    on YouTube) removed; "ref" is tracking except on the code forges
 *    (github.com, gitlab.com, bitbucket.org, codeberg.org) where it names a
 *    branch. The rest are sorted by name, stably, so that repeated names
 *    keep their order (a=1&a=2 is not a=2&a=1). An empty query is dropped.
 *    ';' is not a separator.
 *  - Fragment: dropped, except a hash-bang or hash route ("#!/..." or
 *    "#/..."), kept percent-normalised: in those single-page sites the
 *    fragment is the page (example.com/#!/item/1 and #!/item/2 are two
 *    stories), while an ordinary fragment is a place in the same page.
 *  - Redirectors whose target is in the URL (Google's /url?q=, Facebook's
 *    l.php?u=, out.reddit.com, t.umblr.com, YouTube's /redirect, Instagram,
 *    Threads, href.li, Google News, Slack, DuckDuckGo, LinkedIn, Outlook's
 *    safe links, Google's AMP viewer and the AMP cache: the table in
 *    urlcanon.c) are replaced by the canonical form of their target, at
 *    most URLCANON_MAX_UNWRAP times (a fourth one gives NULL, "too many
 *    redirectors", since any form would change when canonicalised again);
 *    a target that is not an http(s) URL leaves the redirector as it is.
 *    href.li's whole query is its target, so there the query is kept whole,
 *    neither split nor sorted. Shorteners (t.co, bit.ly) are not unwrapped:
 *    their target is not in the URL.
 *  - A few sites, one table: twitter.com, fxtwitter.com, vxtwitter.com and
 *    fixupx.com are x.com, and a status URL of any user (or /i/web/status)
 *    is x.com/i/status/ID with no query; old., new., np. and i.reddit.com
 *    are reddit.com, a post /r/SUB/comments/ID/SLUG is reddit.com/comments/
 *    ID (a comment in it /comments/ID/_/CID) and redd.it/ID is the post;
 *    youtu.be/ID and youtube.com/shorts|embed|live/ID (also on
 *    youtube-nocookie.com) are youtube.com/watch?v=ID, and a watch URL keeps
 *    only v (a start time or a playlist is the same video); LANG.m.
 *    wikipedia.org is LANG.wikipedia.org.
 * Not done: DNS or HTTP look-ups (a shortener and its target differ),
 * punycode, case folding of the path, ';' parameters, sorting of path
 * parameters, removing session ids.
 *
 * The work is bounded: the input is at most URLCANON_MAX bytes and each
 * step is linear in it but the sort of the parameters.
 */
#ifndef URLCANON_H
#define URLCANON_H

#define URLCANON_MAX		16384	/* longer URLs are not canonicalised */
#define URLCANON_MAX_UNWRAP	3	/* redirectors unwrapped at most */

/* urlcanon - the canonical form of URL for "same link" comparison (malloc'd), or NULL
 * (with *cause set when cause != NULL) when URL is not an absolute http(s) URL or cannot be parsed. */
char	*urlcanon(const char *url, char **cause);
/* urlcanon_id - a key for a source's GUID/id: urlcanon(id) when the id is an http(s) URL
 * (so http/https and host case do not matter), else a malloc'd copy of ID unchanged. */
char	*urlcanon_id(const char *id);

#endif /* URLCANON_H */
