import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';

// The storefront's and console's own stylesheet and script, served by the app (never a CDN) under a
// name that carries their content hash, so browsers may keep them for a year.

interface Asset {
  url: string;
  type: string;
  body: Buffer;
}

function load(file: string, type: string): Asset {
  const body = readFileSync(path.join(__dirname, 'assets', file));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const [name, ext] = file.split('.');
  return { url: `/assets/${name}-${hash}.${ext}`, type, body };
}

export interface Assets {
  css: string;
  js: string;
}

export function assetRoutes(): { router: Router; assets: Assets } {
  const css = load('shop.css', 'text/css; charset=utf-8');
  const js = load('shop.js', 'text/javascript; charset=utf-8');
  const router = Router();
  for (const asset of [css, js]) {
    router.get(asset.url, (_req, res) => {
      res.set('Cache-Control', 'public, max-age=31536000, immutable').type(asset.type).send(asset.body);
    });
  }
  return { router, assets: { css: css.url, js: js.url } };
}
