"""test_plugins.py - the daemon refuses a plugin built for another ABI version
and one without the descriptor symbol, naming the file and the reason, and
keeps running with the good ones."""
import os
import shutil

from harness import PLUGINS, TEST_PLUGINS, Daemon, Redis, Scenario, append, config, post, run, wait_for


def test_bad_plugins_refused_good_ones_run():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        pdir = os.path.join(sc.tmp, "plugins")
        os.makedirs(pdir)
        shutil.copy(os.path.join(PLUGINS, "jsonl.so"), pdir)
        for bad in ("bad_abi.so", "missing_symbol.so"):
            shutil.copy(os.path.join(TEST_PLUGINS, bad), pdir)
        inp = os.path.join(sc.tmp, "in.jsonl")
        open(inp, "w").close()
        d = sc.add(Daemon(sc.tmp, config(sc.tmp, r.url), plugin_dir=pdir))
        d.wait_ready()
        log = d.logtext()
        assert "%s/bad_abi.so: plugin ABI version 99, this mentiond speaks version 1" % pdir in log, log
        assert "%s/missing_symbol.so: no symbol 'mentiond_plugin'" % pdir in log, log
        append(inp, [post(1, "acme works")])
        wait_for("the good plugin's mention", lambda: r.client.xlen("t:mentions") == 1)


if __name__ == "__main__":
    run([test_bad_plugins_refused_good_ones_run])
