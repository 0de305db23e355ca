"""How many requests a second the portal's pages serve, beside a bare Flask app. A benchmark to
run by hand, not a timed test.

    .venv/bin/python scripts/benchmark_throughput.py [--seconds 5] [--app-dir DIR]

It makes a SQLite database in a temporary directory, applies the migrations and seeds the demo,
then serves the portal under gunicorn (2 workers, the production configuration with its own
SECRET_KEY and PUBLIC_URL) and, in the same virtual environment, a Flask app that answers
"Hello" and nothing else. wrk drives each page with 8 connections for ``--seconds`` seconds; the
script prints each page's requests per second and its share of the bare app's, then the bytes a
phone fetches for the start page on a first visit (HTML, CSS and JavaScript, as a browser asks
for them with ``Accept-Encoding: br, gzip``; fonts and images left out) and on a repeat visit.

``--app-dir`` serves another checkout of the portal (with its own static/dist built), so that a
change can be measured against the code before it.

Needs wrk: ``apt-get install -y wrk`` on Debian.
"""

import argparse
import gzip
import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import brotli

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "Bright-Otter-Lantern-42"
DEMO_PARENT = "parent@example.org"
WORKERS = 2
CONNECTIONS = 8
BROWSER_ENCODINGS = "br, gzip"

