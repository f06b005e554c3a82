#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The sid chroot (Linux 7.2 and sid's toolchain): chroot.sh sid.
#
#   sid-chroot.sh [PACKAGE...] | sid-chroot.sh run CMD...
exec "$(dirname "$0")/chroot.sh" sid "$@"
