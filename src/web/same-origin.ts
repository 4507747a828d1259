import type { Request } from 'express';

/**
 * Whether a browser sent this form from another site (a forged checkout would send the buyer to pay
 * for an order someone else chose, with their email for the keys). Browsers say where a request came
 * from: `Sec-Fetch-Site`, and `Origin` on every POST. A request with neither (a script, an older
 * browser) is no forgery a browser can be tricked into, and passes. `shopOrigin`: PUBLIC_BASE_URL's.
 */
export function crossSiteForm(req: Request, shopOrigin: string): boolean {
  const fetchSite = req.get('sec-fetch-site');
  if (fetchSite) return fetchSite !== 'same-origin' && fetchSite !== 'none';
  const origin = req.get('origin');
  if (!origin) return false;
  if (origin === 'null') return true;
  return origin !== shopOrigin && origin !== `${req.protocol}://${req.get('host')}`;
}
