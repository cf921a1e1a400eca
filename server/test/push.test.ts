/**
 * Web Push for specialists (issue 7 notifications): off without VAPID keys
 * (501 push_not_configured); with them, an urgent consult received by the
 * server is pushed to the specialists it is routed to, with no patient data in
 * the payload; routine consults are not pushed; dead subscriptions are dropped.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClinicId } from '@outpost/shared/ids';
import { getOrThrow } from '@outpost/shared/result';
import { PROTOCOL_VERSION, decodeSyncResponse, encodeSyncRequest } from '@outpost/shared/sync';
import { createAppWithServices } from '../src/app';
import { TEST_SCRYPT } from '../src/auth/passwords';
import { loadWebPushConfig, type PushSend } from '../src/consults/push-notifier';
import type { Db } from '../src/db/database';
import { pushSubscriptions } from '../src/db/schema';
import { StartupError } from '../src/startup-error';
import { pgliteKind, type TestDatabase } from './support/databases';
import { identityFixture, type SignedIn } from './support/identity';
import { Tablet, createClinic } from './support/sync';

const b64 = (bytes: number) => randomBytes(bytes).toString('base64url');
const subscription = (endpoint: string) => ({
  endpoint,
  expirationTime: null,
  keys: { p256dh: b64(65), auth: b64(16) },
});

describe('Web Push for urgent consults', () => {
  let testDb: TestDatabase;
  let db: Db;
  const sent: { endpoint: string; payload: string }[] = [];
  let failWith: number | undefined;
  const send: PushSend = (target, payload) => {
    sent.push({ endpoint: target.endpoint, payload });
    return failWith === undefined
      ? Promise.resolve()
      : Promise.reject(Object.assign(new Error('push failed'), { statusCode: failWith }));
  };
  let built: ReturnType<typeof createAppWithServices>;
  let plain: ReturnType<typeof createAppWithServices>;
  let clinicId: ClinicId;
  let hw: SignedIn;
  let cardiologist: SignedIn;
  let dermatologist: SignedIn;
  let nurse: Tablet;

  const post = (
    app: typeof built.app,
    session: SignedIn,
    path: string,
    body: unknown,
    method = 'POST',
  ) =>
    app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...session.headers },
      body: JSON.stringify(body),
    });

  async function sendConsult(options: Parameters<Tablet['createConsult']>[1]): Promise<string> {
    const docId = nurse.createConsult(nurse.createPersona('adultWithHypertension'), options);
    const response = await built.app.request('/api/sync', {
      method: 'POST',
      headers: { 'content-type': 'application/x-outpost-sync', ...hw.headers },
      body: encodeSyncRequest({
        protocol: PROTOCOL_VERSION,
        clientId: nurse.clientId,
        deviceTime: Date.now(),
        cursor: new Uint8Array(),
        pushes: nurse.drain(),
        wantDocuments: [],
        maxResponseBytes: 64 * 1024,
      }),
    });
    expect(response.status).toBe(200);
    getOrThrow(decodeSyncResponse(new Uint8Array(await response.arrayBuffer())));
    await built.services.pushNotifier!.idle();
    return docId;
  }

  beforeAll(async () => {
    testDb = await pgliteKind.open();
    db = testDb.database.db;
    const keys = webpush.generateVAPIDKeys();
    const common = {
      database: testDb.database,
      version: 't',
      webDir: '/nonexistent',
      logger: pino({ level: 'silent' }),
      now: () => Date.now(),
      scrypt: TEST_SCRYPT,
      jwtSecret: randomBytes(48), // one key: tokens from one app work on the other
    };
    built = createAppWithServices({
      ...common,
      webPush: { config: { ...keys, subject: 'mailto:ops@example.org' }, send },
    });
    plain = createAppWithServices(common);
    const ids = identityFixture(built.app, db);
    clinicId = await createClinic(db);
    hw = await ids.signIn(clinicId, { role: 'health-worker' });
    cardiologist = await ids.signIn(clinicId, { role: 'specialist', specialties: ['cardiology'] });
    dermatologist = await ids.signIn(clinicId, {
      role: 'specialist',
      specialties: ['dermatology'],
    });
    nurse = new Tablet(hw.caller, 77);
  });
  afterAll(async () => {
    await testDb.close();
  });

  it('without VAPID keys the feature is off and says so', async () => {
    const response = await post(
      plain.app,
      cardiologist,
      '/api/push/subscriptions',
      subscription('https://fcm.googleapis.com/fcm/send/x'),
    );
    expect(response.status).toBe(501);
    expect(await response.json()).toMatchObject({ error: { code: 'push_not_configured' } });
    expect(
      (await plain.app.request('/api/push/public-key', { headers: cardiologist.headers })).status,
    ).toBe(501);
    expect(loadWebPushConfig({})).toBeUndefined();
    expect(() => loadWebPushConfig({ OUTPOST_VAPID_PUBLIC_KEY: 'x' })).toThrow(StartupError);
  });

  it('only specialists subscribe, only to browser push services', async () => {
    expect(
      (await built.app.request('/api/push/public-key', { headers: cardiologist.headers })).status,
    ).toBe(200);
    expect(
      (
        await post(
          built.app,
          hw,
          '/api/push/subscriptions',
          subscription('https://fcm.googleapis.com/fcm/send/h'),
        )
      ).status,
    ).toBe(403);
    for (const endpoint of [
      'http://fcm.googleapis.com/x',
      'https://127.0.0.1/x',
      'https://intranet.local/x',
      'https://fcm.googleapis.com:8443/x',
    ]) {
      const response = await post(
        built.app,
        cardiologist,
        '/api/push/subscriptions',
        subscription(endpoint),
      );
      expect(response.status, endpoint).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: 'invalid_field', field: 'endpoint' },
      });
    }
  });

  it('an urgent consult routed to a specialty is pushed to its specialists; a routine one is not', async () => {
    const cardio = 'https://fcm.googleapis.com/fcm/send/cardio';
    const derma = 'https://updates.push.services.mozilla.com/wpush/v2/derma';
    expect(
      (await post(built.app, cardiologist, '/api/push/subscriptions', subscription(cardio))).status,
    ).toBe(201);
    expect(
      (await post(built.app, dermatologist, '/api/push/subscriptions', subscription(derma))).status,
    ).toBe(201);
    sent.length = 0;
    const urgent = await sendConsult({
      priority: 'urgent',
      question: 'Fictional question about Abebe',
    });
    expect(sent.map((s) => s.endpoint)).toEqual([cardio]);
    expect(JSON.parse(sent[0]!.payload)).toEqual({
      type: 'consult',
      docId: urgent,
      priority: 'urgent',
    });
    expect(sent[0]!.payload).not.toMatch(/Abebe/);
    sent.length = 0;
    await sendConsult({ priority: 'routine' });
    expect(sent).toEqual([]);
    await sendConsult({
      priority: 'emergency',
      routing: { kind: 'specialist', userId: dermatologist.user.id },
    });
    expect(sent.map((s) => s.endpoint)).toEqual([derma]);
  });

  it('a subscription the push service says is gone (410) is dropped', async () => {
    failWith = 410;
    sent.length = 0;
    await sendConsult({ priority: 'urgent' });
    expect(sent).toHaveLength(1);
    failWith = undefined;
    const left = await db
      .select()
      .from(pushSubscriptions)
      .where(eq(pushSubscriptions.userId, cardiologist.user.id));
    expect(left).toEqual([]);
    const unsubscribed = await post(
      built.app,
      dermatologist,
      '/api/push/subscriptions',
      {
        endpoint: 'https://updates.push.services.mozilla.com/wpush/v2/derma',
      },
      'DELETE',
    );
    expect(await unsubscribed.json()).toEqual({ unsubscribed: true });
  });
});
