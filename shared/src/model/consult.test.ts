import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { getOrThrow } from '../result';
import {
  changeConsultStatus,
  createConsult,
  postConsultMessage,
  readConsult,
  type CreateConsultInput,
} from './consult';
import { TEST_CLINIC_ID, createTestContext, replicaOf, syncAll } from './fixtures';
import { expectRefused, updateSize } from './testSupport';
import { validateDocument } from './validate';

const PATIENT = '0190a000-0000-7000-8000-000000000042';
const SPECIALIST = {
  userId: '0190a000-0000-7000-8000-0000000000c1',
  deviceId: '0190a000-0000-7000-8000-0000000000c2',
};
const input: CreateConsultInput = {
  homeClinicId: TEST_CLINIC_ID,
  patientId: PATIENT,
  priority: 'urgent',
  routing: { kind: 'specialty', specialty: 'paediatrics' },
  question: 'Fever 39.4 °C for 2 days, RR 42. Refer?',
  snapshot: { sex: 'male', ageYears: 3, vitals: { temperature: 39.4, respiratoryRate: 42 } },
};

function draft() {
  const ctx = createTestContext();
  const doc = new Y.Doc();
  const id = getOrThrow(createConsult(doc, ctx, input));
  return { doc, ctx, id };
}

describe('consults', () => {
  test('a new consult is a draft holding the frozen snapshot, routing, priority and question', () => {
    const { doc, ctx, id } = draft();
    expect(getOrThrow(readConsult(doc))).toEqual({
      docId: `consult/${id}`,
      id,
      homeClinicId: TEST_CLINIC_ID,
      createdAt: ctx.clock.now(),
      createdBy: ctx.actor,
      schemaVersion: 1,
      patientId: PATIENT,
      priority: 'urgent',
      routing: { kind: 'specialty', specialty: 'paediatrics' },
      question: input.question,
      snapshot: input.snapshot,
      status: 'draft',
      concurrentStatuses: [],
      transitions: [],
      messages: [],
      answers: [],
      problems: [],
    });
    expect(validateDocument(doc).ok).toBe(true);
  });

  test.each([
    [{ priority: 'whenever' }, 'priority'],
    [{ routing: { kind: 'specialist', userId: 'dr-x' } }, 'routing.userId'],
    [{ routing: { kind: 'specialty', specialty: '' } }, 'routing.specialty'],
    [{ question: '   ' }, 'question'],
    [{ snapshot: [1, 2] }, 'snapshot'],
    [{ snapshot: { photo: new Uint8Array(3) } }, 'snapshot'],
    [{ patientId: 'p1' }, 'patientId'],
    [{ encounterId: 'e1' }, 'encounterId'],
  ])('invalid consult %j is refused naming %s', (patch, field) => {
    const doc = new Y.Doc();
    expectRefused(
      doc,
      () => createConsult(doc, createTestContext(), { ...input, ...patch } as never),
      { type: 'ValidationFailed', field },
    );
  });

  test('the lifecycle runs draft → sent → received → opened → answered → closed, each transition attributed and timed', () => {
    const { doc, ctx } = draft();
    const specialist = createTestContext({ seed: 9, ...SPECIALIST });
    for (const [to, who] of [
      ['sent', ctx],
      ['received', specialist],
      ['opened', specialist],
      ['answered', specialist],
      ['closed', ctx],
    ] as const) {
      who.clock.advance(60_000);
      expect(getOrThrow(changeConsultStatus(doc, who, { to }))).toBe(to);
    }
    const consult = getOrThrow(readConsult(doc));
    expect(consult.status).toBe('closed');
    expect(consult.transitions.map((t) => `${t.from}→${t.to}`)).toEqual([
      'draft→sent',
      'sent→received',
      'received→opened',
      'opened→answered',
      'answered→closed',
    ]);
    expect(consult.transitions[2]).toMatchObject({
      by: specialist.actor,
      at: specialist.clock.now() - 60_000,
    });
  });

  test('more information can be requested and the health worker re-sends', () => {
    const { doc, ctx } = draft();
    for (const to of ['sent', 'opened', 'more-info-needed', 'sent', 'opened', 'answered'] as const)
      getOrThrow(changeConsultStatus(doc, ctx, { to }));
    expect(getOrThrow(readConsult(doc)).status).toBe('answered');
  });

  test('invalid transitions are refused and leave the document unchanged', () => {
    const { doc, ctx } = draft();
    expectRefused(doc, () => changeConsultStatus(doc, ctx, { to: 'answered' }), {
      type: 'InvalidStatusTransition',
      from: 'draft',
      to: 'answered',
    });
    expectRefused(doc, () => changeConsultStatus(doc, ctx, { to: 'draft' }), {
      type: 'InvalidStatusTransition',
      from: 'draft',
      to: 'draft',
    });
    expectRefused(doc, () => changeConsultStatus(doc, ctx, { to: 'done' as never }), {
      type: 'ValidationFailed',
      field: 'to',
    });
    getOrThrow(changeConsultStatus(doc, ctx, { to: 'closed' }));
    expectRefused(doc, () => changeConsultStatus(doc, ctx, { to: 'sent' }), {
      type: 'ConsultClosed',
    });
    expectRefused(doc, () => postConsultMessage(doc, ctx, { text: 'hello?' }), {
      type: 'ConsultClosed',
    });
  });

  test('messages are attributed, ordered by time, with content-addressed attachments', () => {
    const { doc, ctx } = draft();
    const photo = 'a'.repeat(64);
    const first = getOrThrow(
      postConsultMessage(doc, ctx, { text: 'Photo of the rash attached', attachments: [photo] }),
    );
    ctx.clock.advance(1000);
    const second = getOrThrow(postConsultMessage(doc, ctx, { text: 'He is drinking well' }));
    expect(getOrThrow(readConsult(doc)).messages).toEqual([
      {
        id: first,
        text: 'Photo of the rash attached',
        attachments: [photo],
        by: ctx.actor,
        at: ctx.clock.now() - 1000,
      },
      {
        id: second,
        text: 'He is drinking well',
        attachments: [],
        by: ctx.actor,
        at: ctx.clock.now(),
      },
    ]);
    expectRefused(doc, () => postConsultMessage(doc, ctx, { text: '' }), {
      type: 'ValidationFailed',
      field: 'text',
    });
    expectRefused(doc, () => postConsultMessage(doc, ctx, { text: 'x', attachments: ['abc'] }), {
      type: 'ValidationFailed',
      field: 'attachments.0',
    });
  });

  test('a patient document is not a consult', async () => {
    const { PatientBuilder } = await import('./fixtures');
    const patient = PatientBuilder.persona('childWithFever').build();
    expectRefused(
      patient,
      () => changeConsultStatus(patient, createTestContext(), { to: 'sent' }),
      { type: 'WrongDocumentKind', expected: 'consult', actual: 'patient' },
    );
    expect(readConsult(patient)).toMatchObject({ ok: false, error: { type: 'WrongDocumentKind' } });
  });

  describe('concurrent transitions converge (status rule)', () => {
    function openedOnBothSides() {
      const { doc: clinic, ctx } = draft();
      getOrThrow(changeConsultStatus(clinic, ctx, { to: 'sent' }));
      const specialistDoc = replicaOf(clinic, 777);
      const specialist = createTestContext({ seed: 9, ...SPECIALIST });
      getOrThrow(changeConsultStatus(specialistDoc, specialist, { to: 'opened' }));
      syncAll(clinic, specialistDoc);
      return { clinic, ctx, specialistDoc, specialist };
    }

    test('a close concurrent with an answer wins; the answer stays in the history', () => {
      const { clinic, ctx, specialistDoc, specialist } = openedOnBothSides();
      getOrThrow(
        changeConsultStatus(clinic, ctx, { to: 'closed', note: 'Patient referred already' }),
      );
      getOrThrow(changeConsultStatus(specialistDoc, specialist, { to: 'answered' }));
      syncAll(clinic, specialistDoc);
      const consult = getOrThrow(readConsult(clinic));
      expect(getOrThrow(readConsult(specialistDoc))).toEqual(consult);
      expect(consult.status).toBe('closed');
      expect(consult.concurrentStatuses).toEqual(['answered']);
    });

    test('an answer concurrent with a request for more information wins, and the next transition supersedes both', () => {
      const { clinic, specialistDoc, specialist } = openedOnBothSides();
      const colleague = createTestContext({
        seed: 10,
        userId: '0190a000-0000-7000-8000-0000000000c3',
      });
      getOrThrow(changeConsultStatus(clinic, colleague, { to: 'more-info-needed' }));
      getOrThrow(changeConsultStatus(specialistDoc, specialist, { to: 'answered' }));
      syncAll(clinic, specialistDoc);
      expect(getOrThrow(readConsult(clinic))).toMatchObject({
        status: 'answered',
        concurrentStatuses: ['more-info-needed'],
      });
      getOrThrow(changeConsultStatus(clinic, colleague, { to: 'closed' }));
      syncAll(clinic, specialistDoc);
      expect(getOrThrow(readConsult(specialistDoc))).toMatchObject({
        status: 'closed',
        concurrentStatuses: [],
      });
    });

    test('a forged transition that does not follow its predecessors is ignored and reported', () => {
      const { doc } = draft();
      const by = { u: SPECIALIST.userId, d: SPECIALIST.deviceId };
      doc.getArray('transitions').push([
        {
          id: '0190a000-0000-7000-8000-0000000000f1',
          prev: [],
          from: 'opened',
          to: 'answered',
          at: 1,
          by,
        },
      ]);
      const consult = getOrThrow(readConsult(doc));
      expect(consult.status).toBe('draft');
      expect(consult.problems).toEqual([expect.objectContaining({ path: 'transitions[0]' })]);
    });
  });

  describe('an attached monitoring window', () => {
    const window = (seconds: number) => ({
      v: 1 as const,
      startSec: 1_760_000_000,
      hz: 1 as const,
      spo2: Array.from({ length: seconds }, (_, i) => (i % 97 === 5 ? null : 93 + (i % 4))),
      pulse: Array.from({ length: seconds }, (_, i) => (i % 97 === 5 ? null : 118 + (i % 9))),
    });

    test('60 minutes at 1 Hz are carried, gaps included, and stay small on the wire', () => {
      const doc = new Y.Doc();
      const attached = window(3_600);
      const bytes = updateSize(doc, () =>
        getOrThrow(createConsult(doc, createTestContext(), { ...input, monitoring: attached })),
      );
      const consult = getOrThrow(readConsult(doc));
      expect(consult.monitoring).toEqual(attached);
      expect(consult.monitoring?.spo2[5]).toBeNull();
      expect(consult.problems).toEqual([]);
      expect(getOrThrow(validateDocument(doc)).kind).toBe('consult');
      expect(bytes).toBeLessThan(24_000); // ≈ 3 bytes a value in Yjs; gzip on the wire does better
      // Without one, the consult has none.
      expect(getOrThrow(readConsult(draft().doc)).monitoring).toBeUndefined();
    });

    test.each([
      ['over 60 minutes', { ...window(3_601) }, 'monitoring.spo2'],
      [
        'channels of different lengths',
        { ...window(10), pulse: window(11).pulse },
        'monitoring.pulse',
      ],
      ['a string value', { ...window(10), spo2: [...window(9).spo2, '97'] }, 'monitoring.spo2.9'],
      ['a fraction', { ...window(10), spo2: [...window(9).spo2, 97.5] }, 'monitoring.spo2.9'],
      [
        'an impossible pulse',
        { ...window(10), pulse: [...window(9).pulse, 900] },
        'monitoring.pulse.9',
      ],
      ['another rate', { ...window(10), hz: 10 }, 'monitoring.hz'],
      ['a pleth wave', { ...window(10), pleth: [1, 2, 3] }, 'monitoring.pleth'],
      ['no samples', { ...window(10), spo2: [] }, 'monitoring.spo2'],
      ['a negative start', { ...window(10), startSec: -1 }, 'monitoring.startSec'],
    ])('a window with %s is refused', (_label, monitoring, field) => {
      const doc = new Y.Doc();
      expectRefused(
        doc,
        () => createConsult(doc, createTestContext(), { ...input, monitoring } as never),
        { type: 'ValidationFailed', field },
      );
    });

    test('a malformed window written around the operation is a problem the server refuses, not an unreadable consult', () => {
      const { doc } = draft();
      doc.getMap('head').set('monitoring', { ...window(10), spo2: 'lots' });
      const consult = getOrThrow(readConsult(doc));
      expect(consult.monitoring).toBeUndefined();
      expect(consult.problems[0]?.path).toBe('head.monitoring.spo2');
      expect(validateDocument(doc).ok).toBe(false);
    });
  });
});
