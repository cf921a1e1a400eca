import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import {
  answerConsult,
  assertFact,
  changeConsultStatus,
  createConsult,
  readConsult,
  readPatient,
  SNAPSHOT_MAX_CHARS,
} from '../model';
import {
  PatientBuilder,
  TEST_CLINIC_ID,
  createTestContext,
  replicaOf,
  syncAll,
} from '../model/fixtures';
import { getOrThrow } from '../result';
import { assessRisk, type RiskAssessment } from '../risk';
import {
  buildConsultSnapshot,
  compareQueue,
  consultPriority,
  consultWarnings,
  parseConsultSnapshot,
  shouldProposeConsult,
  waitingBadge,
} from './index';

const HOUR = 3_600_000;
const now = Date.UTC(2026, 10, 25, 12);
const adult = (vitals: Parameters<typeof assessRisk>[0]['vitals']): RiskAssessment =>
  getOrThrow(assessRisk({ ageCompletedMonths: 40 * 12, pregnant: false, vitals }, now));
const normal = {
  respiratoryRatePerMin: 16,
  spo2Percent: 98,
  onOxygen: false,
  systolicMmHg: 124,
  heartRatePerMin: 72,
  consciousness: 'A' as const,
  temperatureCel: 36.8,
};

describe('consult priority: the health worker’s urgency, never below the score’s floor', () => {
  test('a normal NEWS2 leaves her choice as it is and proposes no consult', () => {
    const result = consultPriority(adult(normal), 'routine');
    expect(result).toMatchObject({ priority: 'routine', floor: 'routine', raisedByScore: false });
    expect(shouldProposeConsult(adult(normal))).toBe(false);
  });

  test('NEWS2 ≥ 7 (Chart 4 emergency response) raises a routine consult to emergency', () => {
    const sick = adult({
      ...normal,
      respiratoryRatePerMin: 26,
      spo2Percent: 90,
      heartRatePerMin: 135,
    });
    const result = consultPriority(sick, 'routine');
    expect(result.priority).toBe('emergency');
    expect(result.raisedByScore).toBe(true);
    expect(result.reasons[0]).toMatchObject({ source: 'news2', priority: 'emergency' });
    expect(shouldProposeConsult(sick)).toBe(true);
  });

  test('NEWS2 5–6 and a single red parameter call for urgent', () => {
    const medium = adult({
      ...normal,
      respiratoryRatePerMin: 22,
      heartRatePerMin: 115,
      temperatureCel: 38.5,
    });
    expect(consultPriority(medium, 'routine').priority).toBe('urgent');
    const singleRed = adult({ ...normal, respiratoryRatePerMin: 26 });
    expect(consultPriority(singleRed, 'routine').priority).toBe('urgent');
  });

  test('a partial NEWS2 raises by its lower bound and never lowers her choice', () => {
    const partial = adult({ respiratoryRatePerMin: 26, spo2Percent: 90, heartRatePerMin: 135 });
    expect(partial.news2?.complete).toBe(false);
    expect(consultPriority(partial, 'routine').priority).toBe('emergency');
    expect(consultPriority(adult(normal), 'emergency').priority).toBe('emergency');
    expect(consultPriority(undefined, 'urgent')).toMatchObject({
      priority: 'urgent',
      floor: 'routine',
    });
  });

  test('an IMCI general danger sign in a child calls for emergency', () => {
    const child = getOrThrow(
      assessRisk(
        {
          ageCompletedMonths: 18,
          vitals: { respiratoryRatePerMin: 38 },
          child: { dangerSigns: { convulsions: true } },
        },
        now,
      ),
    );
    expect(consultPriority(child, 'routine')).toMatchObject({
      priority: 'emergency',
      floor: 'emergency',
    });
  });
});

