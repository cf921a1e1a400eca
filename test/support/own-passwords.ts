/**
 * Staff created with the operator's CLI (`user add`) get a one-time password
 * and must choose their own before the server lets them do anything else. The
 * global setup does that once for them, through the real API, as each would on
 * her first sign-in — so the journeys start from people with their own
 * passwords (one journey walks through the one-time password screen itself).
 */
import { randomBytes } from 'node:crypto';
import type { AccountName, SeededAccounts } from './accounts';
import { startOutpost } from './server';

/** Accounts whose password the CLI set: they choose their own. */
const CLI_CREATED: readonly AccountName[] = ['Neema', 'Baraka'];

async function call(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const response = await fetch(new URL(path, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * Starts the server on the seeded (stopped) data directory, enrolls one
 * setup tablet with the last enrollment code, and has each CLI-created
 * person sign in and choose her own password. Returns the accounts with
 * their own passwords and the codes left.
 */
export async function chooseOwnPasswords(
  dataDir: string,
  seeded: SeededAccounts,
): Promise<SeededAccounts> {
  const codes = [...seeded.enrollmentCodes];
  const code = codes.pop();
  if (code === undefined) throw new Error('no enrollment code left for the setup tablet');
  const server = await startOutpost({ dataDir });
  try {
    const device = await call(server.url, '/api/devices/enroll', {
      code,
      label: 'Journey setup tablet (fictional)',
    });
    const deviceHeaders = {
      'x-outpost-device': String(device.deviceId),
      'x-outpost-device-secret': String(device.deviceSecret),
    };
    const accounts = { ...seeded.accounts };
    for (const name of CLI_CREATED) {
      const account = accounts[name];
      const signedIn = await call(
        server.url,
        '/api/auth/sign-in',
        { username: account.username, password: account.password },
        deviceHeaders,
      );
      const bearer = { authorization: `Bearer ${String(signedIn.accessToken)}` };
      const own = `${account.username}-own-${randomBytes(9).toString('base64url')}`;
      await call(
        server.url,
        '/api/auth/password',
        { currentPassword: account.password, newPassword: own },
        bearer,
      );
      await call(server.url, '/api/auth/sign-out', {}, bearer);
      accounts[name] = { ...account, password: own };
    }
    return { accounts, enrollmentCodes: codes };
  } finally {
    await server.stop();
  }
}
