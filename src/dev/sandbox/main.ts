import http from 'node:http';
import { loadConfig } from '../../config';
import { reportFatal } from '../../cli';
import { onShutdown } from '../../shutdown';
import { createGateway } from './gateway';
import { startSmtpSink } from './smtp-sink';

async function main() {
  const config = loadConfig();
  if (!config.epay) throw new Error('the sandbox needs EPAY_PID and EPAY_KEY (local mode generates them)');
  const smtpPort = Number(new URL(config.smtpUrl).port || 25);
  const sink = await startSmtpSink(smtpPort);
  const timeFactor = Number(process.env.SANDBOX_TIME_FACTOR ?? '1');
  const { app, notifier } = createGateway({ merchant: { pid: config.epay.pid, key: config.epay.key }, mailbox: sink, timeFactor });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.sandboxPort, '127.0.0.1', resolve);
  });
  console.log(`Sandbox gateway on http://127.0.0.1:${config.sandboxPort} · SMTP sink on 127.0.0.1:${sink.port}`);
  onShutdown(async () => {
    notifier.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sink.close();
  });
}

main().catch((error) => {
  reportFatal(error);
  process.exit(1);
});
