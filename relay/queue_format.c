/* queue_format.c: recipient status slots and the table of known envelope
 * attributes, shared by the queue file writer and reader. */
#include "queue_format.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "mem.h"

void queue_slot_encode(unsigned char slot[QUEUE_SLOT_LEN], enum queue_rcpt_state state,
		       uint32_t attempts, int64_t updated_us)
{
	memset(slot, 0, QUEUE_SLOT_LEN);
	slot[0] = (unsigned char)state;
	queue_put32(slot + 4, attempts);
	queue_put64(slot + 8, (uint64_t)updated_us);
	queue_put32(slot + 16, crc32c(0, slot, 16));
}

int queue_slot_decode(const unsigned char slot[QUEUE_SLOT_LEN], struct queue_rcpt *rcpt)
{
	if (queue_get32(slot + 16) != crc32c(0, slot, 16))
		return 0;
	if (slot[0] > QUEUE_RCPT_BOUNCED || slot[1] != 0 || slot[2] != 0 || slot[3] != 0)
		return 0;
	int64_t updated = (int64_t)queue_get64(slot + 8);
	if (updated < 0)
		return 0;
	rcpt->state = (enum queue_rcpt_state)slot[0];
	rcpt->attempts = queue_get32(slot + 4);
	rcpt->updated_us = updated;
	return 1;
}

enum queue_attr_kind { ATTR_STRING, ATTR_RET, ATTR_BODY, ATTR_SMTPUTF8 };

static const struct {
	const char *name;
	enum queue_attr_kind kind;
	size_t offset; /* of the char * for ATTR_STRING */
} queue_attrs[QUEUE_ATTR_KNOWN] = {
    {"sender", ATTR_STRING, offsetof(struct queue_envelope, sender)},
    {"envid", ATTR_STRING, offsetof(struct queue_envelope, envid)},
    {"ret", ATTR_RET, 0},
    {"body", ATTR_BODY, 0},
    {"smtputf8", ATTR_SMTPUTF8, 0},
    {"client_address", ATTR_STRING, offsetof(struct queue_envelope, client_address)},
    {"client_name", ATTR_STRING, offsetof(struct queue_envelope, client_name)},
    {"helo_name", ATTR_STRING, offsetof(struct queue_envelope, helo_name)},
    {"protocol", ATTR_STRING, offsetof(struct queue_envelope, protocol)},
    {"sasl_method", ATTR_STRING, offsetof(struct queue_envelope, sasl_method)},
    {"sasl_username", ATTR_STRING, offsetof(struct queue_envelope, sasl_username)},
    {"hold_reason", ATTR_STRING, offsetof(struct queue_envelope, hold_reason)},
    {"hold_filter", ATTR_STRING, offsetof(struct queue_envelope, hold_filter)},
};

static const char *const queue_ret_names[] = {[QUEUE_RET_FULL] = "FULL", [QUEUE_RET_HDRS] = "HDRS"};
static const char *const queue_body_names[] = {
    [QUEUE_BODY_7BIT] = "7BIT",
    [QUEUE_BODY_8BITMIME] = "8BITMIME",
    [QUEUE_BODY_BINARYMIME] = "BINARYMIME",
};

int queue_attr_index(const char *name)
{
	for (int i = 0; i < QUEUE_ATTR_KNOWN; i++)
		if (strcmp(queue_attrs[i].name, name) == 0)
			return i;
	return -1;
}

const char *queue_attr_name(int idx)
{
	return queue_attrs[idx].name;
}

static char **queue_attr_field(struct queue_envelope *env, int idx)
{
	return (char **)((char *)env + queue_attrs[idx].offset);
}

const char *queue_attr_get(const struct queue_envelope *env, int idx)
{
	switch (queue_attrs[idx].kind) {
	case ATTR_RET:
		return env->ret != QUEUE_RET_UNSET ? queue_ret_names[env->ret] : NULL;
	case ATTR_BODY:
		return env->body != QUEUE_BODY_UNSET ? queue_body_names[env->body] : NULL;
	case ATTR_SMTPUTF8:
		return env->smtputf8 ? "yes" : NULL;
	case ATTR_STRING:
		break;
	}
	return *queue_attr_field((struct queue_envelope *)env, idx);
}

/* queue_attr_enum: the index of value in names[1..n-1], or -1. */
static int queue_attr_enum(const char *const *names, size_t n, const char *value)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(names[i], value) == 0)
			return (int)i;
	return -1;
}

int queue_attr_set(struct queue_envelope *env, int idx, const char *value)
{
	int v;
	switch (queue_attrs[idx].kind) {
	case ATTR_RET:
		v = queue_attr_enum(queue_ret_names, 3, value);
		if (v < 0)
			return -1;
		env->ret = (enum queue_ret)v;
		return 1;
	case ATTR_BODY:
		v = queue_attr_enum(queue_body_names, 4, value);
		if (v < 0)
			return -1;
		env->body = (enum queue_body)v;
		return 1;
	case ATTR_SMTPUTF8:
		if (strcmp(value, "yes") != 0)
			return -1;
		env->smtputf8 = 1;
		return 1;
	case ATTR_STRING:
		break;
	}
	char **field = queue_attr_field(env, idx);
	free(*field);
	*field = xstrdup(value);
	return 1;
}

int queue_attr_name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > QUEUE_ATTR_NAME_MAX)
		return 0;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

void queue_envelope_deinit(struct queue_envelope *env)
{
	for (int i = 0; i < QUEUE_ATTR_KNOWN; i++)
		if (queue_attrs[i].kind == ATTR_STRING)
			free(*queue_attr_field(env, i));
	for (size_t i = 0; i < env->n_extra; i++) {
		free(env->extra[i].name);
		free(env->extra[i].value);
	}
	free(env->extra);
	memset(env, 0, sizeof(*env));
}
