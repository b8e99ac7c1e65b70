#!/usr/bin/env python3
"""No file in the repository links outside it, and no link points at nothing.

Fails (exit 1, one line per finding) when a tracked file has:
  * in a markdown file, a link or image (`[text](target)`, `[label]: target`, `href=`, `src=`)
    whose target leaves the repository, does not exist, or names an anchor that is not a
    heading (or `<a id>`) of the target page. Targets resolve from the linking file's folder,
    as GitHub renders them. Web links are not followed, except links to this repository on
    GitHub (`https://github.com/ofitec/ofitec/blob/<ref>/<path>`), whose path must exist;
  * anywhere (code, comments, configuration, docs), a path reference to a markdown page
    (`docs/reference/sii.md#authentication`, `../../docs/api.md`) that exists neither beside
    the file nor from the repository root, or whose anchor is missing;
  * anywhere, a bare page name (`NOTES.md`) that no file in the repository carries;
  * anywhere, a relative path that climbs out (`../elsewhere/…`): resolved from the file's folder
    or any folder above it up to the root (test code resolves from its crate), it must reach
    an existing path inside the repository.

Anchors follow GitHub's rule: the heading text in lower case, punctuation dropped (except
`-` and `_`), spaces turned into `-`, and `-1`, `-2`… for repeated headings.

Usage: check_links.py [--self-test] [ROOT]
"""

import os
import re
import subprocess
import sys
import tempfile
import unicodedata

REPO_URL = re.compile(r"https://github\.com/ofitec/ofitec/(?:blob|tree)/[^/\s]+/([^\s)>\"'`#]*)(#[\w-]+)?")
WEB_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s)>\"'`\]]+")
INLINE_LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
HTML_ATTR = re.compile(r"\b(?:href|src)\s*=\s*\"([^\"]*)\"")
HTML_ANCHOR = re.compile(r"<a\s+(?:id|name)\s*=\s*\"([^\"]+)\"")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
# A path reference: optional climb, then path segments, ending in a markdown page, with an
# optional anchor. The look-behind keeps `a/b.md` inside a longer path from matching alone.
PAGE_REF = re.compile(r"(?<![\w./~-])((?:\.\.?/)*(?:[\w.~-]+/)*[\w.~-]+\.md)(#[\w-]+)?(?![\w/-])")
CLIMB_REF = re.compile(r"(?<![\w./~-])((?:\.\./)+[\w.~-]+(?:/[\w.~-]+)*)")
TEXT_SUFFIXES = (".md", ".rs", ".toml", ".yml", ".yaml", ".sh", ".py", ".proto", ".txt",
                 ".json", ".sql", ".conf", ".env")
SKIP_PREFIXES = ("target/", "testdata/sii/")
SELF = os.path.basename(__file__)


def tracked_files(root):
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=root,
                             check=True, capture_output=True, text=True).stdout
        files = [f for f in out.splitlines() if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for base, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d not in (".git", "target", "node_modules")]
            files += [os.path.relpath(os.path.join(base, n), root) for n in names]
    return [f for f in files if os.path.isfile(os.path.join(root, f))]


def is_text(path):
    name = os.path.basename(path)
    return name in ("Makefile", "run") or name.startswith("Dockerfile") or path.endswith(TEXT_SUFFIXES)


def read(root, path):
    with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
        return f.read()


def slug(heading):
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links keep their text
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    kept = []
    for ch in text:
        if ch in " -_" or unicodedata.category(ch)[0] in "LNM":
            kept.append(ch)
    return "".join(kept).replace(" ", "-")


