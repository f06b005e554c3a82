#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make vfio-safety's verdict: can the device signal through the table the
reset left, before each method has reprogrammed it?

Usage: safety.py RUNDIR...     (boots of scripts/vfio-run.sh with VFIO_BENCH
                                and VFIO_WINDOW=1: scripts/bench-vfio.sh safety)
       safety.py --selftest    (the measured boots in tests/selftest/vfio-safety/
                                and doctored copies of them)

In each cycle L2 (tests/vfio/msix_resync_vbench.c, "window") writes a canary
to guest-physical address 0 after L1's reset and before the restore, raises
every vector, and reads the canary back: a zeroed MSI-X entry's message is a
write of 0 to address 0, which L1's IOMMU maps to L2's page 0. Its line:
"WINDOW method=M n=N canary=0x... wrote=W delivered=D".

Predicted from QEMU's and vfio's code, asserted here:
- R1 (the table zeroed, Enable left set): only a method that acted before
  the reset (msix-resync's quiesce: Enable cleared, the host tears its
  MSI-X down) keeps the device from writing; every after-the-fact method
  (stock restore, msix_resync_after_reset(), amdgpu's toggle, the PCI core
  fixed) leaves the window open, and so does the mutant "unsafe" (the
  quiesce's one write without its Enable clear).
- R2 (the table zeroed and Enable cleared): the reset itself closed the
  window; nothing writes, whatever the method.
And after the restore: msix-resync, after_reset, amdgpu and the core fix
repair (every vector delivers); the stock restore loses R2.
Each cycle's integrity (its reset played, the host's work counted, no
BUG:/WARNING: line) is tests/bench/vfio_report.py's parse().
"""

import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'bench'))
from vfio_report import CYCLE, parse  # noqa: E402

WINDOW = re.compile(r'msix_resync_vbench: WINDOW method=(\w+) n=(\d+) canary=(0x[0-9a-f]+) '
                    r'wrote=([01]) delivered=(\d+)')
RESET = re.compile(r'L1-RESET (R[12]) ')
L2REL = re.compile(r'L2-START (\S+)')
# the methods that act before the reset
BEFORE = {'resync', 'descend'}
# the methods that must repair; the stock restore, which must lose R2
REPAIRS = {'resync', 'descend', 'after', 'amdgpu', 'core', 'realloc'}
SELFTEST = os.path.join(HERE, '..', 'selftest', 'vfio-safety')


def judge(rundir, check):
    """check(ok, text) for each verdict of one boot."""
    problems = []
    qemu, cells = parse(rundir, problems)
    for pr in problems:
        check(False, pr)
    l1 = open(os.path.join(rundir, 'l1-console.log'), errors='replace').read()
    l2 = open(os.path.join(rundir, 'l2-console.log'), errors='replace').read()
    resets = set(RESET.findall(l1))
    rel = L2REL.search(l2)
    if len(resets) != 1 or not rel:
        check(False, '%s: one reset kind and L2\'s release wanted, found %s and %s'
              % (rundir, sorted(resets) or 'no reset', rel.group(1) if rel else 'none'))
        return
    reset = resets.pop()
    where = '%s, QEMU %s, L2 %s' % (reset, qemu, rel.group(1))
    if 'msixr.window=1' not in l2:
        check(False, '%s: %s: L2 was not asked for the window (msixr.window=1)' % (rundir, where))
        return
    # each cycle's WINDOW line, between its L2-CYCLE line and the next
    windows, cur = {}, None
    for line in l2.splitlines():
        c = CYCLE.search(line)
        if c:
            cur = (c.group(1), int(c.group(2)), int(c.group(3)))
            continue
        w = WINDOW.search(line)
        if w:
            if not cur or (w.group(1), int(w.group(2))) != cur[:2] or cur in windows:
                check(False, '%s: a WINDOW line outside its cycle: %s' % (rundir, line.strip()))
                continue
            windows[cur] = w
    cycles = sorted({(m, n, r) for (m, n), runs in cells.items()
                     for r in range(1, len(runs) + 1)})
    if not cycles:
        check(False, '%s: %s: no cycle ran' % (rundir, where))
    for cyc in cycles:
        m = cyc[0]
        # parse() names the core-fixed L2's stock restore "core"; its
        # cycles are "stock"
        w = windows.get(('stock',) + cyc[1:] if m == 'core' else cyc)
        if not w:
            check(False, '%s: %s: cycle %s:%d:%d has no WINDOW line: the witness did not run'
                  % ((rundir, where) + cyc))
            continue
        wrote = w.group(4) == '1'
        want = reset == 'R1' and m not in BEFORE
        check(wrote == want, '%s: %s: %s (n=%d): %s in the window (canary %s, %s of %d '
              'vectors delivered), %s' % (
                  rundir, where, m, cyc[1],
                  'the device wrote to address 0' if wrote else 'nothing reached address 0',
                  w.group(3), w.group(5), cyc[1],
                  'as predicted' if wrote == want else
                  'predicted %s' % ('a write' if want else 'none')))
    for (m, n), runs in sorted(cells.items()):
        got = min(r['got'] for r in runs)
        if m in REPAIRS:
            check(got == n, '%s: %s: %s (n=%d) repairs: %d of %d vectors delivered after '
                  'the restore' % (rundir, where, m, n, got, n))
        elif m == 'stock' and reset == 'R2':
            check(got == 0, '%s: %s: the stock restore loses R2 (the reset showed the '
                  'failure): %d of %d vectors delivered' % (rundir, where, got, n))


def run(rundirs):
    results = []
    for d in rundirs:
        judge(d, lambda ok, text: results.append((ok, text)))
    return results


def main(argv):
    if argv[:1] == ['--selftest']:
        return selftest()
    if not argv:
        sys.exit(__doc__.split('\n\n')[1])
    results = run(argv)
    for ok, text in results:
        print('%s vfio-safety: %s' % ('PASS' if ok else 'FAIL', text))
    passed = sum(ok for ok, _ in results)
    print('vfio-safety: %d passed, %d failed' % (passed, len(results) - passed))
    return 0 if results and passed == len(results) else 1


def doctor(src, dst, rx, repl, log='l2-console.log'):
    shutil.copytree(src, dst)
    p = os.path.join(dst, log)
    text = open(p, errors='replace').read()
    new = re.sub(rx, repl, text, count=1, flags=re.M)
    open(p, 'w').write(new)
    return new != text


# (what, fixture, regex, replacement): each copy must fail at least one check
DOCTORED = [
    ('msix-resync\'s window shows a write (a quiesce that left the window open)', 'R1',
     r'(WINDOW method=resync n=\d+ canary=)0x5afe5afe wrote=0', r'\g<1>0x00000000 wrote=1'),
    ('the mutant\'s window shows no write (a witness blind to the mutant)', 'R1',
     r'(WINDOW method=unsafe n=\d+ canary=)0x00000000 wrote=1', r'\g<1>0x5afe5afe wrote=0'),
    ('the mutant\'s WINDOW line gone (a log that lacks its evidence)', 'R1',
     r'^.*WINDOW method=unsafe .*\n', ''),
    ('the stock restore\'s window after R2 shows a write', 'R2',
     r'(WINDOW method=stock n=\d+ canary=)0x5afe5afe wrote=0', r'\g<1>0x00000000 wrote=1'),
    ('the core-fixed stock restore loses vectors', 'R1-core',
     r'(BENCH method=stock n=(\d+) .* delivered=)\d+/', r'\g<1>0/'),
    ('L2 not asked for the window', 'R2',
     r'msixr\.window=1', 'msixr.window=0'),
]


def selftest():
    passed = failed = 0

    def verdict(ok, what):
        nonlocal passed, failed
        print('%s vfio-safety selftest: %s' % ('PASS' if ok else 'FAIL', what))
        passed, failed = passed + ok, failed + (not ok)

    fixtures = sorted(d for d in os.listdir(SELFTEST) if os.path.isdir(os.path.join(SELFTEST, d)))
    for f in fixtures:
        res = run([os.path.join(SELFTEST, f)])
        bad = [t for ok, t in res if not ok]
        verdict(res and not bad, 'measured boot %s passes its %d checks%s' % (
            f, len(res), (': ' + bad[0]) if bad else ''))
    with tempfile.TemporaryDirectory() as tmp:
        for i, (what, f, rx, repl) in enumerate(DOCTORED):
            dst = os.path.join(tmp, '%02d' % i)
            changed = doctor(os.path.join(SELFTEST, f), dst, rx, repl)
            try:
                res = run([dst])
            except Exception as e:  # a crash is no verdict
                verdict(False, 'doctored %s (%s) is rejected: the checker crashed: %r' % (f, what, e))
                continue
            verdict(changed and any(not ok for ok, _ in res),
                    'doctored %s (%s) is rejected%s' % (
                        f, what, '' if changed else ': the edit did not apply'))
    print('vfio-safety selftest: %d passed, %d failed' % (passed, failed))
    return 1 if failed or passed != len(fixtures) + len(DOCTORED) else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
