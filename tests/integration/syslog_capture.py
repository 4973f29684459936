#!/usr/bin/env python3
"""Run a command while collecting what it sends to syslog.

usage: syslog_capture.py OUTPUT COMMAND [ARGS...]

Binds /dev/log for the command: in a private mount namespace over an
existing /dev/log (a real syslog daemon keeps running untouched), or
directly when the machine has none (removed again afterwards).
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading


def main():
    out_path, cmd = sys.argv[1], sys.argv[2:]
    tmp = tempfile.mkdtemp(prefix="pr-syslog.")
    sock_path = os.path.join(tmp, "log.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    created = False
    if os.path.exists("/dev/log"):
        sock.bind(sock_path)
        wrapped = ["unshare", "-m", "sh", "-c",
                   'mount --bind "$0" /dev/log && exec "$@"', sock_path] + cmd
    else:
        sock.bind("/dev/log")
        created = True
        wrapped = cmd
    # Read while the command runs: a full socket queue (net.unix.max_dgram_qlen)
    # would block every syslog() call of the command until it is read.
    lines = []
    done = threading.Event()

    def drain():
        sock.settimeout(0.1)
        while True:
            try:
                lines.append(sock.recv(65536).decode("utf-8", "replace"))
            except socket.timeout:
                if done.is_set():
                    break
    reader = threading.Thread(target=drain)
    reader.start()
    try:
        rc = subprocess.call(wrapped)
    finally:
        done.set()
        reader.join()
        sock.close()
        if created:
            os.unlink("/dev/log")
        os.unlink(sock_path) if os.path.exists(sock_path) else None
        os.rmdir(tmp)
    with open(out_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    sys.exit(rc)


if __name__ == "__main__":
    main()
