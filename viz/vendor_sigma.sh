#!/usr/bin/env bash
# Re-create viz/vendor/sigma-$SIGMA/ and viz/vendor/graphology-$GRAPHOLOGY/ from the npm registry
# (never from a CDN). Usage: viz/vendor_sigma.sh [SIGMA_VERSION] [GRAPHOLOGY_VERSION] (needs npm)
# Only the renderer benchmark (benchmarks/viz_renderers.py) loads them: the figures decided the
# explorer's renderer (see the report in BENCHMARKS.md); the UMD bundles need no build step.
set -euo pipefail
SIGMA=${1:-4.0.4}
GRAPHOLOGY=${2:-0.26.0}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack "sigma@$SIGMA" "graphology@$GRAPHOLOGY" --silent >/dev/null
mkdir s g && tar xzf "sigma-$SIGMA.tgz" -C s && tar xzf "graphology-$GRAPHOLOGY.tgz" -C g
D1="$HERE/vendor/sigma-$SIGMA"; D2="$HERE/vendor/graphology-$GRAPHOLOGY"; mkdir -p "$D1" "$D2"
sed '/^\/\/# sourceMappingURL=/d' s/package/dist/sigma.min.js > "$D1/sigma.min.js"
cp s/package/LICENSE.txt "$D1/LICENSE"
sed '/^\/\/# sourceMappingURL=/d' g/package/dist/graphology.umd.min.js > "$D2/graphology.umd.min.js"
cp g/package/LICENSE.txt "$D2/LICENSE"
(cd "$D1" && sha256sum sigma.min.js LICENSE > SHA256SUMS && cat SHA256SUMS)
(cd "$D2" && sha256sum graphology.umd.min.js LICENSE > SHA256SUMS && cat SHA256SUMS)
