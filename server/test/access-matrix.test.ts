/**
 * C16/C17 access matrix: every API route × every role (and no credentials) ×
 * own / other clinic or district → the documented allow/deny (docs/security.md
 * "Who may do what"). Then cross-clinic pushes, pulls and live opens leave the
 * other clinic's data byte-identical; specialists see only consults routed to
 * them; district admins read but never write.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClinicId } from '@outpost/shared/ids';
import {
  PROTOCOL_VERSION,
  decodeSyncResponse,
  encodeSyncRequest,
  type PushedUpdate,
  type SyncResponse,
} from '@outpost/shared/sync';
import { ROUTE_POLICIES } from '../src/auth/policy';
import type { Db } from '../src/db/database';
import { clinics, districts, documents, updateLog } from '../src/db/schema';
import { databaseKinds, type TestDatabase } from './support/databases';
import type { SignedIn } from './support/identity';
import { startTestServer, type RunningTestServer } from './support/server';
import { Tablet } from './support/sync';

type Who =
  | 'anon'
  | 'hw'
  | 'clinician'
  | 'specialist'
  | 'districtAdmin'
  | 'otherDistrictAdmin'
  | 'systemAdmin'
  | 'deviceOnly';
/** 'ok' = passes authorisation (2xx, or a 4xx about the request itself: 400/404/409). */
type Expect = 'ok' | 401 | 403 | 404;

