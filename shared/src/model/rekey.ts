/**
 * Re-keying a document after a Yjs client-id clash (SPEC S12).
 *
 * Two tablets that authored under one client id (a cloned profile, a restored
 * backup) hold different content under the same (client, clock) ids, so Yjs can
 * no longer merge them: the server refuses the overlap with `client_id_clash`.
 * The tablet then takes a new client id and rebuilds its copy at the content
 * level: start from the server's state and add, authored under the new id,
 * everything of its own that the server lacks:
 *
 * - array entries (plain JSON) are matched by their `id`, or — for entries
 *   without one (encounter events, observation sets, errata) — by their
 *   canonical JSON; local entries the server lacks are appended in local order
 *   (so supersessions still point to earlier entries);
 * - map keys (profile): a local value whose write the server has never seen
 *   (it lacks that Yjs item, or holds the other tablet's different item under
 *   the same id) and that differs from the server's value is set again — last
 *   writer wins, as it would have. A write the server has seen is not replayed
 *   even when the server now holds another value: that value is newer. (Client
 *   ids alone cannot tell: the clashing id was shared.) `meta` and `head` are
 *   written once, so only keys the server lacks are added;
 * - `Y.Text` (encounter notes): when the local text only added to the server's
 *   (common prefix and suffix), the insertion is replayed in place; when both
 *   changed the same place, the whole local text is appended on a new line
 *   after the server's. Nothing is ever deleted, so nothing is lost — a local
 *   deletion of server text is not replayed (the text stays).
 *
 * Pure: no clock, no randomness; the caller supplies the new client id.
 */
import * as Y from 'yjs';
import { CONSULT_ROOTS, PATIENT_ROOTS } from './stored';

export interface RekeyOutcome {
  /** The rebuilt document: the server's state plus the local content, clientID = newClientId. */
  readonly doc: Y.Doc;
  /** What the rebuilt document has beyond the server's state: the update to push. */
  readonly update: Uint8Array;
  /** False when the server already held everything local (nothing to push). */
  readonly changed: boolean;
}

/** Transaction origin of the re-authored content. */
export const REKEY_ORIGIN = { source: 'outpost/model', op: 'rekeyDocument' } as const;

type RootKind = 'map' | 'array';

export function rekeyDocument(
  local: Y.Doc,
  server: Y.Doc | Uint8Array,
  newClientId: number,
): RekeyOutcome {
  const serverState = server instanceof Uint8Array ? server : Y.encodeStateAsUpdate(server);
  const serverVector = Y.encodeStateVectorFromUpdate(serverState);
  // The server's state as it was, to ask what it has seen while `rebuilt` grows.
  const seen = new Y.Doc();
  Y.applyUpdate(seen, serverState, 'server');
  const rebuilt = new Y.Doc();
  Y.applyUpdate(rebuilt, serverState, 'server');
  // Only now: Yjs gives a doc a random new id when a remote update carries its own.
  rebuilt.clientID = newClientId;
  let writes = 0;
  rebuilt.transact(() => {
    for (const [name, kind] of rootsOf(local, rebuilt)) {
      if (kind === 'array') writes += mergeArray(local, rebuilt, name);
      else writes += mergeMap(local, rebuilt, seen, name, name === 'meta' || name === 'head');
    }
  }, REKEY_ORIGIN);
  seen.destroy();
  const update = Y.encodeStateAsUpdate(rebuilt, serverVector);
  return { doc: rebuilt, update, changed: writes > 0 };
}

/** The document's roots by its kind (from either side's meta); both kinds' when unknown. */
function rootsOf(local: Y.Doc, rebuilt: Y.Doc): Array<[string, RootKind]> {
  const kind = kindOf(rebuilt) ?? kindOf(local);
  if (kind === 'patient') return Object.entries(PATIENT_ROOTS);
  if (kind === 'consult') return Object.entries(CONSULT_ROOTS);
  const all = new Map<string, RootKind>([
    ...Object.entries(PATIENT_ROOTS),
    ...Object.entries(CONSULT_ROOTS),
  ]);
  return [...all.entries()];
}

function kindOf(doc: Y.Doc): string | undefined {
  const map = safeRoot(() => doc.getMap('meta'));
  const kind = map?.get('kind');
  return typeof kind === 'string' ? kind : undefined;
}

/** A hostile peer may have defined a root with another type: treat it as absent. */
function safeRoot<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