HELLO_APP = """from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello"
"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="how long wrk drives each page (default 5)")
    parser.add_argument(
        "--app-dir", type=Path, default=ROOT, help="the checkout of the portal to serve (default: this one)"
    )
    return parser.parse_args(argv)


# --- Serving -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_answering(port: int, path: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn on port {port} stopped before answering (exit {process.returncode})")
        try:
            if fetch(port, path).status < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"gunicorn on port {port} did not answer {path} within 60 seconds")


@contextmanager
def gunicorn(app: str, directory: Path, env: dict, ready_path: str):
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", app, "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}"]
    log = open(Path(env["MAIL_DIR"]).parent / "gunicorn.log", "a")
    process = subprocess.Popen(command + ["--chdir", str(directory)], env=env, stdout=log, stderr=log)
    try:
        wait_until_answering(port, ready_path, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def portal_environment(workdir: Path, public_url: str) -> dict:
    return {
        "PATH": "/usr/bin:/bin",
        "PORTAL_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "PUBLIC_URL": public_url,
        "DATABASE_URL": f"sqlite:///{workdir / 'portal.sqlite3'}",
        "MAIL_DIR": str(workdir / "mail"),
    }


def seed_database(app_dir: Path, env: dict) -> None:
    """The migrations and the demo, made by the portal's own commands (seed-demo runs only
    outside production, so these two run with the development configuration)."""
    setup = {**env, "PORTAL_ENV": "development"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for arguments in (["db", "upgrade"], ["seed-demo", "--password", DEMO_PASSWORD]):
        done = subprocess.run(flask + arguments, cwd=app_dir, env=setup, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"flask {' '.join(arguments)} failed:\n{done.stdout}{done.stderr}")


# --- HTTP, as a browser would -----------------------------------------------------------------


@dataclass
class Fetched:
    status: int
    headers: http.client.HTTPMessage
    body: bytes  # as sent: still compressed when Content-Encoding says so

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Browser:
    """The cookies one visitor holds; the portal's cookies are Secure, sent here over plain
    HTTP by hand."""

    port: int
    cookies: dict = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None) -> Fetched:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        fetched = fetch(self.port, path, method, form, headers)
        for cookie in fetched.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return fetched

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())


def fetch(port: int, path: str, method: str = "GET", form: dict | None = None, headers: dict | None = None) -> Fetched:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = dict(headers or {})
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Fetched(response.status, response.headers, response.read())
    finally:
        connection.close()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not match:
        sys.exit("No CSRF token on the form")
    return match.group(1)


def first_link(html: str, pattern: str, what: str) -> str:
    for href in re.findall(r'href="([^"]+)"', html):
        href = unescape(href)
        if re.fullmatch(pattern, href):
            return href
    sys.exit(f"No link to {what} found")


# --- The pages ------------------------------------------------------------------------------


@dataclass
class Page:
    label: str
    path: str
    headers: dict = field(default_factory=dict)


def public_pages(port: int) -> list[Page]:
    visitor = Browser(port)
    consultation = first_link(visitor.request("GET", "/consultations").text, r"/consultations/[\w-]+", "a consultation")
    entry = first_link(
        visitor.request("GET", "/you-said-we-did").text, r"/you-said-we-did/(?!feed)[\w-]+", "a You Said entry"
    )
    update = first_link(visitor.request("GET", "/updates").text, r"/updates/[\w-]+", "a termly update")
    return [
        Page("start page /", "/"),
        Page("/feedback", "/feedback"),
        Page("/consultations", "/consultations"),
        Page("a consultation", consultation),
        Page("/you-said-we-did", "/you-said-we-did"),
        Page("a You Said entry", entry),
        Page("a termly update", update),
        Page("its PDF", update + ".pdf"),
        Page("/reports/complaints", "/reports/complaints"),
    ]


def stylesheet_page(port: int) -> Page:
    start = fetch(port, "/").text
    stylesheet = next(address for address in linked_assets(start) if ".css" in address)
    return Page("the start page's stylesheet", stylesheet, {"Accept-Encoding": BROWSER_ENCODINGS})


def feedback_draft_page(port: int) -> Page:
    visitor = Browser(port)
    visitor.request("GET", "/feedback")
    begun = visitor.request("POST", "/feedback/begin", {}, {"Sec-Fetch-Site": "same-origin"})
    if begun.status != 302:
        sys.exit(f"Starting feedback answered {begun.status}, not a redirect to its first question")
    question = urlsplit(begun.header("Location")).path
    return Page("a feedback question, with a draft", question, {"Cookie": visitor.cookie_header()})


def signed_in_case_page(port: int) -> Page:
    parent = Browser(port)
    form = parent.request("GET", "/sign-in").text
    signed_in = parent.request(
        "POST", "/sign-in", {"csrf_token": csrf_token(form), "email": DEMO_PARENT, "password": DEMO_PASSWORD}
    )
    if signed_in.status != 302:
        sys.exit(f"Signing in as {DEMO_PARENT} answered {signed_in.status}, not a redirect")
    case = first_link(parent.request("GET", "/my-cases").text, r"/my-cases/[A-Z0-9-]+", "a case in /my-cases")
    return Page("a signed-in parent's case", case, {"Cookie": parent.cookie_header()})


# --- wrk ------------------------------------------------------------------------------------


@dataclass
class Throughput:
    requests_per_second: float
    requests: int
    failures: int


def drive(port: int, page: Page, seconds: int) -> Throughput:
    # A slow page is measured, not counted as failing, for up to 30 seconds a request.
    command = ["wrk", f"-t{WORKERS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s"]
    for name, value in page.headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        command + [f"http://127.0.0.1:{port}{page.path}"], capture_output=True, text=True, check=True
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    requests = re.search(r"(\d+) requests in", output)
    failures = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*?read (\d+), write (\d+), timeout (\d+)", output)
    failed = int(failures.group(1)) if failures else 0
    if errors:
        failed += sum(int(count) for count in errors.groups())
    return Throughput(float(rate.group(1)) if rate else 0.0, int(requests.group(1)) if requests else 0, failed)


# --- Bytes over the wire ------------------------------------------------------------------------


def linked_assets(html: str) -> list[str]:
    stylesheets = re.findall(r'<link\b[^>]*rel="(?:stylesheet|modulepreload)"[^>]*href="([^"]+)"', html)
    stylesheets += re.findall(r'<link\b[^>]*href="([^"]+)"[^>]*rel="(?:stylesheet|modulepreload)"', html)
    scripts = re.findall(r'<script\b[^>]*src="([^"]+)"', html)
    return [unescape(address) for address in stylesheets + scripts]


def module_imports(javascript: str) -> list[str]:
    """The static imports a browser follows in a module: import ... from "x", import "x"."""
    return re.findall(r'(?:\bimport|\bexport)\s*(?:[\w*{}\s,$]+\s*from\s*)?["\']([^"\']+)["\']', javascript)


def decoded(fetched: Fetched) -> str:
    decompress = {"gzip": gzip.decompress, "br": brotli.decompress}.get(fetched.header("Content-Encoding"))
    return (decompress(fetched.body) if decompress else fetched.body).decode("utf-8", "replace")


def first_visit(port: int) -> list[tuple[str, Fetched]]:
    """The start page and every stylesheet and script it loads, as a browser fetches them."""
    headers = {"Accept-Encoding": BROWSER_ENCODINGS}
    page = fetch(port, "/", headers=headers)
    fetched = [("/", page)]
    queue = [urljoin("/", address) for address in linked_assets(decoded(page))]
    seen = set(queue)
    while queue:
        address = queue.pop(0)
        response = fetch(port, address, headers=headers)
        fetched.append((address, response))
        if address.endswith((".js", ".mjs")) and response.status == 200:
            for imported in module_imports(decoded(response)):
                target = urljoin(address, imported)
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
    return fetched


def kept_fresh(response: Fetched) -> bool:
    """Whether a browser shows its cached copy without asking the server again."""
    cache_control = response.header("Cache-Control").lower()
    if "no-cache" in cache_control or "no-store" in cache_control:
        return False
    max_age = re.search(r"max-age=(\d+)", cache_control)
    return bool(max_age and int(max_age.group(1)) > 0)


def repeat_visit(port: int, first: list[tuple[str, Fetched]]) -> list[tuple[str, Fetched | None]]:
    """A second visit: what is still fresh is not asked for; the rest is asked for again,
    conditionally where the first answer gave an ETag or Last-Modified."""
    repeated = []
    for address, earlier in first:
        if address != "/" and kept_fresh(earlier):
            repeated.append((address, None))
            continue
        headers = {"Accept-Encoding": BROWSER_ENCODINGS}
        if earlier.header("ETag"):
            headers["If-None-Match"] = earlier.header("ETag")
        if earlier.header("Last-Modified"):
            headers["If-Modified-Since"] = earlier.header("Last-Modified")
        repeated.append((address, fetch(port, address, headers=headers)))
    return repeated


def print_bytes(title: str, fetched: list[tuple[str, Fetched | None]]) -> None:
    print(f"\n{title}")
    total = requests = 0
    for address, response in fetched:
        if response is None:
            print(f"  {'from cache':>12}  {address}")
            continue
        requests += 1
        total += len(response.body)
        encoding = response.header("Content-Encoding") or "identity"
        print(f"  {len(response.body):>8,} B  {address}  ({response.status}, {encoding})")
    asked = f"{requests} request{'' if requests == 1 else 's'}"
    print(f"  {total:>8,} B  in all ({total / 1024:.1f} KiB, {asked}; bodies as sent, headers not counted)")


# --- The run -------------------------------------------------------------------------------------


def warm_up(port: int, page: Page) -> None:
    """A few requests first, so that each worker has compiled the page's templates."""
    for _ in range(2 * WORKERS):
        fetch(port, page.path, headers=page.headers)


