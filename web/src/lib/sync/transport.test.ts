import { describe, expect, test } from 'vitest';
import { decodeSyncRequest } from '@outpost/shared/sync';
import { getOrThrow } from '@outpost/shared/result';
import { createHarness, savePersona } from '../db/testing';
import { TransportError } from './engine';
import { SYNC_CONTENT_TYPE, createHttpTransport, pushOutboxForQuarantine } from './transport';

async function gunzip(body: BodyInit): Promise<Uint8Array> {
  const stream = new Response(body).body!.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe('HTTP sync transport', () => {
  test('posts the request gzip-compressed through the authorised fetch and returns the body', async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const transport = createHttpTransport({
      fetch: (url, init) => {
        seen.url = url;
        seen.init = init;
        return Promise.resolve(new Response(new Uint8Array([9, 8, 7])));
      },
    });
    const body = new Uint8Array(1000).fill(42);
    const response = await transport.send(body, new AbortController().signal);
    expect(response).toEqual(new Uint8Array([9, 8, 7]));
    expect(seen.url).toBe('/api/sync');
    expect(seen.init?.method).toBe('POST');
    expect(seen.init?.headers).toEqual({
      'content-type': SYNC_CONTENT_TYPE,
      'content-encoding': 'gzip',
    });
    expect(await gunzip(seen.init!.body!)).toEqual(body);
  });

  test('S13 an HTTP error carries its status and the server error code', async () => {
    const transport = createHttpTransport({
      fetch: () =>
        Promise.resolve(
          Response.json({ error: { code: 'unsupported_protocol', message: 'x' } }, { status: 426 }),
        ),
    });
    const failure = await transport
      .send(new Uint8Array([1]), new AbortController().signal)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TransportError);
    expect(failure).toMatchObject({ kind: 'http', status: 426, code: 'unsupported_protocol' });
  });

  test('a network failure is a network TransportError', async () => {
    const transport = createHttpTransport({
      gzip: false,
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    await expect(
      transport.send(new Uint8Array([1]), new AbortController().signal),
    ).rejects.toMatchObject({
      kind: 'network',
    });
  });

  test('a revoked tablet pushes every unacknowledged change once, with the device headers, and changes nothing', async () => {
    const store = await createHarness('memory').open();
    const saved = [];
    for (const persona of [
      'adultWithHypertension',
      'childWithFever',
      'elderlyManWithHeartFailure',
    ] as const)
      saved.push((await savePersona(store, persona)).docId);
    const before = await store.outboxEntries();
    const requests: { headers: Record<string, string>; body: Uint8Array }[] = [];
    const transport = createHttpTransport({
      gzip: false,
      headers: () => ({ 'x-outpost-device': 'd-1', 'x-outpost-device-secret': 's-1' }),
      fetch: (_url, init) => {
        requests.push({
          headers: init!.headers as Record<string, string>,
          body: init!.body as Uint8Array,
        });
        // The server keeps the body in quarantine and refuses the device.
        return Promise.resolve(
          Response.json({ error: { code: 'device_revoked', message: 'x' } }, { status: 401 }),
        );
      },
    });
    expect(await pushOutboxForQuarantine(store, transport)).toBe(3);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.headers).toMatchObject({
      'x-outpost-device': 'd-1',
      'x-outpost-device-secret': 's-1',
      'content-type': SYNC_CONTENT_TYPE,
    });
    const request = getOrThrow(decodeSyncRequest(requests[0]!.body));
    expect(request.pushes.map((push) => push.docId)).toEqual(saved);
    expect(request.pushes.map((push) => push.localSeq)).toEqual(before.map((e) => e.localSeq));
    expect(await store.outboxEntries()).toEqual(before);
  });
});
