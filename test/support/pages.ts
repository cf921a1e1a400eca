/**
 * Page models: one class per screen, so journeys read like clinic stories and
 * a renamed label is fixed in one place.
 */
import { expect, type Page } from '@playwright/test';
import type { Account, AccountName } from './accounts';
import type { OutpostServer } from './server';

/** What a page model needs of the server: where it is, and its people and codes. */
export type TabletServer = Pick<OutpostServer, 'url' | 'account' | 'takeEnrollmentCode'>;

export class SetupScreen {
  constructor(readonly page: Page) {}

  get heading() {
    return this.page.getByRole('heading', { name: 'Set up this tablet' });
  }

  /**
   * Sets up a fresh tablet of the demo clinic for `who`: enrolls it with one
   * of the server's single-use codes, signs her in and chooses her PIN.
   * `url`: another way to the same server (a cuttable proxy).
   */
  async setUp(
    server: TabletServer,
    who: AccountName,
    options: { url?: string; label?: string } = {},
  ): Promise<PatientsScreen> {
    await this.page.goto(options.url ?? server.url);
    await this.enroll(server.takeEnrollmentCode(), options.label ?? `Tablet of ${who}`);
    await new SignInScreen(this.page).signIn(server.account(who));
    await new PinSetupScreen(this.page).choose(server.account(who).pin);
    const patients = new PatientsScreen(this.page);
    const role = server.account(who).role;
    // A specialist's home is the consult queue; a system admin's, the administration.
    if (role === 'specialist')
      await expect(this.page.getByRole('heading', { name: 'Consult queue' })).toBeVisible();
    else if (role !== 'system-admin') await expect(patients.heading).toBeVisible();
    return patients;
  }

  async enroll(code: string, label: string): Promise<void> {
    await expect(this.heading).toBeVisible();
    await this.page.getByLabel('Enrollment code').fill(code);
    await this.page.getByLabel('Name of this tablet').fill(label);
    await this.page.getByRole('button', { name: 'Enroll this tablet' }).click();
    await expect(this.page.getByText(/^✓ Enrolled for /)).toBeVisible();
  }
}

export class SignInScreen {
  constructor(readonly page: Page) {}

  get heading() {
    return this.page.getByRole('heading', { name: 'Sign in' });
  }

  async fill(account: Pick<Account, 'username' | 'password'>): Promise<void> {
    await expect(this.heading).toBeVisible();
    await this.page.getByLabel('Username').fill(account.username);
    await this.page.getByLabel('Password', { exact: true }).fill(account.password);
  }

  /** Signs in (online); the PIN screen follows. */
  async signIn(account: Pick<Account, 'username' | 'password'>): Promise<PinSetupScreen> {
    await this.fill(account);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    const pin = new PinSetupScreen(this.page);
    await expect(pin.heading).toBeVisible({ timeout: 20_000 });
    return pin;
  }
}

export class PinSetupScreen {
  constructor(readonly page: Page) {}

  get heading() {
    return this.page.getByRole('heading', { name: 'Choose your PIN' });
  }

  async choose(pin: string, again = pin): Promise<void> {
    await expect(this.heading).toBeVisible();
    await this.page.getByLabel('New PIN (6 digits)').fill(pin);
    await this.page.getByLabel('Type the same PIN again').fill(again);
    await this.page.getByRole('button', { name: 'Save PIN' }).click();
    if (pin === again) await expect(this.heading).toBeHidden({ timeout: 20_000 });
  }
}

/** After signing in with an administrator's one-time password: she chooses her own. */
export class PasswordChangeScreen {
  constructor(readonly page: Page) {}

  get heading() {
    return this.page.getByRole('heading', { name: 'Choose your own password' });
  }

  async choose(current: string, next: string, again = next): Promise<void> {
    await expect(this.heading).toBeVisible();
    await this.page.getByLabel('Password you signed in with').fill(current);
    await this.page.getByLabel(/^New password/).fill(next);
    await this.page.getByLabel('Type the new password again').fill(again);
    await this.page.getByRole('button', { name: 'Save my password' }).click();
  }
}

/** The screen shown instead of every page while Outpost is locked. */
export class LockScreen {
  constructor(readonly page: Page) {}

  get root() {
    return this.page.getByTestId('lock-screen');
  }

  get heading() {
    return this.page.getByRole('heading', { name: 'Outpost is locked' });
  }

  /** The PIN pad of the user whose key is still in memory. */
  get pinPrompt() {
    return this.root.getByRole('heading', { name: /, type your PIN$/ });
  }

  get passwordPrompt() {
    return this.root.getByRole('heading', { name: /^Password of / });
  }

  get userList() {
    return this.root.getByRole('heading', { name: 'Who is using this tablet?' });
  }

