#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Apply a patch series (its quilt "series" file) to a kernel work tree
# that may be hard links to a pristine tree: the touched files are patched
# in a staging copy taken from the pristine tree, then moved in by rsync,
# which replaces files instead of writing them in place; files whose
# content did not change keep their mtime (no needless rebuild).
#
#   apply-series.sh TREE PRISTINE SERIES-DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=${1:?usage: apply-series.sh TREE PRISTINE SERIES-DIR}
pristine=${2:?usage}
dir=${3:?usage}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

while read -r p; do
	sed -n 's|^diff --git a/\(.*\) b/.*|\1|p' "$dir/$p"
done < "$dir/series" | sort -u | while read -r f; do
	if [ -e "$pristine/$f" ]; then
		mkdir -p "$stage/$(dirname "$f")"
		cp "$pristine/$f" "$stage/$f"
	fi
done
while read -r p; do
	patch -d "$stage" -p1 -F0 -s --no-backup-if-mismatch < "$dir/$p" ||
		die "$p does not apply to $pristine"
done < "$dir/series"
rsync -rc "$stage/" "$tree/"
