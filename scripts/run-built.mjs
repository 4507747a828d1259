#!/usr/bin/env node
// `npm run worker` / `npm run api` / `npm run codec-server`: run the production build (dist/), as
// production does, or say how to make one.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', process.argv[2] ?? '');
if (!process.argv[2] || !existsSync(entry)) {
  console.error(
    `✖ there is no build at ${path.relative(root, entry) || 'dist/'}: run \`npm run build\` first (or \`npm start\` for the whole local stack from the sources).`,
  );
  process.exit(1);
}
await import(pathToFileURL(entry).href);
