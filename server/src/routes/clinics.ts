import { Hono } from 'hono';
import type { AuthVariables } from '../middleware/authorize';
import type { IdentityRepository } from '../repositories/identity-repository';

/**
 * `GET /api/clinics`: the clinics the caller works with (names only, no patient
 * data): a health worker's own clinics, a district's clinics, all for a system
 * admin. TRANSITIONAL: the tablet's current setup screen lists clinics from
 * here with the header identity. Enrollment (`POST /api/devices/enroll`) is the
 * way a tablet learns its clinic; with OUTPOST_ALLOW_UNAUTHENTICATED_TABLETS off,
 * this answers signed-in users only.
 */
export function clinicRoutes(identity: IdentityRepository) {
  return new Hono<{ Variables: AuthVariables }>().get('/', async (c) => {
    const caller = c.get('caller') as AuthVariables['caller'] | undefined;
    const list =
      caller === undefined || caller.legacy === true
        ? await identity.listClinics()
        : caller.role === 'system-admin'
          ? await identity.listClinics()
          : caller.role === 'district-admin' || (caller.role === 'specialist' && caller.districtId)
            ? await identity.listClinics({ districtId: caller.districtId ?? '' })
            : await identity.listClinics({ ids: caller.clinicIds ?? [] });
    c.header('Cache-Control', 'no-store');
    return c.json({ clinics: list });
  });
}
