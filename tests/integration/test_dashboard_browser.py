"""The dashboard in headless Chromium (Debian's package, driven by selenium with its chromedriver, offline).

Run with `make test-integration` (installs Chromium with scripts/install_chromium.sh). The page is served
by uvicorn on 127.0.0.1 from real gold built from one Volve month; the explain box uses a stand-in engine
until da_platform.rag.service lands.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from da_platform.api.app import create_app
from da_platform.api.keys import KeyStore
from da_platform.env import load_settings
from tests.conftest import DEPLOYMENT_VARIABLES
from tests.helpers import build_environment

pytestmark = pytest.mark.integration

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@dataclass
class Answer:
    question: str

    def to_dict(self) -> dict:
        return {
            "answer": f"F-12 was down part of the day ({self.question}) [c1]",
            "refused": False,
            "reason": None,
            "citations": [{"id": "c1", "source": "https://example.org/volve/ddr-2016-03-14", "quote": "choke closed"}],
            "facts": [],
        }


class Explainer:
    def explain(self, question: str) -> Answer:
        return Answer(question)

    def index_status(self) -> dict:
        return {"ready": True, "chunks": 1, "collection": "browser-test"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def built_home(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> Path:
    root = tmp_path_factory.mktemp("dashboard")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATALIVE_HOME", str(root / "home"))
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        for name in DEPLOYMENT_VARIABLES:
            mp.delenv(name, raising=False)
        return build_environment(root, "2016-03-01", "2016-03-31")


@contextmanager
def serving(home: Path) -> Iterator[tuple[str, str]]:
    """uvicorn on 127.0.0.1 serving the dev environment under ``home``: its URL and a fresh key."""
    settings = load_settings({"DATALIVE_HOME": str(home)})
    key, _ = KeyStore(settings.env_root, settings.isolation_key).create("browser")
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, explainer=Explainer()), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}", key
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def served(built_home: Path) -> Iterator[tuple[str, str]]:
    with serving(built_home) as url_and_key:
        yield url_and_key


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMEDRIVER).exists():
        pytest.fail("chromedriver missing: run scripts/install_chromium.sh (make test-integration does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1800",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def loaded(served: tuple[str, str], browser) -> object:
    """The dashboard opened, a key entered, and every chart drawn."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, key = served
    browser.get(url + "/")
    browser.find_element(By.ID, "api-key").send_keys(key)
    browser.find_element(By.CSS_SELECTOR, "#key-form button").click()
    WebDriverWait(browser, 60).until(lambda d: d.execute_script("return document.body.dataset.loaded === 'true'"))
    return browser


def points(browser, chart: str) -> int:
    """Data points plotly holds for a chart (its traces' y values that are numbers)."""
    return browser.execute_script(
        "const gd = document.getElementById(arguments[0]);"
        "return (gd.data || []).reduce((n, t) => n + (t.y || []).filter((v) => typeof v === 'number').length, 0);",
        chart,
    )


