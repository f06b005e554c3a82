#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Verdicts for the consumer driver's guest run (scripts/consumer.sh).

Usage: consumer.py LABEL OUTDIR
The driver (tests/consumer/msix_resync_consumer.c) was built against the
installed header and the library's Module.symvers. A stub would return
without a state and toggle nothing; the library's msix_resync_reset()
makes QEMU see MSI-X Enable go 1->0 before the reset and 0->1 at the
restore, between the driver's two markers.
"""

import os
import re
import sys

from guestlog import BAD_RE, Run


def main():
    label, outdir = sys.argv[1], sys.argv[2]
    run = Run(os.path.join(outdir, 'console.log'), os.path.join(outdir, 'trace.log'))
    text = '\n'.join(run.console)
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        print('%s %s: %s' % ('PASS' if ok else 'FAIL', label, what))
        passed, failed = passed + ok, failed + (not ok)

    check('msix_resync_consumer: GUEST-END' in text and 'INSMOD-FAILED' not in text,
          'insmod msix_resync.ko and the driver succeed')
    alloc = re.search(r'msix_resync_consumer: ALLOC (\S+) (-?\d+)', text)
    check(alloc is not None and alloc.groups() == ('state', '0'),
          'msix_resync_alloc() returns a state, not an error or an empty stub (%s)'
          % (alloc.group(0) if alloc else 'no ALLOC line'))
    reset = re.search(r'msix_resync_consumer: RESET (-?\d+) calls=(\d+)', text)
    check(reset is not None and reset.groups() == ('0', '1'),
          'msix_resync_reset() returns 0 and calls the reset once (%s)'
          % (reset.group(0) if reset else 'no RESET line'))
    try:
        seq = [(e[1], e[2]) for e in run.between('reset:begin', 'reset:end') if e[0] == 'msix']
    except (KeyError, ValueError) as e:
        seq = None
        check(False, 'QEMU trace cut at the markers: %r' % (e,))
    if seq is not None:
        enables = [en for en, _ in seq]
        first_off = enables.index(0) if 0 in enables else -1
        check(first_off >= 0 and 1 in enables[first_off:] and enables[-1] == 1,
              'QEMU sees MSI-X Enable 1->0, then 0->1, and it ends enabled '
              '(Enable/Function Mask writes: %s)' % ' '.join('E%d/M%d' % s for s in seq))
    bad = [l for l in run.console if BAD_RE.search(l)]
    check(not bad, 'guest log free of BUG:, WARNING:, Oops %r' % bad[:3])
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
