-- The language the buyer ordered in (their emails follow it; null: the API's English), and the
-- optional order password's scrypt hash (never the password).
ALTER TABLE "Order" ADD COLUMN "locale" TEXT;
ALTER TABLE "Order" ADD COLUMN "queryPasswordHash" TEXT;
ALTER TABLE "Order" ADD CONSTRAINT "Order_locale_known" CHECK ("locale" IS NULL OR "locale" IN ('zh-CN', 'en'));
