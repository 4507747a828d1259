import { loadConfig } from '../config';
import { reportFatal } from '../cli';
import { startApiServer } from './server';
import { onShutdown } from '../shutdown';
import { describeTracing, installTracing } from '../observability/tracing/install';
import { createLogger } from '../logging';

async function main() {
  const config = loadConfig();
  const tracing = installTracing(config.tracing, config.apiRoutes === 'payments' ? 'keyflow-callbacks' : 'keyflow-api', {
    logger: createLogger('tracing', config.logLevel),
  });
  const api = await startApiServer(config);
  const serves = config.apiRoutes === 'payments' ? 'payment notifications only' : 'every route';
  console.log(`Keyflow API listening on ${api.url}, ${serves} (metrics on ${api.metricsUrl})`);
  if (tracing.enabled) console.log(describeTracing(config.tracing));
  onShutdown(async () => {
    await api.close();
    await tracing.shutdown();
  });
}

main().catch((error) => {
  reportFatal(error);
  process.exit(1);
});
