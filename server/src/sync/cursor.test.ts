/**
 * The pull cursor's two formats (SPEC S5, S8b): round trips, the upgrade of a
 * version 1 cursor to a specialist's vector, and refused garbage.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getOrThrow } from '@outpost/shared/result';
import {
  MAX_CURSOR_CLINICS,
  clinicStartOf,
  decodeCursor,
  encodeCursor,
  encodeRoutedCursor,
  routedStartOf,
  type CursorBinding,
} from './cursor';

const deviceClinic = '01930000-0000-7000-8000-00000000c11a';
const otherClinic = '01930000-0000-7000-8000-00000000c11b';
const farClinic = '01930000-0000-7000-8000-00000000c11c';
const cardiologist: CursorBinding = {
  clinicId: deviceClinic,
  userId: '01930000-0000-7000-8000-0000000005e1',
  specialties: ['cardiology', 'general-medicine'],
};

describe('the pull cursor', () => {
  it('S5 a version 1 cursor round-trips (snapshot and log)', () => {
    for (const position of [
      { mode: 'snapshot', highWater: 42, afterDocId: 'patient/0193-x' } as const,
      { mode: 'log', afterSeq: 2 ** 40 + 3 } as const,
    ]) {
      const bytes = encodeCursor(deviceClinic, position);
      expect(bytes[0]).toBe(1);
      expect(getOrThrow(decodeCursor(cardiologist, bytes))).toEqual({
        format: 'clinic',
        position,
      });
    }
  });

  it('S8b a routed vector round-trips: any clinics, any seqs, order-independent', () => {
    const uuid = fc.uuid({ version: 7 });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(uuid, fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })), {
          selector: ([clinicId]) => clinicId,
          maxLength: 40,
        }),
        (entries) => {
          const position = new Map(entries);
          const bytes = encodeRoutedCursor(cardiologist, position);
          expect(bytes[0]).toBe(2);
          const decoded = getOrThrow(decodeCursor(cardiologist, bytes));
          expect(decoded).toEqual({ format: 'routed', sameRouting: true, position });
          // Sorted on the wire: the same vector in another insertion order is the same cursor.
          expect(encodeRoutedCursor(cardiologist, new Map([...entries].reverse()))).toEqual(bytes);
        },
      ),
    );
  });

  it('S8b a routed cursor is small: 16 bytes of id and a varint per clinic', () => {
    const bytes = encodeRoutedCursor(
      cardiologist,
      new Map([
        [otherClinic, 1_000_000],
        [farClinic, 7],
      ]),
    );
    expect(bytes.length).toBeLessThanOrEqual(1 + 5 + 5 + 1 + 2 * (16 + 3));
  });

  it('S8b an old (version 1) cursor of a specialist upgrades: the vector starts over, never an error', () => {
    for (const position of [
      { mode: 'snapshot', highWater: 9, afterDocId: 'consult/x' } as const,
      { mode: 'log', afterSeq: 12_345 } as const,
    ]) {
      const decoded = getOrThrow(decodeCursor(cardiologist, encodeCursor(deviceClinic, position)));
      expect(routedStartOf(decoded)).toEqual(new Map());
    }
    expect(routedStartOf(undefined)).toEqual(new Map());
  });

  it('S8b a cursor of another routing (user or specialties) starts the vector over', () => {
    const position = new Map([[otherClinic, 77]]);
    const bytes = encodeRoutedCursor(cardiologist, position);
    const same = getOrThrow(
      decodeCursor({ ...cardiologist, specialties: ['general-medicine', 'cardiology'] }, bytes),
    );
    expect(routedStartOf(same)).toEqual(position);
    for (const other of [
      { ...cardiologist, userId: '01930000-0000-7000-8000-0000000005e2' },
      { ...cardiologist, specialties: ['cardiology', 'general-medicine', 'dermatology'] },
      { ...cardiologist, specialties: [] },
    ]) {
      const decoded = getOrThrow(decodeCursor(other, bytes));
      expect(decoded).toMatchObject({ format: 'routed', sameRouting: false });
      expect(routedStartOf(decoded)).toEqual(new Map());
    }
  });

  it('S6 a routed cursor presented for a clinic scope starts the snapshot over', () => {
    const decoded = getOrThrow(
      decodeCursor(cardiologist, encodeRoutedCursor(cardiologist, new Map([[otherClinic, 3]]))),
    );
    expect(clinicStartOf(decoded)).toBeUndefined();
    const log = { mode: 'log', afterSeq: 5 } as const;
    expect(
      clinicStartOf(getOrThrow(decodeCursor(cardiologist, encodeCursor(deviceClinic, log)))),
    ).toEqual(log);
  });

  it('S5 garbage, truncation, another device clinic and unknown versions are refused', () => {
    const routed = encodeRoutedCursor(
      cardiologist,
      new Map([
        [otherClinic, 300],
        [farClinic, 2],
      ]),
    );
    const header = routed.slice(0, routed.length - 2 * 18); // version, clinic, routing, count
    const withClinics = (...clinics: Uint8Array[]) => {
      const tail = clinics.flatMap((bytes) => [...bytes]);
      return new Uint8Array([...header.slice(0, -1), clinics.length, ...tail]);
    };
    const entry = (uuidByte: number, seq: number) =>
      new Uint8Array([...new Array<number>(15).fill(0), uuidByte, seq]);
    const refused = [
      new Uint8Array([3, 0]), // unknown version
      new Uint8Array([0]),
      new Uint8Array([2]), // truncated header
      routed.slice(0, routed.length - 1), // truncated seq
      routed.slice(0, routed.length - 10), // truncated clinic id
      new Uint8Array([...routed, 0]), // trailing bytes
      withClinics(entry(2, 5), entry(1, 5)), // out of order
      withClinics(entry(1, 5), entry(1, 6)), // repeated
      withClinics(entry(1, 0)), // a clinic at seq 0
      // more clinics than MAX_CURSOR_CLINICS (refused before reading them)
      new Uint8Array([...header.slice(0, -1), 0x81, 0x80, 0x08]), // 131 073

      encodeCursor(otherClinic, { mode: 'log', afterSeq: 1 }), // another device clinic
      encodeRoutedCursor({ ...cardiologist, clinicId: otherClinic }, new Map()),
      new Uint8Array([1, ...encodeCursor(deviceClinic, { mode: 'log', afterSeq: 1 }).slice(1, -2)]),
    ];
    expect(131_073).toBeGreaterThan(MAX_CURSOR_CLINICS);
    for (const bytes of refused)
      expect(decodeCursor(cardiologist, bytes), `${[...bytes].join(',')}`).toMatchObject({
        ok: false,
        error: { type: 'InvalidCursor' },
      });
    // Random bytes never throw: a Result every time.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), (bytes) => {
        const decoded = decodeCursor(cardiologist, bytes);
        expect(typeof decoded.ok).toBe('boolean');
      }),
    );
  });
});
