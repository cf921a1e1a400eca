/**
 * The clinic databases' names. Its own module because the tablet's database
 * (`tablet-db.ts`, which the lock screen needs) erases them by name, and it must
 * not pull the clinic store (`store.ts`) into the first screen with it.
 */
export const DATABASE_PREFIX = 'outpost-clinic-';

export function databaseName(clinicId: string): string {
  return `${DATABASE_PREFIX}${clinicId}`;
}
