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
        ok = bool(ok)
        passed, failed = passed + ok, failed + (not ok)

    def enables(a, b):
        return [e[1] for e in run.between(a, b) if e[0] == 'msix']

    def verdict(name, what, fn):
        try:
            ok, detail = fn()
        except KeyError as e:
            check(False, '%s: the test ran' % name, 'no marker %s' % e)
            return
        check(ok, '%s: %s' % (name, what), detail)

    def bist(w):
        before = enables(w + ':begin', w + ':bist')
        return before and before[-1] == 0 and 1 not in before, repr(before)

    def restore(w, start):
        upto = enables(w + ':' + start, w + ':restore')
        after = enables(w + ':restore', w + ':end')
        return (upto and upto[-1] == 0 and after and after[0] == 1 and 0 not in after,
                '%r %r' % (upto, after))

    def stays_on(w):
        seen = enables(w + ':begin', w + ':end')
        return seen and all(e == 1 for e in seen), repr(seen)

    for what, name in (('bist-cfg', 'BIST by config write'), ('bist-mmio', 'BIST by MMIO doorbell')):
        verdict(name, 'QEMU sees MSI-X Enable 1->0 before the reset', lambda: bist(what))
        verdict(name, 'QEMU sees Enable 0->1 at the restore', lambda: restore(what, 'begin'))
    verdict('PCIe warm reset', 'no quiesce (the platform performs it): the restore runs and '
            'Enable never leaves 1', lambda: stays_on('warm'))
    verdict('EEH entry', 'the restore runs (QEMU sees its writes) and Enable never leaves 1',
            lambda: stays_on('eeh'))

    def bist_fails():
        seen = enables('bist-fails:begin', 'bist-fails:end')
        return seen and seen[0] == 0 and seen[-1] == 1, repr(seen)
    verdict('BIST fails to start', 'QEMU sees Enable 1->0, then 0->1 from the cancel', bist_fails)
    verdict('resume fails', 'QEMU sees Enable 1->0 before the reset', lambda: bist('resume-fails'))

    # "Never enables" needs a witness that QEMU traced the writes in
    # question: an empty segment passes with no MSI-X event in the trace.
    def dropped():
        # the dropped restore's own Message Control writes, Enable cleared
        seen = enables('resume-fails:bist', 'resume-fails:restore')
        return seen and 1 not in seen, repr(seen)
    verdict('resume fails', 'the restore whose Enable was dropped writes Message Control '
            '(QEMU sees it) and never enables MSI-X', dropped)
    verdict('resume fails', 'QEMU sees Enable 0->1 at the later restore',
            lambda: restore('resume-fails', 'bist'))
    verdict('superseded', 'QEMU sees Enable 1->0 before the first BIST', lambda: bist('superseded'))

    def superseded():
        # the segment writes nothing to Message Control: the witness is the
        # same case's quiesce and restore, which QEMU traced around it
        seen = enables('superseded:bist', 'superseded:new-job')
        case = enables('superseded:begin', 'superseded:end')
        return 0 in case and 1 in case and 1 not in seen, '%r (the case: %r)' % (seen, case)
    verdict('superseded', 'the superseded restore and the waiting BIST write no Enable '
            '(QEMU traced the case\'s Enable 1->0 and 0->1 around them)', superseded)
    def superseded_restore():
        # the device stays quiesced from the first BIST on: the new job's
        # quiesce changes nothing QEMU traces
        upto = enables('superseded:bist', 'superseded:restore')
        after = enables('superseded:restore', 'superseded:end')
        return (1 not in upto and after and after[0] == 1 and 0 not in after,
                '%r %r' % (upto, after))
    verdict('superseded', "QEMU sees Enable 0->1 at the new job's restore, not before",
            superseded_restore)
    print('%s ipr kunit: %d passed, %d failed' % (label, passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
