import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { NEXT_VERSION, webBuildDir, webNextBuildDir } from '../support/paths';
import { startOutpost, type OutpostServer } from '../support/server';

let server: OutpostServer | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

test('a health worker opens Outpost and sees the app', async ({ page }) => {
  server = await startOutpost();
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'Outpost', level: 1 })).toBeVisible();
  await expect(page.getByTestId('connection')).toHaveText(/Online/);
});

test('after one online visit the app opens with the network cut', async ({ page, context }) => {
  server = await startOutpost();
  await page.goto(server.url);
  await expect(page.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Outpost', level: 1 })).toBeVisible();
  await expect(page.getByTestId('connection')).toHaveText(/Offline/);

  // A deep link (client-side route) also opens offline from the cached shell.
  await page.goto(`${server.url}/some/deep/link`);
  await expect(page.getByTestId('app-version')).toBeVisible();
});

test('the app opens offline even when the server is gone', async ({ page }) => {
  server = await startOutpost();
  const url = server.url;
  await page.goto(url);
  await expect(page.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);
  await server.stop();
  server = undefined;
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Outpost', level: 1 })).toBeVisible();
});

test('when a new version is deployed the app offers to update, then runs it', async ({ page }) => {
  const webDir = mkdtempSync(join(tmpdir(), 'outpost-web-'));
  cpSync(webBuildDir, webDir, { recursive: true });
  server = await startOutpost({ webDir });
  await page.goto(server.url);
  await expect(page.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);
  const firstVersion = await page.getByTestId('app-version').textContent();
  expect(firstVersion).not.toBe(NEXT_VERSION);
  await expect(page.getByText('Update available')).toHaveCount(0);

  // Deploy: the server's web directory now holds the next build.
  rmSync(webDir, { recursive: true, force: true });
  cpSync(webNextBuildDir, webDir, { recursive: true });
  await page.reload();

  const prompt = page.getByRole('status').filter({ hasText: 'Update available' });
  await expect(prompt).toBeVisible();
  await prompt.getByRole('button', { name: 'Reload to update' }).click();
  await expect(page.getByTestId('app-version')).toHaveText(NEXT_VERSION);
  await expect(page.getByText('Update available')).toHaveCount(0);
  rmSync(webDir, { recursive: true, force: true });
});
