import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeSyncRequest,
  decodeSyncResponse,
  encodeSyncRequest,
  encodeSyncResponse,
} from './codec';
import { PROTOCOL_VERSION, REJECTION_CODES, type SyncRequest, type SyncResponse } from './messages';

const bytes = fc.uint8Array({ maxLength: 64 });
const time = fc.integer({ min: 0, max: 4_102_444_800_000 });

const request: fc.Arbitrary<SyncRequest> = fc.record({
  protocol: fc.nat(1000),
  clientId: fc.nat(),
  deviceTime: time,
  cursor: bytes,
  maxResponseBytes: fc.nat(),
  pushes: fc.array(
    fc.record({ localSeq: fc.nat(), docId: fc.string(), update: bytes, deviceTime: time }),
    { maxLength: 5 },
  ),
  wantDocuments: fc.array(fc.string(), { maxLength: 3 }),
});

const response: fc.Arbitrary<SyncResponse> = fc.record({
  protocol: fc.nat(1000),
  serverTime: time,
  receipts: fc.array(
    fc.oneof(
      fc.record({
        localSeq: fc.nat(),
        status: fc.constant('stored' as const),
        seq: fc.nat(),
        receivedAt: time,
      }),
      fc.record({
        localSeq: fc.nat(),
        status: fc.constant('rejected' as const),
        code: fc.constantFrom(...REJECTION_CODES),
        message: fc.string(),
      }),
    ),
    { maxLength: 5 },
  ),
  documents: fc.array(fc.record({ docId: fc.string(), state: bytes }), { maxLength: 3 }),
  updates: fc.array(fc.record({ seq: fc.nat(), docId: fc.string(), update: bytes }), {
    maxLength: 5,
  }),
  cursor: bytes,
  more: fc.boolean(),
});

describe('the sync codec', () => {
  it('round-trips every request', () => {
    fc.assert(
      fc.property(request, (value) => {
        expect(decodeSyncRequest(encodeSyncRequest(value))).toEqual({ ok: true, value });
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('round-trips every response', () => {
    fc.assert(
      fc.property(response, (value) => {
        expect(decodeSyncResponse(encodeSyncResponse(value))).toEqual({ ok: true, value });
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('S13 random, truncated and extended bytes give a typed error, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
        const asRequest = decodeSyncRequest(junk);
        const asResponse = decodeSyncResponse(junk);
        if (!asRequest.ok) expect(asRequest.error.type).toBe('MalformedMessage');
        if (!asResponse.ok) expect(asResponse.error.type).toBe('MalformedMessage');
      }),
      { seed: 13, numRuns: 1000 },
    );
    const valid = encodeSyncRequest({
      protocol: PROTOCOL_VERSION,
      clientId: 1,
      deviceTime: 1,
      cursor: new Uint8Array(),
      maxResponseBytes: 100,
      pushes: [
        { localSeq: 1, docId: 'patient/x', update: new Uint8Array([1, 2, 3]), deviceTime: 5 },
      ],
      wantDocuments: [],
    });
    for (let cut = 0; cut < valid.length; cut++) {
      expect(decodeSyncRequest(valid.slice(0, cut)).ok).toBe(false);
    }
    expect(decodeSyncRequest(new Uint8Array([...valid, 0])).ok).toBe(false);
  });

  it('refuses a list length larger than the bytes that follow', () => {
    // tag, protocol 1, client 1, time (8 bytes), empty cursor, max 1, then 2^28 pushes
    const forged = new Uint8Array([
      0x53, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x01,
    ]);
    const decoded = decodeSyncRequest(forged);
    expect(decoded.ok).toBe(false);
  });
});
