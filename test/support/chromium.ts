import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

/** Installs a Debian package as root when `present` says it is missing; the error says what to do when that fails. */
function ensurePackage(pkg: string, present: () => boolean, missing: string): void {
  if (present()) return;
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (error) {
    throw new Error(`${missing} and \`apt-get install ${pkg}\` failed (${(error as Error).message}); install it as root and rerun.`);
  }
}

/** Debian's Chromium for browser checks, installed by the test set-up when it is missing. */
export function ensureChromium(): string {
  ensurePackage('chromium', () => existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM}`);
  return CHROMIUM;
}

/**
 * A font with Chinese glyphs, for the README's screenshots: without one Chromium draws the zh-CN
 * pages as boxes. The checks themselves read text and do not need it.
 */
export function ensureCjkFont(): void {
  const hasCjk = () => {
    try {
      return execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' }).trim() !== '';
    } catch {
      return false;
    }
  };
  ensurePackage('fonts-noto-cjk', hasCjk, 'No font with Chinese glyphs is installed (the screenshots would show boxes)');
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
