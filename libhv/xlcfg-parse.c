/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl.cfg syntax, read into statements.  The syntax is Xen's (libxlu):
 * "KEY = VALUE" or "KEY += VALUE" statements ended by a newline or ';';
 * VALUE is a "string" or 'string' (with C-like backslash escapes), a
 * number, or a [ list ] of values that may span lines and end with a
 * comma; '#' starts a comment.  xlcfg.c applies the statements key by key.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xlcfg_int.h"

#define MAX_DEPTH 8

/* "guest.cfg:12: " or, for command line overrides, "command line: ". */
void hv__xl_where(const struct parser *ps, int line, char *buf, size_t len)
{
	if (ps->override || line <= 0)
		snprintf(buf, len, "%s", ps->name);
	else
		snprintf(buf, len, "%s:%d", ps->name, line);
}

int hv__xl_perr(struct parser *ps, int line, const char *key,
		const char *fmt, ...)
{
	char loc[300], msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hv__xl_where(ps, line, loc, sizeof(loc));
	if (key)
		HV__ERR(ps->ctx, "%s: %s: %s", loc, key, msg);
	else
		HV__ERR(ps->ctx, "%s: %s", loc, msg);
	return HV_ERROR_CONFIG;
}

static void value_free(struct value *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++)
		value_free(v->items[i]);
	free(v->items);
	free(v->s);
	free(v);
}

void hv__xl_parser_free(struct parser *ps)
{
	for (size_t i = 0; i < ps->nr_stmts; i++) {
		free(ps->stmts[i].key);
		value_free(ps->stmts[i].v);
	}
	free(ps->stmts);
	free(ps->tok_str);
}

/* Lexer. */

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool hv__xl_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_ident(char c)
{
	return is_ident_start(c) || hv__xl_is_digit(c);
}

/* Reads the quoted string at ps->p, backslash escapes decoded. */
static int lex_string(struct parser *ps)
{
	char quote = *ps->p;
	const char *s = ps->p + 1;
	struct hv__buf b = { 0 };
	const char *why;

	for (;;) {
		char c;

		if (s >= ps->end || *s == '\n') {
			hv__buf_free(&b);
			return hv__xl_perr(ps, ps->line, NULL,
					   "string not closed: add the closing %c on the same line",
					   quote);
		}
		c = *s++;
		if (c == quote)
			break;
		if (c == '\0') {
			hv__buf_free(&b);
			return hv__xl_perr(ps, ps->line, NULL,
					   "a NUL byte is not allowed in a string");
		}
		if (c == '\\') {
			int v = 0, n = 0;

			if (s >= ps->end || *s == '\n')
				goto trailing;
			c = *s++;
			switch (c) {
			case '"': case '\'': case '\\':
				break;
			case 'a': c = '\a'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'v': c = '\v'; break;
			case 'x':
				if (s + 2 > ps->end || hv__hexval(s[0]) < 0 ||
				    hv__hexval(s[1]) < 0) {
					hv__buf_free(&b);
					return hv__xl_perr(ps, ps->line, NULL,
							   "\\x in a string needs two hex digits (e.g. \\x41)");
				}
				c = (char)(hv__hexval(s[0]) << 4 | hv__hexval(s[1]));
				s += 2;
				break;
			default:
				if (c < '0' || c > '7') {
					hv__buf_free(&b);
					return hv__xl_perr(ps, ps->line, NULL,
							   "unknown escape \\%c in a string (write \\\\ for a backslash)",
							   c);
				}
				s--;
				while (n < 3 && s < ps->end && *s >= '0' && *s <= '7')
					v = v * 8 + (*s++ - '0'), n++;
				if (v > 255) {
					hv__buf_free(&b);
					return hv__xl_perr(ps, ps->line, NULL,
							   "octal escape in a string is above \\377");
				}
				c = (char)v;
				break;
			}
			if (c == '\0') {
				hv__buf_free(&b);
				return hv__xl_perr(ps, ps->line, NULL,
						   "a NUL byte is not allowed in a string");
			}
		}
		hv__buf_addc(&b, c);
	}
	ps->tok_str = hv__buf_steal(&b);
	if (!ps->tok_str)
		return HV_ERROR_NOMEM;
	ps->tok = T_STRING;
	ps->p = s;
	why = hv__check_utf8(ps->tok_str);
	if (why)
		return hv__xl_perr(ps, ps->line, NULL, "string %s", why);
	return 0;
trailing:
	hv__buf_free(&b);
	return hv__xl_perr(ps, ps->line, NULL,
			   "backslash at the end of a string (write \\\\ for a backslash)");
}

