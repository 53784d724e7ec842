"""The Inputs and Outputs tables of each module's and example's README, generated from its .tf
files (name, type, default and description of every `variable`, name and description of every
`output`), so the README cannot drift from the code.

    python scripts/module_docs.py           rewrite the tables in place (`make docs`)
    python scripts/module_docs.py --check   list the READMEs that are out of date, exit 1

The tables sit between the BEGIN/END markers below; everything else in a README is prose and is
left alone. Standard library only: a small HCL reader that knows strings (with `${...}`
templates), heredocs, comments and brackets, which is all that variable and output blocks need.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PARENTS = ("terraform/modules", "terraform/examples")
BEGIN = "<!-- BEGIN_TF_DOCS: generated from the .tf files by scripts/module_docs.py (make docs) -->"
END = "<!-- END_TF_DOCS -->"
FIX = "run `make docs` (python scripts/module_docs.py) and commit the README"

OPENERS = {"{": "}", "(": ")", "[": "]"}
CLOSERS = set(OPENERS.values())


@dataclass
class Variable:
    name: str
    type: str | None = None
    default: str | None = None  # the expression as written (compacted); None = required
    description: str | None = None
    nullable: str | None = None
    sensitive: str | None = None
    validations: int = 0


@dataclass
class Output:
    name: str
    description: str | None = None
    sensitive: str | None = None


@dataclass
class Module:
    path: Path
    variables: list[Variable] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)


class HclError(ValueError):
    pass


# --- reading HCL -------------------------------------------------------------------------------


def _skip_string(text: str, i: int) -> int:
    """`text[i]` is an opening quote: the index just past the closing one (templates nest)."""
    i += 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
        elif ch == '"':
            return i + 1
        elif text.startswith("$${", i) or text.startswith("%%{", i):
            i += 3
        elif text.startswith("${", i) or text.startswith("%{", i):
            i = _skip_code(text, i + 2, "}") + 1
        elif ch == "\n":
            raise HclError(f"unterminated string at offset {i}")
        else:
            i += 1
    raise HclError("unterminated string")


_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_]*)\n")


def _skip_heredoc(text: str, i: int) -> int:
    match = _HEREDOC.match(text, i)
    assert match
    end = re.compile(rf"^[ \t]*{re.escape(match.group(2))}[ \t]*$", re.MULTILINE)
    found = end.search(text, match.end())
    if not found:
        raise HclError(f"unterminated heredoc {match.group(2)}")
    return found.end()


def _skip_comment(text: str, i: int) -> int:
    if text.startswith("/*", i):
        end = text.find("*/", i + 2)
        if end < 0:
            raise HclError("unterminated /* comment")
        return end + 2
    end = text.find("\n", i)
    return len(text) if end < 0 else end  # the newline itself ends an attribute


def _skip_code(text: str, i: int, closer: str) -> int:
    """From `i`, the index of the `closer` that ends this bracketed code (strings skipped)."""
    while i < len(text):
        ch = text[i]
        if ch == closer:
            return i
        if ch == '"':
            i = _skip_string(text, i)
        elif ch in OPENERS:
            i = _skip_code(text, i + 1, OPENERS[ch]) + 1
        elif ch in CLOSERS:
            raise HclError(f"unbalanced {ch!r} at offset {i}")
        elif ch == "#" or text.startswith("//", i) or text.startswith("/*", i):
            i = _skip_comment(text, i)
        elif _HEREDOC.match(text, i):
            i = _skip_heredoc(text, i)
        else:
            i += 1
    raise HclError(f"missing {closer!r}")


def blank_comments(text: str) -> str:
    """The text with every comment replaced by spaces (line breaks kept)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            end = _skip_string(text, i)
        elif _HEREDOC.match(text, i):
            end = _skip_heredoc(text, i)
        elif ch == "#" or text.startswith("//", i) or text.startswith("/*", i):
            end = _skip_comment(text, i)
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
            continue
        else:
            end = i + 1
        out.append(text[i:end])
        i = end
    return "".join(out)


_WORD = re.compile(r'[A-Za-z_][A-Za-z0-9_-]*|"(?:[^"\\\n]|\\.)*"')


def items(body: str) -> list[tuple[str, str, str]]:
    """The top-level items of a block body (comments already blanked), in order:
    ("attribute", name, expression) or ("block", "type label...", inner body)."""
    found: list[tuple[str, str, str]] = []
    i = 0
    while i < len(body):
        if body[i].isspace():
            i += 1
            continue
        match = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)\s*").match(body, i)
        if not match:
            raise HclError(f"unexpected {body[i : i + 20]!r}")
        name = match.group(1)
        j = match.end()
        if body.startswith("=", j) and not body.startswith("==", j):
            start = j + 1
            k = start
            while k < len(body) and body[k] != "\n":
                ch = body[k]
                if ch == '"':
                    k = _skip_string(body, k)
                elif ch in OPENERS:
                    k = _skip_code(body, k + 1, OPENERS[ch]) + 1
                elif _HEREDOC.match(body, k):
                    k = _skip_heredoc(body, k)
                else:
                    k += 1
            found.append(("attribute", name, body[start:k].strip()))
            i = k
            continue
        labels = []
        while (label := _WORD.match(body, j)) and body[j] == '"':  # block labels
            labels.append(label.group()[1:-1])
            j = label.end()
            while j < len(body) and body[j] in " \t":
                j += 1
        if not body.startswith("{", j):
            raise HclError(f"expected '=' or '{{' after {name!r}")
        end = _skip_code(body, j + 1, "}")
        found.append(("block", " ".join([name, *labels]), body[j + 1 : end]))
        i = end + 1
    return found