describe('service levels: a consult never silently stalls', () => {
  test('waiting badges over 4 h and over 24 h', () => {
    expect(waitingBadge(4 * HOUR)).toBeUndefined();
    expect(waitingBadge(4 * HOUR + 1)).toBe('over-4h');
    expect(waitingBadge(24 * HOUR + 1)).toBe('over-24h');
  });

  test('unsent for more than 1 h while online warns; offline it does not', () => {
    const sent = { status: 'sent' as const, priority: 'routine' as const, sentAt: now - HOUR - 1 };
    expect(consultWarnings(sent, now, { online: true })).toEqual([
      { kind: 'unsent', sinceMs: HOUR + 1 },
    ]);
    expect(consultWarnings(sent, now, { online: false })).toEqual([]);
    expect(consultWarnings({ ...sent, receivedAt: now - HOUR }, now)).toEqual([]);
  });

  test('unanswered past the priority’s limit warns; answered or closed does not', () => {
    const urgent = {
      status: 'received' as const,
      priority: 'urgent' as const,
      sentAt: now - 5 * HOUR,
      receivedAt: now - 5 * HOUR,
    };
    expect(consultWarnings(urgent, now)).toEqual([
      { kind: 'unanswered', overdueByMs: HOUR, limitMs: 4 * HOUR },
    ]);
    expect(consultWarnings({ ...urgent, priority: 'routine' }, now)).toEqual([]);
    expect(consultWarnings({ ...urgent, status: 'answered' }, now)).toEqual([]);
    expect(consultWarnings({ ...urgent, status: 'closed' }, now)).toEqual([]);
  });

  test('queue order: most urgent first, then longest waiting', () => {
    const items = [
      { id: 'a', priority: 'routine' as const, waitingSince: 1 },
      { id: 'b', priority: 'emergency' as const, waitingSince: 50 },
      { id: 'c', priority: 'urgent' as const, waitingSince: 10 },
      { id: 'd', priority: 'emergency' as const, waitingSince: 20 },
    ];
    expect(items.sort(compareQueue).map((i) => i.id)).toEqual(['d', 'b', 'c', 'a']);
  });
});

describe('the frozen snapshot carries what a specialist needs and nothing that identifies', () => {
  const ctx = createTestContext();
  const doc = PatientBuilder.persona('adultWithHypertension')
    .withVisit({
      vitals: { systolicBP: 171, heartRate: 92, respiratoryRate: 24 },
      note: 'Headache since yesterday.',
      open: true,
    })
    .build(ctx);
  const patient = getOrThrow(readPatient(doc));
  const visit = patient.encounters.at(-1)!;

  test('age, sex, conditions, the visit’s vitals, trends and the score; no name, phone or village', () => {
    const assessment = adult({
      ...normal,
      respiratoryRatePerMin: 24,
      systolicMmHg: 171,
      heartRatePerMin: 92,
    });
    const snapshot = buildConsultSnapshot({
      patient,
      encounterId: visit.id,
      assessment,
      now: ctx.clock.now(),
    });
    expect(snapshot.patient).toMatchObject({ ageYears: 52, sex: 'female', ageEstimated: true });
    expect(snapshot.patient.conditions).toEqual([{ name: 'Essential hypertension', icd10: 'I10' }]);
    expect(snapshot.visit?.note).toBe('Headache since yesterday.');
    expect(snapshot.vitals.map((v) => [v.key, v.value])).toEqual([
      ['heartRate', 92],
      ['respiratoryRate', 24],
      ['systolicBP', 171],
    ]);
    expect(snapshot.trends.find((t) => t.key === 'systolicBP')?.points.map((p) => p[1])).toEqual([
      162, 171,
    ]);
    expect(snapshot.risk).toMatchObject({ population: 'adult' });
    const text = JSON.stringify(snapshot);
    for (const identifying of ['Amina', 'Testcase', 'Fictionville', '700 000 001'])
      expect(text).not.toContain(identifying);
    expect(parseConsultSnapshot(JSON.parse(text))).toEqual(snapshot);
  });

  test('after a birth: days since the delivery, in a field older readers ignore', () => {
    const mother = createTestContext();
    const motherDoc = PatientBuilder.persona('pregnantWomanAt32Weeks').build(mother);
    getOrThrow(
      assertFact(motherDoc, mother, {
        field: 'pregnancy',
        value: { status: 'postpartum', deliveredOn: '2025-03-01' },
      }),
    );
    const snapshot = buildConsultSnapshot({
      patient: getOrThrow(readPatient(motherDoc)),
      now: Date.UTC(2025, 2, 11, 9),
    });
    expect(snapshot.patient.postpartum).toEqual({ daysSinceDelivery: 10 });
    expect(snapshot.patient.pregnancy).toBeUndefined();
    expect(parseConsultSnapshot(JSON.parse(JSON.stringify(snapshot)))).toEqual(snapshot);
  });

  test('a long record is shortened to fit the consult document', () => {
    let builder = PatientBuilder.persona('adultWithHypertension');
    for (let i = 0; i < 200; i++)
      builder = builder.withVisit({
        vitals: {
          systolicBP: 140 + (i % 30),
          heartRate: 70 + (i % 20),
          weight: 80 + (i % 5),
          temperature: 36.5,
          spo2: 97,
          respiratoryRate: 16,
        },
        afterMs: HOUR,
      });
    const long = getOrThrow(readPatient(builder.build(createTestContext())));
    const snapshot = buildConsultSnapshot({ patient: long, now: long.createdAt + 400 * HOUR });
    expect(JSON.stringify(snapshot).length).toBeLessThanOrEqual(SNAPSHOT_MAX_CHARS);
    expect(snapshot.trends.every((t) => t.points.length > 0)).toBe(true);
  });
});

