#!/usr/bin/python3
"""Fails when two source files of one library define the same name at file level.

The sanitizer tree compiles each library as unity sources (tests/sanitize/build_sanitized.sh):
several .cc files of a library become one translation unit, so their anonymous namespaces merge.
Two files defining the same class or constant then fail to compile there, and, worse, two
functions of one name with different parameters become overloads: a call in one file can
silently pick the other file's function (report/run_warnings.cc's StringAt(json, const char*)
once took variant_accuracy.cc's calls of record_fields.h's StringAt(json, string_view), which
the sanitizer tree's report tests caught). Every name defined at the start of a line (a function,
class, struct or constant; not a member defined as Class::Name) must therefore appear in one
.cc file of its folder only.

usage: unique_file_names.py SOURCE_DIR...   (each a library's folder)
"""
import collections
import pathlib
import re
import sys

FUNCTION = re.compile(
    r"^(?:static |inline |constexpr |template <[^>]*> )*[A-Za-z_][\w:<>,*& ]*?[\s*&]+([A-Za-z_]\w*)\(")
TYPE = re.compile(r"^(?:class|struct|union|enum(?: class)?) ([A-Za-z_]\w*)(?: final)?\s*(?::[^;]*)?\{")
CONSTANT = re.compile(r"^(?:static )?(?:inline )?(?:constexpr|const) [\w:<>, ]+? \*?(k[A-Z]\w*)(?:\[\w*\])* *[=({]")
NOT_NAMES = {"if", "for", "while", "switch", "return", "sizeof", "operator"}


def names_in(path: pathlib.Path):
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        for pattern in (FUNCTION, TYPE, CONSTANT):
            match = pattern.match(line)
            if match and match.group(1) not in NOT_NAMES:
                yield match.group(1), number
                break


def main(folders: list[str]) -> int:
    clashes = 0
    for folder in folders:
        seen = collections.defaultdict(list)
        for path in sorted(pathlib.Path(folder).glob("*.cc")):
            for name, line in names_in(path):
                seen[name].append(f"{path}:{line}")
        for name, places in sorted(seen.items()):
            files = {place.rsplit(":", 1)[0] for place in places}
            if len(files) > 1:
                clashes += 1
                print(f"{name}: defined in {len(files)} files of {folder}: {', '.join(places)}; "
                      "give each its own name, or share one definition through a header")
    return 1 if clashes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
