import { loadConfig } from '../config';
import { reportFatal } from '../cli';
import { startApiServer } from './server';
import { onShutdown } from '../shutdown';

async function main() {
  const config = loadConfig();
  const api = await startApiServer(config);
  console.log(`Keyflow API listening on ${api.url} (metrics on ${api.metricsUrl})`);
  onShutdown(() => api.close());
}

main().catch((error) => {
  reportFatal(error);
  process.exit(1);
});
