#!/usr/bin/python3
"""The web gate's benchmark driver, for bench/webgate.sh (which starts the
gate, makes the invitations and prints the table).

  webgate_load.py --figures FILE [options, see main()]

1. Enrolls each user of --invites ("user address token" lines) through
   the gate, as webgate.sh does: a VPN-made pending sign-in for that
   address, the invitation on its page, a key made by
   tests/webauthn_client, then that key's sign-in.
2. Rounds of sequential sign-ins, alternating with console sign-ins
   (pamrun under pam_wrapper with the softkey module) and a PAM stack of
   pam_permit alone (the floor: process start, PAM, pam_wrapper). The
   gate's sign-ins are prepared first (pending sign-in, options, the
   signed response), so the client's own work is not in the figure; then
   each POST /api/get goes out on an open TLS connection, and the root
   parent's CPU is read before and after it (/proc/PID/schedstat, in ns,
   and /proc/PID/stat, in clock ticks), the HTTP side's from its
   /proc/PID/stat. The console figures are each process's CPU (wait4).
3. Concurrent rounds: one pending sign-in for each user (each from its own
   address: the gate allows 16 connections per address), options, the
   signed responses and a TLS connection each, then every POST at once
   from a thread each; each completion is timed from the common start.
   Every response must say ok and the audit log must hold one successful
   webgate record for each of those pending sign-ins.

Writes "name value" lines to --figures (times in ms).
"""
import argparse
import http.client
import json
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "webauthn_client"))
import webauthn_client as wc  # noqa: E402  (the tests' client: the same bodies webgate.sh posts)

LIFETIME = 30           # the shortest pending_lifetime: decided ids leave the table soonest
UA = "practicerunner-bench/1.0"
TICK_NS = 1e9 / os.sysconf("SC_CLK_TCK")


def fail(msg):
    print("webgate bench: " + msg, file=sys.stderr)
    sys.exit(1)


# ---- the gate ------------------------------------------------------------------------------
class Gate:
    def __init__(self, a):
        self.a = a
        self.ctx = ssl.create_default_context(cafile=a.ca)

    def control(self, user, addr):
        """A pending sign-in made as the VPN side makes it: its id."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(30)
            s.connect(self.a.sock)
            s.sendall(("practicerunner-pending 1\nop=create\nuser=%s\nservice=openvpn\nrhost=%s\nlifetime=%d\n\n"
                       % (user, addr, LIFETIME)).encode())
            with s.makefile("rb") as f:
                line = f.readline().decode()
        words = line.split()
        if len(words) < 2 or words[0] != "pending":
            fail("op=create for %s answered %r" % (user, line.strip()))
        return words[1]

    def connect(self, addr, timeout=120):
        """An HTTPS connection from ADDR, its TLS handshake done."""
        raw = socket.create_connection(("127.0.0.1", self.a.port), timeout=timeout, source_address=(addr, 0))
        c = http.client.HTTPSConnection(self.a.host, self.a.port, timeout=timeout, context=self.ctx)
        c.sock = self.ctx.wrap_socket(raw, server_hostname=self.a.host)
        return c

    @staticmethod
    def post(c, path, body):
        c.request("POST", path, body=json.dumps(body),
                  headers={"Content-Type": "application/json", "User-Agent": UA})
        r = c.getresponse()
        data = r.read()
        c.close()
        return json.loads(data)

    def ask(self, addr, path, body):
        return self.post(self.connect(addr), path, body)

    def prepare(self, user, addr, key):
        """A sign-in ready to post: (pending id, the /api/get body)."""
        pid = self.control(user, addr)
        opts = self.ask(addr, "/api/options", {"pending": pid})
        if "publicKey" not in opts:
            fail("options for %s: %r" % (user, opts))
        return pid, wc.assertion(key, opts["publicKey"], self.a.origin, pid)


def enroll(g, user, addr, token):
    pid = g.control(user, addr)
    copts = g.ask(addr, "/api/enroll-options", {"pending": pid, "invitation": token})
    if "publicKey" not in copts:
        fail("enroll-options for %s: %r" % (user, copts))
    body, key = wc.creation(copts, g.a.origin)
    res = g.ask(addr, "/api/create", body)
    if res.get("result") != "ok":
        fail("enrolling %s: %r" % (user, res))
    # The same pending sign-in goes on to the new key's assertion (and is decided).
    opts = g.ask(addr, "/api/options", {"pending": pid})
    res = g.ask(addr, "/api/get", wc.assertion(key, opts["publicKey"], g.a.origin, pid))
    if res.get("result") != "ok":
        fail("the first sign-in of %s: %r" % (user, res))
    return key


# ---- CPU of a process ----------------------------------------------------------------------
def sched_ns(pid):
    """CPU time of every thread of PID in ns (schedstat), or None without it."""
    total = 0
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total


def stat_ns(pid):
    """utime + stime of PID (the whole process) from /proc/PID/stat, in ns."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_NS


