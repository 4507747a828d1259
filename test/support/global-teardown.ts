import { rmSync } from 'node:fs';
import { dropDatabase } from '../../src/db/database';
import type { DevServer } from '../../src/dev/launcher/temporal-dev-server';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__keyflowTest as { server: DevServer; databaseUrl: string } | undefined;
  if (!state) return;
  await state.server.stop();
  await dropDatabase(state.databaseUrl);
  if (process.env.KEYFLOW_TEST_TMP) rmSync(process.env.KEYFLOW_TEST_TMP, { recursive: true, force: true });
}
