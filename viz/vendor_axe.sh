#!/usr/bin/env bash
# Re-create tests/vendor/axe-core-$VER/ from the npm registry (never from a CDN): the accessibility
# checker the browser test tests/serve/test_a11y_browser.py injects into each page of `policygraph serve`.
# Usage: viz/vendor_axe.sh [VERSION]   (default 4.14.1; needs npm)
# A test-only asset: it lives under tests/, is never served (/static/ reads viz/ only) and no page
# links it; the test evaluates it in the page through the browser's DevTools protocol.
# axe-core is MPL-2.0: its LICENSE (and the third-party notices) are copied beside it.
set -euo pipefail
VER=${1:-4.14.1}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack "axe-core@$VER" --silent >/dev/null
tar xzf "axe-core-$VER.tgz"
DEST="$HERE/../tests/vendor/axe-core-$VER"; mkdir -p "$DEST"
cp package/axe.min.js package/LICENSE "$DEST/"
[ -f package/LICENSE-3RD-PARTY.txt ] && cp package/LICENSE-3RD-PARTY.txt "$DEST/"
(cd "$DEST" && sha256sum -- * | grep -v SHA256SUMS > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS && cat SHA256SUMS)
echo "now set AXE_VERSION = \"$VER\" in tests/serve/test_a11y_browser.py"