# ---- one round of each -----------------------------------------------------------------------
def gate_batch(g, user, addr, key, n, fig):
    """N sequential sign-ins of USER, each timed on its own."""
    ready = [g.prepare(user, addr, key) for _ in range(n)]
    for _, body in ready:
        c = g.connect(addr)
        s0, p0, h0 = sched_ns(g.a.parent_pid), stat_ns(g.a.parent_pid), stat_ns(g.a.child_pid)
        t0 = time.perf_counter()
        res = g.post(c, "/api/get", body)
        t1 = time.perf_counter()
        s1, p1, h1 = sched_ns(g.a.parent_pid), stat_ns(g.a.parent_pid), stat_ns(g.a.child_pid)
        if res.get("result") != "ok":
            fail("a sequential sign-in of %s: %r" % (user, res))
        fig["gate_wall"].append((t1 - t0) * 1e3)
        fig["parent_stat"] += p1 - p0
        fig["child_stat"] += h1 - h0
        if s0 is not None and s1 is not None:
            fig["parent_cpu"].append((s1 - s0) / 1e6)


def pam_run(a, service):
    """One whole pamrun process: (CPU ms, wall ms); fails unless PAM_SUCCESS."""
    env = dict(os.environ, PRACTICERUNNER_SOFTKEY=a.softkey, PAM_WRAPPER="1",
               PAM_WRAPPER_SERVICE_DIR=a.pam_dir, LD_PRELOAD=a.preload)
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        p = subprocess.Popen([a.pamrun, service, a.console_user, "auth"], stdin=subprocess.DEVNULL,
                             stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.perf_counter()
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    if "result: PAM_SUCCESS" not in text.splitlines():
        fail("a console sign-in (%s) did not succeed:\n%s" % (service, text))
    return (ru.ru_utime + ru.ru_stime) * 1e3, (t1 - t0) * 1e3


def console_batch(a, n, fig):
    for _ in range(n):
        cpu, wall = pam_run(a, a.console_service)
        fig["console_cpu"].append(cpu)
        fig["console_wall"].append(wall)
        cpu, _ = pam_run(a, a.floor_service)
        fig["floor_cpu"].append(cpu)


def audit_successes(path, ids):
    """How many of the pending sign-ins IDS the audit log records as webgate successes."""
    want = {i[:8] for i in ids}
    seen = set()
    with open(path) as f:
        for line in f:
            rec = dict(w.split("=", 1) for w in line.split() if "=" in w)
            if (rec.get("event") == "auth" and rec.get("result") == "success" and
                    rec.get("path") == "webgate" and rec.get("pending") in want):
                seen.add(rec["pending"])
    return len(seen)


def concurrent_round(g, people, keys):
    """Every one of PEOPLE signs in at once: (completion times in ms, parent CPU ms per request, ok count)."""
    ready = [g.prepare(u, addr, keys[u]) for u, addr, _ in people]
    conns = [g.connect(addr) for _, addr, _ in people]
    go = threading.Event()
    done = [None] * len(people)
    start = [0.0]

    def one(i):
        go.wait()
        try:
            res = g.post(conns[i], "/api/get", ready[i][1])
        except (OSError, ValueError, http.client.HTTPException) as e:
            res = {"result": "client error: %s" % e}
        done[i] = ((time.perf_counter() - start[0]) * 1e3, res.get("result"))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(people))]
    for t in threads:
        t.start()
    p0 = stat_ns(g.a.parent_pid)
    start[0] = time.perf_counter()
    go.set()
    for t in threads:
        t.join()
    p1 = stat_ns(g.a.parent_pid)
    ok = sum(1 for _, r in done if r == "ok")
    if ok != len(people):
        bad = sorted({r for _, r in done if r != "ok"})
        print("webgate bench: %d of %d concurrent sign-ins were not ok: %s" % (len(people) - ok, len(people),
              ", ".join(str(b) for b in bad)), file=sys.stderr)
    recorded = audit_successes(g.a.audit, [pid for pid, _ in ready])
    return [t for t, _ in done], (p1 - p0) / 1e6 / len(people), ok, recorded


