#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make mutate-ipr: does each mutant of the ipr series (tests/ipr-mutants.txt)
fail ipr's KUnit suite or its QEMU-trace verdicts?

Usage: [MUTANTS=N,...] mutate_ipr.py TOP SERIES
       mutate_ipr.py --apply TREE 'file :: nth :: old :: new [;; ...]'   (kunit.sh)
First the series as it is (the control: the same verdict must pass), then
each mutant: scripts/kunit.sh SERIES with KUNIT_FILTER=ipr_reset and
KUNIT_MUTANT set, which changes the line in the KUnit kernel's tree after
the series is applied. Prints "mutant N (what): killed by <check>",
"SURVIVED" or "NOT JUDGED: <why>" (as tests/mutate.py: a mutant whose line
is not in the tree, or whose kernel did not build or boot, proves no
test), and last "ipr mutants: N killed, M survived, J not judged"; exits
non-zero unless every mutant was killed.
       mutate_ipr.py --selftest   the verdict on synthetic result sets
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kunit_results import bad_lines, leaves  # noqa: E402
from mutagen import nth_line  # noqa: E402


def parse(spec):
    path, nth, old, new = [x.strip() for x in spec.split(' :: ')][:4]
    return path, int(nth), old, new


def apply(tree, spec):
    """One mutant: one or more changes, separated by ' ;; '."""
    for change in spec.split(' ;; '):
        apply_one(tree, change)


# --apply's message and exit status when a mutant's line is not in the tree
# (kunit.sh then stops before building): the mutant is not judged.
NOT_APPLIED = 'MUTANT-NOT-APPLIED'
NOT_APPLIED_RC = 3


def apply_one(tree, spec):
    path, nth, old, new = parse(spec)
    full = os.path.join(tree, path)
    try:
        with open(full) as f:
            lines = f.read().split('\n')
    except OSError as e:
        print('%s: %s' % (NOT_APPLIED, e), file=sys.stderr)
        sys.exit(NOT_APPLIED_RC)
    i = nth_line(lines, old, nth)
    if i is None:
        print('%s: %s: no occurrence %d of line %r' % (NOT_APPLIED, path, nth, old),
              file=sys.stderr)
        sys.exit(NOT_APPLIED_RC)
    lines[i] = lines[i][:len(lines[i]) - len(lines[i].lstrip())] + new
    # a new file: the tree may hard-link pristine sources
    with open(full + '.mutant', 'w') as f:
        f.write('\n'.join(lines))
    os.replace(full + '.mutant', full)


KILLED, SURVIVED, NOT_JUDGED = 'killed', 'SURVIVED', 'NOT JUDGED'


def verdict(top, series, out, label, stderr=''):
    """(KILLED, what failed), (SURVIVED, None) when the ipr suite and its
    trace verdicts pass, or (NOT_JUDGED, why) when the mutant's line was
    not in the tree or the kernel gave no results (did not build or boot):
    a run that proved nothing is no kill. stderr: scripts/kunit.sh's."""
    if NOT_APPLIED in stderr:
        return NOT_JUDGED, [l for l in stderr.splitlines() if NOT_APPLIED in l][0]
    try:
        with open(os.path.join(out, 'kunit-%s.json' % label)) as f:
            root = json.load(f)
    except (OSError, ValueError):
        return NOT_JUDGED, 'no KUnit results (the kernel did not build or boot)'

    cases = list(leaves(root, dotted=True))
    if not cases:
        return NOT_JUDGED, 'KUnit results without a case (the kernel did not boot to the tests)'
    bad = [n for n, st in cases if st != 'PASS']
    if bad:
        return KILLED, 'KUnit case %s' % bad[0]
    if len(cases) < 8:
        return KILLED, 'only %d ipr cases ran' % len(cases)
    guest = os.path.join(out, 'kunit-%s.guest.log' % label)
    try:
        with open(guest, errors='replace') as f:
            reports = bad_lines(f.read().splitlines())
    except OSError:
        return NOT_JUDGED, 'no guest log'
    if reports:
        return KILLED, 'guest log: %s' % reports[0]
    trace = os.path.join(out, 'kunit-%s.qemu-trace.log' % label)
    if not os.path.exists(trace):
        return NOT_JUDGED, 'no QEMU trace'
    p = subprocess.run([sys.executable, os.path.join(top, 'tests/ipr_check.py'), series, guest,
                        trace],
                       cwd=os.path.join(top, 'tests'), capture_output=True, text=True)
    for line in p.stdout.splitlines():
        if line.startswith('FAIL '):
            return KILLED, line[5:]
    if p.returncode != 0:
        return KILLED, 'ipr_check.py exited %d' % p.returncode
    return SURVIVED, None


def run(top, series, out, label, mutant=None):
    env = dict(os.environ, OUT=out, KUNIT_FILTER='ipr_reset', KUNIT_LABEL=label)
    env.pop('KUNIT_MUTANT', None)
    if mutant:
        env['KUNIT_MUTANT'] = mutant
    for suffix in ('json', 'guest.log', 'qemu-trace.log'):
        try:
            os.unlink(os.path.join(out, 'kunit-%s.%s' % (label, suffix)))
        except OSError:
            pass
    p = subprocess.run(['bash', os.path.join(top, 'scripts/kunit.sh'), series], env=env,
                       capture_output=True, text=True)
    return verdict(top, series, out, label, p.stderr)


