import express from 'express';
import { z } from 'zod';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { constantTimeEqual } from '../crypto/access-token';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Browser origins allowed to call (the Temporal Web UI). */
  allowedOrigins: string[];
  /** When set, every call must carry `Authorization: Bearer <token>`. */
  token?: string;
}

const payloadsBody = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })).max(1000),
});

const fromJson = (p: { metadata?: Record<string, string>; data?: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/**
 * Temporal's codec server contract: POST /encode and /decode with `{ payloads: [...] }` (base64
 * fields), so the Web UI and the CLI can show decrypted history to the people allowed to read it.
 */
export function createCodecServer({ codec, allowedOrigins, token }: CodecServerOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const origin = req.get('origin');
    if (origin && allowedOrigins.includes(origin)) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Headers': 'Content-Type, X-Namespace, Authorization',
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        Vary: 'Origin',
      });
    }
    if (req.method === 'OPTIONS') return res.sendStatus(204);
    next();
  });
  app.use(express.json({ limit: '4mb' }));

  const handle = (direction: 'encode' | 'decode') => async (req: express.Request, res: express.Response) => {
    if (token) {
      const given = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
      if (!given || !constantTimeEqual(token, given)) return res.status(401).json({ error: 'unauthorized', message: 'a valid bearer token is required' });
    }
    const body = payloadsBody.safeParse(req.body);
    if (!body.success) return res.status(400).json({ error: 'invalid_request', message: 'expected { payloads: [{ metadata, data }] } with base64 values' });
    try {
      const payloads = await codec[direction](body.data.payloads.map(fromJson));
      res.json({ payloads: payloads.map(toJson) });
    } catch (error) {
      res.status(400).json({ error: 'codec_failed', message: (error as Error).message });
    }
  };
  app.post('/encode', handle('encode'));
  app.post('/decode', handle('decode'));
  app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));
  return app;
}
