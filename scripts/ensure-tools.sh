#!/usr/bin/env bash
# Makes sure the tools the tests start for real are installed: a real TPM
# (swtpm), real image tools (skopeo, docker-registry), test image content
# (busybox-static) and GPG. As root it installs what is missing with apt-get;
# otherwise it names the command to run and fails, so no test is skipped.
set -euo pipefail

# command -> Debian package
declare -A TOOLS=(
  [swtpm]=swtpm
  [swtpm_setup]=swtpm-tools
  [skopeo]=skopeo
  [docker-registry]=docker-registry
  [busybox]=busybox-static
  [gpg]=gnupg
)

missing=()
for cmd in "${!TOOLS[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${TOOLS[$cmd]}")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" != 0 ]; then
  echo "tests need: ${missing[*]}" >&2
  echo "install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing test tools: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
