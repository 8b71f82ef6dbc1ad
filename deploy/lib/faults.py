#!/usr/bin/env python3
"""The fault suite's driver (run by deploy/faults.sh, which starts PostgreSQL and the simulator).

Two Easel instances share one database with the simulator as upstream. Under a steady load of
generations, some asking the simulator for an upstream fault, it SIGKILLs one instance and starts
it again, restarts PostgreSQL, sends an instance SIGTERM with calls in flight, and sends one
SIGTERM while the database is down. Then it checks and prints: every stored generation ended;
none is left queued or running; none was answered upstream twice (the simulator's count of
complete answers per prompt); each stored end matches the fault asked for (or what the
infrastructure fault at that moment explains); and how long each recovery took.

Only the standard library: it runs wherever deploy/test.sh does.
"""

import argparse
import collections
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

# What each kind of generation asks of the simulator, and the ends it may have. Every kind may
# also end as an instance or database fault explains: `instance_lost` (its instance died after the
# call went upstream; never sent again), `client_gone` (an inline call whose instance died),
# `shutting_down` (an inline call its instance stopped during a shutdown), `not_started` (an
# inline call the database could not start), `reclaim_limit`.
INFRASTRUCTURE = {
    ("failed", "instance_lost"), ("failed", "client_gone"), ("failed", "shutting_down"), ("failed", "reclaim_limit"),
    # An inline call whose start the database refused (it was restarting): nothing went upstream.
    ("failed", "not_started"),
}
KINDS = [
    # name, weight, directive, expected (status, error_code) ends
    ("plain", 55, "", {("succeeded", None)}),
    ("429 then answered", 8, "[sim:status=429][sim:retry-after=1][sim:fail-first=1]", {("succeeded", None)}),
    ("503 burst then answered", 8, "[sim:fail-first=2]", {("succeeded", None)}),
    ("500 every time", 4, "[sim:status=500]", {("failed", "INTERNAL")}),
    ("hangs past the deadline", 3, "[sim:hang=60000]", {("failed", "deadline_exceeded")}),
    ("truncated body", 4, "[sim:truncate]", {("failed", "upstream_unreachable")}),
    ("connection reset", 4, "[sim:reset]", {("failed", "upstream_unreachable")}),
    ("error mid-stream", 4, "[sim:stream-error]", {("failed", "INTERNAL")}),
    ("prompt blocked", 5, "[sim:block-prompt]", {("blocked", None)}),
    ("image blocked", 5, "[sim:image-safety]", {("blocked", None)}),
]
TERMINAL = ("succeeded", "blocked", "failed", "canceled")


def log(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


class Database:
    def __init__(self, url):
        self.url = url

    def query(self, sql):
        """Rows of `sql` as lists of strings (psql, unaligned); retried while PostgreSQL restarts."""
        for attempt in range(60):
            done = subprocess.run(["psql", self.url, "-XAtq", "-F", "\t", "-c", sql], capture_output=True, text=True)
            if done.returncode == 0:
                return [line.split("\t") for line in done.stdout.splitlines() if line]
            time.sleep(0.5)
        raise RuntimeError(f"psql failed: {done.stderr.strip()}")


class Instance:
    """One `easel serve` process on its own port."""

    def __init__(self, name, binary, port, environment, workdir):
        self.name, self.binary, self.port = name, binary, port
        self.environment = dict(environment, EASEL_PORT=str(port))
        self.logfile = os.path.join(workdir, f"easel-{name}.log")
        self.process = None
        self.up = False

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "serve"], env=self.environment, stdout=open(self.logfile, "a"), stderr=subprocess.STDOUT
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/ready")
                if connection.getresponse().status == 200:
                    self.up = True
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"instance {self.name} exited at start (log: {self.logfile})")
            time.sleep(0.1)
        raise RuntimeError(f"instance {self.name} was not ready in 60 s (log: {self.logfile})")

    @property
    def pid(self):
        return self.process.pid

    def stop(self, sig):
        """Sends `sig` and returns the seconds until the process exited (None if it did not in 60 s)."""
        self.up = False
        started = time.time()
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None
        return time.time() - started


