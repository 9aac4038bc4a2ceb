"""Every page on a phone, in every language, for every demo role.

For each of the four languages and each demo role (and a visitor who is not logged in),
Chromium at 390×844 opens the home page and follows every same-site link it finds, so
pages with ids are reached the way a person reaches them and the crawl grows with the
app. Each kind of page (one URL rule of the app) is checked once per role (the pages a
visitor sees, once for all): no server
error, nothing wider than the screen (``scrollWidth`` ≤ the viewport), axe with no
serious or critical violation, and every target at least 24×24 CSS px (WCAG 2.2, 2.5.8:
links inside a sentence and targets with 24 px of room around them are allowed).
"""

import json
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from werkzeug.exceptions import HTTPException

from mentorship.accounts.models import User
from mentorship.extensions import db
from tests.browser.conftest import BLOCKING_IMPACTS, _axe, log_in
from tests.conftest import USING_POSTGRES

# Layout and wording do not depend on the database: the crawl (about six minutes) runs
# in the SQLite suite only, so CI's two suites stay inside their time.
pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    USING_POSTGRES, reason="rendering only: crawled once, in the SQLite suite")]

PHONE = {"width": 390, "height": 844}
LANGUAGES = ("en", "fr", "ar", "uk")
ROLES = (None, "newcomer@example.org", "mentor@example.org", "partner@example.org",
         "coordinator@example.org", "admin@example.org")
# Not pages: leaving the session, files, and downloads.
NOT_FOLLOWED = ("/logout", "/static/")
DOWNLOADS = (".csv", ".ics", ".json", ".pdf", ".svg", ".png", ".txt")

# Interactive elements smaller than 24×24 px that are neither inline in a sentence nor
# spaced so a 24 px circle around them touches no other target (WCAG 2.2, 2.5.8).
SMALL_TARGETS = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary,'
    + ' [role=button], [tabindex]:not([tabindex="-1"])';
  const boxes = [];
  for (const el of document.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width <= 1 || r.height <= 1 || style.visibility === 'hidden'
        || r.bottom < 0 || r.right < 0 || el.closest('[aria-hidden=true]')) continue;
    boxes.push({el, r, style});
  }
  const inSentence = ({el, style}) => {
    if (!style.display.startsWith('inline') || style.display === 'inline-block') return false;
    const block = el.parentElement.closest('p, li, td, th, dd, dt, label, span, small, div');
    return block && block.textContent.trim().length > el.textContent.trim().length;
  };
  const gap = (r, x, y) => Math.hypot(Math.max(r.left - x, 0, x - r.right),
                                      Math.max(r.top - y, 0, y - r.bottom));
  const bad = [];
  for (const box of boxes) {
    const {el, r} = box;
    if ((r.width >= 23.5 && r.height >= 23.5) || inSentence(box)) continue;
    const x = (r.left + r.right) / 2, y = (r.top + r.bottom) / 2;
    const crowded = boxes.some(other => other !== box && !el.contains(other.el)
      && !other.el.contains(el) && gap(other.r, x, y) < 12);
    if (crowded) {
      const name = (el.getAttribute('aria-label') || el.textContent || el.name || el.id
                    || '').trim().slice(0, 30);
      const size = `${Math.round(r.width)}×${Math.round(r.height)}`;
      bad.push(`${el.tagName.toLowerCase()} "${name}" ${size}`);
    }
  }
  return bad;
}"""


def rule_of(app, path):
    """The URL rule a path belongs to (its endpoint), or None when it is not a page."""
    try:
        endpoint, _args = app.url_map.bind("localhost").match(urlsplit(path).path,
                                                               method="GET")
    except HTTPException:
        return None
    return endpoint


def same_site(base, href, origin):
    url = urlsplit(urljoin(base, href))
    if f"{url.scheme}://{url.netloc}" != origin:
        return None
    return url.path + (f"?{url.query}" if url.query else "")


def check_page(page, path):
    """What is wrong with the page now shown, as a list of sentences."""
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        problems.append(f"{width} px wide")
    results = _axe.run(page)
    problems.extend(f"axe {v['id']} ({v['impact']}): "
                    + "; ".join(node["target"][0] for node in v["nodes"][:3])
                    for v in results.response["violations"]
                    if v.get("impact") in BLOCKING_IMPACTS)
    small = page.evaluate(SMALL_TARGETS)
    if small:
        problems.append("targets under 24 px: " + ", ".join(small[:6]))
    return problems


def crawl(page, app, origin, checked=frozenset()):
    """Visit each kind of page this person can reach once, but those in ``checked``;
    returns (visited, problems, the kinds of page shown as asked)."""
    queue, queued, rules = deque(["/"]), {"/"}, set(checked)
    visited, problems, shown = [], {}, set()
    while queue:
        path = queue.popleft()
        rule = rule_of(app, path)
        if rule is None or rule in rules:
            continue
        try:
            response = page.goto(path)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue
            raise
        rules.add(rule)
        if rule_of(app, page.url.removeprefix(origin)) == rule:
            shown.add(rule)  # not sent elsewhere (to the login page, say)
        status = response.status if response else 0
        visited.append(path)
        if status >= 500:
            problems[path] = [f"HTTP {status}"]
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        found = check_page(page, path)
        if found:
            problems[path] = found
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            target = same_site(origin + path, href, origin)
            if (target and target not in queued and not target.startswith(NOT_FOLLOWED)
                    and not urlsplit(target).path.endswith(DOWNLOADS)):
                queued.add(target)
                queue.append(target)
    return visited, problems, shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits_a_phone(browser, live_app, live_server, language):
    with live_app.app_context():
        db.session.execute(db.update(User).values(locale=language))
        db.session.commit()
    counts, problems, public = {}, {}, frozenset()
    for email in ROLES:
        context = browser.new_context(base_url=live_server, viewport=PHONE,
                                      locale=language, device_scale_factor=1)
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            if email:
                log_in(page, email)
            # The pages a visitor sees (figures, privacy, thanks) are the same logged in:
            # checked once, as the visitor. Each person's home page is checked.
            visited, found, rules = crawl(page, live_app, live_server, public)
        finally:
            context.close()
        if email is None:
            public = frozenset(rules - {"main.home"})
        role = (email or "visitor").split("@")[0]
        counts[role] = len(visited)
        problems.update({f"{role} {path}": items for path, items in found.items()})
    print(f"phone crawl {language}: " + json.dumps(counts))
    assert all(count >= 3 for count in counts.values()), counts
    assert not problems, f"{language}: " + "\n".join(
        f"  {where}: {' | '.join(items)}" for where, items in sorted(problems.items()))
