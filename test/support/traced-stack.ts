import { SimpleSpanProcessor, type InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { installTracing } from '../../src/observability/tracing/install';
import { startStack, type Stack, type StackOptions } from './stack';

/** The whole stack with tracing into `exporter`, keeping this share of new traces; stop() also ends tracing. */
export async function startTracedStack(exporter: InMemorySpanExporter, ratio: number, options: StackOptions = {}): Promise<Stack> {
  const tracing = installTracing({ headers: {}, ratio, parentBased: true }, 'keyflow-test', { processor: new SimpleSpanProcessor(exporter) });
  try {
    const stack = await startStack(options);
    return {
      ...stack,
      async stop() {
        await stack.stop();
        await tracing.shutdown();
      },
    };
  } catch (error) {
    await tracing.shutdown();
    throw error;
  }
}
