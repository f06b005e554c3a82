#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make mutate: does each mutant of lib/ (tests/mutants.txt) fail a test?

Usage: mutate.py TOP WORKDIR
For each mutant: a copy of the project with the one line changed, then
the fast layers that apply, in order, until one fails: e2e on 6.12 (4
vCPUs), e2e on 6.1 (4 vCPUs), the library's KUnit suites (model, device,
owner) on 6.1. Prints
"mutant N (what): killed by <check>" or "SURVIVED", and last
"mutants: N killed, M survived".
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kunit_results import MIN_CASES, leaves  # noqa: E402


def load(top):
    out = []
    with open(os.path.join(top, 'tests/mutants.txt')) as f:
        for line in f:
            if not line.strip() or line.startswith('#'):
                continue
            path, nth, old, new, what = [x.strip() for x in line.split(' :: ')]
            out.append((path, int(nth), old, new, what))
    return out


def apply(tree, top, path, nth, old, new):
    with open(os.path.join(top, path)) as f:
        lines = f.read().split('\n')
    hits = [i for i, l in enumerate(lines) if l.strip() == old]
    if len(hits) < nth:
        raise ValueError('%s: line %r occurs %d times, want occurrence %d'
                         % (path, old, len(hits), nth))
    i = hits[nth - 1]
    indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
    lines[i] = indent + new
    with open(os.path.join(tree, path), 'w') as f:
        f.write('\n'.join(lines))


def first_fail(text):
    for line in text.splitlines():
        if line.startswith('FAIL '):
            return line[5:].strip()
    return None


def run_e2e(tree, out, run):
    env = dict(os.environ, E2E_RUNS=run, OUT=out)
    p = subprocess.run(['bash', os.path.join(tree, 'scripts/check.sh'), 'e2e'],
                       env=env, capture_output=True, text=True)
    return first_fail(p.stdout) or (None if p.returncode == 0 else
                                    'e2e %s exited %d' % (run, p.returncode))


def run_kunit(tree, out):
    env = dict(os.environ, OUT=out, KUNIT_FILTER='msix_resync_*', KUNIT_LABEL='mutant')
    for f in ('kunit-mutant.json',):
        if os.path.exists(os.path.join(out, f)):
            os.unlink(os.path.join(out, f))
    subprocess.run(['bash', os.path.join(tree, 'scripts/kunit.sh'), '6.1'],
                   env=env, capture_output=True, text=True)
    try:
        with open(os.path.join(out, 'kunit-mutant.json')) as f:
            root = json.load(f)
    except (OSError, ValueError):
        return 'kunit: no results (the kernel did not build or boot)'

    bad = [n for n, st in leaves(root, dotted=True) if st not in ('PASS', 'SKIP')]
    n = sum(1 for _ in leaves(root, dotted=True))
    want = sum(v for k, v in MIN_CASES.items() if k.startswith('msix_resync_'))
    if n < want:
        return 'kunit: only %d of the %d msix_resync cases ran' % (n, want)
    return ('kunit ' + bad[0]) if bad else None


def main():
    top, work = sys.argv[1], sys.argv[2]
    mutants = load(top)
    tree, out = os.path.join(work, 'tree'), os.path.join(work, 'out')
    killed = survived = 0
    t0 = time.time()
    for k, (path, nth, old, new, what) in enumerate(mutants, 1):
        t1 = time.time()
        shutil.rmtree(tree, ignore_errors=True)
        shutil.copytree(top, tree, ignore=shutil.ignore_patterns('.git', 'out'))
        os.makedirs(out, exist_ok=True)
        try:
            apply(tree, top, path, nth, old, new)
        except ValueError as e:
            print('mutant %d (%s): ERROR %s' % (k, what, e), flush=True)
            survived += 1
            continue
        by = None
        for layer in ('6.12:4', '6.1:4', 'kunit'):
            by = run_kunit(tree, out) if layer == 'kunit' else run_e2e(tree, out, layer)
            if by:
                break
        if by and ('guest run' in by or 'no results' in by):
            # A mutant that does not build or boot proves no test.
            survived += 1
            print('mutant %d (%s): NOT JUDGED: %s' % (k, what, by), flush=True)
        elif by:
            killed += 1
            print('mutant %d (%s): killed by %s [%d s]' % (k, what, by[:160], time.time() - t1),
                  flush=True)
        else:
            survived += 1
            print('mutant %d (%s): SURVIVED [%d s]' % (k, what, time.time() - t1), flush=True)
    shutil.rmtree(tree, ignore_errors=True)
    print('time: %d s' % (time.time() - t0))
    print('mutants: %d killed, %d survived' % (killed, survived))
    return 1 if survived or killed < 10 else 0


if __name__ == '__main__':
    sys.exit(main())
