#!/bin/sh
# Every file hermes-svc opens under a home, a scandir or a backend directory
# goes through the safe file layer (core/platform/hermes-safe-file.c) or an
# openat(O_NOFOLLOW) beneath a directory fd it already verified. This check
# fails on any other way of opening a file by name in the product's code,
# unless tests/safe-io-allow.txt lists the line with the reason it is safe
# (kernel files under /proc, /dev/null, the loader's walk from "/").
#
#   tests/check-safe-io.sh SOURCE_ROOT
set -eu
root=${1:-.}
allow="$root/tests/safe-io-allow.txt"
pattern='(g_file_get_contents|g_file_set_contents|g_file_new_for_path|g_fopen|g_open|[^_a-z]fopen|[^_a-z.>]open|[^_a-z]creat|CreateFileW)[[:space:]]*\('
status=0
found=0
for file in $(cd "$root" && find core plugins cli daemon -name '*.c' | sort); do
	case $file in core/platform/hermes-safe-file.c) continue ;; esac
	grep -n -E "$pattern" "$root/$file" | while IFS= read -r hit; do
		line=${hit#*:}
		# comments mention calls they do not make
		case $(printf '%s' "$line" | sed 's/^[[:space:]]*//') in '*'* | '/*'* | '//'*) continue ;; esac
		ok=0
		while IFS='	' read -r afile atext areason; do
			case $afile in '' | '#'*) continue ;; esac
			[ "$afile" = "$file" ] || continue
			case $line in *"$atext"*) ok=1 ;; esac
		done <"$allow"
		if [ $ok = 0 ]; then
			echo "not ok - $file:${hit%%:*}: opens a file by name outside the safe file layer:$line"
			echo x >>"${TMPDIR:-/tmp}/check-safe-io.$$"
		fi
	done
done
if [ -s "${TMPDIR:-/tmp}/check-safe-io.$$" ]; then
	found=$(wc -l <"${TMPDIR:-/tmp}/check-safe-io.$$")
	rm -f "${TMPDIR:-/tmp}/check-safe-io.$$"
	echo "$found raw open(s) outside the safe file layer; use core/platform/hermes-safe-file.h or list the line, with why it is safe, in tests/safe-io-allow.txt" >&2
	exit 1
fi
rm -f "${TMPDIR:-/tmp}/check-safe-io.$$"
echo "ok - every file under a home, scandir or backend directory is opened through the safe file layer"
