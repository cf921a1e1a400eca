import { Hono } from 'hono';
import type { AuthVariables } from '../middleware/authorize';
import type { IdentityRepository } from '../repositories/identity-repository';

/**
 * `GET /api/clinics`: the clinics the signed-in caller works with (names only, no
 * patient data): a health worker's own clinics, a district's clinics, all for a
 * system admin. A tablet learns its own clinic by enrolling
 * (`POST /api/devices/enroll`), not from here.
 */
export function clinicRoutes(identity: IdentityRepository) {
  return new Hono<{ Variables: AuthVariables }>().get('/', async (c) => {
    const caller = c.get('caller');
    const list =
      caller.role === 'system-admin'
        ? await identity.listClinics()
        : caller.role === 'district-admin' || (caller.role === 'specialist' && caller.districtId)
          ? await identity.listClinics({ districtId: caller.districtId ?? '' })
          : await identity.listClinics({ ids: caller.clinicIds ?? [] });
    c.header('Cache-Control', 'no-store');
    return c.json({ clinics: list });
  });
}
