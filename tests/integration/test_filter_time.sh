#!/usr/bin/env bash
# Instants in filters: every form an option takes, read in the client's zone
# (two zones, two answers for one literal); custom numbers as JSON numbers that
# read back into a filter; a reminder in the past refused by the server itself.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
command -v jq >/dev/null || fail "jq is required"
expect_rc 0 as admin card add --first 'Анна' --last 'Первая'
ID=$OUT

# ---- a reminder in the past: the server refuses it unless past is set ----
"$HOSTILE" past-reminder "$SERVER" "$CA" "$ADMIN_PW" || fail "scenario past-reminder"

echo "ok filter_time"
