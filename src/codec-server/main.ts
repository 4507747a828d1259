import http from 'node:http';
import { loadConfig } from '../config';
import { reportFatal } from '../cli';
import { onShutdown } from '../shutdown';
import { EncryptionCodec } from '../temporal/encryption-codec';
import { createCodecServer } from './app';

async function main() {
  const config = loadConfig();
  const ui = config.temporal.uiPort;
  const app = createCodecServer({
    codec: new EncryptionCodec(config.payloadEncryptionKeys),
    allowedOrigins: [`http://127.0.0.1:${ui}`, `http://localhost:${ui}`, ...config.codecAllowedOrigins],
    token: config.codecToken,
  });
  // Local mode serves loopback only: decrypted history never leaves this machine.
  const host = config.mode === 'production' ? '0.0.0.0' : '127.0.0.1';
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.codecPort, host, resolve);
  });
  console.log(`Codec server on http://${host}:${config.codecPort}${config.codecToken ? ' (bearer token required)' : ''}`);
  onShutdown(() => new Promise((resolve) => server.close(() => resolve())));
}

main().catch((error) => {
  reportFatal(error);
  process.exit(1);
});
