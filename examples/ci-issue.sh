#!/usr/bin/env bash
# A CI job: one CA kept in $PKI (restored from your secret store), one client certificate per build.
# Passwords come from the environment, never from argv; --json output is parsed with node (no jq needed).
set -euo pipefail
PKI=${PKI:-./pki}
: "${CA_PASS:?set CA_PASS}" "${PFX_PASS:?set PFX_PASS}"
name="build-${BUILD_ID:-local}"

[ -f "$PKI/ca.crt" ] || npx mtlskit ca init --dir "$PKI" --subject "/O=Example/CN=CI Client CA" --passout env:CA_PASS --json >/dev/null
out=$(npx mtlskit client issue "$name" --dir "$PKI" --passin env:CA_PASS --days 7 --json)
serial=$(node -e 'console.log(JSON.parse(process.argv[1]).serial)' "$out")
npx mtlskit export pfx "$name" --dir "$PKI" --passout env:PFX_PASS --json >/dev/null
npx mtlskit verify "$PKI/$name.crt" --dir "$PKI" --purpose client --key "$PKI/$name.key"
echo "issued $name (serial $serial): $PKI/$name.pfx"
