#!/usr/bin/env bash
# SIGHUP reloads without dropping a connection: a policy setting changed takes
# effect on a connection already logged in; a new server certificate is what
# new connections see while an old one goes on; a client certificate revoked
# by a new CRL is refused from the next request. A config with an error is
# refused whole, with its file and line in the log, and the old values stay; a
# change to an option read at start only is logged as needing a restart.
# Layers: the file --config names is read over DIR/kartd.conf. systemd hears
# RELOADING=1 and READY=1 around each reload.
. "$(dirname "$0")/lib.sh"
: "${READSCRIPT:?READSCRIPT must point to kart-readscript}"
command -v python3 >/dev/null || fail "python3 is required"

# the notification socket systemd would listen on: one line per message
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(120)
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", " ") + "\n")
        f.flush()
' "$T/notify" "$T/notify.log" 2>/dev/null &
NOTIFY_PID=$!
trap 'st=$?; kill "$NOTIFY_PID" 2>/dev/null || true; cleanup "$st"' EXIT
for _ in $(seq 1 100); do [[ -S $T/notify ]] && break; sleep 0.05; done
[[ -S $T/notify ]] || fail "no notification socket"

# the instance file lets managers see all cards; the site file, read over it, says own
init_instance "client_certs = optional" "visibility_manager = all"
SITE=$T/site.conf
printf 'visibility_manager = own\n' >"$SITE"
NOTIFY_SOCKET=$T/notify start_kartd --config "$SITE"
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add masha --role manager --password-file "$T/pw"
expect_rc 0 as admin user add petya --role manager --password-file "$T/pw"
for u in masha petya; do expect_rc 0 as "$u" login "$u" --password-file "$T/pw"; done
expect_rc 0 as masha card add --first Анна --last Машина
A=$OUT
expect_rc 0 as petya card add --first Борис --last Петин
B=$OUT
expect_rc 4 as masha card show "$B"

# hup: SIGHUP, and wait for the daemon to say it reloaded or refused
hup() {
	local n i
	n=$(grep -cE '^<[0-9]>reload( refused|: in force)' "$T/kartd.err" || true)
	kill -HUP "$KARTD_PID"
	for i in $(seq 1 200); do
		(($(grep -cE '^<[0-9]>reload( refused|: in force)' "$T/kartd.err" || true) > n)) && return 0
		sleep 0.05
	done
	fail "no reload after SIGHUP"
}
# rs_start NAME USER [VAR=VALUE...]: kart-readscript as USER over one connection, fed through a FIFO
rs_start() {
	local name=$1 user=$2 fd
	shift 2
	mkfifo "$T/$name.in"
	env "$@" "$READSCRIPT" "$SERVER" "$CA" "$user" "$T/pw" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
	printf -v "${name}_PID" %s $!
	exec {fd}>"$T/$name.in"
	printf -v "${name}_FD" %s "$fd"
}
# rs NAME LINE: sends one request line; its answer in $RS
rs() {
	local name=$1 fdvar=${1}_FD n i
	n=$(wc -l <"$T/$name.out")
	echo "$2" >&"${!fdvar}"
	for i in $(seq 1 200); do
		if (($(wc -l <"$T/$name.out") > n)); then
			RS=$(sed -n "$((n + 1))p" "$T/$name.out")
			return 0
		fi
		sleep 0.05
	done
	fail "kart-readscript $name: no answer to '$2': $(cat "$T/$name.err")"
}

# ---- a policy setting, on a connection already logged in ----
rs_start one masha
rs one "show $B"
[[ $RS == "err 4 "* ]] || fail "before the reload, masha sees petya's card: $RS"
printf 'visibility_manager = all\n' >"$SITE"
hup
grep -q 'reload: in force.*options changed: visibility_manager$' "$T/kartd.err" || fail "the reload does not say what changed"
rs one "show $B"
[[ $RS == "ok $B" ]] || fail "after the reload, on the same connection: $RS"
expect_rc 0 as masha card show "$B"

