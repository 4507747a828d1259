import type { Prisma } from '../generated/prisma/client';
import type { Config } from '../config';
import type { AdmissionTickets } from './admission-tickets';

export type AdmissionAnswer =
  | { admitted: true }
  /** Busy: come back after retryAfterSeconds, with the ticket (a place in the queue) when there is one. */
  | { admitted: false; retryAfterSeconds: number; ticket?: string };

/**
 * Admission of new orders, shared by every API process through one row: slots one 1/rate apart,
 * handed out in the order buyers came (a virtual-time queue, like GCRA). A buyer whose slot is
 * within the burst allowance is admitted now; a later one gets a signed ticket for its slot and a
 * Retry-After to come back with it, so buyers told to wait get in roughly in the order they came;
 * beyond ADMISSION_MAX_WAIT no slot is handed out, only a time to try again. One statement on its
 * own (the row is locked only for it), after every other check; a slot is wasted only when the
 * locked stock check that follows refuses after all, which a race for the last keys can cause.
 */
export class AdmissionGate {
  /** The furthest slot this process has seen handed out: slots only move forward, so a full queue is known without asking. */
  private furthestSlot = 0;
  /**
   * Buyers beyond the longest wait get no slot, but each a later time to come back than the one
   * before, one admission interval apart: told all alike, thousands would come back in the same
   * second, and again, each time costing the limit and stock checks (a retry storm that starves
   * the deliveries the auto rate follows, which cuts the rate, which lengthens the crowd).
   */
  private comeBackAt = 0;
  /** The rate last read with a slot (orders a second). */
  private rate: number;

  constructor(
    private readonly config: Config['admission'],
    readonly tickets: AdmissionTickets,
  ) {
    this.rate = config.fixedRatePerSec ?? 25;
  }

  async admit(db: Prisma.TransactionClient, { email, ticket, now }: { email: string; ticket?: string; now: Date }): Promise<AdmissionAnswer> {
    const { config } = this;
    if (config.mode === 'off') return { admitted: true };
    const held = this.tickets.slotOf(ticket, email, now);
    if (held) {
      const early = held.getTime() - (now.getTime() + config.burstMs);
      return early <= 0 ? { admitted: true } : { admitted: false, retryAfterSeconds: Math.ceil(early / 1000), ticket };
    }
    // In a sale's peak most buyers arrive to a full queue: they are told when to come back without a database round trip.
    if (this.furthestSlot > now.getTime() + config.maxWaitMs) return this.comeBackLater(now);
    const rate = config.mode === 'fixed' ? config.fixedRatePerSec! : null;
    const [row] = await db.$queryRaw<Array<{ slot: Date; rate: number; reserved: boolean }>>`
      WITH cur AS (
        SELECT GREATEST("nextSlot", ${now}) AS "slot", COALESCE(${rate}::float8, "ratePerSec") AS "rate"
        FROM "Admission" WHERE "name" = 'orders' FOR UPDATE
      ), taken AS (
        UPDATE "Admission" SET "nextSlot" = cur."slot" + make_interval(secs => 1.0 / cur."rate")
        FROM cur WHERE "Admission"."name" = 'orders' AND cur."slot" <= ${new Date(now.getTime() + config.maxWaitMs)}
        RETURNING 1
      )
      SELECT cur."slot", cur."rate", EXISTS (SELECT 1 FROM taken) AS "reserved" FROM cur`;
    if (!row) throw new Error('the Admission row is missing: run the migrations (npm run db:migrate)');
    this.furthestSlot = Math.max(this.furthestSlot, row.slot.getTime());
    this.rate = row.rate;
    const wait = row.slot.getTime() - now.getTime();
    if (!row.reserved) return this.comeBackLater(now);
    // The queue half empty: the crowd that was told to come back later is gone or back.
    if (wait < config.maxWaitMs / 2) this.comeBackAt = 0;
    if (wait <= config.burstMs) return { admitted: true };
    return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((wait - config.burstMs) / 1000)), ticket: this.tickets.issue(row.slot, email) };
  }

  /** A time to come back, for a buyer beyond the longest wait: the queue's end, then one interval after the previous such buyer's. */
  private comeBackLater(now: Date): AdmissionAnswer {
    const queueEnd = this.furthestSlot - this.config.maxWaitMs;
    this.comeBackAt = Math.max(this.comeBackAt + 1000 / this.rate, queueEnd);
    return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((this.comeBackAt - now.getTime()) / 1000)) };
  }
}

/** What staff see of admission: the mode, the rate in force, the last measured lag, and how far ahead the queue reaches. */
export async function admissionStatus(db: Prisma.TransactionClient, config: Config['admission'], now: Date) {
  const row = await db.admission.findUniqueOrThrow({ where: { name: 'orders' } });
  return {
    mode: config.mode,
    ratePerSec: config.mode === 'fixed' ? config.fixedRatePerSec! : config.mode === 'auto' ? row.ratePerSec : null,
    lagMs: config.mode === 'auto' ? row.lagMs : null,
    queueSeconds: config.mode === 'off' ? 0 : Math.max(0, Math.round((row.nextSlot.getTime() - now.getTime()) / 100) / 10),
    burstMs: config.burstMs,
    maxWaitMs: config.maxWaitMs,
    targetLagMs: config.targetLagMs,
  };
}
