import { chromium, type Browser } from 'playwright-core';
import { ensurePackages, packageFor } from './debian-packages.js';

/** Debian's Chromium: playwright's own browser download cannot be used here. */
export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a headless Chromium that talks to nothing but the page under test. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Installs Chromium when missing, then starts it headless through playwright-core. */
export async function launchBrowser(): Promise<Browser> {
  await ensurePackages([packageFor(CHROMIUM)]);
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], timeout: 120_000 });
}