def selftest():
    """The verdict on synthetic result sets: only a run that proved
    something is a kill (tests/selftest/ipr-kunit holds a passing set)."""
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    fix = os.path.join(top, 'tests/selftest/ipr-kunit')
    passed = failed = 0
    tmp = tempfile.mkdtemp()
    try:
        def result_set(name, json_text=None, guest=True):
            d = os.path.join(tmp, name)
            os.makedirs(d)
            if json_text is not None:
                with open(os.path.join(d, 'kunit-m.json'), 'w') as f:
                    f.write(json_text)
            if guest:
                shutil.copy(os.path.join(fix, 'guest.log'), os.path.join(d, 'kunit-m.guest.log'))
                shutil.copy(os.path.join(fix, 'qemu-trace.log'),
                            os.path.join(d, 'kunit-m.qemu-trace.log'))
            return d
        with open(os.path.join(fix, 'results.json')) as f:
            good = f.read()
        # the mutant's line is not in the tree: --apply's own message
        tree = os.path.join(tmp, 'tree')
        os.makedirs(os.path.join(tree, 'drivers/scsi'))
        with open(os.path.join(tree, 'drivers/scsi/ipr.c'), 'w') as f:
            f.write('int a;\n')
        p = subprocess.run([sys.executable, os.path.abspath(__file__), '--apply', tree,
                            'drivers/scsi/ipr.c :: 1 :: int b; :: int c;'],
                           capture_output=True, text=True)
        cases = [
            ('the series as it is (all cases pass, the trace verdicts pass) survives',
             result_set('good', good), '', SURVIVED),
            ('a kernel that did not build (no KUnit JSON) is not judged',
             result_set('nojson', None, guest=False), '', NOT_JUDGED),
            ('a truncated KUnit JSON is not judged', result_set('badjson', good[:40]), '',
             NOT_JUDGED),
            ('KUnit JSON without a case (no boot to the tests) is not judged',
             result_set('nocase', '{"name": "main", "sub_groups": []}'), '', NOT_JUDGED),
            ("a mutant whose line is not in the tree is not judged (--apply exited %d)"
             % p.returncode, result_set('notapplied', None, guest=False), p.stderr, NOT_JUDGED),
            ('a failing ipr case is a kill',
             result_set('failcase', good.replace('"PASS"', '"FAIL"', 1)), '', KILLED),
        ]
        for what, d, err, want in cases:
            got, why = verdict(top, 'selftest', d, 'm', err)
            ok = got == want and bool(want != NOT_JUDGED or why)
            print('%s harness: mutate-ipr verdict: %s%s' % ('PASS' if ok else 'FAIL', what,
                                                          '' if ok else ' (got %s: %s)' % (got, why)))
            passed, failed = passed + ok, failed + (not ok)
    finally:
        shutil.rmtree(tmp)
    print('mutate-ipr selftest: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--selftest':
        return selftest()
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if sys.argv[1] == '--apply':
        apply(sys.argv[2], sys.argv[3])
        return 0
    top, series = sys.argv[1], sys.argv[2]
    only = [int(x) for x in os.environ.get('MUTANTS', '').split(',') if x]  # MUTANTS=4,6
    out = os.path.join(top, 'out')
    os.makedirs(out, exist_ok=True)
    mutants = []
    with open(os.path.join(top, 'tests/ipr-mutants.txt')) as f:
        for line in f:
            if line.strip() and not line.startswith('#'):
                mutants.append((line.rsplit(' :: ', 1)[0], line.rsplit(' :: ', 1)[1].strip()))
    t0 = time.time()
    state, why = run(top, series, out, 'mutant-ipr-control')
    print('control (the series as it is): %s' % ('PASS' if state == SURVIVED else
                                                  'FAIL: %s: %s' % (state, why)), flush=True)
    if state != SURVIVED:
        print('ipr mutants: the control fails, no verdict')
        return 1
    counts = {KILLED: 0, SURVIVED: 0, NOT_JUDGED: 0}
    for n, (spec, what) in enumerate(mutants, 1):
        if only and n not in only:
            continue
        state, why = run(top, series, out, 'mutant-ipr', spec)
        counts[state] += 1
        if state == KILLED:
            print('mutant %d (%s): killed by %s' % (n, what, why), flush=True)
        elif state == NOT_JUDGED:
            print('mutant %d (%s): NOT JUDGED: %s' % (n, what, why), flush=True)
        else:
            print('mutant %d (%s): SURVIVED' % (n, what), flush=True)
    # the tree as it was
    run(top, series, out, 'mutant-ipr-control')
    print('ipr mutants: %d killed, %d survived, %d not judged (%d s)'
          % (counts[KILLED], counts[SURVIVED], counts[NOT_JUDGED], time.time() - t0))
    return 1 if counts[SURVIVED] or counts[NOT_JUDGED] else 0


if __name__ == '__main__':
    sys.exit(main())
