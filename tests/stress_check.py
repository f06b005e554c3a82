#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Verdict of the stress case (kunit/msix_resync_test.c, dev_stress_test).

Usage: stress_check.py LABEL MIN_CYCLES GUEST.log [--after MARKER] [--hotplug]
                       [--online] [--no-kmemleak]
Only the log after the first MARKER line is read (scripts/stress.sh: the
module's run, not the boot-time one; scripts/kunit-insmod.sh: INSMOD-BEGIN),
and the run must have ended: its end line (STRESS-END, INSMOD-END) printed,
insmod not failed (INSMOD-FAILED). --hotplug requires CPUs to have been
offlined and onlined; --online that "STRESS-END online=" names the CPUs
"STRESS-BEGIN online=" named (every CPU back online). kmemleak's report
(KMEMLEAK-BEGIN ... KMEMLEAK-END, scripts/stress.sh and kunit-insmod.sh)
must be there and empty, unless --no-kmemleak: the boot-time KUnit run
(scripts/kunit.sh) has no user space to ask kmemleak for its report.
Prints the case's own line, reports = the guest log's BUG/WARNING/lockdep/
KASAN/sleep-in-atomic lines, "cycles=N disagreements=D lost=L
duplicated=U reports=R", PASS/FAIL lines (the same number for every log
of a mode, whatever is missing from it) and "N passed, M failed".
"""

import argparse
import re
import sys

from kunit_results import bad_lines, kmemleak_report

ROUND = 100	# cycles per round: STRESS_ROUND in kunit/msix_resync_test.c
LINE = re.compile(r'dev_stress_test: (cycles=(\d+) disagreements=(\d+) lost=(\d+) '
                  r'duplicated=(\d+) errors=(\d+) affinity=(\d+) hotplug=(\d+) toggles=(\d+) '
                  r'managed_shutdowns=(\d+) window=(\d+) masked_raised=(\d+))')
# Each disturber's floor, per cycle of each round (kunit/msix_resync_test.c):
# after every cycle the disturbers pause (stress_pause()), and stress_go()
# lets each of them run at least one pass of its loop in the next cycle (the
# epoch), so:
# - the toggler disables and enables vector 4 in every pass: at least one
#   per cycle;
# - the hotplug thread offlines and onlines a pair in every pass (CPU 0
#   stays, so remove_cpu() has no reason to refuse): one per cycle, 0.9
#   required;
# - the affinity mover skips the two managed vectors of five (a pass that
#   moves nothing): at least 3 passes in 5 move one, 0.5 required;
# - one pair in three (2-3) holds a managed vector's CPUs: a third of the
#   hotplug passes shut one down, 0.2 required.
# Measured (make check, 2026-12-06), per cycle, 6.1 and 6.12: boot-time run
# affinity 1.26 and 1.02, toggles 1.01 and 1.01; insmod run affinity 1.41
# and 1.25, hotplug 1.01 and 1.01, managed shutdowns 0.34 and 0.34, toggles
# 1.06 and 1.07.
FLOOR = {'affinity': 0.5, 'toggles': 1.0, 'hotplug': 0.9, 'managed_shutdowns': 0.2}
# Cycles in which a disturber acted between the library's quiesce and its
# resume (window=), as a share of each round's cycles; and the masked
# vector, raised once per cycle, must have been held pending and delivered
# exactly once when unmasked in every cycle (masked_raised=).
# Measured (2026-12-06): 6.1 boot-time run 92 of 100 cycles; the 6.12
# judge guest of make mutate, 20-cycle runs beside a build, 12 to 20 of 20.
WINDOW_FLOOR = 0.25
WIN, RAISED = 11, 12	# their groups in LINE


def cpus(spec):
    """The CPUs a sysfs cpu list names ("0-3", "0,2-3"), as a set."""
    out = set()
    for part in spec.split(','):
        if not part:
            continue
        a, _, b = part.partition('-')
        out.update(range(int(a), int(b or a) + 1))
    return out


def disturbers(found, hotplug):
    """Each round's disturber counts against their floors: (ok, detail)."""
    names = ['affinity', 'toggles'] + (['hotplug', 'managed_shutdowns'] if hotplug else [])
    idx = {'affinity': 7, 'hotplug': 8, 'toggles': 9, 'managed_shutdowns': 10}
    short = []
    for r, m in enumerate(found, 1):
        n = int(m.group(2))
        for name in names:
            want = max(1, int(FLOOR[name] * n))
            if int(m.group(idx[name])) < want:
                short.append('round %d: %s=%s, want at least %d for %d cycles'
                             % (r, name, m.group(idx[name]), want, n))
    if not found:
        short.append('no result line')
    return not short, '; '.join(short[:4])


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('label')
    ap.add_argument('min_cycles', type=int)
    ap.add_argument('log')
    ap.add_argument('--after')
    ap.add_argument('--hotplug', action='store_true')
    ap.add_argument('--online', action='store_true')
    ap.add_argument('--no-kmemleak', action='store_true')
    args = ap.parse_args(argv)
    label, min_cycles = args.label, args.min_cycles
    with open(args.log, errors='replace') as f:
        lines = f.read().splitlines()
    begin = None
    if args.after:
        marks = [i for i, l in enumerate(lines) if args.after in l]
        begin = lines[marks[0]] if marks else None
        lines = lines[marks[0] + 1:] if marks else []
        if not marks:
            print('%s stress: no %r line in %s' % (label, args.after, args.log))
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        ok = bool(ok)
        print('%s %s stress: %s' % ('PASS' if ok else 'FAIL', label, what))
        passed, failed = passed + ok, failed + (not ok)

    found = [m for m in map(LINE.search, lines) if m]
    reports = bad_lines(lines)
    ok_case = any(re.search(r'(?<!not )\bok \d+ dev_stress_test\s*$', l) for l in lines)
    rounds = -(-min_cycles // ROUND)
    check(len(found) == rounds, 'the stress case printed %d result lines, want %d (rounds of '
          '%d cycles)' % (len(found), rounds, ROUND))
    # the rounds' numbers, summed
    n, d, lost, dup, err, aff, hp, tog, shut = (
        sum(int(m.group(i)) for m in found) for i in range(2, 11))
    if found:
        print('%s: cycles=%d disagreements=%d lost=%d duplicated=%d reports=%d '
              '(rounds=%d, errors=%d, affinity changes=%d, CPU offline/online=%d, '
              'managed shutdowns=%d, irq toggles=%d, cycles with a disturber in the '
              'window=%d, masked vector held pending=%d)'
              % (label, n, d, lost, dup, len(reports), len(found), err, aff, hp, shut, tog,
                 sum(int(m.group(WIN)) for m in found), sum(int(m.group(RAISED)) for m in found)))
    check(n >= min_cycles, 'cycles=%d, at least %d' % (n, min_cycles))
    check(found and d == 0 and lost == 0 and dup == 0 and err == 0,
          'irq core, MSI core and device agree after every cycle, every interrupt '
          'arrived exactly once, no call failed (D=%d L=%d U=%d errors=%d)'
          % (d, lost, dup, err))
    ok, short = disturbers(found, args.hotplug)
    floors = ', '.join('%s %g' % kv for kv in FLOOR.items()
                       if args.hotplug or kv[0] in ('affinity', 'toggles'))
    if args.hotplug:
        check(ok, 'the disturbers ran in every round, at least their floors per cycle (%s): '
              '%d affinity changes, %d CPU offline/online (%d with a managed vector shut '
              'down), %d irq toggles%s' % (floors, aff, hp, shut, tog, short and ': ' + short))
    else:
        check(ok, 'the disturbers ran in every round, at least their floors per cycle (%s): '
              '%d affinity changes, %d irq toggles (CPU offline/online only from a module, '
              'see Documentation/testing.rst)%s' % (floors, aff, tog, short and ': ' + short))
    wshort = ['round %d: window=%s masked_raised=%s for %s cycles'
              % (r, m.group(WIN), m.group(RAISED), m.group(2)) for r, m in enumerate(found, 1)
              if int(m.group(WIN)) < max(1, int(WINDOW_FLOOR * int(m.group(2)))) or
              int(m.group(RAISED)) != int(m.group(2))]
    win = sum(int(m.group(WIN)) for m in found)
    raised = sum(int(m.group(RAISED)) for m in found)
    check(found and not wshort,
          'in every round the disturbers acted inside the quiesce-to-resume window in at '
          'least %g of the cycles (%d of %d) and the masked vector was raised, held pending '
          'and delivered once on unmask in every cycle (%d of %d)%s'
          % (WINDOW_FLOOR, win, n, raised, n, (': ' + '; '.join(wshort[:3])) if wshort else ''))
    check(ok_case, 'KUnit reports the case ok')
    if args.after:
        end_marker = args.after.replace('-BEGIN', '-END')
        ends = [l for l in lines if end_marker in l]
        failed_insmod = [l for l in lines if 'INSMOD-FAILED' in l]
        check(ends and not failed_insmod,
              'the run ended: insmod succeeded, %s printed%s'
              % (end_marker, '' if ends and not failed_insmod else
                 ' (%s)' % ('insmod failed' if failed_insmod else 'no %s line: the guest '
                            'stopped or timed out' % end_marker)))
        if args.online:
            m0 = re.search(r'online=(\S+)', begin or '')
            m1 = re.search(r'online=(\S+)', ends[0]) if ends else None
            c0, c1 = (cpus(m.group(1)) if m else set() for m in (m0, m1))
            check(m0 and m1 and c0 == c1 and len(c0) > 1,
                  'every CPU back online after the run: %s online=%s, at the start %s'
                  % (end_marker, m1.group(1) if m1 else '(none)',
                     m0.group(1) if m0 else '(none)'))
    text = '\n'.join(lines)
    if not args.no_kmemleak:
        leak = kmemleak_report(text)
        check(leak == [], 'kmemleak reports nothing after the run%s'
              % ('' if leak == [] else ': ' + ('no report printed (KMEMLEAK-BEGIN ... '
                                               'KMEMLEAK-END)' if leak is None
                                               else ' | '.join(leak[:12]))))
    check(not reports, 'reports=%d (BUG, WARNING, lockdep, KASAN, sleeping in atomic): %r'
          % (len(reports), reports[:3]))
    print('%s stress: %d passed, %d failed' % (label, passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
