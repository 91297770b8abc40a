/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl.cfg reader.  The syntax is Xen's (libxlu): "KEY = VALUE" or
 * "KEY += VALUE" statements ended by a newline or ';'; VALUE is a "string"
 * or 'string' (with C-like backslash escapes), a number, or a [ list ] of
 * values that may span lines and end with a comma; '#' starts a comment.
 * The file is read into statements first, then applied key by key.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config/config_int.h"

#define MAX_FILE_SIZE (16u << 20)
#define MAX_DEPTH 8

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

/* "guest.cfg:12: " or, for command line overrides, "command line: ". */
static void where(const struct parser *ps, int line, char *buf, size_t len)
{
	if (ps->override || line <= 0)
		snprintf(buf, len, "%s", ps->name);
	else
		snprintf(buf, len, "%s:%d", ps->name, line);
}

static int perr(struct parser *ps, int line, const char *key,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int perr(struct parser *ps, int line, const char *key,
		const char *fmt, ...)
{
	char loc[300], msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	where(ps, line, loc, sizeof(loc));
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

static void parser_free(struct parser *ps)
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

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_ident(char c)
{
	return is_ident_start(c) || is_digit(c);
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
			return perr(ps, ps->line, NULL,
				    "string not closed: add the closing %c on the same line",
				    quote);
		}
		c = *s++;
		if (c == quote)
			break;
		if (c == '\0') {
			hv__buf_free(&b);
			return perr(ps, ps->line, NULL,
				    "a NUL byte is not allowed in a string");
		}
		/* Like Xen, a single-quoted string ends at the next quote
		 * even after a backslash, but escapes inside are decoded. */
		if (c == '\\' && quote == '\'' &&
		    (s >= ps->end || *s == '\''))
			goto trailing;
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
					return perr(ps, ps->line, NULL,
						    "\\x in a string needs two hex digits (e.g. \\x41)");
				}
				c = (char)(hv__hexval(s[0]) << 4 | hv__hexval(s[1]));
				s += 2;
				break;
			default:
				if (c < '0' || c > '7') {
					hv__buf_free(&b);
					return perr(ps, ps->line, NULL,
						    "unknown escape \\%c in a string (write \\\\ for a backslash)",
						    c);
				}
				s--;
				while (n < 3 && s < ps->end && *s >= '0' && *s <= '7')
					v = v * 8 + (*s++ - '0'), n++;
				if (v > 255) {
					hv__buf_free(&b);
					return perr(ps, ps->line, NULL,
						    "octal escape in a string is above \\377");
				}
				c = (char)v;
				break;
			}
			if (c == '\0') {
				hv__buf_free(&b);
				return perr(ps, ps->line, NULL,
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
		return perr(ps, ps->line, NULL, "string %s", why);
	return 0;
trailing:
	hv__buf_free(&b);
	return perr(ps, ps->line, NULL,
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
			return perr(ps, ps->line, NULL, "value %s",
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
	if (is_ident_start(*s) || is_digit(*s)) {
		bool number = is_digit(*s);
		size_t n = 0;

		/* A number runs on over letters and dots, so that "512M" or
		 * "1.5" is read whole and refused with a useful message. */
		while (s + n < ps->end &&
		       (is_ident(s[n]) || (number && s[n] == '.')))
			n++;
		ps->p = s + n;
		ps->tok_len = n;
		return set_tok_text(ps, number ? T_NUMBER : T_IDENT, s, n);
	}
	if (*s == '(' || *s == '{')
		return perr(ps, ps->line, NULL,
			    "unexpected '%c': this looks like Python (an old xm config); xl.cfg has only KEY = VALUE lines",
			    *s);
	if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
		return perr(ps, ps->line, NULL,
			    "unexpected byte 0x%02x (outside strings only KEY = VALUE, numbers and [ lists ] may appear)",
			    (unsigned char)*s);
	return perr(ps, ps->line, NULL,
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
	return perr(ps, ps->tok_line, key, "expected %s, found %s", expected,
		    found);
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
		return perr(ps, ps->tok_line, key,
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
		rc = perr(ps, ps->tok_line, key,
			  "%s needs quotes: write %s = \"%s\"", ps->tok_str,
			  key, ps->tok_str);
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
				rc = perr(ps, st.line, st.key,
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

static int parse_text(struct parser *ps)
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

/* Applying statements to a configuration. */

struct apply {
	struct parser *ps;
	hv_domain_config *cfg;
	const struct stmt *st;
	bool type_given;
};

static int aerr(struct apply *a, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int aerr(struct apply *a, int line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return perr(a->ps, line ? line : a->st->line, a->st->key, "%s", msg);
}

/* The single value of the statement. */
static int atom(struct apply *a, const char **s_r)
{
	const struct value *v = a->st->v;

	if (v->is_list)
		return aerr(a, v->line,
			    "expects a single value, not a list (write %s = \"...\")",
			    a->st->key);
	*s_r = v->s;
	return 0;
}

static int no_append(struct apply *a)
{
	if (!a->st->append)
		return 0;
	return aerr(a, 0, "+= only adds to strings and lists; use %s = ...",
		    a->st->key);
}

static int apply_string(struct apply *a, char **field)
{
	const char *s = NULL;
	char *n;
	int rc = atom(a, &s);

	if (rc)
		return rc;
	if (a->st->append && *field) {
		if (asprintf(&n, "%s%s", *field, s) < 0)
			return HV_ERROR_NOMEM;
	} else if (!(n = strdup(s))) {
		return HV_ERROR_NOMEM;
	}
	free(*field);
	*field = n;
	return 0;
}

/*
 * Reads a whole number: decimal or 0x hex.  Xen reads a leading 0 as
 * octal; that is refused rather than guessed.
 */
static int number(struct apply *a, uint64_t max, const char *unit,
		  uint64_t *v_r)
{
	const char *s = NULL, *p;
	uint64_t v = 0;
	int base = 10, rc;

	rc = no_append(a);
	if (!rc)
		rc = atom(a, &s);
	if (rc)
		return rc;
	p = s;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && p[2]) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && is_digit(p[1])) {
		return aerr(a, 0, "\"%s\" has a leading zero, which Xen reads as octal; write it without the zero (or as 0x... hex)",
			    s);
	}
	if (!*p)
		goto bad;
	for (; *p; p++) {
		int d = base == 16 ? hv__hexval(*p) : (is_digit(*p) ? *p - '0' : -1);

		if (d < 0)
			goto bad;
		if (v > (max - (uint64_t)d) / (uint64_t)base)
			return aerr(a, 0, "%s is too large (at most %" PRIu64 ")",
				    s, max);
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*v_r = v;
	return 0;
bad:
	if (unit && is_digit(s[0])) {
		char *end;
		unsigned long long n = strtoull(s, &end, 10);
		int shift = -1;

		if (!strcasecmp(end, "k") || !strcasecmp(end, "kb"))
			shift = -10;
		else if (!strcasecmp(end, "m") || !strcasecmp(end, "mb"))
			shift = 0;
		else if (!strcasecmp(end, "g") || !strcasecmp(end, "gb"))
			shift = 10;
		else if (!strcasecmp(end, "t") || !strcasecmp(end, "tb"))
			shift = 20;
		if (shift == 0 || (shift > 0 && n < (1ULL << 40)))
			return aerr(a, 0, "\"%s\" has a unit, but %s is a plain number of MiB (write %s = %llu)",
				    s, a->st->key, a->st->key, n << shift);
		if (shift == -10)
			return aerr(a, 0, "\"%s\" has a unit, but %s is a plain number of MiB (write %s = %llu)",
				    s, a->st->key, a->st->key,
				    n / 1024 ? n / 1024 : 1);
	}
	if (unit)
		return aerr(a, 0, "\"%s\" is not a number of %s (try %s = 512)",
			    s, unit, a->st->key);
	return aerr(a, 0, "\"%s\" is not a whole number (try %s = 2)", s,
		    a->st->key);
}

static int apply_mib(struct apply *a, uint64_t *field)
{
	return number(a, INT64_MAX, "MiB", field);
}

static int apply_count(struct apply *a, unsigned int *field)
{
	uint64_t v;
	int rc = number(a, UINT32_MAX, NULL, &v);

	if (!rc)
		*field = (unsigned int)v;
	return rc;
}

static int apply_enum(struct apply *a, const struct hv__enum_names *e,
		      int *v_r)
{
	const char *s = NULL;
	int rc = no_append(a), v;

	if (!rc)
		rc = atom(a, &s);
	if (rc)
		return rc;
	v = hv__enum_value(e, s);
	if (!v)
		return aerr(a, 0, "\"%s\" is not %s", s, e->choices);
	*v_r = v;
	return 0;
}

static int k_name(struct apply *a)
{
	int rc = apply_string(a, &a->cfg->name);
	const char *why;

	if (rc)
		return rc;
	why = hv__check_name(a->cfg->name);
	if (why)
		return aerr(a, 0, "\"%s\" %s", a->cfg->name, why);
	return 0;
}

static int k_uuid(struct apply *a)
{
	const char *s = NULL;
	int rc = no_append(a);

	if (!rc)
		rc = atom(a, &s);
	if (rc)
		return rc;
	if (hv__uuid_parse(s, a->cfg->uuid))
		return aerr(a, 0, "\"%s\" is not a UUID (write 32 hex digits as 8-4-4-4-12, e.g. \"4f1c2d9e-7b1a-4c3e-9a52-0d6e8f3b2a10\")",
			    s);
	a->cfg->has_uuid = 1;
	return 0;
}

static int set_type(struct apply *a, const char *s, const char *key)
{
	if (!strcmp(s, "pvh")) {
		a->cfg->type = HV_DOMAIN_PVH;
	} else if (!strcmp(s, "hvm")) {
		a->cfg->type = HV_DOMAIN_HVM;
	} else if (!strcmp(s, "pv") || !strcmp(s, "generic") ||
		   !strcmp(s, "linux")) {
		return aerr(a, 0, "\"%s\" asks for a PV guest, which hv does not have: write type = \"pvh\" (PV-capable Linux kernels boot as PVH)",
			    s);
	} else {
		return aerr(a, 0, "\"%s\" is not a guest type (write %s = \"pvh\" or \"hvm\")",
			    s, key);
	}
	return 0;
}

static int k_type(struct apply *a)
{
	const char *s = NULL;
	int rc = no_append(a);

	if (!rc)
		rc = atom(a, &s);
	if (!rc)
		rc = set_type(a, s, "type");
	if (!rc)
		a->type_given = true;
	return rc;
}

static int k_builder(struct apply *a)
{
	const char *s = NULL;
	int rc = no_append(a);

	if (!rc)
		rc = atom(a, &s);
	if (rc)
		return rc;
	if (a->type_given) {
		char loc[300];

		where(a->ps, a->st->line, loc, sizeof(loc));
		HV__WARN(a->ps->ctx, "%s: builder: ignored because type is set; remove builder",
			 loc);
		return 0;
	}
	return set_type(a, s, "builder");
}

static int k_cpus(struct apply *a)
{
	char buf[256];
	const char *why;
	int rc;

	if (a->st->v->is_list)
		return aerr(a, a->st->v->line,
			    "per-vCPU lists are not supported; give one string for all vCPUs, e.g. cpus = \"0-3\"");
	rc = apply_string(a, &a->cfg->cpus);
	if (rc)
		return rc;
	why = hv__check_cpus(a->cfg->cpus, buf, sizeof(buf));
	if (why)
		return aerr(a, 0, "\"%s\" %s", a->cfg->cpus, why);
	return 0;
}

/* disk = [ ... ] and vif = [ ... ]: "=" replaces the list, "+=" adds. */
static int apply_devices(struct apply *a, bool disks)
{
	const struct value *v = a->st->v;
	const struct value *const *items = &v;
	size_t n = 1;
	char loc[300], what[340];
	int rc;

	if (v->is_list) {
		items = (const struct value *const *)v->items;
		n = v->n;
	}
	if (!a->st->append) {
		hv_domain_config *cfg = a->cfg;

		if (disks) {
			for (size_t i = 0; i < cfg->nr_disks; i++)
				hv_disk_spec_free(cfg->disks[i]);
			free(cfg->disks);
			cfg->disks = NULL;
			cfg->nr_disks = 0;
		} else {
			for (size_t i = 0; i < cfg->nr_vifs; i++)
				hv_vif_spec_free(cfg->vifs[i]);
			free(cfg->vifs);
			cfg->vifs = NULL;
			cfg->nr_vifs = 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct value *it = items[i];
		hv_disk_spec *disk = NULL;
		hv_vif_spec *vif = NULL;

		if (it->is_list)
			return aerr(a, it->line,
				    "entry %zu is a list; each entry is one \"string\"",
				    i + 1);
		where(a->ps, it->line, loc, sizeof(loc));
		snprintf(what, sizeof(what), "%s: %s", loc, a->st->key);
		if (disks) {
			rc = hv_disk_spec_new(&disk);
			if (!rc)
				rc = hv__disk_spec_parse(a->ps->ctx, what,
							 it->s, disk);
			if (!rc)
				rc = hv_domain_config_add_disk(a->cfg, disk);
			if (rc)
				hv_disk_spec_free(disk);
		} else {
			rc = hv_vif_spec_new(&vif);
			if (!rc)
				rc = hv__vif_spec_parse(a->ps->ctx, what,
							it->s, vif);
			if (!rc)
				rc = hv_domain_config_add_vif(a->cfg, vif);
			if (rc)
				hv_vif_spec_free(vif);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int k_disk(struct apply *a)
{
	return apply_devices(a, true);
}

static int k_vif(struct apply *a)
{
	return apply_devices(a, false);
}

/* How each key is read: by its kind, into the member at off, or by fn. */
enum key_kind { K_STRING, K_MIB, K_COUNT, K_ACTION, K_CUSTOM };

#define KEY(name, kind, member) \
	{ name, kind, offsetof(hv_domain_config, member), NULL }

static const struct xl_key {
	const char *key;
	enum key_kind kind;
	size_t off;
	int (*fn)(struct apply *a);
} keys[] = {
	{ "name", K_CUSTOM, 0, k_name },
	{ "uuid", K_CUSTOM, 0, k_uuid },
	{ "type", K_CUSTOM, 0, k_type },
	{ "builder", K_CUSTOM, 0, k_builder },
	KEY("memory", K_MIB, memory_mib),
	KEY("maxmem", K_MIB, maxmem_mib),
	KEY("vcpus", K_COUNT, vcpus),
	KEY("maxvcpus", K_COUNT, maxvcpus),
	{ "cpus", K_CUSTOM, 0, k_cpus },
	KEY("kernel", K_STRING, kernel),
	KEY("ramdisk", K_STRING, ramdisk),
	KEY("cmdline", K_STRING, cmdline),
	KEY("root", K_STRING, root),
	KEY("extra", K_STRING, extra),
	KEY("on_poweroff", K_ACTION, on_poweroff),
	KEY("on_reboot", K_ACTION, on_reboot),
	KEY("on_crash", K_ACTION, on_crash),
	{ "disk", K_CUSTOM, 0, k_disk },
	{ "vif", K_CUSTOM, 0, k_vif },
};

static int apply_key(struct apply *a, const struct xl_key *k)
{
	void *field = (char *)a->cfg + k->off;
	int v = 0, rc;

	switch (k->kind) {
	case K_STRING:
		return apply_string(a, field);
	case K_MIB:
		return apply_mib(a, field);
	case K_COUNT:
		return apply_count(a, field);
	case K_ACTION:
		rc = apply_enum(a, &hv__action_names, &v);
		if (!rc)
			*(enum hv_action *)field = v;
		return rc;
	case K_CUSTOM:
		break;
	}
	return k->fn(a);
}

static int apply_stmts(struct parser *ps, hv_domain_config *cfg)
{
	struct apply a = { .ps = ps, .cfg = cfg };
	char loc[300];

	/* type wins over builder wherever it appears, as in xl. */
	for (size_t i = 0; i < ps->nr_stmts; i++)
		if (!strcmp(ps->stmts[i].key, "type"))
			a.type_given = true;
	for (size_t i = 0; i < ps->nr_stmts; i++) {
		const struct stmt *st = &ps->stmts[i];
		size_t k;
		int rc;

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(keys[k].key, st->key))
				break;
		if (k == sizeof(keys) / sizeof(keys[0])) {
			where(ps, st->line, loc, sizeof(loc));
			HV__WARN(ps->ctx, "%s: %s: not used by hv; ignored",
				 loc, st->key);
			continue;
		}
		a.st = st;
		rc = apply_key(&a, &keys[k]);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_and_apply(hv_ctx *ctx, const char *name, bool override,
			   const char *buf, size_t len, hv_domain_config *cfg)
{
	struct parser ps = {
		.ctx = ctx, .name = name, .override = override,
		.p = buf, .end = buf + len, .line = 1,
	};
	hv_domain_config tmp;
	size_t size = hv__cfg_size(cfg);
	int rc;

	if (!size) {
		HV__ERR(ctx, "%s: the configuration was not initialised (call hv_domain_config_init() first)",
			name);
		return HV_ERROR_INVAL;
	}
	rc = parse_text(&ps);
	if (rc)
		goto out;
	hv_domain_config_init_sized(&tmp, size);
	rc = hv_domain_config_copy(&tmp, cfg);
	if (!rc)
		rc = apply_stmts(&ps, &tmp);
	if (rc)
		hv_domain_config_dispose(&tmp);
	else
		hv__cfg_replace(cfg, &tmp);
out:
	parser_free(&ps);
	return rc;
}

HV__EXPORT int hv_config_parse_xl_buffer(hv_ctx *ctx, const char *name,
					 const char *buf, size_t len,
					 hv_domain_config *cfg)
{
	return parse_and_apply(ctx, name ? name : "config", false, buf, len,
			       cfg);
}

HV__EXPORT int hv_config_set(hv_ctx *ctx, hv_domain_config *cfg,
			     const char *key_equals_value)
{
	return parse_and_apply(ctx, "command line", true, key_equals_value,
			       strlen(key_equals_value), cfg);
}

HV__EXPORT int hv_config_parse_xl_file(hv_ctx *ctx, const char *path,
				       hv_domain_config *cfg)
{
	struct hv__buf b = { 0 };
	char chunk[8192];
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		HV__ERR(ctx, "%s: cannot open the config file: %s", path,
			strerror(errno));
		return HV_ERROR_IO;
	}
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			HV__ERR(ctx, "%s: cannot read the config file: %s",
				path, strerror(errno));
			rc = HV_ERROR_IO;
			goto out;
		}
		if (!r)
			break;
		if (b.len + (size_t)r > MAX_FILE_SIZE) {
			HV__ERR(ctx, "%s: larger than %u MiB; is this really a domain config file?",
				path, MAX_FILE_SIZE >> 20);
			rc = HV_ERROR_CONFIG;
			goto out;
		}
		hv__buf_add(&b, chunk, (size_t)r);
	}
	if (b.failed) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	rc = hv_config_parse_xl_buffer(ctx, path, b.s ? b.s : "", b.len, cfg);
out:
	close(fd);
	hv__buf_free(&b);
	return rc;
}
