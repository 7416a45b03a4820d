#!/usr/bin/env bash
# Rebuilds librdkafka.tsv from librdkafka's own partitioner functions.
# Needs gcc and librdkafka's headers and library (Debian/Ubuntu: apt-get install librdkafka-dev).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
libs="$(pkg-config --cflags --libs rdkafka 2>/dev/null || echo -lrdkafka)"
# shellcheck disable=SC2086
gcc -O2 -Wall -Wextra -o "$build/partitioners" "$here/partitioners.c" $libs
"$build/partitioners" > "$here/librdkafka.tsv"
echo "wrote $here/librdkafka.tsv ($(($(wc -l < "$here/librdkafka.tsv") - 1)) rows)"
