#!/usr/bin/env python3
"""Hold the first reader of FILE inside its read (fanotify FAN_ACCESS_PERM).

  fan_hold.py FILE PIDFILE GOFILE LIMIT

The audit log is read under its lock (the chain continues from the last
record), so a process held in that read holds the lock: the moment an
attacker would have to hit by chance, made certain for the test
(tests/integration/freeze_audit.sh). The first reader's pid goes to
PIDFILE; its read is let through once GOFILE exists (or after LIMIT
seconds). Reads by anyone else are let through at once. Needs root.
"""
import ctypes
import os
import select
import struct
import sys
import time

FAN_CLASS_CONTENT = 0x04
FAN_CLOEXEC = 0x01
FAN_MARK_ADD = 0x01
FAN_ACCESS_PERM = 0x00020000
FAN_ALLOW = 0x01
AT_FDCWD = -100
# struct fanotify_event_metadata: u32 event_len, u8 vers, u8 reserved,
# u16 metadata_len, u64 mask, s32 fd, s32 pid
META = struct.Struct("=IBBHQii")


def main():
    path, pidfile, gofile, limit = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    libc = ctypes.CDLL(None, use_errno=True)
    fan = libc.fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, os.O_RDONLY)
    if fan < 0:
        sys.exit("fanotify_init: %s" % os.strerror(ctypes.get_errno()))
    if libc.fanotify_mark(fan, FAN_MARK_ADD, ctypes.c_uint64(FAN_ACCESS_PERM),
                          AT_FDCWD, path.encode()) != 0:
        sys.exit("fanotify_mark: %s" % os.strerror(ctypes.get_errno()))
    print("ready", flush=True)
    held = None
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if held is not None and os.path.exists(gofile):
            break
        if not select.select([fan], [], [], 0.02)[0]:
            continue
        buf = os.read(fan, 4096)
        off = 0
        while off + META.size <= len(buf):
            length, _, _, _, _, fd, pid = META.unpack_from(buf, off)
            off += length
            if held is None:
                held = fd
                with open(pidfile + ".tmp", "w") as f:
                    f.write("%d\n" % pid)
                os.rename(pidfile + ".tmp", pidfile)
                continue
            os.write(fan, struct.pack("=iI", fd, FAN_ALLOW))
            os.close(fd)
    if held is not None:
        os.write(fan, struct.pack("=iI", held, FAN_ALLOW))
        os.close(held)
    # Closing the group lets every pending and later read through.
    os.close(fan)


if __name__ == "__main__":
    main()
