/* milter_skel_spool_test.c: the spool keeps a message in memory up to the
 * threshold, then in an unnamed temporary file, and gives back the same
 * bytes either way; a bad directory is an error, not a crash. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"
#include "milter_skel_spool.h"
#include "tap.h"

/* spool_read: the whole message back from the spool (caller frees). */
static char *spool_read(struct milter_spool *s, size_t *len_r)
{
	const void *data;
	size_t len = milter_spool_size(s);
	char *out = xmalloc(len + 1);
	if (milter_spool_memory(s, &data, len_r)) {
		memcpy(out, data, *len_r);
		return out;
	}
	int fd = milter_spool_fd(s);
	ssize_t n = read(fd, out, len + 1);
	*len_r = n < 0 ? 0 : (size_t)n;
	return out;
}

static int dir_entries(const char *path)
{
	int n = 0;
	DIR *d = opendir(path);
	for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
		n += e->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return n;
}

/* collect: a milter_spool_read_fn appending to a struct buf. */
static int collect(const void *data, size_t len, void *context)
{
	buf_append(context, data, len);
	return 1;
}

/* test_read: milter_spool_read from an offset gives the rest, in memory
 * and from the file. */
static void test_read(const char *dir)
{
	static const size_t sizes[] = {50, 200000};
	for (size_t i = 0; i < 2; i++) {
		struct milter_spool *s = milter_spool_new(100, dir);
		struct buf want, got;
		char *error = NULL;
		buf_init(&want, 0);
		buf_init(&got, 0);
		for (size_t j = 0; j < sizes[i]; j++)
			buf_append_char(&want, (char)('A' + j % 23));
		milter_spool_append(s, buf_cstr(&want), buf_len(&want), &error);
		int rc = milter_spool_read(s, 17, collect, &got, &error);
		tap_ok(rc == 1 && buf_len(&got) == sizes[i] - 17 &&
			       memcmp(buf_cstr(&got), buf_cstr(&want) + 17, buf_len(&got)) == 0,
		       "read from offset 17 of %zu bytes (%s)", sizes[i],
		       milter_spool_fd(s) >= 0 ? "file" : "memory");
		buf_deinit(&want);
		buf_deinit(&got);
		milter_spool_free(&s);
	}
}

int main(void)
{
	const char *dir = tap_tmpdir();
	char *error = NULL;
	static const size_t chunks[] = {1, 7, 100, 4096};

	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		struct milter_spool *s = milter_spool_new(1000, dir);
		char want[5000];
		for (size_t i = 0; i < sizeof(want); i++)
			want[i] = (char)('a' + (i * 7 + c) % 26);
		size_t done = 0;
		while (done < sizeof(want)) {
			size_t n =
				chunks[c] < sizeof(want) - done ? chunks[c] : sizeof(want) - done;
			if (milter_spool_append(s, want + done, n, &error) < 0)
				break;
			done += n;
		}
		tap_is_int(done, sizeof(want), "chunks of %zu: every append succeeds", chunks[c]);
		tap_ok(milter_spool_fd(s) >= 0, "chunks of %zu: past the threshold in a file",
		       chunks[c]);
		tap_is_int(dir_entries(dir), 0, "chunks of %zu: the file has no name", chunks[c]);
		size_t len;
		char *got = spool_read(s, &len);
		tap_ok(len == sizeof(want) && memcmp(got, want, len) == 0,
		       "chunks of %zu: the same bytes come back", chunks[c]);
		free(got);
		milter_spool_free(&s);
		tap_ok(s == NULL, "free clears the pointer");
	}

	struct milter_spool *s = milter_spool_new(10, dir);
	milter_spool_append(s, "0123456789", 10, &error);
	size_t len;
	char *got = spool_read(s, &len);
	tap_ok(milter_spool_fd(s) < 0 && len == 10 && memcmp(got, "0123456789", 10) == 0,
	       "exactly the threshold stays in memory");
	free(got);
	milter_spool_free(&s);

	char *missing = xasprintf("%s/no/such/dir", dir);
	s = milter_spool_new(4, missing);
	tap_is_int(milter_spool_append(s, "abcdefgh", 8, &error), -1,
		   "a directory that does not exist fails the append");
	tap_ok(error != NULL && strstr(error, missing) != NULL, "... naming the directory");
	free(error);
	error = NULL;
	tap_is_int(milter_spool_append(s, "x", 1, &error), -1, "and later appends fail too");
	free(error);
	milter_spool_free(&s);
	free(missing);
	milter_spool_free(&s);
	test_read(dir);
	return tap_done();
}
