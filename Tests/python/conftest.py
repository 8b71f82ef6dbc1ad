"""Shared fixtures: a Gemini simulator process on a free port."""
import json
import os
import subprocess
import urllib.request

import pytest
from google import genai
from google.genai import types

SIMULATOR_KEY = "sdk-test-key"


@pytest.fixture(scope="session")
def simulator():
    binary = os.environ.get("GEMINI_SIMULATOR_BIN")
    if not binary:
        pytest.fail("GEMINI_SIMULATOR_BIN is not set: run the suites through deploy/test.sh")
    process = subprocess.Popen(
        [binary, "--port", "0", "--key", SIMULATOR_KEY], stdout=subprocess.PIPE, text=True
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
