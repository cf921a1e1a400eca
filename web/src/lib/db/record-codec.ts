/**
 * Records as bytes, for sealing (store.ts): JSON for the structure, raw bytes
 * for byte arrays (document states, outbox updates, stream chunks, cursors),
 * so a 40 KB document state costs 40 KB, not 54 KB of base64, and is copied
 * once instead of being turned into text.
 *
 *   [0x01] [flags] [u32 LE: JSON length] [JSON, UTF-8] [byte arrays, back to back]
 *
 * In the JSON a byte array is `{"\u0000b":[offset,length]}` into the tail and a
 * non-finite number `{"\u0000n":"NaN"}`; no record has a key starting with NUL.
 * Like JSON, `undefined` properties are dropped (records use absent fields).
 * Anything else JSON would silently change (Date, Map, other typed arrays) is
 * refused: records are plain data. Records keep their byte arrays in their own
 * fields, so decoding is a plain `JSON.parse` and a look at those fields (the
 * flag byte says when a marker sits deeper and a full reviver is needed).
 */
const VERSION = 1;
/** Flag byte: a marker sits deeper than the record's own fields (decode needs a full reviver). */
const NESTED = 1;
const BYTES = '\u0000b';
const NUMBER = '\u0000n';
const HEADER = 6;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeRecord(record: unknown): Uint8Array<ArrayBuffer> {
  const blobs: Uint8Array[] = [];
  let offset = 0;
  let nested = false;
  const json = JSON.stringify(record, function (this: unknown, key: string, value: unknown) {
    if (typeof value === 'number') {
      if (Number.isFinite(value)) return value;
      if (this !== record) nested = true;
      return { [NUMBER]: String(value) };
    }
    if (value instanceof Uint8Array) {
      if (this !== record) nested = true;
      blobs.push(value);
      const at = offset;
      offset += value.length;
      return { [BYTES]: [at, value.length] };
    }
    // `value` is after toJSON (a Date is already a string): check what was there.
    const original = (this as Record<string, unknown>)[key];
    if (
      original instanceof Date ||
      original instanceof Map ||
      original instanceof Set ||
      original instanceof ArrayBuffer ||
      ArrayBuffer.isView(original)
    )
      throw new TypeError('A stored record holds only plain data and Uint8Arrays.');
    return value;
  });
  const text = encoder.encode(json);
  const out = new Uint8Array(HEADER + text.length + offset);
  out[0] = VERSION;
  out[1] = nested ? NESTED : 0;
  new DataView(out.buffer).setUint32(2, text.length, true);
  out.set(text, HEADER);
  let at = HEADER + text.length;
  for (const blob of blobs) {
    out.set(blob, at);
    at += blob.length;
  }
  return out;
}

export function decodeRecord<T = unknown>(bytes: Uint8Array): T {
  if (bytes.length < HEADER || bytes[0] !== VERSION) throw new Error('Unknown record encoding.');
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(2, true);
  const tail = HEADER + length;
  if (tail > bytes.length) throw new Error('Truncated record.');
  const json = decoder.decode(bytes.subarray(HEADER, tail));
  const revive = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const marked = value as Record<string, unknown>;
    const span = marked[BYTES];
    if (Array.isArray(span)) {
      const [at, size] = span as [number, number];
      if (tail + at + size > bytes.length) throw new Error('Truncated record.');
      // A copy: the record must not keep the whole decrypted buffer alive.
      return bytes.slice(tail + at, tail + at + size);
    }
    const number = marked[NUMBER];
    if (typeof number === 'string') return Number(number);
    return value;
  };
  if (bytes[1] === NESTED) return JSON.parse(json, (_key, value: unknown) => revive(value)) as T;
  // Usual case: markers only in the record's own fields (document state, outbox update…).
  const record = JSON.parse(json) as unknown;
  if (record === null || typeof record !== 'object' || Array.isArray(record))
    return revive(record) as T;
  const fields = record as Record<string, unknown>;
  for (const key in fields) fields[key] = revive(fields[key]);
  return record as T;
}
