/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the xl.cfg reader's two parts share: xlcfg-parse.c reads the text
 * into statements (struct parser), xlcfg.c applies them to a configuration.
 */
#ifndef HV_XLCFG_INT_H
#define HV_XLCFG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include "config/config_int.h"

enum tok {
	T_EOF, T_NL, T_SEMI, T_EQ, T_PLUSEQ, T_COMMA, T_LBRACK, T_RBRACK,
	T_IDENT, T_NUMBER, T_STRING, T_BARE,
};

struct value {
	bool is_list;
	bool quoted;		/* atom written as a string */
	int line;
	char *s;		/* atom text */
	struct value **items;	/* list */
	size_t n;
};

struct stmt {
	char *key;
	bool append;		/* += */
	int line;
	struct value *v;
};

struct parser {
	hv_ctx *ctx;
	const char *name;	/* file name in messages */
	bool override;		/* hv_config_set(): bare values, no lines */
	const char *p, *end;
	int line;
	/* the current token */
	enum tok tok;
	int tok_line;
	const char *tok_start;
	size_t tok_len;
	char *tok_str;		/* T_STRING/T_BARE/T_NUMBER/T_IDENT text */
	int depth;
	struct stmt *stmts;
	size_t nr_stmts;
};

/* "guest.cfg:12" or, for command line overrides, "command line". */
void hv__xl_where(const struct parser *ps, int line, char *buf, size_t len);
/* Logs "WHERE: KEY: message" (KEY may be NULL); returns HV_ERROR_CONFIG. */
int hv__xl_perr(struct parser *ps, int line, const char *key,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Reads the whole text into ps->stmts: 0, HV_ERROR_CONFIG (logged) or
 * HV_ERROR_NOMEM. */
int hv__xl_parse_text(struct parser *ps);
/* Frees the statements and the current token (not @ps itself). */
void hv__xl_parser_free(struct parser *ps);
bool hv__xl_is_digit(char c);

#endif
