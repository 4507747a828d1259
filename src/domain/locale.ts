/** The languages the shop speaks to buyers (pages and emails). */
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
