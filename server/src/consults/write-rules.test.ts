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

const MONITORING = {
  v: 1 as const,
  startSec: 1_760_000_000,
  hz: 1 as const,
  spo2: [94, 93, null, 91],
  pulse: [120, 124, null, 131],
};

function sentConsult(options: { send?: boolean; monitoring?: boolean } = {}): Y.Doc {
  const doc = new Y.Doc();
  getOrThrow(
    createConsult(doc, nurse, {
      homeClinicId: CLINIC,
      patientId: PATIENT,
      priority: 'urgent',
      routing: { kind: 'specialty', specialty: 'cardiology' },
      question: 'Fictional question?',
      snapshot: {},
      ...(options.monitoring === true && { monitoring: MONITORING }),
    }),
  );
  if (options.send !== false) getOrThrow(changeConsultStatus(doc, nurse, { to: 'sent' }));
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

  it('the asker attaches a monitoring window when creating or while a draft, never after sending', () => {
    // In the creating change (created and sent at once, as the tablet does).
    expect(checkConsultWrite(hw, undefined, sentConsult({ monitoring: true }))).toBeUndefined();
    // While still a draft, from the asking device.
    const draft = sentConsult({ send: false });
    const attached = copy(draft);
    attached.getMap('head').set('monitoring', MONITORING);
    expect(checkConsultWrite(hw, draft, attached)).toBeUndefined();
    // Another device of the clinic (another health worker's tablet) may not.
    const colleague = {
      role: 'health-worker' as const,
      deviceId: '0190a000-0000-7000-8000-0000000000d9',
    };
    expect(checkConsultWrite(colleague, draft, attached)?.message).toMatch(/who asks/);
    // Once sent: neither added, nor changed, nor removed — not even by the asker.
    const sent = sentConsult();
    const late = copy(sent);
    late.getMap('head').set('monitoring', MONITORING);
    expect(checkConsultWrite(hw, sent, late)?.message).toMatch(/before it is sent/);
    const sentWith = sentConsult({ monitoring: true });
    const changed = copy(sentWith);
    changed.getMap('head').set('monitoring', { ...MONITORING, spo2: [99, 99, 99, 99] });
    expect(checkConsultWrite(hw, sentWith, changed)?.message).toMatch(/before it is sent/);
    const removed = copy(sentWith);
    removed.getMap('head').delete('monitoring');
    expect(checkConsultWrite(hw, sentWith, removed)?.message).toMatch(/before it is sent/);
    // A specialist never writes the head.
    expect(checkConsultWrite(sp, sent, late)).toBeDefined();
  });
});
