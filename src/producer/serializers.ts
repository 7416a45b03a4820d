/**
 * Serializers turn keys and values into bytes. A serializer that throws fails only that
 * send() (with SerializationError, thrown, as the Java client throws it).
 */

export interface Serializer<T> {
  /** Bytes for `data`; null for a null key or a tombstone value. */
  serialize(topic: string, data: T | null | undefined): Uint8Array | null;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Uint8Array) return v.constructor.name;
  return typeof v === 'object' ? (v as object).constructor?.name ?? 'object' : typeof v;
}

/** UTF-8 strings. */
export function stringSerializer(): Serializer<string> {
  return {
    serialize(_topic, data) {
      if (data == null) return null;
      if (typeof data !== 'string') throw new TypeError(`stringSerializer takes a string, got ${typeName(data)}`);
      return Buffer.from(data, 'utf8');
    },
  };
}

/** Buffer/Uint8Array passed through as they are. */
export function bytesSerializer(): Serializer<Uint8Array> {
  return {
    serialize(_topic, data) {
      if (data == null) return null;
      if (!(data instanceof Uint8Array)) throw new TypeError(`bytesSerializer takes a Buffer or Uint8Array, got ${typeName(data)}`);
      return data;
    },
  };
}

/** JSON.stringify as UTF-8. Values JSON cannot represent (undefined, functions, BigInt, cycles) fail. */
export function jsonSerializer<T = unknown>(): Serializer<T> {
  return {
    serialize(_topic, data) {
      if (data === null) return null;
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError(`jsonSerializer cannot represent a value of type ${typeName(data)}`);
      return Buffer.from(text, 'utf8');
    },
  };
}

/**
 * The default for keys and values: bytes as they are, strings as UTF-8, null as null.
 * Anything else is refused, so that an object is never sent as "[object Object]".
 */
export function defaultSerializer(): Serializer<Uint8Array | string> {
  return {
    serialize(_topic, data) {
      if (data == null) return null;
      if (data instanceof Uint8Array) return data;
      if (typeof data === 'string') return Buffer.from(data, 'utf8');
      throw new TypeError(`the default serializer takes a Buffer, Uint8Array or string, got ${typeName(data)}; set keySerializer/valueSerializer`);
    },
  };
}
