"""Every page a role reaches from its navigation (and the main detail pages behind them), in Chinese and
in English: no English prose or untranslated catalog text on the Chinese interface, no Chinese-only label
on the English one, and no raw internal code where a label exists."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from hotline import labels
from hotline.auth.models import User
from hotline.demo.data import DEMO_PASSWORD
from hotline.directory.models import Category, Department, District, TimeLimitPolicy
from hotline.enums import LABELLED
from hotline.extensions import db
from tests.conftest import csrf_from

CATALOG = Path(__file__).resolve().parents[2] / "hotline/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
ROLES = ("operator", "handler", "supervisor", "admin")
# Detail pages behind the lists: the first link of each pattern found on a walked page is walked too.
DETAIL = (r"^/tickets/\d{6}-\d{5}$", r"^/work/\d{6}-\d{5}$", r"^/work/tickets/\d{6}-\d{5}$",
          r"^/supervision/cases/\d+$", r"^/audit/drill\?", r"^/audit/department", r"^/admin/users/\d+",
          r"^/admin/departments/\d+", r"^/tickets/\d{6}-\d{5}/callback$", r"^/audit/ranking/report")
SKIP = (r"/export", r"/logout", r"/language/", r"\.json$", r"/attachments/", r"/api/", r"/static/")
# Words that are the same in both languages (formats, product names, units of code).
SAME_IN_BOTH = {"CSV", "XLSX", "API", "Open311", "p50", "p90", "English", "ID", "JSON", "SMS", "URL", "OK", "—"}
# the codes of every labelled enumeration (hotline.enums.LABELLED, filled as the app's modules load)
# and of the code tables that are no enumeration
CODE_TABLES = (labels.EVENTS, labels.MEASURE_LABELS, labels.QUEUES, labels.CONSOLE_QUEUES)


class _Texts(HTMLParser):
    """Visible text pieces of a page (one per text node, plus titles, placeholders, labels of buttons),
    each with the tag it sits in."""

    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.pieces: list[tuple[str, str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for name in ("title", "placeholder", "aria-label", "alt"):
            if a.get(name):
                self.pieces.append((f"{tag}@{name}", a[name]))
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.pieces.append(("input@value", a["value"]))
        if tag not in ("br", "img", "input", "meta", "link", "hr", "wbr", "col", "source"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop() == tag:
                break

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not (set(self.stack) & self.HIDDEN):
            self.pieces.append((self.stack[-1] if self.stack else "", text))


def _catalog() -> dict[str, str]:
    with open(CATALOG, "rb") as f:
        return {m.id: m.string for m in read_po(f) if isinstance(m.id, str) and m.id and m.string}


def _codes() -> set[str]:
    return {str(code) for table in (*LABELLED.values(), *CODE_TABLES) for code in table}


CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_PROSE = re.compile(r"[A-Za-z][a-z]+(?:[ ,'’-]+[A-Za-z][a-z]+){3,}")  # four words or more, among Chinese too
ENGLISH_RUN = re.compile(r"[A-Za-z][a-z]+(?:[ ,'’-]+[A-Za-z][a-z]+)+|^[A-Za-z][a-z]{2,}$")


def _problems(pieces, lang: str, catalog: dict[str, str], codes: set[str], zh_names: set[str],
              typed: set[str]) -> list[str]:
    found = []
    zh_labels = {v for v in catalog.values() if CJK.search(v)}
    for where, text in pieces:
        if text in SAME_IN_BOTH or text in typed:
            continue
        if text in codes and where not in ("code", "pre", "kbd"):
            found.append(f"raw code {text!r} in <{where}>")
        elif lang == "zh_CN" and text in catalog and catalog[text] != text:
            found.append(f"untranslated {text!r} in <{where}>")
        elif lang == "zh_CN" and (ENGLISH_RUN.search(text) and not CJK.search(text) or ENGLISH_PROSE.search(text)):
            found.append(f"English prose {text!r} in <{where}>")
        elif lang == "en" and (text in zh_names or text in zh_labels):
            found.append(f"Chinese-only label {text!r} in <{where}>")
    return found


def _walk(client, lang: str, start: str = "/") -> dict[str, str]:
    """GET the home, every navigation entry, and the first detail page of each pattern: {path: html}."""
    pages, queue, seen_patterns = {}, [start], set()
    home = client.get(start).get_data(as_text=True)
    nav = re.search(r'<nav class="mainnav".*?</nav>', home, re.S)
    queue += re.findall(r'href="([^"]+)"', nav.group(0)) if nav else []
    while queue:
        url = queue.pop(0).replace("&amp;", "&")
        path = urlsplit(url).path + (("?" + urlsplit(url).query) if urlsplit(url).query else "")
        if path in pages or any(re.search(p, path) for p in SKIP) or not path.startswith("/"):
            continue
        response = client.get(path)
        assert response.status_code == 200, f"{lang} {path}: {response.status_code}"
        html = response.get_data(as_text=True)
        pages[path] = html
        parser = _Texts()
        parser.feed(html)
        for link in parser.links:
            link = link.replace("&amp;", "&")
            for pattern in DETAIL:
                if pattern not in seen_patterns and re.search(pattern, link):
                    seen_patterns.add(pattern)
                    queue.append(link)
    return pages


@pytest.fixture
def demo_city(app):
    from hotline.demo.seed import seed_reference
    from hotline.demo.tickets import seed_tickets

    seed_reference()
    seed_tickets()
    return app


def _set_language(client, lang: str) -> None:
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post(f"/language/{lang}", data={"csrf_token": token, "next": "/"})


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_speaks_the_users_language(demo_city, client, login, role):
    catalog, codes = _catalog(), _codes()
    zh_names = set()
    for model in (Department, Category, District):
        zh_names |= {row.name_zh for row in db.session.scalars(select(model))}
    # identifiers people type (usernames, department and policy codes) are data, not codes with labels
    typed = {u.username for u in db.session.scalars(select(User))} | {
        d.code for d in db.session.scalars(select(Department))} | {
        p.code for p in db.session.scalars(select(TimeLimitPolicy))}
    assert login(role, DEMO_PASSWORD).status_code == 302
    problems, walked = [], 0
    for lang in ("zh_CN", "en"):
        _set_language(client, lang)
        pages = _walk(client, lang)
        walked += len(pages)
        for path, html in pages.items():
            parser = _Texts()
            parser.feed(html)
            found = _problems(parser.pieces, lang, catalog, codes - typed, zh_names, typed)
            problems += [f"{lang} {path}: {p}" for p in found]
    assert walked >= 6
    assert not problems, "\n".join(sorted(set(problems)))
