import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpReceiver {
  /** The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** Export requests and their bytes so far. */
  totals(): { exports: number; bytes: number };
  close(): Promise<void>;
}

/**
 * A stand-in collector for the tracing-cost scenario: takes OTLP/HTTP exports and counts them, so the
 * processes pay the full price of exporting (serialising, sending) without a collector to install.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  let exports = 0;
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      if (req.url === '/v1/traces') exports += 1;
      res.writeHead(req.url === '/v1/traces' ? 200 : 404, { 'Content-Type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    totals: () => ({ exports, bytes }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
