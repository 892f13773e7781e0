#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Every external command our scripts call comes from a package that
scripts/install-deps.sh installs.

A machine that kept packages from earlier work hides a missing one (a fresh
Debian 12 lacked xdp-loader: 7 net-tier failures).  tests/commands.tsv maps
each command to its Debian package.  This check, part of the unit tier:

1. finds the commands the shell scripts (tests/, bench/, lab/, scripts/,
   contrib/, .ci/run) and the Python tests call, in command position
   (after wrappers such as timeout, nsenter, `ip netns exec NS`), and fails
   for each one that is neither in the table, nor a shell builtin, nor a
   function or program of this repository;
2. fails for each table row whose package `install-deps.sh --list` does
   not print;
3. where dpkg knows the command's file, fails when the table names another
   package than the one that owns it (a wrong row would hide a gap).

Heredoc bodies (configuration files for FRR and strongSwan) are not read.
Prints "commands: N passed, N failed" (one test per check made).
"""

import ast
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
TABLE = os.path.join(ROOT, "tests", "commands.tsv")

BUILTINS = set("""
. : [ [[ alias bg bind break builtin caller case cd command compgen complete
continue declare dirs disown do done echo elif else enable esac eval exec
exit export false fc fg fi for function getopts hash help history if in jobs
kill let local logout mapfile popd printf pushd pwd read readarray readonly
return select set shift shopt source suspend test then time times trap true
type typeset ulimit umask unalias unset until wait while { } ! ]]
""".split())

# Wrappers: the command they run follows their options.
#   name -> number of positional words before the command
WRAPPERS = {"timeout": 1, "nsenter": 0, "env": 0, "nice": 0, "taskset": 1,
            "chroot": 1, "exec": 0, "command": 0, "setsid": 0, "xargs": 0,
            "stdbuf": 0, "unshare": 0, "sudo": 0, "ionice": 0, "strace": 0,
            "flock": 1}
# Options of those wrappers that take a value.
WRAP_OPT_ARG = {"timeout": {"-k", "-s", "--kill-after", "--signal"},
                "taskset": set(), "nice": {"-n"}, "xargs": {"-n", "-I", "-P"},
                "ionice": {"-c", "-n"}, "flock": {"-w", "-E"},
                "strace": {"-o", "-e", "-p"},
                "unshare": {"--propagation"},
                "nsenter": {"-t", "--target"}}

WORD = re.compile(r"^[a-z][a-z0-9_.+-]*$")


def segments(text):
    """Split a shell script into simple-command texts with their line
    numbers.  Quoted text, ${...}, arithmetic, comments and heredoc bodies
    are blanked (a quoted word stays one placeholder word); $(...) and
    backquotes start commands of their own, also inside double quotes;
    case patterns are dropped."""
    out, cur, line, start = [], [], 1, 1
    i, n = 0, len(text)
    stack = []              # 'dq' inside "...", 'cs' inside $( ... )
    heredocs = []           # delimiters whose bodies start at next newline
    case_pat = False        # at a case pattern: skip to its ')'
    paren = [0]             # open ( per command-substitution level

    def flush():
        nonlocal cur, start
        t = "".join(cur).strip()
        if t:
            out.append((start, t))
        cur, start = [], line

    def at_word_start():
        j = len(cur) - 1
        return j < 0 or cur[j] in " \t"

    def open_subst(i):
        """$((...)) is skipped, $( and ` start a command; None: neither."""
        nonlocal line
        arith = text.startswith("$((", i)
        if arith or (text.startswith("((", i) and not (stack and stack[-1] == "dq")
                     and at_word_start()):
            e = skip_balanced(text, i + 1 if arith else i, "(", ")")
            line += text.count("\n", i, e)
            cur.append("A")
            return e
        if text.startswith("$(", i):
            flush()
            stack.append("cs")
            paren.append(0)
            return i + 2
        if text[i] == "`":      # opens, or closes one opened in code
            flush()
            if stack and stack[-1] == "bq":
                stack.pop()
            else:
                stack.append("bq")
            return i + 1
        return None

    while i < n:
        c = text[i]
        if stack and stack[-1] == "dq":
            if c == "\\":
                i += 2
                continue
            if c == '"':
                stack.pop()
                cur.append("Q")
                i += 1
                continue
            j = open_subst(i)
            if j is not None:
                i = j
                continue
            if c == "\n":
                line += 1
            i += 1
            continue
        # code (top level, $( ... ) or ` ... `)
        if c == "\\":
            if i + 1 < n and text[i + 1] == "\n":
                line += 1
                cur.append(" ")
            i += 2
            continue
        if c == "\n":
            line += 1
            flush()
            i += 1
            while heredocs:     # skip heredoc bodies
                d = heredocs.pop(0)
                while i < n:
                    e = text.find("\n", i)
                    e = n if e < 0 else e
                    body = text[i:e]
                    i = e + 1
                    line += 1
                    if body.strip() == d:
                        break
            start = line
            continue
        if case_pat and c == "#" and at_word_start():
            e = text.find("\n", i)
            i = n if e < 0 else e
            continue
        if case_pat:
            m = re.match(r"\s*esac\b", text[i:])
            if m and not text[i:i + 1].isspace() or (m and m.start() == 0):
                case_pat = False
                i += m.end()
                flush()
                continue
            if c == ")":
                case_pat = False
                flush()
            elif c.isspace() or c == "(":
                pass
            elif re.match(r"esac\b", text[i:]):
                case_pat = False
                i += 4
                flush()
                continue
            i += 1
            continue
        if c == "#" and at_word_start():
            e = text.find("\n", i)
            i = n if e < 0 else e
            continue
        if c == "'":
            e = text.find("'", i + 1)
            e = n if e < 0 else e
            line += text.count("\n", i, e)
            cur.append("Q")
            i = e + 1
            continue
        if c == '"':
            stack.append("dq")
            i += 1
            continue
        if text.startswith("${", i):
            i = skip_balanced(text, i + 1, "{", "}")
            cur.append("V")
            continue
        j = open_subst(i)
        if j is not None:
            i = j
            continue
        if text.startswith("<<<", i):
            cur.append(" ")
            i += 3
            continue
        m = re.match(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1", text[i:])
        if m:
            heredocs.append(m.group(2))
            i += m.end()
            continue
        if c == "(" and cur and cur[-1] == "=":
            # array assignment: x=(a b c)
            e = skip_balanced(text, i, "(", ")")
            line += text.count("\n", i, e)
            i = e
            cur.append("V")
            continue
        if c == "(":
            paren[-1] += 1
            flush()
            i += 1
            continue
        if c == ")":
            if stack and stack[-1] == "cs" and paren[-1] == 0:
                stack.pop()
                paren.pop()
                flush()
                cur.append("Q")
                i += 1
                continue
            paren[-1] -= 1
            flush()
            i += 1
            continue
        if c in ";|&":
            if text.startswith(";;", i):
                flush()
                case_pat = True
                i += 2
                if i < n and text[i] == "&":
                    i += 1
                continue
            flush()
            i += 1
            continue
        if at_word_start():
            m = re.match(r"(case)\b[^\n]*?\bin\b", text[i:])
            if m and re.match(r"case\s", text[i:]):
                # "case WORD in": the pattern follows
                e = i + m.end()
                line += text.count("\n", i, e)
                i = e
                flush()
                case_pat = True
                continue
        cur.append(c)
        i += 1
    flush()
    return out


def skip_balanced(text, i, o, c):
    """text[i] is the first of one or more `o`; return the index after
    the matching `c`."""
    depth = 0
    while i < len(text):
        if text[i] == o:
            depth += 1
        elif text[i] == c:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def shell_lines(path):
    """(line, text) of each simple command."""
    with open(path, errors="replace") as f:
        return segments(f.read())


def commands_in(words):
    """Yield the command word(s) of one simple command."""
    i = 0
    while i < len(words):
        w = words[i]
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=", w):
            i += 1          # VAR=value prefix
            continue
        if w in ("if", "then", "do", "else", "elif", "while", "until",
                 "!", "time", "{", "}", "local", "export", "readonly",
                 "declare"):
            if w in ("local", "export", "readonly", "declare"):
                return      # assignments only
            i += 1
            continue
        break
    if i >= len(words):
        return
    w = words[i]
    if w in ("for", "select"):
        return
    if w.startswith("<") or w.startswith(">") or re.match(r"^\d*[<>]", w):
        return
    yield w
    if w == "ip" and words[i + 1:i + 3] == ["netns", "exec"]:
        yield from commands_in(words[i + 4:])
        return
    if w in WRAPPERS:
        j, pos = i + 1, WRAPPERS[w]
        opt_arg = WRAP_OPT_ARG.get(w, set())
        while j < len(words):
            a = words[j]
            if a.startswith("-"):
                j += 2 if a in opt_arg else 1
                continue
            if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", a) and w == "env":
                j += 1
                continue
            if pos > 0:
                pos -= 1
                j += 1
                continue
            break
        yield from commands_in(words[j:])


def shell_commands(path):
    for n, seg in shell_lines(path):
        for c in commands_in(seg.split()):
            yield n, c


SUBPROCESS = {"run", "check_output", "check_call", "call", "Popen",
              "system", "getoutput", "getstatusoutput"}


def py_first_word(node):
    """The command word of an argv-like expression: "cmd", ["cmd", ...],
    prefix + ["cmd", ...] (e.g. nsx(GW) + [...]), or "cmd args" strings."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        w = node.value.split()
        return w[0] if w else None
    if isinstance(node, (ast.List, ast.Tuple)):
        for e in node.elts:
            if isinstance(e, ast.Starred):
                continue
            return py_first_word(e)
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        if isinstance(node.right, (ast.List, ast.Tuple)):
            return py_first_word(node.right)
        return py_first_word(node.left)
    return None


def python_commands(path):
    """Commands a Python test runs: the argv of subprocess calls and of
    the file's own helpers that call subprocess."""
    with open(path, errors="replace") as f:
        try:
            tree = ast.parse(f.read())
        except SyntaxError:
            return
    wrappers = set(SUBPROCESS)
    # The file's own helpers whose *args become the argv unchanged
    # (def sh(*args): subprocess.run(list(args))); not those that put a
    # program of ours first (def vta(*args): run([VTA] + list(args))).
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef) or not node.args.vararg:
            continue
        va = node.args.vararg.arg
        for c in ast.walk(node):
            if not (isinstance(c, ast.Call) and c.args):
                continue
            cf = c.func
            cn = cf.attr if isinstance(cf, ast.Attribute) else getattr(cf, "id", None)
            if cn not in SUBPROCESS:
                continue
            a = c.args[0]
            if isinstance(a, ast.Call) and getattr(a.func, "id", None) == "list" and a.args:
                a = a.args[0]
            if isinstance(a, ast.Name) and a.id == va:
                wrappers.add(node.name)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
        if name not in wrappers:
            continue
        # The first argument that is not *prefix (e.g. *nsx(GW)).
        for a in node.args:
            if isinstance(a, ast.Starred):
                continue
            w = py_first_word(a)
            if w:
                yield node.lineno, w
            break


def is_shell(path):
    if path.endswith(".sh"):
        return True
    if os.path.basename(path) in ("run", "vm-run", "vtiaccel-updown"):
        try:
            with open(path, errors="replace") as f:
                return re.match(r"#!.*\b(ba|da)?sh\b", f.readline()) is not None
        except OSError:
            return False
    return False


def repo_files():
    out = subprocess.run(["git", "-C", ROOT, "ls-files"], capture_output=True,
                         text=True)
    if out.returncode == 0:
        return [l for l in out.stdout.split("\n") if l]
    found = []
    for d, _, files in os.walk(ROOT):
        if "/.git" in d or "/build" in d:
            continue
        found += [os.path.relpath(os.path.join(d, f), ROOT) for f in files]
    return found


def main():
    ok = bad = 0
    table = {}
    with open(TABLE) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2:
                print("commands: %s:%d: want 'command<TAB>package'" % (TABLE, n))
                bad += 1
                continue
            table[parts[0]] = parts[1]

    files = [f for f in repo_files()
             if f.split("/")[0] in ("tests", "bench", "lab", "scripts",
                                    "contrib", ".ci")]
    shell = [f for f in files if is_shell(os.path.join(ROOT, f))]
    py = [f for f in files if f.endswith(".py")]

    # Functions defined by our scripts, and our own programs.
    funcs = set()
    fdef = re.compile(r"^\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_-]*)\s*\(\)",
                      re.M)
    for f in shell:
        with open(os.path.join(ROOT, f), errors="replace") as fh:
            funcs |= set(fdef.findall(fh.read()))
    ours = {os.path.basename(f).rsplit(".", 1)[0] for f in files}
    ours |= {"vtiaccel", "vta_static", "cli_fixture", "bpf_test",
             "prog_cost", "sync_latency", "mapq", "vm-run"}

    missing = {}
    for f in shell:
        for n, c in shell_commands(os.path.join(ROOT, f)):
            if not WORD.match(c) or c in BUILTINS or c in funcs or c in ours:
                continue
            if c not in table:
                missing.setdefault(c, []).append("%s:%d" % (f, n))
    for f in py:
        for n, c in python_commands(os.path.join(ROOT, f)):
            if not WORD.match(c) or c in BUILTINS or c in ours:
                continue
            if c not in table:
                missing.setdefault(c, []).append("%s:%d" % (f, n))
    for c in sorted(missing):
        where = missing[c]
        print("commands: FAIL '%s' is called (%s%s) but not in tests/commands.tsv"
              % (c, ", ".join(where[:3]), " ..." if len(where) > 3 else ""))
        bad += 1
    ok += 1 if not missing else 0

    deps = subprocess.run([os.path.join(ROOT, "scripts", "install-deps.sh"),
                           "--list"], capture_output=True, text=True)
    pkgs = set(deps.stdout.split())
    if deps.returncode != 0 or not pkgs:
        print("commands: FAIL scripts/install-deps.sh --list printed nothing")
        bad += 1
    for c, p in sorted(table.items()):
        if not set(p.split("|")) & pkgs:
            print("commands: FAIL %s comes from %s, which install-deps.sh "
                  "does not install" % (c, p))
            bad += 1
        else:
            ok += 1

    # The table against dpkg's own record, where the command is installed.
    if shutil.which("dpkg"):
        for c, p in sorted(table.items()):
            path = shutil.which(c, path="/usr/sbin:/usr/bin:/sbin:/bin")
            if not path:
                continue
            owners = set()
            real = os.path.realpath(path)
            cands = {path, real}
            for x in list(cands):
                if x.startswith("/usr/"):
                    cands.add(x[4:])
                else:
                    cands.add("/usr" + x)
            for x in cands:
                r = subprocess.run(["dpkg", "-S", x], capture_output=True,
                                   text=True)
                for l in r.stdout.split("\n"):
                    if ": " in l:
                        owners |= {o.strip().split(":")[0]
                                   for o in l.split(": ")[0].split(",")}
            if not owners:
                continue        # a diversion or alternative: not decidable
            if set(p.split("|")) & owners:
                ok += 1
            else:
                print("commands: FAIL tests/commands.tsv says %s comes from %s; "
                      "dpkg says %s" % (c, p, ", ".join(sorted(owners))))
                bad += 1

    print("commands: %d passed, %d failed" % (ok, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
