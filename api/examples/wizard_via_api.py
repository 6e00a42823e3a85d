"""What the setup wizard does, with the REST API only: connect, create the flows, try them,
switch them on, go live, run one and read its records.

    python api/examples/wizard_via_api.py --url http://127.0.0.1:8000 --token apc_...

(make a token in the dashboard under Settings → API tokens, or with
`python manage.py create_api_token you@example.com`). Without --asperion/--feeddex ids the
script connects both applications to the server's own sandboxes, like the wizard's
"use the sandbox" button.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import httpx

FINISHED = {"succeeded", "succeeded_with_failures", "failed", "cancelled"}
FLOWS_TO_ENABLE = ("products", "stock", "customers", "orders")


class Api:
    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=f"{base_url.rstrip('/')}/api/v1",
            headers={"Authorization": f"Token {token}"},
            timeout=60,
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.status_code == 429:  # throttled: wait as told, then once more
            time.sleep(float(response.headers.get("Retry-After", "1")))
            response = self.http.request(method, path, **kwargs)
        if response.is_error:
            error = response.json()["error"]
            raise SystemExit(f"{method} {path}: {error['message']} {error['fields'] or ''}")
        return response.json() if response.content else None

    def wait_for_run(self, run_id: int, *, timeout: float = 300) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            run: dict[str, Any] = self.call("GET", f"/runs/{run_id}/")
            if run["status"] in FINISHED or time.monotonic() > deadline:
                return run
            time.sleep(0.5)


def connect(api: Api, asperion: int | None, feeddex: int | None) -> tuple[int, int]:
    if asperion is None or feeddex is None:
        made = api.call("POST", "/connections/sandbox/")
        asperion, feeddex = made["asperion"]["id"], made["feeddex"]["id"]
    for connection_id in (asperion, feeddex):
        verified = api.call("POST", f"/connections/{connection_id}/verify/")
        if not verified["ok"]:
            raise SystemExit(f"connection {connection_id}: {verified['connection']['last_error']}")
    return asperion, feeddex


def main(
    base_url: str,
    token: str,
    *,
    asperion: int | None = None,
    feeddex: int | None = None,
    out: Callable[[str], None] = print,
) -> dict[str, Any]:
    api = Api(base_url, token)
    asperion, feeddex = connect(api, asperion, feeddex)
    out(f"connections {asperion} (Asperion) and {feeddex} (Feeddex) work")
    integration = next(
        (
            i
            for i in api.call("GET", "/integrations/")
            if (i["asperion"], i["feeddex"]) == (asperion, feeddex)
        ),
        None,
    ) or api.call("POST", "/flows/", json={"asperion": asperion, "feeddex": feeddex})
    flows = {flow["kind"]: flow for flow in integration["flows"]}
    products = flows["products"]["id"]
    api.call("PUT", f"/flows/{products}/settings/", json={"update_existing": True})
    dry = api.wait_for_run(api.call("POST", f"/flows/{products}/dry-run/")["id"])
    out(f"dry run of products: {dry['status']}, {dry['read']} read")
    for kind in FLOWS_TO_ENABLE:
        api.call("POST", f"/flows/{flows[kind]['id']}/enable/")
    api.call("POST", f"/integrations/{integration['id']}/go-live/")
    run = api.wait_for_run(api.call("POST", f"/flows/{products}/run/")["id"])
    out(
        f"products run {run['id']}: {run['status']}, created {run['created']}, "
        f"updated {run['updated']}, skipped {run['skipped']}, failed {run['failed']}"
    )
    page = api.call("GET", "/records/", params={"run": run["id"], "size": 5})
    for record in page["results"]:
        out(f"  {record['key']}: {record['action']} {record['reason']}")
    return {
        "integration": integration["id"],
        "dry_run": dry,
        "run": run,
        "records": page["results"],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True)
    parser.add_argument("--asperion", type=int, help="id of an Asperion connection")
    parser.add_argument("--feeddex", type=int, help="id of a Feeddex connection")
    args = parser.parse_args()
    main(args.url, args.token, asperion=args.asperion, feeddex=args.feeddex)
