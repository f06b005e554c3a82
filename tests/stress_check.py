#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Verdict of the stress case (kunit/msix_resync_test.c, dev_stress_test).

Usage: stress_check.py LABEL MIN_CYCLES GUEST.log [--after MARKER] [--hotplug]
Only the log after the first MARKER line is read (scripts/stress.sh: the
module's run, not the boot-time one); --hotplug requires CPUs to have been
offlined and onlined.
Prints the case's own line, reports = the guest log's BUG/WARNING/lockdep/
KASAN/sleep-in-atomic lines, "cycles=N disagreements=D lost=L
duplicated=U reports=R", PASS/FAIL lines and "N passed, M failed".
"""

import argparse
import re
import sys

from kunit_results import bad_lines, kmemleak_report

ROUND = 100	# cycles per round: STRESS_ROUND in kunit/msix_resync_test.c
LINE = re.compile(r'dev_stress_test: (cycles=(\d+) disagreements=(\d+) lost=(\d+) '
                  r'duplicated=(\d+) errors=(\d+) affinity=(\d+) hotplug=(\d+) toggles=(\d+) '
                  r'managed_shutdowns=(\d+))')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('label')
    ap.add_argument('min_cycles', type=int)
    ap.add_argument('log')
    ap.add_argument('--after')
    ap.add_argument('--hotplug', action='store_true')
    args = ap.parse_args()
    label, min_cycles = args.label, args.min_cycles
    with open(args.log, errors='replace') as f:
        lines = f.read().splitlines()
    if args.after:
        marks = [i for i, l in enumerate(lines) if args.after in l]
        lines = lines[marks[0] + 1:] if marks else []
        if not marks:
            print('%s stress: no %r line in %s' % (label, args.after, args.log))
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        print('%s %s stress: %s' % ('PASS' if ok else 'FAIL', label, what))
        passed, failed = passed + ok, failed + (not ok)

    found = [m for m in map(LINE.search, lines) if m]
    reports = bad_lines(lines)
    ok_case = any(re.search(r'(?<!not )\bok \d+ dev_stress_test\s*$', l) for l in lines)
    rounds = -(-min_cycles // ROUND)
    if len(found) != rounds:
        check(False, 'the stress case printed %d result lines, want %d (rounds of %d cycles)'
              % (len(found), rounds, ROUND))
    if found:
        # the rounds' numbers, summed
        n, d, lost, dup, err, aff, hp, tog, shut = (
            sum(int(m.group(i)) for m in found) for i in range(2, 11))
        print('%s: cycles=%d disagreements=%d lost=%d duplicated=%d reports=%d '
              '(rounds=%d, errors=%d, affinity changes=%d, CPU offline/online=%d, '
              'managed shutdowns=%d, irq toggles=%d)'
              % (label, n, d, lost, dup, len(reports), len(found), err, aff, hp, shut, tog))
        check(n >= min_cycles, 'cycles=%d, at least %d' % (n, min_cycles))
        check(d == 0 and lost == 0 and dup == 0 and err == 0,
              'irq core, MSI core and device agree after every cycle, every interrupt '
              'arrived exactly once, no call failed (D=%d L=%d U=%d errors=%d)'
              % (d, lost, dup, err))
        if args.hotplug:
            check(aff > 0 and tog > 0 and hp > 0 and shut > 0,
                  'the disturbers ran: %d affinity changes, %d CPU offline/online '
                  '(%d with a managed vector shut down), %d irq toggles' % (aff, hp, shut, tog))
        else:
            check(aff > 0 and tog > 0,
                  'the disturbers ran: %d affinity changes, %d irq toggles (CPU offline/online '
                  'only in make stress, see Documentation/testing.rst)' % (aff, tog))
    check(ok_case, 'KUnit reports the case ok')
    text = '\n'.join(lines)
    if 'KMEMLEAK-BEGIN' in text:
        leak = kmemleak_report(text)
        check(leak == [], 'kmemleak reports nothing after the run%s'
              % ('' if leak == [] else ': ' + ('no report printed' if leak is None
                                               else ' | '.join(leak[:12]))))
    check(not reports, 'reports=%d (BUG, WARNING, lockdep, KASAN, sleeping in atomic): %r'
          % (len(reports), reports[:3]))
    print('%s stress: %d passed, %d failed' % (label, passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
