// SPDX-License-Identifier: MIT
/*
 * Every symbol in the linker version script has a man page (its own, or a
 * .so link to its group's). argv: the map file, then the documented names.
 */
#include <ctype.h>
#include <stdbool.h>

#include "test.h"

int main(int argc, char **argv)
{
	char line[256];
	int symbols = 0, i;
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: %s libp2pbuf.map NAME...\n", argv[0]);
		return T_FAIL;
	}
	f = fopen(argv[1], "re");
	if (!f) {
		perror(argv[1]);
		return T_FAIL;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *e;
		bool found = false;

		while (isspace((unsigned char)*s))
			s++;
		if (strncmp(s, "p2pbuf_", 7))
			continue;
		e = strchr(s, ';');
		if (!e)
			continue;
		*e = '\0';
		symbols++;
		for (i = 2; i < argc && !found; i++)
			found = !strcmp(argv[i], s);
		if (!found) {
			fprintf(stderr, "%s has no man page (libp2pbuf/man/meson.build)\n", s);
			t_failures++;
		}
	}
	fclose(f);
	if (symbols < 40) {
		fprintf(stderr, "only %d symbols read from %s\n", symbols, argv[1]);
		t_failures++;
	}
	return T_RESULT();
}
