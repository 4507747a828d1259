import type { Db } from '../db/client';

/** Spends a return code: true the first time (the use is recorded on the order's timeline), false for any later use. */
export async function useReturnCode(db: Db, orderNo: string, nonce: string, at: Date): Promise<boolean> {
  const spent = await db.$executeRaw`
    INSERT INTO "OrderEvent" ("orderNo", "type", "actor", "message", "createdAt")
    SELECT ${orderNo}, 'RETURN_CODE_USED', 'buyer', ${nonce}, ${at}
    WHERE NOT EXISTS (SELECT 1 FROM "OrderEvent" WHERE "orderNo" = ${orderNo} AND "type" = 'RETURN_CODE_USED' AND "message" = ${nonce})`;
  return spent > 0;
}
