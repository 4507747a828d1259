import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Secrets local mode may invent: the shop's own and those of the two Epay sandbox gateways (`epay`
 * and `epay-backup`; the shop and the sandbox share them).
 */
export const GENERATED_SECRET_NAMES = [
  'ADMIN_TOKEN',
  'CARD_KEY_ENCRYPTION_KEY',
  'PAYLOAD_ENCRYPTION_KEYS',
  'EPAY_PID',
  'EPAY_KEY',
  'EPAY_BACKUP_PID',
  'EPAY_BACKUP_KEY',
] as const;

export type GeneratedSecretName = (typeof GENERATED_SECRET_NAMES)[number];

function generate(name: GeneratedSecretName): string {
  switch (name) {
    case 'ADMIN_TOKEN':
    case 'EPAY_KEY':
    case 'EPAY_BACKUP_KEY':
      return randomBytes(24).toString('base64url');
    case 'CARD_KEY_ENCRYPTION_KEY':
      return randomBytes(32).toString('hex');
    case 'PAYLOAD_ENCRYPTION_KEYS':
      return `local1=${randomBytes(32).toString('hex')}`;
    case 'EPAY_PID':
    case 'EPAY_BACKUP_PID':
      return String(1000 + (randomBytes(2).readUInt16BE(0) % 9000));
  }
}

export interface LocalSecrets {
  values: Record<GeneratedSecretName, string>;
  file: string;
  /** Names generated during this call (first run), for the banner. */
  created: GeneratedSecretName[];
}

/**
 * Loads the local-mode secrets file, generating any that are missing. The file lives in an
 * ignored folder so a developer's keys survive restarts (existing card keys stay decryptable).
 */
export function loadOrCreateLocalSecrets(dir: string): LocalSecrets {
  const file = path.join(dir, 'local-secrets.json');
  const existing: Partial<Record<GeneratedSecretName, string>> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const created: GeneratedSecretName[] = [];
  const values = {} as Record<GeneratedSecretName, string>;
  for (const name of GENERATED_SECRET_NAMES) {
    const known = existing[name];
    if (known) {
      values[name] = known;
    } else {
      values[name] = generate(name);
      created.push(name);
    }
  }
  if (created.length > 0) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, JSON.stringify(values, null, 2) + '\n', { mode: 0o600 });
  }
  return { values, file, created };
}
