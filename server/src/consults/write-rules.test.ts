import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { changeConsultStatus, createConsult, postConsultMessage } from '@outpost/shared/model';
import { createTestContext } from '@outpost/shared/model/fixtures';
import { getOrThrow } from '@outpost/shared/result';
import { checkConsultWrite } from './write-rules';

const CLINIC = '0190a000-0000-7000-8000-00000000c11c';
const PATIENT = '0190a000-0000-7000-8000-0000000000aa';
const nurse = createTestContext({ seed: 1, deviceId: '0190a000-0000-7000-8000-0000000000d1' });
const specialist = createTestContext({ seed: 2, deviceId: '0190a000-0000-7000-8000-0000000000d2' });

function sentConsult(): Y.Doc {
  const doc = new Y.Doc();
  getOrThrow(
    createConsult(doc, nurse, {
      homeClinicId: CLINIC,
      patientId: PATIENT,
      priority: 'urgent',
      routing: { kind: 'specialty', specialty: 'cardiology' },
      question: 'Fictional question?',
      snapshot: {},
    }),
  );
  getOrThrow(changeConsultStatus(doc, nurse, { to: 'sent' }));
  return doc;
}

function copy(doc: Y.Doc): Y.Doc {
  const other = new Y.Doc();
  Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
  return other;
}

const hw = { role: 'health-worker' as const, deviceId: nurse.actor.deviceId };
const sp = { role: 'specialist' as const, deviceId: specialist.actor.deviceId };

describe('consult write rules', () => {
  it('a health worker creates and sends; a specialist may not create', () => {
    const doc = sentConsult();
    expect(checkConsultWrite(hw, undefined, doc)).toBeUndefined();
    expect(checkConsultWrite(sp, undefined, doc)?.message).toMatch(/do not create/);
  });

  it('a health worker may not open, answer or mark received', () => {
    for (const to of ['opened', 'received'] as const) {
      const before = sentConsult();
      const after = copy(before);
      getOrThrow(changeConsultStatus(after, nurse, { to }));
      expect(checkConsultWrite(hw, before, after), to).toBeDefined();
    }
  });

  it('a specialist opens and answers in their own name, not in another device’s', () => {
    const before = sentConsult();
    const after = copy(before);
    getOrThrow(changeConsultStatus(after, specialist, { to: 'opened' }));
    getOrThrow(changeConsultStatus(after, specialist, { to: 'answered' }));
    getOrThrow(postConsultMessage(after, specialist, { text: 'Fictional advice.' }));
    expect(checkConsultWrite(sp, before, after)).toBeUndefined();
    expect(
      checkConsultWrite({ ...sp, deviceId: nurse.actor.deviceId }, before, after),
    ).toBeDefined();
    expect(checkConsultWrite(hw, before, after)).toBeDefined();
  });

  it('a specialist may not send, nor change the head', () => {
    const before = sentConsult();
    const after = copy(before);
    after.getMap('head').set('priority', 'routine');
    expect(checkConsultWrite(sp, before, after)?.message).toMatch(/head/);
  });
});
