#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Verdict of the stress case (kunit/msix_resync_test.c, dev_stress_test).

Usage: stress_check.py LABEL MIN_CYCLES GUEST.log
Prints the case's own line, reports = the guest log's BUG/WARNING/lockdep/
KASAN/sleep-in-atomic lines, "cycles=N disagreements=D lost=L
duplicated=U reports=R", PASS/FAIL lines and "N passed, M failed".
"""

import re
import sys

from kunit_results import bad_lines

LINE = re.compile(r'dev_stress_test: (cycles=(\d+) disagreements=(\d+) lost=(\d+) '
                  r'duplicated=(\d+) errors=(\d+) affinity=(\d+) hotplug=(\d+) toggles=(\d+))')


def main():
    label, min_cycles, logpath = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(logpath, errors='replace') as f:
        lines = f.read().splitlines()
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        print('%s %s stress: %s' % ('PASS' if ok else 'FAIL', label, what))
        passed, failed = passed + ok, failed + (not ok)

    found = [m for m in map(LINE.search, lines) if m]
    reports = bad_lines(lines)
    ok_case = any(re.search(r'(?<!not )\bok \d+ dev_stress_test\s*$', l) for l in lines)
    if len(found) != 1:
        check(False, 'the stress case printed %d result lines, want 1' % len(found))
    else:
        m = found[0]
        n, d, lost, dup, err, aff, hp, tog = (int(m.group(i)) for i in range(2, 10))
        print('%s: cycles=%d disagreements=%d lost=%d duplicated=%d reports=%d '
              '(errors=%d, affinity changes=%d, CPU offline/online=%d, irq toggles=%d)'
              % (label, n, d, lost, dup, len(reports), err, aff, hp, tog))
        check(n >= min_cycles, 'cycles=%d, at least %d' % (n, min_cycles))
        check(d == 0 and lost == 0 and dup == 0 and err == 0,
              'irq core, MSI core and device agree after every cycle, every interrupt '
              'arrived exactly once, no call failed (D=%d L=%d U=%d errors=%d)'
              % (d, lost, dup, err))
        check(aff > 0 and tog > 0,
              'the disturbers ran: %d affinity changes, %d irq toggles (CPU offline/online: %d, '
              'off by default, see Documentation/testing.rst)' % (aff, tog, hp))
    check(ok_case, 'KUnit reports the case ok')
    check(not reports, 'reports=%d (BUG, WARNING, lockdep, KASAN, sleeping in atomic): %r'
          % (len(reports), reports[:3]))
    print('%s stress: %d passed, %d failed' % (label, passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
