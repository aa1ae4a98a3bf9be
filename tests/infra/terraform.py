"""Terraform for the infra tests: find the binary and the offline AWS provider, run a root in a scratch copy.

Nothing is downloaded: ``terraform init -plugin-dir`` installs the provider from the local folder, and
checkpoint calls are off. Each run works on a copy of ``infra/`` under a temporary folder, so no
``.terraform`` folder or state file is ever written into the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

INFRA = Path(__file__).resolve().parents[2] / "infra"
PROVIDER_GLOB = "registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws*"
# Where machines like this one keep provider mirrors; --tf-plugin-dir (make test-infra searches) wins.
PLUGIN_ROOTS = (
    Path("/opt/tf-plugins"),
    Path("/usr/share/terraform/plugins"),
    Path("/usr/local/share/terraform/plugins"),
    Path.home() / ".terraform.d" / "plugins",
)


def find_plugin_dir(explicit: str | None = None) -> Path | None:
    """The root of a plugin folder holding the AWS provider, or None."""
    candidates = [Path(explicit)] if explicit else list(PLUGIN_ROOTS)
    for root in candidates:
        if root.is_dir() and any(root.glob(PROVIDER_GLOB)):
            return root
    return None


def find_terraform() -> str | None:
    """The terraform binary on PATH, or None."""
    return shutil.which("terraform")


class TerraformError(RuntimeError):
    """A terraform command failed; the message carries its output."""


@dataclass
class Workspace:
    """A scratch copy of one cloud's ``infra/<cloud>`` with one root initialised offline."""

    binary: str
    plugin_dir: Path
    folder: Path
    root: str
    environ: dict[str, str]

    @property
    def root_dir(self) -> Path:
        return self.folder / self.root

    def run(self, *args: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``terraform <args>`` in the root; raise with the output when it fails and ``check`` is set."""
        done = subprocess.run(
            [self.binary, *args],
            cwd=self.root_dir,
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise TerraformError(
                f"terraform {' '.join(args[:2])} failed in {self.root}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
            )
        return done

    def var_files(self, env: str) -> list[str]:
        """The environment's settings and its names file generated from da_platform/naming.py."""
        return [f"-var-file=../envs/{env}.tfvars", f"-var-file=../envs/{env}.names.tfvars.json"]


def workspace(
    binary: str,
    plugin_dir: Path,
    folder: Path,
    cloud: str,
    root: str,
    extra_env: dict[str, str] | None = None,
    local_state: bool = False,
) -> Workspace:
    """Copy ``infra/<cloud>`` to ``folder`` and ``terraform init`` ``root`` from the plugin folder.

    ``local_state`` replaces the root's remote backend with a local state file (an override file in the
    copy only), for runs against a stand-in.
    """
    shutil.copytree(INFRA / cloud, folder, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    rc = folder / "terraformrc"
    rc.write_text("")  # an empty CLI configuration: no credentials helper, no network mirror
    environ = {
        "PATH": os.defpath,
        "HOME": str(folder),
        "TF_CLI_CONFIG_FILE": str(rc),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "TF_DATA_DIR": str(folder / f".terraform-{root}"),
        **(extra_env or {}),
    }
    ws = Workspace(binary, plugin_dir, folder, root, environ)
    backend = ["-backend=false"]
    if local_state:
        (ws.root_dir / "backend_override.tf").write_text(
            f'terraform {{\n  backend "local" {{\n    path = "{folder / (root + ".tfstate")}"\n  }}\n}}\n'
        )
        backend = []
    ws.run("init", "-input=false", "-no-color", f"-plugin-dir={plugin_dir}", *backend, timeout=300)
    return ws
