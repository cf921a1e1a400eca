/**
 * Test helpers for record sync: clinics with callers, and a simulated tablet that
 * authors records through the real model operations and keeps an outbox.
 */
import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import type { ClinicId, DeviceId, UserId } from '@outpost/shared/ids';
import { getOrThrow } from '@outpost/shared/result';
import {
  changeConsultStatus,
  createConsult,
  postConsultMessage,
  readMeta,
  recordVitals,
  startEncounter,
  updateProfile,
  type ConsultPriority,
  type ConsultRouting,
  type ConsultStatus,
  type Json,
  type ProfilePatch,
} from '@outpost/shared/model';
import {
  PatientBuilder,
  createTestContext,
  type PersonaName,
  type TestContext,
} from '@outpost/shared/model/fixtures';
import type { PushedUpdate } from '@outpost/shared/sync';
import type { Caller } from '../../src/auth/caller';
import type { Db } from '../../src/db/database';
import { clinics, districts } from '../../src/db/schema';

const DISTRICT_ID = '01930000-0000-7000-8000-0000000d1570';

/** A new clinic (fresh id) so that tests sharing one database never see each other's data. */
export async function createClinic(db: Db, name = 'Test clinic (fictional)'): Promise<ClinicId> {
  await db
    .insert(districts)
    .values({ id: DISTRICT_ID, name: 'Test district (fictional)' })
    .onConflictDoNothing();
  const id = randomUUID() as ClinicId;
  await db.insert(clinics).values({ id, districtId: DISTRICT_ID, name });
  return id;
}

export function callerOf(clinicId: ClinicId): Caller {
  return {
    clinicId,
    deviceId: randomUUID() as DeviceId,
    userId: randomUUID() as UserId,
    role: 'health-worker',
    clinicIds: [clinicId],
  };
}

let nextSeed = 1;

/** A tablet: one Yjs client id, a strictly increasing localSeq, an outbox of updates. */
export class Tablet {
  readonly ctx: TestContext;
  readonly docs = new Map<string, Y.Doc>();
  private localSeq = 0;
  private outbox: PushedUpdate[] = [];

  constructor(
    readonly caller: Caller,
    readonly clientId: number = Math.floor(Math.random() * 2 ** 31) + 1,
  ) {
    this.ctx = createTestContext({
      seed: nextSeed++,
      deviceId: caller.deviceId,
      userId: caller.userId,
    });
  }

  private newDoc(): Y.Doc {
    const doc = new Y.Doc();
    doc.clientID = this.clientId;
    return doc;
  }

  /** Tracks a document: every local change becomes one outbox entry. */
  private track(docId: string, doc: Y.Doc): void {
    this.docs.set(docId, doc);
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'remote') return;
      this.queue(docId, update);
    });
  }

  queue(docId: string, update: Uint8Array): PushedUpdate {
    const push = { localSeq: ++this.localSeq, docId, update, deviceTime: this.ctx.clock.now() };
    this.outbox.push(push);
    return push;
  }

  /** Creates a patient (its creation and visits merged into one first push, as S10 allows). */
  createPatient(builder: PatientBuilder = PatientBuilder.persona('adultWithHypertension')): string {
    const doc = builder.with({ homeClinicId: this.caller.clinicId }).build(this.ctx, this.newDoc());
    const docId = `patient/${getOrThrow(readMeta(doc)).id}`;
    this.queue(docId, Y.encodeStateAsUpdate(doc));
    this.track(docId, doc);
    return docId;
  }

  createPersona(name: PersonaName): string {
    return this.createPatient(PatientBuilder.persona(name));
  }

  editProfile(docId: string, patch: ProfilePatch): void {
    getOrThrow(updateProfile(this.doc(docId), this.ctx, patch));
  }

  recordVisit(docId: string, heartRate = 80): void {
    const doc = this.doc(docId);
    const encounterId = getOrThrow(startEncounter(doc, this.ctx, {}));
    getOrThrow(
      recordVitals(doc, this.ctx, {
        encounterId,
        source: { kind: 'typed' },
        readings: [
          { key: 'heartRate', value: heartRate },
          { key: 'temperature', value: 37.2 },
        ],
      }),
    );
  }

  /** A consult about `patientDocId`, sent (with one message) unless `send: false`. */
  createConsult(
    patientDocId: string,
    options: {
      readonly priority?: ConsultPriority;
      readonly routing?: ConsultRouting;
      readonly question?: string;
      readonly snapshot?: Record<string, Json>;
      readonly send?: boolean;
      readonly attachments?: readonly string[];
    } = {},
  ): string {
    const doc = this.newDoc();
    const id = getOrThrow(
      createConsult(doc, this.ctx, {
        homeClinicId: this.caller.clinicId,
        patientId: patientDocId.slice('patient/'.length),
        priority: options.priority ?? 'urgent',
        routing: options.routing ?? { kind: 'specialty', specialty: 'cardiology' },
        question: options.question ?? 'Is this blood pressure safe to manage here?',
        snapshot: options.snapshot ?? { summary: 'fictional' },
      }),
    );
    const docId = `consult/${id}`;
    this.queue(docId, Y.encodeStateAsUpdate(doc));
    this.track(docId, doc);
    if (options.send === false) return docId;
    getOrThrow(changeConsultStatus(doc, this.ctx, { to: 'sent' }));
    getOrThrow(
      postConsultMessage(doc, this.ctx, {
        text: 'Readings attached.',
        ...(options.attachments === undefined ? {} : { attachments: [...options.attachments] }),
      }),
    );
    return docId;
  }

  /** Moves a consult this tablet holds to `to` (as its user; the server decides whether it may). */
  changeStatus(docId: string, to: ConsultStatus): void {
    getOrThrow(changeConsultStatus(this.doc(docId), this.ctx, { to }));
  }

  /** Opens a record received from the server (e.g. a colleague's) for editing. */
  open(docId: string, state: Uint8Array): Y.Doc {
    const doc = this.newDoc();
    Y.applyUpdate(doc, state, 'remote');
    // Yjs picks a new client id when remote content uses its own; a tablet that persists its
    // id (S12) writes under it anyway, which is how two tablets come to share one.
    doc.clientID = this.clientId;
    this.track(docId, doc);
    return doc;
  }

  doc(docId: string): Y.Doc {
    const doc = this.docs.get(docId);
    if (doc === undefined) throw new Error(`tablet has no ${docId}`);
    return doc;
  }

  /** Takes everything queued so far (the request's pushes). */
  drain(): PushedUpdate[] {
    return this.outbox.splice(0);
  }
}
