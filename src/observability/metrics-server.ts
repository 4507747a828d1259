import http from 'node:http';
import { registry } from './metrics';

/** A process's own /metrics (the worker's on WORKER_METRICS_PORT, the API's on API_METRICS_PORT). */
export async function startMetricsServer(port: number, host = '0.0.0.0'): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': registry.contentType }).end(await registry.metrics());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}