async function createDistrictClinic(db: Db, districtId: string, name: string): Promise<ClinicId> {
  await db
    .insert(districts)
    .values({ id: districtId, name: `${name} district (fictional)` })
    .onConflictDoNothing();
  const id = randomUUID() as ClinicId;
  await db.insert(clinics).values({ id, districtId, name: `${name} (fictional)` });
  return id;
}

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`C16 the access matrix on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let server: RunningTestServer;
    const districtOne = randomUUID();
    const districtTwo = randomUUID();
    let clinicA: ClinicId;
    let clinicB: ClinicId;
    const as: Partial<Record<Who, SignedIn>> = {};
    let hwB: SignedIn;
    let resetTarget: string;
    let patientA: string;
    let consultA: string;
    let patientB: string;
    let nurseA: Tablet;
    let nurseB: Tablet;

    async function call(
      who: Who,
      method: string,
      path: string,
      body?: unknown,
      extraHeaders: Record<string, string> = {},
    ) {
      const headers: Record<string, string> = { ...extraHeaders };
      if (body !== undefined && !(body instanceof Uint8Array))
        headers['content-type'] = 'application/json';
      if (body instanceof Uint8Array) headers['content-type'] = 'application/x-outpost-sync';
      if (who === 'deviceOnly') Object.assign(headers, as.hw!.device.headers);
      else if (who !== 'anon') Object.assign(headers, as[who]!.headers);
      return fetch(`${server.base}${path}`, {
        method,
        headers,
        ...(body === undefined
          ? {}
          : { body: body instanceof Uint8Array ? body : JSON.stringify(body) }),
      });
    }

    function syncBody(pushes: PushedUpdate[] = [], clientId = 77): Uint8Array {
      return encodeSyncRequest({
        protocol: PROTOCOL_VERSION,
        clientId,
        deviceTime: Date.now(),
        cursor: new Uint8Array(),
        pushes,
        wantDocuments: [],
        maxResponseBytes: 512 * 1024,
      });
    }

    async function pull(
      session: SignedIn,
      pushes: PushedUpdate[] = [],
      clientId = 77,
    ): Promise<SyncResponse> {
      const response = await fetch(`${server.base}/api/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-outpost-sync', ...session.headers },
        body: syncBody(pushes, clientId),
      });
      expect(response.status).toBe(200);
      const decoded = decodeSyncResponse(new Uint8Array(await response.arrayBuffer()));
      if (!decoded.ok) throw new Error('undecodable response');
      return decoded.value;
    }

    async function clinicSnapshot(clinicId: string): Promise<string> {
      const docs = await db
        .select()
        .from(documents)
        .where(eq(documents.clinicId, clinicId))
        .orderBy(asc(documents.docId));
      const log = await db
        .select()
        .from(updateLog)
        .where(eq(updateLog.clinicId, clinicId))
        .orderBy(asc(updateLog.seq));
      return JSON.stringify({ docs, log }, (_key, value: unknown) =>
        value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value,
      );
    }

    beforeAll(async () => {
      testDb = await kind.open();
      db = testDb.database.db;
      server = await startTestServer(testDb);
      clinicA = await createDistrictClinic(db, districtOne, 'Clinic A');
      clinicB = await createDistrictClinic(db, districtTwo, 'Clinic B');
      const { ids } = server;
      as.hw = await ids.signIn(clinicA, { role: 'health-worker' });
      as.clinician = await ids.signIn(clinicA, { role: 'clinician' });
      as.specialist = await ids.signIn(clinicA, {
        role: 'specialist',
        specialties: ['cardiology'],
        districtId: districtOne,
      });
      as.districtAdmin = await ids.signIn(clinicA, {
        role: 'district-admin',
        districtId: districtOne,
      });
      as.otherDistrictAdmin = await ids.signIn(clinicA, {
        role: 'district-admin',
        districtId: districtTwo,
      });
      as.systemAdmin = await ids.signIn(clinicA, { role: 'system-admin' });
      hwB = await ids.signIn(clinicB, { role: 'health-worker' });
      resetTarget = (await ids.createUser(clinicA, { role: 'clinician' })).id;

      nurseA = new Tablet(as.hw.caller, 101);
      patientA = nurseA.createPersona('adultWithHypertension');
      consultA = nurseA.createConsult(patientA); // routed to cardiology
      await pull(as.hw, nurseA.drain(), 101);
      nurseB = new Tablet(hwB.caller, 202);
      patientB = nurseB.createPersona('childWithFever');
      await pull(hwB, nurseB.drain(), 202);
    });
    afterAll(async () => {
      await server.close();
      await testDb.close();
    });

    const RECORD_READERS: Who[] = ['hw', 'clinician', 'specialist', 'districtAdmin'];
    const everyone: Who[] = [
      'hw',
      'clinician',
      'specialist',
      'districtAdmin',
      'otherDistrictAdmin',
      'systemAdmin',
    ];
    const admins: Who[] = ['districtAdmin', 'otherDistrictAdmin', 'systemAdmin'];

    /** route → principal → expectation, for a request that is valid apart from who sends it. */
    interface Row {
      readonly route: string;
      readonly request: () => [string, string, unknown?, Record<string, string>?];
      readonly expect: Partial<Record<Who, Expect>>;
    }
    const all = (value: Expect, whos: Who[]) =>
      Object.fromEntries(whos.map((who) => [who, value])) as Partial<Record<Who, Expect>>;

    const rows = (): Row[] => [
      {
        route: 'GET /healthz',
        request: () => ['GET', '/healthz'],
        expect: { anon: 'ok', ...all('ok', everyone) },
      },
      {
        route: 'GET /api/version',
        request: () => ['GET', '/api/version'],
        expect: { anon: 'ok', hw: 'ok' },
      },
      // 404 no_clinic_certificate here (this server has no TLS): public, not 401 (test/tls.test.ts serves one).
      {
        route: 'GET /ca.crt',
        request: () => ['GET', '/ca.crt'],
        expect: { anon: 'ok', hw: 'ok', systemAdmin: 'ok' },
      },
      { route: 'GET /*', request: () => ['GET', '/patients/x'], expect: { anon: 'ok' } }, // 503 app not built: public, not 401
      { route: 'HEAD /*', request: () => ['HEAD', '/'], expect: { anon: 'ok' } },
      {
        route: 'POST /api/devices/enroll',
        request: () => ['POST', '/api/devices/enroll', { code: 'WRONG-CODE-0000', label: 'x' }],
        expect: { anon: 'ok' },
      },
      {
        route: 'POST /api/auth/sign-in',
        request: () => [
          'POST',
          '/api/auth/sign-in',
          { username: 'nobody', password: 'wrong password' },
        ],
        expect: { anon: 401, deviceOnly: 401 /* invalid_credentials */ },
      },
      {
        route: 'POST /api/auth/refresh',
        request: () => ['POST', '/api/auth/refresh', { refreshToken: 'nope' }],
        expect: { anon: 401, deviceOnly: 401 },
      },
      {
        route: 'POST /api/audit/events',
        request: () => [
          'POST',
          '/api/audit/events',
          {
            events: [
              {
                action: 'record.open',
                outcome: 'success',
                userId: as.hw!.user.id,
                docId: patientA,
                deviceTime: Date.now(),
              },
            ],
          },
        ],
        expect: { anon: 401, deviceOnly: 'ok' },
      },
      {
        route: 'GET /api/me',
        request: () => ['GET', '/api/me'],
        expect: { anon: 401, deviceOnly: 401, ...all('ok', everyone) },
      },
      {
        route: 'GET /api/clinics',
        request: () => ['GET', '/api/clinics'],
        expect: { anon: 401, ...all('ok', everyone) },
      },
      {
        route: 'GET /api/clinics/:id/staff',
        request: () => ['GET', `/api/clinics/${clinicA}/staff`],
        expect: {
          anon: 401,
          deviceOnly: 401,
          hw: 'ok',
          clinician: 'ok',
          districtAdmin: 'ok',
          systemAdmin: 403,
        },
      },
      {
        route: 'GET /api/clinics/:id/staff',
        request: () => ['GET', `/api/clinics/${clinicB}/staff`],
        expect: { hw: 403, clinician: 403, districtAdmin: 403, otherDistrictAdmin: 'ok' },
      },
      {
        route: 'POST /api/sync',
        request: () => ['POST', '/api/sync', syncBody()],
        expect: {
          anon: 401,
          deviceOnly: 401,
          ...all('ok', RECORD_READERS),
          otherDistrictAdmin: 403,
          systemAdmin: 403,
        },
      },
      {
        route: 'POST /api/live/ticket',
        request: () => ['POST', '/api/live/ticket', { docId: patientA }],
        expect: {
          anon: 401,
          hw: 'ok',
          clinician: 'ok',
          specialist: 403,
          districtAdmin: 'ok',
          otherDistrictAdmin: 403,
          systemAdmin: 403,
        },
      },
      // Consults (docs/consults.md): scope per consult; a consult outside it is 404.
      {
        route: 'GET /api/consults',
        request: () => ['GET', '/api/consults'],
        expect: {
          anon: 401,
          deviceOnly: 401,
          ...all('ok', RECORD_READERS),
          otherDistrictAdmin: 'ok', // their own district's (none here)
          systemAdmin: 403,
        },
      },
      {
        route: 'GET /api/consults/stalled',
        request: () => ['GET', '/api/consults/stalled'],
        expect: {
          anon: 401,
          ...all('ok', RECORD_READERS),
          otherDistrictAdmin: 'ok',
          systemAdmin: 403,
        },
      },
      {
        route: 'GET /api/consults/:id',
        request: () => ['GET', `/api/consults/${consultA.slice('consult/'.length)}`],
        expect: {
          anon: 401,
          ...all('ok', RECORD_READERS), // routed to the specialist's cardiology
          otherDistrictAdmin: 404,
          systemAdmin: 403,
        },
      },
      {
        route: 'POST /api/attachments',
        request: () => [
          'POST',
          '/api/attachments',
          { consultDocId: consultA, sha256: 'a'.repeat(64), size: 1000, contentType: 'image/jpeg' },
        ],
        expect: {
          anon: 401,
          hw: 'ok',
          clinician: 'ok',
          specialist: 'ok',
          districtAdmin: 403,
          otherDistrictAdmin: 403,
          systemAdmin: 403,
        },
      },
      {
        route: 'PUT /api/attachments/:uploadId',
        request: () => ['PUT', `/api/attachments/${randomUUID()}?offset=0`, undefined],
        expect: { anon: 401, hw: 404, specialist: 404, districtAdmin: 403, systemAdmin: 403 },
      },
      {
        route: 'GET /api/attachments/:sha256',
        request: () => ['GET', `/api/attachments/${'f'.repeat(64)}`],
        expect: {
          anon: 401,
          ...all(404, RECORD_READERS),
          otherDistrictAdmin: 404,
          systemAdmin: 403,
        },
      },
      // Web Push: specialists only; this server has no VAPID keys, so 501 once allowed.
      {
        route: 'GET /api/push/public-key',
        request: () => ['GET', '/api/push/public-key'],
        expect: { anon: 401, hw: 403, specialist: 'ok', districtAdmin: 403, systemAdmin: 403 },
      },
      {
        route: 'POST /api/push/subscriptions',
        request: () => [
          'POST',
          '/api/push/subscriptions',
          { endpoint: 'https://fcm.googleapis.com/x' },
        ],
        expect: { anon: 401, hw: 403, clinician: 403, specialist: 'ok', districtAdmin: 403 },
      },
      {
        route: 'DELETE /api/push/subscriptions',
        request: () => [
          'DELETE',
          '/api/push/subscriptions',
          { endpoint: 'https://fcm.googleapis.com/x' },
        ],
        expect: { anon: 401, hw: 403, specialist: 'ok', systemAdmin: 403 },
      },
      {
        route: 'GET /api/admin/users',
        request: () => ['GET', '/api/admin/users'],
        expect: { anon: 401, hw: 403, clinician: 403, specialist: 403, ...all('ok', admins) },
      },
      {
        route: 'POST /api/admin/users',
        request: () => [
          'POST',
          '/api/admin/users',
          {
            username: `m.${randomUUID().slice(0, 6)}`,
            name: 'Matrix user (fictional)',
            role: 'health-worker',
            clinicIds: [clinicA],
          },
        ],
        expect: {
          anon: 401,
          hw: 403,
          clinician: 403,
          specialist: 403,
          districtAdmin: 'ok',
          otherDistrictAdmin: 403,
          systemAdmin: 'ok',
        },
      },
      {
        route: 'POST /api/admin/users/:id/reset',
        request: () => ['POST', `/api/admin/users/${resetTarget}/reset`, {}],
        expect: {
          anon: 401,
          hw: 403,
          specialist: 403,
          districtAdmin: 'ok',
          otherDistrictAdmin: 404,
          systemAdmin: 'ok',
        },
      },
      {
        route: 'POST /api/admin/users/:id/disable',
        request: () => ['POST', `/api/admin/users/${hwB.user.id}/disable`, {}],
        expect: { anon: 401, hw: 403, clinician: 403, specialist: 403, districtAdmin: 404 },
      },
      {
        route: 'POST /api/admin/clinics',
        request: () => [
          'POST',
          '/api/admin/clinics',
          { name: 'New clinic (fictional)', districtId: districtOne },
        ],
        expect: {
          anon: 401,
          hw: 403,
          specialist: 403,
          districtAdmin: 'ok',
          otherDistrictAdmin: 403,
          systemAdmin: 'ok',
        },
      },
      {
        route: 'POST /api/admin/enrollment-codes',
        request: () => ['POST', '/api/admin/enrollment-codes', { clinicId: clinicA }],
        expect: {
          anon: 401,
          hw: 403,
          clinician: 403,
          specialist: 403,
          districtAdmin: 'ok',
          otherDistrictAdmin: 403,
          systemAdmin: 'ok',
        },
      },
      {
        route: 'GET /api/admin/devices',
        request: () => ['GET', '/api/admin/devices'],
        expect: { anon: 401, hw: 403, specialist: 403, ...all('ok', admins) },
      },
      {
        route: 'POST /api/admin/devices/:id/revoke',
        request: () => ['POST', `/api/admin/devices/${hwB.device.deviceId}/revoke`, {}],
        expect: { anon: 401, hw: 403, clinician: 403, specialist: 403, districtAdmin: 404 },
      },
      {
        route: 'GET /api/admin/audit',
        request: () => ['GET', `/api/admin/audit?patient=${encodeURIComponent(patientA)}`],
        expect: { anon: 401, hw: 403, clinician: 403, specialist: 403, ...all('ok', admins) },
      },
      {
        route: 'GET /api/admin/quarantine',
        request: () => ['GET', '/api/admin/quarantine'],
        expect: { anon: 401, hw: 403, specialist: 403, ...all('ok', admins) },
      },
      {
        // Every signed-in role may change their own password (a wrong current one: 400, not 401/403).
        route: 'POST /api/auth/password',
        request: () => [
          'POST',
          '/api/auth/password',
          { currentPassword: 'not my password', newPassword: 'a brand new passphrase' },
        ],
        expect: {
          anon: 401,
          deviceOnly: 401,
          hw: 'ok',
          clinician: 'ok',
          specialist: 'ok',
          districtAdmin: 'ok',
          systemAdmin: 'ok',
        },
      },
      // Last: they end the sessions they are sent with (fresh sessions below).
      {
        route: 'POST /api/auth/sign-out',
        request: () => ['POST', '/api/auth/sign-out'],
        expect: { anon: 401, deviceOnly: 401 },
      },
      {
        route: 'POST /api/auth/sign-out-everywhere',
        request: () => ['POST', '/api/auth/sign-out-everywhere'],
        expect: { anon: 401, deviceOnly: 401 },
      },
    ];

    it('C16 every route × every role × own/other clinic and district answers as documented', async () => {
      const table = rows();
      expect(new Set(table.map((row) => row.route))).toEqual(new Set(Object.keys(ROUTE_POLICIES)));
      const mismatches: string[] = [];
      for (const row of table) {
        for (const [who, expected] of Object.entries(row.expect) as [Who, Expect][]) {
          const [method, path, body, headers] = row.request();
          const response = await call(who, method, path, body, headers);
          const status = response.status;
          const passed = expected === 'ok' ? status !== 401 && status !== 403 : status === expected;
          if (!passed)
            mismatches.push(
              `${row.route} as ${who}: expected ${expected}, got ${status} ${await response.text()}`,
            );
        }
      }
      expect(mismatches).toEqual([]);
      // sign-out as each role: allowed for every signed-in role.
      for (const role of [
        'health-worker',
        'clinician',
        'specialist',
        'district-admin',
        'system-admin',
      ] as const) {
        const session = await server.ids.signIn(clinicA, { role, districtId: districtOne });
        const out = await fetch(`${server.base}/api/auth/sign-out`, {
          method: 'POST',
          headers: session.headers,
        });
        expect(out.status, role).toBe(200);
        expect(
          (await fetch(`${server.base}/api/me`, { headers: session.headers })).status,
          role,
        ).toBe(401);
      }
    });

    it('C16 a clinic’s staff list names its people, never their usernames, nor another clinic’s', async () => {
      const response = await call('hw', 'GET', `/api/clinics/${clinicA}/staff`);
      expect(response.status).toBe(200);
      const { staff } = (await response.json()) as {
        staff: { id: string; name: string; role: string }[];
      };
      const ids = staff.map((person) => person.id);
      expect(ids).toContain(as.hw!.user.id);
      expect(ids).toContain(as.districtAdmin!.user.id);
      expect(ids).not.toContain(hwB.user.id);
      for (const person of staff)
        expect(Object.keys(person).sort()).toEqual(['id', 'name', 'role']);
      expect((await call('hw', 'GET', '/api/clinics/not-a-clinic/staff')).status).toBe(404);
    });

    it('C16 GET /api/clinics and the admin lists are scoped to the caller', async () => {
      const clinicsOf = async (who: Who) =>
        (
          (await (await call(who, 'GET', '/api/clinics')).json()) as { clinics: { id: string }[] }
        ).clinics.map((c) => c.id);
      expect(await clinicsOf('hw')).toEqual([clinicA]);
      expect(await clinicsOf('districtAdmin')).toContain(clinicA);
      expect(await clinicsOf('districtAdmin')).not.toContain(clinicB);
      expect(await clinicsOf('systemAdmin')).toEqual(expect.arrayContaining([clinicA, clinicB]));
      const users = (
        (await (await call('districtAdmin', 'GET', '/api/admin/users')).json()) as {
          users: { id: string }[];
        }
      ).users.map((u) => u.id);
      expect(users).toContain(as.hw!.user.id);
      expect(users).not.toContain(hwB.user.id);
      expect(users).not.toContain(as.systemAdmin!.user.id);
      const promote = await call('districtAdmin', 'POST', '/api/admin/users', {
        username: `x.${randomUUID().slice(0, 6)}`,
        name: 'Would-be admin (fictional)',
        role: 'system-admin',
      });
      expect(promote.status).toBe(403);
      const foreignCode = await call('districtAdmin', 'POST', '/api/admin/enrollment-codes', {
        clinicId: clinicB,
      });
      expect(foreignCode.status).toBe(403);
    });

    it('C17 a push to another clinic’s record is refused per record and changes nothing of it', async () => {
      const before = await clinicSnapshot(clinicB);
      // A fresh device: (device, localSeq) is the push idempotency key (S3).
      const intruderSession = await server.ids.signIn(clinicA);
      const intruder = new Tablet(intruderSession.caller, 303);
      const foreignDoc = intruder.open(
        patientB,
        (await db.select().from(documents).where(eq(documents.docId, patientB)))[0]!.state,
      );
      foreignDoc.getMap('profile').set('village', 'Intruder Village');
      const response = await pull(intruderSession, intruder.drain(), 303);
      expect(response.receipts).toEqual([
        expect.objectContaining({ status: 'rejected', code: 'wrong_clinic' }),
      ]);
      expect(response.documents.map((d) => d.docId)).not.toContain(patientB);
      expect(await clinicSnapshot(clinicB)).toBe(before);
      // …and another clinic's pull never includes clinic A's records.
      const theirs = await pull(hwB);
      const seen = [...theirs.documents.map((d) => d.docId), ...theirs.updates.map((u) => u.docId)];
      expect(seen).toContain(patientB);
      expect(seen).not.toContain(patientA);
    });

    it('C17 the live channel refuses another clinic’s record before the upgrade', async () => {
      const before = await clinicSnapshot(clinicB);
      const ticket = await call('hw', 'POST', '/api/live/ticket', { docId: patientB });
      expect(ticket.status).toBe(403);
      // A ticket for one record does not open another.
      const own = (await (
        await call('hw', 'POST', '/api/live/ticket', { docId: patientA })
      ).json()) as { ticket: string };
      const status = await new Promise<number>((resolve) => {
        void import('ws').then(({ WebSocket }) => {
          const socket = new WebSocket(
            `ws://${server.host}/ws/${patientB}?ticket=${encodeURIComponent(own.ticket)}`,
          );
          socket.on('error', () => {});
          socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          socket.once('open', () => resolve(101));
        });
      });
      expect(status).toBe(401);
      expect(await clinicSnapshot(clinicB)).toBe(before);
    });

    it('C16 specialists pull only consults routed to them and never write patient records', async () => {
      const specialist = await pull(as.specialist!);
      const seen = new Set([
        ...specialist.documents.map((d) => d.docId),
        ...specialist.updates.map((u) => u.docId),
      ]);
      expect([...seen]).toEqual([consultA]);
      const elsewhere = await server.ids.signIn(clinicA, {
        role: 'specialist',
        specialties: ['obstetrics'],
        districtId: districtOne,
      });
      const none = await pull(elsewhere);
      expect(none.documents).toEqual([]);
      expect(none.updates).toEqual([]);
      const before = await clinicSnapshot(clinicA);
      const meddler = new Tablet(as.specialist!.caller, 404);
      meddler
        .open(
          patientA,
          (await db.select().from(documents).where(eq(documents.docId, patientA)))[0]!.state,
        )
        .getMap('profile')
        .set('village', 'Specialist Village');
      const refused = await pull(as.specialist!, meddler.drain(), 404);
      expect(refused.receipts).toEqual([
        expect.objectContaining({ status: 'rejected', code: 'forbidden' }),
      ]);
      expect(await clinicSnapshot(clinicA)).toBe(before);
      // The routed consult: the specialist may answer it live.
      expect(
        (await call('specialist', 'POST', '/api/live/ticket', { docId: consultA })).status,
      ).toBe(200);
      expect(
        (
          await fetch(`${server.base}/api/live/ticket`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...elsewhere.headers },
            body: JSON.stringify({ docId: consultA }),
          })
        ).status,
      ).toBe(403);
    });

    it('C18 district admins read their district’s records and never write them', async () => {
      const admin = await pull(as.districtAdmin!);
      expect(admin.documents.map((d) => d.docId)).toEqual(
        expect.arrayContaining([patientA, consultA]),
      );
      const before = await clinicSnapshot(clinicA);
      const editor = new Tablet(as.districtAdmin!.caller, 505);
      editor
        .open(
          patientA,
          (await db.select().from(documents).where(eq(documents.docId, patientA)))[0]!.state,
        )
        .getMap('profile')
        .set('village', 'Admin Village');
      const refused = await pull(as.districtAdmin!, editor.drain(), 505);
      expect(refused.receipts).toEqual([
        expect.objectContaining({ status: 'rejected', code: 'forbidden' }),
      ]);
      expect(await clinicSnapshot(clinicA)).toBe(before);
    });
  });
}
