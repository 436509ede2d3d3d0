import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (no browser download). Missing, it fails the
 * suite with one line saying how to install it: browser tests never skip.
 */
export const CHROMIUM = '/usr/bin/chromium';

export interface Chromium {
  context: BrowserContext;
  page: Page;
  /** A folder for this test's screenshots (kept: the test prints where). */
  shots: string;
  shot(name: string, on?: Page): Promise<string>;
  /** Another window of the same browser (shares its storage, as a person's windows do). */
  window(): Promise<Page>;
  close(): Promise<void>;
}

export async function openChromium(label: string): Promise<Chromium> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install it with "apt-get update && apt-get install -y chromium"`,
    );
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-chromium-'));
  const shots = fs.mkdtempSync(path.join(os.tmpdir(), `signalyard-${label}-`));
  // a fresh profile per test (--user-data-dir, which playwright takes as this argument)
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // fail a missing element well within the test's own timeout, with playwright's message
  page.setDefaultTimeout(10_000);
  let n = 0;
  return {
    context,
    page,
    shots,
    async shot(name, on = page) {
      n += 1;
      const file = path.join(shots, `${String(n).padStart(2, '0')}-${name}.png`);
      await on.screenshot({ path: file });
      return file;
    },
    async window() {
      const other = await context.newPage();
      other.setDefaultTimeout(10_000);
      return other;
    },
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
