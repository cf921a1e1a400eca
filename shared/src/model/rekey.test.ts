import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import type { EncounterId } from '../ids';
import { getOrThrow } from '../result';
import { PatientBuilder, createTestContext, replicaOf } from './fixtures';
import { addAllergy, recordVitals, setEncounterNote, updateProfile } from './patient';
import { rekeyDocument } from './rekey';
import { view } from './testSupport';

const CLASHING_ID = 42;
const NEW_ID = 4242;

/** A patient created by another tablet, then copied to two tablets sharing one client id. */
function clashScenario() {
  const creator = createTestContext({ seed: 1 });
  const origin = PatientBuilder.persona('adultWithHypertension')
    .withVisit({ open: true, reason: 'Follow-up' })
    .build(creator, withClient(7));
  const encounterId = view(origin).encounters.at(-1)!.id;
  const server = replicaOf(origin, 1);
  const tabletA = replicaOf(server, CLASHING_ID);
  const tabletB = replicaOf(server, CLASHING_ID);
  return { server, tabletA, tabletB, encounterId };
}

function withClient(clientId: number): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  return doc;
}

function heartRate(doc: Y.Doc, encounterId: EncounterId, value: number, seed: number): void {
  getOrThrow(
    recordVitals(doc, createTestContext({ seed }), {
      encounterId,
      source: { kind: 'typed' },
      readings: [{ key: 'heartRate', value, confirmed: true }],
    }),
  );
}

/** Pushes what `tablet` has beyond `server` (as an honest server would accept it). */
function push(tablet: Y.Doc, server: Y.Doc): void {
  Y.applyUpdate(server, Y.encodeStateAsUpdate(tablet, Y.encodeStateVector(server)), 'remote');
}

function clientsIn(update: Uint8Array): Set<number> {
  return new Set(Y.decodeUpdate(update).structs.map((struct) => struct.id.client));
}

describe('rekeyDocument (S12)', () => {
  test('S12 re-keying keeps both tablets’ observations, profile edits, allergies and notes', () => {
    const { server, tabletA, tabletB, encounterId } = clashScenario();
    heartRate(tabletA, encounterId, 80, 11);
    getOrThrow(updateProfile(tabletA, createTestContext({ seed: 12 }), { village: 'Alphaville' }));
    getOrThrow(
      setEncounterNote(tabletA, createTestContext({ seed: 13 }), {
        encounterId,
        text: 'Cough for 3 days.',
      }),
    );
    push(tabletA, server);

    heartRate(tabletB, encounterId, 96, 21);
    getOrThrow(updateProfile(tabletB, createTestContext({ seed: 22 }), { phone: '+255 700 999' }));
    getOrThrow(addAllergy(tabletB, createTestContext({ seed: 23 }), { name: 'Sulfa drugs' }));
    getOrThrow(
      setEncounterNote(tabletB, createTestContext({ seed: 24 }), {
        encounterId,
        text: 'Fever since Monday.',
      }),
    );

    const { doc, update, changed } = rekeyDocument(tabletB, server, NEW_ID);
    expect(changed).toBe(true);
    expect(doc.clientID).toBe(NEW_ID);
    expect(clientsIn(update)).toEqual(new Set([NEW_ID]));

    const rebuilt = view(doc);
    const encounter = rebuilt.encounters.find((e) => e.id === encounterId)!;
    expect(encounter.observations.map((o) => o.value).sort()).toEqual([80, 96]);
    expect(rebuilt.profile.village).toBe('Alphaville');
    expect(rebuilt.profile.phone).toBe('+255 700 999');
    expect(rebuilt.allergies.active.map((a) => a.value.name)).toContain('Sulfa drugs');
    expect(encounter.note).toBe('Cough for 3 days.\nFever since Monday.');

    // The server, given the update, converges on the same record.
    push(doc, server);
    expect(view(server)).toEqual(rebuilt);
    expect(rebuilt.problems).toEqual([]);
  });

  test('S12 a document the server has never seen is re-authored whole under the new id', () => {
    const local = PatientBuilder.persona('childWithFever').build(
      createTestContext({ seed: 3 }),
      withClient(CLASHING_ID),
    );
    const { doc, update, changed } = rekeyDocument(local, new Uint8Array([0, 0]), NEW_ID);
    expect(changed).toBe(true);
    expect(clientsIn(update)).toEqual(new Set([NEW_ID]));
    expect(view(doc)).toEqual(view(local));
  });

  test('S12 nothing to push when the server already holds everything local', () => {
    const { server, tabletA, encounterId } = clashScenario();
    heartRate(tabletA, encounterId, 80, 11);
    push(tabletA, server);
    const { changed, doc } = rekeyDocument(tabletA, server, NEW_ID);
    expect(changed).toBe(false);
    expect(view(doc)).toEqual(view(server));
  });

  test('S12 a local-only insertion into a note is replayed in place', () => {
    const { server, tabletB, encounterId } = clashScenario();
    const ctx = createTestContext({ seed: 5 });
    getOrThrow(setEncounterNote(server, ctx, { encounterId, text: 'Drinking well.' }));
    push(server, tabletB);
    getOrThrow(setEncounterNote(tabletB, ctx, { encounterId, text: 'Drinking well. No rash.' }));
    const { doc } = rekeyDocument(tabletB, server, NEW_ID);
    expect(view(doc).encounters.at(-1)!.note).toBe('Drinking well. No rash.');
  });

  test('S12 property: every observation either side recorded survives re-keying', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 40, max: 180 }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 40, max: 180 }), { maxLength: 6 }),
        (onA, onB) => {
          const { server, tabletA, tabletB, encounterId } = clashScenario();
          onA.forEach((value, i) => heartRate(tabletA, encounterId, value, 100 + i));
          push(tabletA, server);
          onB.forEach((value, i) => heartRate(tabletB, encounterId, value, 200 + i));
          const { doc } = rekeyDocument(tabletB, server, NEW_ID);
          push(doc, server);
          const observed = view(server)
            .encounters.filter((e) => e.id === encounterId)
            .flatMap((e) => e.observations)
            .map((o) => o.value as number)
            .sort((a, b) => a - b);
          expect(observed).toEqual([...onA, ...onB].sort((a, b) => a - b));
        },
      ),
      { numRuns: 40 },
    );
  });
});
