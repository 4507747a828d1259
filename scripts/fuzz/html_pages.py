# schemathesis hooks for `npm run fuzz`'s passes over the HTML pages. A redirect is the answer judged
# (a form that worked answers 303), not followed: following it would judge the page behind it, and
# without the pass's cookies, which requests drops on a redirect. In the console pass every form
# carries the signed-in session's CSRF token (KEYFLOW_FUZZ_CSRF), so the fuzzer reaches what the
# forms do rather than the CSRF refusal in front of them. The check `refusal_says_why` asks of every
# page that refuses (a 4xx other than not-found) that it tells the person why, in an alert.
import os

import schemathesis

CSRF = os.environ.get("KEYFLOW_FUZZ_CSRF")


@schemathesis.hook
def before_call(context, case, kwargs):
    kwargs["allow_redirects"] = False
    if CSRF and case.method.upper() == "POST" and case.path.startswith("/admin/") and isinstance(case.body, dict):
        case.body = {**case.body, "_csrf": CSRF}


@schemathesis.check
def refusal_says_why(ctx, response, case):
    """A refused form or page (4xx, HTML) shows the reason in a role="alert" notice; a 404 page says what was not found."""
    if not 400 <= response.status_code < 500 or "text/html" not in response.headers.get("content-type", [""])[0]:
        return None
    text = response.text
    if response.status_code == 404:
        if "<h1>" not in text:
            raise AssertionError("a 404 page without a heading saying what was not found")
    elif 'role="alert"' not in text:
        raise AssertionError(f"a {response.status_code} page that does not say why (no role=\"alert\" notice)")
    return None
