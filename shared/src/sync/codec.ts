/**
 * Binary codec for the batch sync messages (lib0 encoding: varints and
 * length-prefixed bytes; Yjs updates travel as they are, never base64).
 * Decoding untrusted bytes never throws: it returns a typed error.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { err, ok, type Result } from '../result';
import {
  REJECTION_CODES,
  type PulledDocument,
  type PulledUpdate,
  type PushedUpdate,
  type Receipt,
  type RejectionCode,
  type SyncRequest,
  type SyncResponse,
} from './messages';

export interface MalformedMessage {
  readonly type: 'MalformedMessage';
  readonly message: string;
}

const REQUEST_TAG = 0x53; // 'S'
const RESPONSE_TAG = 0x73; // 's'
/** Upper bound on list lengths read from the wire, against memory exhaustion. */
const MAX_ITEMS = 1_000_000;

export function encodeSyncRequest(request: SyncRequest): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, REQUEST_TAG);
  encoding.writeVarUint(encoder, request.protocol);
  encoding.writeVarUint(encoder, request.clientId);
  encoding.writeFloat64(encoder, request.deviceTime);
  encoding.writeVarUint8Array(encoder, request.cursor);
  encoding.writeVarUint(encoder, request.maxResponseBytes);
  encoding.writeVarUint(encoder, request.pushes.length);
  for (const push of request.pushes) {
    encoding.writeVarUint(encoder, push.localSeq);
    encoding.writeVarString(encoder, push.docId);
    encoding.writeFloat64(encoder, push.deviceTime);
    encoding.writeVarUint8Array(encoder, push.update);
  }
  encoding.writeVarUint(encoder, request.wantDocuments.length);
  for (const docId of request.wantDocuments) encoding.writeVarString(encoder, docId);
  return encoding.toUint8Array(encoder);
}

export function decodeSyncRequest(bytes: Uint8Array): Result<SyncRequest, MalformedMessage> {
  return safely(() => {
    const decoder = decoding.createDecoder(bytes);
    if (decoding.readUint8(decoder) !== REQUEST_TAG) throw new Error('not a sync request');
    const protocol = decoding.readVarUint(decoder);
    const clientId = decoding.readVarUint(decoder);
    const deviceTime = decoding.readFloat64(decoder);
    const cursor = decoding.readVarUint8Array(decoder);
    const maxResponseBytes = decoding.readVarUint(decoder);
    const pushes: PushedUpdate[] = [];
    const count = readCount(decoder);
    for (let index = 0; index < count; index++) {
      const localSeq = decoding.readVarUint(decoder);
      const docId = decoding.readVarString(decoder);
      const pushDeviceTime = decoding.readFloat64(decoder);
      const update = decoding.readVarUint8Array(decoder);
      pushes.push({ localSeq, docId, deviceTime: pushDeviceTime, update });
    }
    const wantDocuments: string[] = [];
    const wantCount = readCount(decoder);
    for (let index = 0; index < wantCount; index++)
      wantDocuments.push(decoding.readVarString(decoder));
    expectEnd(decoder);
    return { protocol, clientId, deviceTime, cursor, maxResponseBytes, pushes, wantDocuments };
  });
}

export function encodeSyncResponse(response: SyncResponse): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, RESPONSE_TAG);
  encoding.writeVarUint(encoder, response.protocol);
  encoding.writeFloat64(encoder, response.serverTime);
  encoding.writeVarUint(encoder, response.receipts.length);
  for (const receipt of response.receipts) {
    encoding.writeVarUint(encoder, receipt.localSeq);
    if (receipt.status === 'stored') {
      encoding.writeUint8(encoder, 0);
      encoding.writeVarUint(encoder, receipt.seq);
      encoding.writeFloat64(encoder, receipt.receivedAt);
    } else {
      encoding.writeUint8(encoder, 1);
      encoding.writeVarString(encoder, receipt.code);
      encoding.writeVarString(encoder, receipt.message);
    }
  }
  encoding.writeVarUint(encoder, response.documents.length);
  for (const document of response.documents) {
    encoding.writeVarString(encoder, document.docId);
    encoding.writeVarUint8Array(encoder, document.state);
  }
  encoding.writeVarUint(encoder, response.updates.length);
  for (const update of response.updates) {
    encoding.writeVarUint(encoder, update.seq);
    encoding.writeVarString(encoder, update.docId);
    encoding.writeVarUint8Array(encoder, update.update);
  }
  encoding.writeVarUint8Array(encoder, response.cursor);
  encoding.writeUint8(encoder, response.more ? 1 : 0);
  return encoding.toUint8Array(encoder);
}

export function decodeSyncResponse(bytes: Uint8Array): Result<SyncResponse, MalformedMessage> {
  return safely(() => {
    const decoder = decoding.createDecoder(bytes);
    if (decoding.readUint8(decoder) !== RESPONSE_TAG) throw new Error('not a sync response');
    const protocol = decoding.readVarUint(decoder);
    const serverTime = decoding.readFloat64(decoder);
    const receipts: Receipt[] = [];
    const receiptCount = readCount(decoder);
    for (let index = 0; index < receiptCount; index++) {
      const localSeq = decoding.readVarUint(decoder);
      const kind = decoding.readUint8(decoder);
      if (kind === 0) {
        const seq = decoding.readVarUint(decoder);
        const receivedAt = decoding.readFloat64(decoder);
        receipts.push({ localSeq, status: 'stored', seq, receivedAt });
      } else if (kind === 1) {
        const code = decoding.readVarString(decoder);
        const message = decoding.readVarString(decoder);
        if (!isRejectionCode(code)) throw new Error(`unknown rejection code ${code}`);
        receipts.push({ localSeq, status: 'rejected', code, message });
      } else {
        throw new Error(`unknown receipt kind ${kind}`);
      }
    }
    const documents: PulledDocument[] = [];
    const documentCount = readCount(decoder);
    for (let index = 0; index < documentCount; index++) {
      const docId = decoding.readVarString(decoder);
      const state = decoding.readVarUint8Array(decoder);
      documents.push({ docId, state });
    }
    const updates: PulledUpdate[] = [];
    const updateCount = readCount(decoder);
    for (let index = 0; index < updateCount; index++) {
      const seq = decoding.readVarUint(decoder);
      const docId = decoding.readVarString(decoder);
      const update = decoding.readVarUint8Array(decoder);
      updates.push({ seq, docId, update });
    }
    const cursor = decoding.readVarUint8Array(decoder);
    const more = decoding.readUint8(decoder) === 1;
    expectEnd(decoder);
    return { protocol, serverTime, receipts, documents, updates, cursor, more };
  });
}

export function isRejectionCode(value: string): value is RejectionCode {
  return (REJECTION_CODES as readonly string[]).includes(value);
}

function readCount(decoder: decoding.Decoder): number {
  const count = decoding.readVarUint(decoder);
  // Each item takes at least one byte, so a count beyond the bytes left is a lie.
  if (count > MAX_ITEMS || count > decoder.arr.length - decoder.pos)
    throw new Error('list length out of range');
  return count;
}

function expectEnd(decoder: decoding.Decoder): void {
  if (decoding.hasContent(decoder)) throw new Error('trailing bytes after the message');
}

function safely<T>(read: () => T): Result<T, MalformedMessage> {
  try {
    return ok(read());
  } catch (error) {
    return err({
      type: 'MalformedMessage',
      message: error instanceof Error ? error.message : 'unreadable message',
    });
  }
}
