#!/usr/bin/env bash
# Re-create viz/vendor/vis-network-$VER/ from the npm registry (never from a CDN).
# Usage: viz/vendor_vis.sh [VERSION]   (default 10.1.5; needs npm)
# The standalone UMD bundle contains vis-network, vis-data and their dependencies, and injects
# its own CSS at run time, so one file is all a page needs. policygraph.viz inlines it and pins
# its SHA-256 in the page's Content-Security-Policy.
set -euo pipefail
VER=${1:-10.1.5}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack "vis-network@$VER" --silent >/dev/null
tar xzf "vis-network-$VER.tgz"
DEST="$HERE/vendor/vis-network-$VER"; mkdir -p "$DEST"
# The source map is not shipped, so drop the line that points to it.
sed '/^\/\/# sourceMappingURL=/d' package/standalone/umd/vis-network.min.js > "$DEST/vis-network.min.js"
cp package/LICENSE-MIT package/LICENSE-APACHE-2.0 "$DEST/"
(cd "$DEST" && sha256sum vis-network.min.js LICENSE-MIT LICENSE-APACHE-2.0 > SHA256SUMS && cat SHA256SUMS)
echo "now set VIS_VERSION = \"$VER\" in src/policygraph/viz.py"
