"""Fixtures: a real database (SQLite file, or PostgreSQL via DATABASE_URL) and a real Redis
(the embedded server, or REDIS_URL), the app, and small factories.

A test runs in one of two modes (README: Testing):

* rolled back (the default): the app is built once per session and the test's whole session works
  inside one outer transaction on one connection, rolled back when the test ends. Services still
  commit: with ``join_transaction_mode="create_savepoint"`` each commit releases a SAVEPOINT (the
  session's commit hooks run as usual). A test that asks for ``city`` runs on a second database
  where Linfen's reference data was seeded and committed once per session; any other test runs on
  the main database, whose tables are empty.
* committing: what every test did before — a new app on the main database, its tables emptied
  (and emptied again afterwards), the city seeded when asked for, real commits. For tests whose
  work crosses connections: a live server's threads, real worker processes, subprocesses, racing
  threads, separate engines. A test is committing when it is marked ``committing`` or asks for
  ``live_server``, ``browser`` or ``page``; ``HOTLINE_TEST_TRANSACTIONS=0`` makes every test so.
"""
from __future__ import annotations

import os
import re
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import g
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="hotline-tests-"))
os.environ["HOTLINE_INSTANCE"] = str(_SESSION_DIR / "instance")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")

import config as config_module  # noqa: E402
from hotline import create_app  # noqa: E402
from hotline.embedded_redis import EmbeddedRedis  # noqa: E402
from hotline.extensions import db  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PASSWORD = "correct-horse-battery"


def pytest_configure(config):
    """With ``HOTLINE_TEST_CLOCK`` set (an ISO date or instant), the whole run starts on that day,
    the clock ticking from there, so a date can never turn the suite red (CI runs the date-bound
    packages again at 2027-06-15 and 2030-02-10: years the bundled holiday data does not know)."""
    shifted = os.environ.get("HOTLINE_TEST_CLOCK")
    if shifted:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        import time_machine

        instant = datetime.fromisoformat(shifted)
        if instant.tzinfo is None:
            instant = instant.replace(hour=instant.hour or 10, tzinfo=ZoneInfo("Asia/Shanghai"))
        config._hotline_clock = time_machine.travel(instant, tick=True)
        config._hotline_clock.start()


#: Fixtures whose work runs outside the test's thread or connection (a live server, a browser, another
#: process given the database's URL): a test asking for one commits.
COMMITTING_FIXTURES = frozenset({"live_server", "browser", "page", "database_url"})


def pytest_collection_modifyitems(config, items):
    """A test asking for a fixture of :data:`COMMITTING_FIXTURES` is marked ``committing``; a browser,
    chaos or real-clock-processes test is also ``slow``. With the clock moved, a test whose other
    processes (RQ workers) read the real clock cannot agree with it about what is due: it is skipped
    in that run, and runs in every other."""
    for item in items:
        if COMMITTING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.committing)
        if any(item.get_closest_marker(name) for name in ("browser", "chaos", "real_clock_processes")):
            item.add_marker(pytest.mark.slow)
    if os.environ.get("HOTLINE_TEST_CLOCK"):
        skip = pytest.mark.skip(reason="its worker processes read the real clock (HOTLINE_TEST_CLOCK is set)")
        for item in items:
            if item.get_closest_marker("real_clock_processes"):
                item.add_marker(skip)


def pytest_report_header(config):
    """Say when the run's clock was moved."""
    shifted = os.environ.get("HOTLINE_TEST_CLOCK")
    return f"hotline: clock moved to {shifted} (HOTLINE_TEST_CLOCK)" if shifted else None


def on_postgres() -> bool:
    """Whether this run targets PostgreSQL."""
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


