"""The lake on an object store: S3 (buckets per environment and zone, SSE-KMS) or Azure (an ADLS Gen2 account
per environment, a container per zone), through delta-rs for tables and obstore for immutable files.

Both libraries sit on the same Rust ``object_store`` crate and take credentials from its standard chain:
``AWS_*`` / ``AZURE_STORAGE_*`` environment variables (or an instance role / managed identity). This
module never reads a credential, so none can reach a log or an error message.

The location is a URL template with a ``{zone}`` placeholder, one store per zone of the plan:
``s3://dqalq-lake-prod-eu-north-1-{zone}`` or ``abfss://{zone}@dqalqlakeprod.dfs.core.windows.net``.
Table names keep the lake's layout (``silver/well_day_production``): the first part picks the zone's
store (``forecast/`` and ``rag/`` are gold products), the rest is the key. A branch deployment writes
under ``pr-<N>/`` in qa's stores.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import obstore
from deltalake import DeltaTable
from obstore.store import from_url

from da_platform.env import ENVIRONMENTS
from da_platform.lakehouse.delta_lake import Lake, OutsideEnvironmentError

# First part of a table name → the plan's zone (and so the bucket or container) it lives in.
ZONE_OF: dict[str, str] = {"raw": "raw", "bronze": "bronze", "silver": "silver", "forecast": "gold", "rag": "gold"}
ZONES = ("raw", "bronze", "silver", "gold")
_OWN_PREFIX = {"raw", "bronze", "silver"}  # stores named after their zone drop the redundant first part
_S3 = re.compile(r"s3://(?P<bucket>[a-z0-9.{}-]+)(?P<prefix>/[^?#]*)?")
_AZURE = re.compile(
    r"abfss://(?P<container>[a-z0-9{}-]+)@(?P<account>[a-z0-9]+)\.dfs\.core\.windows\.net(?P<prefix>/[^?#]*)?"
)


class LakeLocationError(ValueError):
    """The lake URL template cannot describe this environment's stores."""


def named_environments(name: str) -> set[str]:
    """The environments a bucket, container or account name names: ``dqalq-lake-qa-…`` → {qa}.

    A name with separators names an environment by a whole part; a name without (an Azure storage
    account) by its ending, so ``dqalqlakeprod`` is prod's.
    """
    parts = re.split(r"[-.]", name)
    if len(parts) > 1:
        return {part for part in parts if part in ENVIRONMENTS}
    return {env for env in ENVIRONMENTS if name.endswith(env)}


def _zone_roots(template: str, env_key: str) -> dict[str, str]:
    """The root URL of each zone's store, after checking every store is the environment's own."""
    if template.count("{zone}") != 1:
        raise LakeLocationError("the lake URL must contain {zone} exactly once (a store per zone)")
    env = env_key.split("/")[0]
    roots: dict[str, str] = {}
    for zone in ZONES:
        url = template.replace("{zone}", zone).rstrip("/")
        if match := _S3.fullmatch(url):
            names = [match["bucket"]]
        elif match := _AZURE.fullmatch(url):
            names = [match["account"], match["container"]]
        else:
            raise LakeLocationError(
                "the lake URL must look like s3://<bucket-{zone}>[/prefix] or "
                "abfss://<container-{zone}>@<account>.dfs.core.windows.net[/prefix]"
            )
        named = set().union(*(named_environments(n) for n in names))
        if named != {env}:
            raise OutsideEnvironmentError(
                f"the {zone} store {'/'.join(names)} is not the {env!r} environment's own "
                f"(its name points to {', '.join(sorted(named)) or 'no environment'})"
            )
        if "/pr-" in (match["prefix"] or ""):
            raise OutsideEnvironmentError(
                "the lake URL must not name a pull request's prefix: pr-<N>/ is added per branch deployment"
            )
        roots[zone] = url + "".join(f"/{part}" for part in env_key.split("/")[1:])
    return roots


