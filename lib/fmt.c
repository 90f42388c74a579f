/* The printf-style formatter behind lib/fmt.h: no floating point, no allocation. */
#include "lib/fmt.h"

#include <stdbool.h>
#include <stdint.h>

#include "lib/string.h"

#define FMT_INT_MAX ((int)(~0u >> 1))

enum {
	FL_LEFT = 1,   /* '-': pad on the right */
	FL_ZERO = 2,   /* '0': pad numbers with zeros */
	FL_PLUS = 4,   /* '+': always print a sign */
	FL_SPACE = 8,  /* ' ': a space where a '+' would go */
	FL_ALT = 16,   /* '#': 0x for hex, a leading 0 for octal */
};

enum length { LEN_INT, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

/* One parsed conversion specification. */
struct spec {
	unsigned int flags;
	int width;      /* 0 when absent */
	int prec;       /* -1 when absent */
	enum length len;
	char conv;      /* the conversion character, '\0' at end of fmt */
};

/* Where the characters go, and how many there were. */
struct out {
	void (*put)(void *arg, char c);
	void *arg;
	int count;
};

/* Emits one character and counts it, saturating at FMT_INT_MAX. */
static void out_char(struct out *o, char c)
{
	o->put(o->arg, c);
	if (o->count < FMT_INT_MAX)
		o->count++;
}

/* Emits n copies of c; nothing when n <= 0. */
static void out_repeat(struct out *o, char c, int n)
{
	for (; n > 0; n--)
		out_char(o, c);
}

/* Emits the n characters at s. */
static void out_chars(struct out *o, const char *s, size_t n)
{
	while (n--)
		out_char(o, *s++);
}

/* Returns true for an ASCII decimal digit. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads the flag characters at *p, advancing past them; returns FL_*. */
static unsigned int parse_flags(const char **p)
{
	for (unsigned int fl = 0;; (*p)++) {
		switch (**p) {
		case '-': fl |= FL_LEFT; break;
		case '0': fl |= FL_ZERO; break;
		case '+': fl |= FL_PLUS; break;
		case ' ': fl |= FL_SPACE; break;
		case '#': fl |= FL_ALT; break;
		default: return fl;
		}
	}
}

/* Reads a decimal number (saturating at FMT_INT_MAX / 2, so that sums of
 * a few stay in range) or a '*', which takes an int argument that may be
 * negative. Returns false, reading nothing, if neither is at *p. */
static bool parse_count(const char **p, va_list *ap, int *val)
{
	const int max = FMT_INT_MAX / 2;
	int v = 0;

	if (**p == '*') {
		(*p)++;
		*val = va_arg(*ap, int);
		return true;
	}
	if (!is_digit(**p))
		return false;
	for (; is_digit(**p); (*p)++)
		v = v > (max - 9) / 10 ? max : v * 10 + (**p - '0');
	*val = v;
	return true;
}

/* Reads a length modifier at *p, advancing past it; returns LEN_*. */
static enum length parse_length(const char **p)
{
	const char *s = *p;
	enum length len = LEN_INT;