#: The pytest-xdist worker this process is ("gw0", "gw1", …), or "" without xdist. Each worker gets
#: its own SQLite file and embedded Redis (its own temporary directory), and on a shared server its
#: own PostgreSQL database and Redis database number, so workers never see each other's rows.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_redis_url(url: str) -> str:
    """A shared Redis server's URL with this worker's own database number (1, 2, …)."""
    if not WORKER:
        return url
    base = re.sub(r"/\d*$", "", url.split("?")[0])
    return f"{base}/{int(WORKER.removeprefix('gw')) + 1}"


def _worker_database_url(url: str, suffix: str = "") -> str:
    """A PostgreSQL server's URL with this worker's own database, ``suffix`` appended to its name
    (created on first use); on SQLite the URL as given."""
    if not url.startswith("postgresql") or not (WORKER or suffix):
        return url
    import sqlalchemy as sa

    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    name = admin.url.database + (f"_{WORKER}" if WORKER else "") + suffix
    try:
        with admin.connect() as conn:
            if conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar() is None:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        return admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def redis_url():
    """REDIS_URL when given (CI's redis-server), else an embedded server for the session."""
    if os.environ.get("REDIS_URL"):
        yield _worker_redis_url(os.environ["REDIS_URL"])
        return
    server = EmbeddedRedis(_SESSION_DIR / "redis", persist=False).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _database_url():
    return _worker_database_url(config_module.database_url(_SESSION_DIR / "test.db"))


@pytest.fixture(scope="session")
def database_url(_database_url):
    """DATABASE_URL when given (CI's PostgreSQL), else a SQLite file for the session. Its tables are
    empty between tests; committing tests (and the processes they start) work here. A test that asks
    for it (itself or through a fixture) is committing: it hands the database to another connection."""
    return _database_url


@pytest.fixture(scope="session")
def city_database_url():
    """A second database (SQLite file, or ``<DATABASE_URL's>_city``) that keeps the seeded city."""
    return _worker_database_url(config_module.database_url(_SESSION_DIR / "city.db"), "_city")


class _TestConfig(config_module.TestConfig):
    def __init__(self, database_url: str, redis_url: str) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.REDIS_URL = redis_url
        self.RATELIMIT_STORAGE_URI = config_module._limits_uri(redis_url)
        self.UPLOAD_DIR = str(_SESSION_DIR / "uploads")


def _new_app(database_url: str, redis_url: str):
    app = create_app(_TestConfig(database_url, redis_url))

    @app.before_request
    def _fresh_request_globals():
        # The fixture keeps one app context open so tests can use db.session; Flask then
        # reuses it for every test request. Clear ``g`` so each request starts as in
        # production (Flask-Login and Flask-Babel cache the user and locale there).
        g.__dict__.clear()
        db.session.expire_all()

    return app


def _empty_tables() -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
    else:
        for name in reversed(tables):
            db.session.execute(db.text(f'DELETE FROM "{name}"'))
    db.session.commit()


def _quiet_savepoints(app) -> None:
    """Let the app's engine emit SAVEPOINT statements straight through the driver, unseen by
    ``before_cursor_execute`` listeners: the statements a test counts stay the product's own,
    not the ones the rolled-back mode adds around each service commit."""
    def run(connection, sql: str) -> None:
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql)
        finally:
            cursor.close()

    with app.app_context():
        dialect = db.engine.dialect
    dialect.do_savepoint = lambda conn, name: run(conn, f"SAVEPOINT {name}")
    dialect.do_release_savepoint = lambda conn, name: run(conn, f"RELEASE SAVEPOINT {name}")
    dialect.do_rollback_to_savepoint = lambda conn, name: run(conn, f"ROLLBACK TO SAVEPOINT {name}")


#: ``app.extensions`` key: this app's database keeps the seeded city.
_SEEDED = "hotline.tests.city_seeded"


