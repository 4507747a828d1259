import { loadConfig } from '../config';
import { reportFatal } from '../cli';
import { startApiServer } from './server';
import { onShutdown } from '../shutdown';

async function main() {
  const config = loadConfig();
  const api = await startApiServer(config);
  const serves = config.apiRoutes === 'payments' ? 'payment notifications only' : 'every route';
  console.log(`Keyflow API listening on ${api.url}, ${serves} (metrics on ${api.metricsUrl})`);
  onShutdown(() => api.close());
}

main().catch((error) => {
  reportFatal(error);
  process.exit(1);
});