function mergeArray(local: Y.Doc, rebuilt: Y.Doc, name: string): number {
  const source = safeRoot(() => local.getArray<unknown>(name));
  const target = safeRoot(() => rebuilt.getArray<unknown>(name));
  if (source === undefined || target === undefined) return 0;
  // A multiset of the server's entry keys: each local entry consumes one match.
  const present = new Map<string, number>();
  for (const value of target.toArray()) {
    const key = entryKey(value);
    if (key !== undefined) present.set(key, (present.get(key) ?? 0) + 1);
  }
  const missing: unknown[] = [];
  for (const value of source.toArray()) {
    const key = entryKey(value);
    if (key === undefined) continue; // not plain JSON: never written by our operations
    const count = present.get(key) ?? 0;
    if (count > 0) present.set(key, count - 1);
    else missing.push(value);
  }
  if (missing.length > 0) target.push(missing);
  return missing.length;
}

function entryKey(value: unknown): string | undefined {
  if (value instanceof Y.AbstractType) return undefined;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const id = (value as { id?: unknown }).id;
    if (typeof id === 'string') return `id:${id}`;
  }
  return `json:${canonicalJson(value)}`;
}

/** JSON with object keys sorted, so equal values give equal strings whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function mergeMap(
  local: Y.Doc,
  rebuilt: Y.Doc,
  seen: Y.Doc,
  name: string,
  writeOnce: boolean,
): number {
  const source = safeRoot(() => local.getMap<unknown>(name));
  const target = safeRoot(() => rebuilt.getMap<unknown>(name));
  if (source === undefined || target === undefined) return 0;
  let writes = 0;
  for (const [key, item] of source._map) {
    // A deleted key: deletions are not replayed (see the file comment).
    if (item.deleted) continue;
    const value = source.get(key);
    if (value instanceof Y.Text) {
      writes += mergeText(value.toJSON(), target, key);
      continue;
    }
    if (value instanceof Y.AbstractType) continue; // never written by our operations
    if (writeOnce) {
      if (!target.has(key)) {
        target.set(key, value);
        writes++;
      }
      continue;
    }
    if (serverHasSeen(seen, item)) continue;
    if (!target.has(key) || canonicalJson(target.get(key)) !== canonicalJson(value)) {
      target.set(key, value);
      writes++;
    }
  }
  return writes;
}

/** True when the server holds this very write: the same item id with the same key and value. */
function serverHasSeen(seen: Y.Doc, item: Y.Item): boolean {
  const { client, clock } = item.id;
  if (Y.getState(seen.store, client) <= clock) return false;
  const held = Y.getItem(seen.store, item.id) as Y.Item | Y.GC;
  // Overwritten there (deleted or garbage-collected, so its value is gone): the
  // server holds a newer write of this key, which wins as it would have.
  if (!(held instanceof Y.Item) || held.deleted) return true;
  if (held.parentSub !== item.parentSub) return false;
  const heldValue: unknown = held.content.getContent()[clock - held.id.clock];
  const localValue: unknown = item.content.getContent()[0];
  return canonicalJson(heldValue) === canonicalJson(localValue);
}

function mergeText(localText: string, target: Y.Map<unknown>, key: string): number {
  const existing = target.get(key);
  if (!(existing instanceof Y.Text)) {
    if (existing !== undefined) return 0; // the server holds another kind of value: leave it
    const text = new Y.Text();
    target.set(key, text);
    if (localText.length > 0) text.insert(0, localText);
    return 1;
  }
  const serverText = existing.toJSON();
  if (serverText === localText || localText.length === 0) return 0;
  let prefix = 0;
  const maxPrefix = Math.min(serverText.length, localText.length);
  while (prefix < maxPrefix && serverText[prefix] === localText[prefix]) prefix++;
  if (prefix > 0 && (isLowSurrogate(serverText, prefix) || isLowSurrogate(localText, prefix)))
    prefix--;
  let suffix = 0;
  const maxSuffix = maxPrefix - prefix;
  while (
    suffix < maxSuffix &&
    serverText[serverText.length - 1 - suffix] === localText[localText.length - 1 - suffix]
  )
    suffix++;
  if (
    suffix > 0 &&
    (isLowSurrogate(serverText, serverText.length - suffix) ||
      isLowSurrogate(localText, localText.length - suffix))
  )
    suffix--;
  const localOnly = localText.slice(prefix, localText.length - suffix);
  const serverOnly = serverText.slice(prefix, serverText.length - suffix);
  // The local text only deleted server text: keep the server's (nothing lost).
  if (localOnly.length === 0) return 0;
  if (serverOnly.length === 0) {
    // The local text only added: replay the insertion where it was made.
    existing.insert(prefix, localOnly);
    return 1;
  }
  // Both changed the same place: keep both versions whole, the server's first.
  existing.insert(serverText.length, `${serverText.endsWith('\n') ? '' : '\n'}${localText}`);
  return 1;
}

function isLowSurrogate(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff;
}