def _session_app(url: str, redis_url: str, *, city: bool):
    """A session's app on ``url``: every table created (and the city seeded and committed)."""
    app = _new_app(url, redis_url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        if city:
            from hotline.demo.seed import seed_reference

            seed_reference()
            app.extensions[_SEEDED] = True
        db.session.remove()
    _quiet_savepoints(app)
    return app


@pytest.fixture(scope="session")
def _schema(_database_url, redis_url):
    """The main database, its tables created once (tests only; the product uses migrations) and
    empty between tests; and its app, which rolled-back tests that do not ask for the city share."""
    app = _session_app(_database_url, redis_url, city=False)
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(scope="session")
def _city_app(_schema, city_database_url, redis_url):
    """The city database, seeded with Linfen's reference data once, and its app."""
    app = _session_app(city_database_url, redis_url, city=True)
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _committing(request) -> bool:
    return request.node.get_closest_marker("committing") is not None or \
        os.environ.get("HOTLINE_TEST_TRANSACTIONS", "1") == "0"


@pytest.fixture
def app(request, _schema, _database_url, redis_url):
    """The application, on empty tables (or the seeded city, for a test that asks for ``city``) and a
    flushed Redis; the test's database work is rolled back when it ends, or, in committing mode, the
    tables are emptied before and after it."""
    from hotline.queue import connection_from_url

    connection_from_url(redis_url).flushdb()
    if _committing(request):
        yield from _committing_app(_database_url, redis_url)
    else:
        shared = request.getfixturevalue("_city_app") if "city" in request.fixturenames else _schema
        yield from _rolled_back_app(shared)


def _committing_app(database_url: str, redis_url: str):
    """A new app on the main database, its tables emptied before the test and again after it (the
    rolled-back tests there expect them empty)."""
    app = _new_app(database_url, redis_url)
    with app.app_context():
        _empty_tables()
        try:
            yield app
        finally:
            db.session.remove()
            _empty_tables()
            db.session.remove()
            db.engine.dispose()


class _JoinedSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session, always on the test's connection (it would pick the app's engine),
    and only in the test's thread: racing threads on one connection would race nothing, so a test
    that uses the database from another thread fails here until it is marked ``committing``."""

    owner: int | None = None

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if threading.get_ident() != self.owner:
            raise RuntimeError("a rolled-back test used the database from another thread: mark it "
                               "@pytest.mark.committing (tests/conftest.py)")
        return self.bind


def _rolled_back_app(app):
    """``app`` (a session's app) with ``db.session`` joined to one connection in an outer transaction,
    rolled back after the test; ``app.config`` is put back as it was."""
    from hotline.directory import generation

    config = dict(app.config)
    with app.app_context():
        connection = db.engine.connect()
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # pysqlite opens transactions by itself and would turn the first SAVEPOINT into the
            # outermost transaction (its RELEASE would commit): take over, and BEGIN here.
            driver = connection.connection.driver_connection
            isolation_level, driver.isolation_level = driver.isolation_level, None
        outer = connection.begin()
        if sqlite:
            connection.exec_driver_sql("BEGIN")
        if generation.read_token(connection) is not None:
            # a fresh token, as a fresh seed gave each test before: nothing cached under the token
            # (reference data, commissioners' projects) can carry what an earlier test changed
            # with raw SQL, which writes no new token, into this one
            generation.bump(connection)
        kept = db.session
        joined = type("JoinedSession", (_JoinedSession,), {"owner": threading.get_ident()})
        db.session = db._make_scoped_session({"class_": joined, "bind": connection,
                                              "join_transaction_mode": "create_savepoint"})
        try:
            yield app
        finally:
            db.session.remove()
            db.session = kept
            outer.rollback()
            if sqlite:
                driver.isolation_level = isolation_level
            connection.close()
            app.config.clear()
            app.config.update(config)


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


#: A Wednesday morning in Linfen's working hours. Tests that name fixed dates, or compare what a page
#: or the API says with a stored deadline, travel here (the ``working_morning`` fixture), whatever today's
#: date is; the half second makes deadlines carry a fraction of a second, as they do in working hours.
WORKING_MORNING = datetime(2026, 11, 18, 10, 0, 0, 500_000, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def working_morning():
    """The clock at :data:`WORKING_MORNING`, ticking on from there, for the test."""
    with time_machine.travel(WORKING_MORNING, tick=True):
        yield WORKING_MORNING


def csrf_from(html: str) -> str:
    """The CSRF token embedded in a rendered form."""
    match = re.search(r'name="(?:\w+-)?csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def make_department(app):
    """Factory: a department (city department by default)."""
    from hotline.directory.models import Department, DepartmentKind

    counter = {"n": 0}

    def make(code: str | None = None, name_zh: str | None = None, kind: str = "city_department"):
        counter["n"] += 1
        n = counter["n"]
        dept = Department(code=code or f"dept{n}", name_zh=name_zh or f"测试部门{n}", name_en=f"Dept {n}",
                          kind=DepartmentKind(kind))
        db.session.add(dept)
        db.session.commit()
        return dept

    return make


@pytest.fixture
def make_user(app, make_department):
    """Factory: a user of a role (handlers get a department unless one is given)."""
    from hotline.auth.services import create_user

    def make(role: str = "operator", username: str | None = None, department=None, password: str = PASSWORD,
             locale: str = "zh_CN"):
        if role == "handler" and department is None:
            department = make_department()
        return create_user(username=username or f"{role}-{os.urandom(3).hex()}", display_name=f"测试{role}",
                           password=password, role=role, locale=locale,
                           department_id=department.id if department else None)

    return make


@pytest.fixture
def login(client):
    """Log a user in through the real form; returns the response."""

    def do(username: str, password: str = PASSWORD, follow: bool = False):
        token = csrf_from(client.get("/login").get_data(as_text=True))
        return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                           follow_redirects=follow)

    return do


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free loopback port, in a thread, for the browser tests."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; in CI a missing browser is a failure, elsewhere a skip."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: bin/test installs it with apt-get")
        pytest.skip(f"{CHROMIUM} not installed (bin/test installs it when run as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser page; a screenshot of its last state is kept under test-artifacts/."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()


def type_on_arrival(page, text: str, field_id: str = "caller_phone") -> None:
    """Type as an operator does the moment the intake page shows: into the field that has the focus on
    load. Waits until the browser has applied ``autofocus`` (it does so after the first paint, so typing
    straight after ``goto`` can race it), and fails if the field never gets the focus."""
    page.wait_for_function("id => document.activeElement && document.activeElement.id === id", arg=field_id)
    page.keyboard.type(text)


def snap(page, name: str) -> None:
    """Keep a screenshot of a step as a test artifact (not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def city(app):
    """Linfen's reference data: districts, departments, categories, routing table and demo users
    (already there in rolled-back mode: the app is then on the city database)."""
    from hotline.demo.seed import seed_reference

    if not app.extensions.get(_SEEDED):
        seed_reference()
    return app


@pytest.fixture
def operator(city):
    """The demo operator (王丽)."""
    from sqlalchemy import select

    from hotline.auth.models import User

    return db.session.scalar(select(User).where(User.username == "operator"))


@pytest.fixture
def operator_client(client, login, operator):
    """A client logged in as the demo operator."""
    from hotline.demo.data import DEMO_PASSWORD

    assert login("operator", DEMO_PASSWORD).status_code == 302
    return client


@pytest.fixture
def make_key(city):
    """Factory: issue a key and return its full ``<prefix>.<secret>``."""
    from hotline.api import keys
    from hotline.tickets.lookup import departments_by_code

    def make(role: str = "operator", department: str | None = None, name: str | None = None,
             rate_limit: str = "600 per minute") -> str:
        dept = departments_by_code([department])[department] if department else None
        _, raw = keys.issue(name=name or f"{role}-{department or 'all'}-{id(object())}", role=role,
                            department_id=dept.id if dept else None, rate_limit=rate_limit, created_by_id=None)
        return raw

    return make
