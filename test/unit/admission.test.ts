import { AdmissionTickets, TICKET_GRACE_MS } from '../../src/admission/admission-tickets';
import { nextRate, RATE_RULES } from '../../src/admission/admission-controller';

describe('admission tickets', () => {
  const tickets = new AdmissionTickets(Buffer.alloc(32, 7));
  const slot = new Date('2026-11-30T12:00:00.000Z');

  it('hold their slot for the buyer they were given to, for a while after it', () => {
    const ticket = tickets.issue(slot, 'a@example.com');
    expect(tickets.slotOf(ticket, 'a@example.com', slot)).toEqual(slot);
    expect(tickets.slotOf(ticket, 'b@example.com', slot)).toBeUndefined();
    expect(tickets.slotOf(ticket, 'a@example.com', new Date(slot.getTime() + TICKET_GRACE_MS + 1))).toBeUndefined();
  });

  it('cannot be moved earlier, forged with another key, or padded', () => {
    const ticket = tickets.issue(slot, 'a@example.com');
    const [, signature] = ticket.split('.');
    expect(tickets.slotOf(`${(slot.getTime() - 60_000).toString(36)}.${signature}`, 'a@example.com', slot)).toBeUndefined();
    expect(new AdmissionTickets(Buffer.alloc(32, 8)).slotOf(ticket, 'a@example.com', slot)).toBeUndefined();
    expect(tickets.slotOf(`${ticket}.x`, 'a@example.com', slot)).toBeUndefined();
    expect(tickets.slotOf(undefined, 'a@example.com', slot)).toBeUndefined();
  });
});

describe('the auto admission rate', () => {
  it('cuts on lag over the target, steps up only while the rate is used and deliveries keep up, and stays within bounds', () => {
    expect(nextRate(20, { lagMs: 2500, placedPerSec: 20 }, 2000)).toBe(14);
    expect(nextRate(20, { lagMs: 500, placedPerSec: 19 }, 2000)).toBe(22);
    expect(nextRate(20, { lagMs: 500, placedPerSec: 3 }, 2000)).toBe(20);
    expect(nextRate(20, { lagMs: 1500, placedPerSec: 20 }, 2000)).toBe(20);
    expect(nextRate(20, { lagMs: null, placedPerSec: 20 }, 2000)).toBe(20);
    expect(nextRate(RATE_RULES.minPerSec, { lagMs: 60_000, placedPerSec: 1 }, 2000)).toBe(RATE_RULES.minPerSec);
    expect(nextRate(RATE_RULES.maxPerSec, { lagMs: 0, placedPerSec: 5000 }, 2000)).toBe(RATE_RULES.maxPerSec);
  });
});
