#!/usr/bin/env python3
"""backup-agent's pg_dump and the PostgreSQL servers it dumps are the same major version.

pg_dump refuses to dump a server newer than itself ("aborting because of server version
mismatch"), so a backup-agent image with Debian's default client (15 on bookworm) cannot
back up `postgres:16`. This check keeps the two from drifting apart:

  * deploy/docker/Dockerfile installs `postgresql-client-<major>` (a literal major, or
    `${PG_MAJOR}` resolved through its `ARG PG_MAJOR=<major>`), and no unversioned
    `postgresql-client` (that would be whatever the Debian release ships);
  * every `image: postgres:<tag>` in compose/*.yml, deploy/k8s/**/*.yaml and the CI
    workflows' service containers (.github/workflows/*.yml) has a tag starting with that
    major (`16`, `16.4`, `16-bookworm`); an image without a major (`postgres`,
    `postgres:latest`) fails too, since it moves on its own;
  * a workflow that installs `postgresql-client-<major>` (backup-validation's drill-code job
    tests with the image's tools) installs that same major.

Usage: check_pg_versions.py [--self-test]
"""

import glob
import os
import re
import sys

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DOCKERFILE = "deploy/docker/Dockerfile"
IMAGE_GLOBS = ["compose/*.yml", "compose/*.yaml", "deploy/k8s/**/*.yaml", "deploy/k8s/**/*.yml",
               ".github/workflows/*.yml", ".github/workflows/*.yaml"]
# postgres, library/postgres, docker.io/library/postgres, with an optional tag or digest.
POSTGRES_IMAGE = re.compile(r"^(?:(?:docker\.io/)?library/)?postgres(?::(?P<tag>[^@\s]+))?(?:@\S+)?$")


def instructions(text):
    """Dockerfile instructions with continuation lines joined, comments dropped."""
    out, cur = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            cur += stripped[:-1] + " "
            continue
        cur += stripped
        if cur.strip():
            out.append(cur.strip())
        cur = ""
    if cur.strip():
        out.append(cur.strip())
    return out


def client_majors(text):
    """(majors of postgresql-client-N installed, findings) for a Dockerfile's text."""
    findings, majors = [], set()
    args = {}
    for ins in instructions(text):
        keyword, _, rest = ins.partition(" ")
        if keyword.upper() == "ARG":
            name, eq, default = rest.strip().partition("=")
            if eq:
                args[name.strip()] = default.strip().strip('"')
            continue
        if keyword.upper() != "RUN":
            continue
        for m in re.finditer(r"postgresql-client(?P<suffix>-[\w${}]+)?", ins):
            suffix = m.group("suffix")
            if suffix in (None, "-common"):
                if suffix is None:
                    findings.append(
                        f"{DOCKERFILE}: installs unversioned `postgresql-client` (the Debian "
                        "release's major, not the server's): install postgresql-client-<major>")
                continue
            ver = suffix[1:]
            ref = re.fullmatch(r"\$\{?(\w+)\}?", ver)
            if ref:
                if ref.group(1) not in args:
                    findings.append(f"{DOCKERFILE}: postgresql-client-{ver}: ARG {ref.group(1)} has no default")
                    continue
                ver = args[ref.group(1)]
            if not ver.isdigit():
                findings.append(f"{DOCKERFILE}: postgresql-client-{ver}: not a major version number")
                continue
            majors.add(int(ver))
    return majors, findings


