#!/usr/bin/env bash
# Bad input to cards gets BAD_REQUEST naming the field, exit 2, and changes nothing.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
expect_rc 0 as admin card add --first Анна --last Ковалёва --phone '+7 846 100-00-00'
ID=$OUT
expect_rc 0 as admin --json card show "$ID"
BEFORE=$OUT

check_bad() { # field, kart args...
	local field=$1
	shift
	expect_rc 2 as admin "$@"
	one_line "$ERR"
	contains "$ERR" "$field"
}
check_bad gender card edit "$ID" --set gender=x
check_bad sector card edit "$ID" --set sector=lukewarm
check_bad birthday card edit "$ID" --set birthday=2025-02-30
check_bad birthday card edit "$ID" --set birthday=30.02.2025
check_bad first_name card edit "$ID" --set "first_name=$(printf 'Я%.0s' $(seq 1 101))"
check_bad notes card edit "$ID" --set "notes=$(head -c 10001 /dev/zero | tr '\0' 'x')"
check_bad emails card edit "$ID" --set emails=not-an-email
check_bad phones card edit "$ID" --set 'phones=call me'
check_bad owner card edit "$ID" --set owner=nobody
check_bad nonsense card edit "$ID" --set nonsense=1
check_bad version card edit "$ID" --set version=7
check_bad "at least" card add --notes 'нет ни имени, ни телефона'
check_bad gender card add --first Иван --gender q
# invalid UTF-8 and control characters
check_bad last_name card edit "$ID" --set "last_name=$(printf 'Ab\xff\xfe')"
check_bad city card edit "$ID" --set "city=$(printf 'Sa\x01mara')"
# usage errors in kart itself
expect_rc 2 as admin card show abc
one_line "$ERR"
expect_rc 2 as admin card show 0
expect_rc 2 as admin card edit "$ID" --set city
expect_rc 2 as admin card frobnicate
expect_rc 2 as admin
expect_rc 4 as admin card show 999999

expect_rc 0 as admin --json card show "$ID"
[[ $OUT == "$BEFORE" ]] || fail "bad input changed the card: $OUT"
expect_rc 0 as admin --json audit --action card
[[ $(jq 'length' <<<"$OUT") == 1 ]] || fail "bad input left audit events: $OUT"
echo "ok validation"
