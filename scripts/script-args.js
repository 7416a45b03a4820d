'use strict';
// Flags of the form --name=value, and sizes such as "2GiB", for the scripts in this folder
// (plain JavaScript, so that scripts run by plain `node` can use them as well as tsx ones).

/** The value of --name=value on the command line, or `fallback`. */
function arg(name, fallback) {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

/** "2GiB", "64MiB", "512KiB", "1000" (bytes). */
function parseBytes(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)?$/i.exec(String(text).trim());
  if (!m) throw new Error(`not a size: ${text} (bytes, or a number with KiB, MiB or GiB)`);
  const unit = (m[2] || 'B').toLowerCase();
  const mult = unit === 'gib' ? 1024 ** 3 : unit === 'mib' ? 1024 * 1024 : unit === 'kib' ? 1024 : 1;
  return Math.round(Number(m[1]) * mult);
}

module.exports = { arg, parseBytes };
