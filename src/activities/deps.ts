import type { Db } from '../db/client';
import type { CardKeyCipher } from '../crypto/card-key-cipher';
import type { AccessTokens } from '../crypto/access-token';
import type { Mailer } from '../mail/mailer';
import type { ChannelRegistry } from '../payments/channel';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logging';
import type { PaymentHandOff } from '../domain/payment-report';

/** Everything activities touch outside their own process; tests pass real local peers. */
export interface ActivityDeps {
  db: Db;
  cipher: CardKeyCipher;
  accessTokens: AccessTokens;
  mailer: Mailer;
  channels: ChannelRegistry;
  publicBaseUrl: string;
  clock: () => Date;
  /** For reconciliation, which starts and signals order workflows. */
  temporal: Client;
  config: Config;
  logger: Logger;
  /** What reconciliation asks of the order layer above; the worker wires it (activities never import orders/). */
  orders: OrderRuns;
}

export interface OrderRuns {
  handOff: PaymentHandOff;
  /** Starts a run that takes over an order whose workflow is gone; returns that run's workflow id. */
  recover(orderNo: string): Promise<string>;
}
