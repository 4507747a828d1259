import type { Db } from '../db/client';
import type { CardKeyCipher } from '../crypto/card-key-cipher';
import type { AccessTokens } from '../crypto/access-token';
import type { Mailer } from '../mail/mailer';
import type { ChannelRegistry } from '../payments/channel';

/** Everything activities touch outside their own process; tests pass real local peers. */
export interface ActivityDeps {
  db: Db;
  cipher: CardKeyCipher;
  accessTokens: AccessTokens;
  mailer: Mailer;
  channels: ChannelRegistry;
  publicBaseUrl: string;
  clock: () => Date;
}