def images(node):
    """Every string value of an `image` key, anywhere in a YAML document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "image" and isinstance(v, str):
                yield v
            else:
                yield from images(v)
    elif isinstance(node, list):
        for v in node:
            yield from images(v)


def server_majors(path, text):
    """[(image, major or None)] for the postgres images of one YAML file."""
    found = []
    for doc in yaml.safe_load_all(text):
        for image in images(doc):
            m = POSTGRES_IMAGE.match(image.strip())
            if not m:
                continue
            tag = m.group("tag") or ""
            major = re.match(r"^(\d+)", tag)
            found.append((image, int(major.group(1)) if major else None))
    return found


def check(dockerfile_text, yaml_files):
    """Findings (empty = consistent). yaml_files: [(path, text)]."""
    majors, findings = client_majors(dockerfile_text)
    if not majors and not findings:
        findings.append(f"{DOCKERFILE}: no postgresql-client-<major> installed (backup-agent needs pg_dump)")
    if len(majors) > 1:
        findings.append(f"{DOCKERFILE}: several pg client majors installed: {sorted(majors)}")
    client = min(majors) if len(majors) == 1 else None
    servers = 0
    for path, text in yaml_files:
        for image, major in server_majors(path, text):
            servers += 1
            if major is None:
                findings.append(f"{path}: image {image} does not pin a PostgreSQL major "
                                "(use postgres:<major>-…)")
            elif client is not None and major != client:
                findings.append(f"{path}: image {image} is PostgreSQL {major} but backup-agent's "
                                f"pg_dump is {client} ({DOCKERFILE}): they must be the same major")
    for path, text in yaml_files:
        if not path.startswith(".github/"):
            continue
        for m in re.finditer(r"postgresql-client-(\d+)", text):
            if client is not None and int(m.group(1)) != client:
                findings.append(f"{path}: installs postgresql-client-{m.group(1)} but backup-agent's "
                                f"pg_dump is {client} ({DOCKERFILE})")
    if servers == 0:
        findings.append("no postgres: image found in compose/, deploy/k8s/ or .github/workflows/ "
                        "(nothing to compare the pg client with)")
    return client, servers, findings


def repository_files():
    files = set()
    for pattern in IMAGE_GLOBS:
        files.update(glob.glob(os.path.join(ROOT, pattern), recursive=True))
    out = []
    for f in sorted(files):
        with open(f, encoding="utf-8") as fh:
            out.append((os.path.relpath(f, ROOT), fh.read()))
    return out


def self_test():
    dockerfile_ok = "ARG PG_MAJOR=16\nFROM x AS backup-agent\nARG PG_MAJOR\n" \
                    "RUN apt-get install -y \\\n  \"postgresql-client-${PG_MAJOR}\" restic\n"
    compose16 = ("compose.yml", "services:\n  db:\n    image: postgres:16-bookworm\n")
    cases = [
        ("ARG + compose 16", dockerfile_ok, [compose16], 0),
        ("literal major", "RUN apt-get install postgresql-client-16", [compose16], 0),
        ("server newer than client", dockerfile_ok,
         [("k8s/pg.yaml", "kind: StatefulSet\nspec:\n  template:\n    spec:\n      containers:\n"
                          "        - name: pg\n          image: docker.io/library/postgres:17.2\n")], 1),
        ("unversioned Debian client", "RUN apt-get install -y postgresql-client restic", [compose16], 1),
        ("comment does not count", "# postgresql-client is 15\nRUN apt-get install postgresql-client-16",
         [compose16], 0),
        ("unpinned server image", dockerfile_ok, [("c.yml", "services:\n  db:\n    image: postgres\n")], 1),
        ("workflow service older", dockerfile_ok,
         [("ci.yml", "jobs:\n  t:\n    services:\n      postgres:\n        image: postgres:15\n")], 1),
        ("workflow installs another client", dockerfile_ok,
         [compose16, (".github/workflows/b.yml", "jobs:\n  t:\n    steps:\n      - run: apt-get install postgresql-client-15\n")], 1),
        ("no server at all", dockerfile_ok, [("c.yml", "services:\n  x:\n    image: rabbitmq:3\n")], 1),
        ("postgres-exporter is not a server", dockerfile_ok,
         [compose16, ("m.yml", "services:\n  e:\n    image: quay.io/prometheuscommunity/postgres-exporter:v0.15.0\n")], 0),
    ]
    bad = 0
    for name, dockerfile, files, want in cases:
        _, _, findings = check(dockerfile, files)
        if len(findings) != want:
            bad += 1
            print(f"self-test {name}: expected {want} finding(s), got {findings}")
    print(f"check_pg_versions self-test: {len(cases) - bad} passed, {bad} failed")
    return 1 if bad else 0


def main():
    if "--self-test" in sys.argv[1:]:
        return self_test()
    with open(os.path.join(ROOT, DOCKERFILE), encoding="utf-8") as f:
        dockerfile = f.read()
    client, servers, findings = check(dockerfile, repository_files())
    for finding in findings:
        print(finding)
    if findings:
        return 1
    print(f"pg client {client} in {DOCKERFILE} matches all {servers} postgres image(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
