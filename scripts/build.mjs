#!/usr/bin/env node
// `npm run build`: compiled JavaScript under dist/ and the workflow bundle the worker loads in
// production (bundled once here, never at worker start). Plain Node: it runs before anything is built.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('✖ build: the TypeScript compiler failed (see above)');
  process.exit(1);
}

// The storefront's stylesheet and script are files the app serves itself, beside the code that serves them.
cpSync(path.join(root, 'src', 'web', 'assets'), path.join(dist, 'web', 'assets'), { recursive: true });

const { bundleWorkflowCode } = require('@temporalio/worker');
const { code } = await bundleWorkflowCode({
  workflowsPath: path.join(dist, 'workflows', 'index.js'),
  workflowInterceptorModules: require(path.join(dist, 'worker', 'workflow-source.js')).workflowInterceptorModules(),
  logger: { trace() {}, debug() {}, info() {}, warn: (m) => console.warn(m), error: (m) => console.error(m), log() {} },
});
writeFileSync(path.join(dist, 'workflow-bundle.js'), code);
console.log(`built dist/ and dist/workflow-bundle.js (${Math.round(code.length / 1024)} KiB)`);