  async unlockWithPin(pin: string): Promise<void> {
    await expect(this.pinPrompt).toBeVisible();
    // The sixth digit submits.
    await this.root.getByLabel('PIN', { exact: true }).fill(pin);
  }

  /** Taps her name in the list of people on this tablet. */
  async chooseUser(account: Pick<Account, 'displayName'>): Promise<void> {
    await expect(this.userList).toBeVisible();
    await this.root
      .getByRole('button', { name: new RegExp(escapeRegExp(account.displayName)) })
      .click();
    await expect(this.passwordPrompt).toContainText(account.displayName);
  }

  async unlockWithPassword(account: Pick<Account, 'password'>): Promise<void> {
    await expect(this.passwordPrompt).toBeVisible();
    await this.root.getByLabel('Password', { exact: true }).fill(account.password);
    await this.root.getByRole('button', { name: 'Unlock' }).click();
  }

  /** After a restart (key gone): her name, then her password. */
  async unlockAs(account: Pick<Account, 'displayName' | 'password'>): Promise<void> {
    await this.chooseUser(account);
    await this.unlockWithPassword(account);
    await expect(this.root).toBeHidden({ timeout: 20_000 });
  }
}

/** The header's "Lock" and "Switch user", shown while someone is unlocked. */
export class Header {
  constructor(readonly page: Page) {}

  get currentUser() {
    return this.page.getByTestId('current-user');
  }

  async lock(): Promise<LockScreen> {
    await this.page.getByRole('banner').getByRole('button', { name: 'Lock' }).click();
    const lock = new LockScreen(this.page);
    await expect(lock.heading).toBeVisible();
    return lock;
  }

