// `npm run fuzz`: property-based fuzzing of the running API from its own OpenAPI description
// (schemathesis, installed into .venv). Passes when no request got a 5xx and invalid requests
// changed nothing: the database it fuzzed holds no SKU, key or order afterwards.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from '../../src/db/client';
import { VENV_BIN } from '../../src/paths';
import { startLocalStack } from '../local-stack';

const { values: flags } = parseArgs({ options: { 'max-examples': { type: 'string', default: '40' } } });
const SCHEMATHESIS = 'schemathesis==4.32.5';

async function main() {
  const pip = spawnSync(path.join(VENV_BIN, 'pip'), ['install', '--quiet', '--disable-pip-version-check', SCHEMATHESIS], { stdio: 'inherit' });
  if (pip.status !== 0) throw new Error(`could not install ${SCHEMATHESIS} into .venv`);
  const stack = await startLocalStack();
  let status = 1;
  try {
    // No credentials: every staff endpoint must refuse, every buyer endpoint must validate.
    const run = spawnSync(
      path.join(VENV_BIN, 'schemathesis'),
      [
        'run',
        `${stack.api}/api/openapi.json`,
        '--checks',
        'not_a_server_error',
        '--max-examples',
        flags['max-examples']!,
        '--phases',
        'examples,coverage,fuzzing',
        '--no-color',
      ],
      { stdio: 'inherit', timeout: 600_000 },
    );
    const db = createDb(stack.databaseUrl, { max: 1 });
    const [skus, keys, orders] = await Promise.all([db.sku.count(), db.cardKey.count(), db.order.count()]);
    await db.$disconnect();
    console.log(`\nschemathesis exit code ${run.status}; rows after fuzzing: ${skus} SKUs, ${keys} keys, ${orders} orders`);
    status = run.status === 0 && skus + keys + orders === 0 ? 0 : 1;
  } finally {
    await stack.stop();
  }
  process.exit(status);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