def print_throughput(pages: list[Page], port: int, hello: float, seconds: int) -> None:
    print(f"\n{'page':<36} {'requests/s':>10} {'of bare Flask':>14}  failed")
    print(f"{'bare Flask hello':<36} {hello:>10.1f} {'100.0%':>14}")
    for page in pages:
        warm_up(port, page)
        result = drive(port, page, seconds)
        if not result.requests:
            print(f"{page.label:<36} {'none':>10} {'':>14}  (no answer within {seconds} s)")
            continue
        share = 100 * result.requests_per_second / hello if hello else 0
        print(f"{page.label:<36} {result.requests_per_second:>10.1f} {share:>13.1f}%  {result.failures or ''}")
        sys.stdout.flush()


def describe_checkout(app_dir: Path) -> str:
    def git(*arguments: str) -> str:
        return subprocess.run(["git", "-C", str(app_dir), *arguments], capture_output=True, text=True).stdout.strip()

    changed = " with uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    return f"commit {git('log', '-1', '--format=%h')}{changed}"


def main(argv=None) -> None:
    args = parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk (Debian), then run this again.")
    app_dir = args.app_dir.resolve()
    with tempfile.TemporaryDirectory(prefix="throughput-") as temporary:
        workdir = Path(temporary)
        (workdir / "hello_app.py").write_text(HELLO_APP)
        env = portal_environment(workdir, "http://127.0.0.1")
        seed_database(app_dir, env)
        print(f"Portal at {app_dir}: {describe_checkout(app_dir)}")
        print(f"gunicorn, {WORKERS} workers; wrk, {CONNECTIONS} connections, {args.seconds} s a page; SQLite demo data")
        # Figures from a busy machine are lower, for both apps alike: compare the shares.
        print(f"Load average before starting: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        with gunicorn("hello_app:app", workdir, env, "/") as hello_port:
            hello = drive(hello_port, Page("bare Flask hello", "/"), args.seconds).requests_per_second
        with gunicorn("wsgi:app", app_dir, env, "/healthz") as port:
            pages = public_pages(port) + [feedback_draft_page(port), signed_in_case_page(port), stylesheet_page(port)]
            print_throughput(pages, port, hello, args.seconds)
            first = first_visit(port)
            print_bytes("First visit to / (HTML, CSS, JavaScript):", first)
            print_bytes("Repeat visit to /:", repeat_visit(port, first))


if __name__ == "__main__":
    main()