describe('signed answers', () => {
  function sentConsult() {
    const ctx = createTestContext();
    const doc = new Y.Doc();
    getOrThrow(
      createConsult(doc, ctx, {
        homeClinicId: TEST_CLINIC_ID,
        patientId: '0190a000-0000-7000-8000-000000000042',
        priority: 'urgent',
        routing: { kind: 'specialty', specialty: 'general-medicine' },
        question: 'BP 171/104 with headache. Start treatment here?',
        snapshot: { v: 1 },
      }),
    );
    getOrThrow(changeConsultStatus(doc, ctx, { to: 'sent' }));
    return { doc, ctx };
  }
  const specialist = createTestContext({ userId: '0190a000-0000-7000-8000-0000000000c1', seed: 7 });

  test('answering a sent consult opens it and signs the answer in one change', () => {
    const { doc } = sentConsult();
    specialist.clock.advance?.(HOUR);
    getOrThrow(
      answerConsult(doc, specialist, {
        advice: 'Start amlodipine 5 mg; review in 1 week.',
        disposition: 'manage-here',
      }),
    );
    const view = getOrThrow(readConsult(doc));
    expect(view.status).toBe('answered');
    expect(view.transitions.map((t) => t.to)).toEqual(['sent', 'opened', 'answered']);
    expect(view.answers).toEqual([
      expect.objectContaining({
        advice: 'Start amlodipine 5 mg; review in 1 week.',
        disposition: 'manage-here',
        by: specialist.actor,
      }),
    ]);
    expect(view.sentAt).toBeDefined();
  });

  test('an answer needs advice and a known disposition; a closed or more-info consult refuses it', () => {
    const { doc, ctx } = sentConsult();
    expect(answerConsult(doc, specialist, { advice: ' ', disposition: 'refer' }).ok).toBe(false);
    expect(
      answerConsult(doc, specialist, { advice: 'x', disposition: 'admit' as 'refer' }).ok,
    ).toBe(false);
    getOrThrow(changeConsultStatus(doc, specialist, { to: 'opened' }));
    getOrThrow(
      changeConsultStatus(doc, specialist, { to: 'more-info-needed', note: 'Urine dipstick?' }),
    );
    expect(answerConsult(doc, specialist, { advice: 'x', disposition: 'refer' }).ok).toBe(false);
    getOrThrow(changeConsultStatus(doc, ctx, { to: 'closed' }));
    expect(answerConsult(doc, specialist, { advice: 'x', disposition: 'refer' }).ok).toBe(false);
  });

  test('an answer concurrent with a request for more information: both replicas agree, the answer shows', () => {
    const { doc } = sentConsult();
    getOrThrow(changeConsultStatus(doc, specialist, { to: 'opened' }));
    const other = replicaOf(doc);
    getOrThrow(
      answerConsult(doc, specialist, {
        advice: 'Refer to district hospital.',
        disposition: 'refer',
      }),
    );
    getOrThrow(
      changeConsultStatus(other, createTestContext({ seed: 9 }), { to: 'more-info-needed' }),
    );
    syncAll(doc, other);
    const a = getOrThrow(readConsult(doc));
    const b = getOrThrow(readConsult(other));
    expect(a.status).toBe('answered');
    expect(b).toEqual(a);
    expect(a.answers).toHaveLength(1);
  });

  test('an answer smuggled into a transition that does not count is not shown', () => {
    const { doc, ctx } = sentConsult();
    const transitions = doc.getArray('transitions');
    doc.transact(() =>
      transitions.push([
        {
          id: '0190a000-0000-7000-8000-0000000000aa',
          prev: [],
          from: 'opened',
          to: 'answered',
          answer: { advice: 'fake', disposition: 'refer' },
          at: ctx.clock.now(),
          by: ctx.actor,
        },
      ]),
    );
    const view = getOrThrow(readConsult(doc));
    expect(view.answers).toEqual([]);
    expect(view.status).toBe('sent');
  });
});
