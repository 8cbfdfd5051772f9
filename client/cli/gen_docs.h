/* gen_docs: what the parts of kart-gendocs share (gen_docs.c: the man pages
 * and main; gen_completion.c: the completions). */
#ifndef KART_GEN_DOCS_H
#define KART_GEN_DOCS_H

#include <stdbool.h>

/* Writes kart's zsh (zsh) or bash completion to out. Returns 0 or -1. */
int gen_completion(const char *out, bool zsh, const char *version);

#endif
