#!/usr/bin/python3
"""An OpenVPN client's management interface on a unix socket
(tests/e2e/webvpn.sh).

  mgmt.py SOCKET url SECONDS     release the client's hold, print the URL of
                                 its first >INFOMSG:WEB_AUTH:: (or nothing)
  mgmt.py SOCKET state STATE SECONDS
                                 exit 0 once the client's state is STATE
                                 (CONNECTED, ...), else print the last one
"""
import socket
import sys
import time


def connect(path, deadline):
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.settimeout(0.5)
            return s
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)


def lines(s, deadline):
    buf = b""
    while time.time() < deadline:
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            continue
        if not chunk:
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line.decode("ascii", "replace").rstrip("\r")


def url(path, seconds):
    deadline = time.time() + seconds
    s = connect(path, deadline)
    s.sendall(b"hold release\n")
    for line in lines(s, deadline):
        if line.startswith(">INFOMSG:WEB_AUTH::"):
            print(line[len(">INFOMSG:WEB_AUTH::"):])
            return 0
    return 1


def state(path, want, seconds):
    deadline = time.time() + seconds
    last = "(none)"
    while time.time() < deadline:
        try:
            s = connect(path, deadline)
        except OSError:
            last = "(no management socket: the client ended)"
            break
        s.sendall(b"state\n")
        for line in lines(s, min(deadline, time.time() + 2)):
            f = line.split(",")
            if len(f) > 1 and f[0].isdigit():
                last = f[1]
                break
        s.close()
        if last == want:
            return 0
        time.sleep(0.3)
    print(last)
    return 1


if __name__ == "__main__":
    if sys.argv[2] == "url":
        sys.exit(url(sys.argv[1], float(sys.argv[3])))
    sys.exit(state(sys.argv[1], sys.argv[3], float(sys.argv[4])))
