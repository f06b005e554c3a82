#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What a guest's initramfs loads: MODULEs with what each needs, in
modules.dep's order (it differs between kernels: netfs, fscache, vfio's own
split), decompressed into DEST and listed in DEST/order.

Usage: kmod-closure.py MODULES-DIR DEST MODULE...
"""
import lzma
import os
import sys

mdir, dest, want = sys.argv[1], sys.argv[2], sys.argv[3:]
deps = {}
for line in open(os.path.join(mdir, 'modules.dep')):
    mod, _, rest = line.partition(':')
    deps[mod] = rest.split()


def name(p):
    return os.path.basename(p).split('.ko')[0].replace('-', '_')


by_name = {name(m): m for m in deps}
order = []


def add(m):
    for d in reversed(deps[m]):  # modprobe's order: the last listed first
        add(d)
    if m not in order:
        order.append(m)


builtin = {name(l.strip()) for l in open(os.path.join(mdir, 'modules.builtin'))}
for w in want:
    w = w.replace('-', '_')
    if w in by_name:
        add(by_name[w])
    elif w not in builtin:
        sys.exit('%s: neither a module nor built in' % w)
with open(os.path.join(dest, 'order'), 'w') as f:
    for m in order:
        out = os.path.basename(m).split('.ko')[0] + '.ko'
        src = os.path.join(mdir, m)
        data = lzma.open(src).read() if m.endswith('.xz') else open(src, 'rb').read()
        open(os.path.join(dest, out), 'wb').write(data)
        f.write(out + '\n')
