// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmdopt.c - what the option tables drive (struct vta_cmd_opt, cli.h):
 * each command's getopt, `vtiaccel help`, `vtiaccel COMMAND --help`, the
 * OPTIONS and COMMANDS sections of the man page (`vtiaccel help --man`,
 * docs/vtiaccel.8) and the bash completion (`vtiaccel help --completion`,
 * contrib/bash-completion/vtiaccel).  The two generated files are
 * refreshed by tests/net/cli/update-man.sh and checked by test_cli.py.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "conf.h"
#include "print.h"

#define MAX_OPTS 48

static const struct vta_cmd_opt help_opt[] = {
	{ 'h', "help", true, NULL, NULL, NULL },
	{ 0 },
};

static int n_opts(const struct vta_cmd_opt *o)
{
	int n = 0;

	while (o && o[n].val)
		n++;
	return n;
}

int vta_opt_getopt(const struct vta_cmd_opt *opts, const char *mode, int argc,
		   char **argv)
{
	/* Rebuilt on every call from the same table: the same content,
	 * which is all getopt_long() keeps between calls. */
	static struct option lo[MAX_OPTS + 2];
	static char so[3 * MAX_OPTS + 4];
	const struct vta_cmd_opt *tabs[2] = { opts, help_opt };
	int t, i, nl = 0, ns;

	ns = snprintf(so, sizeof(so), "%s", mode);
	for (t = 0; t < 2; t++) {
		for (i = 0; i < n_opts(tabs[t]) && nl < MAX_OPTS; i++) {
			const struct vta_cmd_opt *o = &tabs[t][i];

			if (o->name)
				lo[nl++] = (struct option){
					o->name,
					o->arg ? required_argument
					       : no_argument,
					NULL, o->val
				};
			if (o->short_too)
				ns += snprintf(so + ns, sizeof(so) - ns, "%c%s",
					       o->val, o->arg ? ":" : "");
		}
	}
	lo[nl] = (struct option){ NULL, 0, NULL, 0 };
	return getopt_long(argc, argv, so, lo, NULL);
}

int vta_cmd_getopt(const struct vta_cmd *c, int argc, char **argv)
{
	return vta_opt_getopt(c->opts, "", argc, argv);
}

/* "-j, --json", "--watch S", "-4" */
static const char *opt_str(const struct vta_cmd_opt *o, char *buf, size_t len)
{
	int n = 0;

	if (o->short_too)
		n = snprintf(buf, len, "-%c%s", o->val, o->name ? ", " : "");
	if (o->name)
		n += snprintf(buf + n, len - n, "--%s", o->name);
	if (o->arg)
		snprintf(buf + n, len - n, " %s", o->arg);
	return buf;
}

/* Wrap text at 72 columns with an indent. */
static void wrap(FILE *f, const char *text, int indent)
{
	const char *s = text;
	int col = indent;

	fprintf(f, "%*s", indent, "");
	while (*s) {
		size_t w = strcspn(s, " ");

		if (col > indent && col + 1 + (int)w > 76) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)w, s);
		col += w;
		s += w;
		s += strspn(s, " ");
	}
	fputc('\n', f);
}

static void opt_line(FILE *f, const char *opt, const char *help)
{
	if (strlen(opt) < 22) {
		fprintf(f, "    %-22s %s\n", opt, help);
	} else {
		fprintf(f, "    %s\n", opt);
		fprintf(f, "    %-22s %s\n", "", help);
	}
}

static void cmd_usage_to(FILE *f, const struct vta_cmd *c)
{
	char opt[64];
	int i;

	fprintf(f, "Usage: vtiaccel [GLOBAL OPTIONS] %s %s\n\n", c->name,
		c->args);
	wrap(f, c->desc ? c->desc : c->summary, 2);
	if (n_opts(c->opts))
		fputc('\n', f);
	for (i = 0; i < n_opts(c->opts); i++)
		if (c->opts[i].help)
			opt_line(f, opt_str(&c->opts[i], opt, sizeof(opt)),
				 c->opts[i].help);
	/* run's options are the configuration keys: one table, conf.c. */
	if (c->fn == cmd_run)
		for (i = 0; vta_conf_flag_name(i); i++) {
			snprintf(opt, sizeof(opt), "--%s VALUE",
				 vta_conf_flag_name(i));
			opt_line(f, opt, vta_conf_flag_help(i));
		}
}

