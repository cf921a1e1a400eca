import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getOrThrow } from '../result';
import { readConsult } from './consult';
import { TEST_CLINIC_ID } from './fixtures';
import { readPatient } from './patientView';
import { validateDocument } from './validate';
import { generateClinicDay, generateClinicWorkload, type ClinicWorkload } from './workload';

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

function summary(workload: ClinicWorkload) {
  const patients = workload.records.filter((record) => record.kind === 'patient');
  const consults = workload.records.filter((record) => record.kind === 'consult');
  const views = patients.map((record) => getOrThrow(readPatient(record.doc)));
  return {
    patients: patients.length,
    consults: consults.length,
    encounters: views.reduce((sum, view) => sum + view.encounters.length, 0),
    messages: consults.reduce(
      (sum, record) => sum + getOrThrow(readConsult(record.doc)).messages.length,
      0,
    ),
    views,
  };
}

describe('the demo and benchmark workload', () => {
  it('is deterministic: the same options give byte-identical updates', () => {
    const a = generateClinicWorkload({ clinicId: TEST_CLINIC_ID, patients: 15, seed: 7 });
    const b = generateClinicWorkload({ clinicId: TEST_CLINIC_ID, patients: 15, seed: 7 });
    expect(a.changes.map((change) => hex(change.update))).toEqual(
      b.changes.map((change) => hex(change.update)),
    );
    expect(generateClinicDay(a).map((change) => hex(change.update))).toEqual(
      generateClinicDay(b).map((change) => hex(change.update)),
    );
    const other = generateClinicWorkload({ clinicId: TEST_CLINIC_ID, patients: 15, seed: 8 });
    expect(other.changes.map((change) => hex(change.update))).not.toEqual(
      a.changes.map((change) => hex(change.update)),
    );
  });

  it('builds a clinic of valid records: ~3 encounters of 6 vitals each, 5% with a 3-message consult', () => {
    const workload = generateClinicWorkload({ clinicId: TEST_CLINIC_ID, patients: 200 });
    const { patients, consults, encounters, messages, views } = summary(workload);
    expect(patients).toBe(200);
    expect(consults).toBe(10);
    expect(messages).toBe(30);
    expect(encounters / patients).toBeGreaterThan(2.5);
    expect(encounters / patients).toBeLessThan(3.5);
    for (const view of views) {
      for (const encounter of view.encounters) expect(encounter.observations).toHaveLength(6);
      expect(view.profile.givenName).toMatch(/^[A-Z][a-z]+$/);
    }
    for (const record of workload.records) {
      expect(
        validateDocument(record.doc, { docId: record.docId, homeClinicId: TEST_CLINIC_ID }).ok,
      ).toBe(true);
    }
  });

  it('its changes, replayed in order, rebuild every record (what a tablet outbox would push)', () => {
    const workload = generateClinicWorkload({ clinicId: TEST_CLINIC_ID, patients: 30 });
    generateClinicDay(workload);
    const replicas = new Map<string, Y.Doc>();
    for (const change of workload.changes) {
      const doc = replicas.get(change.docId) ?? new Y.Doc();
      replicas.set(change.docId, doc);
      Y.applyUpdate(doc, change.update);
    }
    for (const record of workload.records)
      expect(Y.encodeStateAsUpdate(replicas.get(record.docId)!)).toEqual(
        Y.encodeStateAsUpdate(record.doc),
      );
  });

  it('a clinic day adds 40 patients, 120 + 40 encounters, 10 consults and 30 profile edits', () => {
    const workload = generateClinicWorkload({ clinicId: TEST_CLINIC_ID, patients: 100 });
    const before = summary(workload);
    const day = generateClinicDay(workload);
    const after = summary(workload);
    expect(after.patients - before.patients).toBe(40);
    expect(after.consults - before.consults).toBe(10);
    expect(after.encounters - before.encounters).toBe(160);
    // 40 creations + 160 × (start, vitals, close) + 10 × (create, send, message) + 30 edits.
    expect(day).toHaveLength(40 + 160 * 3 + 10 * 3 + 30);
    expect(day.every((change, index) => index === 0 || change.at >= day[index - 1]!.at)).toBe(true);
  });
});
