#!/usr/bin/env bash
# Client certificates: issued by the instance CA (kart admin issue-cert), required
# from the networks in cert_required_from, bound to their user at login and
# resume, revoked (kart admin revoke-cert) with effect on the next request, or
# the next page of a running stream; a
# certificate from another CA is refused; with client_certs = off nothing changes.
. "$(dirname "$0")/lib.sh"
init_instance "client_certs = optional" "output_limit = 65536"
start_kartd
grep -q "client certificates optional" "$T/kartd.err" || fail "the daemon does not say client certificates are on"
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add masha --role manager --password-file "$T/pw"
expect_rc 0 as admin user add boss --role admin --password-file "$T/pw"
# cards enough for a list that outlasts the buffers between client and server
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load 40000 --conns 2 --pipeline 8 \
	>"$T/load.out" 2>&1 || fail "load: $(cat "$T/load.out")"
# optional, and this network is not listed: as before, no certificate needed
expect_rc 0 as masha login masha --password-file "$T/pw"
expect_rc 0 as masha whoami

# ---- issuing ----
expect_rc 0 as admin admin issue-cert admin -o "$T/admin.pem"
contains "$OUT" "written to $T/admin.pem"
[[ $(stat -c %a "$T/admin.pem") == 600 ]] || fail "bundle mode: $(stat -c %a "$T/admin.pem")"
[[ $(grep -c 'BEGIN PRIVATE KEY' "$T/admin.pem") == 1 && $(grep -c 'BEGIN CERTIFICATE' "$T/admin.pem") == 2 ]] ||
	fail "bundle is not key + certificate + CA: $(grep BEGIN "$T/admin.pem")"
expect_rc 0 as admin --json admin issue-cert masha -o "$T/masha.pem" --days 30
MASHA_SERIAL=$(jq -r .serial <<<"$OUT")
[[ $MASHA_SERIAL =~ ^[0-9a-f]{32}$ ]] || fail "serial: $OUT"
jq -e '.key_pem == null and .user == "masha"' <<<"$OUT" >/dev/null || fail "JSON shows the key or no user: $OUT"
openssl x509 -in "$T/masha.pem" -noout -subject -ext extendedKeyUsage >"$T/x509" 2>&1 || fail "openssl cannot read the bundle"
grep -q "CN *= *masha" "$T/x509" || fail "subject: $(cat "$T/x509")"
grep -q "TLS Web Client Authentication" "$T/x509" || fail "EKU: $(cat "$T/x509")"
openssl verify -CAfile "$CA" "$T/masha.pem" >/dev/null 2>&1 || fail "not signed by the instance CA"
expect_rc 5 as admin admin issue-cert masha -o "$T/masha.pem"
contains "$ERR" "already exists"
expect_rc 4 as admin admin issue-cert nobody -o "$T/nobody.pem"
expect_rc 2 as admin admin issue-cert masha -o "$T/m2.pem" --days 0
expect_rc 3 as masha admin issue-cert masha -o "$T/m3.pem"
[[ ! -e $T/nobody.pem && ! -e $T/m3.pem ]] || fail "a refused issue wrote a file"
expect_rc 0 as admin --json audit --action cert.issue
jq -e 'length == 2 and ([.[].object_name] | sort) == ["admin", "masha"] and all(.[]; .ok == true)' <<<"$OUT" >/dev/null ||
	fail "issue not audited: $OUT"
expect_rc 0 as admin --json admin certs
jq -e --arg s "$MASHA_SERIAL" 'length == 2 and (.[] | select(.serial == $s) | .user == "masha" and .issued_by == "admin")' \
	<<<"$OUT" >/dev/null || fail "admin certs: $OUT"
# a certificate and its key in separate files
sed -n '/BEGIN PRIVATE KEY/,/END PRIVATE KEY/p' "$T/masha.pem" >"$T/masha.key"
sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "$T/masha.pem" >"$T/masha.crt"

# ---- required from 127.0.0.0/8 ----
stop_kartd
echo "cert_required_from = 127.0.0.0/8, fd00::/8" >>"$T/inst/kartd.conf"
start_kartd
expect_rc 3 as nocert login masha --password-file "$T/pw"
one_line "$ERR"
contains "$ERR" "a client certificate is required from this network"
expect_rc 3 as masha whoami
contains "$ERR" "a client certificate is required from this network"
# with the certificate: logs in, and the session remembers it
expect_rc 0 as masha --cert "$T/masha.pem" login masha --password-file "$T/pw"
expect_rc 0 as masha whoami
contains "$OUT" "masha"
jq -e '.cert | endswith("/masha.pem")' "$T/home-masha/session" >/dev/null || fail "session: $(cat "$T/home-masha/session")"
# or given through the environment, key apart
expect_rc 0 env KART_CERT="$T/masha.crt" KART_KEY="$T/masha.key" KART_HOME="$T/home-masha2" \
	"$KART" -s "$SERVER" --ca "$CA" login masha --password-file "$T/pw"
expect_rc 0 as masha2 whoami
# a certificate without its key is a local error, said clearly
expect_rc 1 as masha3 --cert "$T/masha.crt" login masha --password-file "$T/pw"
contains "$ERR" "cannot load the client key"
expect_rc 2 as masha3 --key "$T/masha.key" login masha --password-file "$T/pw"

