import { Hono } from 'hono';
import type { ClinicRepository } from '../repositories/clinic-repository';

/**
 * `GET /api/clinics`: the clinics a tablet can be set up for (names only, no
 * patient data). A stand-in for admin enrollment codes, which the security
 * work brings; until then a tablet picks its clinic from this list.
 */
export function clinicRoutes(clinics: ClinicRepository) {
  return new Hono().get('/', async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json({ clinics: await clinics.list() });
  });
}
