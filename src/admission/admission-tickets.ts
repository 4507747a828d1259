import { createHmac, hkdfSync } from 'node:crypto';
import { constantTimeEqual } from '../crypto/access-token';

/** A ticket is good this long after its slot: a buyer who comes back much later queues again. */
export const TICKET_GRACE_MS = 10 * 60_000;

/**
 * The place a busy buyer was given in the admission queue: the slot's time, signed and bound to the
 * buyer's email, so it cannot be forged, moved earlier, or handed to someone else. Nothing is stored.
 */
export class AdmissionTickets {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'keyflow admission ticket', 32));
  }

  issue(slot: Date, email: string): string {
    const at = slot.getTime().toString(36);
    return `${at}.${this.sign(at, email)}`;
  }

  /** The slot a ticket holds, or undefined when it is not one of ours, not this buyer's, or too old. */
  slotOf(ticket: string | undefined, email: string, now: Date): Date | undefined {
    const [at, signature, extra] = (ticket ?? '').split('.');
    if (!at || !signature || extra !== undefined || !constantTimeEqual(this.sign(at, email), signature)) return undefined;
    const slot = new Date(parseInt(at, 36));
    if (!Number.isFinite(slot.getTime()) || now.getTime() - slot.getTime() > TICKET_GRACE_MS) return undefined;
    return slot;
  }

  private sign(at: string, email: string): string {
    return createHmac('sha256', this.key).update(`${at}:${email}`).digest('base64url');
  }
}
