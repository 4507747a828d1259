import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// What support staff filter on in the Web UI. Search attributes are stored unencrypted by Temporal,
// so nothing secret goes here, and the buyer's email only when SEARCH_BUYER_EMAIL allows it.
export const OrderNoKey = defineSearchAttributeKey('OrderNo', SearchAttributeType.KEYWORD);
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const SkuKey = defineSearchAttributeKey('Sku', SearchAttributeType.KEYWORD);
export const PaymentChannelKey = defineSearchAttributeKey('PaymentChannel', SearchAttributeType.KEYWORD);
export const BuyerEmailKey = defineSearchAttributeKey('BuyerEmail', SearchAttributeType.KEYWORD);
export const AmountCentsKey = defineSearchAttributeKey('AmountCents', SearchAttributeType.INT);
export const PaidAtKey = defineSearchAttributeKey('PaidAt', SearchAttributeType.DATETIME);

export const ORDER_SEARCH_ATTRIBUTES = [OrderNoKey, OrderStatusKey, SkuKey, PaymentChannelKey, BuyerEmailKey, AmountCentsKey, PaidAtKey];
