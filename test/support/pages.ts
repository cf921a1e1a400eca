/**
 * Page models: one class per screen, so journeys read like clinic stories and
 * a renamed label is fixed in one place.
 */
import { expect, type Page } from '@playwright/test';

export class SetupScreen {
  constructor(readonly page: Page) {}

  /** Sets up a fresh tablet for the (only) demo clinic as `userName`. */
  async setUp(baseUrl: string, userName: string): Promise<PatientsScreen> {
    await this.page.goto(baseUrl);
    await expect(this.page.getByRole('heading', { name: 'Set up this tablet' })).toBeVisible();
    await this.page.getByLabel('Clinic').selectOption({ index: 1 });
    await this.page.getByLabel('Your name').fill(userName);
    await this.page.getByRole('button', { name: 'Start' }).click();
    const patients = new PatientsScreen(this.page);
    await expect(patients.heading).toBeVisible();
    return patients;
  }
}

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

  async startVisit(): Promise<VisitScreen> {
    await this.page.getByRole('button', { name: /Start a visit|Continue the open visit/ }).click();
    const visit = new VisitScreen(this.page);
    await expect(visit.field('Heart rate')).toBeVisible();
    return visit;
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
