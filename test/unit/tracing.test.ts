import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { tracingConfig } from '../../src/config/tracing';
import { installTracing } from '../../src/observability/tracing/install';
import { inSpan } from '../../src/observability/tracing/spans';
import { capturedLogger } from '../support/captured-log';

const secretsDir = mkdtempSync(path.join(os.tmpdir(), 'keyflow-tracing-'));

describe('tracing configuration (the standard OTEL_* variables)', () => {
  it('is off without an endpoint, and follows a parent with every new trace kept by default', () => {
    expect(loadConfig({}, { secretsDir }).tracing).toEqual({ tracesUrl: undefined, headers: {}, ratio: 1, parentBased: true, serviceName: undefined });
  });

  it('appends the traces path to the general endpoint and takes the signal endpoint as given', () => {
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, []).tracesUrl).toBe('http://collector:4318/v1/traces');
    expect(
      tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://api.honeycomb.io/v1/traces' }, [])
        .tracesUrl,
    ).toBe('https://api.honeycomb.io/v1/traces');
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }, []).tracesUrl).toBeUndefined();
  });

  it('reads the sampler: one trace in ten, parent-based or not', () => {
    expect(tracingConfig({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }, [])).toMatchObject({
      ratio: 0.1,
      parentBased: true,
    });
    expect(tracingConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }, [])).toMatchObject({ ratio: 0.25, parentBased: false });
    expect(tracingConfig({ OTEL_TRACES_SAMPLER: 'always_off' }, [])).toMatchObject({ ratio: 0, parentBased: false });
  });

  it('stops start-up with what to do, and never repeats a header value (an API key)', () => {
    let error: unknown;
    try {
      loadConfig(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
          OTEL_TRACES_SAMPLER: 'sometimes',
          OTEL_TRACES_SAMPLER_ARG: '10',
          OTEL_EXPORTER_OTLP_HEADERS: 'x-honeycomb-team=hc-secret-value-%ZZ',
        },
        { secretsDir },
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('OTEL_EXPORTER_OTLP_PROTOCOL: Keyflow exports OTLP over HTTP (http/protobuf), not "grpc"');
    expect(problems).toContain('OTEL_TRACES_SAMPLER must be one of');
    expect(problems).toContain('OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL');
    expect(problems).toContain('OTEL_EXPORTER_OTLP_HEADERS: the value of x-honeycomb-team is not valid percent-encoding');
    expect(problems).not.toContain('hc-secret-value');
    const ratioProblems: string[] = [];
    tracingConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '10' }, ratioProblems);
    expect(ratioProblems).toEqual(['OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, such as 0.1 for one trace in ten (got "10")']);
  });
});

describe('OTLP export', () => {
  it('says once, in the log, that the collector cannot be reached, without the header values', async () => {
    const { logger, lines } = capturedLogger('tracing');
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const tracing = installTracing(
      tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=collector-secret-0123' }, []),
      'keyflow-down-test',
      { logger },
    );
    try {
      // Batches go out every second; the second and third fail within the minute and stay quiet.
      for (let i = 0; i < 3; i += 1) {
        await inSpan('keyflow.lost', {}, async () => undefined);
        await new Promise((resolve) => setTimeout(resolve, 1300));
      }
    } finally {
      await tracing.shutdown();
    }
    const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string; tracesUrl: string });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, tracesUrl: `http://127.0.0.1:${port}/v1/traces` });
    expect(warnings[0].msg).toMatch(/^tracing: .*ECONNREFUSED.*check OTEL_EXPORTER_OTLP_ENDPOINT\)$/);
    expect(lines.join('')).not.toContain('collector-secret-0123');
  });

  it('sends spans as OTLP/HTTP protobuf to the collector, with the configured headers', async () => {
    const received: { path?: string; contentType?: string; apiKey?: string; body: Buffer }[] = [];
    const collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ path: req.url, contentType: req.headers['content-type'], apiKey: req.headers['x-api-key'] as string, body: Buffer.concat(chunks) });
        res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    const tracing = installTracing(
      tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=key%3Dvalue' }, []),
      'keyflow-export-test',
    );
    try {
      expect(tracing.enabled).toBe(true);
      await inSpan('keyflow.export-check', { 'keyflow.order_no': 'KF0EXPORT1' }, async () => undefined);
    } finally {
      await tracing.shutdown();
      collector.close();
    }
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ path: '/v1/traces', contentType: 'application/x-protobuf', apiKey: 'key=value' });
    const body = received[0].body.toString('latin1');
    for (const text of ['keyflow.export-check', 'KF0EXPORT1', 'keyflow-export-test']) expect(body).toContain(text);
  });
});
