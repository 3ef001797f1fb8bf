#!/usr/bin/python3
"""test_systemd_unit.py - systemd/mentiond.service is valid and well sandboxed.

Copies the unit to a temporary folder with ExecStart pointing at a binary that
exists (the built mentiond when there is one, else /bin/true), puts the man
pages its Documentation= names on a temporary MANPATH, and runs
`systemd-analyze verify` (no complaint about the unit) and
`systemd-analyze security --offline=yes` (overall exposure 2.0 or lower).
Skipped only when systemd-analyze is absent.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SOURCE = os.environ.get("MENTIOND_SOURCE_DIR",
                        os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("MENTIOND_BUILD_DIR", "build")
UNIT = os.path.join(SOURCE, "systemd", "mentiond.service")
MAX_EXPOSURE = 2.0


def main():
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        print("SKIP: systemd-analyze is not installed; the unit was not checked")
        return 0
    text = open(UNIT, encoding="utf-8").read()
    for want in ("Type=notify", "NotifyAccess=main", "WatchdogSec=30s",
                 "ExecReload=/bin/kill -HUP $MAINPID", "DynamicUser=yes",
                 "StateDirectory=mentiond", "ConfigurationDirectory=mentiond",
                 "ExecStart=/usr/local/sbin/mentiond -c /etc/mentiond/mentiond.conf"):
        assert re.search("^" + re.escape(want) + "$", text, re.M), want

    binary = os.path.join(BUILD, "daemon", "mentiond")
    if not os.access(binary, os.X_OK):
        binary = "/bin/true"
    print("ExecStart points at %s" % binary)

    tmp = tempfile.mkdtemp(prefix="mentiond-unit-")
    try:
        unit = os.path.join(tmp, "mentiond.service")
        with open(unit, "w", encoding="utf-8") as f:
            f.write(re.sub(r"^ExecStart=\S+", "ExecStart=" + binary, text,
                           flags=re.M))
        # Documentation=man:... is checked with man(1): give it our pages.
        for page, section in (("mentiond.8", "8"), ("mentionctl.1", "1")):
            d = os.path.join(tmp, "man", "man" + section)
            os.makedirs(d, exist_ok=True)
            shutil.copy(os.path.join(SOURCE, "daemon", page), d)
        env = dict(os.environ, MANPATH=os.path.join(tmp, "man"),
                   SYSTEMD_LOG_COLOR="0", SYSTEMD_PAGER="")

        p = subprocess.run([analyze, "verify", unit], env=env,
                           capture_output=True, text=True, timeout=60)
        out = (p.stdout + p.stderr).splitlines()
        about = [l for l in out if "mentiond" in l]
        print("systemd-analyze verify: exit %d, %d line(s) about the unit"
              % (p.returncode, len(about)))
        for l in about:
            print("  " + l)
        assert not about, "systemd-analyze verify complained about the unit"

        p = subprocess.run([analyze, "security", "--offline=yes", unit],
                           env=env, capture_output=True, text=True, timeout=60)
        m = re.search(r"Overall exposure level for mentiond\.service: "
                      r"(\d+(?:\.\d+)?)", p.stdout + p.stderr)
        assert m, "no overall exposure in:\n" + p.stdout + p.stderr
        exposure = float(m.group(1))
        print("systemd-analyze security: overall exposure %.1f (at most %.1f)"
              % (exposure, MAX_EXPOSURE))
        for l in p.stdout.splitlines():
            if l.startswith("✗"):
                print("  " + " ".join(l.split()))
        assert exposure <= MAX_EXPOSURE, "exposure %.1f" % exposure
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok - the unit verifies and its exposure is %.1f" % exposure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
