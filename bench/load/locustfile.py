"""Who loads the site during `make loadtest` (run by bench/load/__main__.py).

- Citizen: a person on their own connection (own X-Forwarded-For address):
  opens the form, spends a few seconds on it, sends it (one in three with an
  image), then browses a little. Every answer to a submission is written to
  the journal (LOAD_JOURNAL) with the record's unique name, for the check.
- Flood: one address sending the form as fast as it can: the rate limit must
  stop it after a person's allowance.
- Reader: lists, pages of the list, map and its data, territory pages, records.
- Moderator: logs in, opens the oldest pending records of the queue, approves.
"""

import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from pathlib import Path

from locust import HttpUser, between, task

from tests.httpforms import parse_forms

RUN = os.environ["LOAD_RUN"]
JOURNAL = Path(os.environ["LOAD_JOURNAL"])
IMAGE = Path(os.environ["LOAD_IMAGE"]).read_bytes()
TERRITORIES = json.loads(os.environ["LOAD_TERRITORIES"])
COMMUNES = json.loads(os.environ["LOAD_COMMUNES"])
MODERATORS = json.loads(os.environ["LOAD_MODERATORS"])
FILL_SECONDS = float(os.environ.get("LOAD_FILL_SECONDS", "5"))

_addresses = itertools.count(1)
_moderators = itertools.cycle(MODERATORS)
_journal_lock = threading.Lock()


# Each run its own addresses: limits from a run an hour ago must not count.
_BASE = (int(RUN, 16) % 200) << 16


def _address() -> str:
    n = _BASE + next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def journal(**entry) -> None:
    with _journal_lock, JOURNAL.open("a") as out:
        out.write(json.dumps(entry) + "\n")


class Visitor(HttpUser):
    abstract = True

    def on_start(self):
        self.client.headers["X-Forwarded-For"] = _address()

    def page(self, path, name=None):
        with self.client.get(path, name=name or path, catch_response=True) as answer:
            if answer.status_code >= 500 or answer.status_code in (0, 404):
                answer.failure(f"HTTP {answer.status_code}")
            return answer

    def browse(self):
        choice = random.random()
        if choice < 0.3:
            page = random.randint(1, 5)
            self.page(f"/initiatives/?page={page}", "/initiatives/?page")
        elif choice < 0.5:
            self.page("/carte/")
            self.page("/carte/donnees.json")
        elif choice < 0.8:
            self.page(
                f"/territoires/{random.choice(TERRITORIES)}/", "/territoires/[slug]/"
            )
        else:
            self.page("/initiatives/")

    def submit(self, *, image: bool) -> None:
        form_page = self.page("/initiatives/proposer/")
        if form_page.status_code != 200:
            return
        form = next(f for f in parse_forms(form_page.text) if f.get("started"))
        name = f"Charge {RUN} {uuid.uuid4().hex[:12]}"
        data = form.with_values(
            name=name,
            summary="Une initiative envoyée pendant l'essai de charge.",
            category=random.choice(form.options["category"]),
            commune=random.choice(COMMUNES),
            submitter_email="charge@example.org",
            consent="on",
        )
        time.sleep(FILL_SECONDS)  # a person reads and types
        files = {"image": ("photo.jpg", IMAGE, "image/jpeg")} if image else None
        with self.client.post(
            "/initiatives/proposer/",
            data=data,
            files=files,
            headers={"Origin": self.host},
            allow_redirects=False,
            name="/initiatives/proposer/" + (" (image)" if image else ""),
            catch_response=True,
        ) as answer:
            status, detail = answer.status_code, ""
            if status == 302 and "/merci/" in answer.headers.get("Location", ""):
                outcome = "accepted"
            elif status == 429:
                outcome = "rate_limited"
                answer.success()
            elif status == 400:
                outcome = "invalid"
                answer.failure("formulaire refusé (400)")
                # The error summary says which field, for the report.
                detail = answer.text.split('class="error-summary"', 1)[-1][:600]
            else:
                outcome = "error"
                answer.failure(f"HTTP {status}")
            journal(
                detail=detail,
                name=name,
                who=type(self).__name__,
                address=self.client.headers["X-Forwarded-For"],
                outcome=outcome,
                status=status,
                image=image,
            )


SENDS_PER_PERSON = int(os.environ.get("LOAD_SENDS_PER_PERSON", "3"))


class Citizen(Visitor):
    weight = 4
    wait_time = between(2, 6)

    def on_start(self):
        super().on_start()
        self.sent = 0

    @task(3)
    def propose(self):
        if self.sent == SENDS_PER_PERSON:
            # This person is done; the next one comes from another connection.
            self.client.headers["X-Forwarded-For"] = _address()
            self.sent = 0
        self.submit(image=random.random() < 1 / 3)
        self.sent += 1

    @task(2)
    def look_around(self):
        self.browse()


class Flood(Visitor):
    """Three robots on one address, sending without pause (beyond the form's
    minimum fill time): the limit lets a person's allowance through, no more."""

    fixed_count = 3
    wait_time = between(0.1, 0.3)

    def on_start(self):
        self.client.headers["X-Forwarded-For"] = f"192.0.{_BASE >> 16}.66"

    @task
    def flood(self):
        self.submit(image=False)


class Reader(Visitor):
    weight = 6
    wait_time = between(0.5, 2)

    @task
    def read(self):
        self.browse()


PENDING = re.compile(r'href="(/moderation/initiatives/(\d+)/)"')


class Moderator(Visitor):
    fixed_count = 2
    wait_time = between(1, 3)

    def on_start(self):
        super().on_start()
        username, password = next(_moderators)
        login = self.page("/compte/connexion/")
        form = next(f for f in parse_forms(login.text) if f.get("username") is not None)
        self.client.post(
            "/compte/connexion/",
            data=form.with_values(username=username, password=password),
            headers={"Origin": self.host},
            allow_redirects=False,
            name="/compte/connexion/",
        )

    @task
    def approve(self):
        queue = self.page("/moderation/")
        links = PENDING.findall(queue.text)
        if not links:
            return
        path, _ = random.choice(links[:10])
        record = self.page(path, "/moderation/initiatives/[pk]/")
        forms = [f for f in parse_forms(record.text) if f.get("name") is not None]
        if record.status_code != 200 or not forms:
            return
        with self.client.post(
            path,
            data=forms[0].fields,
            headers={"Origin": self.host},
            allow_redirects=False,
            name="/moderation/initiatives/[pk]/",
            catch_response=True,
        ) as answer:
            # Another moderator may have been quicker: a redirect saying so.
            if answer.status_code != 302:
                answer.failure(f"HTTP {answer.status_code}")
