import type { Config } from '../config';
import { aroundChannelCalls, type ChannelRegistry, type PaymentChannel } from './channel';
import { ATTR, inSpan } from '../observability/tracing/spans';
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
  return new Map([...channels].map(([name, channel]) => [name, traced(channel)]));
}

/** Every network call to a channel as a span of its own: the hop an on-call engineer most often looks for. */
function traced(channel: PaymentChannel): PaymentChannel {
  return aroundChannelCalls(channel, (call, run) => inSpan(`keyflow.channel.${call}`, { [ATTR.channel]: channel.name }, run));
}