	switch (*s) {
	case 'h': len = s[1] == 'h' ? LEN_HH : LEN_H; break;
	case 'l': len = s[1] == 'l' ? LEN_LL : LEN_L; break;
	case 'z': len = LEN_Z; break;
	case 'j': len = LEN_J; break;
	case 't': len = LEN_T; break;
	default: return LEN_INT;
	}
	*p += (len == LEN_HH || len == LEN_LL) ? 2 : 1;
	return len;
}

/* Limits a width or precision to FMT_INT_MAX / 2 in magnitude. */
static int clamp_count(int v)
{
	const int max = FMT_INT_MAX / 2;

	return v > max ? max : v < -max ? -max : v;
}

/* Parses the specification after a '%' at p into *sp, taking '*'
 * arguments from ap; returns a pointer to the conversion character. */
static const char *parse_spec(const char *p, va_list *ap, struct spec *sp)
{
	int v;

	sp->flags = parse_flags(&p);
	sp->width = 0;
	if (parse_count(&p, ap, &v)) {
		v = clamp_count(v);
		sp->flags |= v < 0 ? FL_LEFT : 0;
		sp->width = v < 0 ? -v : v;
	}
	sp->prec = -1;
	if (*p == '.') {
		p++;
		v = 0;
		parse_count(&p, ap, &v);
		sp->prec = v < 0 ? -1 : clamp_count(v);
	}
	sp->len = parse_length(&p);
	sp->conv = *p;
	return p;
}

/* Returns the width in bits of an integer argument of the given length. */
static unsigned int length_bits(enum length len)
{
	switch (len) {
	case LEN_HH: return 8 * sizeof(char);
	case LEN_H: return 8 * sizeof(short);
	case LEN_L: return 8 * sizeof(long);
	case LEN_LL: return 8 * sizeof(long long);
	case LEN_Z: return 8 * sizeof(size_t);
	case LEN_J: return 8 * sizeof(uintmax_t);
	case LEN_T: return 8 * sizeof(ptrdiff_t);
	default: return 8 * sizeof(int);
	}
}

/* Takes an integer argument of the given length; returns its low
 * length_bits(len) bits, zero-extended. */
static uintmax_t fetch_int(enum length len, va_list *ap)
{
	unsigned int bits = length_bits(len);
	uintmax_t v;

	switch (len) {
	case LEN_L: v = va_arg(*ap, unsigned long); break;
	case LEN_LL: v = va_arg(*ap, unsigned long long); break;
	case LEN_Z: v = va_arg(*ap, size_t); break;
	case LEN_J: v = va_arg(*ap, uintmax_t); break;
	case LEN_T: v = (uintmax_t)va_arg(*ap, ptrdiff_t); break;
	default: v = va_arg(*ap, unsigned int); break; /* int and narrower */
	}
	if (bits < 8 * sizeof(uintmax_t))
		v &= ((uintmax_t)1 << bits) - 1;
	return v;
}

/* Returns the two's-complement value of the low `bits` bits of v. */
static intmax_t sign_extend(uintmax_t v, unsigned int bits)
{
	uintmax_t sign;

	if (bits >= 8 * sizeof(uintmax_t))
		return (intmax_t)v;
	sign = (uintmax_t)1 << (bits - 1);
	return (intmax_t)((v ^ sign) - sign);
}

/* Writes the digits of v in base (8, 10 or 16) so that they end just
 * before end; returns how many (at least one, "0" for zero). */
static int format_digits(char *end, uintmax_t v, unsigned int base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	do {
		*--end = digits[v % base];
		v /= base;
		n++;
	} while (v);
	return n;
}

/* Emits one field, "prefix, zeros, body", padded with spaces to the
 * field width on the side sp->flags asks for. */
static void emit_field(struct out *o, const struct spec *sp, const char *prefix,
		       int zeros, const char *body, int blen)
{
	int plen = (int)strlen(prefix);
	int pad = sp->width - plen - zeros - blen;

	if (!(sp->flags & FL_LEFT))
		out_repeat(o, ' ', pad);
	out_chars(o, prefix, (size_t)plen);
	out_repeat(o, '0', zeros);
	out_chars(o, body, (size_t)blen);
	if (sp->flags & FL_LEFT)
		out_repeat(o, ' ', pad);
}

/* Emits the magnitude v in base after prefix (a sign or 0x), honouring
 * precision, '#' for octal and zero padding. */
static void emit_number(struct out *o, const struct spec *sp, uintmax_t v,
			unsigned int base, const char *prefix)
{
	char buf[3 * sizeof(uintmax_t) + 1];
	int nd = format_digits(buf + sizeof(buf), v, base, sp->conv == 'X');
	int zeros, len;

	if (sp->prec == 0 && v == 0)
		nd = 0;
	zeros = sp->prec > nd ? sp->prec - nd : 0;
	if ((sp->flags & FL_ALT) && base == 8 && zeros == 0 && (v != 0 || nd == 0))
		zeros = 1;
	len = (int)strlen(prefix) + zeros + nd;
	if ((sp->flags & (FL_ZERO | FL_LEFT)) == FL_ZERO && sp->prec < 0 &&
	    sp->width > len)
		zeros += sp->width - len;
	emit_field(o, sp, prefix, zeros, buf + sizeof(buf) - nd, nd);
}

/* Emits a %d or %i conversion, taking its argument from ap. */
static void convert_signed(struct out *o, const struct spec *sp, va_list *ap)
{
	intmax_t v = sign_extend(fetch_int(sp->len, ap), length_bits(sp->len));
	bool neg = v < 0;
	uintmax_t mag = neg ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
	const char *prefix = neg ? "-" : (sp->flags & FL_PLUS) ? "+" :
			     (sp->flags & FL_SPACE) ? " " : "";

	emit_number(o, sp, mag, 10, prefix);
}

/* Emits a %u, %o, %x or %X conversion, taking its argument from ap. */
static void convert_unsigned(struct out *o, const struct spec *sp, va_list *ap)
{
	uintmax_t v = fetch_int(sp->len, ap);
	unsigned int base = sp->conv == 'u' ? 10 : sp->conv == 'o' ? 8 : 16;
	const char *prefix = "";

	if ((sp->flags & FL_ALT) && base == 16 && v != 0)
		prefix = sp->conv == 'X' ? "0X" : "0x";
	emit_number(o, sp, v, base, prefix);
}

/* Emits a %s conversion: at most prec bytes, "(null)" for NULL. */
static void convert_string(struct out *o, const struct spec *sp, va_list *ap)
{
	const char *s = va_arg(*ap, const char *);
	size_t n;

	if (!s)
		s = "(null)";
	n = sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s);
	if (n > (size_t)FMT_INT_MAX / 2)
		n = (size_t)FMT_INT_MAX / 2;
	emit_field(o, sp, "", 0, s, (int)n);
}

