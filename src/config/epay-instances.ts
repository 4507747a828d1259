import type { EpayConfig } from './index';

/** One Epay (易支付) aggregator account: `epay`, or `epay-<name>` from EPAY_<NAME>_* variables. */
export interface EpayInstanceConfig extends EpayConfig {
  name: string;
  /** What the buyer can pay with through it (Epay's `type`): `alipay`, `wxpay`, … */
  payTypes: string[];
  /** Share of routed orders among healthy instances, before health scores; staff can override it. */
  weight: number;
  /** Set when the instance is a local sandbox gateway that `npm start` runs on this port. */
  sandboxPort?: number;
}

const SUFFIXES = ['PID', 'KEY', 'API_URL', 'PAY_TYPES', 'WEIGHT'] as const;
const DEFAULT_PAY_TYPES = ['alipay', 'wxpay'];

/**
 * Every Epay instance the environment defines. `epay` from EPAY_PID / EPAY_KEY / EPAY_API_URL (and
 * optional EPAY_PAY_TYPES, EPAY_WEIGHT); more from EPAY_<NAME>_PID, _KEY, _API_URL, optional
 * _PAY_TYPES and _WEIGHT (NAME of A–Z and 0–9) as `epay-<name>`. In local mode, when `epay` is the
 * sandbox, `epay-backup` is the second sandbox gateway on SANDBOX_PORT + 1 unless the environment
 * says otherwise. Problems are pushed to `problems`, named by variable.
 */
export function epayInstances(env: Record<string, string>, options: { sandboxPort: number; production: boolean }, problems: string[]): EpayInstanceConfig[] {
  const sandboxUrl = (port: number) => `http://127.0.0.1:${port}`;
  const instances: EpayInstanceConfig[] = [];
  const given = read(env, 'EPAY', 'epay', problems, options.production ? undefined : sandboxUrl(options.sandboxPort));
  const primary = given && (given.apiUrl === sandboxUrl(options.sandboxPort) ? { ...given, sandboxPort: options.sandboxPort } : given);
  if (primary) instances.push(primary);
  // Local mode's second sandbox gateway, with generated credentials, beside a sandbox `epay`.
  const backupIsSandbox = !options.production && primary?.sandboxPort !== undefined && !env.EPAY_BACKUP_API_URL;
  if (backupIsSandbox) {
    const backup = read(env, 'EPAY_BACKUP', 'epay-backup', problems, sandboxUrl(options.sandboxPort + 1));
    if (backup) instances.push({ ...backup, sandboxPort: options.sandboxPort + 1 });
  }
  const names = new Set<string>();
  for (const variable of Object.keys(env)) {
    const match = /^EPAY_([A-Z0-9]+)_(PID|KEY|API_URL|PAY_TYPES|WEIGHT)$/.exec(variable);
    if (match && !(backupIsSandbox && match[1] === 'BACKUP')) names.add(match[1]);
  }
  for (const name of [...names].sort()) {
    const instance = read(env, `EPAY_${name}`, `epay-${name.toLowerCase()}`, problems, undefined);
    if (instance) instances.push(instance);
  }
  return instances;
}

function read(env: Record<string, string>, prefix: string, name: string, problems: string[], defaultUrl: string | undefined): EpayInstanceConfig | undefined {
  const pid = env[`${prefix}_PID`];
  const key = env[`${prefix}_KEY`];
  const apiUrl = env[`${prefix}_API_URL`] ?? defaultUrl;
  const given = SUFFIXES.filter((s) => env[`${prefix}_${s}`] !== undefined);
  if (!pid && !key && given.length === 0) return undefined;
  const missing = (['PID', 'KEY', 'API_URL'] as const).filter((s) => !(s === 'API_URL' ? apiUrl : env[`${prefix}_${s}`]));
  if (missing.length > 0) {
    problems.push(`Epay instance ${name} is half configured: set ${missing.map((s) => `${prefix}_${s}`).join(', ')} too`);
    return undefined;
  }
  if (!/^\w{1,32}$/.test(pid!)) problems.push(`${prefix}_PID must be the merchant id (letters and digits)`);
  if (key!.length < 16) problems.push(`${prefix}_KEY must be at least 16 characters`);
  try {
    new URL(apiUrl!);
  } catch {
    problems.push(`${prefix}_API_URL must be an absolute URL`);
  }
  const payTypes = env[`${prefix}_PAY_TYPES`]
    ? env[`${prefix}_PAY_TYPES`]
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean)
    : DEFAULT_PAY_TYPES;
  if (payTypes.length === 0 || payTypes.some((t) => !/^[a-z0-9_]{1,32}$/.test(t))) problems.push(`${prefix}_PAY_TYPES must be pay types like alipay,wxpay`);
  const weight = env[`${prefix}_WEIGHT`] === undefined ? 1 : Number(env[`${prefix}_WEIGHT`]);
  if (!Number.isFinite(weight) || weight < 0 || weight > 1000) problems.push(`${prefix}_WEIGHT must be a number from 0 to 1000`);
  return { name, pid: pid!, key: key!, apiUrl: apiUrl!.replace(/\/+$/, ''), payTypes, weight };
}
