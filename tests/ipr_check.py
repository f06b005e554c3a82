#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Verdicts for ipr's KUnit test of the reset path (drivers-ipr-patch/, patch 4)
from QEMU's own trace: MSI-X Enable as QEMU saw it between the test's markers.

Usage: ipr_check.py LABEL GUEST.log QEMU-TRACE.log
"""

import sys

from e2e.guestlog import Run


def main():
    label, console, trace = sys.argv[1:4]
    run = Run(console, trace)
    passed = failed = 0

    def check(ok, what, detail=''):
        nonlocal passed, failed
        print('%s %s ipr kunit: %s%s' % ('PASS' if ok else 'FAIL', label, what,
                                        '' if ok else ' ' + detail))
        passed, failed = passed + ok, failed + (not ok)

    def enables(a, b):
        return [e[1] for e in run.between(a, b) if e[0] == 'msix']

    for what, name in (('bist-cfg', 'BIST by config write'), ('bist-mmio', 'BIST by MMIO doorbell'),
                       ('warm', 'PCIe warm reset')):
        try:
            before = enables(what + ':begin', what + ':bist')
            upto = enables(what + ':begin', what + ':restore')
            after = enables(what + ':restore', what + ':end')
        except KeyError as e:
            check(False, '%s: the test ran' % name, 'no marker %s' % e)
            continue
        check(before and before[-1] == 0 and 1 not in before,
              '%s: QEMU sees MSI-X Enable 1->0 before the reset' % name, repr(before))
        check(upto and upto[-1] == 0 and after and after[0] == 1 and 0 not in after,
              '%s: QEMU sees Enable 0->1 at the restore' % name, '%r %r' % (upto, after))
    try:
        eeh = [e for e in run.between('eeh:begin', 'eeh:end') if e[0] == 'msix']
        check(eeh and all(e[1] == 1 for e in eeh),
              'EEH entry: the restore runs (QEMU sees its writes) and Enable never leaves 1',
              repr(eeh))
    except KeyError as e:
        check(False, 'EEH entry: the test ran', 'no marker %s' % e)
    print('%s ipr kunit: %d passed, %d failed' % (label, passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