int vta_cmd_usage(const char *name, bool error)
{
	const struct vta_cmd *c = vta_cmd_find(name, NULL, 0);

	if (!c)
		return 2;
	/* Under -j a usage error is still one JSON document on stdout. */
	if (error && vta_print_is_json())
		vta_print_error("%s: bad arguments: see `vtiaccel help %s`",
				c->name, c->name);
	cmd_usage_to(error ? stderr : stdout, c);
	return error ? 2 : 0;
}

void vta_cli_usage(bool error)
{
	FILE *f = error ? stderr : stdout;
	char opt[64];
	int i;

	fprintf(f, "Usage: vtiaccel [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
		   "Commands (any unique prefix will do):\n");
	for (i = 0; vta_cmds[i]; i++)
		fprintf(f, "    %-10s %s\n", vta_cmds[i]->name,
			vta_cmds[i]->summary);
	fprintf(f, "\nGlobal options:\n");
	for (i = 0; i < n_opts(vta_global_opts); i++)
		opt_line(f, opt_str(&vta_global_opts[i], opt, sizeof(opt)),
			 vta_global_opts[i].help);
	fprintf(f, "\n`vtiaccel help COMMAND` or `vtiaccel COMMAND --help` for "
		   "a command's options.\n");
}

/* troff: escape backslashes and dashes, keep a leading dot literal. */
static void man_text(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			fputc(*s, stdout);
	}
}

static void man_opt(const char *opt, const char *help)
{
	fputs(".TP\n.B ", stdout);
	man_text(opt);
	fputc('\n', stdout);
	man_text(help);
	fputc('\n', stdout);
}

static void print_man(void)
{
	char opt[64];
	int i, j;

	fputs(".SH OPTIONS\n", stdout);
	for (i = 0; i < n_opts(vta_global_opts); i++)
		man_opt(opt_str(&vta_global_opts[i], opt, sizeof(opt)),
			vta_global_opts[i].help);
	fputs(".SH COMMANDS\n", stdout);
	for (i = 0; vta_cmds[i]; i++) {
		const struct vta_cmd *c = vta_cmds[i];

		fputs(".SS \"", stdout);
		man_text(c->name);
		fputc(' ', stdout);
		man_text(c->args);
		fputs("\"\n", stdout);
		man_text(c->desc ? c->desc : c->summary);
		fputc('\n', stdout);
		for (j = 0; j < n_opts(c->opts); j++)
			if (c->opts[j].help)
				man_opt(opt_str(&c->opts[j], opt, sizeof(opt)),
					c->opts[j].help);
		if (c->fn != cmd_run)
			continue;
		for (j = 0; vta_conf_flag_name(j); j++) {
			snprintf(opt, sizeof(opt), "--%s VALUE",
				 vta_conf_flag_name(j));
			man_opt(opt, vta_conf_flag_help(j));
		}
	}
}

/* Every spelling of one option, for a word list or a case pattern. */
static void comp_names(const struct vta_cmd_opt *o, const char *sep)
{
	if (o->short_too)
		printf("-%c%s", o->val, o->name ? sep : "");
	if (o->name)
		printf("--%s", o->name);
}

/*
 * The completion of a configuration key's value (run and verify take the
 * keys as options), read from its help in user/conf.c: "... (yes)" or
 * "(no)": a switch; "...: a, b or c (a)": those words; interfaces or a
 * directory by what it names.
 */
