import express, { Router } from 'express';
import type { ApiDeps } from '../deps';
import { receiveNotification } from '../../payments/inbox';
import { metrics } from '../../observability/metrics';
import { ATTR, currentSpan, markFailed } from '../../observability/tracing/spans';

/** `/api/payments/<channel>/notify`: raw bytes in, the channel's own acknowledgement out. */
export function paymentRoutes(deps: ApiDeps): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: '64kb' });
  router.all('/api/payments/:channel/notify', raw, async (req, res) => {
    const channel = deps.channels.get(String(req.params.channel));
    if (!channel || (req.method !== 'GET' && req.method !== 'POST')) {
      res.status(404).type('text/plain').send('unknown payment channel');
      return;
    }
    const query: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.query)) {
      if (typeof value === 'string') query[name] = value;
    }
    const stop = metrics.callbackAckSeconds.startTimer({ channel: channel.name });
    const { reply, outcome } = await receiveNotification(deps, channel, {
      method: req.method,
      query,
      headers: req.headers as Record<string, string | undefined>,
      rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    });
    res.status(reply.status).type(reply.contentType).send(reply.body);
    stop({ outcome });
    const span = currentSpan();
    span?.setAttributes({ [ATTR.channel]: channel.name, [ATTR.outcome]: outcome });
    if (outcome === 'rejected' || outcome === 'not-stored') markFailed(span, `payment notification ${outcome}`);
    metrics.callbacks.inc({ channel: channel.name, verdict: outcome === 'rejected' ? 'rejected' : outcome === 'not-stored' ? 'not-stored' : 'verified' });
  });
  return router;
}