def test_the_page_loads_without_console_errors(loaded) -> None:
    errors = [entry for entry in loaded.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    assert loaded.execute_script("return typeof Plotly") == "object"


@pytest.mark.parametrize("chart", ["chart-field", "chart-wells", "chart-uptime", "chart-deferment", "chart-forecast"])
def test_each_chart_renders_with_data(loaded, chart: str) -> None:
    from selenium.webdriver.common.by import By

    assert points(loaded, chart) > 0
    assert loaded.find_element(By.CSS_SELECTOR, f"#{chart} .main-svg").is_displayed()


def test_the_status_line_counts_what_was_loaded(loaded) -> None:
    from selenium.webdriver.common.by import By

    status = loaded.find_element(By.ID, "status").text
    assert status.startswith("Loaded 31 field-days") and "90 forecast days" in status


def test_the_ask_why_box_shows_the_answer_and_its_citations_as_links(loaded) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    loaded.find_element(By.ID, "question").send_keys("Why did oil on 15/9-F-12 drop?")
    loaded.find_element(By.CSS_SELECTOR, "#ask-form button").click()
    WebDriverWait(loaded, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#citations li a"))
    assert "Why did oil on 15/9-F-12 drop?" in loaded.find_element(By.ID, "answer").text
    link = loaded.find_element(By.CSS_SELECTOR, "#citations li a")
    assert link.get_attribute("href") == "https://example.org/volve/ddr-2016-03-14"
    assert [e for e in loaded.get_log("browser") if e["level"] == "SEVERE"] == []


def test_a_wrong_key_is_reported_on_the_page_not_as_a_crash(served: tuple[str, str], browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, _ = served
    browser.get(url + "/")
    browser.execute_script("sessionStorage.clear()")
    browser.get(url + "/")
    browser.find_element(By.ID, "api-key").send_keys("dlk_dev_000000000000_" + "x" * 43)
    browser.find_element(By.CSS_SELECTOR, "#key-form button").click()
    WebDriverWait(browser, 30).until(lambda d: "refused" in d.find_element(By.ID, "status").text)


# -- hostile names: gold holding ids the register would refuse (an older lake, another writer) -------------

# Each onerror / onclick would set a flag on window if the page let the name become markup.
IMG_WELL = '<img src=x onerror="window.__xss = 1">'
LINK_WELL = """<a href="https://example.org/" popup='");window.__xss = 2;("'>F-14</a>"""
FORMULA_WELL = '=HYPERLINK("http://example.org","click")'
RENAMED = {"15/9-F-11": IMG_WELL, "15/9-F-14": LINK_WELL, "15/9-F-15 D": FORMULA_WELL}


@pytest.fixture(scope="module")
def hostile(built_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A copy of the environment whose gold names three wells with markup and a formula."""
    import duckdb

    home = tmp_path_factory.mktemp("hostile") / "home"
    shutil.copytree(built_home, home)
    with duckdb.connect(str(home / "dev" / "warehouse" / "datalive_dev.duckdb")) as con:
        tables = con.execute(
            "SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t "
            "USING (table_schema, table_name) WHERE c.table_schema = 'gold' AND c.column_name = 'well_id' "
            "AND t.table_type = 'BASE TABLE'"  # views over them follow
        ).fetchall()
        assert len(tables) >= 3
        for (table,) in tables:
            for old, new in RENAMED.items():
                con.execute(f'UPDATE gold."{table}" SET well_id = ? WHERE well_id = ?', [new, old])
    with serving(home) as url_and_key:
        yield url_and_key


def test_markup_in_well_names_is_shown_as_text_and_never_runs(hostile: tuple[str, str], browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, key = hostile
    browser.get(url + "/")
    browser.execute_script("sessionStorage.clear()")
    browser.get(url + "/")
    browser.find_element(By.ID, "api-key").send_keys(key)
    browser.find_element(By.CSS_SELECTOR, "#key-form button").click()
    WebDriverWait(browser, 60).until(lambda d: d.execute_script("return document.body.dataset.loaded === 'true'"))
    # plotly turns <a popup=...> in a legend into an onclick attribute: clicking it would run the payload.
    browser.execute_script(
        "for (const a of document.querySelectorAll('#chart-wells .legend a'))"
        " a.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));"
    )

    legend = browser.execute_script("return document.querySelector('#chart-wells .legend').textContent")
    assert IMG_WELL in legend and LINK_WELL in legend
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-wells img, #chart-wells .legend a") == []
    options = [o.text for o in browser.find_elements(By.CSS_SELECTOR, "#forecast-well option")]
    assert IMG_WELL in options
    assert browser.execute_script("return window.__xss") is None


def test_a_formula_well_name_is_exported_as_text(hostile: tuple[str, str]) -> None:
    import io
    import urllib.request

    import polars as pl

    url, key = hostile
    request = urllib.request.Request(url + "/insights/export.csv?level=well", headers={"X-API-Key": key})
    with urllib.request.urlopen(request, timeout=30) as response:
        exported = pl.read_csv(io.BytesIO(response.read()))

    assert "'" + FORMULA_WELL in exported["well_id"].to_list()
    assert not exported["well_id"].str.contains(r"^[=+\-@]").any()
    assert exported.schema["volume_sm3"] == pl.Float64


# -- the link `datalive serve` prints -----------------------------------------------------------------------


@contextmanager
def datalive_serve(home: Path) -> Iterator[tuple[str, list[str], object]]:
    """``datalive serve`` as a person runs it: the printed dashboard link, its stderr lines, the process."""
    import os
    import re
    import subprocess
    import sys

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "da_platform.cli", "serve", "--port", str(port)],
        env={**os.environ, "DATALIVE_HOME": str(home), "DA_ENV": "dev"},
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    link = None
    drain = None
    try:
        assert server.stderr is not None
        for line in server.stderr:  # the link comes before uvicorn starts listening
            lines.append(line.rstrip("\n"))
            if match := re.fullmatch(r"\s+(http://127\.0\.0\.1:\d+/#key=dlk_\S+)", lines[-1]):
                link = match.group(1)
                break
        assert link, "datalive serve printed no dashboard link:\n" + "\n".join(lines)
        drain = threading.Thread(target=lambda: lines.extend(x.rstrip("\n") for x in server.stderr), daemon=True)
        drain.start()
        yield link, lines, server
    finally:
        if server.poll() is None:
            server.terminate()
        server.wait(timeout=30)
        if drain is not None:
            drain.join(timeout=10)  # the lines written while stopping (the revocation) are kept


def test_the_printed_link_opens_the_dashboard_with_data_and_its_key_dies_with_the_server(
    built_home: Path, browser
) -> None:
    import urllib.error
    import urllib.request

    from selenium.webdriver.support.ui import WebDriverWait

    settings = load_settings({"DATALIVE_HOME": str(built_home)})
    with datalive_serve(built_home) as (link, lines, server):
        base, key = link.split("/#key=")
        deadline = time.monotonic() + 60
        while True:  # uvicorn listening
            try:
                urllib.request.urlopen(base + "/health", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "\n".join(lines)
                time.sleep(0.2)
        browser.get(base + "/")
        browser.execute_script("sessionStorage.clear()")
        browser.get("about:blank")  # the link opened afresh, as from the terminal
        browser.get(link)  # no key typed: the fragment carries it
        WebDriverWait(browser, 60).until(lambda d: d.execute_script("return document.body.dataset.loaded === 'true'"))
        for chart in ("chart-field", "chart-wells", "chart-uptime", "chart-deferment", "chart-forecast"):
            assert points(browser, chart) > 0, chart
        assert "#key" not in browser.current_url  # taken out of the address bar and the history
        assert key not in "\n".join(line for line in lines if line.startswith("{"))  # nor in any request log
        server.terminate()
        server.wait(timeout=30)
    request = urllib.request.Request(base + "/catalog", headers={"X-API-Key": key})
    with pytest.raises(OSError):  # the server is gone; and its key is revoked in the store
        urllib.request.urlopen(request, timeout=5)
    (record,) = [
        r for r in KeyStore(settings.env_root, settings.isolation_key).records() if r.key_id in key and r.revoked_at
    ]
    assert record.name == "dashboard-link"
    assert any(line.startswith("revoked the dashboard key") for line in lines)


# -- issue 24's done-when: a default `datalive run`, then `datalive serve` and its printed link -------------

# Five months: the backtest needs 30 producing days before a cut-off and 90 after it, so this is the
# shortest slice on which the first candidate is scored and promoted champion.
WHOLE_FIRST, WHOLE_LAST = "2016-01-01", "2016-05-31"


@pytest.fixture(scope="module")
def whole_home(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> Path:
    """A dev environment built by a default `datalive run` (the whole graph: gold, backtest and champion,
    forecasts, explanation index) from five Volve months."""
    from da_platform.cli import main
    from tests.helpers import make_landing

    root = tmp_path_factory.mktemp("whole")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATALIVE_HOME", str(root / "home"))
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        for name in DEPLOYMENT_VARIABLES:
            mp.delenv(name, raising=False)
        assert main(["run", "--landing", str(make_landing(root, WHOLE_FIRST, WHOLE_LAST))]) == 0
    return root / "home"


def series_points(browser, chart: str, trace: str) -> int:
    """Numeric y values of one named trace of a chart."""
    return browser.execute_script(
        "const t = (document.getElementById(arguments[0]).data || []).find((t) => t.name === arguments[1]);"
        "return t ? (t.y || []).filter((v) => typeof v === 'number').length : 0;",
        chart,
        trace,
    )


def test_after_a_default_run_the_printed_link_shows_every_chart_with_forecasts_and_answers_a_question(
    whole_home: Path, browser
) -> None:
    import json
    import re
    import urllib.request

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with datalive_serve(whole_home) as (link, lines, server):
        base = link.split("/#key=")[0]
        deadline = time.monotonic() + 60
        while True:  # uvicorn listening
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as response:
                    health = json.loads(response.read())
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "\n".join(lines)
                time.sleep(0.2)
        assert health["status"] == "ok", health["checks"]
        assert {name: check["ready"] for name, check in health["checks"].items()} == dict.fromkeys(
            health["checks"], True
        )

        browser.get(base + "/")
        browser.execute_script("sessionStorage.clear()")
        browser.get("about:blank")
        # (what that keyless first load logged, e.g. a 401 for a key an earlier test's tab left, is not the
        # link's doing: only what the page opened from the link logs is judged below)
        browser.get_log("browser")
        browser.get(link)
        WebDriverWait(browser, 60).until(lambda d: d.execute_script("return document.body.dataset.loaded === 'true'"))
        for chart in ("chart-field", "chart-wells", "chart-uptime", "chart-deferment", "chart-forecast"):
            assert points(browser, chart) > 0, chart
        # The forecast chart holds the champion's P50, not only the well's history.
        assert series_points(browser, "chart-forecast", "P50") > 0
        meta = browser.find_element(By.ID, "forecast-meta").text
        assert re.search(r"policy version \d+", meta), meta

        browser.find_element(By.ID, "question").send_keys("Why did Volve oil drop on 2016-03-14?")
        browser.find_element(By.CSS_SELECTOR, "#ask-form button").click()
        WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#citations li"))
        answer = browser.find_element(By.ID, "answer").text
        assert "2016-03-14" in answer and not answer.startswith(("Refused", "No answer")), answer
        kind = browser.find_element(By.ID, "answer-kind").text
        assert kind.split(" · ")[0] and "2016-03-14" in kind, kind
        assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
