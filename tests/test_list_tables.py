"""The one shell of the list tables (templates/_tables.html): headings, rows drawn by the page, the empty
message, the next page's link."""
from __future__ import annotations

from flask import render_template_string

PAGE = """{% from "_tables.html" import list_table %}
{% call(n) list_table(rows, ['Number', {'text': 'Left', 'num': True}, {'text': 'Action', 'hidden': True},
                             {'text': 'Due', 'sort': '?sort=due', 'sorted': 'ascending'}],
                      'Nothing here.', next_url=more, id='t') %}<tr><td>{{ n }}</td></tr>{% endcall %}"""


def test_rows_under_their_headings_and_a_next_page_link(app):
    with app.test_request_context():
        html = render_template_string(PAGE, rows=[1, 2], more="?after=2")
    assert '<table class="grid" id="t">' in html
    assert ('<thead><tr><th>Number</th><th class="num">Left</th><th><span class="visually-hidden">Action</span></th>'
            '<th aria-sort="ascending"><a href="?sort=due">Due</a></th></tr></thead>') in html
    assert html.count("<tr><td>") == 2 and "Nothing here." not in html
    assert '<a href="?after=2">' in html


def test_no_rows_is_a_message_not_an_empty_table(app):
    with app.test_request_context():
        html = render_template_string(PAGE, rows=[], more=None)
    assert "<table" not in html and '<p class="muted">Nothing here.</p>' in html