# ---- figures -------------------------------------------------------------------------------
def median(v):
    return statistics.median(v)


def p90(v):
    s = sorted(v)
    return s[max(int(len(s) * 0.9) - 1, 0)]


def main():
    p = argparse.ArgumentParser()
    for name in ("figures", "invites", "sock", "ca", "host", "origin", "audit", "pamrun", "pam_dir",
                 "preload", "softkey", "console_user", "console_service", "floor_service"):
        p.add_argument("--" + name.replace("_", "-"), required=True)
    for name in ("port", "parent_pid", "child_pid"):
        p.add_argument("--" + name.replace("_", "-"), type=int, required=True)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--concurrent-rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=5)
    a = p.parse_args()
    g = Gate(a)

    people = [line.split() for line in open(a.invites) if line.strip()]
    keys = {u: enroll(g, u, addr, tok) for u, addr, tok in people}
    user, addr, _ = people[0]
    fig = {"gate_wall": [], "parent_cpu": [], "parent_stat": 0.0, "child_stat": 0.0,
           "console_cpu": [], "console_wall": [], "floor_cpu": []}
    gate_batch(g, user, addr, keys[user], a.warmup, fig)
    console_batch(a, a.warmup, fig)
    fig = {k: ([] if isinstance(v, list) else 0.0) for k, v in fig.items()}
    # The order alternates, so that a change of load falls on both sides alike.
    for r in range(a.rounds):
        if r % 2 == 0:
            gate_batch(g, user, addr, keys[user], a.batch, fig)
            console_batch(a, a.batch, fig)
        else:
            console_batch(a, a.batch, fig)
            gate_batch(g, user, addr, keys[user], a.batch, fig)
    n = len(fig["gate_wall"])
    out = {
        "requests": n,
        "parent_cpu_median": median(fig["parent_cpu"]) if fig["parent_cpu"] else -1,
        "parent_cpu_p90": p90(fig["parent_cpu"]) if fig["parent_cpu"] else -1,
        "parent_cpu_mean_stat": fig["parent_stat"] / 1e6 / n,
        "child_cpu_mean_stat": fig["child_stat"] / 1e6 / n,
        "gate_wall_median": median(fig["gate_wall"]),
        "gate_wall_p90": p90(fig["gate_wall"]),
        "console_cpu_median": median(fig["console_cpu"]),
        "console_wall_median": median(fig["console_wall"]),
        "floor_cpu_median": median(fig["floor_cpu"]),
    }
    meds, p90s, cpus = [], [], []
    for r in range(a.concurrent_rounds):
        times, cpu, ok, recorded = concurrent_round(g, people, keys)
        out["concurrent_%d" % r] = "%.2f/%.2f/%d/%d" % (median(times), p90(times), ok, recorded)
        if ok != len(people) or recorded != len(people):
            fail("concurrent round %d: %d ok, %d recorded, of %d" % (r + 1, ok, recorded, len(people)))
        meds.append(median(times))
        p90s.append(p90(times))
        cpus.append(cpu)
    out.update({"concurrent": len(people), "concurrent_rounds": a.concurrent_rounds,
                "concurrent_median": median(meds), "concurrent_p90": median(p90s),
                "concurrent_parent_cpu": median(cpus)})
    with open(a.figures, "w") as f:
        for k, v in out.items():
            f.write("%s %s\n" % (k, "%.3f" % v if isinstance(v, float) else v))


if __name__ == "__main__":
    main()
