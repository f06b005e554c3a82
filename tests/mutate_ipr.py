#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make mutate-ipr: does each mutant of the ipr series (tests/ipr-mutants.txt)
fail ipr's KUnit suite or its QEMU-trace verdicts?

Usage: [MUTANTS=N,...] mutate_ipr.py TOP SERIES
       mutate_ipr.py --apply TREE 'file :: nth :: old :: new [;; ...]'   (kunit.sh)
First the series as it is (the control: the same verdict must pass), then
each mutant: scripts/kunit.sh SERIES with KUNIT_FILTER=ipr_reset and
KUNIT_MUTANT set, which changes the line in the KUnit kernel's tree after
the series is applied. Prints "mutant N (what): killed by <check>" or
"SURVIVED", and last "ipr mutants: N killed, M survived".
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kunit_results import bad_lines, leaves  # noqa: E402


def parse(spec):
    path, nth, old, new = [x.strip() for x in spec.split(' :: ')][:4]
    return path, int(nth), old, new


def apply(tree, spec):
    """One mutant: one or more changes, separated by ' ;; '."""
    for change in spec.split(' ;; '):
        apply_one(tree, change)


def apply_one(tree, spec):
    path, nth, old, new = parse(spec)
    full = os.path.join(tree, path)
    with open(full) as f:
        lines = f.read().split('\n')
    hits = [i for i, l in enumerate(lines) if l.strip() == old]
    if len(hits) < nth:
        sys.exit('%s: line %r occurs %d times, want occurrence %d' % (path, old, len(hits), nth))
    i = hits[nth - 1]
    lines[i] = lines[i][:len(lines[i]) - len(lines[i].lstrip())] + new
    # a new file: the tree may hard-link pristine sources
    with open(full + '.mutant', 'w') as f:
        f.write('\n'.join(lines))
    os.replace(full + '.mutant', full)


def verdict(top, series, out, label):
    """None if the ipr suite and its trace verdicts pass, else what failed."""
    try:
        with open(os.path.join(out, 'kunit-%s.json' % label)) as f:
            root = json.load(f)
    except (OSError, ValueError):
        return 'no KUnit results (the kernel did not build or boot)'

    cases = list(leaves(root, dotted=True))
    bad = [n for n, st in cases if st != 'PASS']
    if bad:
        return 'KUnit case %s' % bad[0]
    if len(cases) < 8:
        return 'only %d ipr cases ran' % len(cases)
    guest = os.path.join(out, 'kunit-%s.guest.log' % label)
    with open(guest, errors='replace') as f:
        reports = bad_lines(f.read().splitlines())
    if reports:
        return 'guest log: %s' % reports[0]
    p = subprocess.run([sys.executable, os.path.join(top, 'tests/ipr_check.py'), series, guest,
                        os.path.join(out, 'kunit-%s.qemu-trace.log' % label)],
                       cwd=os.path.join(top, 'tests'), capture_output=True, text=True)
    for line in p.stdout.splitlines():
        if line.startswith('FAIL '):
            return line[5:]
    return None if p.returncode == 0 else 'ipr_check.py exited %d' % p.returncode


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
    subprocess.run(['bash', os.path.join(top, 'scripts/kunit.sh'), series], env=env,
                   capture_output=True, text=True)
    return verdict(top, series, out, label)


def main():
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
    failed = run(top, series, out, 'mutant-ipr-control')
    print('control (the series as it is): %s' % ('PASS' if not failed else 'FAIL: ' + failed),
          flush=True)
    if failed:
        print('ipr mutants: the control fails, no verdict')
        return 1
    killed = survived = 0
    for n, (spec, what) in enumerate(mutants, 1):
        if only and n not in only:
            continue
        why = run(top, series, out, 'mutant-ipr', spec)
        if why:
            killed += 1
            print('mutant %d (%s): killed by %s' % (n, what, why), flush=True)
        else:
            survived += 1
            print('mutant %d (%s): SURVIVED' % (n, what), flush=True)
    # the tree as it was
    run(top, series, out, 'mutant-ipr-control')
    print('ipr mutants: %d killed, %d survived (%d s)' % (killed, survived, time.time() - t0))
    return 1 if survived else 0


if __name__ == '__main__':
    sys.exit(main())
