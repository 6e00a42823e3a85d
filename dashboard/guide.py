"""The user guide (docs/guide/<language>.md) as a dashboard page, in the reader's language.

The guide is written in a small part of Markdown (headings, paragraphs, lists, tables,
images, links, bold, italics, code), turned into HTML here: everything is escaped first,
so the text can hold nothing but those.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

GUIDE_DIR = Path(settings.BASE_DIR) / "docs" / "guide"
LANGUAGES = ("en", "nl")
IMAGE = re.compile(r"!\[([^\]]*)\]\(img/(en|nl)/([a-z0-9-]+)\.png\)")
LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+|/[^)\s]*)\)")
BOLD = re.compile(r"\*\*(.+?)\*\*")
ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")
CODE = re.compile(r"`([^`]+)`")


def guide_language(language: str) -> str:
    return language if language in LANGUAGES else "en"


def guide_html(language: str) -> tuple[str, list[tuple[str, str]]]:
    """The guide in HTML, and its chapters as (anchor, title) for the contents."""
    text = (GUIDE_DIR / f"{guide_language(language)}.md").read_text()
    return render(text)


def render(text: str) -> tuple[str, list[tuple[str, str]]]:
    html: list[str] = []
    chapters: list[tuple[str, str]] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        first = lines[0].strip()
        heading = re.match(r"^(#{1,3}) (.+)$", first)
        if heading and len(lines) == 1:
            level, title = len(heading.group(1)), heading.group(2)
            anchor = slug(title)
            if level == 2:
                chapters.append((anchor, title))
            html.append(f'<h{level} id="{anchor}">{inline(title)}</h{level}>')
        elif first.startswith("|"):
            html.append(table(lines))
        elif re.match(r"^(- |\d+\. )", first):
            html.append(listing(lines))
        elif lines[0].startswith("   ") or lines[0].startswith("  "):
            html.append(f"<p>{inline(' '.join(line.strip() for line in lines))}</p>")
        else:
            html.append(f"<p>{inline(' '.join(line.strip() for line in lines))}</p>")
    return "\n".join(html), chapters


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def listing(lines: list[str]) -> str:
    ordered = bool(re.match(r"^\d+\. ", lines[0].strip()))
    items: list[str] = []
    for line in lines:
        marker = re.match(r"^(- |\d+\. )(.*)$", line.strip())
        if marker and not line.startswith(" "):
            items.append(marker.group(2))
        elif items:
            items[-1] += " " + line.strip()
    tag = "ol" if ordered else "ul"
    body = "".join(f"<li>{inline(item)}</li>" for item in items)
    return f"<{tag}>{body}</{tag}>"


def table(lines: list[str]) -> str:
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
    head, body = rows[0], [r for r in rows[1:] if not all(set(c) <= {"-", ":"} for c in r)]
    thead = "".join(f"<th>{inline(cell)}</th>" for cell in head)
    tbody = "".join(
        "<tr>" + "".join(f"<td>{inline(cell)}</td>" for cell in row) + "</tr>" for row in body
    )
    return (
        f'<div class="table-wrap"><table class="stack-table"><thead><tr>{thead}</tr></thead>'
        f"<tbody>{tbody}</tbody></table></div>"
    )


def inline(text: str) -> str:
    text = escape(text)
    text = IMAGE.sub(image, text)
    text = CODE.sub(r"<code>\1</code>", text)
    text = LINK.sub(r'<a href="\2">\1</a>', text)
    text = BOLD.sub(r"<strong>\1</strong>", text)
    return ITALIC.sub(r"<em>\1</em>", text)


def image(match: re.Match[str]) -> str:
    alt, language, name = match.groups()
    url = reverse("dashboard:help_image", args=[language, name])
    return f'<img class="guide-shot" src="{url}" alt="{alt}" loading="lazy">'


def image_path(language: str, name: str) -> Path | None:
    if language not in LANGUAGES or not re.fullmatch(r"[a-z0-9-]+", name):
        return None
    path = GUIDE_DIR / "img" / language / f"{name}.png"
    return path if path.is_file() else None
