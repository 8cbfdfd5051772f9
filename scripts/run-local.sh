#!/usr/bin/env bash
# Installs what is missing, builds, creates a local instance under ./var/ (once)
# and runs kartd in the foreground on 127.0.0.1:7443.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)"
if [[ ! -f var/kartd.conf ]]; then
	build/kartd init --data var --listen 127.0.0.1:7443
fi
cat <<MSG

Log in from another terminal:
  build/kart --server 127.0.0.1:7443 --ca var/tls/ca.pem login admin --password-file var/admin.password
  build/kart card add --first Иван --last Петров --phone '+7 846 123-45-67' --city Самара
  build/kart card ls

MSG
exec build/kartd run --data var
