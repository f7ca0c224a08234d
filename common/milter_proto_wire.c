/* milter_proto_wire.c: bounded readers and writers for the fields inside
 * milter packets (see milter_proto_private.h). The only place in the milter
 * codec that does pointer arithmetic on packet data. */
#include "milter_proto_private.h"

#include <string.h>

#include "buf.h"

int milter_cursor_u32(struct milter_cursor *c, uint32_t *v_r)
{
	if (c->left < 4)
		return 0;
	*v_r = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return 1;
}

int milter_cursor_u16(struct milter_cursor *c, uint16_t *v_r)
{
	if (c->left < 2)
		return 0;
	*v_r = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return 1;
}

int milter_cursor_byte(struct milter_cursor *c, int *v_r)
{
	if (c->left < 1)
		return 0;
	*v_r = c->p[0];
	c->p++;
	c->left--;
	return 1;
}

int milter_cursor_str(struct milter_cursor *c, const char **s_r)
{
	const unsigned char *nul = c->left > 0 ? memchr(c->p, '\0', c->left) : NULL;

	if (nul == NULL)
		return 0;
	*s_r = (const char *)c->p;
	c->left -= (size_t)(nul - c->p) + 1;
	c->p = nul + 1;
	return 1;
}

void milter_put_u32(struct buf *b, uint32_t v)
{
	unsigned char n[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 8), (unsigned char)v};
	buf_append(b, n, sizeof(n));
}

void milter_put_u16(struct buf *b, uint16_t v)
{
	unsigned char n[2] = {(unsigned char)(v >> 8), (unsigned char)v};
	buf_append(b, n, sizeof(n));
}

void milter_put_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s) + 1);
}

long milter_strings_count(const unsigned char *data, size_t len)
{
	long count = 0;

	if (len == 0)
		return 0;
	if (data[len - 1] != '\0')
		return -1;
	for (size_t i = 0; i < len; i++)
		if (data[i] == '\0')
			count++;
	return count;
}
