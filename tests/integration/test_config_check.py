"""test_config_check.py - `mentiond -t -c FILE` prints every error as
FILE:LINE: message and exits 1, or a one-line summary and exits 0; a daemon
started with a broken config refuses to start and says why."""
import os
import subprocess

from harness import MENTIOND, PLUGINS, Scenario, run


def check(path):
    env = dict(os.environ, MENTIOND_PLUGIN_DIR=PLUGINS)
    p = subprocess.run([MENTIOND, "-t", "-c", path], capture_output=True, text=True, env=env, timeout=30)
    return p.returncode, p.stdout + p.stderr


def test_valid_config():
    with Scenario() as sc:
        path = os.path.join(sc.tmp, "ok.conf")
        with open(path, "w") as f:
            f.write("[redis]\nurl = redis://127.0.0.1:1\n[track acme]\nquery = acme\n"
                    "[source s]\nplugin = jsonl\npath = /tmp/x.jsonl\n")
        rc, out = check(path)
        assert rc == 0, out
        assert out.strip() == "%s: ok: 1 track, 1 source, redis redis://127.0.0.1:1" % path, out


def test_every_error_with_file_and_line():
    """Config-level errors are all reported; sources are checked against
    their plugins once the file itself is valid."""
    with Scenario() as sc:
        path = os.path.join(sc.tmp, "bad.conf")
        with open(path, "w") as f:
            f.write("[track acme]\n"            # 1
                    "alert = sometimes\n"       # 2
                    "[redis]\n"                 # 3
                    "maxlen = lots\n")          # 4
        rc, out = check(path)
        assert rc == 1, out
        lines = out.strip().split("\n")
        assert any(l.startswith("%s:1: " % path) and "query" in l for l in lines), out
        assert any(l.startswith("%s:2: " % path) and "sometimes" in l for l in lines), out
        assert any(l.startswith("%s:4: " % path) and "maxlen" in l for l in lines), out
        with open(path, "w") as f:
            f.write("[track acme]\n"            # 1
                    "query = acme\n"            # 2
                    "[source s]\n"              # 3
                    "plugin = nosuch\n"         # 4
                    "[source t]\n"              # 5
                    "plugin = jsonl\n"          # 6
                    "colour = blue\n")          # 7
        rc, out = check(path)
        assert rc == 1, out
        lines = out.strip().split("\n")
        assert any(l.startswith("%s:3: " % path) and "unknown plugin 'nosuch'" in l for l in lines), out
        assert any(l.startswith("%s:7: " % path) and "unknown key 'colour'" in l for l in lines), out
        assert any(l.startswith("%s:5: " % path) and "path" in l for l in lines), out


def test_query_syntax_error_has_line_and_column():
    with Scenario() as sc:
        path = os.path.join(sc.tmp, "q.conf")
        with open(path, "w") as f:
            f.write("[track acme]\n"             # 1
                    "query = acme AND (x\n")     # 2
        rc, out = check(path)
        assert rc == 1, out
        assert out.startswith("%s:2: [track acme] query column " % path), out
        assert "expected ')'" in out, out


if __name__ == "__main__":
    run([test_valid_config, test_every_error_with_file_and_line, test_query_syntax_error_has_line_and_column])
