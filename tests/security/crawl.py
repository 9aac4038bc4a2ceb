"""Find what a person can reach: follow same-site links from the entry points and read
every form on the way (its action, method and fields), as a test client would."""

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

ENTRY_POINTS = (
    "/", "/account", "/roles", "/volunteer", "/training", "/buddy", "/hours", "/perks",
    "/awards", "/impact", "/coordinate", "/coordinate/applications", "/coordinate/matching",
    "/coordinate/training", "/coordinate/hours", "/coordinate/perks", "/coordinate/awards",
    "/coordinate/reports", "/coordinate/checkins", "/admin", "/admin/people", "/admin/mail",
    "/thanks", "/login", "/register", "/reset-password",
)
# Links a crawl must not follow: they end the session it crawls with.
NOT_FOLLOWED = ("/logout", "/static/")


@dataclass
class Form:
    method: str
    action: str
    fields: list = field(default_factory=list)  # (name, value) pairs, as a browser sends

    @property
    def names(self):
        return sorted({name for name, _value in self.fields})


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.forms = [], []
        self._form = self._select = self._textarea = None
        self._select_value = None
        self._forms_by_id, self._formactions = {}, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("button", "input") and attrs.get("formaction"):
            # A button that posts its form (or the form it names) somewhere else, as one
            # shared form for a list of rows does: a form of its own, as a browser sees it.
            owner = attrs.get("form") or self._form
            self._formactions.append((owner, attrs["formaction"], attrs.get("formmethod")))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = Form((attrs.get("method") or "get").lower(), attrs.get("action") or "")
            self.forms.append(self._form)
            if attrs.get("id"):
                self._forms_by_id[attrs["id"]] = self._form
        elif self._form is None or not attrs.get("name"):
            if tag == "option" and self._select is not None and self._select_value is None:
                self._select_value = attrs.get("value", "")
            return
        elif tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button", "image", "reset", "file"):
                self._form.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "button" and (attrs.get("type") or "submit") == "submit":
            self._form.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self._select, self._select_value = attrs["name"], None
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self._form.fields.append((self._textarea, ""))
        if tag == "option" and self._select is not None and (
                "selected" in attrs or self._select_value is None):
            self._select_value = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            if self._form is not None:
                self._form.fields.append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def close(self):
        super().close()
        for owner, action, method in self._formactions:
            form = self._forms_by_id.get(owner) if isinstance(owner, str) else owner
            if form is not None:
                self.forms.append(Form((method or form.method).lower(), action,
                                       list(form.fields)))

    def handle_data(self, data):
        if self._textarea and self._form is not None and self._form.fields:
            name, value = self._form.fields[-1]
            self._form.fields[-1] = (name, value + data)


def same_site_path(base, href):
    """``href`` as a path with query on this site, or None."""
    url = urlsplit(urljoin(base, href))
    if url.scheme not in ("http", "https") or url.netloc not in ("", "localhost"):
        return None
    return url.path + (f"?{url.query}" if url.query else "")


def crawl(client, limit=150, on_page=None):
    """Visit pages from the entry points; returns (visited paths, forms found).
    ``on_page(path, status, body)`` sees every answer on the way."""
    queue, seen, forms = deque(ENTRY_POINTS), set(ENTRY_POINTS), []
    visited = []
    while queue and len(visited) < limit:
        path = queue.popleft()
        response = client.get(path)
        # Reads (and ends) a streamed download too; a binary one (the report's PDF) is
        # read as bytes, not decoded.
        raw = response.get_data()
        textual = response.mimetype.startswith("text/") or response.is_json
        body = raw.decode("utf-8") if textual else ""
        response.close()
        visited.append((path, response.status_code))
        if on_page is not None:
            on_page(path, response.status_code, body)
        if response.status_code >= 500 or response.mimetype != "text/html":
            continue
        parser = _PageParser()
        parser.feed(body)
        parser.close()
        base = "http://localhost" + path
        for form in parser.forms:
            form.action = same_site_path(base, form.action or path)
            if form.action:
                forms.append(form)
        for href in parser.links:
            target = same_site_path(base, href)
            if target and target not in seen and not target.startswith(NOT_FOLLOWED):
                seen.add(target)
                queue.append(target)
    return visited, forms


def query_names(path):
    return [name for name, _value in parse_qsl(urlsplit(path).query, keep_blank_values=True)]
