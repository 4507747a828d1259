import { createHash } from 'node:crypto';
import type { Logger } from '../logging';
import type { RawNotification } from './channel';

// A forger controls how many rejected notifications arrive and what is in them. What is kept of each
// is bounded, and so is what the log says about them; the rows themselves are deleted after
// REJECTED_NOTIFICATION_RETENTION.

const MAX_FIELDS = 20;
const MAX_VALUE = 256;
const MAX_JSON = 2048;

/** SHA-256 of everything the request carried: tells repeats apart without keeping them. */
export function notificationDigest(request: RawNotification): string {
  const hash = createHash('sha256').update(request.method).update('\0');
  for (const [name, value] of Object.entries(request.query).sort()) hash.update(`${name}=${value}&`);
  return hash.update('\0').update(request.rawBody).digest('hex');
}

/** At most 20 fields of at most 256 characters, 2 KiB in all. */
export function boundedExcerpt(payload: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  let size = 2;
  for (const [name, value] of Object.entries(payload).slice(0, MAX_FIELDS)) {
    const key = name.slice(0, 64);
    const text = (typeof value === 'string' ? value : (JSON.stringify(value) ?? '')).slice(0, MAX_VALUE);
    size += key.length + text.length + 6;
    if (size > MAX_JSON) break;
    out[key] = text;
  }
  return out;
}

/**
 * Logs the first few rejections of each minute per channel, then one line saying how many more there
 * were: a flood of forgeries costs the log a line a minute, not a line each.
 */
export class RejectionLog {
  private readonly windows = new Map<string, { start: number; logged: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly perMinute = 10,
    private readonly clock: () => number = Date.now,
  ) {}

  warn(channel: string, fields: Record<string, unknown>): void {
    const now = this.clock();
    let window = this.windows.get(channel);
    if (!window || now - window.start >= 60_000) {
      if (window?.suppressed)
        this.logger.warn({ channel, suppressed: window.suppressed }, 'more payment notifications were rejected in the last minute (not logged one by one)');
      window = { start: now, logged: 0, suppressed: 0 };
      this.windows.set(channel, window);
    }
    if (window.logged < this.perMinute) {
      window.logged += 1;
      this.logger.warn({ channel, ...fields }, 'payment notification rejected');
    } else {
      window.suppressed += 1;
    }
  }
}