static const char *conf_values(const char *help, char *buf, size_t len)
{
	const char *colon = strrchr(help, ':'), *paren;
	size_t n, i, o = 0;

	if (strstr(help, "(yes)") || strstr(help, "(no)"))
		return "yes no";
	paren = colon ? strstr(colon, " (") : NULL;
	if (colon && paren && colon[1] == ' ') {
		n = paren - colon - 2;
		for (i = 0; i < n && o + 1 < len; i++) {
			char ch = colon[2 + i];

			if (ch != ' ' && ch != ',' && (ch < 'a' || ch > 'z'))
				break;
			if (!strncmp(colon + 2 + i, " or ", 4)) {
				buf[o++] = ' ';
				i += 3;
			} else if (ch != ',') {
				buf[o++] = ch;
			}
		}
		buf[o] = '\0';
		if (i == n && strchr(buf, ' '))
			return buf;
	}
	if (strstr(help, "interface"))
		return VTA_OPT_IFACE;
	if (strstr(help, "directory"))
		return VTA_OPT_DIR;
	return NULL;
}

/* Every option that takes a value, once each (the tables repeat some:
 * --pin-root, -j): visit(o, values) for each. */
static void comp_each(void (*visit)(const struct vta_cmd_opt *o,
				    const char *values, void *ctx),
		      void *ctx)
{
	const char *seen[MAX_OPTS * 4];
	struct vta_cmd_opt k = { 0 };
	char vb[128];
	const char *name;
	int n_seen = 0, t, i, j;

	for (t = -1; t < 0 || vta_cmds[t]; t++) {
		const struct vta_cmd *c = t < 0 ? NULL : vta_cmds[t];
		const struct vta_cmd_opt *o = c ? c->opts : vta_global_opts;

		for (i = 0; i < n_opts(o); i++) {
			if (!o[i].arg)
				continue;
			name = o[i].name ? o[i].name : "";
			for (j = 0; j < n_seen && strcmp(seen[j], name); j++)
				;
			if (j < n_seen || n_seen == MAX_OPTS * 4)
				continue;
			seen[n_seen++] = name;
			visit(&o[i], o[i].values, ctx);
		}
		if (!c || (c->fn != cmd_run && c->fn != cmd_verify))
			continue;
		for (i = 0; vta_conf_flag_name(i); i++) {
			for (j = 0; j < n_seen &&
				    strcmp(seen[j], vta_conf_flag_name(i));
			     j++)
				;
			if (j < n_seen || n_seen == MAX_OPTS * 4)
				continue;
			seen[n_seen++] = vta_conf_flag_name(i);
			k.val = 1;
			k.name = vta_conf_flag_name(i);
			k.arg = "VALUE";
			visit(&k,
			      conf_values(vta_conf_flag_help(i), vb,
					  sizeof(vb)),
			      ctx);
		}
	}
}

struct comp_arm {
	const char *kind; /* VTA_OPT_*, NULL: no completion */
	int n;
};

static void comp_arm_visit(const struct vta_cmd_opt *o, const char *values,
			   void *ctx)
{
	struct comp_arm *a = ctx;

	if (a->kind ? !values || strcmp(values, a->kind) : values != NULL)
		return;
	fputs(a->n++ ? "|" : "\t", stdout);
	comp_names(o, "|");
}

/* The case arm completing the argument of every option of one kind. */
static void comp_arm(const char *kind, const char *reply)
{
	struct comp_arm a = { kind, 0 };

	comp_each(comp_arm_visit, &a);
	if (a.n)
		printf(")\n\t\t%s\n\t\treturn ;;\n", reply);
}

static void comp_words_visit(const struct vta_cmd_opt *o, const char *values,
			     void *ctx)
{
	(void)ctx;
	if (!values || values[0] == '@')
		return;
	fputs("\t", stdout);
	comp_names(o, "|");
	printf(")\n\t\tmapfile -t COMPREPLY < <(compgen -W \"%s\" -- "
	       "\"$cur\")\n\t\treturn ;;\n",
	       values);
}

