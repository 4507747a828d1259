import { ChannelRequestError } from './channel';

export interface ChannelResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** One outbound call to a channel: network failures and 5xx/429 are retryable, other answers are returned. */
export async function channelFetch(channel: string, url: string, init: RequestInit, fetchImpl: typeof fetch = fetch): Promise<ChannelResponse> {
  let response: Response;
  try {
    response = await fetchImpl(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new ChannelRequestError(`${channel} request failed: ${(error as Error).message}`, true);
  }
  const text = await response.text();
  if (response.status >= 500 || response.status === 429) {
    throw new ChannelRequestError(`${channel} answered HTTP ${response.status}`, true);
  }
  return { status: response.status, headers: response.headers, text };
}

export function parseJson(channel: string, text: string): Record<string, any> {
  try {
    const value = JSON.parse(text);
    if (value && typeof value === 'object') return value;
  } catch {
    // fall through
  }
  throw new ChannelRequestError(`${channel} answered malformed JSON`, true);
}
