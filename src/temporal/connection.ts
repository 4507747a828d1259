import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import type { Config } from '../config';
import { DependencyError } from '../db/errors';
import { dataConverterFor } from './encryption-codec';
import { activeTracing } from '../observability/tracing/install';

export const TEMPORAL_HINT =
  'Run `npm start` (it starts a Temporal dev server), start one with `.venv/bin/temporal server start-dev`, or set TEMPORAL_ADDRESS to a running cluster.';

/** Address, TLS, API key and metadata, as client and worker connections both take them. */
export function temporalConnectionOptions({ temporal }: Config) {
  return { address: temporal.address, tls: temporal.tls, apiKey: temporal.apiKey, metadata: temporal.metadata };
}

export async function openTemporalConnection(config: Config): Promise<Connection> {
  try {
    return await Connection.connect({ ...temporalConnectionOptions(config), connectTimeout: '5s' });
  } catch (error) {
    throw new DependencyError('Temporal', config.temporal.address, TEMPORAL_HINT, error);
  }
}

export async function connectTemporal(config: Config): Promise<Client> {
  return temporalClient(config, await openTemporalConnection(config));
}

/**
 * Every client Keyflow makes encrypts payloads with the configured keys, and when the process traces,
 * passes the caller's trace context to the workflows it starts and signals.
 */
export function temporalClient(config: Config, connection: Connection): Client {
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverterFor(config.payloadEncryptionKeys),
    interceptors: activeTracing().enabled ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined,
  });
}
