#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Verdicts for one KUnit run: kunit.py's JSON and the guest's log.

Usage: kunit_results.py LABEL RESULTS.json GUEST.log
Prints a PASS/FAIL line per suite and per guest-log check, and the counts.
"""

import json
import re
import sys

BAD = re.compile(r'BUG:|WARNING:|Oops|Call Trace|possible recursive locking|'
                 r'possible circular locking|inconsistent lock state|'
                 r'INFO: lockdep|sleeping function called|'
                 r'scheduling while atomic|UBSAN:|KASAN:|kmemleak: .*new suspected|'
                 r'general protection|Kernel panic|ODEBUG:')


def bad_lines(lines):
    """The log's alarming lines, less the stack dump that fault injection
    prints on purpose right after "FAULT_INJECTION: forcing a failure"."""
    out = []
    for i, line in enumerate(lines):
        if not BAD.search(line):
            continue
        if 'Call Trace' in line and any('FAULT_INJECTION: forcing a failure' in l
                                        for l in lines[max(0, i - 5):i]):
            continue
        out.append(line.rstrip())
    return out


# Each suite's case count (parameterised cases counted one by one): a suite
# that ran fewer did not run what it should.
MIN_CASES = {'msix_resync_model': 298, 'msix_resync_device': 11, 'msix_resync_owner': 1,
             'ipr_reset': 9}


def leaves(group, dotted=False, prefix=''):
    """Every test case of a group, parameterised cases included, as
    (name, status); dotted names carry their groups' names
    (suite.case.param)."""
    for case in group.get('test_cases', []):
        yield (prefix if dotted else '') + case['name'], case['status']
    for sub in group.get('sub_groups', []):
        yield from leaves(sub, dotted, prefix + sub['name'] + '.')


# The guest prints kmemleak's report line by line behind this prefix
# (scripts/kunit-insmod.sh, scripts/stress.sh): the console interleaves
# kernel messages ("random: crng init done") with what user space prints,
# and those are not kmemleak's.
KMEMLEAK_PREFIX = 'kmemleak-report: '


def kmemleak_report(text):
    """kmemleak's report between KMEMLEAK-BEGIN and KMEMLEAK-END: None
    when the guest never finished printing it, else its lines."""
    if 'KMEMLEAK-BEGIN' not in text:
        return None
    part = text.split('KMEMLEAK-BEGIN', 1)[1]
    if 'KMEMLEAK-END' not in part:
        return None
    part = part.split('KMEMLEAK-END', 1)[0]
    return [l.split(KMEMLEAK_PREFIX, 1)[1].rstrip() for l in part.splitlines()
            if KMEMLEAK_PREFIX in l]


def selftest():
    """The kmemleak verdict on synthetic logs: a leak must be seen, a
    kernel message inside the section must not count, a section never
    closed must not pass."""
    leak = ('KMEMLEAK-BEGIN\n' + KMEMLEAK_PREFIX + 'unreferenced object 0xffff8880 (size 64):\n'
            + KMEMLEAK_PREFIX + '  comm "insmod", pid 71\nKMEMLEAK-END\n')
    cases = [
        ('an empty report passes', 'KMEMLEAK-BEGIN\nKMEMLEAK-END\n', True),
        ('a kernel message printed inside the section is not a leak',
         'KMEMLEAK-BEGIN\nrandom: crng init done\nKMEMLEAK-END\n', True),
        ('a leak is reported', leak, False),
        ('a leak split by a kernel message is reported',
         leak.replace('\n  comm', 'random: crng init done\n  comm'), False),
        ('a section never closed fails', 'KMEMLEAK-BEGIN\n', False),
        ('no section at all fails', 'INSMOD-END\n', False),
    ]
    passed = failed = 0
    for what, text, want in cases:
        got = kmemleak_report(text)
        ok = (got == []) == want
        print('%s harness: kmemleak verdict: %s' % ('PASS' if ok else 'FAIL', what))
        passed, failed = passed + ok, failed + (not ok)
    print('kmemleak selftest: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


def insmod(label, logpath):
    """The module loaded by insmod: its KTAP lines, then kmemleak's report."""
    with open(logpath, errors='replace') as f:
        text = f.read()
    passed = failed = 0

    def verdict(ok, what):
        nonlocal passed, failed
        print('%s %s %s' % ('PASS' if ok else 'FAIL', label, what))
        passed, failed = passed + ok, failed + (not ok)

    run = text.split('INSMOD-BEGIN', 1)[-1].split('INSMOD-END', 1)[0]
    # "ok N name # SKIP reason" is a skip, not a pass.
    oks = re.findall(r'^\s*ok \d+ (\S+)(?!.*# SKIP)', run, re.M)
    skips = re.findall(r'^\s*ok \d+ (\S+).*# SKIP', run, re.M)
    bad = re.findall(r'^\s*not ok \d+ (.*)$', run, re.M)
    suites = [s for s in ('msix_resync_model', 'msix_resync_device') if s in oks]
    verdict('INSMOD-BEGIN' in text and 'INSMOD-END' in text.split('INSMOD-BEGIN', 1)[-1] and
            'INSMOD-FAILED' not in text and not bad and
            not skips and len(suites) == 2 and len(oks) >= sum(MIN_CASES[s] for s in suites) + 2,
            'kunit by insmod: out-of-tree msix_resync_test.ko loaded, INSMOD-END printed, '
            '%d ok lines, not ok: %r, skipped: %r' % (len(oks), bad[:5], skips[:5]))
    leak = kmemleak_report(text)
    verdict(leak == [], 'kunit by insmod: kmemleak reports nothing after the suites '
            '(1000 alloc/free cycles among them)%s'
            % ('' if leak == [] else ': ' + ('no report printed' if leak is None
                                             else ' | '.join(leak[:12]))))
    bad = bad_lines(text.splitlines())
    verdict(not bad, 'kunit by insmod: guest log clean %r' % bad[:3])
    print('%s kunit-insmod: %d passed, %d failed' % (label, passed, failed))
    return 1 if failed else 0


