/**
 * Test support (not used by the app): a small in-memory sync server honouring
 * the SPEC rules the tablet relies on, speaking the real codec, and a transport
 * the test controls (deliver, drop before or after the server commits,
 * duplicate, time out).
 *
 * - S2/S3: receipts are remembered per (deviceId, localSeq): a repeated push
 *   gets the first receipt and stores nothing new.
 * - S4/S7: bad document ids and other clinics' documents are rejected alone.
 * - S12: a pushed struct overlapping a held one (same client, same clock) with
 *   different content is a `client_id_clash`; identical → duplicate, stored.
 * - S5/S6/S8/S9: an empty cursor pages the compacted documents by id, then the
 *   log from the snapshot's high-water mark; the caller's own updates are
 *   skipped; pages are bounded by bytes, at least one item.
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { parseDocId } from '@outpost/shared/model';
import {
  MAX_PAGE_BYTES,
  PROTOCOL_VERSION,
  decodeSyncRequest,
  encodeSyncResponse,
  type PulledDocument,
  type PulledUpdate,
  type Receipt,
  type SyncRequest,
} from '@outpost/shared/sync';
import { TransportError, type Transport } from './engine';

interface ServerDoc {
  readonly clinicId: string;
  readonly doc: Y.Doc;
  /** `client:clock` of every struct held → its content fingerprint (S12). */
  readonly structs: Map<string, string>;
}

interface LogEntry {
  readonly seq: number;
  readonly docId: string;
  readonly clinicId: string;
  readonly deviceId: string;
  readonly update: Uint8Array;
}

export interface Caller {
  readonly deviceId: string;
  readonly clinicId: string;
}

export class FakeSyncServer {
  readonly docs = new Map<string, ServerDoc>();
  readonly log: LogEntry[] = [];
  #receipts = new Map<string, Receipt>();
  /** Server clock; `skewMs` simulates a tablet whose clock is wrong (S11). */
  now = 1_750_000_000_000;
  skewMs = 0;
  /** Requests handled (including duplicates). */
  requests = 0;
  /** Documents the caller may not write: pushes get `forbidden` (S4). */
  readonly forbidden = new Set<string>();

  handle(caller: Caller, body: Uint8Array): Uint8Array {
    this.requests++;
    const decoded = decodeSyncRequest(body);
    if (!decoded.ok) throw new TransportError('http', 'HTTP 400', { status: 400 });
    const request = decoded.value;
    if (request.protocol !== PROTOCOL_VERSION)
      throw new TransportError('http', 'HTTP 426', { status: 426 });
    const receipts = request.pushes.map((push) => this.#push(caller, push));
    const documents: PulledDocument[] = [];
    for (const docId of request.wantDocuments) {
      const held = this.docs.get(docId);
      if (held !== undefined && held.clinicId === caller.clinicId)
        documents.push({ docId, state: Y.encodeStateAsUpdate(held.doc) });
    }
    const page = this.#page(caller, request);
    return encodeSyncResponse({
      protocol: PROTOCOL_VERSION,
      serverTime: this.now + this.skewMs,
      receipts,
      documents: [...documents, ...page.documents],
      updates: page.updates,
      cursor: page.cursor,
      more: page.more,
    });
  }

  /** The server's view of a document (tests compare tablets with it). */
  state(docId: string): Uint8Array | undefined {
    const held = this.docs.get(docId);
    return held === undefined ? undefined : Y.encodeStateAsUpdate(held.doc);
  }

  #push(caller: Caller, push: SyncRequest['pushes'][number]): Receipt {
    const key = `${caller.deviceId}:${push.localSeq}`;
    const seen = this.#receipts.get(key);
    if (seen !== undefined) return seen;
    const receipt = this.#accept(caller, push);
    this.#receipts.set(key, receipt);
    return receipt;
  }

