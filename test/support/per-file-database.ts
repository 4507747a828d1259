import { randomBytes } from 'node:crypto';
import { databaseFromTemplate } from './database';

// Every test file that may touch Postgres gets a database of its own, copied from the run's migrated
// template: DATABASE_URL is set when the file loads, so module-level reads see it too.
const testPath = expect.getState().testPath ?? '';
const needsDatabase = !/[/\\]test[/\\](unit|saga)[/\\]/.test(testPath);

if (needsDatabase) {
  const template = new URL(process.env.KEYFLOW_TEST_TEMPLATE_DB!);
  const name = `${template.pathname.slice(1)}_${randomBytes(4).toString('hex')}`;
  template.pathname = `/${name}`;
  process.env.DATABASE_URL = template.toString();
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ drop } = await databaseFromTemplate(name));
  });
  afterAll(async () => {
    await drop?.();
  });
}