static int set_tok_text(struct parser *ps, enum tok t, const char *s, size_t n)
{
	ps->tok = t;
	ps->tok_str = strndup(s, n);
	return ps->tok_str ? 0 : HV_ERROR_NOMEM;
}

static const struct {
	char c;
	enum tok tok;
} punct[] = {
	{ '\n', T_NL }, { ';', T_SEMI }, { '=', T_EQ }, { ',', T_COMMA },
	{ '[', T_LBRACK }, { ']', T_RBRACK },
};

/* Reads the next token; @value: a value may start here (for bare values). */
static int lex(struct parser *ps, bool value)
{
	const char *s = NULL;

	free(ps->tok_str);
	ps->tok_str = NULL;
	while (ps->p < ps->end) {
		char c = *ps->p;

		if (c == ' ' || c == '\t' || c == '\r') {
			ps->p++;
		} else if (c == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
		} else {
			break;
		}
	}
	ps->tok_start = ps->p;
	ps->tok_line = ps->line;
	ps->tok_len = 1;
	if (ps->p >= ps->end) {
		ps->tok = T_EOF;
		ps->tok_len = 0;
		return 0;
	}
	s = ps->p;
	if (value && ps->override && *s != '"' && *s != '\'' && *s != '[') {
		size_t n = 0;

		while (s + n < ps->end && s[n] != ';' && s[n] != '\n' &&
		       s[n] != '\0')
			n++;
		ps->p = s + n;
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
			     s[n - 1] == '\r'))
			n--;
		ps->tok_len = n;
		if (set_tok_text(ps, T_BARE, s, n))
			return HV_ERROR_NOMEM;
		if (hv__check_utf8(ps->tok_str))
			return hv__xl_perr(ps, ps->line, NULL, "value %s",
					   hv__check_utf8(ps->tok_str));
		return 0;
	}
	for (size_t i = 0; i < sizeof(punct) / sizeof(punct[0]); i++) {
		if (*s == punct[i].c) {
			ps->p++;
			if (*s == '\n')
				ps->line++;
			ps->tok = punct[i].tok;
			return 0;
		}
	}
	switch (*s) {
	case '+':
		if (s + 1 < ps->end && s[1] == '=') {
			ps->p += 2;
			ps->tok = T_PLUSEQ;
			ps->tok_len = 2;
			return 0;
		}
		break;
	case '"':
	case '\'':
		return lex_string(ps);
	}
	if (is_ident_start(*s) || hv__xl_is_digit(*s)) {
		bool number = hv__xl_is_digit(*s);
		size_t n = 0;

		/* A number runs on over letters and dots, so that "512M" or
		 * "1.5" is read whole and refused with a useful message; a
		 * key may have dots after its first character, as Xen's
		 * xl.conf keys do ("vif.default.bridge"). */
		while (s + n < ps->end && (is_ident(s[n]) || s[n] == '.'))
			n++;
		ps->p = s + n;
		ps->tok_len = n;
		return set_tok_text(ps, number ? T_NUMBER : T_IDENT, s, n);
	}
	if (*s == '(' || *s == '{')
		return hv__xl_perr(ps, ps->line, NULL,
				   "unexpected '%c': this looks like Python (an old xm config); xl.cfg has only KEY = VALUE lines",
				   *s);
	if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
		return hv__xl_perr(ps, ps->line, NULL,
				   "unexpected byte 0x%02x (outside strings only KEY = VALUE, numbers and [ lists ] may appear)",
				   (unsigned char)*s);
	return hv__xl_perr(ps, ps->line, NULL,
			   "unexpected '%c' (outside strings only KEY = VALUE, numbers and [ lists ] may appear)",
			   *s);
}

/* The current token, for messages. */
static void tok_desc(const struct parser *ps, char *buf, size_t len)
{
	switch (ps->tok) {
	case T_EOF:
		snprintf(buf, len, "the end of the %s",
			 ps->override ? "text" : "file");
		break;
	case T_NL:
		snprintf(buf, len, "the end of the line");
		break;
	case T_STRING:
		snprintf(buf, len, "the string \"%.40s\"", ps->tok_str);
		break;
	default:
		snprintf(buf, len, "\"%.*s\"",
			 (int)(ps->tok_len > 40 ? 40 : ps->tok_len),
			 ps->tok_start);
		break;
	}
}

static int syntax(struct parser *ps, const char *key, const char *expected)
{
	char found[80];

	tok_desc(ps, found, sizeof(found));
	return hv__xl_perr(ps, ps->tok_line, key, "expected %s, found %s",
			   expected, found);
}

