import type { UUID } from 'uuidv7';
import { uuidv7obj, V7Generator } from 'uuidv7';
import type { IdSource } from './deps';

/** Branded ids: a patient id can never be passed where a consult id is expected. */
export type Brand<T, B extends string> = T & { readonly __brand: B };
export type PatientId = Brand<string, 'PatientId'>;
export type ConsultId = Brand<string, 'ConsultId'>;
export type EncounterId = Brand<string, 'EncounterId'>;
export type ObservationId = Brand<string, 'ObservationId'>;
export type ClinicId = Brand<string, 'ClinicId'>;
export type DeviceId = Brand<string, 'DeviceId'>;
export type UserId = Brand<string, 'UserId'>;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** The system id source: UUIDv7 from the real clock and crypto randomness. */
export const systemIds: IdSource = {
  newId: () => uuidv7obj().toString(),
};

/**
 * A deterministic UUIDv7 source for tests and seeds: ids are time-ordered by the
 * given clock and their random bits come from the given generator.
 */
export function createSeededIds(nowMs: () => number, random: () => number): IdSource {
  const generator = new V7Generator({ nextUint32: () => Math.floor(random() * 0x1_0000_0000) });
  return {
    newId: () => {
      const id: UUID | undefined = generator.generateOrAbortCore(nowMs(), 10_000);
      return (id ?? generator.generate()).toString();
    },
  };
}