  async switchUser(): Promise<LockScreen> {
    await this.page.getByRole('banner').getByRole('button', { name: 'Switch user' }).click();
    const lock = new LockScreen(this.page);
    await expect(lock.userList).toBeVisible();
    return lock;
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class PatientsScreen {
  constructor(readonly page: Page) {}

  get heading() {
    return this.page.getByRole('heading', { name: 'Patients', level: 1 });
  }

  async search(text: string): Promise<void> {
    await this.page.getByPlaceholder('Search by name, phone, ID or village').fill(text);
  }

  row(name: string | RegExp) {
    return this.page.getByTestId('patient-list').getByRole('link', { name });
  }

  async openRegistration(): Promise<RegisterScreen> {
    await this.page
      .getByRole('link', { name: /Register patient/ })
      .first()
      .click();
    const screen = new RegisterScreen(this.page);
    await expect(screen.heading).toBeVisible();
    return screen;
  }
}

export interface Person {
  givenName: string;
  familyName?: string;
  sex: 'Female' | 'Male';
  ageYears?: number;
  birthDate?: string;
  village?: string;
  phone?: string;
  conditions?: string;
  pregnant?: boolean;
}

export class RegisterScreen {
  constructor(readonly page: Page) {}

  get heading() {
    return this.page.getByRole('heading', { name: 'Register a patient' });
  }

  async fill(person: Person): Promise<void> {
    const page = this.page;
    await page.getByLabel('Given name').fill(person.givenName);
    if (person.familyName) await page.getByLabel(/Family name/).fill(person.familyName);
    await page.getByLabel(person.sex, { exact: true }).check();
    if (person.birthDate) {
      await page.getByLabel('Exact date').check();
      await page.locator('#reg-birthDate').fill(person.birthDate);
    } else {
      await page.getByLabel('Age only (estimated)').check();
      await page.getByLabel('Age in years').fill(String(person.ageYears ?? 40));
    }
    if (person.pregnant !== undefined)
      await page.getByLabel(person.pregnant ? 'Pregnant' : 'Not pregnant', { exact: true }).check();
    if (person.village) await page.getByLabel(/Village or area/).fill(person.village);
    if (person.phone) await page.getByLabel(/Phone/).fill(person.phone);
    if (person.conditions) await page.getByLabel(/Known conditions/).fill(person.conditions);
  }

  async register(person: Person): Promise<PatientScreen> {
    await this.fill(person);
    await this.page.getByRole('button', { name: 'Register patient' }).click();
    const screen = new PatientScreen(this.page);
    await expect(screen.name).toContainText(person.givenName);
    await expect(this.page.getByTestId('saved')).toBeVisible();
    return screen;
  }
}

export type VitalName =
  | 'Heart rate'
  | 'Breathing rate'
  | 'Oxygen saturation (SpO2)'
  | 'Blood pressure — systolic'
  | 'Blood pressure — diastolic'
  | 'Temperature'
  | 'Weight';

export class PatientScreen {
  constructor(readonly page: Page) {}

  get name() {
    return this.page.getByTestId('patient-name');
  }

  /** "Pregnancy status: … — Update" (also on the visit screen). */
  get pregnancy() {
    return this.page.getByTestId('pregnancy-status');
  }

  get conditions() {
    return this.page.getByTestId('condition-list');
  }

  get allergies() {
    return this.page.getByTestId('allergy-list');
  }

  async openEdit(): Promise<EditPatientScreen> {
    await this.page.getByRole('link', { name: 'Edit details' }).click();
    const screen = new EditPatientScreen(this.page);
    await expect(screen.heading).toBeVisible();
    return screen;
  }

  /**
   * Records her pregnancy status here (or on the visit screen, where the same
   * line is). "Gave birth recently" keeps the baby's date of birth it starts
   * with (today).
   */
  async updatePregnancy(
    status: 'Pregnant' | 'Gave birth recently' | 'Not pregnant' | 'Not known',
    weeks?: number,
  ) {
    await this.pregnancy.getByRole('button', { name: 'Update pregnancy status' }).click();
    await this.pregnancy.getByLabel(status, { exact: true }).check();
    if (weeks !== undefined)
      await this.pregnancy.getByLabel(/^Weeks of pregnancy/).fill(String(weeks));
    await this.pregnancy.getByRole('button', { name: 'Save pregnancy status' }).click();
    await expect(
      this.pregnancy.getByRole('button', { name: 'Update pregnancy status' }),
    ).toBeVisible();
  }

  async addAllergy(allergy: { name: string; reaction?: string; severity?: string }) {
    const list = this.allergies;
    await list.getByRole('button', { name: 'Add an allergy' }).click();
    await list.getByLabel('Allergic to').fill(allergy.name);
    if (allergy.reaction) await list.getByLabel(/^Reaction/).fill(allergy.reaction);
    if (allergy.severity)
      await list.getByLabel('Severity').selectOption({ label: allergy.severity });
    await list.getByRole('button', { name: 'Add an allergy' }).click();
    await expect(
      list.getByRole('button', { name: `No longer has it: ${allergy.name}` }),
    ).toBeVisible();
  }

  /** "No longer has it": the condition moves to the history, with who and when. */
  async resolveCondition(name: string) {
    const list = this.conditions;
    await list.getByRole('button', { name: `No longer has it: ${name}` }).click();
    await list.getByRole('button', { name: 'Yes, no longer has it' }).click();
    await expect(list.getByTestId('condition-history')).toContainText(name);
  }

  async startVisit(): Promise<VisitScreen> {
    await this.page.getByRole('button', { name: /Start a visit|Continue the open visit/ }).click();
    const visit = new VisitScreen(this.page);
    await expect(visit.field('Heart rate')).toBeVisible();
    return visit;
  }
}

/** "Edit details": the registration form opened on her record; only what changed is saved. */
export class EditPatientScreen {
  constructor(readonly page: Page) {}

  get heading() {
    return this.page.getByRole('heading', { name: 'Edit patient details' });
  }

  field(label: 'Given name' | 'Family name' | 'Phone' | 'Village or area') {
    // The label also holds the field's error (and "optional"): its start names it.
    return this.page.getByLabel(new RegExp(`^${label}`));
  }

  async change(
    values: Partial<Record<'Given name' | 'Family name' | 'Phone' | 'Village or area', string>>,
  ) {
    for (const [label, value] of Object.entries(values))
      await this.field(label as 'Given name').fill(value);
  }

  async save(): Promise<PatientScreen> {
    await this.page.getByRole('button', { name: 'Save changes' }).click();
    const patient = new PatientScreen(this.page);
    await expect(this.page.getByTestId('saved')).toBeVisible();
    return patient;
  }
}

export class VisitScreen {
  constructor(readonly page: Page) {}

  field(name: VitalName) {
    return this.page.getByRole('textbox', { name, exact: true });
  }

  async record(
    values: Partial<Record<VitalName, string>>,
    extra: { alert?: boolean; roomAir?: boolean } = {},
  ) {
    for (const [name, value] of Object.entries(values))
      await this.field(name as VitalName).fill(value);
    if (extra.alert) await this.page.getByRole('radio', { name: /Alert/ }).check();
    if (extra.roomAir) await this.page.getByLabel('No, room air').check();
    await this.page.getByRole('button', { name: 'Save vitals' }).click();
    await expect(this.page.getByTestId('visit-message')).toHaveText(/Saved on this tablet/);
  }

  get riskBand() {
    return this.page.getByTestId('risk-band');
  }

  get observations() {
    return this.page.getByTestId('observations');
  }
}

/** Waits until the sync bar says nothing is waiting (everything reached the server). */
export async function expectAllSent(page: Page): Promise<void> {
  await expect(page.getByTestId('sync-pending')).toHaveText('All changes sent', {
    timeout: 20_000,
  });
}

export async function syncNow(page: Page): Promise<void> {
  const button = page.getByRole('button', { name: 'Sync now' });
  await expect(button).toBeEnabled({ timeout: 20_000 });
  await button.click();
}