# ---- a bad config is refused whole, with its file and line; the old values stay ----
printf '# line 1\nvisibility_manager = own\npage_size = 0\n' >"$SITE"
hup
grep -q "reload refused: $SITE: line 3: page_size: must be between" "$T/kartd.err" || fail "no file and line 3 in the log"
rs one "show $B"
[[ $RS == "ok $B" ]] || fail "line 2 of a refused config took effect: $RS"
printf 'visibility_manager = own\nno_such_option = 1\n' >"$SITE"
hup
grep -q "reload refused: $SITE: line 2: unknown key 'no_such_option'" "$T/kartd.err" || fail "unknown key: no line 2"
cp "$T/inst/kartd.conf" "$T/kartd.conf.good"
echo "max_frame = lots" >>"$T/inst/kartd.conf"
N=$(wc -l <"$T/inst/kartd.conf")
hup
grep -q "reload refused: $T/inst/kartd.conf: line $N: max_frame: not a number" "$T/kartd.err" ||
	fail "an error in the instance file: no line $N"
cp "$T/kartd.conf.good" "$T/inst/kartd.conf"
printf 'visibility_manager = own\ntls_cert = %s\n' "$T/missing.pem" >"$SITE"
hup
grep -q "reload refused: cannot load certificate $T/missing.pem" "$T/kartd.err" || fail "a missing certificate was not refused"
echo "not a CRL" >"$T/junk.crl"
printf 'visibility_manager = own\ntls_crl = %s\n' "$T/junk.crl" >"$SITE"
hup
grep -q "reload refused: $T/junk.crl: not a CRL" "$T/kartd.err" || fail "a bad CRL was not refused"
rs one "show $B"
[[ $RS == "ok $B" ]] || fail "a refused reload changed the visibility: $RS"
expect_rc 0 as masha card show "$B"