class Load:
    """Submits `total` generations from `threads` clients, spread over the instances that are up."""

    def __init__(self, instances, key, model_id, total, threads, inline_share):
        self.instances, self.key, self.model_id = instances, key, model_id
        self.total, self.threads, self.inline_share = total, threads, inline_share
        self.lock = threading.Lock()
        self.next_index = 0
        self.submitted = 0
        self.acknowledged = {}  # generation id -> prompt (JSON API 202s)
        self.kind_of_prompt = {}
        self.refused = collections.Counter()
        self.weights = [kind[1] for kind in KINDS]
        self.rng = random.Random(20261203)

    def pick(self):
        with self.lock:
            if self.next_index >= self.total:
                return None
            self.next_index += 1
            kind = self.rng.choices(KINDS, weights=self.weights)[0]
            inline = self.rng.random() < self.inline_share
            # Half the inline calls stream; a mid-stream error needs a stream.
            streamed = self.rng.random() < 0.5 or kind[0] == "error mid-stream"
            return kind, inline, streamed

    def prompt(self, kind):
        prompt = f"fault suite {uuid.uuid4().hex} {kind[2]}".strip()
        with self.lock:
            self.kind_of_prompt[prompt] = kind
        return prompt

    def instance(self):
        live = [instance for instance in self.instances if instance.up]
        return random.choice(live) if live else None

    def submit(self, inline, streamed, prompt):
        """Sends one generation; true once an instance took it (a response came), false to try again."""
        instance = self.instance()
        if instance is None:
            time.sleep(0.2)
            return False
        if inline:
            method = "streamGenerateContent?alt=sse" if streamed else "generateContent"
            path = f"/v1beta/models/gemini-3.1-flash-image:{method}"
            body = {
                "contents": [{"role": "user", "parts": [{"text": prompt}]}],
                "generationConfig": {"imageConfig": {"imageSize": "512"}},
            }
            headers = {"x-goog-api-key": self.key}
        else:
            path = "/api/v1/generations"
            body = {"modelId": self.model_id, "prompt": prompt, "imageSize": "512"}
            headers = {"Authorization": f"Bearer {self.key}"}
        headers["Content-Type"] = "application/json"
        try:
            connection = http.client.HTTPConnection("127.0.0.1", instance.port, timeout=120)
            connection.request("POST", path, body=json.dumps(body), headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            # Refused, reset or cut: the instance is going down. A row may or may not exist;
            # the checks below count rows, not answers.
            time.sleep(0.05)
            return False
        with self.lock:
            self.submitted += 1
            if not inline and response.status == 202:
                self.acknowledged[json.loads(payload)["id"]] = prompt
            elif not inline and response.status != 202:
                self.refused[f"{response.status} {json.loads(payload).get('error', {}).get('code')}"] += 1
        return True

    def client(self):
        while True:
            picked = self.pick()
            if picked is None:
                return
            kind, inline, streamed = picked
            # Sent until an instance answers. A retry is a new generation with a prompt of its
            # own, so the simulator's count per prompt sees only what Easel itself sent again.
            while not self.submit(inline, streamed, self.prompt(kind)):
                pass

    def progress(self):
        with self.lock:
            return self.next_index / self.total


def setup(base, admin_email, admin_password, tenant_id):
    """A tenant owner's API key and the id of the seeded Nano Banana 2 (gemini-3.1-flash-image)."""

    def call(method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=dict(headers or {}, **{"Content-Type": "application/json"}))
        response = connection.getresponse()
        return response, json.loads(response.read() or b"null")

    def log_in(email, password):
        response, body = call("POST", "/api/v1/auth/login", {"email": email, "password": password})
        assert response.status == 200, body
        cookie = response.getheader("Set-Cookie").split(";")[0]
        return {"Cookie": cookie, "X-CSRF-Token": body["csrfToken"]}

    admin = log_in(admin_email, admin_password)
    response, body = call("POST", "/api/v1/users", {"email": "faults@faults.test", "role": "owner", "password": "fault suite password", "tenantId": tenant_id}, admin)
    assert response.status == 201, body
    owner = log_in("faults@faults.test", "fault suite password")
    _, key = call("POST", "/api/v1/keys", {"name": "fault suite"}, owner)
    _, models = call("GET", "/api/v1/models", headers={"Authorization": f"Bearer {key['secret']}"})
    model = next(m for m in models["items"] if m["apiModel"] == "gemini-3.1-flash-image")
    return key["secret"], model["id"]


def simulator_answers(simulator):
    url = urllib.parse.urlparse(simulator)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    connection.request("GET", "/_sim/answers")
    return json.loads(connection.getresponse().read())


def wait_until(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--generations", type=int, required=True)
    parser.add_argument("--easel", required=True, help="the easel binary")
    parser.add_argument("--database", required=True)
    parser.add_argument("--simulator", required=True)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--ports", required=True, help="two free ports, comma-separated")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--pg-stop", required=True, help="command that stops PostgreSQL")
    parser.add_argument("--pg-start", required=True, help="command that starts PostgreSQL")
    parser.add_argument("--threads", type=int, default=24)
    arguments = parser.parse_args()

    grace, lease = 10, 5
    environment = dict(
        os.environ,
        EASEL_DATABASE_URL=arguments.database,
        GEMINI_BASE_URL=arguments.simulator,
        GEMINI_API_KEY="faults",
        EASEL_SECRET_KEY="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        EASEL_BCRYPT_COST="4",
        EASEL_LOG_LEVEL=os.environ.get("EASEL_FAULTS_LOG_LEVEL", "warning"),
        EASEL_WORKERS="16",
        EASEL_LEASE_SECONDS=str(lease),
        EASEL_SHUTDOWN_GRACE_SECONDS=str(grace),
        EASEL_GENERATION_TIMEOUT_SECONDS="5",
        EASEL_USER_REQUESTS_PER_MINUTE="0",
        EASEL_API_KEY_REQUESTS_PER_MINUTE="0",
    )
    db = Database(arguments.database)
    ports = [int(p) for p in arguments.ports.split(",")]
    a = Instance("a", arguments.easel, ports[0], environment, arguments.workdir)
    b = Instance("b", arguments.easel, ports[1], environment, arguments.workdir)
    try:
        return run(arguments, db, a, b, grace, lease)
    finally:
        for instance in (a, b):
            if instance.process and instance.process.poll() is None:
                instance.process.kill()


def run(arguments, db, a, b, grace, lease):
    a.start()
    b.start()
    key, model_id = setup(urllib.parse.urlparse(f"http://127.0.0.1:{a.port}"), "admin@faults.test", "fault suite admin", arguments.tenant)

    load = Load([a, b], key, model_id, arguments.generations, arguments.threads, inline_share=0.3)
    started = time.time()
    clients = [threading.Thread(target=load.client, daemon=True) for _ in range(arguments.threads)]
    for client in clients:
        client.start()
    report = {}

    def at(fraction):
        while load.progress() < fraction and any(c.is_alive() for c in clients):
            time.sleep(0.05)

    def held_by(instance):
        # The instance's lease owner is "host:pid:nonce".
        return {row[0] for row in db.query(
            f"SELECT id FROM generations WHERE status IN ('queued', 'running') AND lease_owner LIKE '%:{instance.pid}:%'")}

    # 1. An instance killed mid-run, started again: what it held is ended (never sent twice) or
    #    run by the other instance.
    at(0.2)
    orphans = held_by(a)
    killed_at = time.time()
    a.stop(signal.SIGKILL)
    log(f"SIGKILL instance a with {len(orphans)} generations held")
    time.sleep(1)
    a.start()
    report["orphans"] = (orphans, killed_at)

    # 2. PostgreSQL restarted under load.
    at(0.45)
    restart_started = time.time()
    subprocess.run(arguments.pg_stop, shell=True, check=True)
    subprocess.run(arguments.pg_start, shell=True, check=True)
    report["pg_restart"] = time.time() - restart_started
    log(f"restarted PostgreSQL in {report['pg_restart']:.1f} s")

    # 3. A deploy's SIGTERM with calls in flight.
    at(0.7)
    in_flight = len(held_by(b))
    exited = b.stop(signal.SIGTERM)
    log(f"SIGTERM instance b with {in_flight} generations held: exited in {exited if exited is None else round(exited, 1)} s")
    report["sigterm"] = (in_flight, exited)
    b.start()

    # 4. SIGTERM while the database is down: the process still exits within its grace period.
    at(0.85)
    subprocess.run(arguments.pg_stop, shell=True, check=True)
    exited_down = a.stop(signal.SIGTERM)
    subprocess.run(arguments.pg_start, shell=True, check=True)
    log(f"SIGTERM instance a with the database down: exited in {exited_down if exited_down is None else round(exited_down, 1)} s")
    report["sigterm_db_down"] = exited_down
    a.start()

    for client in clients:
        client.join()
    submitted_in = time.time() - started
    log(f"all {arguments.generations} submitted in {submitted_in:.0f} s; waiting for the queue to drain")

    def unfinished():
        return int(db.query("SELECT count(*) FROM generations WHERE status IN ('queued', 'running')")[0][0])

    drained = wait_until(lambda: unfinished() == 0, 180)
    orphan_ids, killed_at = report["orphans"]
    last_orphan = None
    if orphan_ids:
        ids = ",".join(f"'{i}'" for i in orphan_ids)
        rows = db.query(f"SELECT extract(epoch FROM max(finished_at)) FROM generations WHERE id IN ({ids})")
        last_orphan = float(rows[0][0]) - killed_at if rows and rows[0][0] else None

    # The checks.
    rows = db.query("SELECT id, prompt, status, coalesce(error_code, ''), inline FROM generations WHERE prompt LIKE 'fault suite %'")
    by_status = collections.Counter(row[2] for row in rows)
    stored = len(rows)
    terminal = sum(by_status[s] for s in TERMINAL)
    left = stored - terminal
    stored_ids = {row[0] for row in rows}
    lost_acknowledged = [i for i in load.acknowledged if i.lower() not in stored_ids]
    answers = simulator_answers(arguments.simulator)
    twice = answers["repeated"]

    outcomes = collections.defaultdict(collections.Counter)
    mismatches = []
    for generation_id, prompt, status, code, inline in rows:
        kind = load.kind_of_prompt.get(prompt)
        end = (status, code or None)
        name = kind[0] if kind else "unknown"
        outcomes[name][f"{status}{' ' + code if code else ''}"] += 1
        if kind is None or (end not in kind[3] and end not in INFRASTRUCTURE):
            mismatches.append((generation_id, name, end))

    checks = []

    def check(name, ok, detail):
        checks.append(ok)
        print(f"  {'ok  ' if ok else 'FAIL'} {name}: {detail}")

    print()
    print(f"fault suite: {arguments.generations} generations ({int(load.inline_share * 100)}% inline /v1beta calls) on 2 instances, "
          f"{arguments.threads} clients, lease {lease} s, grace {grace} s; submitted in {submitted_in:.0f} s")
    check("accepted = terminal", left == 0 and drained, f"{stored} stored, {terminal} terminal, {left} queued or running left")
    check("every acknowledged generation is stored", not lost_acknowledged,
          f"{len(load.acknowledged)} acknowledged (202), {len(lost_acknowledged)} missing" + (f", e.g. {lost_acknowledged[:2]}" if lost_acknowledged else ""))
    check("answered upstream twice", not twice, f"{len(twice)} prompts (simulator: {answers['answered']} complete answers)")
    for prompt in list(twice)[:5]:
        print(f"       answered {twice[prompt]}×: {[row[0:1] + row[2:] for row in rows if row[1] == prompt]} {prompt}")
    check("each end matches its fault", not mismatches, f"{len(mismatches)} mismatches" + (f", e.g. {mismatches[:3]}" if mismatches else ""))
    check("kill → last orphan ended", last_orphan is not None or not orphan_ids,
          f"{len(orphan_ids)} orphans, last ended {last_orphan:.1f} s after the kill" if last_orphan is not None else f"{len(orphan_ids)} orphans")
    in_flight, exited = report["sigterm"]
    check("SIGTERM with calls in flight exits within the grace period", exited is not None and exited <= grace,
          f"{in_flight} held, exited in {exited:.1f} s" if exited is not None else "did not exit")
    check("SIGTERM with the database down exits within the grace period", exited_down is not None and exited_down <= grace,
          f"exited in {exited_down:.1f} s" if exited_down is not None else "did not exit")
    print(f"  PostgreSQL restart took {report['pg_restart']:.1f} s; refused at admission: {dict(load.refused) or 'none'}")
    print("  ends by kind:")
    for kind in KINDS:
        counts = outcomes.get(kind[0], {})
        print(f"    {kind[0]:<26} " + ", ".join(f"{n} {end}" for end, n in sorted(counts.items(), key=lambda item: -item[1])))
    print()
    passed = sum(checks)
    print(f"{passed} passed, {len(checks) - passed} failed")
    return 0 if passed == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