  #accept(caller: Caller, push: SyncRequest['pushes'][number]): Receipt {
    const reject = (code: Extract<Receipt, { status: 'rejected' }>['code'], message: string) =>
      ({ localSeq: push.localSeq, status: 'rejected', code, message }) as const;
    if (!parseDocId(push.docId).ok) return reject('invalid_document_id', 'bad document id');
    if (this.forbidden.has(push.docId))
      return reject('forbidden', 'You may not change this record.');
    let structs: ReturnType<typeof Y.decodeUpdate>['structs'];
    try {
      structs = Y.decodeUpdate(push.update).structs;
    } catch {
      return reject('malformed_update', 'not a Yjs update');
    }
    let held = this.docs.get(push.docId);
    if (held !== undefined && held.clinicId !== caller.clinicId)
      return reject('wrong_clinic', 'another clinic’s record');
    const fingerprints = structs
      .filter((struct): struct is Y.Item => struct instanceof Y.Item)
      .map((item) => [`${item.id.client}:${item.id.clock}`, fingerprint(item)] as const);
    if (held !== undefined) {
      for (const [id, print] of fingerprints) {
        const existing = held.structs.get(id);
        if (existing !== undefined && existing !== print)
          return reject('client_id_clash', 'another device authored under this client id');
      }
    }
    if (held === undefined) {
      held = { clinicId: caller.clinicId, doc: new Y.Doc(), structs: new Map() };
      this.docs.set(push.docId, held);
    }
    for (const [id, print] of fingerprints) if (!held.structs.has(id)) held.structs.set(id, print);
    Y.applyUpdate(held.doc, push.update);
    const seq = this.log.length + 1;
    this.log.push({
      seq,
      docId: push.docId,
      clinicId: caller.clinicId,
      deviceId: caller.deviceId,
      update: push.update,
    });
    return { localSeq: push.localSeq, status: 'stored', seq, receivedAt: this.now };
  }

  #page(caller: Caller, request: SyncRequest) {
    const limit = Math.min(request.maxResponseBytes, MAX_PAGE_BYTES);
    let cursor = decodeCursor(request.cursor) ?? {
      phase: 'snapshot' as const,
      after: '',
      highWater: this.log.length,
    };
    const documents: PulledDocument[] = [];
    const updates: PulledUpdate[] = [];
    let bytes = 0;
    const fits = (size: number) => documents.length + updates.length === 0 || bytes + size <= limit;
    if (cursor.phase === 'snapshot') {
      const after = cursor.after;
      const ids = [...this.docs.entries()]
        .filter(([id, held]) => held.clinicId === caller.clinicId && id > after)
        .map(([id]) => id)
        .sort();
      let done = true;
      for (const docId of ids) {
        const state = Y.encodeStateAsUpdate(this.docs.get(docId)!.doc);
        if (!fits(state.length)) {
          done = false;
          break;
        }
        bytes += state.length;
        documents.push({ docId, state });
        cursor = { ...cursor, after: docId };
      }
      if (!done) return { documents, updates, cursor: encodeCursor(cursor), more: true };
      cursor = { phase: 'log', seq: cursor.highWater };
    }
    let seq = cursor.phase === 'log' ? cursor.seq : 0;
    let more = false;
    for (const entry of this.log.slice(seq)) {
      if (entry.clinicId === caller.clinicId && entry.deviceId !== caller.deviceId) {
        if (!fits(entry.update.length)) {
          more = true;
          break;
        }
        bytes += entry.update.length;
        updates.push({ seq: entry.seq, docId: entry.docId, update: entry.update });
      }
      seq = entry.seq;
    }
    return { documents, updates, cursor: encodeCursor({ phase: 'log', seq }), more };
  }
}

type FakeCursor =
  | { readonly phase: 'snapshot'; readonly after: string; readonly highWater: number }
  | { readonly phase: 'log'; readonly seq: number };

function encodeCursor(cursor: FakeCursor): Uint8Array {
  const encoder = encoding.createEncoder();
  if (cursor.phase === 'snapshot') {
    encoding.writeUint8(encoder, 0);
    encoding.writeVarString(encoder, cursor.after);
    encoding.writeVarUint(encoder, cursor.highWater);
  } else {
    encoding.writeUint8(encoder, 1);
    encoding.writeVarUint(encoder, cursor.seq);
  }
  return encoding.toUint8Array(encoder);
}

function decodeCursor(bytes: Uint8Array): FakeCursor | undefined {
  if (bytes.length === 0) return undefined;
  const decoder = decoding.createDecoder(bytes);
  if (decoding.readUint8(decoder) === 0)
    return {
      phase: 'snapshot',
      after: decoding.readVarString(decoder),
      highWater: decoding.readVarUint(decoder),
    };
  return { phase: 'log', seq: decoding.readVarUint(decoder) };
}

function fingerprint(item: Y.Item): string {
  const content =
    item.content instanceof Y.ContentType
      ? `type:${item.content.type.constructor.name}`
      : JSON.stringify(item.content.getContent());
  const id = (value: Y.ID | null) => (value === null ? '-' : `${value.client}:${value.clock}`);
  return [
    item.content.constructor.name,
    content,
    id(item.origin),
    id(item.rightOrigin),
    item.parentSub ?? '',
  ].join('|');
}

/** What the controllable transport does with the next request. */
export type Fault =
  /** The request never reaches the server. */
  | 'dropBefore'
  /** The server commits, the response is lost (server restart, link drop). */
  | 'dropAfter'
  /** The request reaches the server twice; the tablet sees the second answer. */
  | 'duplicate'
  /** No answer at all (the engine's timeout fires). */
  | 'hang';

/**
 * A transport the test controls, in front of any handler: the simulated server
 * here, or a real server app (`(body) => app.request('/api/sync', …)`).
 */
export class ControlledTransport implements Transport {
  readonly faults: Fault[] = [];
  /** Every response delivered, in order (tests replay them). */
  readonly delivered: Uint8Array[] = [];
  sent = 0;

  constructor(readonly handle: (body: Uint8Array) => Uint8Array | Promise<Uint8Array>) {}

  async send(body: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    this.sent++;
    const fault = this.faults.shift();
    switch (fault) {
      case 'dropBefore':
        throw new TransportError('network', 'connection reset');
      case 'dropAfter':
        await this.handle(body);
        throw new TransportError('network', 'connection reset');
      case 'hang':
        return new Promise((_, reject) => {
          signal.addEventListener('abort', () => reject(new TransportError('timeout', 'aborted')));
        });
      case 'duplicate':
        await this.handle(body);
        break;
      case undefined:
        break;
    }
    const response = await this.handle(body);
    this.delivered.push(response);
    return response;
  }
}
