"""test_redis_tls.py - reaching a Redis that speaks TLS only, the way the
README says: hiredis 0.14 has no TLS, so stunnel runs beside mentiond as a
TLS client on a loopback port, checking the server's certificate and name.
A redis-server with its plain port off and a TLS port on (a self-signed CA
made here), stunnel in front of it, mentiond on stunnel's port with an ACL
user and password: an alert lands, read back over TLS; stunnel stopped and
started again, the next alert lands too."""
import os
import socket
import subprocess
import time

import redis

from harness import Daemon, Scenario, config, free_port, run, stop_process, wait_for

STUNNEL = "/usr/bin/stunnel4"


class Proc:
    def __init__(self, argv, log):
        self.argv, self.log = argv, log
        self.start()

    def start(self):
        self.proc = subprocess.Popen(self.argv, stdout=open(self.log, "a"), stderr=subprocess.STDOUT)

    def stop(self):
        stop_process(self.proc)


def up(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_tls_through_stunnel():
    with Scenario() as sc:
        t = sc.tmp
        key, cert = os.path.join(t, "redis.key"), os.path.join(t, "redis.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-keyout", key, "-out", cert, "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost"],
                       check=True, capture_output=True, timeout=60)
        tls_port, tunnel_port = free_port(), free_port()
        os.makedirs(os.path.join(t, "redis"))
        rs = sc.add(Proc(["redis-server", "--port", "0", "--tls-port", str(tls_port),
                          "--bind", "127.0.0.1", "--tls-cert-file", cert, "--tls-key-file", key,
                          "--tls-ca-cert-file", cert, "--tls-auth-clients", "no",
                          "--dir", os.path.join(t, "redis"), "--save", "", "--appendonly", "no"],
                         os.path.join(t, "redis.log")))
        wait_for("redis TLS port", lambda: up(tls_port))
        admin = sc.add(redis.Redis(host="127.0.0.1", port=tls_port, ssl=True, ssl_ca_certs=cert,
                                   ssl_cert_reqs="required", decode_responses=True))
        assert admin.ping()
        admin.execute_command("ACL", "SETUSER", "mentiond", "on", ">tls-pw", "~*", "&*", "+@all")
        conf = os.path.join(t, "stunnel.conf")
        with open(conf, "w") as f:
            f.write("foreground = yes\npid =\n\n[redis]\nclient = yes\n"
                    "accept = 127.0.0.1:%d\nconnect = 127.0.0.1:%d\nverifyChain = yes\n"
                    "CAfile = %s\ncheckHost = localhost\n" % (tunnel_port, tls_port, cert))
        tunnel = sc.add(Proc([STUNNEL, conf], os.path.join(t, "stunnel.log")))
        wait_for("stunnel's port", lambda: up(tunnel_port))

        pw = os.path.join(t, "redis.pw")
        with open(pw, "w") as f:
            f.write("tls-pw\n")
        cfg = config(t, "redis://mentiond@127.0.0.1:%d" % tunnel_port)
        cfg = cfg.replace("prefix = t\n", "prefix = t\npassword_file = %s\n" % pw)
        with open(os.path.join(t, "in.jsonl"), "w") as f:
            f.write('{"id": "1", "text": "Acme broke my router, awful support"}\n')
        d = sc.add(Daemon(t, cfg))
        d.wait_ready()
        wait_for("the first alert over TLS", lambda: admin.xlen("t:alerts:negative") >= 1, timeout=20)
        assert "user=mentiond" in admin.execute_command("CLIENT", "LIST")

        # The tunnel goes away and comes back: mentiond reconnects through it.
        tunnel.stop()
        d.wait_log("redis: lost ")
        with open(os.path.join(t, "in.jsonl"), "a") as f:
            f.write('{"id": "2", "text": "Is the Acme router safe to update?"}\n')
        time.sleep(1)
        tunnel.start()
        wait_for("the second alert after stunnel came back",
                 lambda: admin.xlen("t:alerts:question") >= 1, timeout=30)
        assert admin.xlen("t:mentions") == 2, admin.xrange("t:mentions")
        rs.stop()


if __name__ == "__main__":
    run([test_tls_through_stunnel])
