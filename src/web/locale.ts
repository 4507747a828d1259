import type { Request, Response } from 'express';
import { readCookie } from '../api/cookies';

import type { Locale } from '../domain/locale';

export type { Locale };

const LANG_COOKIE = 'kf_lang';

function asLocale(value: string | undefined): Locale | undefined {
  if (!value) return undefined;
  const lower = value.trim().toLowerCase();
  if (lower === 'en' || lower.startsWith('en-')) return 'en';
  if (lower === 'zh' || lower.startsWith('zh-') || lower === 'zh_cn') return 'zh-CN';
  return undefined;
}

/** The first language in Accept-Language (by q) that the shop speaks. */
function fromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag, q: q ? Number(q.slice(2)) || 0 : 1, index };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    const locale = asLocale(tag);
    if (locale) return locale;
  }
  return undefined;
}

/**
 * The page's language: `?lang=`, else the cookie the switch set, else Accept-Language, else zh-CN.
 * A `?lang=` is remembered in the cookie, so the switch holds across pages and form posts.
 */
export function chooseLocale(req: Request, res: Response, secure: boolean): Locale {
  const asked = asLocale(typeof req.query.lang === 'string' ? req.query.lang : undefined);
  if (asked) {
    res.cookie(LANG_COOKIE, asked, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: 365 * 24 * 3_600_000 });
    return asked;
  }
  return asLocale(readCookie(req, LANG_COOKIE)) ?? fromAcceptLanguage(req.get('accept-language')) ?? 'zh-CN';
}
