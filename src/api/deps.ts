import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { CardKeyCipher } from '../crypto/card-key-cipher';
import type { AccessTokens } from '../crypto/access-token';
import type { ChannelRegistry } from '../payments/channel';
import type { Logger } from '../logging';
import type { PendingSignals } from '../payments/pending-signals';
import type { PaymentHandOff } from '../domain/payment-report';

export interface ApiDeps {
  config: Config;
  db: Db;
  temporal: Client;
  channels: ChannelRegistry;
  cipher: CardKeyCipher;
  accessTokens: AccessTokens;
  logger: Logger;
  clock: () => Date;
  pendingSignals: PendingSignals;
  /** Gives a verified, stored payment to its order. */
  handOff: PaymentHandOff;
}
