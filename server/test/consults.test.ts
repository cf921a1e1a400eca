/**
 * Consults on the server (issue 7): the server marks a sent consult received
 * through the update log, enforces who may make which transition, and serves
 * the specialist queue (order, scope, filters, badges, stall flags, paging)
 * and one consult's summary, on PGlite and on PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { pino } from 'pino';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClinicId } from '@outpost/shared/ids';
import { readConsult, type ConsultRouting, type ConsultStatus } from '@outpost/shared/model';
import { getOrThrow } from '@outpost/shared/result';
import {
  PROTOCOL_VERSION,
  decodeSyncResponse,
  encodeSyncRequest,
  type PushedUpdate,
  type SyncResponse,
} from '@outpost/shared/sync';
import { TEST_START_MS } from '@outpost/shared/model/fixtures';
import { createApp } from '../src/app';
import { TEST_SCRYPT } from '../src/auth/passwords';
import { SERVER_ACTOR_ID, SERVER_CLIENT_ID } from '../src/consults/server-author';
import type { Db } from '../src/db/database';
import { auditLog, clinics, consults, districts, documents, updateLog } from '../src/db/schema';
import { databaseKinds, type TestDatabase } from './support/databases';
import { identityFixture, type IdentityFixture, type SignedIn } from './support/identity';
import { Tablet } from './support/sync';

const HOUR = 3_600_000;
const MINUTE = 60_000;

interface QueueItem {
  docId: string;
  status: ConsultStatus;
  priority: string;
  clinic: { id: string; name: string | null };
  routing: ConsultRouting | { kind: 'specialist'; userId: string };
  patient: { ageYears: number | null; ageMonths: number | null; sex: string | null };
  questionExcerpt: string;
  photoCount: number;
  sentAt: number | null;
  receivedAt: number | null;
  waitingSince: number;
  waitingMs: number | null;
  badge: string | null;
  stalled: boolean;
  overdueByMs: number | null;
  answerDueAt: number | null;
}
interface QueuePage {
  consults: QueueItem[];
  nextCursor: string | null;
  serverTime: number;
}

async function createDistrictClinic(db: Db, districtId: string, name: string): Promise<ClinicId> {
  await db
    .insert(districts)
    .values({ id: districtId, name: `${name} district` })
    .onConflictDoNothing();
  const id = randomUUID() as ClinicId;
  await db.insert(clinics).values({ id, districtId, name: `${name} (fictional)` });
  return id;
}

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`consults on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let app: ReturnType<typeof createApp>;
    let ids: IdentityFixture;
    /** The server's clock: tests move it to make consults wait. */
    let serverNow = TEST_START_MS + HOUR;
    const districtOne = randomUUID();
    const districtTwo = randomUUID();
    let clinicA: ClinicId;
    let clinicB: ClinicId;
    let clinicC: ClinicId;
    let hwA: SignedIn;
    let hwB: SignedIn;
    let hwC: SignedIn;
    let cardiologist: SignedIn;
    let dermatologist: SignedIn;
    let named: SignedIn;
    let admin: SignedIn;
    let otherAdmin: SignedIn;
    let systemAdmin: SignedIn;
    let nurseA: Tablet;
    let nurseB: Tablet;
    let nurseC: Tablet;
    let nextClientId = 900;
    /** Access tokens live 10 minutes of server time: sign in again when the test moved the clock on. */
    const fresh = new Map<SignedIn, { headers: Record<string, string>; at: number }>();
    async function headersOf(session: SignedIn): Promise<Record<string, string>> {
      const known = fresh.get(session);
      if (known !== undefined && serverNow - known.at < 5 * MINUTE && serverNow >= known.at)
        return known.headers;
      const again = await ids.signInAs(session.user, session.device);
      fresh.set(session, { headers: again.headers, at: serverNow });
      return again.headers;
    }

    function syncBody(pushes: PushedUpdate[], clientId: number, wantDocuments: string[] = []) {
      return encodeSyncRequest({
        protocol: PROTOCOL_VERSION,
        clientId,
        deviceTime: serverNow,
        cursor: new Uint8Array(),
        pushes,
        wantDocuments,
        maxResponseBytes: 1024 * 1024,
      });
    }

    async function sync(
      session: SignedIn,
      pushes: PushedUpdate[],
      clientId = 77,
      wantDocuments: string[] = [],
    ): Promise<SyncResponse> {
      const response = await app.request('/api/sync', {
        method: 'POST',
        headers: { 'content-type': 'application/x-outpost-sync', ...(await headersOf(session)) },
        body: syncBody(pushes, clientId, wantDocuments),
      });
      expect(response.status, await response.clone().text()).toBe(200);
      return getOrThrow(decodeSyncResponse(new Uint8Array(await response.arrayBuffer())));
    }

    async function push(tablet: Tablet, session: SignedIn): Promise<SyncResponse> {
      return sync(session, tablet.drain(), tablet.clientId);
    }

    async function get(session: SignedIn, path: string): Promise<Response> {
      return app.request(path, { headers: await headersOf(session) });
    }

    async function queue(session: SignedIn, query = ''): Promise<QueuePage> {
      const response = await get(session, `/api/consults${query}`);
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as QueuePage;
    }

    async function storedConsult(docId: string) {
      const [row] = await db.select().from(documents).where(eq(documents.docId, docId));
      const doc = new Y.Doc();
      Y.applyUpdate(doc, row!.state);
      return getOrThrow(readConsult(doc));
    }

    /** A consult sent from `tablet` at the current server time. */
    async function sendConsult(
      tablet: Tablet,
      session: SignedIn,
      options: Parameters<Tablet['createConsult']>[1] = {},
    ): Promise<string> {
      const patient = tablet.createPersona('adultWithHypertension');
      const docId = tablet.createConsult(patient, options);
      const response = await push(tablet, session);
      expect(response.receipts.every((receipt) => receipt.status === 'stored')).toBe(true);
      return docId;
    }

    /** Another tablet of the same user: a device of its own (localSeq is per device, S3). */
    async function newTablet(session: SignedIn): Promise<{ tablet: Tablet; session: SignedIn }> {
      const device = await ids.enrollDevice(session.device.clinicId);
      const signedIn = await ids.signInAs(session.user, device);
      return { tablet: new Tablet(signedIn.caller, nextClientId++), session: signedIn };
    }

    /** A specialist's new tablet holding the server's copy of `docId`. */
    async function specialistTablet(
      session: SignedIn,
      docId: string,
    ): Promise<{ tablet: Tablet; session: SignedIn }> {
      const fresh = await newTablet(session);
      const [row] = await db.select().from(documents).where(eq(documents.docId, docId));
      fresh.tablet.open(docId, row!.state);
      return fresh;
    }

    beforeAll(async () => {
      testDb = await kind.open();
      db = testDb.database.db;
      app = createApp({
        database: testDb.database,
        version: 't',
        webDir: '/nonexistent',
        logger: pino({ level: 'silent' }),
        now: () => serverNow,
        scrypt: TEST_SCRYPT,
      });
      ids = identityFixture(app, db);
      clinicA = await createDistrictClinic(db, districtOne, 'Clinic A');
      clinicB = await createDistrictClinic(db, districtOne, 'Clinic B');
      clinicC = await createDistrictClinic(db, districtTwo, 'Clinic C');
      // Tokens and enrollment codes are checked against the server's clock.
      const signIn = async (
        clinicId: string,
        options: Parameters<IdentityFixture['signIn']>[1],
      ) => {
        const device = await ids.enrollDevice(clinicId);
        const user = await ids.createUser(clinicId, options);
        return ids.signInAs(user, device);
      };
      hwA = await signIn(clinicA, { role: 'health-worker' });
      hwB = await signIn(clinicB, { role: 'health-worker' });
      hwC = await signIn(clinicC, { role: 'health-worker' });
      cardiologist = await signIn(clinicA, { role: 'specialist', specialties: ['cardiology'] });
      dermatologist = await signIn(clinicA, { role: 'specialist', specialties: ['dermatology'] });
      named = await signIn(clinicA, { role: 'specialist', specialties: ['paediatrics'] });
      admin = await signIn(clinicA, { role: 'district-admin', districtId: districtOne });
      otherAdmin = await signIn(clinicA, { role: 'district-admin', districtId: districtTwo });
      systemAdmin = await signIn(clinicA, { role: 'system-admin' });
      nurseA = new Tablet(hwA.caller, 101);
      nurseB = new Tablet(hwB.caller, 202);
      nurseC = new Tablet(hwC.caller, 303);
    });
    afterAll(async () => {
      await testDb.close();
    });

    describe('received by the server', () => {
      it('a pushed consult that became sent gets one received transition, by the server, at server time', async () => {
        serverNow += MINUTE;
        const receivedAt = serverNow;
        const docId = await sendConsult(nurseA, hwA);
        const view = await storedConsult(docId);
        expect(view.status).toBe('received');
        const received = view.transitions.filter((t) => t.to === 'received');
        expect(received).toHaveLength(1);
        expect(received[0]).toMatchObject({
          from: 'sent',
          at: receivedAt,
          by: { userId: SERVER_ACTOR_ID, deviceId: SERVER_ACTOR_ID },
        });
        const log = await db.select().from(updateLog).where(eq(updateLog.docId, docId));
        const serverRows = log.filter((row) => row.deviceId === SERVER_ACTOR_ID);
        expect(serverRows).toHaveLength(1);
        expect(serverRows[0]).toMatchObject({ clientId: SERVER_CLIENT_ID, localSeq: null });
        const [row] = await db.select().from(consults).where(eq(consults.docId, docId));
        expect(row).toMatchObject({ status: 'received' });
        expect(row!.receivedAt?.getTime()).toBe(receivedAt);
        expect(row!.waitingSince.getTime()).toBe(receivedAt);
      });

      it('the sending tablet pulls the received transition (it is not its own update)', async () => {
        const { tablet, session } = await newTablet(hwA);
        const patient = tablet.createPersona('adultWithHypertension');
        const docId = tablet.createConsult(patient);
        const response = await push(tablet, session);
        const pulled = [
          ...response.updates.filter((u) => u.docId === docId).map((u) => u.update),
          ...response.documents.filter((d) => d.docId === docId).map((d) => d.state),
        ];
        expect(pulled.length).toBeGreaterThan(0);
        const doc = tablet.doc(docId);
        for (const update of pulled) Y.applyUpdate(doc, update, 'remote');
        expect(getOrThrow(readConsult(doc)).status).toBe('received');
      });

      it('a re-sent push, or the same content pushed again, adds no second received', async () => {
        const { tablet, session } = await newTablet(hwA);
        const patient = tablet.createPersona('adultWithHypertension');
        const docId = tablet.createConsult(patient);
        const pushes = tablet.drain();
        await sync(session, pushes, tablet.clientId);
        await sync(session, pushes, tablet.clientId); // S3 repeat
        // The whole document again under a new localSeq (e.g. after re-keying, S12).
        tablet.queue(docId, Y.encodeStateAsUpdate(tablet.doc(docId)));
        const again = await push(tablet, session);
        expect(again.receipts.every((r) => r.status === 'stored')).toBe(true);
        const view = await storedConsult(docId);
        expect(view.transitions.filter((t) => t.to === 'received')).toHaveLength(1);
      });

      it('a consult sent again after "more information needed" is received again', async () => {
        const docId = await sendConsult(nurseA, hwA);
        const specialist = await specialistTablet(cardiologist, docId);
        specialist.tablet.changeStatus(docId, 'opened');
        specialist.tablet.changeStatus(docId, 'more-info-needed');
        const answered = await push(specialist.tablet, specialist.session);
        expect(answered.receipts.map((r) => r.status)).toEqual(['stored', 'stored']);
        // The health worker pulls the request and sends again.
        const pulled = await sync(hwA, [], nurseA.clientId, [docId]);
        for (const document of pulled.documents.filter((d) => d.docId === docId))
          Y.applyUpdate(nurseA.doc(docId), document.state, 'remote');
        nurseA.changeStatus(docId, 'sent');
        serverNow += MINUTE;
        await push(nurseA, hwA);
        const view = await storedConsult(docId);
        expect(view.status).toBe('received');
        expect(view.transitions.map((t) => t.to)).toEqual([
          'sent',
          'received',
          'opened',
          'more-info-needed',
          'sent',
          'received',
        ]);
      });
    });

    describe('who may make which transition', () => {
      it('a health worker cannot mark a consult answered, opened or received', async () => {
        for (const to of ['opened', 'received'] as const) {
          const { tablet, session } = await newTablet(hwA);
          const patient = tablet.createPersona('adultWithHypertension');
          const docId = tablet.createConsult(patient);
          tablet.changeStatus(docId, to);
          const response = await push(tablet, session);
          const last = response.receipts.at(-1)!;
          expect(last, to).toMatchObject({ status: 'rejected', code: 'forbidden' });
        }
        // Opened by the specialist; the health worker's tablet then tries to answer it.
        const docId = await sendConsult(nurseA, hwA);
        const specialist = await specialistTablet(cardiologist, docId);
        specialist.tablet.changeStatus(docId, 'opened');
        await push(specialist.tablet, specialist.session);
        const pulled = await sync(hwA, [], nurseA.clientId, [docId]);
        for (const document of pulled.documents.filter((d) => d.docId === docId))
          Y.applyUpdate(nurseA.doc(docId), document.state, 'remote');
        nurseA.changeStatus(docId, 'answered');
        const response = await push(nurseA, hwA);
        expect(response.receipts).toEqual([
          expect.objectContaining({ status: 'rejected', code: 'forbidden' }),
        ]);
        expect((await storedConsult(docId)).status).toBe('opened');
      });

      it('a specialist cannot create a consult, send one, or change what the clinic wrote', async () => {
        const specialist = await newTablet(cardiologist);
        const created = specialist.tablet.createConsult(
          nurseA.createPersona('adultWithHypertension'),
        );
        nurseA.drain();
        const response = await push(specialist.tablet, specialist.session);
        expect(response.receipts[0]).toMatchObject({ status: 'rejected', code: 'forbidden' });
        expect(await db.select().from(documents).where(eq(documents.docId, created))).toEqual([]);

        const docId = await sendConsult(nurseA, hwA);
        const other = await specialistTablet(cardiologist, docId);
        other.tablet.doc(docId).getMap('head').set('priority', 'routine');
        const edited = await push(other.tablet, other.session);
        expect(edited.receipts[0]).toMatchObject({ status: 'rejected', code: 'forbidden' });
        expect((await storedConsult(docId)).priority).toBe('urgent');
      });

      it('a specialist opens and answers a routed consult; a transition in another device’s name is refused', async () => {
        const docId = await sendConsult(nurseA, hwA);
        const specialist = await specialistTablet(cardiologist, docId);
        specialist.tablet.changeStatus(docId, 'opened');
        specialist.tablet.changeStatus(docId, 'answered');
        const response = await push(specialist.tablet, specialist.session);
        expect(response.receipts.map((r) => r.status)).toEqual(['stored', 'stored']);
        const view = await storedConsult(docId);
        expect(view.status).toBe('answered');
        const [row] = await db.select().from(consults).where(eq(consults.docId, docId));
        expect(row!.answeredAt).not.toBeNull();
        expect(row!.answerDueAt).toBeNull();

        // The dermatologist's device writing a transition attributed to the cardiologist's device.
        const second = await sendConsult(nurseA, hwA, {
          routing: { kind: 'specialty', specialty: 'dermatology' },
        });
        const own = await newTablet(dermatologist);
        const forger = new Tablet(
          { ...own.session.caller, deviceId: cardiologist.caller.deviceId },
          nextClientId++,
        );
        const [state] = await db.select().from(documents).where(eq(documents.docId, second));
        forger.open(second, state!.state);
        forger.changeStatus(second, 'opened');
        const forged = await push(forger, own.session);
        expect(forged.receipts[0]).toMatchObject({ status: 'rejected', code: 'forbidden' });
      });
    });

    describe('the queue', () => {
      let base: number;
      const made: Record<string, string> = {};
      beforeAll(async () => {
        serverNow += 48 * HOUR;
        base = serverNow;
        // Sent in this order, a few minutes apart (waiting since = the server's received time).
        const plan: [string, Tablet, SignedIn, Parameters<Tablet['createConsult']>[1]][] = [
          ['routineCardioA', nurseA, hwA, { priority: 'routine' }],
          ['urgentCardioA', nurseA, hwA, { priority: 'urgent' }],
          ['emergencyCardioB', nurseB, hwB, { priority: 'emergency' }],
          ['urgentCardioB', nurseB, hwB, { priority: 'urgent' }],
          [
            'urgentDermaA',
            nurseA,
            hwA,
            { priority: 'urgent', routing: { kind: 'specialty', specialty: 'dermatology' } },
          ],
          ['urgentCardioC', nurseC, hwC, { priority: 'urgent' }],
          [
            'namedRoutineA',
            nurseA,
            hwA,
            {
              priority: 'routine',
              routing: { kind: 'specialist', userId: named.user.id },
              question: `  A child   with fever\n${'and a long story '.repeat(30)}`,
              snapshot: {
                v: 1,
                patient: { ageYears: 1, ageMonths: 18, ageEstimated: false, sex: 'female' },
              },
              attachments: ['a'.repeat(64), 'b'.repeat(64)],
            },
          ],
        ];
        for (const [name, tablet, session, options] of plan) {
          serverNow += 5 * MINUTE;
          made[name] = await sendConsult(tablet, session, options);
        }
      });

      const names = (page: QueuePage) =>
        page.consults
          .map((item) => Object.entries(made).find(([, id]) => id === item.docId)?.[0])
          .filter((name) => name !== undefined);

      it('a specialist sees consults routed to them, most urgent then longest waiting first', async () => {
        serverNow = base + HOUR;
        const page = await queue(cardiologist, '?limit=100');
        expect(names(page)).toEqual([
          'emergencyCardioB',
          'urgentCardioA',
          'urgentCardioB',
          'urgentCardioC', // specialists see routed consults of every clinic
          'routineCardioA',
        ]);
        for (const item of page.consults)
          expect(item.routing).toEqual({ kind: 'specialty', specialty: 'cardiology' });
        expect(names(await queue(dermatologist))).toEqual(['urgentDermaA']);
        expect(names(await queue(named))).toEqual(['namedRoutineA']);
      });

      it('district admins see their district’s, health workers their clinic’s; system admins none', async () => {
        const district = names(await queue(admin, '?limit=100'));
        expect(district).toContain('urgentCardioB');
        expect(district).not.toContain('urgentCardioC');
        expect(names(await queue(otherAdmin, '?limit=100'))).toEqual(['urgentCardioC']);
        const clinic = await queue(hwB, '?limit=100');
        expect(new Set(clinic.consults.map((item) => item.clinic.id))).toEqual(new Set([clinicB]));
        expect((await get(systemAdmin, '/api/consults')).status).toBe(403);
        expect((await app.request('/api/consults')).status).toBe(401);
      });

      it('items carry the summary, waiting time and badges from the server clock', async () => {
        serverNow = base + 5 * HOUR;
        const [item] = (await queue(named)).consults;
        expect(item).toMatchObject({
          status: 'received',
          priority: 'routine',
          routing: { kind: 'specialist', userId: named.user.id },
          patient: { ageYears: 1, ageMonths: 18, sex: 'female' },
          photoCount: 2,
          badge: 'over-4h',
          stalled: false,
        });
        expect(item!.questionExcerpt.startsWith('A child with fever and a long story')).toBe(true);
        expect(item!.questionExcerpt.length).toBeLessThanOrEqual(160);
        expect(item!.waitingMs).toBe(serverNow - item!.waitingSince);
        serverNow = base + 25 * HOUR;
        const [later] = (await queue(named)).consults;
        expect(later).toMatchObject({ badge: 'over-24h', stalled: true });
        expect(later!.overdueByMs).toBe(serverNow - later!.answerDueAt!);
      });

      it('filters: clinic, specialty, status, waitingOver', async () => {
        serverNow = base + 2 * HOUR;
        expect(names(await queue(admin, `?clinic=${clinicB}`))).toEqual([
          'emergencyCardioB',
          'urgentCardioB',
        ]);
        expect(names(await queue(admin, '?specialty=dermatology'))).toEqual(['urgentDermaA']);
        // (Consults of the tests above have waited two days: only this block's are named.)
        expect(names(await queue(admin, '?waitingOver=4h&limit=100'))).toEqual([]);
        serverNow = base + 4 * HOUR + 21 * MINUTE;
        // Sent at base+5…35 min: over 4 h are those sent up to base+20 min.
        expect(names(await queue(cardiologist, '?waitingOver=4h&limit=100'))).toEqual([
          'emergencyCardioB',
          'urgentCardioA',
          'urgentCardioB',
          'routineCardioA',
        ]);
        expect((await queue(cardiologist, '?status=answered')).consults.length).toBeGreaterThan(0);
        const bad = await get(cardiologist, '/api/consults?status=draft');
        expect(bad.status).toBe(400);
        expect(await bad.json()).toMatchObject({
          error: { code: 'invalid_field', field: 'status' },
        });
        const unknown = await get(cardiologist, '/api/consults?sort=name');
        expect(await unknown.json()).toMatchObject({
          error: { code: 'invalid_field', field: 'sort' },
        });
        expect((await get(cardiologist, '/api/consults?cursor=nonsense')).status).toBe(400);
        expect((await get(cardiologist, '/api/consults?limit=1000')).status).toBe(400);
      });

      it('keyset paging returns every consult once, in order, while new ones arrive', async () => {
        const seen: string[] = [];
        let page = await queue(admin, '?status=all&limit=3');
        const expected = (await queue(admin, '?status=all&limit=100')).consults.map((i) => i.docId);
        for (;;) {
          seen.push(...page.consults.map((item) => item.docId));
          // A new consult arrives between pages (most urgent and newest: it sorts first, so before the cursor).
          serverNow += MINUTE;
          await sendConsult(nurseA, hwA, { priority: 'emergency' });
          if (page.nextCursor === null) break;
          page = await queue(admin, `?status=all&limit=3&cursor=${page.nextCursor}`);
        }
        expect(seen).toEqual(expected);
      });

      it('GET /api/consults/:id: the routed specialist and the clinic see it; anyone else gets 404, audited', async () => {
        const docId = made.urgentDermaA!;
        const id = docId.slice('consult/'.length);
        const ok = await get(dermatologist, `/api/consults/${id}`);
        expect(ok.status).toBe(200);
        expect(await ok.json()).toMatchObject({ consult: { docId, status: 'received' } });
        expect((await get(hwA, `/api/consults/${id}`)).status).toBe(200);
        expect((await get(admin, `/api/consults/${id}`)).status).toBe(200);
        for (const session of [cardiologist, hwB, otherAdmin]) {
          const response = await get(session, `/api/consults/${id}`);
          expect(response.status).toBe(404);
          expect(await response.json()).toEqual({
            error: { code: 'not_found', message: 'No such consult.' },
          });
        }
        const absent = await get(dermatologist, `/api/consults/${randomUUID()}`);
        expect(await absent.json()).toEqual({
          error: { code: 'not_found', message: 'No such consult.' },
        });
        const audit = await db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.docId, docId), eq(auditLog.action, 'record.read')));
        const summaryReads = audit.filter((row) => row.details.via === 'consult-summary');
        expect(summaryReads.filter((row) => row.outcome === 'success')).toHaveLength(3);
        expect(summaryReads.filter((row) => row.outcome === 'denied')).toHaveLength(3);
        expect(summaryReads.every((row) => row.patientDocId?.startsWith('patient/'))).toBe(true);
      });

      it('stalled: past the answer limit (emergency 1 h, urgent 4 h, routine 24 h), for the district admin', async () => {
        serverNow = base + 3 * HOUR;
        const early = await get(admin, '/api/consults/stalled');
        const earlyNames = names((await early.json()) as QueuePage);
        expect(earlyNames).toContain('emergencyCardioB');
        expect(earlyNames).not.toContain('urgentCardioB');
        serverNow = base + 5 * HOUR;
        const later = names(
          (await (await get(admin, '/api/consults/stalled')).json()) as QueuePage,
        );
        expect(later).toEqual(
          expect.arrayContaining(['emergencyCardioB', 'urgentCardioB', 'urgentDermaA']),
        );
        expect(later).not.toContain('routineCardioA');
        expect(later).not.toContain('urgentCardioC');
        const flagged = await queue(admin, '?limit=100');
        for (const item of flagged.consults) expect(item.stalled).toBe(item.overdueByMs !== null);
        const rows = await db.select().from(consults).where(isNull(consults.districtId));
        expect(rows).toEqual([]);
      });
    });
  });
}
