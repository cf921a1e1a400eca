/**
 * The people the journeys sign in as, and the enrollment codes their tablets
 * use. The global setup creates them once, with the operator's CLI, in the
 * seeded data directory; every test starts from a copy, so every test has the
 * same accounts and a fresh pool of unused single-use codes.
 * Everyone here is fictional.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { seededAccountsFile, serverCli } from './paths';

/** The demo clinic created by `seed-demo` (server/src/services/demo-seed.ts). */
export const DEMO_CLINIC_ID = '01930000-0000-7000-8000-0000000c1c01';
export const DEMO_CLINIC_NAME = 'Kijiji Demo Clinic (fictional)';

export type AccountName = 'Neema' | 'Baraka' | 'Chiku' | 'Dalia' | 'Eli';

export interface Account {
  readonly username: string;
  readonly password: string;
  /** The name the tablet shows (the account's display name). */
  readonly displayName: string;
  readonly role: string;
  /** The PIN the journeys choose for her on each tablet. */
  readonly pin: string;
}

export interface SeededAccounts {
  readonly accounts: Readonly<Record<AccountName, Account>>;
  /** Single-use enrollment codes for the demo clinic, valid for a week. */
  readonly enrollmentCodes: readonly string[];
}

/** Runs `node server/dist/cli.js <args>` on a stopped server's data directory; returns stdout. */
export function outpostCli(dataDir: string, args: readonly string[]): string {
  const cli = process.env.OUTPOST_SERVER_CLI ?? serverCli;
  return execFileSync(process.execPath, [cli, ...args, '--data', dataDir], {
    env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
}

const oneTimePassword = (output: string): string => {
  const match = /One-time password \(shown once\): (\S+)/.exec(output);
  if (!match?.[1]) throw new Error(`no password in the CLI output:\n${output}`);
  return match[1];
};

/** Creates a single-use enrollment code for a clinic (default: the demo clinic). */
export function createEnrollmentCode(dataDir: string, clinicId = DEMO_CLINIC_ID): string {
  const output = outpostCli(dataDir, [
    'device',
    'enroll-code',
    '--clinic',
    clinicId,
    '--minutes',
    '10080',
  ]);
  const match = /Enrollment code for .*: (\S+)/.exec(output);
  if (!match?.[1]) throw new Error(`no code in the CLI output:\n${output}`);
  return match[1];
}

/**
 * After `seed-demo` (whose output lists the demo passwords): two clinic staff
 * created with `user add`, the demo admins, and `codes` enrollment codes.
 */
export function createSeededAccounts(
  dataDir: string,
  seedOutput: string,
  codes: number,
): SeededAccounts {
  const demoPassword = (username: string): string => {
    const match = new RegExp(`${username.replace('.', '\\.')}\\s+\\S+\\s+password: (\\S+)`).exec(
      seedOutput,
    );
    if (!match?.[1])
      throw new Error(`seed-demo printed no password for ${username}:\n${seedOutput}`);
    return match[1];
  };
  const addUser = (username: string, name: string, role: string): string =>
    oneTimePassword(
      outpostCli(dataDir, [
        'user',
        'add',
        '--username',
        username,
        '--name',
        name,
        '--role',
        role,
        '--clinic',
        DEMO_CLINIC_ID,
      ]),
    );
  const accounts: Record<AccountName, Account> = {
    Neema: {
      username: 'neema',
      password: addUser('neema', 'Neema Mwangi', 'health-worker'),
      displayName: 'Neema Mwangi',
      role: 'health-worker',
      pin: '135790',
    },
    Baraka: {
      username: 'baraka',
      password: addUser('baraka', 'Baraka Otieno', 'clinician'),
      displayName: 'Baraka Otieno',
      role: 'clinician',
      pin: '246802',
    },
    Chiku: {
      username: 'demo.specialist',
      password: demoPassword('demo.specialist'),
      displayName: 'Chiku Demo (fictional specialist)',
      role: 'specialist',
      pin: '112358',
    },
    Dalia: {
      username: 'demo.districtadmin',
      password: demoPassword('demo.districtadmin'),
      displayName: 'Dalia Demo (fictional district admin)',
      role: 'district-admin',
      pin: '975318',
    },
    Eli: {
      username: 'demo.sysadmin',
      password: demoPassword('demo.sysadmin'),
      displayName: 'Eli Demo (fictional system admin)',
      role: 'system-admin',
      pin: '864200',
    },
  };
  const enrollmentCodes = Array.from({ length: codes }, () => createEnrollmentCode(dataDir));
  return { accounts, enrollmentCodes };
}

export function saveSeededAccounts(seeded: SeededAccounts): void {
  writeFileSync(seededAccountsFile, JSON.stringify(seeded, null, 2));
}

export function loadSeededAccounts(): SeededAccounts {
  return JSON.parse(readFileSync(seededAccountsFile, 'utf8')) as SeededAccounts;
}
