import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';
import { runTs, startLocalStack, type LocalStack } from '../../scripts/local-stack';

// What production runs: `npm run build`'s compiled JavaScript and prebuilt workflow bundle, started
// by Node itself (no tsx), delivering the demo order against the sandbox.
describe('the production build', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    const build = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts/build.mjs')], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 180_000 });
    expect({ status: build.status, out: build.stdout + build.stderr }).toEqual({ status: 0, out: expect.stringContaining('dist/workflow-bundle.js') });
    stack = await startLocalStack({ KEYFLOW_RUN: 'build' });
  }, 300_000);
  afterAll(() => stack?.stop());

  it('compiles every production entry point and leaves development code out', () => {
    for (const entry of ['worker/main.js', 'api/main.js', 'codec-server/main.js', 'db/migrate-cli.js', 'temporal/setup-cli.js', 'workflow-bundle.js']) {
      expect(existsSync(path.join(PROJECT_ROOT, 'dist', entry))).toBe(true);
    }
    expect(existsSync(path.join(PROJECT_ROOT, 'dist', 'dev'))).toBe(false);
  });

  it('a built worker and API deliver the demo order', async () => {
    expect(stack.output()).toContain('running the build: worker, API and codec server from dist/');
    const demo = runTs('src/dev/launcher/demo.ts', stack.env);
    let text = '';
    demo.stdout!.on('data', (d) => (text += d));
    demo.stderr!.on('data', (d) => (text += d));
    const code = await new Promise((resolve) => demo.once('exit', resolve));
    expect({ code, text }).toEqual({ code: 0, text: expect.stringContaining('DELIVERED in') });
    expect(text).toMatch(/key: STEAM-[0-9A-F]{12}/);
    expect(text).toContain('email arrived');
  }, 120_000);
});
