/**
 * The workload's records as plain JSON, and the information floor.
 *
 * A record's JSON is its stored content without any CRDT metadata: every
 * non-empty root of the Yjs document (`meta`, `profile`, `encounters`,
 * `observations`, …) as `Y.Map/Y.Array/Y.Text#toJSON()` gives it. The same JSON
 * (plus `_id`) is the PouchDB document of the baseline.
 *
 * The floor is `gzip(JSON.stringify(records))` at zlib's default level (6), the
 * same level the servers use for responses:
 * - (a): the JSON of every patient and consult on the server;
 * - (b)/(c): the JSON of the day's new entries: whole new records, and for
 *   existing records only what the day added (array entries appended, map keys
 *   added or changed), each tagged with its document id.
 */
import { gzipSync } from 'node:zlib';
import type * as Y from 'yjs';
import { CONSULT_ROOTS, PATIENT_ROOTS } from '@outpost/shared/model/stored';
import type { DocKind } from '@outpost/shared/model';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function kindOf(docId: string): DocKind {
  return docId.startsWith('consult/') ? 'consult' : 'patient';
}

/** A record's stored content as plain JSON (empty roots omitted). */
export function recordJson(doc: Y.Doc, kind: DocKind): JsonObject {
  const roots = kind === 'patient' ? PATIENT_ROOTS : CONSULT_ROOTS;
  const json: JsonObject = {};
  for (const [name, type] of Object.entries(roots)) {
    const value = (type === 'map' ? doc.getMap(name) : doc.getArray(name)).toJSON() as Json;
    const empty = Array.isArray(value)
      ? value.length === 0
      : typeof value === 'object' && value !== null && Object.keys(value).length === 0;
    if (!empty) json[name] = value;
  }
  return json;
}

/** What `after` adds to `before`: appended array entries, new or changed keys. */
export function jsonDelta(before: Json | undefined, after: Json): Json | undefined {
  if (before === undefined) return after;
  if (Array.isArray(after)) {
    if (!Array.isArray(before)) return after;
    const prefixSame = before.every(
      (entry, index) => JSON.stringify(entry) === JSON.stringify(after[index]),
    );
    if (!prefixSame) return after;
    return after.length > before.length ? after.slice(before.length) : undefined;
  }
  if (typeof after === 'object' && after !== null) {
    if (typeof before !== 'object' || before === null || Array.isArray(before)) return after;
    const delta: JsonObject = {};
    for (const [key, value] of Object.entries(after)) {
      const part = jsonDelta(before[key], value);
      if (part !== undefined) delta[key] = part;
    }
    return Object.keys(delta).length > 0 ? delta : undefined;
  }
  return JSON.stringify(before) === JSON.stringify(after) ? undefined : after;
}

export function gzipSize(value: unknown): number {
  return gzipSync(Buffer.from(JSON.stringify(value))).length;
}

export function jsonSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}
