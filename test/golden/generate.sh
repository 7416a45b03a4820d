#!/usr/bin/env bash
# Regenerates the golden vectors in test/golden/ with the Java client's own classes
# (kafka-clients, version pinned in generator/pom.xml). Needs Java 17+ and Maven 3.8+.
#
#   bash test/golden/generate.sh
#
# Output is deterministic: rerunning it leaves `git status` clean unless the generator
# or the kafka-clients version changed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gen="$here/generator"

# Maven's output is shown only when the build fails.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! (cd "$gen" && mvn -q -B package) >"$log" 2>&1; then
  cat "$log" >&2
  echo "generate.sh: the generator did not build" >&2
  exit 1
fi

# Everything below is written by the generator; remove it first so nothing stale is left.
for d in api-versions metadata produce init-producer-id sasl-handshake sasl-authenticate \
         find-coordinator add-partitions-to-txn add-offsets-to-txn end-txn txn-offset-commit \
         header records partitioner; do
  rm -rf "${here:?}/$d"
done
rm -f "$here/errors.tsv" "$here/index.json"

java -cp "$gen/target/classes:$gen/target/lib/*" kafkawire.golden.Main "$here"
