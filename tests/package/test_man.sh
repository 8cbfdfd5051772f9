# The man pages: each renders with groff without a warning (-ww), and
# man -l reads it; kart(1) has every command and every option kart's own help
# lists; kartd(8) every command and option of kartd's usage; kartd.conf(5)
# every key, with its default, that `kartd init` writes.
source "$(dirname "$0")/lib.sh"
: "${KARTD:?KARTD must point to the kartd binary}"
command -v groff >/dev/null || skip "groff is not installed"

for page in kart.1 kartd.8 kartd.conf.5 kart-tui.1; do
	[[ -s $DOC_DIR/$page ]] || fail "$page was not generated"
	groff -man -Tutf8 -ww -z "$DOC_DIR/$page" 2>"$T/warn" || fail "groff failed on $page"
	[[ ! -s $T/warn ]] || fail "groff warns on $page: $(head -3 "$T/warn")"
	# the plain text, as man shows it without a terminal (dashes as -)
	groff -man -Tascii -P-cbou "$DOC_DIR/$page" >"$T/$page.txt" 2>/dev/null
	grep -q '^NAME' "$T/$page.txt" || fail "$page has no NAME section"
	if command -v man >/dev/null; then
		MANWIDTH=80 man -l "$DOC_DIR/$page" >"$T/man.out" 2>"$T/man.err" || fail "man -l $page failed"
		[[ -s $T/man.out ]] || fail "man -l $page printed nothing"
	fi
done

# kart(1): every command as a "kart NAME ..." tag, every option of each as a
# "--NAME" (or "-X, --NAME") tag below it, or in GLOBAL OPTIONS for the global
# ones. Tags are never broken, so each starts a line of the rendered page.
kart_commands >"$T/commands"
ncmd=$(wc -l <"$T/commands")
((ncmd > 50)) || fail "kart help listed only $ncmd commands"
while read -r cmd; do
	kart_options "$cmd" | sed "s/^/$cmd\t/"
done <"$T/commands" >"$T/expected"
awk -F '\t' 'FILENAME == ARGV[1] { want[$1 "\t" $2] = 1; cmds[$1] = 1; next }
	/^GLOBAL OPTIONS/ { cur = "GLOBAL"; next }
	/^       kart / {
		line = substr($0, 13); cur = ""
		for (c in cmds)
			if ((line == c || index(line, c " ") == 1) && length(c) > length(cur))
				cur = c
		seen[cur] = 1
		next
	}
	/^ +-/ && cur != "" {
		sub(/^ +/, ""); split($0, w, /[ ,]+/)
		have[cur "\t" w[1]] = 1
		if (w[2] ~ /^--/) have[cur "\t" w[2]] = 1
	}
	END {
		for (c in cmds)
			if (!(c in seen)) { print "kart(1) does not list kart " c; bad = 1 }
		for (k in want) {
			split(k, p, "\t")
			if (!(k in have) && !(("GLOBAL\t" p[2]) in have)) { print "kart(1) lacks " p[2] " of kart " p[1]; bad = 1 }
		}
		exit bad
	}' "$T/expected" "$T/kart.1.txt" >"$T/missing" || fail "$(head -5 "$T/missing")"

# kartd(8), written by hand: every command and option of kartd's own usage
"$KARTD" --help >"$T/kartd.help" 2>&1 || true
grep -oE '^ *(usage: )?kartd [a-z-]+' "$T/kartd.help" | awk '{ print $NF }' | sort -u >"$T/kartd.cmds"
(($(wc -l <"$T/kartd.cmds") >= 7)) || fail "kartd --help listed only: $(tr '\n' ' ' <"$T/kartd.cmds")"
while read -r c; do
	grep -q "^ *kartd $c\b" "$T/kartd.8.txt" || fail "kartd(8) has no synopsis of kartd $c"
done <"$T/kartd.cmds"
for o in $(grep -E '^ *(usage: )?kartd ' "$T/kartd.help" | grep -oE -- '(^| |\[)--?[a-z][a-z-]*' | tr -d ' [' | sort -u); do
	grep -q -- "$o" "$T/kartd.8.txt" || fail "kartd(8) lacks the option $o"
done

# kartd.conf(5): each key `kartd init` writes, with the value it writes
"$KARTD" init --data "$T/inst" --listen 127.0.0.1:0 >/dev/null || fail "kartd init"
# key<TAB>value, as init wrote them and as the page gives the defaults
sed -nE 's/^([a-z0-9_]+) = "?([^"]*)"?$/\1\t\2/p' "$T/inst/kartd.conf" |
	sed -E 's/^listen\t.*/listen\t127.0.0.1:7443/; s/\t$/\tempty/' | sort >"$T/keys.init"
awk '/^       [a-z]/ { key = $1; next }
	key != "" && /^ +Default: / { sub(/^ +Default: /, ""); sub(/\.$/, ""); print key "\t" $0; key = "" }' \
	"$T/kartd.conf.5.txt" | sort >"$T/keys.man"
missing=$(comm -23 "$T/keys.init" "$T/keys.man")
[[ -z $missing ]] || fail "kartd.conf(5) lacks these keys with these defaults: $missing"
nkeys=$(wc -l <"$T/keys.init")
((nkeys > 40)) || fail "kartd init wrote only $nkeys keys"
echo "PASS: man pages render cleanly; kart(1) has $ncmd commands and their $(wc -l <"$T/expected") options, kartd.conf(5) $nkeys keys"
