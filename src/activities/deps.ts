import type { Db } from '../db/client';
import type { CardKeyCipher } from '../crypto/card-key-cipher';
import type { AccessTokens } from '../crypto/access-token';
import type { Mailer } from '../mail/mailer';
import type { ChannelRegistry } from '../payments/channel';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logging';

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
}
