#!/usr/bin/env bash
# make test-infra: every check of infra/ on this machine, offline. terraform fmt, checkov (both clouds),
# validate and terraform test of every AWS root, apply/assert/pipeline/destroy of dev and prod on moto_server,
# the Azure static tests (python-hcl2) and the Snowflake DDL on fakesnow. When the terraform binary or the
# AWS provider folder is missing it says so and those tests are reported as skipped; the rest still run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
args=()
if ! command -v terraform >/dev/null 2>&1; then
    echo "test-infra: terraform is not on PATH: fmt, validate, terraform test and the AWS apply on moto are SKIPPED"
else
    # The provider comes from a local plugin folder (nothing can be downloaded): search the usual roots, then
    # the whole filesystem, for registry.terraform.io/hashicorp/aws/<version>/<os_arch>/terraform-provider-aws*.
    provider=$(find /opt /usr/share/terraform /usr/local/share/terraform "$HOME/.terraform.d" \
        -path '*registry.terraform.io/hashicorp/aws/*' -name 'terraform-provider-aws*' -print -quit 2>/dev/null || true)
    if [ -z "$provider" ]; then
        provider=$(find / -xdev \( -path /proc -o -path /sys \) -prune -o \
            -path '*registry.terraform.io/hashicorp/aws/*' -name 'terraform-provider-aws*' -print -quit 2>/dev/null || true)
    fi
    if [ -z "$provider" ]; then
        echo "test-infra: no terraform-provider-aws under a registry.terraform.io folder: validate, terraform test and the AWS apply on moto are SKIPPED"
    else
        plugin_dir=${provider%%/registry.terraform.io/*}
        echo "test-infra: $(terraform version 2>/dev/null | head -1), AWS provider from $plugin_dir"
        args+=("--tf-plugin-dir=$plugin_dir")
    fi
fi
# -rs prints the reason of every skipped test: nothing passes silently.
"$BIN/pytest" -m infra tests/infra -q -rs -p no:cacheprovider "${args[@]}"
