"""``datalive serve`` and ``datalive keys``: the API and dashboard of an environment, and its API keys."""

from __future__ import annotations

import argparse
import json
import signal
from datetime import timedelta

from da_platform.cli.common import audit, audit_quietly, say


def cmd_serve(args: argparse.Namespace, settings) -> int:
    """Serve the API and the dashboard of this environment with uvicorn, printing a ready dashboard link.

    The link carries a short-lived key of this environment in its fragment (``#key=...``: browsers never
    send a fragment, so it reaches no server or proxy log), the way Jupyter prints its token URL. The key
    is revoked when the server stops, and expires by itself after ``--link-hours`` should the process be
    killed before it can revoke it.
    """
    import uvicorn

    from da_platform.api.app import create_app
    from da_platform.api.keys import KeyStore
    from da_platform.api.logs import configure_logging

    configure_logging()
    app = create_app(settings)
    say(f"datalive API on http://{args.host}:{args.port} · env={settings.isolation_key}")
    store = KeyStore(settings.env_root, settings.isolation_key)
    link_key = None
    if args.link:
        key, link_key = store.create("dashboard-link", ttl=timedelta(hours=args.link_hours))
        audit_quietly(settings, "key.create", f"key {link_key.key_id}", {"name": link_key.name})
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
        host = f"[{host}]" if ":" in host else host
        say(f"dashboard (its key {link_key.key_id} expires {link_key.expires_at} or when this server stops):")
        say(f"    http://{host}:{args.port}/#key={key}")
    # After a graceful shutdown uvicorn re-raises the signal it caught; SIGTERM's default action would end
    # the process there, before the link's key is revoked. So SIGTERM ends it through this handler instead.
    previous = signal.signal(signal.SIGTERM, _stop_serving) if _in_main_thread() else None
    try:
        # uvicorn's access log prints query strings and no request id; the app logs every request itself.
        uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="warning")
    except _ServerStopped:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if link_key is not None:
            store.revoke(link_key.key_id)
            audit_quietly(settings, "key.revoke", f"key {link_key.key_id}", {"name": link_key.name})
            say(f"revoked the dashboard key {link_key.key_id}")
    return 0


class _ServerStopped(Exception):
    """SIGTERM reached `datalive serve` (after uvicorn's graceful shutdown)."""


def _stop_serving(signum: int, frame: object) -> None:
    raise _ServerStopped()


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def positive_hours(text: str) -> float:
    """``--link-hours``: a positive number of hours (a key that is born expired would be a broken link)."""
    try:
        hours = float(text)
    except ValueError:
        hours = 0.0
    if not 0 < hours <= 24 * 30:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours between 0 and 720")
    return hours


def cmd_keys(args: argparse.Namespace, settings) -> int:
    """Create, list or revoke the API keys of this environment; a corrupt key store is one line saying how to
    fix it, as the API's 503 says."""
    from da_platform.api.keys import KeyStoreInvalid

    try:
        return _keys(args, settings)
    except KeyStoreInvalid as exc:
        say(f"datalive keys {args.keys_command}: {exc}")
        return 2


def _keys(args: argparse.Namespace, settings) -> int:
    from da_platform.api.keys import KeyStore

    store = KeyStore(settings.env_root, settings.isolation_key)
    if args.keys_command == "create":
        try:
            key, record = store.create(args.name)
        except ValueError as exc:
            say(f"datalive keys create: {exc}")
            return 2
        say(f"created key {record.key_id} ({record.name}) for {settings.isolation_key}; it is shown only once:")
        print(key, flush=True)  # before the audit write: a failing audit must not lose the only copy of the key
        audit(settings, "key.create", f"key {record.key_id}", "ok", {"name": record.name})
        return 0
    if args.keys_command == "revoke":
        try:
            record = store.revoke(args.key_id)
        except KeyError:
            say(f"datalive keys revoke: no key {args.key_id!r} in {settings.isolation_key}")
            return 2
        audit(settings, "key.revoke", f"key {record.key_id}", "ok", {"name": record.name})
        say(f"revoked {record.key_id} ({record.name}) at {record.revoked_at}")
        return 0
    records = [r.public() for r in store.records()]
    if args.json:
        print(json.dumps(records, indent=2))
    else:
        for r in records:
            if r["revoked_at"]:
                state = f"revoked {r['revoked_at']}"
            elif r["expires_at"]:
                state = f"active until {r['expires_at']}" if r["active"] else f"expired {r['expires_at']}"
            else:
                state = "active"
            print(f"{r['key_id']}  {r['name']:<20} {r['created_at']}  {state}")
    return 0
