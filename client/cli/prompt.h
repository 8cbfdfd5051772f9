/* prompt: passwords for the `kart` commands. */
#ifndef KART_PROMPT_H
#define KART_PROMPT_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"

/* A password from --password-file, else from stdin when it is not a terminal,
 * else asked for on the terminal (twice when confirm is set). Returns an
 * exit code; *out is freed with free_secret. */
int read_password(const struct cmd_args *a, const char *prompt, bool confirm, char **out);
/* Asks on the terminal with echo off; NULL on end of input. */
char *prompt_hidden(const char *prompt);
/* The first line of f without its line ending, or NULL at end of file. */
char *first_line(FILE *f);
/* Wipes and frees a secret (NULL is fine). */
void free_secret(char *s);

#endif
