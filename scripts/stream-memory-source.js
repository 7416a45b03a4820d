'use strict';
// The source of `npm run stream:memory` and of its floor (scripts/stream-memory-floor.js): a
// lazily generated sequence of `count` values of `valueSize` bytes, each made only when the
// stream asks for one, as a Node user's source would make them (Buffer.allocUnsafe, so values
// of 1 KiB come from Node's 8 KiB pool slabs). Each value: a 4-byte sequence number, then a
// fixed pattern.
const { Readable } = require('node:stream');

function valueSource(count, valueSize) {
  const template = Buffer.alloc(valueSize);
  for (let i = 0; i < valueSize; i++) template[i] = 97 + (i % 26);
  let next = 0;
  const source = new Readable({
    objectMode: true,
    read() {
      while (next < count) {
        const value = Buffer.allocUnsafe(valueSize);
        template.copy(value);
        value.writeUInt32BE(next++ >>> 0, 0);
        if (!this.push(value)) return;
      }
      this.push(null);
    },
  });
  return { source, generated: () => next };
}

module.exports = { valueSource };
