/**
 * Client-id clash detection (SPEC S12). Pure: no I/O, never throws on bad bytes.
 *
 * Yjs names every piece of content by (client id, clock). Two tablets authoring
 * under one client id (a cloned profile, a restored backup) produce different
 * content under the same names, and Yjs would silently keep whichever it saw
 * first. So before the server applies a pushed update it compares the part of
 * the update that overlaps what it already holds, unit by unit (one clock each):
 * - the content (ContentAny/ContentJSON: one element per clock; ContentString:
 *   one UTF-16 unit per clock; ContentType/Binary/Embed/Format/Doc: one clock);
 * - the origin (the unit's left neighbour when inserted), the right origin, and
 *   the parent / parent key where the encoding carries them.
 * Deleted content (a GC struct, or ContentDeleted) cannot be compared: it counts
 * as equal to anything of the same length, since the deletion may have happened
 * after the content was authored.
 *
 * The comparison runs per overlap *segment* (the intersection of one update
 * struct with one server struct), so its cost is bounded by the content bytes,
 * never by a (possibly huge) clock range of deleted content.
 */
import * as Y from 'yjs';
import { err, ok, type Result } from '../result';

/** Overlapping content differs: another device authored under this client id. */
export interface ClientIdClash {
  readonly type: 'ClientIdClash';
  readonly clientId: number;
  /** The first clock at which the two differ. */
  readonly clock: number;
}

/** The bytes are not a Yjs update (encoding v1). */
export interface MalformedUpdate {
  readonly type: 'MalformedUpdate';
  readonly message: string;
}

/**
 * - `new`: nothing in the update is held yet.
 * - `duplicate`: everything in it (structs and deletions) is already held: applying it changes nothing.
 * - `partial-duplicate`: some of it is held (identically), the rest is new.
 */
export type Overlap = 'new' | 'duplicate' | 'partial-duplicate';

type Struct = Y.Item | Y.GC | Y.Skip;
type ID = { readonly client: number; readonly clock: number };

interface Decoded {
  readonly byClient: Map<number, Struct[]>;
  readonly ds: Map<number, Array<{ clock: number; len: number }>>;
}

function decode(update: Uint8Array): Result<Decoded, MalformedUpdate> {
  try {
    const { structs, ds } = Y.decodeUpdate(update);
    const byClient = new Map<number, Struct[]>();
    for (const struct of structs as Struct[]) {
      if (struct instanceof Y.Skip) continue;
      const list = byClient.get(struct.id.client);
      if (list === undefined) byClient.set(struct.id.client, [struct]);
      else list.push(struct);
    }
    for (const list of byClient.values()) list.sort((a, b) => a.id.clock - b.id.clock);
    return ok({ byClient, ds: ds.clients });
  } catch (error) {
    return err({
      type: 'MalformedUpdate',
      message: error instanceof Error ? error.message : 'not a Yjs update',
    });
  }
}

/**
 * Compares `update` with `serverState` (both Yjs updates, encoding v1; the
 * server state is typically `encodeStateAsUpdate` of the stored document).
 * A clash means: reject the update and apply nothing of it.
 */
export function compareOverlap(
  serverState: Uint8Array,
  update: Uint8Array,
): Result<Overlap, ClientIdClash | MalformedUpdate> {
  const server = decode(serverState);
  if (!server.ok) return server;
  const incoming = decode(update);
  if (!incoming.ok) return incoming;
  let overlapped = false;
  let allCovered = true;
  for (const [client, structs] of incoming.value.byClient) {
    const held = server.value.byClient.get(client) ?? [];
    for (const struct of structs) {
      const start = struct.id.clock;
      const end = start + struct.length;
      let covered = 0;
      for (let index = firstOverlapping(held, start); index < held.length; index++) {
        const other = held[index]!;
        if (other.id.clock >= end) break;
        const from = Math.max(start, other.id.clock);
        const to = Math.min(end, other.id.clock + other.length);
        if (from >= to) continue;
        overlapped = true;
        covered += to - from;
        const differsAt = compareSegment(other, struct, from, to);
        if (differsAt !== undefined)
          return err({ type: 'ClientIdClash', clientId: client, clock: differsAt });
      }
      if (covered < struct.length) allCovered = false;
    }
  }
  if (allCovered && deletionsCovered(server.value.ds, incoming.value.ds)) {
    return ok('duplicate');
  }
  return ok(overlapped ? 'partial-duplicate' : 'new');
}

