import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { stampAwarenessUpdate } from './presence-stamp';

const who = { name: 'Chiku Demo (fictional specialist)', role: 'specialist' };

/** What another member of the room sees after applying the stamped update. */
function relayed(state: unknown): unknown {
  const sender = new awarenessProtocol.Awareness(new Y.Doc());
  sender.setLocalState(state as Record<string, unknown> | null);
  const update = awarenessProtocol.encodeAwarenessUpdate(sender, [sender.clientID]);
  const receiver = new awarenessProtocol.Awareness(new Y.Doc());
  awarenessProtocol.applyAwarenessUpdate(receiver, stampAwarenessUpdate(update, who), 'server');
  return receiver.getStates().get(sender.clientID) ?? null;
}

describe('stampAwarenessUpdate', () => {
  it("announces the caller's own name and role, whatever the client claimed", () => {
    expect(
      relayed({ user: { name: 'Dr Somebody Else', role: 'system-admin' }, typing: 'answer' }),
    ).toEqual({ user: who, typing: 'answer' });
  });

  it('drops anything but name, role and the kind of typing (no patient data rides along)', () => {
    expect(
      relayed({
        user: { name: 'x', role: 'health-worker', patient: 'Zawadi Kisimulizi' },
        typing: 'writing about Zawadi',
        note: 'BP 180/110',
      }),
    ).toEqual({ user: who, typing: null });
    expect(relayed({ cursor: { anchor: 3 } })).toEqual({});
  });

  it('passes a departure through and refuses a malformed update', () => {
    expect(relayed(null)).toBeNull();
    expect(() =>
      stampAwarenessUpdate(new Uint8Array([1, 5, 1, 3, 0x7b, 0x7b, 0x7b]), who),
    ).toThrow();
    expect(() => stampAwarenessUpdate(new Uint8Array([200, 1]), who)).toThrow();
  });
});