/* Emits the conversion sp describes, taking its argument from ap; returns
 * false, taking nothing, if the conversion is not supported. */
static bool convert(struct out *o, const struct spec *sp, va_list *ap)
{
	char c;

	switch (sp->conv) {
	case 'd': case 'i': convert_signed(o, sp, ap); return true;
	case 'u': case 'o': case 'x': case 'X': convert_unsigned(o, sp, ap); return true;
	case 'p':
		emit_number(o, sp, (uintptr_t)va_arg(*ap, void *), 16, "0x");
		return true;
	case 's': convert_string(o, sp, ap); return true;
	case 'c':
		c = (char)va_arg(*ap, int);
		emit_field(o, sp, "", 0, &c, 1);
		return true;
	case '%': out_char(o, '%'); return true;
	default: return false;
	}
}

/* Formats fmt into put(arg, c) one character at a time; returns the count
 * of characters (saturating). Unsupported conversions are copied out as
 * written, though a '*' in them has already taken its argument. */
int fmt_vformat(void (*put)(void *arg, char c), void *arg, const char *fmt,
		va_list ap)
{
	struct out o = { put, arg, 0 };
	const char *p = fmt ? fmt : "";
	va_list aq;

	va_copy(aq, ap);
	while (*p) {
		const char *start = p;
		struct spec sp;

		if (*p != '%') {
			out_char(&o, *p++);
			continue;
		}
		p = parse_spec(p + 1, &aq, &sp);
		if (!convert(&o, &sp, &aq))
			out_chars(&o, start, (size_t)(p - start) + (*p != '\0'));
		if (*p)
			p++;
	}
	va_end(aq);
	return o.count;
}

/* A buffer being filled by fmt_vsnprintf. */
struct sbuf {
	char *buf;
	size_t size;
	size_t pos;   /* characters produced so far, stored or not */
};

/* Stores c if there is room left for it and a NUL. */
static void sbuf_put(void *arg, char c)
{
	struct sbuf *b = arg;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

/* Formats into buf of n bytes, NUL-terminated when n > 0; returns the
 * untruncated length. */
int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct sbuf b = { buf, n, 0 };
	int len = fmt_vformat(sbuf_put, &b, fmt, ap);

	if (n > 0)
		buf[b.pos < n ? b.pos : n - 1] = '\0';
	return len;
}

/* fmt_vsnprintf with variable arguments; returns the untruncated length. */
int fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return len;
}
