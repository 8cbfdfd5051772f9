# The bash and zsh completions kart-gendocs made: driven as the shells drive
# them, they offer every command word after the words before it, and every
# option kart's own help lists for a command; an option's FILE value
# completes files.
source "$(dirname "$0")/lib.sh"

kart_commands >"$T/commands"
while read -r cmd; do
	kart_options "$cmd" | sort -u >"$T/opts.${cmd// /_}"
done <"$T/commands"
mkdir "$T/files" && touch "$T/files/ca.pem" "$T/files/cards.csv"

# complete LINE: what _kart offers with the cursor at the end of LINE, one a
# line (COMP_LINE and COMP_WORDS set as bash sets them, but unsplit at : and =).
cat >"$T/drive.bash" <<'DRIVE'
source "$1" || exit 1
complete_line() {
	COMP_LINE=$1 COMP_POINT=${#1}
	read -ra COMP_WORDS <<<"$1"
	[[ $1 == *' ' ]] && COMP_WORDS+=('')
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_kart
	printf "%s\n" "${COMPREPLY[@]}"
}
shift
for line in "$@"; do
	echo "== $line"
	complete_line "$line"
done
DRIVE
# offers FILE: the driver's output as "LINE<TAB>WORD" lines, sorted
offers() {
	awk '/^== / { line = substr($0, 4); next } { print line "\t" $0 }' "$1" | sort -u
}
# what must be offered: every command word after the words before it (also
# after help and after a global option), every long option of a command
lines=("kart " "kart help " "kart --json ")
while read -r cmd; do
	words=($cmd)
	for ((k = 0; k < ${#words[@]}; k++)); do
		prefix="kart ${words[*]:0:k}"
		[[ $prefix == "kart " ]] || prefix+=" "
		lines+=("$prefix")
		printf '%s\t%s\n' "$prefix" "${words[k]}"
	done
	printf 'kart help \t%s\nkart --json \t%s\n' "${words[0]}" "${words[0]}"
	lines+=("kart $cmd --")
	grep -- '^--' "$T/opts.${cmd// /_}" | sed "s/^/kart $cmd --\t/"
done <"$T/commands" >"$T/expected.all"
sort -u "$T/expected.all" >"$T/expected"
lines+=("kart --ca " "kart --server 127.0.0.1:7443 card add --vip --fir" "kart import --format csv " "kart card ad")
mapfile -t lines < <(printf '%s\n' "${lines[@]}" | sort -u)

(cd "$T/files" && bash "$T/drive.bash" "$DOC_DIR/kart.bash" "${lines[@]}") >"$T/bash.out" || fail "bash: _kart failed"
offers "$T/bash.out" >"$T/got"
missing=$(comm -23 "$T/expected" "$T/got")
[[ -z $missing ]] || fail "bash does not offer (line, word): $(head -5 <<<"$missing")"
# and no option a command does not take
extra=$(comm -13 "$T/expected" "$T/got" | grep -P -- '^kart [^\t]*--\t' || true)
[[ -z $extra ]] || fail "bash offers options kart's help does not list: $(head -5 <<<"$extra")"
offered() { awk -F '\t' -v l="$1" '$1 == l { print $2 }' "$T/got"; }
[[ $(offered "kart --ca ") == $'ca.pem\ncards.csv' ]] || fail "bash: --ca does not complete files: $(offered "kart --ca ")"
[[ $(offered "kart import --format csv ") == *cards.csv* ]] || fail "bash: import does not complete files"
[[ $(offered "kart --server 127.0.0.1:7443 card add --vip --fir") == --first ]] ||
	fail "bash: 'kart --server H:P card add --vip --fir' offers: $(offered "kart --server 127.0.0.1:7443 card add --vip --fir")"
[[ $(offered "kart card ad") == add ]] || fail "bash: 'kart card ad' offers: $(offered "kart card ad")"
echo "bash: every command word and every option of $(wc -l <"$T/commands") commands offered"

if ! command -v zsh >/dev/null; then
	echo "PASS (bash); zsh is not installed: its completion is not checked"
	exit 0
fi
zsh -n "$DOC_DIR/_kart" || fail "zsh: _kart does not parse"
# _kart in zsh with compsys's _describe, _files and _message replaced by
# printers of what they are given: the command and option words it offers.
cat >"$T/drive.zsh" <<'DRIVE'
_describe() { local -a a; a=(${(P)${@[-1]}}); print -rl -- ${a%%:*} }
_files() { print -r -- FILES }
_message() { print -r -- "MESSAGE $*" }
source $1 >/dev/null || exit 1
shift
for line in "$@"; do
	print -r -- "== $line"
	words=(${(z)line}) CURRENT=$#words PREFIX=
	if [[ $line == *' ' ]]; then
		words+=('')
		CURRENT=$#words
	else
		PREFIX=$words[-1]
	fi
	_kart | sort -u
done
DRIVE
zsh "$T/drive.zsh" "$DOC_DIR/_kart" "${lines[@]}" >"$T/zsh.out" || fail "zsh: _kart failed"
# the zsh printers do not filter by the word typed: the lines that end in a
# blank or "--" are the ones whose offers are all to be there
offers "$T/zsh.out" >"$T/got"
missing=$(comm -23 "$T/expected" "$T/got")
[[ -z $missing ]] || fail "zsh does not offer (line, word): $(head -5 <<<"$missing")"
[[ $(offered "kart --ca ") == FILES ]] || fail "zsh: --ca does not complete files"
echo "PASS: bash and zsh complete every command word and option"
