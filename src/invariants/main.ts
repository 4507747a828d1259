import { loadConfig } from '../config';
import { createDb } from '../db/client';
import { pingDatabase } from '../db/database';
import { reportFatal } from '../cli';
import { checkInvariants } from './check';

async function main() {
  const config = loadConfig();
  await pingDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl, { max: 2 });
  const violations = await checkInvariants(db, { graceMs: config.order.deliverySlaMs + config.order.restockWaitMs });
  await db.$disconnect();
  if (violations.length === 0) {
    console.log('✔ all invariants hold');
    return 0;
  }
  for (const v of violations) console.log(`✖ ${v.rule}: ${v.orderNo ? `order ${v.orderNo}: ` : ''}${v.detail}`);
  console.log(`${violations.length} violation(s)`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    reportFatal(error);
    process.exit(2);
  },
);