static void print_completion(void)
{
	int i, j, n;

	puts("# bash completion for vtiaccel(8)                          -*- "
	     "shell-script -*-\n"
	     "# Generated by `vtiaccel help --completion` from the commands' "
	     "option\n"
	     "# tables (tests/net/cli/update-man.sh): do not edit.\n"
	     "_vtiaccel()\n"
	     "{\n"
	     "\tlocal cur=${COMP_WORDS[COMP_CWORD]} "
	     "prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
	     "\tlocal i cmd='' words\n"
	     "\tCOMPREPLY=()\n"
	     "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	     "\t\tcase ${COMP_WORDS[i]} in");
	/* global options that take a value: skip it */
	fputs("\t\t", stdout);
	for (i = 0, n = 0; i < n_opts(vta_global_opts); i++)
		if (vta_global_opts[i].arg) {
			fputs(n++ ? "|" : "", stdout);
			comp_names(&vta_global_opts[i], "|");
		}
	puts(") ((i++)) ;;\n"
	     "\t\t-*) ;;\n"
	     "\t\t*) cmd=${COMP_WORDS[i]}; break ;;\n"
	     "\t\tesac\n"
	     "\tdone\n"
	     "\tcase $prev in");
	comp_arm(VTA_OPT_IFACE, "mapfile -t COMPREPLY < <(compgen -W \"$(ls "
				"/sys/class/net 2>/dev/null)\" -- \"$cur\")");
	comp_arm(VTA_OPT_DIR,
		 "mapfile -t COMPREPLY < <(compgen -d -- \"$cur\")");
	comp_arm(VTA_OPT_FILE,
		 "mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")");
	comp_each(comp_words_visit, NULL);
	comp_arm(NULL, ":");
	puts("\tesac\n"
	     "\tcase $cmd in");
	printf("\t'')\n\t\tif [[ $cur == -* ]]; then\n\t\t\twords=\"");
	for (i = 0; i < n_opts(vta_global_opts); i++) {
		fputs(i ? " " : "", stdout);
		comp_names(&vta_global_opts[i], " ");
	}
	printf("\"\n\t\telse\n\t\t\twords=\"");
	for (i = 0; vta_cmds[i]; i++)
		printf("%s%s", i ? " " : "", vta_cmds[i]->name);
	puts("\"\n\t\tfi ;;");
	for (i = 0; vta_cmds[i]; i++) {
		const struct vta_cmd *c = vta_cmds[i];

		printf("\t%s)\n\t\twords=\"-h --help", c->name);
		for (j = 0; j < n_opts(c->opts); j++) {
			fputs(" ", stdout);
			comp_names(&c->opts[j], " ");
		}
		if (c->fn == cmd_run || c->fn == cmd_verify)
			for (j = 0; vta_conf_flag_name(j); j++)
				printf(" --%s", vta_conf_flag_name(j));
		if (c->fn == cmd_help)
			for (j = 0; vta_cmds[j]; j++)
				printf(" %s", vta_cmds[j]->name);
		puts("\" ;;");
	}
	puts("\t*) return ;;\n"
	     "\tesac\n"
	     "\tmapfile -t COMPREPLY < <(compgen -W \"$words\" -- \"$cur\")\n"
	     "} &&\n"
	     "\tcomplete -F _vtiaccel vtiaccel");
}

int cmd_help(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--man")) {
		print_man();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--completion")) {
		print_completion();
		return 0;
	}
	if (argc > 1) {
		char amb[128];
		const struct vta_cmd *c =
			vta_cmd_find(argv[1], amb, sizeof(amb));

		if (!c)
			return vta_print_error(
				       "help: unknown command '%s'%s%s%s",
				       argv[1], amb[0] ? " (ambiguous: " : "",
				       amb, amb[0] ? ")" : "") +
			       1;
		cmd_usage_to(stdout, c);
		return 0;
	}
	vta_cli_usage(false);
	return 0;
}

static const struct vta_cmd_opt help_opts[] = {
	{ 'm', "man", false, NULL,
	  "print the COMMANDS and OPTIONS sections of the man page (troff)",
	  NULL },
	{ 'C', "completion", false, NULL,
	  "print the bash completion script (contrib/bash-completion/vtiaccel)",
	  NULL },
	{ 0 },
};

const struct vta_cmd vta_cmd_help = {
	.name = "help",
	.fn = cmd_help,
	.args = "[COMMAND]",
	.summary = "this help, or one command's",
	.desc = NULL,
	.opts = help_opts,
	.needs_conf = false,
};
