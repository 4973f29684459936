#!/usr/bin/python3
"""A stand-in for the web gate's control socket (doc/ARCHITECTURE.md §4.8),
for tests of practicerunner-openvpn alone: it logs each request to
SOCKET.log (one line, "|" for newlines), answers op=create with a pending
id and URL, and op=wait with the verdict read from SOCKET.verdict at that
moment (so a test can change it between cases).

usage: ctl_stub.py SOCKET
"""
import os
import secrets
import socket
import sys
import threading

path = sys.argv[1]


def handle(conn):
    with conn:
        data = b""
        while not data.endswith(b"\n\n") and len(data) < 4096:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        text = data.decode("ascii", "replace")
        with open(path + ".log", "a") as log:
            log.write(text.replace("\n", "|") + "\n")
        fields = dict(l.split("=", 1) for l in text.split("\n")[1:] if "=" in l)
        if fields.get("op") == "create":
            pid = secrets.token_hex(16)
            conn.sendall(("pending %s https://gate.clinic.test/p/%s\n" % (pid, pid)).encode())
        else:
            with open(path + ".verdict") as f:
                conn.sendall((f.read().strip() + "\n").encode())


srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(16)
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
