# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration for msix-resync's documentation. The kernel's own
# kernel-doc extension comes from Debian's linux-source (KERNEL_SRC, set by
# "make docs").
import os
import sys

top = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
ksrc = os.environ.get('KERNEL_SRC')
if not ksrc:
    raise RuntimeError('set KERNEL_SRC to a Linux source tree (make docs does)')
sys.path.insert(0, os.path.join(ksrc, 'Documentation', 'sphinx'))

project = 'msix-resync'
copyright = 'The msix-resync developers'
with open(os.path.join(top, 'VERSION')) as f:
    version = release = f.read().strip()

extensions = ['kerneldoc']
kerneldoc_bin = os.path.join(ksrc, 'scripts', 'kernel-doc')
kerneldoc_srctree = top
primary_domain = 'c'
highlight_language = 'none'
master_doc = 'index'
exclude_patterns = ['output']
html_theme = 'alabaster'
html_static_path = []
