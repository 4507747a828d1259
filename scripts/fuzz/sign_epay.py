# schemathesis hook for `npm run fuzz`'s channel pass: every generated Epay notification is signed
# with the instance's real merchant id and key (KEYFLOW_FUZZ_EPAY: {"<instance>": {"pid", "key"}}),
# so the fuzzer reaches what happens after verification: random amounts, statuses, trade and order
# numbers, all correctly signed. The same recipe as src/payments/epay-signature.ts, written apart.
import hashlib
import json
import os

import schemathesis

MERCHANTS = json.loads(os.environ["KEYFLOW_FUZZ_EPAY"])


@schemathesis.hook
def before_call(context, case, kwargs):
    parts = case.path.strip("/").split("/")
    if len(parts) != 4 or parts[:2] != ["api", "payments"] or parts[3] != "notify" or not isinstance(case.body, dict):
        return
    merchant = MERCHANTS.get(parts[2])
    if merchant is None:
        return
    fields = {name: str(value) for name, value in case.body.items()}
    fields["pid"] = merchant["pid"]
    signed = sorted(name for name, value in fields.items() if name not in ("sign", "sign_type") and value != "")
    base = "&".join(f"{name}={fields[name]}" for name in signed)
    fields["sign"] = hashlib.md5((base + merchant["key"]).encode("utf-8")).hexdigest()
    fields["sign_type"] = "MD5"
    case.body = fields
