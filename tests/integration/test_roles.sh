#!/usr/bin/env bash
# Roles: who may read the audit trail, manage users, touch cards.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
printf 'manager-pass-1\n' >"$T/mpw"
printf 'auditor-pass-1\n' >"$T/apw"
expect_rc 0 as admin user add masha --role manager --password-file "$T/mpw"
expect_rc 0 as admin user add olga --role auditor --password-file "$T/apw"
expect_rc 2 as admin user add Bad!Name --role manager --password-file "$T/mpw"
expect_rc 2 as admin user add kolya --role janitor --password-file "$T/mpw"
printf 'short\n' >"$T/short"
expect_rc 2 as admin user add kolya --role manager --password-file "$T/short"
contains "$ERR" "at least 8"
expect_rc 5 as admin user add masha --role manager --password-file "$T/mpw"

# password from standard input when it is not a terminal
expect_rc 0 as masha login masha <"$T/mpw"
expect_rc 0 as masha whoami
contains "$OUT" "masha (manager)"

# a manager may not read the audit trail or manage users
expect_rc 3 as masha audit
one_line "$ERR"
contains "$ERR" "permission denied"
expect_rc 3 as masha user list
expect_rc 3 as masha user add petya --role admin --password-file "$T/mpw"
expect_rc 3 as masha user passwd admin --password-file "$T/mpw"
# but works with cards, and owns what she creates
expect_rc 0 as masha card add --first Ольга --last Смирнова
ID=$OUT
expect_rc 0 as masha --json card show "$ID"
[[ $(jq -r .owner <<<"$OUT") == masha ]] || fail "owner: $OUT"

# an auditor reads the audit trail but not cards
expect_rc 0 as olga login olga --password-file "$T/apw"
expect_rc 0 as olga --json audit --user masha
[[ $(jq -r '.[0].action' <<<"$OUT") == card.create ]] || fail "auditor audit: $OUT"
expect_rc 3 as olga card show "$ID"
expect_rc 3 as olga card add --first X --last Y

# a user changes their own password; the old one stops working
printf 'manager-pass-2\n' >"$T/mpw2"
expect_rc 2 as masha user passwd masha --password-file "$T/mpw2"
contains "$ERR" "current password"
expect_rc 3 as masha user passwd masha --password-file "$T/mpw2" --old-password-file "$T/apw"
contains "$ERR" "current password is wrong"
expect_rc 0 as masha user passwd masha --password-file "$T/mpw2" --old-password-file "$T/mpw"
expect_rc 3 as masha login masha --password-file "$T/mpw"
expect_rc 0 as masha login masha --password-file "$T/mpw2"
expect_rc 0 as admin user list
contains "$OUT" "masha"
contains "$OUT" "olga"

# refused logins are audited, and say nothing about whether the user exists
expect_rc 3 as nobody login nobody --password-file "$T/mpw"
NOUSER=$ERR
expect_rc 3 as masha login masha --password-file "$T/apw"
[[ $ERR == "$NOUSER" ]] || fail "unknown user and wrong password answered differently: '$NOUSER' vs '$ERR'"
expect_rc 0 as admin --json audit --action login
# an unknown name is recorded as a tag, never as typed (it may be a password)
jq -e '[.[] | select(.ok != true and (.object_name | test("^unknown user #[0-9a-f]{8}$")))] | length == 1' <<<"$OUT" >/dev/null ||
	fail "refused login not audited: $OUT"
[[ $OUT != *nobody* ]] || fail "an unknown name was written to the audit trail: $OUT"
echo "ok roles"
