// SPDX-License-Identifier: MIT
/* p2pbuf-ctl's JSON emitter (escaping, structure) and size parsing. */
#define P2PBUF_CTL_NO_MAIN
#include "../../tools/p2pbuf-ctl.c"

#include "test.h"

static char *emit_string(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	json_string(f, s);
	fclose(f);
	return buf;
}

static void esc(const char *in, const char *want)
{
	char *got = emit_string(in);

	if (strcmp(got, want)) {
		fprintf(stderr, "json_string: got %s, want %s\n", got, want);
		t_failures++;
	}
	free(got);
}

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 0;
	int ret = parse_size(s, &v);

	if (ret || v != want) {
		fprintf(stderr, "parse_size(%s) = %d, %" PRIu64 "; want %" PRIu64 "\n",
			s, ret, v, want);
		t_failures++;
	}
}

static void size_bad(const char *s)
{
	uint64_t v;

	if (parse_size(s, &v) != -EINVAL) {
		fprintf(stderr, "parse_size(%s) accepted\n", s);
		t_failures++;
	}
}

int main(void)
{
	char *buf = NULL;
	size_t len = 0;
	struct json j;
	FILE *f;

	esc("", "\"\"");
	esc("plain", "\"plain\"");
	esc("a\"b\\c", "\"a\\\"b\\\\c\"");
	esc("/dev/p2pbuf/x", "\"/dev/p2pbuf/x\"");	/* '/' need not be escaped */
	esc("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	esc("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa5", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa5\"");
	esc("bad\xff", "\"bad\\ufffd\"");
	esc("\xc3", "\"\\ufffd\"");			/* truncated sequence */
	esc("\xc0\xaf", "\"\\ufffd\\ufffd\"");		/* overlong '/' */
	esc("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	esc("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");	/* > U+10FFFF */

	f = open_memstream(&buf, &len);
	json_init(&j, f);
	json_open(&j, NULL, '[');
	json_open(&j, NULL, '{');
	json_str(&j, "name", "0000:05:00.0-bar2");
	json_u64(&j, "size", UINT64_MAX);
	json_i64(&j, "error", -121);
	json_bool(&j, "revoked", false);
	json_open(&j, "peers", '[');
	json_close(&j, ']');
	json_open(&j, "attachments", '[');
	json_open(&j, NULL, '{');
	json_str(&j, "importer", "vivid-000");
	json_close(&j, '}');
	json_open(&j, NULL, '{');
	json_str(&j, "k\"ey", NULL);
	json_close(&j, '}');
	json_close(&j, ']');
	json_close(&j, '}');
	json_open(&j, NULL, '{');
	json_close(&j, '}');
	json_close(&j, ']');
	fclose(f);
	CHECK_STR(buf, "[{\"name\":\"0000:05:00.0-bar2\",\"size\":18446744073709551615,"
		       "\"error\":-121,\"revoked\":false,\"peers\":[],\"attachments\":"
		       "[{\"importer\":\"vivid-000\"},{\"k\\\"ey\":\"\"}]},{}]\n");
	free(buf);

	size_ok("4096", 4096);
	size_ok("1", 1);
	size_ok("64K", 65536);
	size_ok("64k", 65536);
	size_ok("4M", 4 << 20);
	size_ok("4MiB", 4 << 20);
	size_ok("4MB", 4 << 20);
	size_ok("1.5M", 3 << 19);
	size_ok("2G", 2ULL << 30);
	size_ok("1T", 1ULL << 40);
	size_bad("");
	size_bad("0");
	size_bad("0K");
	size_bad("-1");
	size_bad("4Q");
	size_bad("4 M");
	size_bad("1.5");
	size_bad(".5M");
	size_bad("4Mi");
	size_bad("99999999999999999999");
	size_bad("17179869184G");

	/* Usage errors exit 2 before touching any device. */
	{
		char *a1[] = { "p2pbuf-ctl", NULL };
		char *a2[] = { "p2pbuf-ctl", "frobnicate", NULL };
		char *a3[] = { "p2pbuf-ctl", "bind", "zz:zz", NULL };
		char *a4[] = { "p2pbuf-ctl", "bind", "0000:05:00.0", "--bar", "6", NULL };
		char *a5[] = { "p2pbuf-ctl", "alloc", "memfd", "4Q", NULL };
		char *a6[] = { "p2pbuf-ctl", "info", "--all", "--fd", "3", NULL };
		char *a7[] = { "p2pbuf-ctl", "list", "extra", NULL };

		CHECK_EQ(p2pbuf_ctl_main(1, a1), 2);
		CHECK_EQ(p2pbuf_ctl_main(2, a2), 2);
		CHECK_EQ(p2pbuf_ctl_main(3, a3), 2);
		CHECK_EQ(p2pbuf_ctl_main(5, a4), 2);
		CHECK_EQ(p2pbuf_ctl_main(4, a5), 2);
		CHECK_EQ(p2pbuf_ctl_main(5, a6), 2);
		CHECK_EQ(p2pbuf_ctl_main(3, a7), 2);
	}
	return T_RESULT();
}
