import { Hono } from 'hono';
import { administersClinic } from '../auth/policy';
import { isUuid } from '@outpost/shared/ids';
import { HttpError } from '../http/errors';
import type { AuthVariables } from '../middleware/authorize';
import type { IdentityRepository } from '../repositories/identity-repository';

/**
 * `GET /api/clinics`: the clinics the signed-in caller works with (names only, no
 * patient data): a health worker's own clinics, a district's clinics, all for a
 * system admin. A tablet learns its own clinic by enrolling
 * (`POST /api/devices/enroll`), not from here.
 */
export function clinicRoutes(identity: IdentityRepository) {
  const routes = new Hono<{ Variables: AuthVariables }>();
  routes.get('/', async (c) => {
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

  /**
   * `GET /api/clinics/:id/staff`: who may appear as an author in the clinic's
   * records (names and roles), so a tablet names the colleague who recorded a
   * reading even if she never signed in on that tablet. For the clinic's own
   * members and its district's admin; anyone else is refused.
   */
  routes.get('/:id/staff', async (c) => {
    const caller = c.get('caller');
    const id = c.req.param('id');
    const clinic = isUuid(id) ? await identity.getClinic(id) : undefined;
    if (clinic === undefined) throw new HttpError(404, 'not_found', 'No such clinic.', 'id');
    const member = (caller.clinicIds ?? []).includes(clinic.id);
    if (!member && !administersClinic(caller, clinic.districtId))
      throw new HttpError(403, 'forbidden', 'This clinic is not yours.');
    c.header('Cache-Control', 'no-store');
    return c.json({ staff: await identity.listStaff(clinic) });
  });
  return routes;
}
