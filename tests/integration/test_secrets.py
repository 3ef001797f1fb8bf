"""test_secrets.py - secrets come from files and never come out. One daemon,
logging at debug, reaches Redis as an ACL user with a password from
password_file, and runs a github source (token_file), a reddit source
(client_secret_file, then an OAuth access token from the server) and a
signed webhook (secret_file); each is made to fail once (401, 500, a bad
signature) and then to work. Every secret is shown to have been used (the
requests carry it, Redis sees the ACL user), and none of them appears in the
daemon's log, `mentionctl check-config` or `mentionctl tail` output, any key
or value in Redis, or the state directory."""
import base64
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import time

import redis

from apiserver import Httpd, response
from harness import MENTIONCTL, PLUGINS, Daemon, Redis, Scenario, config, free_port, run, wait_for

for name in ("MENTIOND_GITHUB_TOKEN", "CREDENTIALS_DIRECTORY", "MENTIOND_WEBHOOK_SECRET",
             "MENTIOND_REDIS_PASSWORD", "REDISCLI_AUTH"):
    os.environ.pop(name, None)

REDIS_PW = "redis-pw-Qx7u2"
ADMIN_PW = "admin-pw-9kd"
GH_TOKEN = "ghp_secretQx7u2"
RD_SECRET = "reddit-secret-Qx7u2"
RD_ACCESS = "reddit-access-Qx7u2"
HOOK_SECRET = "hook-secret-Qx7u2"
BASIC = base64.b64encode(b"cid:" + RD_SECRET.encode()).decode()
SECRETS = [REDIS_PW, GH_TOKEN, RD_SECRET, RD_ACCESS, HOOK_SECRET, BASIC]
T0 = int(time.time()) - 600


def write(sc, name, text):
    path = os.path.join(sc.tmp, name)
    with open(path, "w") as f:
        f.write(text + "\n")
    os.chmod(path, 0o600)
    return path


def gh_issue(k, text):
    t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + k))
    return {"html_url": "https://github.com/acme/r/issues/%d" % k, "id": 5000 + k, "number": k,
            "title": "Acme issue %d" % k, "user": {"login": "u%d" % k}, "created_at": t,
            "updated_at": t, "body": text}


def rd_post(id36, text):
    return {"kind": "t3", "data": {
        "subreddit": "acme", "selftext": text, "title": "Acme", "name": "t3_" + id36,
        "author": "op", "permalink": "/r/acme/comments/%s/acme/" % id36,
        "url": "https://www.reddit.com/r/acme/comments/%s/acme/" % id36,
        "created_utc": float(T0 + 5), "id": id36, "score": 1, "num_comments": 0}}


def post_hook(port, body, secret):
    sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("POST", "/mentions", body=body, headers={
            "Content-Type": "application/json", "X-Mentiond-Signature": sig})
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def redis_dump(admin):
    """Every key and value in Redis, as one text."""
    out = []
    for key in admin.scan_iter(count=1000):
        out.append(key)
        kind = admin.type(key)
        if kind == "string":
            out.append(admin.get(key))
        elif kind == "hash":
            out.append(json.dumps(admin.hgetall(key)))
        elif kind == "list":
            out.extend(admin.lrange(key, 0, -1))
        elif kind == "set":
            out.extend(admin.smembers(key))
        elif kind == "zset":
            out.extend(admin.zrange(key, 0, -1))
        elif kind == "stream":
            out.extend(json.dumps(f) for _, f in admin.xrange(key))
    return "\n".join(str(x) for x in out)


def state_dump(folder):
    out = []
    for root, _, files in os.walk(folder):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                out.append(f.read().decode("utf-8", "replace"))
    return "\n".join(out)


def leaks(text):
    return [s for s in SECRETS if s in text]