def anchors_of(text):
    """Every anchor a markdown page offers: its headings' slugs and explicit `<a id>`."""
    anchors, seen = set(HTML_ANCHOR.findall(text)), {}
    in_fence = None
    for line in text.splitlines():
        fence = re.match(r"^\s{0,3}(```|~~~)", line)
        if fence:
            in_fence = None if in_fence == fence.group(1) else (in_fence or fence.group(1))
            continue
        if in_fence:
            continue
        heading = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            base = slug(heading.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            anchors.add(base if count == 0 else f"{base}-{count}")
    return anchors


def without_code(text):
    """Markdown text with fenced blocks and code spans blanked (same offsets), for links."""
    out, in_fence = [], None
    for line in text.splitlines(keepends=True):
        fence = re.match(r"^\s{0,3}(```|~~~)", line)
        if fence:
            in_fence = None if in_fence == fence.group(1) else (in_fence or fence.group(1))
            out.append(" " * (len(line) - 1) + line[-1:])
            continue
        out.append(re.sub(r"[^\n]", " ", line) if in_fence else line)
    return CODE_SPAN.sub(lambda m: " " * len(m.group()), "".join(out))


def blank_link_targets(text):
    """Markdown text with the targets of inline links and reference definitions blanked."""
    def blank(m):
        start, end = m.span(1)
        whole = m.group()
        offset = m.start()
        return whole[: start - offset] + " " * (end - start) + whole[end - offset:]
    return REFERENCE_DEF.sub(blank, INLINE_LINK.sub(blank, text))


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


class Checker:
    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.files = [f for f in tracked_files(root) if not f.startswith(SKIP_PREFIXES)]
        self.basenames = {os.path.basename(f) for f in tracked_files(root)}
        self.anchor_cache = {}
        self.findings = []

    def inside(self, path):
        real = os.path.realpath(path)
        return real == self.root or real.startswith(self.root + os.sep)

    def anchors(self, path):
        if path not in self.anchor_cache:
            self.anchor_cache[path] = anchors_of(read(self.root, os.path.relpath(path, self.root)))
        return self.anchor_cache[path]

    def report(self, where, line, message):
        self.findings.append(f"{where}:{line}: {message}")

    def check_target(self, where, line, base_dir, target, what="link"):
        """A link target relative to `base_dir` (absolute): inside, existing, anchor known."""
        path, _, anchor = target.partition("#")
        resolved = os.path.normpath(os.path.join(base_dir, path)) if path else os.path.join(self.root, where)
        if not self.inside(resolved):
            self.report(where, line, f"{what} `{target}` leaves the repository")
        elif not os.path.exists(resolved):
            self.report(where, line, f"{what} `{target}` points at a missing file")
        elif anchor and resolved.endswith(".md") and anchor not in self.anchors(resolved):
            self.report(where, line, f"{what} `{target}`: no heading with anchor `#{anchor}`")

    def check_markdown_links(self, path, text):
        base = os.path.join(self.root, os.path.dirname(path))
        prose = without_code(text)
        targets = [(m.start(1), m.group(1)) for m in INLINE_LINK.finditer(prose)]
        targets += [(m.start(1), m.group(1)) for m in REFERENCE_DEF.finditer(prose)]
        targets += [(m.start(1), m.group(1)) for m in HTML_ATTR.finditer(prose)]
        for offset, target in targets:
            if not target or WEB_URL.match(target) or target.startswith("mailto:"):
                continue
            self.check_target(path, line_of(text, offset), base, target)

    def check_repository_urls(self, path, text):
        for m in REPO_URL.finditer(text):
            target = m.group(1) + (m.group(2) or "")
            self.check_target(path, line_of(text, m.start()), self.root, target, "repository URL")

    def resolve_upwards(self, folder, ref):
        """`ref` from `folder` or any folder above it up to the root (a crate's test code
        names paths from its crate, a page from the root): the first existing path inside."""
        while True:
            candidate = os.path.normpath(os.path.join(folder, ref))
            if self.inside(candidate) and os.path.exists(candidate):
                return candidate
            if os.path.realpath(folder) == self.root:
                return None
            folder = os.path.dirname(folder)

    def check_references(self, path, text):
        """Path references in any text: pages, bare page names, climbing paths."""
        text = WEB_URL.sub(lambda m: " " * len(m.group()), text)
        here = os.path.join(self.root, os.path.dirname(path))
        for m in PAGE_REF.finditer(text):
            page, anchor = m.group(1), m.group(2) or ""
            line = line_of(text, m.start())
            if "/" not in page:
                if page not in self.basenames:
                    self.report(path, line, f"`{page}` is not a page of this repository")
                continue
            if page.startswith("../"):
                continue  # climbing paths are checked below, with the anchor
            found = self.resolve_upwards(here, page)
            if found is None:
                self.report(path, line, f"page `{page}` does not exist")
            elif anchor and anchor[1:] not in self.anchors(found):
                self.report(path, line, f"`{page}{anchor}`: no heading with anchor `{anchor}`")
        for m in CLIMB_REF.finditer(text):
            ref = m.group(1).rstrip(".")
            anchor_match = re.match(r"#[\w-]+", text[m.end():])
            anchor = anchor_match.group()[1:] if anchor_match else ""
            line = line_of(text, m.start())
            resolved = self.resolve_upwards(here, ref)
            if resolved is None:
                self.report(path, line, f"`{ref}` leaves the repository or points at nothing in it")
            elif anchor and resolved.endswith(".md") and anchor not in self.anchors(resolved):
                self.report(path, line, f"`{ref}#{anchor}`: no heading with anchor `#{anchor}`")

    def run(self):
        for path in self.files:
            if os.path.basename(path) == SELF or not is_text(path):
                continue
            text = read(self.root, path)
            self.check_repository_urls(path, text)
            if path.endswith(".md"):
                self.check_markdown_links(path, text)
                # Link targets were checked precisely above; the rest is prose and code.
                text = blank_link_targets(text)
            self.check_references(path, text)
        return self.findings


def self_test():
    files = {
        "README.md": "# Top\n\n## Two words\n\n[ok](docs/a.md#section-one) [bad](docs/a.md#nope)\n"
                     "[gone](missing.md) [out](../outside.md) [web](https://example.org/x.md)\n"
                     "`[code](docs/a.md)` is a reference, and `docs/a.md#section-one` too\n",
        "docs/a.md": "# A\n\n## Section one\n\n## Section one\n\nsee [dup](#section-one-1) and [self](#a)\n",
        "src/lib.rs": "// per docs/a.md#section-one and docs/a.md#missing, and NOTES.md §2\n"
                      "// and ../elsewhere/notes.md, ../docs/a.md is fine\n"
                      "// https://github.com/ofitec/ofitec/blob/main/docs/a.md is fine,\n"
                      "// https://github.com/ofitec/ofitec/blob/main/docs/b.md is not\n",
    }
    expected = {
        "README.md:5: link `docs/a.md#nope`: no heading with anchor `#nope`",
        "README.md:6: link `missing.md` points at a missing file",
        "README.md:6: link `../outside.md` leaves the repository",
        "src/lib.rs:1: `docs/a.md#missing`: no heading with anchor `#missing`",
        "src/lib.rs:1: `NOTES.md` is not a page of this repository",
        "src/lib.rs:2: `../elsewhere/notes.md` leaves the repository or points at nothing in it",
        "src/lib.rs:4: repository URL `docs/b.md` points at a missing file",
    }
    with tempfile.TemporaryDirectory() as root:
        for name, content in files.items():
            os.makedirs(os.path.join(root, os.path.dirname(name)), exist_ok=True)
            with open(os.path.join(root, name), "w", encoding="utf-8") as f:
                f.write(content)
        found = set(Checker(root).run())
    missing, extra = expected - found, found - expected
    for line in sorted(missing):
        print(f"self-test: expected, not reported: {line}")
    for line in sorted(extra):
        print(f"self-test: reported, not expected: {line}")
    if missing or extra:
        sys.exit(1)
    assert slug("`sii-sim` and SII: ESTADO (codes)") == "sii-sim-and-sii-estado-codes"
    assert slug("Códigos, 538 → 537") == "códigos-538--537"
    print("check_links self-test passed")


def main(argv):
    if "--self-test" in argv:
        self_test()
        return
    args = [a for a in argv if not a.startswith("--")]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    findings = Checker(root).run()
    for finding in findings:
        print(finding)
    if findings:
        print(f"{len(findings)} broken or outside link(s)", file=sys.stderr)
        sys.exit(1)
    print("links: every link stays inside the repository and points at something")


if __name__ == "__main__":
    main(sys.argv[1:])