def block_body(text: str, header: str) -> str:
    """The body of the block that starts with `header` (e.g. 'resource "x" "y" {') in `text`."""
    start = text.index(header) + len(header)
    return text[start : _skip_code(text, start, "}")]


_TOP = re.compile(r'^(variable|output)\s+"([^"]+)"\s*\{', re.MULTILINE)


def compact(expression: str) -> str:
    """An expression on one line: lines that were separate items of an object or tuple are
    joined with ", ", everything else with a space."""
    lines = [_squash(line) for line in expression.splitlines() if line.strip()]
    if not lines:
        return ""
    text = lines[0]
    for line in lines[1:]:
        if text[-1] in "{[(" or line[0] in "}])":
            text += line
        elif text.endswith(","):
            text += " " + line
        else:
            text += ", " + line
    return text


_PIECES = re.compile(r'"(?:[^"\\]|\\.)*"|\s+|[^"\s]+|"')


def _squash(line: str) -> str:
    """One line with each run of blanks outside strings made a single space."""
    return "".join(" " if p.isspace() else p for p in _PIECES.findall(line.strip()))


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def string_value(expression: str) -> str:
    """The value of a literal string or heredoc (a description)."""
    heredoc = _HEREDOC.match(expression)
    if heredoc:
        body = expression[heredoc.end() :].rsplit("\n", 1)[0]
        lines = body.splitlines()
        if heredoc.group(1):  # <<- strips the common indentation
            indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
            lines = [x[indent:] for x in lines]
        return "\n".join(lines)
    if not (expression.startswith('"') and expression.endswith('"')):
        raise HclError(f"a description must be a literal string, not {expression!r}")
    raw = expression[1:-1]
    raw = raw.replace("$${", "${").replace("%%{", "%{")

    def unescape(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU":
            return chr(int(code[1:], 16))
        return _ESCAPES[code]

    return re.sub(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", unescape, raw)


def parse_module(directory: Path) -> Module:
    """Every variable and output of the configuration in `directory`, in file and line order."""
    module = Module(directory)
    for path in sorted(directory.glob("*.tf")):
        text = blank_comments(path.read_text())
        for match in _TOP.finditer(text):
            kind, name = match.groups()
            end = _skip_code(text, match.end(), "}")
            body = items(text[match.end() : end])
            attributes = {n: e for k, n, e in body if k == "attribute"}
            description = attributes.get("description")
            description = string_value(description) if description is not None else None
            if kind == "variable":
                default = attributes.get("default")
                module.variables.append(
                    Variable(
                        name=name,
                        type=compact(attributes["type"]) if "type" in attributes else None,
                        default=compact(default) if default is not None else None,
                        description=description,
                        nullable=attributes.get("nullable"),
                        sensitive=attributes.get("sensitive"),
                        validations=sum(
                            1 for k, n, _ in body if k == "block" and n == "validation"
                        ),
                    )
                )
            else:
                module.outputs.append(
                    Output(name, description=description, sensitive=attributes.get("sensitive"))
                )
    return module


# --- writing the tables ------------------------------------------------------------------------


def _cell(text: str) -> str:
    """One table cell of prose: one line, `|` escaped, `<` an entity (`<name>` is not HTML)."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")


def _code(text: str) -> str:
    """One table cell of code (a type or a default): one line, `|` escaped."""
    return "`" + " ".join(text.split()).replace("|", "\\|") + "`"


def tables(module: Module) -> str:
    lines = [BEGIN, "## Inputs", ""]
    if module.variables:
        lines += ["| name | type | default | description |", "| --- | --- | --- | --- |"]
        for v in module.variables:
            default = "required" if v.default is None else _code(v.default)
            described = _cell(v.description or "")
            lines.append(f"| `{v.name}` | {_code(v.type or 'any')} | {default} | {described} |")
    else:
        lines.append("None.")
    lines += ["", "## Outputs", ""]
    if module.outputs:
        lines += ["| name | description |", "| --- | --- |"]
        for o in module.outputs:
            lines.append(f"| `{o.name}` | {_cell(o.description or '')} |")
    else:
        lines.append("None.")
    lines.append(END)
    return "\n".join(lines)


def render(readme: str, module: Module) -> str:
    """The README with its generated section replaced by the tables of `module`."""
    if readme.count(BEGIN) != 1 or readme.count(END) != 1:
        raise HclError(f"the README must hold the markers once each:\n{BEGIN}\n{END}")
    head, rest = readme.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return head + tables(module) + tail


def targets(root: Path = REPO) -> list[Path]:
    """Every module and example directory (the ones with a README.md)."""
    return sorted(
        path
        for parent in PARENTS
        for path in (root / parent).iterdir()
        if path.is_dir() and any(path.glob("*.tf")) and (path / "README.md").exists()
    )


def expected(directory: Path) -> tuple[str, str]:
    """(the README as it is, the README as the generator writes it)."""
    readme = (directory / "README.md").read_text()
    return readme, render(readme, parse_module(directory))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    parser.add_argument("directories", nargs="*", type=Path, help="default: every module/example")
    args = parser.parse_args(argv)
    stale = 0
    for directory in args.directories or targets():
        current, wanted = expected(directory)
        if current == wanted:
            continue
        name = str((directory / "README.md").resolve().relative_to(REPO))
        if args.check:
            stale += 1
            sys.stdout.writelines(
                difflib.unified_diff(
                    current.splitlines(True), wanted.splitlines(True), name, name + " (generated)"
                )
            )
        else:
            (directory / "README.md").write_text(wanted)
            print(f"updated {name}")
    if stale:
        print(f"\n{stale} README(s) out of date: {FIX}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
