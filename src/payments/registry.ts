import type { Config } from '../config';
import type { ChannelRegistry, PaymentChannel } from './channel';
import { EpayChannel } from './epay';

/** The channels this configuration enables, by the name used in routes and orders. */
export function createChannelRegistry(config: Config): ChannelRegistry {
  const channels = new Map<string, PaymentChannel>();
  if (config.epay) channels.set('epay', new EpayChannel(config.epay));
  return channels;
}
