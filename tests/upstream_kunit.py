#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make upstream's verdict on the series' KUnit suite (pci_msix_restore).

Usage: upstream_kunit.py series|mutant KUNIT-JSON GUEST-LOG
       upstream_kunit.py --selftest   (measured runs in tests/selftest/upstream/
                                       and doctored copies of them)

The suite's cases are read from the series' patch that adds it
(drivers-ipr-patch/upstream/, KUNIT_CASE lines). On the series every case
passes; on the mutant (the series with its PCI/MSI fix reverted) the cases
of the Enable edge fail and the others pass. In both, the guest brought up
more than one CPU (the suite runs on an SMP kernel) and its log has no BUG:,
WARNING:, lockdep or sleeping-function line.
"""

import glob
import json
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SERIES = os.path.join(HERE, '..', 'drivers-ipr-patch', 'upstream')
SELFTEST = os.path.join(HERE, 'selftest', 'upstream')
SUITE = 'pci_msix_restore'
# the cases that see the restore's Message Control writes: without the fix
# the restore never clears Enable and writes twice, not three times
EDGE = {'pci_msix_restore_enable_kept', 'pci_msix_restore_enable_cleared',
        'pci_msix_restore_maskall_cleared'}
BAD = re.compile(r'BUG:|WARNING:|INFO: possible|Invalid wait context|'
                 r'sleeping function called|ODEBUG:|kobject.*not initialized')
# x86's "smp: Brought up 1 node, 4 CPUs"; a kernel without SMP has no line
SMP = re.compile(r'smp: Brought up \d+ nodes?, (\d+) CPUs?')


def cases():
    patch = glob.glob(os.path.join(SERIES, '*-PCI-MSI-Add-a-KUnit-test-*.patch'))
    if len(patch) != 1:
        return []
    return re.findall(r'^\+\s*KUNIT_CASE\((\w+)\)', open(patch[0]).read(), re.M)


def groups(top):
    """every test group of kunit.py's JSON, nested ones included"""
    todo = [top]
    while todo:
        g = todo.pop()
        yield g
        todo.extend(g.get('sub_groups', []))


def statuses(path):
    """case -> status of the suite's cases in kunit.py's JSON, or None"""
    try:
        top = json.load(open(path))
    except (OSError, ValueError):
        return None
    for g in groups(top):
        if g.get('name') == SUITE:
            return {c['name']: c['status'] for c in g.get('test_cases', [])}
    return None


def judge(kind, jpath, logpath):
    res = []

    def check(ok, text):
        res.append((ok, text))
    want = cases()
    if not want:
        check(False, '%s: no KUNIT_CASE in the series\' KUnit patch' % kind)
        return res
    got = statuses(jpath)
    if got is None:
        check(False, '%s: the suite %s did not run (%s)' % (kind, SUITE, jpath))
        return res
    for c in want:
        st = got.get(c, 'did not run')
        expect = 'FAIL' if kind == 'mutant' and c in EDGE else 'PASS'
        check(st == expect, '%s: %s: %s (expected %s)' % (kind, c, st, expect))
    extra = sorted(set(got) - set(want))
    if extra:
        check(False, '%s: cases not in the series: %s' % (kind, ', '.join(extra)))
    try:
        log = open(logpath, errors='replace').read()
    except OSError:
        log = ''
    bad = [ln.strip() for ln in log.splitlines() if BAD.search(ln)]
    started = ('KTAP version' in log or 'TAP version' in log) and SUITE in log
    cpus = [int(n) for n in SMP.findall(log)]
    check(bool(cpus) and min(cpus) >= 2, '%s: the guest is SMP (%s)'
          % (kind, ', '.join('%d CPUs' % n for n in cpus) or 'no "smp: Brought up" line'))
    check(started and not bad, '%s: the guest log has the suite and no BUG:/WARNING:/lockdep '
          'line%s' % (kind, (': ' + bad[0]) if bad else '' if started else ': no suite in it'))
    return res


def report(res, label):
    for ok, text in res:
        print('%s upstream: %s' % ('PASS' if ok else 'FAIL', text))
    nf = sum(1 for ok, _ in res if not ok)
    print('%s: %d passed, %d failed' % (label, len(res) - nf, nf))
    return nf


def selftest():
    """Each fixture green; each doctored copy red in the check it targets."""
    res = []
    tmp = tempfile.mkdtemp()
    try:
        fx = {k: (os.path.join(SELFTEST, k + '.json'), os.path.join(SELFTEST, k + '.log'))
              for k in ('series', 'mutant')}
        for k, (j, lg) in fx.items():
            r = judge(k, j, lg)
            res.append((bool(r) and all(ok for ok, _ in r) and len(r) == len(cases()) + 2,
                        'the measured %s run is green with its %d checks' % (k, len(r))))

        def doctored(name, kind, edit_json=None, edit_log=None):
            j, lg = fx[kind]
            dj, dl = os.path.join(tmp, name + '.json'), os.path.join(tmp, name + '.log')
            shutil.copy(j, dj)
            shutil.copy(lg, dl)
            if edit_json:
                d = json.load(open(dj))
                edit_json(d)
                json.dump(d, open(dj, 'w'))
            if edit_log:
                text = open(dl).read()
                if edit_log(text) == text:
                    res.append((False, 'doctored: %s: the edit changed nothing' % name))
                    return
                open(dl, 'w').write(edit_log(text))
            r = judge(kind, dj, dl)
            res.append((any(not ok for ok, _ in r), 'doctored: %s fails' % name))

        def drop_case(d):
            for g in groups(d):
                if g.get('name') == SUITE:
                    g['test_cases'] = g['test_cases'][1:]

        def all_pass(d):
            for g in groups(d):
                for c in g.get('test_cases', []):
                    c['status'] = 'PASS'

        def no_suite(d):
            for g in groups(d):
                if g.get('name') == SUITE:
                    g['name'] = 'other'
        doctored('a case that did not run', 'series', edit_json=drop_case)
        doctored('the mutant passing every case (the test cannot fail)', 'mutant',
                 edit_json=all_pass)
        doctored('a run without the suite', 'series', edit_json=no_suite)
        doctored('a WARNING: line in the guest log', 'series',
                 edit_log=lambda s: s + '\n[    1.000000] WARNING: CPU: 0 PID: 1 at x\n')
        doctored('an empty guest log', 'series', edit_log=lambda s: '')
        # what make upstream measured before its kunitconfig had CONFIG_SMP
        doctored('a kernel without SMP (one CPU)', 'series',
                 edit_log=lambda s: SMP.sub('', s))
        doctored('an SMP kernel that brought up one CPU', 'mutant',
                 edit_log=lambda s: SMP.sub('smp: Brought up 1 node, 1 CPU', s))
    finally:
        shutil.rmtree(tmp)
    return report(res, 'upstream-kunit selftest')


def main(argv):
    if argv[:1] == ['--selftest']:
        return 1 if selftest() else 0
    if len(argv) != 3 or argv[0] not in ('series', 'mutant'):
        print(__doc__)
        return 2
    return 1 if report(judge(*argv), 'upstream-kunit ' + argv[0]) else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