def _split(relative: str) -> tuple[str, str]:
    """``silver/well_day_production`` → (``silver``, ``well_day_production``), refusing escapes."""
    parts = relative.split("/")
    if any(part in ("", ".", "..") or "\\" in part for part in parts):
        raise OutsideEnvironmentError(f"{relative!r} is not a plain relative name inside the lake")
    if parts[0] not in ZONE_OF:
        raise OutsideEnvironmentError(f"{relative!r} is not in a lake zone ({', '.join(ZONE_OF)})")
    zone = ZONE_OF[parts[0]]
    key = "/".join(parts[1:] if parts[0] in _OWN_PREFIX else parts)
    if not key:
        raise OutsideEnvironmentError(f"{relative!r} names a whole zone, not a table or file")
    return zone, key


class ObjectStoreLake(Lake):
    """One environment's lake on S3 or Azure; see the module docstring for the layout."""

    def __init__(self, template: str, env_key: str, kms_key_id: str | None = None) -> None:
        self.env_key = env_key
        self.template = template
        self.zone_roots = _zone_roots(template, env_key)
        self.is_s3 = template.startswith("s3://")
        options: dict[str, str] = {}
        if self.is_s3:
            # S3 has If-None-Match: delta-rs commits with a conditional put instead of needing a lock table.
            options["aws_conditional_put"] = "etag"
            if kms_key_id:
                options |= {"aws_server_side_encryption": "aws:kms", "aws_sse_kms_key_id": kms_key_id}
        self.storage_options = options or None
        self._stores: dict[str, Any] = {}

    def _store(self, zone: str) -> Any:
        if zone not in self._stores:
            config = {k: v for k, v in (self.storage_options or {}).items() if k != "aws_conditional_put"}
            self._stores[zone] = from_url(self.zone_roots[zone], config=config or None)
        return self._stores[zone]

    def uri(self, *parts: str) -> str:
        zone, key = _split("/".join(parts))
        return f"{self.zone_roots[zone]}/{key}"

    def exists(self, table: str) -> bool:
        return DeltaTable.is_deltatable(self.uri(table), storage_options=self.storage_options)

    def read_bytes(self, relative: str) -> bytes:
        zone, key = _split(relative)
        try:
            return bytes(obstore.get(self._store(zone), key).bytes())
        except FileNotFoundError as exc:
            raise FileNotFoundError(f"{self.uri(relative)} is missing from the lake") from exc

    def file_size(self, relative: str) -> int:
        zone, key = _split(relative)
        try:
            return int(obstore.head(self._store(zone), key)["size"])
        except FileNotFoundError as exc:
            raise FileNotFoundError(f"{self.uri(relative)} is missing from the lake") from exc

    def write_bytes_once(self, relative: str, data: bytes) -> str:
        zone, key = _split(relative)
        try:
            # "create" is a conditional put: two writers racing on one name cannot both win.
            obstore.put(self._store(zone), key, data, mode="create")
        except obstore.exceptions.AlreadyExistsError:
            if self.read_bytes(relative) != data:
                raise FileExistsError(
                    f"{self.uri(relative)} exists with different content; raw files are immutable"
                ) from None
        return self.uri(relative)

    def put_back(self, relative: str, data: bytes) -> str:
        zone, key = _split(relative)
        obstore.put(self._store(zone), key, data)  # a new object version on a versioned bucket
        return self.uri(relative)

    def readiness(self) -> str:
        for zone in ZONES:
            key = f"_doctor/probe-{uuid.uuid4().hex}"
            store = self._store(zone)
            obstore.put(store, key, b"ok", mode="create")
            if bytes(obstore.get(store, key).bytes()) != b"ok":
                raise OSError(f"the {zone} store returned other bytes than were written")
            obstore.delete(store, key)
        return f"writable: a store per zone at {self.template}, inside the {self.env_key} namespace"

    def drop_everything(self) -> None:
        if "/" not in self.env_key:
            # Only a branch deployment owns a prefix; an environment's stores are dropped by whoever made them.
            raise OutsideEnvironmentError(f"refusing to empty the {self.env_key!r} environment's stores")
        for zone in ZONES:
            store = self._store(zone)
            for batch in obstore.list(store):
                obstore.delete(store, [entry["path"] for entry in batch])