static int skip_newlines(struct parser *ps)
{
	int rc = 0;

	while (!rc && ps->tok == T_NL)
		rc = lex(ps, false);
	return rc;
}

static int parse_value(struct parser *ps, const char *key, struct value **v_r);

static int parse_list(struct parser *ps, const char *key, struct value *list)
{
	int rc;

	if (++ps->depth > MAX_DEPTH)
		return hv__xl_perr(ps, ps->tok_line, key,
				   "lists nested more than %d deep", MAX_DEPTH);
	rc = lex(ps, false);
	if (!rc)
		rc = skip_newlines(ps);
	while (!rc && ps->tok != T_RBRACK) {
		struct value *item, **items;

		rc = parse_value(ps, key, &item);
		if (rc)
			break;
		items = realloc(list->items, (list->n + 1) * sizeof(*items));
		if (!items) {
			value_free(item);
			return HV_ERROR_NOMEM;
		}
		items[list->n++] = item;
		list->items = items;
		rc = skip_newlines(ps);
		if (rc || ps->tok == T_RBRACK)
			break;
		if (ps->tok != T_COMMA)
			return syntax(ps, key, "',' or ']' in the list");
		rc = lex(ps, false);
		if (!rc)
			rc = skip_newlines(ps);
	}
	if (rc)
		return rc;
	ps->depth--;
	return lex(ps, false);
}

/* Parses the value starting at the current token, and moves past it. */
static int parse_value(struct parser *ps, const char *key, struct value **v_r)
{
	struct value *v = calloc(1, sizeof(*v));
	int rc = 0;

	*v_r = NULL;
	if (!v)
		return HV_ERROR_NOMEM;
	v->line = ps->tok_line;
	switch (ps->tok) {
	case T_LBRACK:
		v->is_list = true;
		rc = parse_list(ps, key, v);
		break;
	case T_STRING:
	case T_BARE:
	case T_NUMBER:
		v->quoted = ps->tok == T_STRING;
		v->s = ps->tok_str;
		ps->tok_str = NULL;
		rc = lex(ps, false);
		break;
	case T_IDENT:
		rc = hv__xl_perr(ps, ps->tok_line, key,
				 "%s needs quotes: write %s = \"%s\"",
				 ps->tok_str, key, ps->tok_str);
		break;
	default:
		rc = syntax(ps, key,
			    "a value (a \"string\", a number or a [ list ])");
		break;
	}
	if (rc) {
		value_free(v);
		return rc;
	}
	*v_r = v;
	return 0;
}

static int parse_stmt(struct parser *ps)
{
	struct stmt st = { .line = ps->tok_line };
	struct stmt *n;
	int rc;

	st.key = ps->tok_str;
	ps->tok_str = NULL;
	rc = lex(ps, false);
	if (rc)
		goto fail;
	if (ps->tok != T_EQ && ps->tok != T_PLUSEQ) {
		static const char *const python[] = {
			"import", "from", "def", "if", "for",
		};

		for (size_t i = 0; i < sizeof(python) / sizeof(python[0]); i++) {
			if (!strcmp(st.key, python[i])) {
				rc = hv__xl_perr(ps, st.line, st.key,
						 "this looks like Python (an old xm config); xl.cfg has only KEY = VALUE lines");
				goto fail;
			}
		}
		rc = syntax(ps, st.key, "'=' after the key");
		goto fail;
	}
	st.append = ps->tok == T_PLUSEQ;
	rc = lex(ps, true);
	if (!rc)
		rc = parse_value(ps, st.key, &st.v);
	if (rc)
		goto fail;
	if (ps->tok != T_NL && ps->tok != T_SEMI && ps->tok != T_EOF) {
		rc = syntax(ps, st.key,
			    "the end of the line or ';' after the value");
		goto fail;
	}
	n = realloc(ps->stmts, (ps->nr_stmts + 1) * sizeof(*n));
	if (!n) {
		rc = HV_ERROR_NOMEM;
		goto fail;
	}
	n[ps->nr_stmts++] = st;
	ps->stmts = n;
	return 0;
fail:
	free(st.key);
	value_free(st.v);
	return rc;
}

int hv__xl_parse_text(struct parser *ps)
{
	int rc = lex(ps, false);

	while (!rc && ps->tok != T_EOF) {
		if (ps->tok == T_NL || ps->tok == T_SEMI) {
			rc = lex(ps, false);
			continue;
		}
		if (ps->tok != T_IDENT)
			return syntax(ps, NULL, "a KEY = VALUE setting");
		rc = parse_stmt(ps);
		if (!rc && ps->tok != T_EOF)
			rc = lex(ps, false);
	}
	return rc;
}
