#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Make tests/selftest/stress/ from one KUnit run's logs (scripts/kunit.sh
and scripts/kunit-insmod.sh of the same kernel):

  trim_stress.py KUNIT.guest.log KUNIT-INSMOD.log OUTDIR

kunit.guest.log: the boot-time run's device suite. insmod.log: the
boot-time stress case (before INSMOD-BEGIN, which the checker skips), then
the insmod run from INSMOD-BEGIN on, less the other cases' lines.
stress.log: insmod.log as scripts/stress.sh's console would be with 1000
cycles: STRESS-BEGIN/STRESS-END with online=, the round's result line ten
times. stress_check.py gives the same verdicts on them as on the logs.
"""

import re
import sys


def strip(lines):
    return [re.sub(r'^\[ *\d+\.\d+\] ', '', l.rstrip('\n')) for l in lines]


def section(lines, begin, end):
    """From the line before the first matching begin to the first end."""
    i = next(k for k, l in enumerate(lines) if re.search(begin, l))
    j = next(k for k in range(i, len(lines)) if re.search(end, lines[k]))
    return lines[i - 1:j + 1]


def stress_only(suite):
    """The device suite with the cases before the stress case left out."""
    head = [l for l in suite[:4] if 'KTAP' in l or 'Subtest' in l or re.match(r'\s*1\.\.\d+', l)]
    k = next(i for i, l in enumerate(suite) if '# Subtest: dev_stress_test' in l)
    return head + suite[k - 1:]


def main():
    kunit, insmod, out = sys.argv[1:4]
    kl = strip(open(kunit, errors='replace'))
    il = strip(open(insmod, errors='replace'))
    dev = section(kl, r'# Subtest: msix_resync_device$', r'^ok \d+ msix_resync_device')
    with open(out + '/kunit.guest.log', 'w') as f:
        f.write('\n'.join(dev) + '\n')
    b = next(i for i, l in enumerate(il) if l.startswith('INSMOD-BEGIN'))
    boot = section(il[:b], r'# Subtest: dev_stress_test$', r'ok \d+ dev_stress_test')
    run = il[b:]
    dev = section(run, r'# Subtest: msix_resync_device$', r'^ok \d+ msix_resync_device')
    s = run.index(dev[0])
    tail = run[s + len(dev):]
    keep = [l for l in tail if l.startswith(('INSMOD-END', 'KMEMLEAK-', 'kmemleak-report: '))]
    ins = boot + [run[0]] + [l for l in run[1:s] if 'taints kernel' in l or
                             'already present' in l] + stress_only(dev) + keep
    with open(out + '/insmod.log', 'w') as f:
        f.write('\n'.join(ins) + '\n')
    # make stress: ten rounds of the measured one, STRESS-BEGIN/END
    st = []
    for l in ins:
        if l.startswith('INSMOD-BEGIN'):
            st.append('STRESS-BEGIN online=0-3')
            continue
        if l.startswith('INSMOD-END'):
            st.append('STRESS-END online=0-3')
            continue
        m = re.match(r'(\s*)ok 1 round 1$', l)
        if m and st and 'STRESS-BEGIN online=0-3' in st:
            res = st[-1]
            st.append(l)
            for r in range(2, 11):
                st += [res, '%sok %d round %d' % (m.group(1), r, r)]
            continue
        st.append(l)
    with open(out + '/stress.log', 'w') as f:
        f.write('\n'.join(st) + '\n')


if __name__ == '__main__':
    main()
