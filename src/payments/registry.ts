import type { Config } from '../config';
import type { ChannelRegistry, PaymentChannel } from './channel';
import { EpayChannel } from './epay';
import { AlipayChannel } from './alipay';
import { StripeChannel } from './stripe';
import { WechatPayChannel } from './wechatpay';

/** The channel instances this configuration enables, by the name used in routes, orders and health. */
export function createChannelRegistry(config: Config): ChannelRegistry {
  const channels = new Map<string, PaymentChannel>();
  for (const epay of config.epayInstances) channels.set(epay.name, new EpayChannel(epay));
  if (config.alipay) channels.set('alipay', new AlipayChannel(config.alipay));
  if (config.stripe) channels.set('stripe', new StripeChannel(config.stripe));
  if (config.wechatpay) channels.set('wechatpay', new WechatPayChannel(config.wechatpay));
  return channels;
}
