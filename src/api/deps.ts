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
import type { StockRefusals } from '../stock/stock-refusals';
import type { AdmissionGate } from '../admission/admission';
import type { PerKeyQueue } from '../orders/per-key-queue';
import type { DegradeLevelCache } from '../degrade/degrade-switch';
import type { ReadSide } from './read-side';

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
  /** A small pool of its own for payment notifications, so order traffic never makes a channel wait. */
  callbackDb: Db;
  /** Gives a verified, stored payment to its order. */
  handOff: PaymentHandOff;
  /** Rejected payment notifications, logged a few a minute per channel. */
  rejections: RejectionLog;
  /** SKUs this process just saw sold out or held, refused again without a database round trip. */
  stockRefusals: StockRefusals;
  /** Admission of new orders, with busy buyers' signed places in the queue. */
  admission: AdmissionGate;
  /** Orders for one SKU take its stock lock one at a time in this process. */
  skuQueue: PerKeyQueue;
  /** The degrade level new orders run at, read at most once a second. */
  degrade: DegradeLevelCache;
  /** Reads that may come from a cache or a replica: buyers' order views, the catalogue, staff lists. */
  reads: ReadSide;
}
