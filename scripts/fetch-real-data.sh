#!/usr/bin/env bash
# Download public measurement files whose repositories state no licence (so memtwin does not store them)
# into tests/data/fetched/, pinned to a commit and checked against their sha256. The tests that read them
# (tests/characterization/test_char_real_files.py) are skipped when the files are absent, e.g. offline.
# Sources, layouts and the commands memtwin runs on them: docs/bring-your-own-data.md ("Real files").
set -euo pipefail
cd "$(dirname "$0")/.."
dest=tests/data/fetched
mkdir -p "$dest"
fetch() {  # fetch NAME REPO COMMIT PATH SHA256
  local name=$1 repo=$2 commit=$3 path=$4 sum=$5 url
  url="https://raw.githubusercontent.com/$repo/$commit/$(printf '%s' "$path" | sed 's/ /%20/g')"
  if [ -f "$dest/$name" ] && echo "$sum  $dest/$name" | sha256sum -c --quiet - 2>/dev/null; then return; fi
  curl -fsSL --retry 2 -o "$dest/$name.part" "$url"
  echo "$sum  $dest/$name.part" | sha256sum -c --quiet -
  mv "$dest/$name.part" "$dest/$name"
  echo "fetched $name"
}
fetch conductance_MF.xlsx simbrain-lab/SIMBRAIN_v1.0 d8c7bc073c565dda4dbc2fc7b5af06c85496aff2 \
  reference_memristor_data/conductance_MF.xlsx 11bba5c82b0aaa4d6d498a540abeb5d66227223ab23dd587810cb4f63557cc1b
fetch conductance_ferro.xlsx simbrain-lab/SIMBRAIN_v1.0 d8c7bc073c565dda4dbc2fc7b5af06c85496aff2 \
  reference_memristor_data/conductance_ferro.xlsx 139bcdddc10c5ea351fb16582b97ccc2c8ba92039b22021a01f98c6a4e1b0fdb
fetch conductance_hu.xlsx JoyJXU/SIMBRAIN 043443f21983182264f4493c30fc6ebeb6aeba31 \
  reference_memristor_data/conductance_hu.xlsx 798610aad08d26e9343d72095b796dc86d1437296ef79beef0886be7feee528c
fetch Sp1V_RSm2V_R300mV_processed.txt thomastiotto/Memristor-Models 944492661b78afbfcafd0f289e10f7c551a2bad4 \
  raw_data/pulses/new_device/Sp1V_RSm2V_R300mV_processed.txt 9c2ad20fa4e91851cdd8dc96a6219ca33fa3b65dbdd59e934c764ecc8e93f2d4
