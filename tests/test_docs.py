"""The documentation stands alone: everything a reader needs is in the repository.

* No tracked file cites documents that live outside the repository (the product brief,
  its API and limits notes, the style notes, or the portal manuals it was drawn from).
  Code and docs cite the project's own pages (``docs/domain.md``, ``docs/api.md`` ...)
  or state the rule.
* Every relative link of ``README.md``, ``CHANGELOG.md`` and ``docs/*.md`` reaches a file
  that exists, and its ``#anchor``, when it has one, a heading of that page.
* Every page of ``docs/`` is listed in the README's Documentation section.
* The route tables of ``docs/api.md`` name exactly the operations the OpenAPI document
  describes, so the contract cannot drift from what didhub serves.
"""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# Spelled in pieces so that this file does not cite them itself. The names are matched
# in upper case only: docs/api.md is the project's own page.
OUTSIDE_NAMES = re.compile(r"\b(?:" + "|".join(("API", "PRODUCT", "LIMITS", "STYLE")) + r")\.md\b")
OUTSIDE_PLACES = re.compile(
    "|".join([r"\bseeds" + "/", r"\bthe " + r"seeds\b", r"\.\./" + "shared"]), re.IGNORECASE
)


def tracked_files() -> list[Path]:
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git work tree: the tracked files are unknown")
    return [ROOT / name for name in listing.decode().split("\0") if name]


def outside_citations(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every citation of a document outside the repository."""
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if OUTSIDE_NAMES.search(line) or OUTSIDE_PLACES.search(line)
    ]


def test_the_citation_finder_knows_ours_from_theirs():
    assert outside_citations("see " + "API" + ".md, Resources") != []
    assert outside_citations("(" + "seeds" + "/001: no Delete button)") != []
    assert outside_citations("as the " + "seeds" + " show it") != []
    assert outside_citations("see " + "../" + "shared/" + "LIMITS" + ".md") != []
    assert outside_citations('docs/api.md, docs/domain.md ("Uploading")') == []
    assert outside_citations("random.seed(7)") == []


def test_no_tracked_file_cites_documents_outside_the_repository():
    offenders = []
    for path in tracked_files():
        if not path.is_file():
            continue  # deleted in the work tree, not yet committed
        data = path.read_bytes()
        if b"\0" in data:
            continue  # binary (screenshots)
        for number, line in outside_citations(data.decode("utf-8", errors="replace")):
            offenders.append(f"{path.relative_to(ROOT)}:{number}: {line}")
    assert not offenders, (
        "Cite the project's own docs (docs/domain.md, docs/api.md, ...) or state the rule "
        "instead:\n" + "\n".join(offenders)
    )


# --- links -----------------------------------------------------------------------------

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def markdown_pages() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]


def without_code(text: str) -> str:
    return INLINE_CODE.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: link text kept, punctuation dropped."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    names = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text())):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        names.add(base if count == 0 else f"{base}-{count}")
    return names


def links(page: Path) -> list[str]:
    text = without_code(page.read_text())
    return LINK.findall(text) + REFERENCE.findall(text)


def test_slugs_follow_github():
    assert slug("Which actions a number allows: one decision") == (
        "which-actions-a-number-allows-one-decision"
    )
    assert (
        slug("Exact number validation (`bench/e164.py`)") == "exact-number-validation-benche164py"
    )
    assert slug("The reference machine, raw") == "the-reference-machine-raw"


@pytest.mark.parametrize("page", markdown_pages(), ids=lambda page: page.name)
def test_every_relative_link_reaches_a_file_and_heading(page):
    broken = []
    for target in links(page):
        if EXTERNAL.match(target):
            continue
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if ROOT not in destination.parents and destination != ROOT:
            broken.append(f"{target}: outside the repository")
        elif not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading #{anchor} in {destination.name}")
    assert not broken, f"{page.relative_to(ROOT)}:\n" + "\n".join(broken)


def test_every_docs_page_is_listed_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Documentation", 1)[1].split("\n## ", 1)[0]
    listed = {target for target in LINK.findall(section)}
    missing = [
        f"docs/{page.name}" for page in DOCS.glob("*.md") if f"docs/{page.name}" not in listed
    ]
    assert not missing, f"README's Documentation section does not list {missing}"


# --- docs/api.md and the schema --------------------------------------------------------

ROUTE_ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/api/v1/[^`\s]*)`", re.MULTILINE)


def test_the_api_doc_lists_exactly_the_operations_the_schema_describes():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    served = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    documented = set(ROUTE_ROW.findall((DOCS / "api.md").read_text()))
    assert documented, "docs/api.md has no route table rows"
    undocumented = sorted(served - documented)
    not_served = sorted(documented - served)
    assert not undocumented, f"served but not in docs/api.md: {undocumented}"
    assert not not_served, f"in docs/api.md but not served: {not_served}"
