import { describe, expect, it } from 'vitest';
import { readConsult, readPatient } from '@outpost/shared/model';
import { parseConsultSnapshot } from '@outpost/shared/consult';
import { assessRisk } from '@outpost/shared/risk';
import { getOrThrow } from '@outpost/shared/result';
import { createHarness, savePersona } from '$lib/db/testing';
import { askSpecialist, replyAndResend, changeStatus } from './actions';

async function setUp() {
  const harness = createHarness('memory');
  const store = await harness.open();
  const { docId } = await savePersona(store, 'adultWithHypertension');
  const handle = await store.openDocument(docId);
  const patient = getOrThrow(readPatient(handle!.doc));
  return { store, patient, now: harness.clock.now() };
}

const sick = (now: number) =>
  getOrThrow(
    assessRisk(
      {
        ageCompletedMonths: 52 * 12,
        pregnant: false,
        vitals: {
          respiratoryRatePerMin: 26,
          spo2Percent: 90,
          onOxygen: false,
          systolicMmHg: 124,
          heartRatePerMin: 135,
          consciousness: 'A',
          temperatureCel: 36.8,
        },
      },
      now,
    ),
  );

describe('asking a specialist', () => {
  it('saves the consult already sent, raised to the score’s priority, with a snapshot that does not identify her', async () => {
    const { store, patient, now } = await setUp();
    const asked = getOrThrow(
      await askSpecialist(store, {
        patient,
        encounterId: patient.encounters.at(-1)!.id,
        assessment: sick(now),
        urgency: 'routine',
        routing: { kind: 'specialty', specialty: 'general-medicine' },
        question: '  Breathing fast and pulse 135. Transfer?  ',
        now,
      }),
    );
    const consult = getOrThrow(readConsult((await store.openDocument(asked.docId))!.doc));
    expect(consult).toMatchObject({
      status: 'sent',
      priority: 'emergency',
      question: 'Breathing fast and pulse 135. Transfer?',
      patientId: patient.id,
    });
    const snapshot = parseConsultSnapshot(consult.snapshot);
    expect(snapshot?.patient.sex).toBe('female');
    expect(snapshot?.priorityReasons?.[0]).toMatchObject({
      source: 'news2',
      priority: 'emergency',
    });
    expect(JSON.stringify(consult.snapshot)).not.toContain('Amina');
    // In the outbox, to leave with the next sync; listed for the patient.
    expect((await store.outboxSummary()).pending).toBeGreaterThan(0);
    expect((await store.listConsults({ patientId: patient.id })).map((c) => c.docId)).toEqual([
      asked.docId,
    ]);
  });

  it('refuses an empty question and stores nothing', async () => {
    const { store, patient, now } = await setUp();
    const result = await askSpecialist(store, {
      patient,
      urgency: 'urgent',
      routing: { kind: 'specialty', specialty: 'paediatrics' },
      question: '   ',
      now,
    });
    expect(result).toEqual({ ok: false, error: { type: 'EmptyQuestion' } });
    expect(await store.listConsults()).toEqual([]);
  });

  it('answering a request for more information re-sends it with her reply', async () => {
    const { store, patient, now } = await setUp();
    const { docId } = getOrThrow(
      await askSpecialist(store, {
        patient,
        urgency: 'urgent',
        routing: { kind: 'specialty', specialty: 'general-medicine' },
        question: 'Headache and BP 171/104.',
        now,
      }),
    );
    getOrThrow(await changeStatus(store, docId, 'opened'));
    getOrThrow(await changeStatus(store, docId, 'more-info-needed', 'Any proteinuria?'));
    getOrThrow(await replyAndResend(store, docId, 'Dipstick: protein 2+.'));
    const consult = getOrThrow(readConsult((await store.openDocument(docId))!.doc));
    expect(consult.status).toBe('sent');
    expect(consult.messages.map((m) => m.text)).toEqual(['Dipstick: protein 2+.']);
  });
});
