import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const DATA_DIR = path.join(PROJECT_ROOT, '.data');
export const VENV_BIN = path.join(PROJECT_ROOT, '.venv', 'bin');
export const TEMPORAL_CLI = path.join(VENV_BIN, 'temporal');
export const TEMPORAL_TEST_SERVER = path.join(VENV_BIN, 'temporal-test-server');
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'prisma', 'migrations');
