#!/usr/bin/env bash
# Re-create viz/vendor/yasgui-$VER/ from the npm registry (never from a CDN): the SPARQL editor of
# `policygraph serve` at /query.
# Usage: viz/vendor_yasgui.sh [VERSION]   (default 4.6.2; needs npm)
# The UMD bundle holds YASGUI with YASQE, YASR and CodeMirror; the npm package ships no LICENSE
# file (package.json says MIT), so LICENSE here is the MIT text with the package's authors.
# policygraph serves the files from /static/vendor/yasgui-$VER/ and checks them against SHA256SUMS.
set -euo pipefail
VER=${1:-4.6.2}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack "@zazuko/yasgui@$VER" --silent >/dev/null
tar xzf "zazuko-yasgui-$VER.tgz"
DEST="$HERE/vendor/yasgui-$VER"; mkdir -p "$DEST"
# The source maps are not shipped, so drop the lines that point to them.
sed '/^\/\/# sourceMappingURL=/d' package/build/yasgui.min.js > "$DEST/yasgui.min.js"
sed 's#/\*\# sourceMappingURL=[^*]*\*/##' package/build/yasgui.min.css > "$DEST/yasgui.min.css"
cp package/package.json "$DEST/package.json"  # LICENSE is kept in git (see above)
(cd "$DEST" && sha256sum yasgui.min.js yasgui.min.css LICENSE package.json > SHA256SUMS && cat SHA256SUMS)
echo "now set YASGUI_VERSION = \"$VER\" in src/policygraph/serve/templates.py"
