import http from 'node:http';
import { loadConfig } from '../../config';
import { reportFatal } from '../../cli';
import { onShutdown } from '../../shutdown';
import { createDb } from '../../db/client';
import { CardKeyCipher } from '../../crypto/card-key-cipher';
import { createSmtpMailer } from '../../mail/mailer';
import { EpayChannel } from '../../payments/epay';
import { createSyncPipeline } from './sync-pipeline';

/** The synchronous baseline as its own process, for `npm run bench` only. */
async function main() {
  const config = loadConfig();
  const epayConfig = config.epayInstances.find((e) => e.name === 'epay');
  if (!epayConfig) throw new Error('the baseline needs the Epay sandbox settings');
  const port = Number(process.env.BASELINE_PORT ?? 3200);
  const db = createDb(config.databaseUrl, { max: 20 });
  const mailer = createSmtpMailer(config.smtpUrl, config.mailFrom);
  const app = createSyncPipeline({
    db,
    cipher: new CardKeyCipher(config.cardKeyEncryptionKey),
    mailer,
    epay: new EpayChannel(epayConfig),
    publicBaseUrl: `http://127.0.0.1:${port}`,
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  console.log(`sync baseline on http://127.0.0.1:${port}`);
  onShutdown(async () => {
    server.close();
    mailer.close();
    await db.$disconnect();
  });
}

main().catch((error) => {
  reportFatal(error);
  process.exit(1);
});
