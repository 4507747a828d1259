import type { Request, Response } from 'express';
import { escapeHtml } from '../html';
import type { Assets } from './assets';
import { chooseLocale, type Locale } from './locale';
import { messages, type Messages } from './messages';

/** What every page needs to speak to this request: its language, its words, the shop's name and assets. */
export interface PageContext {
  locale: Locale;
  t: Messages;
  shopName: string;
  assets: Assets;
  /** The request's path and query, for the language switch to come back to. */
  here: string;
}

export function pageContext(req: Request, res: Response, site: { shopName: string; assets: Assets; secureCookies: boolean }): PageContext {
  const locale = chooseLocale(req, res, site.secureCookies);
  return { locale, t: messages(locale), shopName: site.shopName, assets: site.assets, here: req.originalUrl };
}

/** The same URL in the other language. */
function switchUrl(here: string, lang: string): string {
  const url = new URL(here, 'http://x');
  url.searchParams.set('lang', lang);
  return `${url.pathname}${url.search}`;
}

export interface PageOptions {
  title: string;
  main: string;
  /** Without JavaScript, reload every this many seconds (an order on its way). */
  refreshSeconds?: number;
  /** The header's links (the staff console has its own); the storefront's by default. The language switch always follows. */
  nav?: { label: string; home: string; links: string };
}

/** Every storefront page: one stylesheet, one deferred script, the language switch, and nothing from elsewhere. */
export function renderPage(ctx: PageContext, { title, main, refreshSeconds, nav }: PageOptions): string {
  const { t } = ctx;
  const { label, home, links } = nav ?? {
    label: ctx.shopName,
    home: '/',
    links: `<a href="/">${escapeHtml(t.nav.catalogue)}</a><a href="/lookup">${escapeHtml(t.nav.lookup)}</a>`,
  };
  return `<!doctype html>
<html lang="${t.htmlLang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${escapeHtml(ctx.shopName)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ctx.assets.css}">
<script src="${ctx.assets.js}" defer></script>
${refreshSeconds ? `<noscript><meta http-equiv="refresh" content="${refreshSeconds}"></noscript>` : ''}
</head><body>
<a class="skip" href="#main">${escapeHtml(t.nav.skip)}</a>
<header class="site"><a class="brand" href="${home}">${escapeHtml(label)}</a>
<nav aria-label="${escapeHtml(label)}">${links}
<a href="${escapeHtml(switchUrl(ctx.here, t.otherLanguage.lang))}" lang="${t.otherLanguage.lang}" hreflang="${t.otherLanguage.lang}">${escapeHtml(t.otherLanguage.label)}</a></nav></header>
<main id="main">
${main}
</main>
</body></html>`;
}

/** Pages carry no third-party anything: the policy says so to the browser too. */
export function setPageHeaders(res: Response): void {
  res.set('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'; object-src 'none'");
  res.set('X-Content-Type-Options', 'nosniff');
}
