/** OpenTelemetry's own variables (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/), the subset Keyflow honours. */
export interface TracingConfig {
  /** Where spans are sent, OTLP over HTTP (protobuf); undefined: tracing is off and costs nothing. */
  tracesUrl?: string;
  /** OTEL_EXPORTER_OTLP_HEADERS: a hosted backend's API key travels here, never in a log line. */
  headers: Record<string, string>;
  /** The share of new traces kept, 0 to 1. */
  ratio: number;
  /** Whether a span with a traced parent follows the parent's decision instead of drawing its own. */
  parentBased: boolean;
  /** OTEL_SERVICE_NAME; each process names itself otherwise (keyflow-api, keyflow-worker, …). */
  serviceName?: string;
}

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

/** The standard OTLP variables; problems are added to the start-up list instead of thrown one by one. */
export function tracingConfig(env: Record<string, string>, problems: string[]): TracingConfig {
  const disabled = ['true', '1'].includes((env.OTEL_SDK_DISABLED ?? '').toLowerCase());
  const headers = parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS, problems);
  const sampler = (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').toLowerCase();
  if (!SAMPLERS.includes(sampler)) problems.push(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')} (got "${sampler}")`);
  let ratio = sampler.endsWith('always_off') ? 0 : 1;
  if (sampler.endsWith('traceidratio') && env.OTEL_TRACES_SAMPLER_ARG !== undefined) {
    ratio = Number(env.OTEL_TRACES_SAMPLER_ARG);
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
      problems.push(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, such as 0.1 for one trace in ten (got "${env.OTEL_TRACES_SAMPLER_ARG}")`);
      ratio = 1;
    }
  }
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (protocol !== undefined && protocol !== 'http/protobuf') {
    problems.push(
      `OTEL_EXPORTER_OTLP_PROTOCOL: Keyflow exports OTLP over HTTP (http/protobuf), not "${protocol}"; point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's HTTP receiver (usually port 4318)`,
    );
  }
  return {
    tracesUrl: disabled ? undefined : tracesUrl(env, problems),
    headers,
    ratio,
    parentBased: sampler.startsWith('parentbased_'),
    serviceName: env.OTEL_SERVICE_NAME,
  };
}

/** The signal-specific URL is used as given; the general endpoint gets the traces path appended, as the specification says. */
function tracesUrl(env: Record<string, string>, problems: string[]): string | undefined {
  const [name, value] = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
    ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT]
    : ['OTEL_EXPORTER_OTLP_ENDPOINT', env.OTEL_EXPORTER_OTLP_ENDPOINT];
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name} must be an absolute http(s) URL such as http://127.0.0.1:4318`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push(`${name} must be an http(s) URL (OTLP over HTTP), such as http://127.0.0.1:4318`);
    return undefined;
  }
  if (name === 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') return url.toString();
  return `${value.replace(/\/+$/, '')}/v1/traces`;
}

/** `name=value,name2=value2`, values percent-encoded. Values are never echoed: they are usually API keys. */
function parseHeaders(text: string | undefined, problems: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!text) return headers;
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    if (at <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      problems.push('OTEL_EXPORTER_OTLP_HEADERS must be name=value pairs separated by commas (values percent-encoded)');
      return {};
    }
    try {
      headers[name] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      problems.push(`OTEL_EXPORTER_OTLP_HEADERS: the value of ${name} is not valid percent-encoding`);
      return {};
    }
  }
  return headers;
}
