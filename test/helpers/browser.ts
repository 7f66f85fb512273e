/** Debian's Chromium driven by playwright-core, with the flags this closed network needs. */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface LaunchOptions {
  /**
   * base64 SHA-256 hashes of certificates' public keys whose certificate errors Chromium ignores (a stand-in's
   * self-signed HTTPS origin); every other origin's certificate is still checked.
   * @default none
   */
  trustedSpki?: readonly string[];
}

export function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      ...(options.trustedSpki?.length
        ? [`--ignore-certificate-errors-spki-list=${options.trustedSpki.join(',')}`]
        : []),
    ],
  });
}
