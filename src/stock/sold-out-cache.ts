/**
 * SKUs this process saw sold out, for a moment: in a flash sale thousands of buyers ask for a SKU
 * that has no key left, and each is answered 409 without a database round trip. A key import in
 * this process forgets the SKU at once; other processes see new stock within `ttlMs`.
 */
export class SoldOutCache {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ttlMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  isSoldOut(sku: string): boolean {
    const until = this.until.get(sku);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.until.delete(sku);
    return false;
  }

  markSoldOut(sku: string): void {
    this.until.set(sku, this.now() + this.ttlMs);
  }

  forget(sku: string): void {
    this.until.delete(sku);
  }
}