def test_no_secret_leaks():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        r.client.execute_command("ACL", "SETUSER", "mentiond", "on", ">" + REDIS_PW, "~*", "&*",
                                 "+@all")
        r.client.execute_command("ACL", "SETUSER", "default", "resetpass", ">" + ADMIN_PW)
        admin = sc.add(redis.Redis(host="127.0.0.1", port=r.port, username="default",
                                   password=ADMIN_PW, decode_responses=True))
        with_user = "redis://mentiond@127.0.0.1:%d" % r.port
        h = sc.add(Httpd())
        h.script("/search/issues", [
            response({"message": "Bad credentials"}, 401),
            response({"total_count": 1, "incomplete_results": False,
                      "items": [gh_issue(1, "Why does the Acme router reboot every night?")]})])
        h.script("/api/v1/access_token", [response({"access_token": RD_ACCESS, "token_type": "bearer",
                                                     "expires_in": 86400, "scope": "*"})])
        h.script("/search", [
            response({"error": 500}, 500),
            response({"kind": "Listing", "data": {"after": None, "before": None, "children": [
                rd_post("1ab", "The Acme update broke my setup, this is awful")]}})])
        port = free_port()
        cfg = config(sc.tmp, with_user, tracks={"acme": "query = acme"}, sources={
            "gh": "plugin = github\napi = %s/\ninterval = 1s\ntoken_file = %s"
                  % (h.base, write(sc, "gh.token", GH_TOKEN)),
            "rd": "plugin = reddit\napi = %s\nauth = %s\noauth_api = %s\nclient_id = cid\n"
                  "client_secret_file = %s\nuser_agent = linux:mentiond-test:1.0\ninterval = 1s"
                  % (h.base, h.base, h.base, write(sc, "rd.secret", RD_SECRET)),
            "hook": "plugin = webhook\nlisten = 127.0.0.1:%d\nsecret_file = %s"
                    % (port, write(sc, "hook.secret", HOOK_SECRET))})
        cfg = cfg.replace("log_level = info", "log_level = debug")
        cfg = cfg.replace("prefix = t\n", "prefix = t\npassword_file = %s\n"
                          % write(sc, "redis.pw", REDIS_PW))
        d = sc.add(Daemon(sc.tmp, cfg))
        d.wait_ready()
        wait_for("the webhook listening", lambda: post_hook(port, b"[]", "wrong")[0] == 401)
        body = json.dumps({"id": "h1", "text": "Is Acme support open on Sundays?"}).encode()
        status, text = post_hook(port, body, HOOK_SECRET)
        assert status == 202, (status, text)
        wait_for("three mentions", lambda: admin.xlen("t:mentions") >= 3, timeout=30)

        # Each secret was used: sent to the servers, and Redis sees the user.
        reqs = h.requests()
        gh = [q for q in reqs if q["path"].startswith("/search/issues")]
        assert gh and all(q["headers"].get("Authorization") == "Bearer " + GH_TOKEN for q in gh), gh
        grant = [q for q in reqs if q["path"] == "/api/v1/access_token"]
        assert grant and grant[0]["headers"].get("Authorization") == "Basic " + BASIC, grant
        rd = [q for q in reqs if q["path"].startswith("/search?")]
        assert rd and rd[-1]["headers"].get("Authorization", "").lower() == \
            "bearer " + RD_ACCESS.lower(), rd
        assert "user=mentiond" in admin.execute_command("CLIENT", "LIST"), "not the ACL user"

        # mentionctl, with the password from the environment.
        env = dict(os.environ, MENTIOND_REDIS_PASSWORD=REDIS_PW)
        tail = subprocess.run([MENTIONCTL, "tail", "--redis", with_user, "--prefix", "t",
                               "--from-start", "--count", "3", "--no-color"], env=env,
                              capture_output=True, text=True, timeout=30)
        assert tail.returncode == 0 and tail.stdout.count("\n") >= 3, (tail.returncode, tail.stdout,
                                                                         tail.stderr)
        check = subprocess.run([MENTIONCTL, "check-config", "--plugin-dir", PLUGINS, d.conf],
                               capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, (check.stdout, check.stderr)

        rc, _ = d.stop()
        assert rc == 0
        log = d.logtext()
        assert "refused with 401" in log and "401" in log and "500" in log, log
        for where, text in (("the log", log), ("mentionctl tail", tail.stdout + tail.stderr),
                            ("mentionctl check-config", check.stdout + check.stderr),
                            ("Redis", redis_dump(admin)),
                            ("the state", state_dump(os.path.join(sc.tmp, "state")))):
            assert not leaks(text), "%s shows %s:\n%s" % (where, leaks(text), text[-3000:])


if __name__ == "__main__":
    run([test_no_secret_leaks])
