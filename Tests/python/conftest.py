"""Shared fixtures: a Gemini simulator process on a free port."""
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

import pytest
from google import genai
from google.genai import types

SIMULATOR_KEY = "sdk-test-key"
LAST_DAY_OF_ALL_FAMILIES = "2026-10-01"


@pytest.fixture(scope="session")
def simulator():
    binary = os.environ.get("GEMINI_SIMULATOR_BIN")
    if not binary:
        pytest.fail("GEMINI_SIMULATOR_BIN is not set: run the suites through deploy/test.sh")
    # As of the last day Google served every family (2.5 Flash Image until 2026-10-02), so the
    # 2.5 family stays under test; test_simulator_sdk checks today's list on its own simulator.
    process = subprocess.Popen(
        [binary, "--port", "0", "--key", SIMULATOR_KEY, "--served-on", LAST_DAY_OF_ALL_FAMILIES],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(process.stdout.readline().strip())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def client(simulator):
    """Google's own SDK, changed only in its base URL and key."""
    return genai.Client(api_key=SIMULATOR_KEY, http_options=types.HttpOptions(base_url=simulator))


@pytest.fixture
def recorded(simulator):
    """The requests the simulator received, most recent last."""

    def fetch():
        with urllib.request.urlopen(f"{simulator}/_sim/requests") as response:
            return json.load(response)

    return fetch


# ---------------------------------------------------------------- Easel under test

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return response.status, (json.loads(text) if text else None), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), error.headers


@dataclass
class Easel:
    url: str
    root_email: str
    root_password: str
    owner_email: str
    member_email: str
    password: str
    tenant_id: str = ""
    # The environment `easel` commands of this instance run with.
    env: dict = None

    def cli(self, *arguments):
        """Runs `easel ARGUMENTS` against this instance's database; its completed process, with
        the output decoded but its line ends kept (the CSV exports end lines with CRLF)."""
        done = subprocess.run([os.environ["EASEL_BIN"], *arguments], env=self.env, capture_output=True)
        done.stdout, done.stderr = done.stdout.decode(), done.stderr.decode()
        return done

    def session(self, email, password=None):
        """Logs in; returns the headers a browser would send (cookie and CSRF token)."""
        status, body, headers = http_json("POST", f"{self.url}/api/v1/auth/login", {"email": email, "password": password or self.password})
        assert status == 200, body
        return {"Cookie": headers["Set-Cookie"].split(";")[0], "X-CSRF-Token": body["csrfToken"]}

    def api_key(self, email, name="sdk"):
        """A new API key of `email`: (secret, id)."""
        status, body, _ = http_json("POST", f"{self.url}/api/v1/keys", {"name": name}, self.session(email))
        assert status == 201, body
        return body["secret"], body["id"]


@pytest.fixture(scope="session")
def easel(tmp_path_factory, simulator):
    """A real `easel serve` on its own database, with a tenant, an owner and a member, calling
    the simulator as its Gemini endpoint."""
    server_url = os.environ.get("EASEL_TEST_DATABASE_URL")
    binary = os.environ.get("EASEL_BIN")
    if not server_url or not binary:
        pytest.fail("EASEL_TEST_DATABASE_URL and EASEL_BIN are not set: run the suites through deploy/test.sh")
    database = "browser_" + uuid.uuid4().hex[:12]
    base = server_url.split("?")[0].rsplit("/", 1)[0]
    subprocess.run(["psql", server_url.split("?")[0], "-qc", f'CREATE DATABASE "{database}"'], check=True)
    port = free_port()
    env = {
        **os.environ,
        "EASEL_DATABASE_URL": f"{base}/{database}?sslmode=disable",
        "EASEL_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "EASEL_PORT": str(port),
        "EASEL_BCRYPT_COST": "4",
        "EASEL_PUBLIC_DIR": os.path.join(os.path.dirname(__file__), "..", "..", "Public"),
        "EASEL_MIGRATIONS_DIR": os.path.join(os.path.dirname(__file__), "..", "..", "migrations"),
        "EASEL_LOG_LEVEL": "warning",
        "GEMINI_BASE_URL": simulator,
        "GEMINI_API_KEY": SIMULATOR_KEY,
    }
    subprocess.run([binary, "migrate"], env=env, check=True, capture_output=True)
    root_password = "root password 123"
    subprocess.run([binary, "create-admin", "--email", "root@easel.test", "--password-stdin"], input=root_password + "\n",
                   text=True, env=env, check=True, capture_output=True)
    seeded = subprocess.run([binary, "seed-models"], env=env, check=True, capture_output=True, text=True).stdout
    assert seeded.startswith("Added Nano Banana"), seeded
    log = open(tmp_path_factory.mktemp("easel") / "easel.log", "w")
    process = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if http_json("GET", f"{url}/ready")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        else:
            pytest.fail("easel serve did not become ready")
        status, body, headers = http_json("POST", f"{url}/api/v1/auth/login", {"email": "root@easel.test", "password": root_password})
        assert status == 200, body
        auth = {"Cookie": headers["Set-Cookie"].split(";")[0], "X-CSRF-Token": body["csrfToken"]}
        created = subprocess.run([binary, "create-tenant", "--name", "Acme Studio", "--slug", "acme"], env=env, check=True,
                                 capture_output=True, text=True).stdout
        assert created.startswith("Created tenant Acme Studio (acme): "), created
        tenant = {"id": created.strip().rsplit(" ", 1)[-1]}
        password = "correct horse battery"
        for email, role in [("owner@acme.test", "owner"), ("member@acme.test", "member")]:
            status, created, _ = http_json("POST", f"{url}/api/v1/users",
                                           {"email": email, "role": role, "password": password, "tenantId": tenant["id"]}, auth)
            assert status == 201, created
        yield Easel(url, "root@easel.test", root_password, "owner@acme.test", "member@acme.test", password, tenant["id"], env)
    finally:
        process.terminate()
        process.wait(timeout=30)
        subprocess.run(["psql", server_url.split("?")[0], "-qc", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'], check=False)


@pytest.fixture(scope="session")
def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"]:
        options.add_argument(argument)
    options.binary_location = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def browser(_driver):
    """The shared headless Chromium, with no cookies left from the test before."""
    _driver.delete_all_cookies()
    _driver.set_window_size(1280, 900)
    yield _driver
    _driver.delete_all_cookies()