# ---- options read at start only keep their value, and the log says so ----
PORT=${SERVER##*:}
printf 'visibility_manager = all\nmax_scans = 7\nlisten = 127.0.0.1:1\n' >"$SITE"
hup
grep -q 'reload: listen, max_scans changed, but is read at start only' "$T/kartd.err" ||
	fail "the options needing a restart are not named"
expect_rc 0 as masha whoami

# ---- a new server certificate: new connections get it, an open one goes on ----
fingerprint() { # of the certificate a new connection is shown
	openssl s_client -connect "$SERVER" -CAfile "$CA" </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//'
}
OLD_FP=$(fingerprint)
grep -q "certificate fingerprint SHA256:$OLD_FP" "$T/kartd.err" || fail "the fingerprint shown is not the one logged: $OLD_FP"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/new.key" -subj /CN=localhost \
	-out "$T/new.csr" 2>/dev/null || fail "openssl req"
printf 'subjectAltName = DNS:localhost, IP:127.0.0.1\nextendedKeyUsage = serverAuth\n' >"$T/srvext"
openssl x509 -req -in "$T/new.csr" -CA "$CA" -CAkey "$T/inst/tls/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
	-days 30 -extfile "$T/srvext" -out "$T/new.pem" 2>/dev/null || fail "openssl x509"
NEW_FP=$(openssl x509 -in "$T/new.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
cp "$T/new.pem" "$T/inst/tls/server.pem"
cp "$T/new.key" "$T/inst/tls/server.key"
hup
[[ $(fingerprint) == "$NEW_FP" && $NEW_FP != "$OLD_FP" ]] || fail "a new connection is not shown the new certificate"
grep -q "certificate fingerprint SHA256:$NEW_FP" "$T/kartd.err" || fail "the new fingerprint is not logged"
rs one "show $A"
[[ $RS == "ok $A" ]] || fail "the connection from before the new certificate: $RS"
expect_rc 0 as masha whoami

# ---- a client certificate revoked by a new CRL ----
expect_rc 0 as admin --json admin issue-cert masha -o "$T/masha.pem"
SERIAL=$(jq -r .serial <<<"$OUT")
rs_start two masha "KART_CERT=$T/masha.pem"
rs two "show $A"
[[ $RS == "ok $A" ]] || fail "with the certificate, before the CRL: $RS"
mkdir "$T/ca"
: >"$T/ca/index.txt"
echo 01 >"$T/ca/crlnumber"
printf '[ca]\ndefault_ca = c\n[c]\ndatabase = %s\ncrlnumber = %s\ndefault_md = sha256\ndefault_crl_days = 30\n' \
	"$T/ca/index.txt" "$T/ca/crlnumber" >"$T/ca/ca.cnf"
sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/{p;/END CERTIFICATE/q}' "$T/masha.pem" >"$T/masha.crt"
openssl ca -config "$T/ca/ca.cnf" -keyfile "$T/inst/tls/ca.key" -cert "$CA" -revoke "$T/masha.crt" \
	>"$T/ca/out" 2>&1 || fail "openssl ca -revoke: $(cat "$T/ca/out")"
openssl ca -config "$T/ca/ca.cnf" -keyfile "$T/inst/tls/ca.key" -cert "$CA" -gencrl -out "$T/ca/crl.pem" \
	>"$T/ca/out" 2>&1 || fail "openssl ca -gencrl: $(cat "$T/ca/out")"
printf 'visibility_manager = all\ntls_crl = %s\n' "$T/ca/crl.pem" >"$SITE"
hup
tail -n 3 "$T/kartd.err" | grep -q 'reload: in force.*options changed: tls_crl$' || fail "the CRL reload: $(tail -n 3 "$T/kartd.err")"
rs two "show $A"
[[ $RS == "err 3 "*"revoked"* ]] || fail "the revoked certificate's connection was served: $RS"
(trap '' PIPE; echo "show $A" >&"$two_FD") 2>/dev/null || true
rc=0
wait "$two_PID" || rc=$?
[[ $rc == 1 ]] || fail "the revoked certificate's connection was not ended (exit $rc)"
expect_rc 3 as masha2 --cert "$T/masha.pem" login masha --password-file "$T/pw"
one_line "$ERR"
contains "$ERR" "revoked"
grep -q "$SERIAL" <(openssl crl -in "$T/ca/crl.pem" -noout -text | tr -d ':' | tr 'A-F' 'a-f') ||
	fail "the CRL does not list $SERIAL"
# the connection without a certificate goes on
rs one "show $A"
[[ $RS == "ok $A" ]] || fail "the other connection after the CRL: $RS"

# ---- systemd was told around each reload ----
grep -q '^READY=1$' "$T/notify.log" || fail "no READY=1: $(cat "$T/notify.log")"
[[ $(grep -c '^RELOADING=1 MONOTONIC_USEC=[0-9]*$' "$T/notify.log") == $(grep -c 'SIGHUP: reloading' "$T/kartd.err") ]] ||
	fail "RELOADING=1 not sent for each SIGHUP: $(cat "$T/notify.log")"
[[ $(grep -c '^READY=1$' "$T/notify.log") == $(($(grep -c '^RELOADING=1' "$T/notify.log") + 1)) ]] ||
	fail "READY=1 not sent after each reload: $(cat "$T/notify.log")"
tail -n 1 "$T/notify.log" | grep -q '^READY=1$' || fail "the last message is not READY=1"

# ---- --config names a file that must exist; its errors name it ----
stop_kartd
expect_rc 1 "$KARTD" run --data "$T/inst" --config "$T/none.conf"
contains "$ERR" "$T/none.conf"
printf 'visibility_manager = nobody\n' >"$SITE"
expect_rc 1 "$KARTD" run --data "$T/inst" --config "$SITE"
contains "$ERR" "$SITE: line 1: visibility_manager: must be own, team or all"
echo "ok reload"
