"""The help menu's pages: the user guide in the reader's language, and its screenshots."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from dashboard.guide import guide_html, guide_language, image_path


@require_GET
@login_required
def guide(request: HttpRequest) -> HttpResponse:
    language = guide_language(get_language() or "en")
    html, chapters = guide_html(language)
    context = {
        # The guide's own Markdown, rendered from escaped text (dashboard/guide.py).
        "guide": mark_safe(html),  # noqa: S308
        "chapters": chapters,
        "guide_language": language,
    }
    return render(request, "dashboard/guide.html", context)


@require_GET
@login_required
def guide_image(request: HttpRequest, language: str, name: str) -> FileResponse:
    path = image_path(language, name)
    if path is None:
        raise Http404("no such picture")
    return FileResponse(path.open("rb"), content_type="image/png")