def main():
    if sys.argv[1] == '--selftest':
        return selftest()
    if sys.argv[1] == '--insmod':
        return insmod(sys.argv[2], sys.argv[3])
    label, jpath, logpath = sys.argv[1:4]
    passed = failed = 0
    with open(jpath) as f:
        root = json.load(f)
    suites = {g['name']: list(leaves(g)) for g in root.get('sub_groups', [])}
    for want in ('msix_resync_model', 'msix_resync_device', 'msix_resync_owner', 'ipr_reset'):
        if want not in suites:
            print('FAIL %s kunit: suite %s did not run' % (label, want))
            failed += 1
    for suite, cases in sorted(suites.items()):
        counts = {}
        for _, st in cases:
            counts[st] = counts.get(st, 0) + 1
        bad = [n for n, st in cases if st not in ('PASS', 'SKIP')]
        skipped = [n for n, st in cases if st == 'SKIP']
        line = '%s kunit %s: %d cases: %s' % (label, suite, len(cases),
                                             ', '.join('%d %s' % (v, k) for k, v in sorted(counts.items())))
        # A skipped case proved nothing; a suite short of cases did not run.
        if bad or skipped or len(cases) < MIN_CASES.get(suite, 1):
            print('FAIL ' + line + ' (failed: %s; skipped: %s; at least %d cases expected)'
                  % (bad[:5], skipped, MIN_CASES.get(suite, 1)))
            failed += 1
        else:
            print('PASS ' + line)
            passed += 1
    with open(logpath, errors='replace') as f:
        bad = bad_lines(f.read().splitlines())
    if bad:
        print('FAIL %s kunit: guest log has %d BUG/WARNING/lockdep/sleep/KASAN/UBSAN lines: %r'
              % (label, len(bad), bad[:5]))
        failed += 1
    else:
        print('PASS %s kunit: guest log free of BUG:, WARNING:, lockdep, sleeping-in-atomic, '
              'KASAN, UBSAN, kmemleak reports' % label)
        passed += 1
    print('%s kunit: %d passed, %d failed' % (label, passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
