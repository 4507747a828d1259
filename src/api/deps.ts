import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { CardKeyCipher } from '../crypto/card-key-cipher';
import type { AccessTokens, ReturnCodes } from '../crypto/access-token';
import type { ChannelRegistry } from '../payments/channel';
import type { ChannelRouter } from '../channels/router';
import type { Logger } from '../logging';
import type { PendingSignals } from '../payments/pending-signals';
import type { PaymentHandOff } from '../domain/payment-report';
import type { RejectionLog } from '../payments/rejected-notifications';
import type { SoldOutCache } from '../stock/sold-out-cache';
import type { AdmissionTickets } from '../admission/admission-tickets';

export interface ApiDeps {
  config: Config;
  db: Db;
  temporal: Client;
  channels: ChannelRegistry;
  /** Which instance a new order goes to, from the health every process shares. */
  router: ChannelRouter;
  cipher: CardKeyCipher;
  accessTokens: AccessTokens;
  returnCodes: ReturnCodes;
  logger: Logger;
  clock: () => Date;
  pendingSignals: PendingSignals;
  /** Gives a verified, stored payment to its order. */
  handOff: PaymentHandOff;
  /** Rejected payment notifications, logged a few a minute per channel. */
  rejections: RejectionLog;
  /** SKUs this process just saw sold out, refused without a database round trip. */
  soldOut: SoldOutCache;
  /** Signs and reads busy buyers' places in the admission queue. */
  admissionTickets: AdmissionTickets;
}
