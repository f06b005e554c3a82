#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print every exported function whose kernel-doc lacks Context: or Return:."""

import re
import sys

for path in sys.argv[1:]:
    src = open(path).read()
    for name in re.findall(r'EXPORT_SYMBOL(?:_GPL)?\((\w+)\)', src):
        m = re.search(r'/\*\*\n \* %s\(?\)? - .*?\*/' % re.escape(name), src, re.S)
        if not m:
            print('%s: %s has no kernel-doc' % (path, name))
            continue
        for tag in ('Context:', 'Return:'):
            if tag not in m.group(0):
                print('%s: %s kernel-doc lacks %s' % (path, name, tag))
