"""test_demo.py - `mentiond` with no configuration runs the built-in demo: a
private redis-server, the bundled mentions replayed, alerts shown in the
terminal as they arrive and written to Redis; SIGTERM cleans it all up."""
import os
import re
import subprocess
import tempfile
import time

import redis

from harness import MENTIOND, PLUGINS, Notify, run, wait_for


def test_builtin_demo_shows_alerts():
    if os.path.exists("/etc/mentiond/mentiond.conf"):
        print("skip: /etc/mentiond/mentiond.conf exists, so mentiond would not run the demo")
        return
    tmp = tempfile.mkdtemp(prefix="mentiond-demo-test-")
    notify = Notify(tmp)
    log = os.path.join(tmp, "out.log")
    env = dict(os.environ, TMPDIR=tmp, NOTIFY_SOCKET=notify.path, MENTIOND_PLUGIN_DIR=PLUGINS)
    env.pop("JOURNAL_STREAM", None)
    p = subprocess.Popen([MENTIOND], env=env, stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    try:
        wait_for("READY=1", lambda: notify.seen("READY=1") or p.poll() is not None, 15)
        assert p.poll() is None, open(log).read()
        text = lambda: open(log).read()
        wait_for("3 alert lines", lambda: len(re.findall(r"alert: (question|negative)", text())) >= 3, 30)
        m = re.search(r"mentionctl tail --redis unix://(\S+)", text())
        assert m, text()
        r = redis.Redis(unix_socket_path=m.group(1), decode_responses=True)
        assert r.xlen("mentiond:alerts:question") + r.xlen("mentiond:alerts:negative") >= 3
        demo_dir = os.path.dirname(m.group(1))
        t0 = time.monotonic()
        p.terminate()
        assert p.wait(10) == 0
        assert time.monotonic() - t0 < 5
        assert not os.path.exists(demo_dir), "demo folder left behind"
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        notify.close()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    run([test_builtin_demo_shows_alerts])