# masha's certificate cannot log in as someone else, nor resume their session
expect_rc 0 as admin --cert "$T/admin.pem" login admin --password-file "$ADMIN_PW"
expect_rc 3 as thief --cert "$T/masha.pem" login admin --password-file "$ADMIN_PW"
one_line "$ERR"
contains "$ERR" "the certificate belongs to another user"
mkdir -p "$T/home-thief2"
jq --arg c "$T/masha.pem" '.cert = $c' "$T/home-admin/session" >"$T/home-thief2/session"
expect_rc 3 as thief2 whoami
contains "$ERR" "the certificate belongs to another user"
expect_rc 0 as admin --json audit --action login --user admin
jq -e --arg s "$MASHA_SERIAL" '[.[] | select(.ok != true and (.summary | contains($s + " belongs to masha")))] | length == 2' \
	<<<"$OUT" >/dev/null || fail "refused logins not audited: $OUT"

# ---- revocation: the next request is refused ----
expect_rc 0 as admin admin revoke-cert "$MASHA_SERIAL"
contains "$OUT" "of masha revoked"
expect_rc 3 as masha whoami
one_line "$ERR"
contains "$ERR" "revoked"
expect_rc 3 as masha2 whoami
expect_rc 3 as masha4 --cert "$T/masha.pem" login masha --password-file "$T/pw"
contains "$ERR" "revoked"
expect_rc 5 as admin admin revoke-cert "$MASHA_SERIAL"
contains "$ERR" "already revoked"
expect_rc 4 as admin admin revoke-cert 0x1234abcd
expect_rc 2 as admin admin revoke-cert not-a-serial
expect_rc 0 as admin --json audit --action cert.revoke
jq -e --arg s "$MASHA_SERIAL" 'length == 1 and .[0].object_name == "masha" and (.[0].summary | contains($s))' <<<"$OUT" >/dev/null ||
	fail "revocation not audited: $OUT"
expect_rc 0 as admin --json admin certs
jq -e --arg s "$MASHA_SERIAL" '.[] | select(.serial == $s) | .revoked_at > 0' <<<"$OUT" >/dev/null || fail "admin certs: $OUT"
# a new certificate lets masha back in
expect_rc 0 as admin admin issue-cert masha -o "$T/masha-new.pem"
expect_rc 0 as masha --cert "$T/masha-new.pem" login masha --password-file "$T/pw"
expect_rc 0 as masha whoami

# revoked while a list is streaming: the stream ends there, and the connection
expect_rc 0 as admin --json admin issue-cert boss -o "$T/boss.pem"
BOSS_SERIAL=$(jq -r .serial <<<"$OUT")
expect_rc 0 as boss --cert "$T/boss.pem" login boss --password-file "$T/pw"
{ as boss --json ls --where 'id > 0' 2>"$T/stream.err" || echo "exit $?" >"$T/stream.rc"; } | { sleep 2; wc -c >"$T/stream.bytes"; } &
READER=$!
sleep 0.5
expect_rc 0 as admin admin revoke-cert "$BOSS_SERIAL"
wait $READER
[[ -s $T/stream.rc ]] || fail "the list ran to its end after the revocation ($(cat "$T/stream.bytes") bytes)"
grep -q revoked "$T/stream.err" || fail "the stream's error: $(cat "$T/stream.err")"
grep -q "refused mid-stream: the client certificate has been revoked" "$T/kartd.err" || fail "not in the log"
expect_rc 3 as boss whoami

# ---- a certificate from another instance's CA ----
"$KARTD" init --data "$T/other" --listen 127.0.0.1:0 >/dev/null || fail "second kartd init"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/foreign.key" -subj "/CN=masha" \
	-out "$T/foreign.csr" 2>/dev/null || fail "openssl req"
printf 'extendedKeyUsage = clientAuth\n' >"$T/ext"
openssl x509 -req -in "$T/foreign.csr" -CA "$T/other/tls/ca.pem" -CAkey "$T/other/tls/ca.key" -CAcreateserial \
	-days 30 -extfile "$T/ext" -out "$T/foreign.crt" 2>/dev/null || fail "openssl x509"
rc=0
as foreign --cert "$T/foreign.crt" --key "$T/foreign.key" login masha --password-file "$T/pw" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 3 || $rc == 6 ]] || fail "a foreign certificate: exit $rc: $(cat "$T/err")"
ERR=$(cat "$T/err")
one_line "$ERR"
contains "$ERR" "certificate"
# also where a certificate is optional: a bad one is not taken for none
expect_rc 3 as foreign --cert "$T/foreign.crt" --key "$T/foreign.key" whoami

# ---- client_certs = required: from everywhere ----
stop_kartd
echo "client_certs = required" >>"$T/inst/kartd.conf"
echo "cert_required_from = " >>"$T/inst/kartd.conf"
start_kartd
expect_rc 3 as nocert login masha --password-file "$T/pw"
contains "$ERR" "a client certificate is required"
expect_rc 0 as masha whoami

# ---- client_certs = off: everything as before, certificates or not ----
stop_kartd
echo "client_certs = off" >>"$T/inst/kartd.conf"
start_kartd
expect_rc 0 as nocert login masha --password-file "$T/pw"
expect_rc 0 as nocert whoami
# no certificate is asked for, so a revoked one in the session does no harm
expect_rc 0 as masha2 whoami
# a bad value is refused at start
stop_kartd
echo "cert_required_from = 10.0.0.0/33" >>"$T/inst/kartd.conf"
rc=0
"$KARTD" run --data "$T/inst" >/dev/null 2>"$T/bad.err" || rc=$?
[[ $rc != 0 ]] || fail "a bad network was accepted"
contains "$(cat "$T/bad.err")" "cert_required_from"
echo "ok certs"
