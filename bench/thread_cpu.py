#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""thread_cpu.py CMD...: run CMD (stdout and stderr dropped), sample
/proc/PID/task/*/stat every 0.2 s, and print the wall time, the total CPU
(user + sys, from wait4) and each thread's CPU seconds at its last sample:
shows whether a run's work is shared by its threads (bench/README.md,
session 7: one huge file on every worker)."""
import os
import subprocess
import sys
import time

hz = os.sysconf("SC_CLK_TCK")
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
t0 = time.monotonic()
last = {}
while True:
    pid, st, ru = os.wait4(p.pid, os.WNOHANG)
    if pid == p.pid:
        break
    try:
        for tid in os.listdir("/proc/%d/task" % p.pid):
            try:
                with open("/proc/%d/task/%s/stat" % (p.pid, tid)) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                last[tid] = (int(fields[11]) + int(fields[12])) / hz
            except OSError:
                pass
    except OSError:
        pass
    time.sleep(0.2)
wall = time.monotonic() - t0
ts = sorted(last.values(), reverse=True)
print("wall %.2f s, CPU %.2f s; per thread (CPU s, >0.05): %s" % (
    wall, ru.ru_utime + ru.ru_stime, " ".join("%.2f" % v for v in ts if v > 0.05)))