/** Index of the first struct that may overlap `clock` (structs sorted by clock, non-overlapping). */
function firstOverlapping(structs: readonly Struct[], clock: number): number {
  let low = 0;
  let high = structs.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const struct = structs[middle]!;
    if (struct.id.clock + struct.length <= clock) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The first clock in [from, to) where the two structs differ, or undefined when they agree. */
function compareSegment(
  held: Struct,
  incoming: Struct,
  from: number,
  to: number,
): number | undefined {
  if (!(held instanceof Y.Item) || !(incoming instanceof Y.Item)) return undefined; // GC: length agrees
  // Origins at the segment start (inside a struct the origin is implicitly the previous clock).
  if (!sameId(originAt(held, from), originAt(incoming, from))) return from;
  if (!sameId(held.rightOrigin, incoming.rightOrigin)) return from;
  if (originAt(held, from) === null && held.rightOrigin === null) {
    // Only then does the encoding carry the parent (otherwise it is inferred from the origins).
    if (!sameParent(held.parent, incoming.parent)) return from;
    if ((held.parentSub ?? null) !== (incoming.parentSub ?? null)) return from;
  }
  const heldUnits = contentUnits(held.content, from - held.id.clock, to - held.id.clock);
  const incomingUnits = contentUnits(
    incoming.content,
    from - incoming.id.clock,
    to - incoming.id.clock,
  );
  if (heldUnits === 'deleted' || incomingUnits === 'deleted') return undefined;
  for (let index = 0; index < heldUnits.length; index++) {
    if (!sameUnit(heldUnits[index]!, incomingUnits[index]!)) return from + index;
  }
  return undefined;
}

function originAt(item: Y.Item, clock: number): ID | null {
  return clock === item.id.clock ? item.origin : { client: item.id.client, clock: clock - 1 };
}

function sameId(a: ID | null, b: ID | null): boolean {
  if (a === null || b === null) return a === b;
  return a.client === b.client && a.clock === b.clock;
}

function sameParent(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' || typeof b === 'string' || a === null || b === null) return a === b;
  if (a instanceof Y.ID && b instanceof Y.ID) return sameId(a, b);
  return false; // a decoded update never holds a live type as parent
}

/**
 * Comparable units of content in [from, to) (offsets into the struct), or
 * 'deleted' when the content is gone and cannot be compared.
 */
function contentUnits(content: Y.Item['content'], from: number, to: number): string[] | 'deleted' {
  if (content instanceof Y.ContentDeleted) return 'deleted';
  if (content instanceof Y.ContentString) return [...splitUnits(content.str, from, to)];
  if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON)
    return (content.getContent() as unknown[])
      .slice(from, to)
      .map((value) => stableStringify(value));
  // The remaining kinds are one clock long.
  if (content instanceof Y.ContentType) {
    // The type's class (YArray, YMap, YText, YXmlElement…) and, for XML, its name.
    const type = content.type as unknown as { nodeName?: string; hookName?: string };
    return [`type:${content.type.constructor.name}:${type.nodeName ?? type.hookName ?? ''}`];
  }
  if (content instanceof Y.ContentBinary) return [`bin:${Array.from(content.content).join(',')}`];
  if (content instanceof Y.ContentEmbed) return [`embed:${stableStringify(content.embed)}`];
  if (content instanceof Y.ContentFormat)
    return [`format:${content.key}:${stableStringify(content.value)}`];
  if (content instanceof Y.ContentDoc)
    return [`doc:${String((content.doc as Y.Doc | null)?.guid ?? '')}`];
  return [`other:${content.constructor.name}:${stableStringify(content.getContent())}`];
}

function* splitUnits(str: string, from: number, to: number): Generator<string> {
  for (let index = from; index < to; index++) yield str[index] ?? '';
}

const REPLACEMENT = '\uFFFD';
function sameUnit(a: string, b: string): boolean {
  if (a === b) return true;
  // Yjs replaces half a surrogate pair by U+FFFD when it splits one: not a different author.
  return (a === REPLACEMENT && isSurrogate(b)) || (b === REPLACEMENT && isSurrogate(a));
}

function isSurrogate(unit: string): boolean {
  if (unit.length !== 1) return false;
  const code = unit.charCodeAt(0);
  return code >= 0xd800 && code <= 0xdfff;
}

/** JSON-like canonical form: object keys sorted, undefined and Uint8Array distinguished. */
function stableStringify(value: unknown): string {
  if (value === undefined) return 'u';
  if (value instanceof Uint8Array) return `b[${Array.from(value).join(',')}]`;
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableStringify(item)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return `n${String(value)}`;
  if (typeof value === 'bigint') return `i${value.toString()}`;
  return JSON.stringify(value) ?? 'u';
}

/** True when every range the incoming update deletes is already deleted on the server. */
function deletionsCovered(
  held: Map<number, Array<{ clock: number; len: number }>>,
  incoming: Map<number, Array<{ clock: number; len: number }>>,
): boolean {
  for (const [client, ranges] of incoming) {
    const heldRanges = [...(held.get(client) ?? [])].sort((a, b) => a.clock - b.clock);
    for (const range of ranges) {
      let clock = range.clock;
      const end = range.clock + range.len;
      for (const heldRange of heldRanges) {
        if (heldRange.clock > clock) break;
        if (heldRange.clock + heldRange.len > clock) clock = heldRange.clock + heldRange.len;
        if (clock >= end) break;
      }
      if (clock < end) return false;
    }
  }
  return true;
}
