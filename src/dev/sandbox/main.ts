import http from 'node:http';
import { loadConfig } from '../../config';
import { reportFatal } from '../../cli';
import { onShutdown } from '../../shutdown';
import { createGateway } from './gateway';
import { startSmtpSink } from './smtp-sink';

/**
 * The local Epay gateways `npm start` runs: one per sandbox instance of the configuration (`epay`
 * on SANDBOX_PORT, `epay-backup` on the port after it), each with its own merchant credentials and
 * fault switches; the SMTP sink, with the mailbox, lives with the first.
 */
async function main() {
  const config = loadConfig();
  const sandboxes = config.epayInstances.filter((e) => e.sandboxPort !== undefined);
  if (sandboxes.length === 0) throw new Error('no Epay instance is a local sandbox (local mode makes `epay` one unless EPAY_API_URL points elsewhere)');
  const smtpPort = Number(new URL(config.smtpUrl).port || 25);
  const sink = await startSmtpSink(smtpPort);
  const timeFactor = Number(process.env.SANDBOX_TIME_FACTOR ?? '1');
  const servers = await Promise.all(
    sandboxes.map(async (instance, i) => {
      const { app, notifier } = createGateway({
        merchant: { pid: instance.pid, key: instance.key },
        mailbox: i === 0 ? sink : undefined,
        timeFactor,
        name: instance.name,
      });
      const server = http.createServer(app);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(instance.sandboxPort, '127.0.0.1', resolve);
      });
      return { server, notifier, instance };
    }),
  );
  console.log(
    `Sandbox gateway on ${servers.map(({ instance }) => `http://127.0.0.1:${instance.sandboxPort} (${instance.name})`).join(', ')} · SMTP sink on 127.0.0.1:${sink.port}`,
  );
  onShutdown(async () => {
    for (const { notifier, server } of servers) {
      notifier.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await sink.close();
  });
}

main().catch((error) => {
  reportFatal(error);
  process.exit(1);
});
