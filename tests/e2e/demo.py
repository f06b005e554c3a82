#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the demo's table: one backdoor reset without and one with msix-resync."""

import sys

from guestlog import Run


def states(run, a, b, start=None):
    seq = ['E%d/M%d' % (e[1], e[2]) for e in run.between(a, b) if e[0] == 'msix']
    if start is not None:
        seq = ['E%d/M%d' % start] + seq
    return ' -> '.join(seq) if len(seq) > (start is not None) else '(no write)'


def msg(o):
    return '%s/%s' % (o['addr'][-8:], o['data'][-4:])


def phase(run, name, title):
    print('\n%s' % title)
    print('  QEMU saw MSI-X Enable/MASKALL writes (E=Enable, M=MASKALL):')
    print('    before the reset:  %s' % states(run, name + ':begin', name + ':reset',
                                            run.ctrl[name + ':before']))
    print('    at the restore:    %s' % states(run, name + ':restore', name + ':fire'))
    before, zeroed, after = (run.obs[name + ':' + w] for w in ('before', 'zeroed', 'after'))
    irqs = run.irqs[name]
    print('  %-4s %-8s %-8s %-15s %-15s %-15s %s' % (
        'vec', 'mask', 'mask', 'message', 'message', 'message', 'interrupts'))
    print('  %-4s %-8s %-8s %-15s %-15s %-15s %s' % (
        '', 'before', 'after', 'before', 'after reset', 'after restore', 'after (1 raised)'))
    for v in sorted(before):
        m = lambda o: 'masked' if o['hwmask'] else 'unmasked'
        print('  %-4d %-8s %-8s %-15s %-15s %-15s %d' % (
            v, m(before[v]), m(after[v]), msg(before[v]), msg(zeroed[v]), msg(after[v]), irqs[v]))
    en = [e[1] for e in run.between(name + ':begin', name + ':fire') if e[0] == 'msix']
    toggled = 0 in en and en[-1] == 1
    print('  => Enable 1->0->1 seen by QEMU: %s' % ('YES: the hypervisor reprograms the device'
                                                   if toggled else
                                                   'NO: under VFIO the device keeps its zeroed table'))
    return toggled


def main():
    run = Run(sys.argv[1] + '/console.log', sys.argv[1] + '/trace.log')
    kernel = next((l.split('kernel=')[1] for l in run.console if 'START mode=' in l), '?')
    print('msix-resync demo: guest kernel %s, QEMU e1000e, backdoor reset = MSI-X table zeroed'
          % kernel.strip())
    stock = phase(run, 'stock', 'A. stock: pci_save_state(), reset, pci_restore_state()')
    fixed = phase(run, 'resync', 'B. msix-resync: quiesce, save, reset, restore, resume')
    bad = run.bad_lines()
    print("\nOn an emulated device QEMU's table is the device's, so both cycles deliver."
          '\nUnder VFIO the device has its own table: after a reset that also clears its'
          '\nMSI-X Enable bit (a BIST), or on a host as old as the 2014 thread\'s, only'
          '\nthe Enable 0->1 of cycle B makes the host reprogram it: measured below, and'
          '\nin make vfio-repro (Documentation/vfio.rst).')
    print('\nguest log: %s' % ('clean' if not bad else 'PROBLEMS: %r' % bad))
    ok = not stock and fixed and not bad
    print('demo %s' % ('OK' if ok else 'FAILED'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
