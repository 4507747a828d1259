/** A refusal for stock this process just gave, to give again without a database round trip. */
export type StockRefusal = { kind: 'sold-out' } | { kind: 'held'; keysBackAt: number };

/**
 * SKUs this process just saw sold out, or with every remaining key held by unpaid orders, for a
 * moment: in a flash sale thousands of buyers ask for such a SKU, and each is answered at once. A
 * key import in this process forgets the SKU; other processes see new stock within the moment.
 */
export class StockRefusals {
  private readonly entries = new Map<string, { refusal: StockRefusal; until: number }>();

  constructor(
    /** How long each is remembered: sold out changes only with an import; holds with every payment or expiry. */
    private readonly ttlMs: Record<StockRefusal['kind'], number> = { 'sold-out': 2000, held: 1000 },
    private readonly now: () => number = Date.now,
  ) {}

  recent(sku: string): StockRefusal | undefined {
    const entry = this.entries.get(sku);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.refusal;
    this.entries.delete(sku);
    return undefined;
  }

  remember(sku: string, refusal: StockRefusal): void {
    this.entries.set(sku, { refusal, until: this.now() + this.ttlMs[refusal.kind] });
  }

  forget(sku: string): void {
    this.entries.delete(sku);
  }
}
